//! One GET over h2c with h2kit-proto's sans-IO client connection driven
//! by a blocking socket: read, feed, take events, write what the
//! connection queued (its WINDOW_UPDATEs), repeat.

use crate::opts::Opts;
use crate::{Transfer, sock};
use bytes::BytesMut;
use h2kit_proto::h2::{Config, Connection, Event, FlowControl};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

/// GETs PATH and reads its BYTES-long body.
pub fn fetch(args: &[String]) -> Result<Transfer, String> {
    let opts = Opts::parse(args, &["congestion", "read-size", "window", "frame"])?;
    let addr: SocketAddr = opts
        .arg(0, "ADDR")?
        .parse()
        .map_err(|e| format!("ADDR: {e}"))?;
    let path = opts.arg(1, "PATH")?.to_owned();
    let want = crate::opts::parse_size(opts.arg(2, "BYTES")?)? as u64;
    let window = u32::try_from(opts.size("window", 16 << 20)?).map_err(|_| "window too large")?;
    let frame = u32::try_from(opts.size("frame", 1 << 20)?).map_err(|_| "frame too large")?;
    let mut buf = vec![0u8; opts.size("read-size", 256 * 1024)?.max(1)];
    let config = Config {
        initial_stream_window: window,
        initial_connection_window: window,
        max_frame_size: frame,
        flow_control: FlowControl::Automatic,
        ..Config::default()
    };

    let start = Instant::now();
    let mut stream = sock::connect(addr, opts.flag("congestion")).map_err(|e| e.to_string())?;
    let mut conn = Connection::client(config);
    let authority = addr.to_string();
    let request = [
        (":method", "GET"),
        (":scheme", "http"),
        (":authority", authority.as_str()),
        (":path", path.as_str()),
    ];
    let id = conn
        .send_request(&request, true)
        .map_err(|e| e.to_string())?;
    let mut out = BytesMut::new();
    let mut got = 0u64;
    let mut data_events = 0u64;
    loop {
        let mut done = false;
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Response {
                    stream_id,
                    head,
                    end_stream,
                } if stream_id == id => {
                    if head.status != 200 {
                        return Err(format!("status {}", head.status));
                    }
                    done |= end_stream;
                }
                Event::Data {
                    stream_id,
                    data,
                    end_stream,
                } if stream_id == id => {
                    got += data.len() as u64;
                    data_events += 1;
                    done |= end_stream;
                }
                Event::Trailers { stream_id, .. } if stream_id == id => done = true,
                Event::StreamReset { code, .. } => return Err(format!("stream reset: {code:?}")),
                Event::ConnectionTerminated { code, .. } => {
                    return Err(format!("connection ended: {code:?}"));
                }
                _ => {}
            }
        }
        conn.poll_transmit(&mut out);
        if !out.is_empty() {
            stream.write_all(&out).map_err(|e| e.to_string())?;
            out.clear();
        }
        if done {
            break;
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => return Err(format!("EOF after {got} of {want} body bytes")),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
        };
        conn.recv(&buf[..n]).map_err(|e| e.to_string())?;
    }
    let seconds = start.elapsed().as_secs_f64();
    if got != want {
        return Err(format!("body was {got} bytes, expected {want}"));
    }
    Ok(Transfer {
        bytes: got,
        seconds,
        detail: format!(
            "client_cc={} data_events={data_events} window={window} frame={frame}",
            sock::congestion(&stream)
        ),
    })
}
