//! Server push (§8.4), CONNECT tunnels (§8.5) and extended CONNECT
//! (RFC 8441), through the in-memory client/server pair.

use super::*;

fn push_pair() -> Pair {
    let mut p = Pair::new(
        Config {
            enable_push: true,
            ..Config::default()
        },
        Config::default(),
    );
    p.pump();
    p
}

const STYLE: [(&str, &str); 4] = [
    (":method", "GET"),
    (":scheme", "http"),
    (":authority", "example.com"),
    (":path", "/style.css"),
];

#[test]
fn rfc9113_8_4_pushed_response_reaches_the_client() {
    let mut p = push_pair();
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    let promised = p.server.push_promise(parent, &STYLE).unwrap();
    assert!(promised.is_server_initiated());
    assert_eq!(p.server.stream_state(promised), StreamState::ReservedLocal);
    p.server
        .send_response(parent, 200, &[] as &[(&str, &str)], false)
        .unwrap();
    p.server
        .send_data(parent, Bytes::from_static(b"<html>"), true)
        .unwrap();
    p.server
        .send_response(promised, 200, &[("content-type", "text/css")], false)
        .unwrap();
    assert_eq!(
        p.server.stream_state(promised),
        StreamState::HalfClosedRemote
    );
    p.server
        .send_data(promised, Bytes::from_static(b"body{}"), true)
        .unwrap();
    p.pump();
    let pushed = p.client_events.iter().find_map(|e| match e {
        Event::PushPromise {
            parent: pa,
            promised: pr,
            head,
        } => Some((*pa, *pr, head.path.clone())),
        _ => None,
    });
    assert_eq!(
        pushed,
        Some((parent, promised, Some(Bytes::from_static(b"/style.css"))))
    );
    assert!(p.client_events.iter().any(|e| matches!(e, Event::Response { stream_id, head, .. } if *stream_id == promised && head.status == 200)));
    assert_eq!(
        body_of(&p.client_events, promised),
        (b"body{}".to_vec(), true)
    );
    assert_eq!(
        body_of(&p.client_events, parent),
        (b"<html>".to_vec(), true)
    );
    assert_eq!(p.client.stream_state(promised), StreamState::Closed);
}

#[test]
fn rfc9113_8_4_push_promise_comes_before_the_parent_response_ends() {
    // The PUSH_PROMISE must reach the client before the parent's END_STREAM
    // so the client knows about the push while the parent is still open.
    let mut p = push_pair();
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    p.server
        .send_response(parent, 200, &[] as &[(&str, &str)], false)
        .unwrap();
    p.server.push_promise(parent, &STYLE).unwrap();
    p.server
        .send_data(parent, Bytes::from_static(b"x"), true)
        .unwrap();
    p.pump();
    let promise_at = p
        .client_events
        .iter()
        .position(|e| matches!(e, Event::PushPromise { .. }))
        .unwrap();
    let end_at = p
        .client_events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::Data {
                    end_stream: true,
                    ..
                }
            )
        })
        .unwrap();
    assert!(promise_at < end_at);
}

#[test]
fn rfc9113_6_5_2_no_push_when_the_client_disabled_it() {
    let mut p = Pair::default(); // clients advertise ENABLE_PUSH = 0 by default
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    assert_eq!(
        p.server.push_promise(parent, &STYLE),
        Err(UserError::PushDisabled)
    );
}

#[test]
fn rfc9113_8_4_pushed_requests_must_be_safe_and_cacheable() {
    let mut p = push_pair();
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    assert!(matches!(
        p.server.push_promise(parent, &post),
        Err(UserError::InvalidHeaders(_))
    ));
}

#[test]
fn rfc9113_6_6_push_only_on_an_open_client_stream() {
    let mut p = push_pair();
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    p.server
        .send_response(parent, 204, &[] as &[(&str, &str)], true)
        .unwrap();
    assert!(matches!(
        p.server.push_promise(parent, &STYLE),
        Err(UserError::InvalidState { .. })
    ));
}

#[test]
fn rfc9113_8_4_client_can_cancel_a_push() {
    let mut p = push_pair();
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    let promised = p.server.push_promise(parent, &STYLE).unwrap();
    p.pump();
    p.client.reset(promised, ErrorCode::CANCEL).unwrap();
    p.pump();
    assert!(p.server_events.iter().any(|e| matches!(e, Event::StreamReset { stream_id, code: ErrorCode::CANCEL, .. } if *stream_id == promised)));
    assert_eq!(p.server.stream_state(promised), StreamState::Closed);
}

