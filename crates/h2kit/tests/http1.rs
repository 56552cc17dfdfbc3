//! HTTP/1.1 on every dispatch model over real sockets on 127.0.0.1: keep-alive
//! and pipelining, bodies both ways (Content-Length and chunked, with
//! `Expect: 100-continue`), HTTP/1.0, `Upgrade: h2c` (RFC 7540 §3.2), the
//! `http/1.1` ALPN fallback under TLS, malformed requests, and a graceful
//! shutdown with a request in flight. Responses are read with h2kit's own
//! HTTP/1 parser, so framing mistakes show as parse errors.

#[macro_use]
mod common;

use bytes::{BufMut, BytesMut};
use common::{MIB, TestServer, pattern, start, tls_client_config};
use h2kit::server::Dispatch;
use h2kit_proto::frame::{Frame, FrameDecoder};
use h2kit_proto::h1::{OwnedMessage, Parser, Recorder, Status};
use h2kit_proto::hpack;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A blocking HTTP/1.1 client connection that reads responses with the
/// h1 parser.
struct Client<S: Read + Write> {
    io: S,
    parser: Parser,
    recorder: Recorder,
    /// Bytes after a 101 response: the next protocol's.
    after_upgrade: Option<Vec<u8>>,
    eof: bool,
}

impl<S: Read + Write> Client<S> {
    fn new(io: S) -> Client<S> {
        Client {
            io,
            parser: Parser::response(),
            recorder: Recorder::new(),
            after_upgrade: None,
            eof: false,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.io.write_all(bytes).unwrap();
    }

    /// Reads until `n` more responses are complete (or a 101 switches
    /// protocols) and returns them.
    fn responses(&mut self, n: usize) -> Vec<OwnedMessage> {
        let done = |r: &Recorder| r.messages.iter().filter(|m| m.complete).count();
        let mut buf = vec![0; 64 * 1024];
        while done(&self.recorder) < n && self.after_upgrade.is_none() {
            let got = self.io.read(&mut buf).unwrap();
            if got == 0 {
                self.eof = true;
                self.parser.finish(&mut self.recorder).unwrap();
                break;
            }
            let progress = self
                .parser
                .execute(&mut self.recorder, &buf[..got])
                .unwrap();
            if progress.status == Status::Upgraded {
                self.after_upgrade = Some(buf[progress.consumed..got].to_vec());
            }
        }
        assert!(
            done(&self.recorder) >= n,
            "only {} responses",
            done(&self.recorder)
        );
        let complete = self
            .recorder
            .messages
            .iter()
            .take_while(|m| m.complete)
            .count();
        self.recorder.messages.drain(..complete).collect()
    }

    /// True when the server closes the connection (and sends nothing more).
    fn closed(&mut self) -> bool {
        if self.eof {
            return true;
        }
        let mut buf = [0; 1024];
        matches!(self.io.read(&mut buf), Ok(0))
    }
}

fn connect(t: &TestServer) -> Client<TcpStream> {
    let stream = TcpStream::connect(t.server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    Client::new(stream)
}

fn header<'m>(m: &'m OwnedMessage, name: &str) -> Option<&'m [u8]> {
    m.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| v.as_slice())
}

fn shut_down(t: TestServer) {
    t.server.shutdown(Duration::from_secs(1));
    t.server.join();
}

/// RFC 9112 §9.3 (persistence) and §9.3.2 (pipelining): three requests in
/// one write, answered in order on the same connection, which stays open.
fn rfc9112_9_3_2_pipelined_requests_are_answered_in_order(dispatch: Dispatch) {
    let t = start(dispatch, false);
    let mut c = connect(&t);
    let upload = pattern(100_000);
    let mut wire = Vec::new();
    wire.extend_from_slice(b"GET /proto HTTP/1.1\r\nHost: a\r\n\r\n");
    wire.extend_from_slice(
        format!(
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
            upload.len()
        )
        .as_bytes(),
    );
    wire.extend_from_slice(&upload);
    wire.extend_from_slice(b"GET /large HTTP/1.1\r\nHost: a\r\n\r\n");
    c.send(&wire);
    let got = c.responses(3);
    assert_eq!(got[0].status, Some(200));
    assert_eq!(got[0].body, b"http/1.1 -");
    assert!(header(&got[0], "date").is_some(), "RFC 9110 §6.6.1 Date");
    assert_eq!(got[1].status, Some(200));
    assert!(got[1].body == upload, "the echo comes back whole");
    assert_eq!(got[2].body.len(), MIB);
    assert!(got.iter().all(|m| m.head.unwrap().keep_alive));
    // Still open: one more request on the same connection.
    c.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(c.responses(1)[0].body, b"hello\n");
    shut_down(t);
}

