//! The portable scanner: one table lookup per byte. It is the reference the
//! SIMD scanners are tested against, and the fallback on CPUs without them.

use super::{HOST, Scanner, TARGET, TCHAR, TokenBlock, VALUE, value_stops_by_table};

/// Scans a byte at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scalar;

#[inline(always)]
fn run_end(data: &[u8], start: usize, class: &[bool; 256]) -> usize {
    let mut i = start;
    while i < data.len() && class[data[i] as usize] {
        i += 1;
    }
    i
}

impl Scanner for Scalar {
    #[inline(always)]
    fn token_end(self, data: &[u8], start: usize) -> usize {
        run_end(data, start, &TCHAR)
    }
    #[inline(always)]
    fn value_end(self, data: &[u8], start: usize) -> usize {
        run_end(data, start, &VALUE)
    }
    #[inline(always)]
    fn target_end(self, data: &[u8], start: usize) -> usize {
        run_end(data, start, &TARGET)
    }
    #[inline(always)]
    fn host_end(self, data: &[u8], start: usize) -> usize {
        run_end(data, start, &HOST)
    }
    #[inline(always)]
    fn token_block(self, _data: &[u8], _pos: usize) -> Option<TokenBlock> {
        None
    }
    #[inline(always)]
    fn value_stops(self, data: &[u8], pos: usize) -> u64 {
        value_stops_by_table(data, pos)
    }
    #[inline(always)]
    fn find_byte(self, data: &[u8], start: usize, needle: u8) -> usize {
        match data
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == needle))
        {
            Some(i) => start + i,
            None => data.len().max(start),
        }
    }
}
