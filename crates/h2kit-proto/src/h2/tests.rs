//! Connection tests: an in-memory client/server pair, and a raw peer that
//! injects hand-made frames. Names follow the RFC 9113 section checked.

#![allow(clippy::field_reassign_with_default)] // one changed knob per test reads best

use super::*;
use crate::ErrorCode;
use crate::frame::{
    Continuation, Data, Frame, FrameDecoder, GoAway, Headers, Ping, RstStream, SettingId, Settings,
    StreamId, WindowUpdate,
};
use crate::hpack;
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- harness

/// A client and a server wired back to back, with a clock.
pub(super) struct Pair {
    pub(super) client: Connection,
    pub(super) server: Connection,
    now: Instant,
    client_events: Vec<Event>,
    server_events: Vec<Event>,
}

impl Pair {
    fn new(client: Config, server: Config) -> Pair {
        let now = Instant::now();
        let mut pair = Pair {
            client: Connection::client(client),
            server: Connection::server(server),
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
        };
        pair.client.handle_timeout(now);
        pair.server.handle_timeout(now);
        pair
    }

    pub(super) fn default() -> Pair {
        Pair::new(Config::default(), Config::default())
    }

    /// Moves bytes both ways until neither side has anything to send.
    pub(super) fn pump(&mut self) {
        let mut buf = BytesMut::new();
        // Generous: a 1-octet window moves one octet per round trip.
        for _ in 0..1_000_000 {
            let mut moved = 0;
            while self.client.poll_transmit(&mut buf) > 0 {
                moved += buf.len();
                let bytes = buf.split();
                let _ = self.server.recv(&bytes);
            }
            while self.server.poll_transmit(&mut buf) > 0 {
                moved += buf.len();
                let bytes = buf.split();
                let _ = self.client.recv(&bytes);
            }
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            while let Some(e) = self.server.poll_event() {
                self.server_events.push(e);
            }
            // Taking events can queue output (window updates), so quiet
            // means nothing moved and nothing is waiting.
            if moved == 0 && !self.client.wants_write() && !self.server.wants_write() {
                return;
            }
        }
        panic!("pump did not settle");
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }

    fn server_requests(&mut self) -> Vec<(StreamId, RequestHead, bool)> {
        let mut out = Vec::new();
        self.server_events.retain(|e| match e {
            Event::Request {
                stream_id,
                head,
                end_stream,
            } => {
                out.push((*stream_id, (**head).clone(), *end_stream));
                false
            }
            _ => true,
        });
        out
    }
}

pub(super) const GET: [(&str, &str); 4] = [
    (":method", "GET"),
    (":scheme", "http"),
    (":authority", "example.com"),
    (":path", "/"),
];

fn body_of(events: &[Event], id: StreamId) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    let mut ended = false;
    for e in events {
        if let Event::Data {
            stream_id,
            data,
            end_stream,
        } = e
        {
            if *stream_id == id {
                body.extend_from_slice(data);
                ended |= *end_stream;
            }
        }
    }
    (body, ended)
}

/// A hand-driven peer: encodes frames we choose, decodes what the
/// connection under test sends back.
struct RawPeer {
    encoder: hpack::Encoder,
    decoder: FrameDecoder,
    inbox: BytesMut,
}

impl RawPeer {
    fn new() -> RawPeer {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_frame_size((1 << 24) - 1);
        RawPeer {
            encoder: hpack::Encoder::new(),
            decoder,
            inbox: BytesMut::new(),
        }
    }

    fn block(&mut self, fields: &[(&str, &str)]) -> Bytes {
        let mut out = BytesMut::new();
        self.encoder.encode(fields.iter().copied(), &mut out);
        out.freeze()
    }

    fn headers(&mut self, id: u32, fields: &[(&str, &str)], end_stream: bool) -> Frame {
        Frame::Headers(Headers::new(
            StreamId::new(id),
            self.block(fields),
            end_stream,
        ))
    }

    /// Everything the connection under test has sent, as frames.
    fn read(&mut self, conn: &mut Connection) -> Vec<Frame> {
        let mut buf = BytesMut::new();
        while conn.poll_transmit(&mut buf) > 0 {}
        self.inbox.extend_from_slice(&buf);
        let mut frames = Vec::new();
        while let Ok(Some(frame)) = self.decoder.decode(&mut self.inbox) {
            frames.push(frame);
        }
        frames
    }
}

fn wire(frames: &[Frame]) -> Vec<u8> {
    let mut out = BytesMut::new();
    for f in frames {
        f.encode(&mut out);
    }
    out.to_vec()
}

/// A server that has read a client preface and empty SETTINGS, with its
/// own first frames already taken.
fn raw_server(config: Config) -> (Connection, RawPeer) {
    let mut server = Connection::server(config);
    server.handle_timeout(Instant::now());
    let mut peer = RawPeer::new();
    let mut bytes = PREFACE.to_vec();
    // The peer's SETTINGS, and its acknowledgement of ours, so every value
    // the server advertised is in force.
    bytes.extend(wire(&[
        Frame::Settings(Settings::default()),
        Frame::SettingsAck,
    ]));
    server.recv(&bytes).unwrap();
    peer.read(&mut server);
    while server.poll_event().is_some() {}
    (server, peer)
}

fn goaway_code(frames: &[Frame]) -> Option<ErrorCode> {
    frames.iter().find_map(|f| match f {
        Frame::GoAway(g) => Some(g.error_code),
        _ => None,
    })
}

fn reset_code(frames: &[Frame], id: u32) -> Option<ErrorCode> {
    frames.iter().find_map(|f| match f {
        Frame::RstStream(r) if r.stream_id.value() == id => Some(r.error_code),
        _ => None,
    })
}

/// Sends frames from the raw peer and returns what the server answered.
fn exchange(server: &mut Connection, peer: &mut RawPeer, frames: &[Frame]) -> Vec<Frame> {
    let _ = server.recv(&wire(frames));
    peer.read(server)
}

// ------------------------------------------------------ §3.4 preface

#[test]
fn rfc9113_3_4_client_sends_preface_then_settings() {
    let mut client = Connection::client(Config::default());
    let mut out = BytesMut::new();
    client.poll_transmit(&mut out);
    assert_eq!(&out[..24], PREFACE);
    let mut rest = out.split_off(24);
    let first = FrameDecoder::new().decode(&mut rest).unwrap().unwrap();
    assert!(matches!(first, Frame::Settings(_)));
}

#[test]
fn rfc9113_3_4_invalid_preface_is_protocol_error() {
    let mut server = Connection::server(Config::default());
    let err = server.recv(b"GET / HTTP/1.1\r\n\r\n").unwrap_err();
    assert_eq!(err.code, ErrorCode::PROTOCOL_ERROR);
    assert!(server.is_closed());
}

