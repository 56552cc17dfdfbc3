//! Byte-class scanning: find the first byte that ends a token, a field
//! value or a request-target.
//!
//! The parser's hot loop is "skip every byte of a class, stop at the first
//! one outside it". [`Scanner`] is that operation; [`scalar::Scalar`] does it
//! a byte at a time from lookup tables, and the `simd` module does it 16 or
//! 32 bytes at a time with SSE4.2/AVX2, chosen at run time ([`Level`]). The
//! engine is generic over `Scanner` and runs inside [`Level::dispatch`], so
//! the SIMD code is inlined into a function compiled for that instruction
//! set. The byte classes are defined once here, as `const fn`s, and both
//! scanners derive their tables from them.

pub(crate) mod scalar;
#[cfg(target_arch = "x86_64")]
pub(crate) mod simd;

pub(crate) use scalar::Scalar;

/// `tchar` (RFC 9110 §5.6.2): the bytes of methods, field names, codings.
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// A byte allowed inside a field value or reason phrase: HTAB, SP, VCHAR
/// and obs-text (RFC 9110 §5.5, RFC 9112 §4).
pub(crate) const fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// A byte of `uri-host [":" port]` (RFC 3986): unreserved, sub-delims,
/// pct-encoded, ":" and the IP-literal brackets. Checked for Host (RFC 9112 §3.2).
pub(crate) const fn is_host_byte(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~'
        | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        | b':' | b'[' | b']' | b'%')
}

/// A byte allowed in a request-target: visible ASCII (RFC 3986 characters
/// are a subset; the parser checks bytes, not URI structure).
pub(crate) const fn is_target_byte(b: u8) -> bool {
    b >= 0x21 && b <= 0x7e
}

/// Builds a 256-entry lookup table from a class predicate (a macro because
/// `const fn` cannot call through a function pointer).
macro_rules! table {
    ($class:ident) => {{
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = $class(i as u8);
            i += 1;
        }
        t
    }};
}

/// Lookup tables for the scalar scanner and for the parser's own checks.
pub(crate) static TCHAR: [bool; 256] = table!(is_tchar);
pub(crate) static VALUE: [bool; 256] = table!(is_value_byte);
pub(crate) static TARGET: [bool; 256] = table!(is_target_byte);
pub(crate) static HOST: [bool; 256] = table!(is_host_byte);

/// Skips a run of one byte class. Each method returns the index of the first
/// byte at or after `start` outside the class, or `data.len()` if there is
/// none. `start` may equal `data.len()`.
pub(crate) trait Scanner: Copy {
    /// First byte that is not a `tchar`.
    fn token_end(self, data: &[u8], start: usize) -> usize;
    /// First byte that is not a field-value byte (so CR, LF, NUL, DEL, ...).
    fn value_end(self, data: &[u8], start: usize) -> usize;
    /// First byte that is not a request-target byte (so SP, CR, ...).
    fn target_end(self, data: &[u8], start: usize) -> usize;
    /// First byte that is not a Host byte.
    fn host_end(self, data: &[u8], start: usize) -> usize;
    /// First occurrence of `needle`.
    fn find_byte(self, data: &[u8], start: usize, needle: u8) -> usize;
    /// The non-tchar mask of one vector of input at `pos` (bit i: byte
    /// `pos + i`), for a field name: one load instead of [`Scanner::token_end`]'s
    /// loop. `None` if fewer than a vector's width of bytes remain (and
    /// always for the scalar scanner).
    fn token_block(self, data: &[u8], pos: usize) -> Option<TokenBlock>;
    /// Bit i set when byte `pos + i` is not a field-value byte (CR, LF,
    /// another control, DEL) or lies past the end of `data`.
    fn value_stops(self, data: &[u8], pos: usize) -> u64;
}

/// [`Scanner::value_stops`] a byte at a time from the table: the scalar
/// scanner's answer and the reference for the SIMD ones.
#[inline]
pub(crate) fn value_stops_by_table(data: &[u8], pos: usize) -> u64 {
    (0..64).fold(0u64, |m, i| {
        let stop = pos
            .checked_add(i)
            .and_then(|at| data.get(at))
            .is_none_or(|&b| !VALUE[b as usize]);
        m | u64::from(stop) << i
    })
}

/// What [`Scanner::token_block`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenBlock {
    /// How many bytes the mask covers (16 or 32).
    pub width: usize,
    /// Bit i set when byte `pos + i` is not a tchar.
    pub stops: u32,
}

/// A computation to run with the best scanner: the engine implements this so
/// that its whole hot loop is monomorphised per instruction set.
pub(crate) trait ScanTask {
    /// What the task returns.
    type Output;
    /// Runs the task with scanner `s`.
    fn run<S: Scanner>(self, s: S) -> Self::Output;
}

/// The instruction set chosen for scanning.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Level {
    /// 32 bytes at a time.
    #[cfg(target_arch = "x86_64")]
    Avx2(simd::Avx2),
    /// 16 bytes at a time.
    #[cfg(target_arch = "x86_64")]
    Sse42(simd::Sse42),
    /// One byte at a time.
    Scalar,
}

