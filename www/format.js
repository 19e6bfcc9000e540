// Number formatting for the page: sizes in KiB/MiB, counts in k/M/G, ratios and durations.

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function count(n) {
  if (n < 1e3) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} M`;
  return `${(n / 1e9).toFixed(2)} G`;
}

/** A ratio after/before: "0.262×". */
export function ratio(r) {
  return `${r.toFixed(3)}×`;
}

/** An error value: 4 significant digits, exponent form when tiny. */
export function number(x) {
  if (x === 0) return "0";
  if (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) return x.toExponential(3);
  return x.toPrecision(4);
}

export function ms(t) {
  if (t < 1) return `${(t * 1000).toFixed(0)} µs`;
  if (t < 1000) return `${t.toFixed(t < 10 ? 2 : 1)} ms`;
  return `${(t / 1000).toFixed(2)} s`;
}