#[test]
fn rfc9113_3_4_preface_split_byte_by_byte_is_accepted() {
    let mut server = Connection::server(Config::default());
    let mut bytes = PREFACE.to_vec();
    bytes.extend(wire(&[Frame::Settings(Settings::default())]));
    for b in bytes {
        server.recv(&[b]).unwrap();
    }
    assert!(matches!(
        server.poll_event(),
        Some(Event::SettingsReceived(_))
    ));
}

#[test]
fn rfc9113_3_4_first_frame_must_be_settings() {
    let mut server = Connection::server(Config::default());
    let mut peer = RawPeer::new();
    let mut bytes = PREFACE.to_vec();
    bytes.extend(wire(&[Frame::Ping(Ping {
        ack: false,
        payload: [0; 8],
    })]));
    assert_eq!(
        server.recv(&bytes).unwrap_err().code,
        ErrorCode::PROTOCOL_ERROR
    );
    assert_eq!(
        goaway_code(&peer.read(&mut server)),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

// ------------------------------------------------------ §6.5 settings

#[test]
fn rfc9113_6_5_3_settings_are_acknowledged_and_applied_on_ack() {
    let mut config = Config::default();
    config.max_frame_size = 1 << 20;
    let mut p = Pair::new(Config::default(), config);
    p.pump();
    assert!(
        p.client_events.iter().any(
            |e| matches!(e, Event::SettingsReceived(s) if s.max_frame_size() == Some(1 << 20))
        )
    );
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::SettingsAcknowledged(_)))
    );
    assert_eq!(p.client.peer_settings().max_frame_size, 1 << 20);
}

#[test]
fn rfc9113_6_5_3_unacknowledged_settings_time_out() {
    let mut server = Connection::server(Config::default());
    let start = Instant::now();
    server.handle_timeout(start);
    let deadline = start + Config::default().settings_timeout;
    // Whatever else is scheduled comes first and leaves the connection open.
    while let Some(next) = server.poll_timeout().filter(|t| *t < deadline) {
        server.handle_timeout(next);
        assert!(!server.is_closed());
    }
    assert_eq!(server.poll_timeout(), Some(deadline));
    server.handle_timeout(deadline);
    assert_eq!(
        server.close_reason().unwrap().code,
        ErrorCode::SETTINGS_TIMEOUT
    );
}

#[test]
fn rfc9113_6_5_2_server_receiving_enable_push_1_from_client_is_fine_but_client_rejects_it() {
    let mut client = Connection::client(Config::default());
    let mut s = Settings::default();
    s.set(SettingId::ENABLE_PUSH, 1);
    let err = client.recv(&wire(&[Frame::Settings(s)])).unwrap_err();
    assert_eq!(err.code, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn send_capacity_follows_the_window_when_asked_to() {
    let config = Config {
        max_send_buffer_per_stream: 1 << 20,
        min_send_buffer_per_stream: Some(16 * 1024),
        ..Config::default()
    };
    let (mut server, mut peer) = raw_server(config);
    let h = peer.headers(1, &GET, true);
    exchange(&mut server, &mut peer, &[h]);
    let id = StreamId::new(1);
    server.send_response(id, 200, &[("x", "y")], false).unwrap();
    // The peer's default windows: 65,535 octets.
    assert_eq!(server.send_capacity(id), 65_535);
    server
        .send_data(id, Bytes::from(vec![0; 60_000]), false)
        .unwrap();
    assert_eq!(server.send_capacity(id), 5_535);
    // Sent: the window is down to 5,535, so the floor applies.
    peer.read(&mut server);
    assert_eq!(server.send_capacity(id), 16 * 1024);
    // Larger windows allow more, up to the per-stream maximum.
    let grow = |stream: u32| {
        Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::new(stream),
            increment: 4 << 20,
        })
    };
    exchange(&mut server, &mut peer, &[grow(0), grow(1)]);
    assert_eq!(server.send_capacity(id), 1 << 20);
    // Without the option, the maximum is offered whatever the window.
    let (mut plain, mut peer) = raw_server(Config::default());
    let h = peer.headers(1, &GET, true);
    exchange(&mut plain, &mut peer, &[h]);
    plain.send_response(id, 200, &[("x", "y")], false).unwrap();
    assert_eq!(
        plain.send_capacity(id),
        Config::default().max_send_buffer_per_stream
    );
}

#[test]
fn rfc9113_6_9_2_initial_window_change_adjusts_open_streams() {
    let (mut server, mut peer) = raw_server(Config::default());
    let h = peer.headers(1, &GET, true);
    exchange(&mut server, &mut peer, &[h]);
    server
        .send_response(StreamId::new(1), 200, &[("x", "y")], false)
        .unwrap();
    assert_eq!(server.stream_window(StreamId::new(1)), Some(65_535));
    let mut s = Settings::default();
    s.set(SettingId::INITIAL_WINDOW_SIZE, 100);
    exchange(&mut server, &mut peer, &[Frame::Settings(s)]);
    assert_eq!(server.stream_window(StreamId::new(1)), Some(100));
    // Overflowing a stream window by a settings change is a connection
    // FLOW_CONTROL_ERROR.
    let wu = Frame::WindowUpdate(WindowUpdate {
        stream_id: StreamId::new(1),
        increment: (1 << 31) - 200,
    });
    exchange(&mut server, &mut peer, &[wu]);
    let mut s = Settings::default();
    s.set(SettingId::INITIAL_WINDOW_SIZE, (1 << 31) - 1);
    let frames = exchange(&mut server, &mut peer, &[Frame::Settings(s)]);
    assert_eq!(goaway_code(&frames), Some(ErrorCode::FLOW_CONTROL_ERROR));
}

// ------------------------------------------------------ request/response

#[test]
fn rfc9113_8_8_1_get_request_and_response() {
    let mut p = Pair::default();
    let id = p.client.send_request(&GET, true).unwrap();
    p.pump();
    let requests = p.server_requests();
    assert_eq!(requests.len(), 1);
    let (sid, head, end) = &requests[0];
    assert_eq!(*sid, id);
    assert!(end);
    assert_eq!(head.path.as_deref(), Some(&b"/"[..]));
    p.server
        .send_response(id, 200, &[("content-type", "text/plain")], false)
        .unwrap();
    p.server
        .send_data(id, Bytes::from_static(b"hello, world"), true)
        .unwrap();
    p.pump();
    let response = p.client_events.iter().find_map(|e| match e {
        Event::Response { head, .. } => Some(head.clone()),
        _ => None,
    });
    assert_eq!(response.unwrap().status, 200);
    assert_eq!(
        body_of(&p.client_events, id),
        (b"hello, world".to_vec(), true)
    );
    assert_eq!(p.client.stream_state(id), StreamState::Closed);
    assert_eq!(p.server.stream_state(id), StreamState::Closed);
}

