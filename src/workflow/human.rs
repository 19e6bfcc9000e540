//! Numbers for people: `3.64 G`, `44.6 MiB`, `12.3 ms`.

/// Decimal SI prefix with three significant digits: `950`, `1.23 k`, `45.6 M`, `3.64 G`.
pub fn count(n: u64) -> String {
    const UNITS: [(f64, &str); 5] = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let x = n as f64;
    for (scale, unit) in UNITS {
        if x >= scale {
            return format!("{} {unit}", three_digits(x / scale));
        }
    }
    n.to_string()
}

/// Binary prefixes: `512 B`, `1.50 KiB`, `44.6 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (scale, unit) in UNITS {
        if n >= scale {
            return format!("{} {unit}", three_digits(n as f64 / scale as f64));
        }
    }
    format!("{n} B")
}

/// A duration in the unit that reads best.
pub fn duration(d: std::time::Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 1e-3 {
        format!("{:.3} ms", secs * 1e3)
    } else {
        format!("{:.1} µs", secs * 1e6)
    }
}

pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn three_digits(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// `[1, 3, 224, 224]`.
pub fn shape(dims: &[usize]) -> String {
    format!("[{}]", dims.iter().map(usize::to_string).collect::<Vec<_>>().join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(950), "950");
        assert_eq!(count(1234), "1.23 k");
        assert_eq!(count(3_640_000_000), "3.64 G");
        assert_eq!(count(456_700_000), "457 M");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(46_766_080), "44.6 MiB");
        assert_eq!(shape(&[1, 3]), "[1, 3]");
        assert_eq!(duration(std::time::Duration::from_micros(1500)), "1.500 ms");
    }
}
