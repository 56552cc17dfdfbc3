//! SSE4.2 and AVX2 scanners: classify 16 or 32 bytes per step.
//!
//! This is the only module of the crate with `unsafe` code. Two things are
//! unsafe here and nothing else: executing instructions the CPU might lack,
//! and unaligned vector loads. The first is guarded by token types
//! ([`Avx2`], [`Sse42`]) that can only be built after runtime detection; the
//! second by loading only at offsets where the whole vector lies inside the
//! slice. Every function returns exactly what `Scalar` returns (tested on
//! random input in `scan::tests`).
//!
//! How the classes are tested per byte:
//! - tchar and Host bytes: the "nibble lookup": the low nibble selects a bitmask of the
//!   high nibbles that make a tchar, the high nibble selects one bit; the
//!   byte is a tchar when the AND is non-zero (two `pshufb`s).
//! - field value: bad when `b <= 0x1f && b != HTAB`, or `b == DEL`.
//! - target: good when `b + 1 > 0x21` as signed bytes, which is exactly
//!   `0x21..=0x7e` (0x7f wraps to -128, obs-text is already negative).
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::{ScanTask, Scanner, TokenBlock, is_host_byte, is_tchar};

/// Proof that this CPU has AVX2: only [`Avx2::detect`] makes one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2 {
    _detected: (),
}

/// Proof that this CPU has SSE4.2 (and so SSSE3): only [`Sse42::detect`] makes one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sse42 {
    _detected: (),
}

impl Avx2 {
    /// `Some` if the CPU supports AVX2.
    pub(crate) fn detect() -> Option<Self> {
        is_x86_feature_detected!("avx2").then_some(Avx2 { _detected: () })
    }
}

impl Sse42 {
    /// `Some` if the CPU supports SSE4.2 and SSSE3.
    pub(crate) fn detect() -> Option<Self> {
        (is_x86_feature_detected!("sse4.2") && is_x86_feature_detected!("ssse3"))
            .then_some(Sse42 { _detected: () })
    }
}

/// Runs `task` inside a function compiled for AVX2, so the generic engine
/// and the intrinsics below are inlined with AVX2 enabled.
#[inline]
pub(crate) fn run_avx2<T: ScanTask>(token: Avx2, task: T) -> T::Output {
    #[target_feature(enable = "avx2")]
    unsafe fn inner<T: ScanTask>(token: Avx2, task: T) -> T::Output {
        task.run(token)
    }
    // SAFETY: `token` exists, so `Avx2::detect` found AVX2 on this CPU.
    unsafe { inner(token, task) }
}

/// Runs `task` inside a function compiled for SSE4.2.
#[inline]
pub(crate) fn run_sse42<T: ScanTask>(token: Sse42, task: T) -> T::Output {
    #[target_feature(enable = "sse4.2,ssse3")]
    unsafe fn inner<T: ScanTask>(token: Sse42, task: T) -> T::Output {
        task.run(token)
    }
    // SAFETY: `token` exists, so `Sse42::detect` found SSE4.2 and SSSE3.
    unsafe { inner(token, task) }
}

/// The nibble tables for an ASCII byte class: `LO[l]` has bit `h` set when
/// the byte `h << 4 | l` is in the class; `HI[h]` is `1 << h` (0 for h >= 8:
/// the classes have no byte above 0x7f).
const fn nibble_tables(host: bool) -> ([u8; 16], [u8; 16]) {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    let mut h = 0;
    while h < 8 {
        hi[h] = 1 << h;
        let mut l = 0;
        while l < 16 {
            let b = ((h as u8) << 4) | l as u8;
            if (host && is_host_byte(b)) || (!host && is_tchar(b)) {
                lo[l] |= 1 << h;
            }
            l += 1;
        }
        h += 1;
    }
    (lo, hi)
}
const TCHAR_LO: [u8; 16] = nibble_tables(false).0;
const TCHAR_HI: [u8; 16] = nibble_tables(false).1;
const HOST_LO: [u8; 16] = nibble_tables(true).0;
const HOST_HI: [u8; 16] = nibble_tables(true).1;

/// Which class a scan stops at.
#[derive(Clone, Copy)]
enum Class {
    Token,
    Host,
    Value,
    Target,
    Byte(u8),
}