/// The lifecycle events a server reports for one GET, in order, with each
/// `Config::lifecycle_events` setting.
#[test]
fn lifecycle_events_report_what_the_setting_asks_for() {
    let expected = [
        (LifecycleEvents::None, vec![]),
        (LifecycleEvents::Closed, vec!["closed"]),
        (
            LifecycleEvents::All,
            vec!["active", "half-closed peer", "half-closed local", "closed"],
        ),
    ];
    for (setting, want) in expected {
        let server = Config {
            lifecycle_events: setting,
            ..Config::default()
        };
        let mut p = Pair::new(Config::default(), server);
        let id = p.client.send_request(&GET, true).unwrap();
        p.pump();
        p.server
            .send_response(id, 204, &[] as &[(&str, &str)], true)
            .unwrap();
        p.pump();
        let seen: Vec<&str> = p
            .server_events
            .iter()
            .filter_map(|e| match e {
                Event::StreamActive { .. } => Some("active"),
                Event::StreamHalfClosed {
                    side: Initiator::Peer,
                    ..
                } => Some("half-closed peer"),
                Event::StreamHalfClosed {
                    side: Initiator::Local,
                    ..
                } => Some("half-closed local"),
                Event::StreamClosed { .. } => Some("closed"),
                _ => None,
            })
            .collect();
        assert_eq!(seen, want, "{setting:?}");
    }
}

/// §8.2.1 "A field value MUST NOT start or end with an ASCII whitespace
/// character": still refused when the server trusts the caller's
/// characters (`check_sent_fields` off), since `http::HeaderValue` allows
/// it; what the full check adds (name characters) is then the caller's.
#[test]
fn rfc9113_8_2_1_edge_whitespace_is_refused_even_when_sent_fields_are_trusted() {
    for trusted in [false, true] {
        let server = Config {
            check_sent_fields: !trusted,
            ..Config::default()
        };
        let mut p = Pair::new(Config::default(), server);
        let id = p.client.send_request(&GET, true).unwrap();
        p.pump();
        for value in [" lead", "trail\t"] {
            let refused = p.server.send_response(id, 200, &[("x-edge", value)], true);
            assert!(
                matches!(refused, Err(UserError::InvalidHeaders(_))),
                "{value:?}"
            );
        }
        let upper = p.server.send_response(id, 200, &[("X-Upper", "1")], true);
        assert_eq!(upper.is_ok(), trusted, "trusted: {trusted}");
    }
}

/// A tiny last body chunk is written right behind its HEADERS, and the
/// stream closes at once; one the windows cannot take whole is queued for
/// the scheduler as any other.
#[test]
fn tiny_last_body_follows_its_headers_without_scheduling() {
    for (stream_window, inline) in [(65_535, true), (5, false)] {
        let client = Config {
            initial_stream_window: stream_window,
            ..Config::default()
        };
        let mut p = Pair::new(client, Config::default());
        let id = p.client.send_request(&GET, true).unwrap();
        p.pump();
        p.server
            .send_response(id, 200, &[("content-type", "text/plain")], false)
            .unwrap();
        p.server
            .send_data(id, Bytes::from_static(b"hello world\n"), true)
            .unwrap();
        let closed_at_once = p.server.stream_state(id) == StreamState::Closed;
        assert_eq!(closed_at_once, inline, "window {stream_window}");
        let mut wire = BytesMut::new();
        while p.server.poll_transmit(&mut wire) > 0 {}
        let mut decoder = FrameDecoder::new();
        let mut frames = Vec::new();
        while let Ok(Some(frame)) = decoder.decode(&mut wire) {
            frames.push(frame);
        }
        let data: Vec<(usize, bool)> = frames
            .iter()
            .filter_map(|f| match f {
                Frame::Data(d) => Some((d.payload.len(), d.end_stream)),
                _ => None,
            })
            .collect();
        if inline {
            assert!(matches!(frames[frames.len() - 2], Frame::Headers(_)));
            assert_eq!(data, [(12, true)]);
        } else {
            assert_eq!(data, [(5, false)], "the window allows 5 octets");
        }
    }
}

/// A peer that allowed 1 MiB frames gets a large DATA frame in pieces as
/// its bytes arrive, END_STREAM on the last, and every byte counted
/// against the windows once.
#[test]
fn large_data_frames_reach_the_application_in_pieces() {
    let client = Config {
        max_frame_size: 1 << 20,
        initial_stream_window: 4 << 20,
        initial_connection_window: 4 << 20,
        ..Config::default()
    };
    let mut p = Pair::new(client, Config::default());
    let id = p.client.send_request(&GET, true).unwrap();
    p.pump();
    let body: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
    p.server
        .send_response(id, 200, &[] as &[(&str, &str)], false)
        .unwrap();
    p.server
        .send_data(id, Bytes::from(body.clone()), true)
        .unwrap();
    let mut wire = BytesMut::new();
    while p.server.poll_transmit(&mut wire) > 0 {}
    // Whole, the wire holds the body as one frame.
    let mut whole = FrameDecoder::new();
    whole.set_max_frame_size(1 << 20);
    let mut copy = wire.clone();
    let mut frames = Vec::new();
    while let Ok(Some(frame)) = whole.decode(&mut copy) {
        if let Frame::Data(d) = frame {
            frames.push(d.payload.len());
        }
    }
    assert_eq!(frames, [1_000_000]);
    let mut got = Vec::new();
    let mut pieces = 0;
    let mut ended = false;
    for chunk in wire.chunks(64 * 1024) {
        p.client.recv(chunk).unwrap();
        while let Some(event) = p.client.poll_event() {
            if let Event::Data {
                data, end_stream, ..
            } = event
            {
                assert!(!ended, "nothing after END_STREAM");
                got.extend_from_slice(&data);
                pieces += 1;
                ended = end_stream;
            }
        }
    }
    assert!(ended);
    assert_eq!(got, body);
    // 64 KiB reads: one piece each (the first read also carries headers).
    assert!((15..=17).contains(&pieces), "{pieces} pieces");
    assert_eq!(p.client.stream_state(id), StreamState::Closed);
}

