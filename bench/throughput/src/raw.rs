//! The raw TCP baseline: a source that writes N bytes and a sink that
//! reads them, with nothing but the kernel in between.

use crate::opts::Opts;
use crate::{Transfer, sock};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

/// Runs the source server until killed; prints `listening on ADDR`.
pub fn source(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args, &["congestion", "write-size", "io"])?;
    let nonblocking = match opts.flag("io") {
        None | Some("blocking") => false,
        Some("nonblocking") => true,
        Some(other) => return Err(format!("--io blocking|nonblocking, not {other}")),
    };
    let addr: SocketAddr = opts
        .arg(0, "ADDR")?
        .parse()
        .map_err(|e| format!("ADDR: {e}"))?;
    let congestion = opts.flag("congestion").map(str::to_owned);
    let write_size = match opts.flag("write-size") {
        Some("mss") => None,
        Some(n) => Some(crate::opts::parse_size(n)?.max(1)),
        None => Some(64 * 1024),
    };
    let listener = sock::listen(addr, congestion.as_deref()).map_err(|e| e.to_string())?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on {local}");
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        std::thread::spawn(move || {
            if let Err(err) = send(stream, write_size, nonblocking) {
                eprintln!("source: {err}");
            }
        });
    }
    Ok(())
}

fn send(
    mut stream: TcpStream,
    write_size: Option<usize>,
    nonblocking: bool,
) -> std::io::Result<()> {
    let mut len = [0u8; 8];
    stream.read_exact(&mut len)?;
    let mut left = u64::from_be_bytes(len);
    let size = match write_size {
        Some(n) => n,
        None => sock::mss(&stream)?,
    };
    let block = vec![b'b'; size];
    stream.set_nonblocking(nonblocking)?;
    while left > 0 {
        let take = usize::try_from(left).map_or(size, |l| l.min(size));
        if nonblocking {
            write_all_polled(&mut stream, &block[..take])?;
        } else {
            stream.write_all(&block[..take])?;
        }
        left -= take as u64;
    }
    Ok(())
}

/// Writes `buf` on a non-blocking socket, waiting in poll(2) for room
/// whenever the socket is full — what an event-driven server does (the
/// kernel then wakes the writer once a good part of the send buffer is
/// free, rather than for every bit of room as a blocking write does).
fn write_all_polled(stream: &mut TcpStream, mut buf: &[u8]) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    while !buf.is_empty() {
        match stream.write(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let mut fd = libc::pollfd {
                    fd: stream.as_raw_fd(),
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd, its count, no timeout.
                if unsafe { libc::poll(&mut fd, 1, -1) } < 0 {
                    let err = std::io::Error::last_os_error();
                    if err.kind() != std::io::ErrorKind::Interrupted {
                        return Err(err);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Fetches BYTES from a `source`.
pub fn fetch(args: &[String]) -> Result<Transfer, String> {
    let opts = Opts::parse(args, &["congestion", "read-size"])?;
    let addr: SocketAddr = opts
        .arg(0, "ADDR")?
        .parse()
        .map_err(|e| format!("ADDR: {e}"))?;
    let want = crate::opts::parse_size(opts.arg(1, "BYTES")?)? as u64;
    let mut buf = vec![0u8; opts.size("read-size", 256 * 1024)?.max(1)];
    let start = Instant::now();
    let mut stream = sock::connect(addr, opts.flag("congestion")).map_err(|e| e.to_string())?;
    stream
        .write_all(&want.to_be_bytes())
        .map_err(|e| e.to_string())?;
    let mut got = 0u64;
    while got < want {
        match stream.read(&mut buf) {
            Ok(0) => return Err(format!("EOF after {got} of {want} bytes")),
            Ok(n) => got += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(Transfer {
        bytes: got,
        seconds,
        detail: format!("client_cc={}", sock::congestion(&stream)),
    })
}