// ---- 16-byte kernels (SSE2 + SSSE3) ----

/// Bit i set when byte i of `v` is outside `class`.
///
/// # Safety
/// The CPU must support SSSE3.
#[inline(always)]
unsafe fn stop_mask16(v: __m128i, class: Class) -> u32 {
    // SAFETY (whole body): register-only SSE2/SSSE3 operations and loads of
    // 16-byte constant arrays; the caller guarantees SSSE3.
    unsafe {
        let bad = match class {
            Class::Token | Class::Host => {
                let (lo_tab, hi_tab) = if matches!(class, Class::Host) {
                    (&HOST_LO, &HOST_HI)
                } else {
                    (&TCHAR_LO, &TCHAR_HI)
                };
                let lo_t = _mm_loadu_si128(lo_tab.as_ptr().cast());
                let hi_t = _mm_loadu_si128(hi_tab.as_ptr().cast());
                let nib = _mm_set1_epi8(0x0f);
                let lo = _mm_and_si128(v, nib);
                let hi = _mm_and_si128(_mm_srli_epi16(v, 4), nib);
                let hit = _mm_and_si128(_mm_shuffle_epi8(lo_t, lo), _mm_shuffle_epi8(hi_t, hi));
                _mm_cmpeq_epi8(hit, _mm_setzero_si128())
            }
            Class::Value => {
                let ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
                let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
                let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
                _mm_or_si128(_mm_andnot_si128(tab, ctl), del)
            }
            Class::Target => {
                let good = _mm_cmpgt_epi8(_mm_add_epi8(v, _mm_set1_epi8(1)), _mm_set1_epi8(0x21));
                _mm_cmpeq_epi8(good, _mm_setzero_si128())
            }
            Class::Byte(b) => _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)),
        };
        _mm_movemask_epi8(bad) as u32
    }
}

/// Scans 16 bytes at a time; the last partial block is handled with an
/// overlapping load ending at `data.len()`, or a byte loop for short slices.
///
/// # Safety
/// The CPU must support SSSE3.
#[inline(always)]
unsafe fn scan16(data: &[u8], start: usize, class: Class) -> usize {
    let len = data.len();
    let ptr = data.as_ptr();
    let mut i = start;
    while i + 16 <= len {
        // SAFETY: i + 16 <= len, so the 16 bytes at `ptr + i` are in `data`;
        // SSSE3 is guaranteed by the caller.
        let m = unsafe { stop_mask16(_mm_loadu_si128(ptr.add(i).cast()), class) };
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 16;
    }
    if i >= len {
        return i;
    }
    if len >= 16 {
        let base = len - 16;
        // SAFETY: base + 16 == len, so the load is inside `data`.
        let m = unsafe { stop_mask16(_mm_loadu_si128(ptr.add(base).cast()), class) } >> (i - base);
        return if m != 0 {
            i + m.trailing_zeros() as usize
        } else {
            len
        };
    }
    scalar_tail(data, i, class)
}

#[inline(always)]
fn scalar_tail(data: &[u8], mut i: usize, class: Class) -> usize {
    while i < data.len() {
        let b = data[i];
        let stop = match class {
            Class::Token => !super::TCHAR[b as usize],
            Class::Host => !super::HOST[b as usize],
            Class::Value => !super::VALUE[b as usize],
            Class::Target => !super::TARGET[b as usize],
            Class::Byte(n) => b == n,
        };
        if stop {
            return i;
        }
        i += 1;
    }
    i
}

// ---- 32-byte kernels (AVX2) ----