#[test]
fn one_megabyte_bodies_both_ways_on_100_concurrent_streams() {
    let mut p = Pair::default();
    let body: Bytes = (0..1 << 20)
        .map(|i: u32| (i % 251) as u8)
        .collect::<Vec<_>>()
        .into();
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/upload"),
    ];
    let mut ids = Vec::new();
    for _ in 0..100 {
        let id = p.client.send_request(&post, false).unwrap();
        ids.push(id);
    }
    // Bodies are larger than the send buffer limit allows at once for all
    // streams, so feed them as capacity allows, like a driver would.
    let mut sent = vec![0usize; ids.len()];
    let mut responded = vec![false; ids.len()];
    let mut resp_sent = vec![0usize; ids.len()];
    for _ in 0..10_000 {
        for (i, id) in ids.iter().enumerate() {
            if sent[i] < body.len() {
                let room = p
                    .client
                    .send_capacity(*id)
                    .min(64 * 1024)
                    .min(body.len() - sent[i]);
                if room > 0 {
                    let end = sent[i] + room == body.len();
                    p.client
                        .send_data(*id, body.slice(sent[i]..sent[i] + room), end)
                        .unwrap();
                    sent[i] += room;
                }
            }
        }
        p.pump();
        let requests = p.server_requests();
        for (sid, _, _) in requests {
            let i = ids.iter().position(|x| *x == sid).unwrap();
            p.server
                .send_response(sid, 200, &[("server", "h2kit")], false)
                .unwrap();
            responded[i] = true;
        }
        for (i, id) in ids.iter().enumerate() {
            if responded[i] && resp_sent[i] < body.len() {
                let room = p
                    .server
                    .send_capacity(*id)
                    .min(64 * 1024)
                    .min(body.len() - resp_sent[i]);
                if room > 0 {
                    let end = resp_sent[i] + room == body.len();
                    p.server
                        .send_data(*id, body.slice(resp_sent[i]..resp_sent[i] + room), end)
                        .unwrap();
                    resp_sent[i] += room;
                }
            }
        }
        p.pump();
        if resp_sent.iter().all(|n| *n == body.len()) && p.client.active_streams() == 0 {
            break;
        }
    }
    for id in &ids {
        let (up, up_end) = body_of(&p.server_events, *id);
        assert!(up_end && up == body[..], "request body of {id:?}");
        let (down, down_end) = body_of(&p.client_events, *id);
        assert!(down_end && down == body[..], "response body of {id:?}");
    }
    assert_eq!(p.client.active_streams(), 0);
    assert_eq!(p.server.active_streams(), 0);
}

#[test]
fn rfc9113_8_1_trailers_both_ways() {
    let mut p = Pair::default();
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let id = p.client.send_request(&post, false).unwrap();
    p.client
        .send_data(id, Bytes::from_static(b"abc"), false)
        .unwrap();
    p.client
        .send_trailers(id, &[("x-checksum", "123")])
        .unwrap();
    p.pump();
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Trailers { fields, .. } if &fields[0].value[..] == b"123"))
    );
    p.server
        .send_response(id, 200, &[("te", "trailers")], false)
        .unwrap();
    p.server
        .send_data(id, Bytes::from_static(b"ok"), false)
        .unwrap();
    p.server.send_trailers(id, &[("grpc-status", "0")]).unwrap();
    p.pump();
    assert!(p.client_events.iter().any(
        |e| matches!(e, Event::Trailers { fields, .. } if &fields[0].name[..] == b"grpc-status")
    ));
    assert_eq!(p.client.stream_state(id), StreamState::Closed);
}

#[test]
fn rfc9113_8_1_informational_responses_precede_the_final_one() {
    let mut p = Pair::default();
    let id = p.client.send_request(&GET, true).unwrap();
    p.pump();
    p.server
        .send_response(id, 103, &[("link", "</style.css>; rel=preload")], false)
        .unwrap();
    p.server
        .send_response(id, 100, &[] as &[(&str, &str)], false)
        .unwrap();
    p.server
        .send_response(id, 200, &[] as &[(&str, &str)], true)
        .unwrap();
    p.pump();
    let statuses: Vec<u16> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Informational { head, .. } | Event::Response { head, .. } => Some(head.status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, [103, 100, 200]);
}

#[test]
fn rfc9113_4_3_large_header_blocks_are_split_into_continuations() {
    let mut p = Pair::default();
    let big = "v".repeat(40_000);
    let mut fields = GET.to_vec();
    fields.push(("x-big", &big));
    let id = p.client.send_request(&fields, true).unwrap();
    p.pump();
    let requests = p.server_requests();
    assert_eq!(requests[0].0, id);
    assert_eq!(requests[0].1.fields[0].value.len(), 40_000);
}

// ------------------------------------------------------ §5.1 stream states

#[test]
fn rfc9113_5_1_1_even_stream_from_client_is_protocol_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let h = peer.headers(2, &GET, true);
    let frames = exchange(&mut server, &mut peer, &[h]);
    assert_eq!(goaway_code(&frames), Some(ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn rfc9113_5_1_1_decreasing_stream_id_is_protocol_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let a = peer.headers(5, &GET, true);
    let b = peer.headers(3, &GET, true);
    let frames = exchange(&mut server, &mut peer, &[a, b]);
    assert_eq!(goaway_code(&frames), Some(ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn rfc9113_5_1_data_on_idle_stream_is_protocol_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let d = Frame::Data(Data::new(StreamId::new(1), Bytes::from_static(b"x"), false));
    let frames = exchange(&mut server, &mut peer, &[d]);
    assert_eq!(goaway_code(&frames), Some(ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn rfc9113_5_1_data_after_end_stream_is_stream_closed() {
    let (mut server, mut peer) = raw_server(Config::default());
    let h = peer.headers(1, &GET, true);
    let d = Frame::Data(Data::new(StreamId::new(1), Bytes::from_static(b"x"), false));
    let frames = exchange(&mut server, &mut peer, &[h, d]);
    assert_eq!(reset_code(&frames, 1), Some(ErrorCode::STREAM_CLOSED));
    assert_eq!(goaway_code(&frames), None);
}

#[test]
fn rfc9113_5_1_rst_stream_on_idle_stream_is_protocol_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let r = Frame::RstStream(RstStream {
        stream_id: StreamId::new(1),
        error_code: ErrorCode::CANCEL,
    });
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &[r])),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn recycled_request_heads_are_reused_and_carry_nothing_over() {
    let (mut server, mut peer) = raw_server(Config::default());
    let first = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a.example"),
        (":path", "/first"),
        ("x-only-in-first", "1"),
    ];
    let h = peer.headers(1, &first, false);
    exchange(&mut server, &mut peer, &[h]);
    let Some(Event::Request { head, .. }) = server.poll_event() else {
        panic!("a request");
    };
    let reused_at: *const RequestHead = &*head;
    server.recycle_request_head(head);
    // Trailers are a field section too; they must leave the spare alone.
    let trailers = peer.headers(1, &[("x-checksum", "1")], true);
    exchange(&mut server, &mut peer, &[trailers]);
    while server.poll_event().is_some() {}
    // CONNECT: no :scheme or :path, so stale values would show.
    let second = [(":method", "CONNECT"), (":authority", "b.example:443")];
    let h = peer.headers(3, &second, false);
    exchange(&mut server, &mut peer, &[h]);
    let Some(Event::Request { head, .. }) = server.poll_event() else {
        panic!("a request");
    };
    assert!(std::ptr::eq(reused_at, &*head), "the box was reused");
    // The field list's capacity too (an address alone could be a fresh
    // allocation landing where the old one was freed).
    assert!(head.fields.capacity() >= 1, "the field list was reused");
    assert_eq!(&head.method[..], b"CONNECT");
    assert_eq!(head.authority.as_deref(), Some(&b"b.example:443"[..]));
    assert_eq!(head.scheme, None);
    assert_eq!(head.path, None);
    assert!(head.fields.is_empty(), "no field from the first request");
}

#[test]
fn rfc9113_5_1_frames_after_our_reset_are_discarded() {
    let (mut server, mut peer) = raw_server(Config::default());
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let h = peer.headers(1, &post, false);
    exchange(&mut server, &mut peer, &[h]);
    server.reset(StreamId::new(1), ErrorCode::CANCEL).unwrap();
    let frames = peer.read(&mut server);
    assert_eq!(reset_code(&frames, 1), Some(ErrorCode::CANCEL));
    let d = Frame::Data(Data::new(
        StreamId::new(1),
        Bytes::from_static(b"late"),
        true,
    ));
    let frames = exchange(&mut server, &mut peer, &[d]);
    assert_eq!(reset_code(&frames, 1), None);
    assert_eq!(goaway_code(&frames), None);
}

#[test]
fn rfc9113_5_1_2_streams_over_the_limit_are_refused() {
    let mut config = Config::default();
    config.max_concurrent_streams = 2;
    let (mut server, mut peer) = raw_server(config);
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let a = peer.headers(1, &post, false);
    let b = peer.headers(3, &post, false);
    let c = peer.headers(5, &post, false);
    let frames = exchange(&mut server, &mut peer, &[a, b, c]);
    assert_eq!(reset_code(&frames, 5), Some(ErrorCode::REFUSED_STREAM));
    assert_eq!(reset_code(&frames, 1), None);
}

#[test]
fn rfc9113_5_1_2_client_queues_opens_beyond_the_peer_limit() {
    let mut server_config = Config::default();
    server_config.max_concurrent_streams = 1;
    let mut p = Pair::new(Config::default(), server_config);
    p.pump();
    let a = p.client.send_request(&GET, true).unwrap();
    let b = p.client.send_request(&GET, true).unwrap();
    let c = p.client.send_request(&GET, true).unwrap();
    p.pump();
    assert_eq!(
        p.server_requests().iter().map(|r| r.0).collect::<Vec<_>>(),
        [a]
    );
    p.server
        .send_response(a, 200, &[] as &[(&str, &str)], true)
        .unwrap();
    p.pump();
    assert_eq!(
        p.server_requests().iter().map(|r| r.0).collect::<Vec<_>>(),
        [b]
    );
    p.server
        .send_response(b, 200, &[] as &[(&str, &str)], true)
        .unwrap();
    p.pump();
    assert_eq!(
        p.server_requests().iter().map(|r| r.0).collect::<Vec<_>>(),
        [c]
    );
}

// ------------------------------------------------------ §4.3, §8 messages

#[test]
fn rfc9113_4_3_undecodable_field_block_is_compression_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    // Indexed field 70: beyond the static table with an empty dynamic table.
    let h = Frame::Headers(Headers::new(
        StreamId::new(1),
        Bytes::from_static(&[0xc6]),
        true,
    ));
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &[h])),
        Some(ErrorCode::COMPRESSION_ERROR)
    );
}

