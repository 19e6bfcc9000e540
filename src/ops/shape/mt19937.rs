//! The Mersenne Twister (MT19937) with numpy's legacy `RandomState` seeding and its
//! `random_sample` doubles, so that seeded random ops (Dropout in training mode) draw the
//! same numbers as the ONNX reference implementation and its test data.

const N: usize = 624;
const M: usize = 397;

pub struct Mt19937 {
    state: [u32; N],
    index: usize,
}

impl Mt19937 {
    /// `numpy.random.RandomState(seed)` for a seed in `[0, 2^32)` (`init_genrand`).
    pub fn new(seed: u32) -> Mt19937 {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
        }
        Mt19937 { state, index: N }
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A double in `[0, 1)` with 53 random bits (numpy `random_sample` / `uniform(0, 1)`).
    pub fn next_f64(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    fn twist(&mut self) {
        for i in 0..N {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % N] & 0x7fff_ffff);
            let mut next = self.state[(i + M) % N] ^ (y >> 1);
            if y & 1 != 0 {
                next ^= 0x9908_b0df;
            }
            self.state[i] = next;
        }
        self.index = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_random_state() {
        // numpy.random.RandomState(0).random_sample(2) and RandomState(5489).randint(2**32) (raw output).
        let mut rng = Mt19937::new(0);
        assert_eq!(rng.next_f64(), 0.5488135039273248);
        assert_eq!(rng.next_f64(), 0.7151893663724195);
        assert_eq!(Mt19937::new(5489).next_u32(), 3_499_211_612);
    }
}