impl Level {
    /// The best level this CPU supports (the standard library caches the
    /// CPUID probe, so this is cheap after the first call).
    pub(crate) fn detect() -> Level {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(t) = simd::Avx2::detect() {
                return Level::Avx2(t);
            }
            if let Some(t) = simd::Sse42::detect() {
                return Level::Sse42(t);
            }
        }
        Level::Scalar
    }

    /// Every level this CPU supports, best first (for tests that compare them).
    #[cfg(test)]
    pub(crate) fn all_available() -> Vec<Level> {
        let mut v = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(t) = simd::Avx2::detect() {
                v.push(Level::Avx2(t));
            }
            if let Some(t) = simd::Sse42::detect() {
                v.push(Level::Sse42(t));
            }
        }
        v.push(Level::Scalar);
        v
    }

    /// Runs `task` with this level's scanner.
    #[inline]
    pub(crate) fn dispatch<T: ScanTask>(self, task: T) -> T::Output {
        match self {
            #[cfg(target_arch = "x86_64")]
            Level::Avx2(t) => simd::run_avx2(t, task),
            #[cfg(target_arch = "x86_64")]
            Level::Sse42(t) => simd::run_sse42(t, task),
            Level::Scalar => task.run(Scalar),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Scan<'a> {
        data: &'a [u8],
        start: usize,
        needle: u8,
    }
    impl ScanTask for Scan<'_> {
        type Output = [usize; 5];
        fn run<S: Scanner>(self, s: S) -> [usize; 5] {
            [
                s.host_end(self.data, self.start),
                s.token_end(self.data, self.start),
                s.value_end(self.data, self.start),
                s.target_end(self.data, self.start),
                s.find_byte(self.data, self.start, self.needle),
            ]
        }
    }

    /// The mask `token_block` must give, computed from the scalar table.
    fn expected_block(data: &[u8], pos: usize, width: usize) -> Option<TokenBlock> {
        let block = data.get(pos..pos.checked_add(width)?)?;
        let stops = block
            .iter()
            .enumerate()
            .filter(|(_, b)| !TCHAR[**b as usize])
            .fold(0u32, |m, (i, _)| m | 1 << i);
        Some(TokenBlock { width, stops })
    }

    struct Block<'a>(&'a [u8], usize);
    impl ScanTask for Block<'_> {
        type Output = Option<TokenBlock>;
        fn run<S: Scanner>(self, s: S) -> Self::Output {
            s.token_block(self.0, self.1)
        }
    }

    struct Stops<'a>(&'a [u8], usize);
    impl ScanTask for Stops<'_> {
        type Output = u64;
        fn run<S: Scanner>(self, s: S) -> Self::Output {
            s.value_stops(self.0, self.1)
        }
    }

    fn all_levels_agree(data: &[u8], start: usize, needle: u8) {
        for level in Level::all_available() {
            assert_eq!(
                level.dispatch(Stops(data, start)),
                value_stops_by_table(data, start),
                "{level:?} value stops of {data:?} at {start}"
            );
        }
        for level in Level::all_available() {
            if let Some(got) = level.dispatch(Block(data, start)) {
                assert_eq!(
                    Some(got),
                    expected_block(data, start, got.width),
                    "{level:?} block"
                );
            }
        }
        let expected = Scan {
            data,
            start,
            needle,
        }
        .run(Scalar);
        for level in Level::all_available() {
            let got = level.dispatch(Scan {
                data,
                start,
                needle,
            });
            assert_eq!(got, expected, "{level:?} on {data:?} from {start}");
        }
    }

    #[test]
    fn byte_classes_match_rfc9110_definitions() {
        assert!(is_tchar(b'~') && is_tchar(b'Z') && !is_tchar(b':') && !is_tchar(b' '));
        assert!(!is_tchar(b'"') && !is_tchar(b'(') && !is_tchar(0x7f) && !is_tchar(0x80));
        assert!(is_value_byte(b'\t') && is_value_byte(0x80) && is_value_byte(0xff));
        assert!(!is_value_byte(b'\r') && !is_value_byte(0) && !is_value_byte(0x7f));
        assert!(is_target_byte(b'/') && !is_target_byte(b' ') && !is_target_byte(0x80));
    }

    #[test]
    fn every_byte_value_at_every_offset_agrees() {
        // One stop byte placed at each position of buffers around the
        // 16/32-byte block sizes, for all 256 byte values.
        for len in [1usize, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100] {
            for b in 0..=255u8 {
                for at in [0, len / 2, len - 1] {
                    let mut data = vec![b'a'; len];
                    data[at] = b;
                    for start in [0, 1.min(len), at] {
                        all_levels_agree(&data, start, b);
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn simd_and_scalar_agree_on_random_input(
            data in proptest::collection::vec(any::<u8>(), 0..200),
            start in 0usize..200,
            needle in any::<u8>(),
        ) {
            let start = start.min(data.len());
            all_levels_agree(&data, start, needle);
        }

        #[test]
        fn simd_and_scalar_agree_on_mostly_valid_input(
            data in proptest::collection::vec(prop_oneof![
                20 => Just(b'a'), 2 => Just(b' '), 1 => Just(b'\r'), 1 => Just(b':'),
                1 => Just(0x80u8), 1 => any::<u8>()], 0..300),
            start in 0usize..300,
        ) {
            let start = start.min(data.len());
            all_levels_agree(&data, start, b'\r');
        }
    }
}