#[test]
fn rfc9113_6_10_header_block_over_continuations_is_reassembled() {
    let (mut server, mut peer) = raw_server(Config::default());
    let block = peer.block(&GET);
    let (a, b) = block.split_at(3);
    let frames = [
        Frame::Headers(Headers {
            end_headers: false,
            ..Headers::new(StreamId::new(1), Bytes::copy_from_slice(a), true)
        }),
        Frame::Continuation(Continuation {
            stream_id: StreamId::new(1),
            end_headers: true,
            fragment: Bytes::copy_from_slice(b),
        }),
    ];
    exchange(&mut server, &mut peer, &frames);
    assert!(matches!(server.poll_event(), Some(Event::Request { .. })));
}

#[test]
fn rfc9113_8_1_1_malformed_request_is_reset_with_protocol_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let h = peer.headers(1, &[(":method", "GET"), (":path", "/")], true);
    let frames = exchange(&mut server, &mut peer, &[h]);
    assert_eq!(reset_code(&frames, 1), Some(ErrorCode::PROTOCOL_ERROR));
    assert!(
        server.poll_event().is_none()
            || !matches!(server.poll_event(), Some(Event::Request { .. }))
    );
}

#[test]
fn rfc9113_8_2_uppercase_field_name_is_reset() {
    let (mut server, mut peer) = raw_server(Config::default());
    let mut fields = GET.to_vec();
    fields.push(("X-Upper", "1"));
    let h = peer.headers(1, &fields, true);
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[h]), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

/// §8.2.1 applies to every field line, including one HPACK copies from its
/// dynamic table: the table remembers what it checked when the entry was
/// added, so a bad entry stays bad on every reference.
#[test]
fn rfc9113_8_2_1_bad_fields_from_the_dynamic_table_are_malformed_every_time() {
    let (mut server, mut peer) = raw_server(Config::default());
    let mut upper = GET.to_vec();
    upper.push(("X-Upper", "1"));
    let mut spaced = GET.to_vec();
    spaced.push(("x-spaced", " lead"));
    let first = [
        peer.headers(1, &upper, true),
        peer.headers(3, &spaced, true),
    ];
    let frames = exchange(&mut server, &mut peer, &first);
    assert_eq!(reset_code(&frames, 1), Some(ErrorCode::PROTOCOL_ERROR));
    assert_eq!(reset_code(&frames, 3), Some(ErrorCode::PROTOCOL_ERROR));
    // The same fields again: now one-octet references to table entries.
    let again_upper = peer.block(&upper[GET.len()..]);
    let again_spaced = peer.block(&spaced[GET.len()..]);
    assert_eq!((again_upper.len(), again_spaced.len()), (1, 1));
    let second = [
        peer.headers(5, &upper, true),
        peer.headers(7, &spaced, true),
    ];
    let frames = exchange(&mut server, &mut peer, &second);
    assert_eq!(reset_code(&frames, 5), Some(ErrorCode::PROTOCOL_ERROR));
    assert_eq!(reset_code(&frames, 7), Some(ErrorCode::PROTOCOL_ERROR));
    let mut requests = 0;
    while let Some(event) = server.poll_event() {
        requests += usize::from(matches!(event, Event::Request { .. }));
    }
    assert_eq!(requests, 0);
    // A good field copied from the table is accepted.
    let mut good = GET.to_vec();
    good.push(("x-good", "1"));
    for id in [9, 11] {
        let h = peer.headers(id, &good, true);
        let frames = exchange(&mut server, &mut peer, &[h]);
        assert_eq!(reset_code(&frames, id), None);
        assert!(matches!(server.poll_event(), Some(Event::Request { .. })));
    }
}

