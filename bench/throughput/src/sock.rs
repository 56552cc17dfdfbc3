//! Socket options the test controls: congestion control and buffer sizes.

use socket2::{Domain, SockRef, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

/// Connects with TCP_CONGESTION set first (when asked) and TCP_NODELAY on,
/// as the servers have it.
pub fn connect(addr: SocketAddr, congestion: Option<&str>) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if let Some(name) = congestion {
        set_congestion(&socket, name)?;
    }
    socket.set_tcp_nodelay(true)?;
    socket.connect(&addr.into())?;
    Ok(socket.into())
}

/// A listener whose accepted sockets inherit TCP_CONGESTION.
pub fn listen(addr: SocketAddr, congestion: Option<&str>) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if let Some(name) = congestion {
        set_congestion(&socket, name)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(64)?;
    Ok(socket.into())
}

fn set_congestion(socket: &Socket, name: &str) -> io::Result<()> {
    socket
        .set_tcp_congestion(name.as_bytes())
        .map_err(|e| io::Error::new(e.kind(), format!("TCP_CONGESTION {name}: {e}")))
}

/// The congestion control a socket runs, read back with getsockopt.
pub fn congestion(stream: &TcpStream) -> String {
    SockRef::from(stream).tcp_congestion().map_or_else(
        |e| format!("?({e})"),
        |name| {
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            String::from_utf8_lossy(&name[..end]).into_owned()
        },
    )
}

/// The connection's maximum segment size (TCP_MAXSEG).
pub fn mss(stream: &TcpStream) -> io::Result<usize> {
    Ok(SockRef::from(stream).tcp_mss()? as usize)
}
