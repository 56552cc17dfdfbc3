//! Human-readable frames in the style of `nghttp -v`, for logs and the CLI's
//! `-v`/`--trace-frames` output.
//!
//! ```text
//! [  0.003] recv HEADERS frame <length=30, flags=0x25, stream_id=1>
//!           ; END_STREAM | END_HEADERS | PRIORITY
//!           (padlen=0, dep_stream_id=0, weight=16, exclusive=0)
//! ```

use super::{Frame, FrameHeader, PriorityBlock, flags};
use crate::ErrorCode;
use std::fmt::{self, Display, Formatter, Write};
use std::time::Duration;

/// Indentation of the lines after the first, lining them up under the frame
/// name the way nghttp does after its `[  0.003] ` timestamp.
const INDENT: &str = "          ";

/// Which way a logged frame went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// We sent it.
    Send,
    /// We received it.
    Recv,
}

/// A frame with its direction and time since the connection started,
/// displayed as one `nghttp -v` entry.
///
/// ```
/// use h2kit_proto::frame::{Direction, Frame, FrameLog, Ping};
/// use std::time::Duration;
/// let ping = Frame::Ping(Ping { ack: false, payload: [0; 8] });
/// let log = FrameLog { frame: &ping, direction: Direction::Send, elapsed: Duration::from_millis(3) };
/// assert_eq!(
///     log.to_string(),
///     "[  0.003] send PING frame <length=8, flags=0x00, stream_id=0>\n          (opaque_data=0000000000000000)"
/// );
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FrameLog<'a> {
    /// The frame.
    pub frame: &'a Frame,
    /// Sent or received.
    pub direction: Direction,
    /// Time since the connection started.
    pub elapsed: Duration,
}

impl Display for FrameLog<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs();
        let millis = self.elapsed.subsec_millis();
        let way = match self.direction {
            Direction::Send => "send",
            Direction::Recv => "recv",
        };
        write!(f, "[{secs:>3}.{millis:03}] {way} {}", self.frame)
    }
}

impl Display for Frame {
    /// The frame header line, then one line per group of fields.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let header = self.header();
        write_header_line(f, &header)?;
        let mut names = Vec::new();
        flag_names(self, &mut names);
        if !names.is_empty() {
            write!(f, "\n{INDENT}; {}", names.join(" | "))?;
        }
        match self {
            Frame::Data(d) => {
                if let Some(pad) = d.pad_len {
                    write!(f, "\n{INDENT}(padlen={pad})")?;
                }
            }
            Frame::Headers(h) => {
                write!(f, "\n{INDENT}(padlen={}", h.pad_len.unwrap_or(0))?;
                if let Some(p) = &h.priority {
                    write_priority(f, p, true)?;
                }
                f.write_char(')')?;
            }
            Frame::Priority(p) => {
                write!(f, "\n{INDENT}(")?;
                write_priority(f, &p.priority, false)?;
                f.write_char(')')?;
            }
            Frame::RstStream(r) => write!(f, "\n{INDENT}(error_code={})", CodeName(r.error_code))?,
            Frame::Settings(s) => {
                write!(f, "\n{INDENT}(niv={})", s.len())?;
                for (id, value) in s.iter() {
                    let name = id.name().unwrap_or("UNKNOWN");
                    write!(f, "\n{INDENT}[{name}({:#04x}):{value}]", id.code())?;
                }
                for (id, value) in &s.unknown {
                    write!(f, "\n{INDENT}[UNKNOWN({id:#04x}):{value}]")?;
                }
            }
            Frame::SettingsAck => write!(f, "\n{INDENT}(niv=0)")?,
            Frame::PushPromise(p) => write!(
                f,
                "\n{INDENT}(padlen={}, promised_stream_id={})",
                p.pad_len.unwrap_or(0),
                p.promised_id
            )?,
            Frame::Ping(p) => {
                write!(f, "\n{INDENT}(opaque_data=")?;
                for byte in p.payload {
                    write!(f, "{byte:02x}")?;
                }
                f.write_char(')')?;
            }
            Frame::GoAway(g) => write!(
                f,
                "\n{INDENT}(last_stream_id={}, error_code={}, opaque_data({})=[{}])",
                g.last_stream_id,
                CodeName(g.error_code),
                g.debug_data.len(),
                g.debug_data.escape_ascii()
            )?,
            Frame::WindowUpdate(w) => {
                write!(f, "\n{INDENT}(window_size_increment={})", w.increment)?
            }
            Frame::PriorityUpdate(p) => write!(
                f,
                "\n{INDENT}(prioritized_stream_id={}, priority_field_value={})",
                p.prioritized_stream_id,
                p.field_value.escape_ascii()
            )?,
            Frame::Continuation(_) | Frame::Unknown(_) => {}
        }
        Ok(())
    }
}

fn write_header_line(f: &mut Formatter<'_>, header: &FrameHeader) -> fmt::Result {
    match header.kind.name() {
        Some(name) => write!(
            f,
            "{name} frame <length={}, flags={:#04x}, stream_id={}>",
            header.length, header.flags, header.stream_id
        ),
        None => write!(
            f,
            "unknown frame <length={}, type={:#04x}, flags={:#04x}, stream_id={}>",
            header.length,
            header.kind.code(),
            header.flags,
            header.stream_id
        ),
    }
}

fn write_priority(f: &mut Formatter<'_>, p: &PriorityBlock, after_padlen: bool) -> fmt::Result {
    if after_padlen {
        f.write_str(", ")?;
    }
    write!(
        f,
        "dep_stream_id={}, weight={}, exclusive={}",
        p.dependency,
        p.effective_weight(),
        u8::from(p.exclusive)
    )
}

fn flag_names(frame: &Frame, names: &mut Vec<&'static str>) {
    let bits = frame.flags();
    let mut add = |bit: u8, name: &'static str| {
        if bits & bit != 0 {
            names.push(name);
        }
    };
    match frame {
        Frame::Data(_) => {
            add(flags::END_STREAM, "END_STREAM");
            add(flags::PADDED, "PADDED");
        }
        Frame::Headers(_) => {
            add(flags::END_STREAM, "END_STREAM");
            add(flags::END_HEADERS, "END_HEADERS");
            add(flags::PADDED, "PADDED");
            add(flags::PRIORITY, "PRIORITY");
        }
        Frame::PushPromise(_) => {
            add(flags::END_HEADERS, "END_HEADERS");
            add(flags::PADDED, "PADDED");
        }
        Frame::Continuation(_) => add(flags::END_HEADERS, "END_HEADERS"),
        Frame::SettingsAck | Frame::Ping(_) => add(flags::ACK, "ACK"),
        _ => {}
    }
}

/// An error code as nghttp prints it: `PROTOCOL_ERROR(0x01)`.
struct CodeName(ErrorCode);

impl Display for CodeName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = self.0.name().unwrap_or("UNKNOWN");
        write!(f, "{name}({:#04x})", self.0.as_u32())
    }
}