#[test]
fn rfc9113_8_1_1_content_length_mismatch_is_reset() {
    let (mut server, mut peer) = raw_server(Config::default());
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
        ("content-length", "5"),
    ];
    let h = peer.headers(1, &post, false);
    let d = Frame::Data(Data::new(
        StreamId::new(1),
        Bytes::from_static(b"abc"),
        true,
    ));
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[h, d]), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn rfc9113_8_1_trailers_without_end_stream_are_malformed() {
    let (mut server, mut peer) = raw_server(Config::default());
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let h = peer.headers(1, &post, false);
    let t = peer.headers(1, &[("x-trailer", "1")], false);
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[h, t]), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn rfc9113_5_3_1_headers_depending_on_itself_is_reset() {
    let (mut server, mut peer) = raw_server(Config::default());
    let block = peer.block(&GET);
    let mut h = Headers::new(StreamId::new(1), block, true);
    h.priority = Some(crate::frame::PriorityBlock {
        exclusive: false,
        dependency: StreamId::new(1),
        weight: 15,
    });
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[Frame::Headers(h)]), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn rfc9113_8_4_client_push_promise_is_protocol_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let h = peer.headers(1, &GET, false);
    let pp = Frame::PushPromise(crate::frame::PushPromise {
        stream_id: StreamId::new(1),
        promised_id: StreamId::new(2),
        end_headers: true,
        pad_len: None,
        fragment: peer.block(&GET),
    });
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &[h, pp])),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

// ------------------------------------------------------ §5.2, §6.9 flow control

#[test]
fn rfc9113_6_9_data_beyond_the_stream_window_is_flow_control_error() {
    let mut config = Config::default();
    config.initial_stream_window = 10;
    let (mut server, mut peer) = raw_server(config);
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let h = peer.headers(1, &post, false);
    let d = Frame::Data(Data::new(
        StreamId::new(1),
        Bytes::from_static(b"0123456789A"),
        false,
    ));
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[h, d]), 1),
        Some(ErrorCode::FLOW_CONTROL_ERROR)
    );
}

#[test]
fn rfc9113_6_9_data_beyond_the_connection_window_is_flow_control_error() {
    let mut config = Config::default();
    config.initial_connection_window = 65_535;
    config.initial_stream_window = 1 << 20;
    let (mut server, mut peer) = raw_server(config);
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let mut frames = vec![peer.headers(1, &post, false)];
    for _ in 0..5 {
        frames.push(Frame::Data(Data::new(
            StreamId::new(1),
            Bytes::from(vec![0; 16_000]),
            false,
        )));
    }
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &frames)),
        Some(ErrorCode::FLOW_CONTROL_ERROR)
    );
}

#[test]
fn rfc9113_6_9_1_window_update_overflow_is_flow_control_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let wu = Frame::WindowUpdate(WindowUpdate {
        stream_id: StreamId::CONNECTION,
        increment: (1 << 31) - 1,
    });
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &[wu])),
        Some(ErrorCode::FLOW_CONTROL_ERROR)
    );
    let (mut server, mut peer) = raw_server(Config::default());
    let h = peer.headers(1, &GET, true);
    let wu = Frame::WindowUpdate(WindowUpdate {
        stream_id: StreamId::new(1),
        increment: (1 << 31) - 1,
    });
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[h, wu]), 1),
        Some(ErrorCode::FLOW_CONTROL_ERROR)
    );
}

#[test]
fn rfc9113_6_9_sender_respects_the_peer_window_and_resumes_on_update() {
    let (mut server, mut peer) = raw_server(Config::default());
    let mut s = Settings::default();
    s.set(SettingId::INITIAL_WINDOW_SIZE, 1000);
    let h = peer.headers(1, &GET, true);
    exchange(&mut server, &mut peer, &[Frame::Settings(s), h]);
    server
        .send_response(StreamId::new(1), 200, &[] as &[(&str, &str)], false)
        .unwrap();
    server
        .send_data(StreamId::new(1), Bytes::from(vec![1; 5000]), true)
        .unwrap();
    let sent: usize = peer
        .read(&mut server)
        .iter()
        .filter_map(|f| match f {
            Frame::Data(d) => Some(d.payload.len()),
            _ => None,
        })
        .sum();
    assert_eq!(sent, 1000);
    assert_eq!(server.buffered_amount(StreamId::new(1)), 4000);
    let wu = Frame::WindowUpdate(WindowUpdate {
        stream_id: StreamId::new(1),
        increment: 4000,
    });
    let frames = exchange(&mut server, &mut peer, &[wu]);
    let sent: usize = frames
        .iter()
        .filter_map(|f| match f {
            Frame::Data(d) => Some(d.payload.len()),
            _ => None,
        })
        .sum();
    assert_eq!(sent, 4000);
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, Frame::Data(d) if d.end_stream))
    );
}

#[test]
fn rfc9113_6_9_padding_counts_against_the_window() {
    let mut config = Config::default();
    config.initial_stream_window = 20;
    let (mut server, mut peer) = raw_server(config);
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let h = peer.headers(1, &post, false);
    let mut d = Data::new(StreamId::new(1), Bytes::from_static(b"0123456789"), false);
    d.pad_len = Some(10); // 10 + 1 + 10 = 21 > 20
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[h, Frame::Data(d)]), 1),
        Some(ErrorCode::FLOW_CONTROL_ERROR)
    );
}

#[test]
fn manual_flow_control_returns_window_only_on_release() {
    let mut config = Config::default();
    config.flow_control = FlowControl::Manual;
    config.initial_stream_window = 100;
    let (mut server, mut peer) = raw_server(config);
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let h = peer.headers(1, &post, false);
    let d = Frame::Data(Data::new(
        StreamId::new(1),
        Bytes::from(vec![0; 100]),
        false,
    ));
    exchange(&mut server, &mut peer, &[h, d]);
    while server.poll_event().is_some() {}
    assert!(
        !peer
            .read(&mut server)
            .iter()
            .any(|f| matches!(f, Frame::WindowUpdate(w) if w.stream_id.value() == 1))
    );
    assert_eq!(server.stream_recv_window(StreamId::new(1)), Some(0));
    assert_eq!(
        server.release_capacity(StreamId::new(1), 101),
        Err(UserError::ReleaseTooLarge)
    );
    server.release_capacity(StreamId::new(1), 100).unwrap();
    let frames = peer.read(&mut server);
    assert!(frames.iter().any(
        |f| matches!(f, Frame::WindowUpdate(w) if w.stream_id.value() == 1 && w.increment == 100)
    ));
}

// ------------------------------------------------------ §6.7 ping

#[test]
fn rfc9113_6_7_ping_is_answered_with_the_same_payload() {
    let (mut server, mut peer) = raw_server(Config::default());
    let frames = exchange(
        &mut server,
        &mut peer,
        &[Frame::Ping(Ping {
            ack: false,
            payload: *b"abcdefgh",
        })],
    );
    assert!(frames.contains(&Frame::Ping(Ping {
        ack: true,
        payload: *b"abcdefgh"
    })));
    // "An endpoint MUST NOT respond to PING frames containing this flag."
    let frames = exchange(
        &mut server,
        &mut peer,
        &[Frame::Ping(Ping {
            ack: true,
            payload: *b"zzzzzzzz",
        })],
    );
    assert!(frames.is_empty());
}

#[test]
fn user_ping_reports_its_acknowledgement() {
    let mut p = Pair::default();
    p.client.ping(*b"rtt-test").unwrap();
    p.pump();
    assert!(
        p.client_events
            .contains(&Event::PingAcknowledged(*b"rtt-test"))
    );
}

