//! Whole-line recognisers: a request line, a status line, or the lines of
//! a field section, when they lie entirely in the input and are well formed.
//!
//! They only say "here it is" or `None`; they never report errors. The
//! engine's fast path and the borrowed API's one-pass path both use them and
//! leave every `None` to the engine's byte-level state machine, which owns
//! all error reporting. So what these accept must be exactly what that state
//! machine would accept, with the same result.

use super::config::Config;
use super::parser::MAX_TRAILING_WS;
use super::scan::Scanner;

/// The parts of a whole request line.
pub(crate) struct RequestLine<'b> {
    pub method: &'b [u8],
    pub target: &'b [u8],
    /// The minor version digit (the major is 1).
    pub minor: u8,
    /// The start of the next line.
    pub next: usize,
}

/// Finds `method SP target SP HTTP/1.d CRLF` at `pos`, within the target
/// and head size limits of `config`.
#[inline(always)]
pub(crate) fn request_line<'b, S: Scanner>(
    s: S,
    data: &'b [u8],
    pos: usize,
    config: &Config,
) -> Option<RequestLine<'b>> {
    let m_end = s.token_end(data, pos);
    if m_end == pos || data.get(m_end) != Some(&b' ') {
        return None;
    }
    let t_start = m_end + 1;
    let t_end = s.target_end(data, t_start);
    if t_end == t_start || t_end - t_start > config.max_target_len || data.get(t_end) != Some(&b' ')
    {
        return None;
    }
    let v = t_end + 1;
    let line = data.get(v..v + 10)?;
    if &line[..6] != b"HTTP/1"
        || line[6] != b'.'
        || !line[7].is_ascii_digit()
        || &line[8..] != b"\r\n"
        || v + 10 > pos.saturating_add(config.max_head_size)
    {
        return None;
    }
    Some(RequestLine {
        method: data.get(pos..m_end)?,
        target: data.get(t_start..t_end)?,
        minor: line[7] - b'0',
        next: v + 10,
    })
}

/// The parts of a whole status line.
pub(crate) struct StatusLine<'b> {
    /// The minor version digit (the major is 1).
    pub minor: u8,
    pub status: u16,
    /// The reason phrase, possibly empty.
    pub reason: &'b [u8],
    /// The start of the next line.
    pub next: usize,
}

/// Finds `HTTP/1.d SP 3DIGIT [SP reason] CRLF` at `pos`, within the head
/// size limit of `config`.
#[inline(always)]
pub(crate) fn status_line<'b, S: Scanner>(
    s: S,
    data: &'b [u8],
    pos: usize,
    config: &Config,
) -> Option<StatusLine<'b>> {
    let line = data.get(pos..pos + 13)?;
    let d = [line[9], line[10], line[11]];
    if &line[..6] != b"HTTP/1"
        || line[6] != b'.'
        || !line[7].is_ascii_digit()
        || line[8] != b' '
        || !d.iter().all(u8::is_ascii_digit)
        || d[0] == b'0'
    {
        return None;
    }
    let (r_start, r_end) = match line[12] {
        b' ' => (pos + 13, s.value_end(data, pos + 13)),
        _ => (pos + 12, pos + 12),
    };
    if data.get(r_end) != Some(&b'\r')
        || data.get(r_end + 1) != Some(&b'\n')
        || r_end + 2 > pos.saturating_add(config.max_head_size)
    {
        return None;
    }
    Some(StatusLine {
        minor: line[7] - b'0',
        status: d.iter().fold(0u16, |a, &b| a * 10 + u16::from(b - b'0')),
        reason: data.get(r_start..r_end)?,
        next: r_end + 2,
    })
}

/// The parts of a whole, well-formed field line.
pub(crate) struct FieldLine<'b> {
    pub name: &'b [u8],
    /// The value without surrounding whitespace.
    pub value: &'b [u8],
    /// Where the value starts in the input.
    pub value_at: usize,
    /// The start of the next line.
    pub next: usize,
}

/// Finds where successive lines of a field section end, 64 bytes at a time.
///
/// A field line's bytes are all field-value bytes (the name's tchars, the
/// colon, whitespace and the value), so it ends at the next byte that is
/// not one, which must be the CR of a CRLF. The masks
/// ([`Scanner::value_stops`]) come from loads at fixed offsets, so finding
/// where a line ends is a few bit operations that never wait for the
/// previous line's checks.
pub(crate) struct LineEnds {
    /// Where the current 64-byte block starts.
    block: usize,
    /// The block's stops not yet passed.
    stops: u64,
}

impl LineEnds {
    /// Starts at `pos`, the start of a line.
    #[inline(always)]
    pub(crate) fn new<S: Scanner>(s: S, data: &[u8], pos: usize) -> Self {
        LineEnds {
            block: pos,
            stops: s.value_stops(data, pos),
        }
    }

    /// The first stop at or after `line`, the start of the line after the
    /// last CRLF passed: where the line ends if it is a field line (or the
    /// empty line). `data.len()` or beyond if `data` ends first.
    #[inline(always)]
    pub(crate) fn next<S: Scanner>(&mut self, s: S, data: &[u8], line: usize) -> usize {
        while self.stops == 0 {
            self.block += 64;
            // A stop before `line` (at most one byte before) is the LF of a
            // CR that ended the previous block. Bytes past the end of `data`
            // are stops, so this loop ends.
            let from = line.saturating_sub(self.block).min(63);
            self.stops = s.value_stops(data, self.block) & u64::MAX << from;
        }
        self.block + self.stops.trailing_zeros() as usize
    }

    /// Passes the CRLF that [`LineEnds::next`] found (if its LF is in the
    /// next block, the CR was the last stop in this one).
    #[inline(always)]
    pub(crate) fn pass_crlf(&mut self) {
        self.stops &= self.stops.wrapping_sub(1);
        self.stops &= self.stops.wrapping_sub(1);
    }
}

/// The parts of the field line from `start` to the CRLF at `cr`, whose
/// bytes the caller has found to be field-value bytes (as [`field_line`]
/// requires): what [`field_line`] would find there.
#[inline(always)]
pub(crate) fn split_field<'b, S: Scanner>(
    s: S,
    data: &'b [u8],
    start: usize,
    cr: usize,
) -> Option<FieldLine<'b>> {
    let text = data.get(start..cr)?;
    let name_len = match s.token_block(data, start) {
        Some(b) if b.stops != 0 => b.stops.trailing_zeros() as usize,
        _ => s.token_end(data, start) - start,
    };
    if name_len == 0 || text.get(name_len) != Some(&b':') {
        return None;
    }
    // Field-value bytes include no ASCII whitespace but SP and HTAB, so
    // trimming ASCII whitespace trims exactly the OWS.
    let after_colon = text.get(name_len + 1..)?.trim_ascii_start();
    let value = after_colon.trim_ascii_end();
    if after_colon.len() - value.len() > MAX_TRAILING_WS {
        return None;
    }
    Some(FieldLine {
        name: text.get(..name_len)?,
        value,
        value_at: cr - after_colon.len(),
        next: cr + 2,
    })
}