#[test]
fn rfc9113_8_4_pushes_respect_the_client_stream_limit() {
    let client = Config {
        enable_push: true,
        max_concurrent_streams: 1,
        ..Config::default()
    };
    let mut p = Pair::new(client, Config::default());
    p.pump();
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    p.server.push_promise(parent, &STYLE).unwrap();
    assert_eq!(
        p.server.push_promise(parent, &GET),
        Err(UserError::StreamLimit)
    );
}

#[test]
fn rfc9113_6_5_2_push_promise_to_a_client_that_disabled_push_is_protocol_error() {
    let mut client = Connection::client(Config::default());
    let mut peer = RawPeer::new();
    client.send_request(&GET, false).unwrap();
    peer.read(&mut client);
    let frames = [
        Frame::Settings(Settings::default()),
        Frame::PushPromise(crate::frame::PushPromise {
            stream_id: StreamId::new(1),
            promised_id: StreamId::new(2),
            end_headers: true,
            pad_len: None,
            fragment: peer.block(&STYLE),
        }),
    ];
    assert_eq!(
        client.recv(&wire(&frames)).unwrap_err().code,
        ErrorCode::PROTOCOL_ERROR
    );
}

#[test]
fn rfc9113_8_4_large_push_promise_is_split_into_continuations() {
    let mut p = push_pair();
    let parent = p.client.send_request(&GET, true).unwrap();
    p.pump();
    let big = "c".repeat(30_000);
    let mut request = STYLE.to_vec();
    request.push(("x-big", &big));
    let promised = p.server.push_promise(parent, &request).unwrap();
    p.pump();
    assert!(p.client_events.iter().any(|e| matches!(e, Event::PushPromise { promised: pr, head, .. } if *pr == promised && head.fields[0].value.len() == 30_000)));
}

#[test]
fn rfc9113_8_5_connect_tunnels_data_both_ways() {
    let mut p = Pair::default();
    let connect = [
        (":method", "CONNECT"),
        (":authority", "backend.example:443"),
    ];
    let id = p.client.send_request(&connect, false).unwrap();
    p.pump();
    let requests = p.server_requests();
    assert_eq!(&requests[0].1.method[..], b"CONNECT");
    assert_eq!(requests[0].1.path, None);
    p.server
        .send_response(id, 200, &[] as &[(&str, &str)], false)
        .unwrap();
    p.client
        .send_data(id, Bytes::from_static(b"ping from client"), false)
        .unwrap();
    p.pump();
    p.server
        .send_data(id, Bytes::from_static(b"pong from server"), false)
        .unwrap();
    p.pump();
    assert_eq!(body_of(&p.server_events, id).0, b"ping from client");
    assert_eq!(body_of(&p.client_events, id).0, b"pong from server");
    assert_eq!(p.client.stream_state(id), StreamState::Open);
    p.client.send_data(id, Bytes::new(), true).unwrap();
    p.server.send_data(id, Bytes::new(), true).unwrap();
    p.pump();
    assert_eq!(p.client.stream_state(id), StreamState::Closed);
}

#[test]
fn rfc8441_4_extended_connect_after_the_server_enables_it() {
    let server = Config {
        enable_connect_protocol: true,
        ..Config::default()
    };
    let mut p = Pair::new(Config::default(), server);
    p.pump();
    assert!(p.client.peer_settings().enable_connect_protocol);
    let ws = [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":path", "/chat"),
        (":authority", "example.com"),
    ];
    let id = p.client.send_request(&ws, false).unwrap();
    p.pump();
    let requests = p.server_requests();
    assert_eq!(requests[0].0, id);
    assert_eq!(requests[0].1.protocol.as_deref(), Some(&b"websocket"[..]));
}

#[test]
fn rfc8441_4_extended_connect_is_refused_without_the_setting() {
    let mut p = Pair::default();
    p.pump();
    let ws = [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":path", "/chat"),
        (":authority", "example.com"),
    ];
    assert!(matches!(
        p.client.send_request(&ws, false),
        Err(UserError::InvalidHeaders(_))
    ));
}

#[test]
fn rfc8441_4_protocol_pseudo_header_is_malformed_when_not_enabled() {
    let (mut server, mut peer) = raw_server(Config::default());
    let ws = [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":path", "/chat"),
        (":authority", "example.com"),
    ];
    let h = peer.headers(1, &ws, false);
    assert_eq!(
        reset_code(&exchange(&mut server, &mut peer, &[h]), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}