#[test]
fn keepalive_ping_timeout_ends_a_dead_connection() {
    let mut config = Config::default();
    config.keepalive_interval = Some(Duration::from_secs(5));
    config.keepalive_timeout = Duration::from_secs(2);
    let mut p = Pair::new(config, Config::default());
    p.pump();
    p.advance(Duration::from_secs(5));
    p.pump(); // answered: the connection lives
    assert!(!p.client.is_closed());
    p.advance(Duration::from_secs(5)); // a new probe goes out…
    let mut sink = BytesMut::new();
    p.client.poll_transmit(&mut sink); // …but is never delivered
    p.advance(Duration::from_secs(2));
    assert!(p.client.is_closed());
}

// ------------------------------------------------------ §6.8 goaway

#[test]
fn rfc9113_6_8_graceful_shutdown_finishes_streams_in_flight() {
    let mut p = Pair::default();
    let a = p.client.send_request(&GET, true).unwrap();
    p.pump();
    p.server.shutdown();
    p.pump();
    // Two GOAWAYs went out: 2^31-1 first, then the real last stream.
    let goaways: Vec<StreamId> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::GoAwayReceived { last_stream_id, .. } => Some(*last_stream_id),
            _ => None,
        })
        .collect();
    assert_eq!(goaways, [StreamId::MAX, a]);
    assert_eq!(p.client.send_request(&GET, true), Err(UserError::GoingAway));
    p.server
        .send_response(a, 200, &[] as &[(&str, &str)], false)
        .unwrap();
    p.server
        .send_data(a, Bytes::from_static(b"done"), true)
        .unwrap();
    p.pump();
    assert_eq!(body_of(&p.client_events, a), (b"done".to_vec(), true));
    assert!(p.server.is_done());
    assert!(p.client.is_done());
}

#[test]
fn rfc9113_6_8_streams_above_last_stream_id_are_retry_safe() {
    let mut p = Pair::default();
    p.pump();
    let mut peer = RawPeer::new();
    let a = p.client.send_request(&GET, true).unwrap();
    let b = p.client.send_request(&GET, true).unwrap();
    peer.read(&mut p.client);
    let g = Frame::GoAway(GoAway {
        last_stream_id: a,
        error_code: ErrorCode::NO_ERROR,
        debug_data: Bytes::new(),
    });
    p.client.recv(&wire(&[g])).unwrap();
    let events: Vec<Event> = std::iter::from_fn(|| p.client.poll_event()).collect();
    assert!(events.iter().any(
        |e| matches!(e, Event::StreamReset { stream_id, retry_safe: true, .. } if *stream_id == b)
    ));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::StreamReset { stream_id, .. } if *stream_id == a))
    );
}

#[test]
fn rfc9113_6_8_streams_opened_after_final_goaway_are_ignored() {
    let (mut server, mut peer) = raw_server(Config::default());
    server.shutdown();
    let frames = peer.read(&mut server);
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, Frame::GoAway(g) if g.last_stream_id == StreamId::MAX))
    );
    let Some(Frame::Ping(ping)) = frames.iter().find(|f| matches!(f, Frame::Ping(_))).cloned()
    else {
        panic!()
    };
    let frames = exchange(
        &mut server,
        &mut peer,
        &[Frame::Ping(Ping {
            ack: true,
            payload: ping.payload,
        })],
    );
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, Frame::GoAway(g) if g.last_stream_id == StreamId::CONNECTION))
    );
    let h = peer.headers(1, &GET, true);
    exchange(&mut server, &mut peer, &[h]);
    assert!(
        !std::iter::from_fn(|| server.poll_event()).any(|e| matches!(e, Event::Request { .. }))
    );
}

// ------------------------------------------------------ floods and limits

#[test]
fn rapid_reset_flood_is_answered_with_enhance_your_calm() {
    let mut config = Config::default();
    config.max_resets_per_window = 10;
    let (mut server, mut peer) = raw_server(config);
    let mut frames = Vec::new();
    for i in 0..20 {
        let id = 2 * i + 1;
        frames.push(peer.headers(id, &GET, false));
        frames.push(Frame::RstStream(RstStream {
            stream_id: StreamId::new(id),
            error_code: ErrorCode::CANCEL,
        }));
    }
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &frames)),
        Some(ErrorCode::ENHANCE_YOUR_CALM)
    );
}

#[test]
fn ping_flood_is_answered_with_enhance_your_calm() {
    let mut config = Config::default();
    config.max_control_frames_per_window = 50;
    let (mut server, mut peer) = raw_server(config);
    let frames: Vec<Frame> = (0..100)
        .map(|_| {
            Frame::Ping(Ping {
                ack: false,
                payload: [0; 8],
            })
        })
        .collect();
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &frames)),
        Some(ErrorCode::ENHANCE_YOUR_CALM)
    );
}

#[test]
fn continuation_flood_is_bounded() {
    let (mut server, mut peer) = raw_server(Config::default());
    let mut frames = vec![Frame::Headers(Headers {
        end_headers: false,
        ..Headers::new(StreamId::new(1), Bytes::from_static(b"\x82"), true)
    })];
    for _ in 0..100 {
        frames.push(Frame::Continuation(Continuation {
            stream_id: StreamId::new(1),
            end_headers: false,
            fragment: Bytes::from_static(b"\x84"),
        }));
    }
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &frames)),
        Some(ErrorCode::ENHANCE_YOUR_CALM)
    );
}

#[test]
fn header_list_over_the_limit_refuses_the_stream_and_keeps_the_connection() {
    let mut config = Config::default();
    config.max_header_list_size = 1000;
    let (mut server, mut peer) = raw_server(config);
    let big = "x".repeat(2000);
    let mut fields = GET.to_vec();
    fields.push(("x-big", &big));
    let h = peer.headers(1, &fields, true);
    let ok = peer.headers(3, &GET, true);
    let frames = exchange(&mut server, &mut peer, &[h, ok]);
    assert_eq!(reset_code(&frames, 1), Some(ErrorCode::PROTOCOL_ERROR));
    assert_eq!(goaway_code(&frames), None);
    assert!(
        std::iter::from_fn(|| server.poll_event())
            .any(|e| matches!(e, Event::Request { stream_id, .. } if stream_id.value() == 3))
    );
}

// ------------------------------------------------------ RFC 7540 §3.2 h2c upgrade