/// Bit i set when byte i of `v` is outside `class`.
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn stop_mask32(v: __m256i, class: Class) -> u32 {
    // SAFETY (whole body): register-only AVX2 operations and loads of
    // 16-byte constant arrays; the caller guarantees AVX2.
    unsafe {
        let bad = match class {
            Class::Token | Class::Host => {
                let (lo_tab, hi_tab) = if matches!(class, Class::Host) {
                    (&HOST_LO, &HOST_HI)
                } else {
                    (&TCHAR_LO, &TCHAR_HI)
                };
                let lo_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(lo_tab.as_ptr().cast()));
                let hi_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(hi_tab.as_ptr().cast()));
                let nib = _mm256_set1_epi8(0x0f);
                let lo = _mm256_and_si256(v, nib);
                let hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
                let hit =
                    _mm256_and_si256(_mm256_shuffle_epi8(lo_t, lo), _mm256_shuffle_epi8(hi_t, hi));
                _mm256_cmpeq_epi8(hit, _mm256_setzero_si256())
            }
            Class::Value => {
                let ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v);
                let tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\t' as i8));
                let del = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f));
                _mm256_or_si256(_mm256_andnot_si256(tab, ctl), del)
            }
            Class::Target => {
                let good = _mm256_cmpgt_epi8(
                    _mm256_add_epi8(v, _mm256_set1_epi8(1)),
                    _mm256_set1_epi8(0x21),
                );
                _mm256_cmpeq_epi8(good, _mm256_setzero_si256())
            }
            Class::Byte(b) => _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8)),
        };
        _mm256_movemask_epi8(bad) as u32
    }
}

/// Scans 32 bytes at a time, then finishes like [`scan16`].
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn scan32(data: &[u8], start: usize, class: Class) -> usize {
    let len = data.len();
    let ptr = data.as_ptr();
    let mut i = start;
    while i + 32 <= len {
        // SAFETY: i + 32 <= len, so the 32 bytes at `ptr + i` are in `data`;
        // AVX2 is guaranteed by the caller.
        let m = unsafe { stop_mask32(_mm256_loadu_si256(ptr.add(i).cast()), class) };
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 32;
    }
    if i >= len {
        return i;
    }
    if len >= 32 {
        let base = len - 32;
        // SAFETY: base + 32 == len, so the load is inside `data`.
        let m =
            unsafe { stop_mask32(_mm256_loadu_si256(ptr.add(base).cast()), class) } >> (i - base);
        return if m != 0 {
            i + m.trailing_zeros() as usize
        } else {
            len
        };
    }
    // SAFETY: AVX2 implies SSSE3.
    unsafe { scan16(data, i, class) }
}

/// The 64 bytes from `pos`, if `data` has them.
#[inline(always)]
fn bytes64(data: &[u8], pos: usize) -> Option<&[u8; 64]> {
    data.get(pos..pos.checked_add(64)?)
        .and_then(|w| <&[u8; 64]>::try_from(w).ok())
}

/// For [`Scanner::value_stops`] near the end of `data`, where fewer than 64
/// bytes are left from `pos`: the 64 bytes to classify and how to turn
/// their stop mask `m` into the answer, `m >> shift | past_end`. They are
/// the last 64 bytes of `data`, or, for shorter data, `buf` holding the
/// rest padded with NULs (which are stops).
#[inline(always)]
fn value_stops_tail<'a>(
    data: &'a [u8],
    pos: usize,
    buf: &'a mut [u8; 64],
) -> (&'a [u8; 64], u32, u64) {
    let rest = data.len().saturating_sub(pos).min(63);
    let past_end = u64::MAX << rest;
    match data.len().checked_sub(64).and_then(|at| bytes64(data, at)) {
        // Byte `pos + i` is bit `i + 64 - rest` of the last 64.
        Some(last) if rest > 0 => (last, 64 - rest as u32, past_end),
        _ => {
            if let Some(tail) = data.get(pos..pos + rest) {
                buf[..rest].copy_from_slice(tail);
            }
            (buf, 0, past_end)
        }
    }
}

/// The value-stop mask of 64 bytes with AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn value_stops32(bytes: &[u8; 64]) -> u64 {
    // SAFETY: both 32-byte loads lie inside the 64-byte array; the caller
    // guarantees AVX2.
    unsafe {
        let lo = _mm256_loadu_si256(bytes.as_ptr().cast());
        let hi = _mm256_loadu_si256(bytes.as_ptr().add(32).cast());
        u64::from(stop_mask32(lo, Class::Value)) | u64::from(stop_mask32(hi, Class::Value)) << 32
    }
}

