//! Whole-line recognisers: a request line, a status line or a field line
//! that lies entirely in the input and is well formed.
//!
//! They only say "here it is" or `None`; they never report errors. The
//! engine's fast path and the borrowed API's one-pass path both use them and
//! leave every `None` to the engine's byte-level state machine, which owns
//! all error reporting. So what these accept must be exactly what that state
//! machine would accept, with the same result.

use super::config::Config;
use super::parser::MAX_TRAILING_WS;
use super::scan::Scanner;

const fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

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

/// Finds a field line `name ":" OWS value OWS CRLF` starting at `pos`, if
/// all of it is in `data` and every byte is valid; `None` sends the line to
/// the slow path (which also reports the errors).
///
/// The name's bytes, the colon and whitespace are all field-value bytes,
/// so the first byte that is not one ends the line, and must be its CR. For
/// a line that fits in one vector, the start of the next line depends only
/// on that mask: a short dependency chain from line to line, while the name
/// and value checks only steer (well-predicted) branches.
#[inline(always)]
pub(crate) fn field_line<'b, S: Scanner>(
    s: S,
    data: &'b [u8],
    pos: usize,
) -> Option<FieldLine<'b>> {
    let Some(b) = s.field_block(data, pos) else {
        return field_line_by_runs(s, data, pos);
    };
    let width = b.width;
    let block = data.get(pos..pos + width)?;
    // The name ends at the first non-tchar, which must be the colon (a stop
    // byte is not a tchar either, so this comes no later than `stop`).
    let n_rel = b.token_stop.trailing_zeros() as usize;
    if n_rel == 0 || block.get(n_rel) != Some(&b':') {
        return None;
    }
    // OWS after the colon (usually one SP).
    let mut v_rel = n_rel + 1;
    while v_rel < width && is_ows(block[v_rel]) {
        v_rel += 1;
    }
    let stop = b.value_stop.trailing_zeros() as usize;
    if stop < width {
        // The OWS run stops at the stop byte, so v_rel <= stop.
        if data.get(pos + stop..pos + stop + 2) != Some(b"\r\n") {
            return None;
        }
        // The value ends after its last non-whitespace byte before the CR.
        let mut e_rel = stop;
        while e_rel > v_rel && is_ows(block[e_rel - 1]) {
            e_rel -= 1;
        }
        return Some(FieldLine {
            name: block.get(..n_rel)?,
            value: block.get(v_rel..e_rel)?,
            value_at: pos + v_rel,
            next: pos + stop + 2,
        });
    }
    // A long line: the whole block is valid, the value goes on.
    let mut v = pos + v_rel;
    // The OWS may run past the block.
    while v < data.len() && is_ows(data[v]) {
        v += 1;
    }
    let cr = s.value_end(data, v.max(pos + width));
    finish_line(data, pos, pos + n_rel, v, cr)
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
    let name_len = match s.field_block(data, start) {
        Some(b) if b.token_stop != 0 => b.token_stop.trailing_zeros() as usize,
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

/// [`field_line`] with the run scanners, for a line near the end of the input.
#[inline(always)]
fn field_line_by_runs<'b, S: Scanner>(s: S, data: &'b [u8], pos: usize) -> Option<FieldLine<'b>> {
    let n_end = s.token_end(data, pos);
    if n_end == pos || data.get(n_end) != Some(&b':') {
        return None;
    }
    let mut v = n_end + 1;
    while v < data.len() && is_ows(data[v]) {
        v += 1;
    }
    finish_line(data, pos, n_end, v, s.value_end(data, v))
}

/// Checks the CRLF at `cr` and trims the value's trailing whitespace (more
/// than the slow path can hold goes to the slow path, which rejects it).
#[inline(always)]
pub(crate) fn finish_line(
    data: &[u8],
    pos: usize,
    name_end: usize,
    value: usize,
    cr: usize,
) -> Option<FieldLine<'_>> {
    if data.get(cr + 1) != Some(&b'\n') || data[cr] != b'\r' {
        return None;
    }
    let mut value_end = cr;
    while value_end > value && is_ows(data[value_end - 1]) {
        value_end -= 1;
    }
    if cr - value_end > MAX_TRAILING_WS {
        return None;
    }
    Some(FieldLine {
        name: data.get(pos..name_end)?,
        value: data.get(value..value_end)?,
        value_at: value,
        next: cr + 2,
    })
}
