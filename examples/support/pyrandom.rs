//! Python's `random` module, as far as the recipes use it: `random.seed(n)`,
//! `random.random()` and `random.uniform(a, b)`, giving the very numbers CPython gives.
//!
//! Some recipes fail "at random" and seed the generator so that a run is repeatable
//! (`random.seed(7)`); for a weft example to take the same branches as the CPython
//! program, it needs the same sequence. CPython's generator is the Mersenne Twister
//! MT19937 (Modules/_randommodule.c): `seed(n)` for an int feeds `abs(n)`'s 32-bit words
//! to `init_by_array`, and `random()` builds a 53-bit float from two 32-bit outputs.
//!
//! An example includes it with `#[path = "support/pyrandom.rs"] mod pyrandom;`.
#![allow(dead_code)]

const N: usize = 624;
const M: usize = 397;

/// A `random.Random` instance.
pub struct Random {
    mt: [u32; N],
    index: usize,
}

impl Random {
    /// `random.seed(n)`.
    pub fn seed(n: u64) -> Random {
        let mut key = Vec::new();
        let mut v = n;
        loop {
            key.push(v as u32);
            v >>= 32;
            if v == 0 {
                break;
            }
        }
        let mut r = Random { mt: [0; N], index: N };
        r.init_by_array(&key);
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = self.mt[i - 1];
            self.mt[i] =
                (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
    }

    fn genrand_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random.random()`: a float in [0, 1).
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.genrand_u32() >> 5);
        let b = f64::from(self.genrand_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `random.uniform(a, b)`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }
}