/// A 1 MiB chunked upload with trailers, sent only after `100 Continue`
/// (RFC 9110 §10.1.1, RFC 9112 §7.1); the handler reads it slowly, so the
/// server must bound what it buffers and still get it all.
fn rfc9112_7_1_chunked_upload_after_100_continue(dispatch: Dispatch) {
    let t = start(dispatch, false);
    let mut c = connect(&t);
    c.send(
        b"POST /upload-size HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\
          Transfer-Encoding: chunked\r\n\r\n",
    );
    let interim = c.responses(1);
    assert_eq!(interim[0].status, Some(100));
    let mut body = Vec::new();
    for piece in pattern(MIB).chunks(10_000) {
        body.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        body.extend_from_slice(piece);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\nx-checksum: 42\r\n\r\n");
    let mut writer = c.io.try_clone().unwrap();
    let sender = std::thread::spawn(move || writer.write_all(&body).unwrap());
    let got = c.responses(1);
    sender.join().unwrap();
    assert_eq!(got[0].status, Some(200));
    assert_eq!(got[0].body, MIB.to_string().as_bytes());
    shut_down(t);
}

/// A body that arrives in many small writes while the server is busy
/// with the earlier ones: no arrival may be missed (a server that
/// stops reading at a short read must not lose the readiness of data
/// that came meanwhile). Sixteen uploads at once, each in 400 writes.
fn a_body_trickling_in_is_read_to_the_end(dispatch: Dispatch) {
    let t = start(dispatch, false);
    let uploads = if matches!(dispatch, Dispatch::Single) {
        1
    } else {
        16
    };
    let clients: Vec<_> = (0..uploads)
        .map(|_| {
            let mut c = connect(&t);
            std::thread::spawn(move || {
                c.send(
                    b"POST /upload-size HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                );
                let mut writer = c.io.try_clone().unwrap();
                let sender = std::thread::spawn(move || {
                    for piece in pattern(400 * 1000).chunks(1000) {
                        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
                        chunk.extend_from_slice(piece);
                        chunk.extend_from_slice(b"\r\n");
                        writer.write_all(&chunk).unwrap();
                    }
                    writer.write_all(b"0\r\n\r\n").unwrap();
                });
                let got = c.responses(1);
                sender.join().unwrap();
                assert_eq!(got[0].status, Some(200));
                assert_eq!(got[0].body, b"400000");
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    shut_down(t);
}

/// RFC 9112 §9.3: an HTTP/1.0 request without keep-alive is answered, then
/// the connection closes; a response of unknown length to an HTTP/1.0
/// client is delimited by the close (§6.3), never chunked.
fn rfc9112_9_3_http10_closes_after_the_response(dispatch: Dispatch) {
    let t = start(dispatch, false);
    let mut c = connect(&t);
    c.send(b"POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello");
    let got = c.responses(1);
    assert_eq!(got[0].body, b"hello");
    assert_eq!(header(&got[0], "transfer-encoding"), None);
    assert!(c.closed(), "the server closes an HTTP/1.0 connection");
    shut_down(t);
}

/// RFC 9112 §6.3 and §11.2: a request with both Content-Length and
/// Transfer-Encoding is refused with 400, and the connection closes (it
/// could be a smuggling attempt).
fn rfc9112_6_3_smuggling_shape_gets_400_and_close(dispatch: Dispatch) {
    let t = start(dispatch, false);
    let mut c = connect(&t);
    c.send(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\
          Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let got = c.responses(1);
    assert_eq!(got[0].status, Some(400));
    assert_eq!(header(&got[0], "connection"), Some(&b"close"[..]));
    assert!(c.closed(), "nothing after the refused request is answered");
    shut_down(t);
}

/// RFC 7540 §3.2: `Upgrade: h2c` with HTTP2-Settings gets 101, then the
/// server speaks HTTP/2 and answers the upgrading request on stream 1.
fn rfc7540_3_2_upgrade_h2c_answers_on_stream_1(dispatch: Dispatch) {
    let t = start(dispatch, false);
    let mut c = connect(&t);
    // HTTP2-Settings: SETTINGS_MAX_CONCURRENT_STREAMS = 100, base64url.
    c.send(
        b"GET /proto HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n\
          Upgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n",
    );
    let got = c.responses(1);
    assert_eq!(got[0].status, Some(101));
    assert_eq!(header(&got[0], "upgrade"), Some(&b"h2c"[..]));
    let mut wire = BytesMut::from(&c.after_upgrade.take().unwrap_or_default()[..]);
    let mut preface = BytesMut::from(&h2kit_proto::h2::PREFACE[..]);
    preface.put_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // empty SETTINGS
    c.send(&preface);
    let (status, body) = read_h2_response(&mut c, &mut wire, 1);
    assert_eq!(status, "200");
    assert_eq!(body, b"h2c -");
    shut_down(t);
}

/// Reads HTTP/2 frames until stream `id` ends; returns its `:status` and
/// body. Acknowledges the server's SETTINGS on the way.
fn read_h2_response(c: &mut Client<TcpStream>, wire: &mut BytesMut, id: u32) -> (String, Vec<u8>) {
    let mut decoder = FrameDecoder::new();
    let mut hpack = hpack::Decoder::new(4096);
    let mut status = String::new();
    let mut body = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        while let Some(frame) = decoder.decode(wire).unwrap() {
            match frame {
                Frame::Settings(_) => c.send(&[0, 0, 0, 4, 1, 0, 0, 0, 0]),
                Frame::Headers(h) if h.stream_id.value() == id => {
                    hpack
                        .decode(&h.fragment, |f| {
                            if &f.name[..] == b":status" {
                                status = String::from_utf8_lossy(&f.value).into_owned();
                            }
                        })
                        .unwrap();
                    if h.end_stream {
                        return (status, body);
                    }
                }
                Frame::Data(d) if d.stream_id.value() == id => {
                    body.extend_from_slice(&d.payload);
                    if d.end_stream {
                        return (status, body);
                    }
                }
                Frame::GoAway(g) => panic!("GOAWAY {g:?}"),
                _ => {}
            }
        }
        let n = c.io.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed before stream {id} ended");
        wire.extend_from_slice(&buf[..n]);
    }
}

/// TLS with a client that offers only `http/1.1`: ALPN falls back and the
/// request is served over HTTP/1.1.
fn tls_alpn_http11_fallback(dispatch: Dispatch) {
    let t = start(dispatch, true);
    let config = tls_client_config(&t.cert_der.clone().unwrap(), &[b"http/1.1"]);
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(config, name).unwrap();
    let tcp = TcpStream::connect(t.server.local_addr()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut c = Client::new(rustls::StreamOwned::new(conn, tcp));
    c.send(b"GET /proto HTTP/1.1\r\nHost: localhost\r\n\r\nGET /large HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let got = c.responses(2);
    assert_eq!(c.io.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert!(
        got[0].body.starts_with(b"http/1.1 TLSv1_3"),
        "{:?}",
        String::from_utf8_lossy(&got[0].body)
    );
    assert_eq!(got[1].body.len(), MIB);
    shut_down(t);
}

/// A graceful shutdown while an HTTP/1.1 request is in flight: the response
/// arrives whole, marked `Connection: close`, then the connection closes.
fn graceful_shutdown_finishes_the_http11_request(dispatch: Dispatch) {
    let t = start(dispatch, false);
    let mut c = connect(&t);
    c.send(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while t.arrived.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "request never arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    t.server.shutdown(Duration::from_secs(10));
    let got = c.responses(1);
    assert_eq!(got[0].status, Some(200));
    assert_eq!(got[0].body.len(), 100_000);
    assert_eq!(header(&got[0], "connection"), Some(&b"close"[..]));
    assert!(c.closed());
    t.server.join();
}

tests_per_model!(
    rfc9112_9_3_2_pipelined_requests_are_answered_in_order,
    rfc9112_7_1_chunked_upload_after_100_continue,
    a_body_trickling_in_is_read_to_the_end,
    rfc9112_9_3_http10_closes_after_the_response,
    rfc9112_6_3_smuggling_shape_gets_400_and_close,
    rfc7540_3_2_upgrade_h2c_answers_on_stream_1,
    tls_alpn_http11_fallback,
    graceful_shutdown_finishes_the_http11_request,
);