/// The value-stop mask of 64 bytes with SSSE3.
///
/// # Safety
/// The CPU must support SSSE3.
#[inline(always)]
unsafe fn value_stops16(bytes: &[u8; 64]) -> u64 {
    // A loop, not a closure: a closure would not be compiled for SSSE3, and
    // the intrinsics in it would not be inlined.
    let mut m = 0u64;
    for i in 0..4 {
        // SAFETY: the 16-byte load at 16 * i lies inside the 64-byte array;
        // the caller guarantees SSSE3.
        let part = unsafe {
            stop_mask16(
                _mm_loadu_si128(bytes.as_ptr().add(16 * i).cast()),
                Class::Value,
            )
        };
        m |= u64::from(part) << (16 * i);
    }
    m
}

impl Scanner for Avx2 {
    #[inline(always)]
    fn value_stops(self, data: &[u8], pos: usize) -> u64 {
        // SAFETY (both): `self` proves AVX2.
        if let Some(bytes) = bytes64(data, pos) {
            return unsafe { value_stops32(bytes) };
        }
        let mut buf = [0u8; 64];
        let (bytes, shift, past_end) = value_stops_tail(data, pos, &mut buf);
        unsafe { value_stops32(bytes) >> shift | past_end }
    }
    #[inline(always)]
    fn token_block(self, data: &[u8], pos: usize) -> Option<TokenBlock> {
        if pos.checked_add(32)? > data.len() {
            return None;
        }
        // SAFETY: pos + 32 <= len, so the load is inside `data`; `self`
        // proves AVX2.
        let stops = unsafe {
            stop_mask32(
                _mm256_loadu_si256(data.as_ptr().add(pos).cast()),
                Class::Token,
            )
        };
        Some(TokenBlock { width: 32, stops })
    }
    #[inline(always)]
    fn token_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves AVX2 (see `Avx2::detect`).
        unsafe { scan32(data, start, Class::Token) }
    }
    #[inline(always)]
    fn value_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves AVX2.
        unsafe { scan32(data, start, Class::Value) }
    }
    #[inline(always)]
    fn host_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves AVX2.
        unsafe { scan32(data, start, Class::Host) }
    }
    #[inline(always)]
    fn target_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves AVX2.
        unsafe { scan32(data, start, Class::Target) }
    }
    #[inline(always)]
    fn find_byte(self, data: &[u8], start: usize, needle: u8) -> usize {
        // SAFETY: `self` proves AVX2.
        unsafe { scan32(data, start, Class::Byte(needle)) }
    }
}

impl Scanner for Sse42 {
    #[inline(always)]
    fn value_stops(self, data: &[u8], pos: usize) -> u64 {
        // SAFETY (both): `self` proves SSSE3.
        if let Some(bytes) = bytes64(data, pos) {
            return unsafe { value_stops16(bytes) };
        }
        let mut buf = [0u8; 64];
        let (bytes, shift, past_end) = value_stops_tail(data, pos, &mut buf);
        unsafe { value_stops16(bytes) >> shift | past_end }
    }
    #[inline(always)]
    fn token_block(self, data: &[u8], pos: usize) -> Option<TokenBlock> {
        if pos.checked_add(16)? > data.len() {
            return None;
        }
        // SAFETY: pos + 16 <= len, so the load is inside `data`; `self`
        // proves SSSE3.
        let stops =
            unsafe { stop_mask16(_mm_loadu_si128(data.as_ptr().add(pos).cast()), Class::Token) };
        Some(TokenBlock { width: 16, stops })
    }
    #[inline(always)]
    fn token_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves SSE4.2 and SSSE3 (see `Sse42::detect`).
        unsafe { scan16(data, start, Class::Token) }
    }
    #[inline(always)]
    fn value_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves SSSE3.
        unsafe { scan16(data, start, Class::Value) }
    }
    #[inline(always)]
    fn host_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves SSSE3.
        unsafe { scan16(data, start, Class::Host) }
    }
    #[inline(always)]
    fn target_end(self, data: &[u8], start: usize) -> usize {
        // SAFETY: `self` proves SSSE3.
        unsafe { scan16(data, start, Class::Target) }
    }
    #[inline(always)]
    fn find_byte(self, data: &[u8], start: usize, needle: u8) -> usize {
        // SAFETY: `self` proves SSSE3.
        unsafe { scan16(data, start, Class::Byte(needle)) }
    }
}