#[test]
fn rfc7540_3_2_upgraded_stream_1_is_half_closed_remote() {
    let settings = decode_http2_settings(b"AAMAAABkAAQAAP__").unwrap();
    let mut server = Connection::server_upgraded(Config::default(), &settings).unwrap();
    assert_eq!(
        server.stream_state(StreamId::new(1)),
        StreamState::HalfClosedRemote
    );
    assert_eq!(server.peer_settings().max_concurrent_streams, Some(100));
    assert_eq!(server.peer_settings().initial_window_size, 65_535);
    server
        .send_response(StreamId::new(1), 200, &[] as &[(&str, &str)], false)
        .unwrap();
    server
        .send_data(StreamId::new(1), Bytes::from_static(b"upgraded"), true)
        .unwrap();
    let mut peer = RawPeer::new();
    let mut bytes = PREFACE.to_vec();
    bytes.extend(wire(&[Frame::Settings(Settings::default())]));
    server.recv(&bytes).unwrap();
    let frames = peer.read(&mut server);
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, Frame::Data(d) if &d.payload[..] == b"upgraded" && d.end_stream))
    );
    assert_eq!(server.stream_state(StreamId::new(1)), StreamState::Closed);
}

// ------------------------------------------------------ property test

#[derive(Clone, Debug)]
enum Action {
    Open { body: usize },
    ServerWindow { increment: u32 },
    Pump { max_bytes: usize },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0usize..70_000).prop_map(|body| Action::Open { body }),
        (1u32..100_000).prop_map(|increment| Action::ServerWindow { increment }),
        (1usize..40_000).prop_map(|max_bytes| Action::Pump { max_bytes }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random opens, bodies, window settings and partial deliveries: no
    /// window is ever overrun (the receiver would report FLOW_CONTROL_ERROR),
    /// nothing panics, and every byte arrives exactly once, in order.
    #[test]
    fn prop_random_interleavings_deliver_every_byte_once(actions in proptest::collection::vec(action(), 1..30), window in 1u32..70_000) {
        let mut server_config = Config::default();
        server_config.initial_stream_window = window;
        server_config.initial_connection_window = window.max(65_535);
        let mut p = Pair::new(Config::default(), server_config);
        let mut expected: Vec<(StreamId, Vec<u8>)> = Vec::new();
        let post = [(":method", "POST"), (":scheme", "http"), (":authority", "a"), (":path", "/")];
        let mut in_flight = BytesMut::new();
        for (n, a) in actions.iter().enumerate() {
            match a {
                Action::Open { body } => {
                    let Ok(id) = p.client.send_request(&post, false) else { continue };
                    let data: Vec<u8> = (0..*body).map(|i| (i * 7 + n) as u8).collect();
                    p.client.send_data(id, Bytes::from(data.clone()), true).unwrap();
                    expected.push((id, data));
                }
                Action::ServerWindow { increment } => {
                    let mut s = Settings::default();
                    s.set(SettingId::INITIAL_WINDOW_SIZE, *increment);
                    p.server.update_settings(s).unwrap();
                }
                Action::Pump { max_bytes } => {
                    // Deliver only part of what the client has written.
                    p.client.poll_transmit(&mut in_flight);
                    let n = (*max_bytes).min(in_flight.len());
                    let chunk = in_flight.split_to(n);
                    p.server.recv(&chunk).unwrap();
                    let mut back = BytesMut::new();
                    while p.server.poll_transmit(&mut back) > 0 {}
                    p.client.recv(&back).unwrap();
                    while let Some(e) = p.server.poll_event() { p.server_events.push(e); }
                    while let Some(e) = p.client.poll_event() { p.client_events.push(e); }
                }
            }
        }
        // Deliver the rest.
        p.client.poll_transmit(&mut in_flight);
        p.server.recv(&in_flight).unwrap();
        p.pump();
        prop_assert!(!p.server.is_closed(), "{:?}", p.server.close_reason());
        prop_assert!(!p.client.is_closed(), "{:?}", p.client.close_reason());
        // Nobody answered, so every request stream is half-closed on both
        // sides and counted as active exactly once.
        prop_assert_eq!(p.server.active_streams(), expected.len());
        prop_assert_eq!(p.client.active_streams(), expected.len());
        for (id, data) in &expected {
            let (got, ended) = body_of(&p.server_events, *id);
            prop_assert!(ended, "stream {id:?} did not end");
            prop_assert_eq!(&got, data);
        }
    }
}

// ------------------------------------------------------ window auto-tuning

/// Downloads `size` octets on one stream, feeding the body as capacity
/// allows, and returns how many pump rounds it took.
fn download(p: &mut Pair, size: usize) -> usize {
    let id = p.client.send_request(&GET, true).unwrap();
    p.pump();
    p.server
        .send_response(id, 200, &[] as &[(&str, &str)], false)
        .unwrap();
    let body = Bytes::from(vec![0x5a; size]);
    let mut sent = 0;
    let mut rounds = 0;
    while sent < size {
        let room = p.server.send_capacity(id).min(size - sent);
        if room > 0 {
            p.server
                .send_data(id, body.slice(sent..sent + room), sent + room == size)
                .unwrap();
            sent += room;
        }
        p.pump();
        rounds += 1;
        assert!(rounds < 100_000);
    }
    p.pump();
    assert_eq!(body_of(&p.client_events, id).0.len(), size);
    rounds
}

#[test]
fn auto_tuning_grows_the_receive_windows_of_a_fast_stream() {
    let client = Config {
        auto_tune_windows: true,
        ..Config::default()
    };
    let mut p = Pair::new(client, Config::default());
    p.pump();
    download(&mut p, 8 << 20);
    let window = p.server.peer_settings().initial_window_size;
    assert!(window >= 65_535 * 8, "stream window grew only to {window}");
    assert!(window <= Config::default().max_auto_tuned_window);
    assert!(p.server.connection_window() > 0);
}

#[test]
fn without_auto_tuning_windows_stay_as_configured() {
    let mut p = Pair::default();
    p.pump();
    download(&mut p, 1 << 20);
    assert_eq!(p.server.peer_settings().initial_window_size, 65_535);
}

mod park;
mod priorities;
mod push_connect;

#[test]
fn vectored_transmit_hands_out_data_payloads_without_copying() {
    let mut p = Pair::default();
    let id = p.client.send_request(&GET, true).unwrap();
    p.pump();
    let body = Bytes::from(vec![7u8; 40_000]);
    p.server
        .send_response(id, 200, &[] as &[(&str, &str)], false)
        .unwrap();
    p.server.send_data(id, body.clone(), true).unwrap();
    let mut chunks = Vec::new();
    let n = p.server.poll_transmit_vectored(&mut chunks);
    assert_eq!(n, chunks.iter().map(Bytes::len).sum::<usize>());
    // The payload chunks point into the body we gave, not into a copy.
    let range = body.as_ptr() as usize..body.as_ptr() as usize + body.len();
    let shared: usize = chunks
        .iter()
        .filter(|c| range.contains(&(c.as_ptr() as usize)))
        .map(Bytes::len)
        .sum();
    assert_eq!(shared, 40_000);
    // And the client decodes the concatenation like any other transmit.
    let joined: Vec<u8> = chunks.concat();
    p.client.recv(&joined).unwrap();
    let events: Vec<Event> = std::iter::from_fn(|| p.client.poll_event()).collect();
    assert_eq!(body_of(&events, id), (vec![7u8; 40_000], true));
}
