//! Numbers as ASCII digits without allocating: content lengths and chunk
//! sizes are written once per response or chunk.

/// Room for the digits of any `u64` (20 decimal, 16 hexadecimal).
pub(super) struct Digits([u8; 20]);

impl Digits {
    pub fn new() -> Digits {
        Digits([0; 20])
    }

    /// `n` in decimal.
    pub fn decimal(&mut self, n: u64) -> &[u8] {
        self.radix(n, 10)
    }

    /// `n` in lower-case hexadecimal.
    pub fn hex(&mut self, n: u64) -> &[u8] {
        self.radix(n, 16)
    }

    fn radix(&mut self, mut n: u64, radix: u64) -> &[u8] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut i = self.0.len();
        loop {
            i -= 1;
            self.0[i] = DIGITS[(n % radix) as usize];
            n /= radix;
            if n == 0 {
                break;
            }
        }
        &self.0[i..]
    }
}

#[cfg(test)]
mod tests {
    use super::Digits;

    #[test]
    fn decimal_and_hex() {
        let mut d = Digits::new();
        assert_eq!(d.decimal(0), b"0");
        assert_eq!(d.decimal(u64::MAX), u64::MAX.to_string().as_bytes());
        assert_eq!(d.hex(0x1f4a), b"1f4a");
        assert_eq!(d.hex(u64::MAX), b"ffffffffffffffff");
    }
}
