//! Parking (`Connection::park` / `ParkedConnection::resume`): a parked
//! and resumed connection must be indistinguishable from one that was
//! left alone. Each test runs the same script twice — once untouched,
//! once parking both ends wherever they are quiet — and requires the same
//! bytes on the wire and the same events.

use super::*;

/// Everything observable from outside: the bytes each side sent and the
/// events each side reported, in order.
#[derive(Debug, Default, PartialEq)]
struct Transcript {
    to_server: Vec<u8>,
    to_client: Vec<u8>,
    client_events: Vec<Event>,
    server_events: Vec<Event>,
    parked: usize,
}

/// Parks and resumes `conn` if it is quiet; counts it.
fn park_cycle(conn: &mut Connection, parked: &mut usize) {
    if !conn.can_park() {
        return;
    }
    let placeholder = Connection::server(Config::default());
    let live = std::mem::replace(conn, placeholder);
    match live.park() {
        Ok(p) => {
            *parked += 1;
            *conn = p.resume();
        }
        Err(_) => panic!("can_park said yes, park said no"),
    }
}

/// Moves bytes both ways until both sides are quiet, recording them;
/// with `park`, both ends are parked and resumed after every step.
fn settle(p: &mut Pair, t: &mut Transcript, park: bool) {
    let mut buf = BytesMut::new();
    for _ in 0..10_000 {
        let mut moved = 0;
        while p.client.poll_transmit(&mut buf) > 0 {
            moved += buf.len();
            t.to_server.extend_from_slice(&buf);
            let bytes = buf.split();
            let _ = p.server.recv(&bytes);
        }
        while p.server.poll_transmit(&mut buf) > 0 {
            moved += buf.len();
            t.to_client.extend_from_slice(&buf);
            let bytes = buf.split();
            let _ = p.client.recv(&bytes);
        }
        while let Some(e) = p.client.poll_event() {
            t.client_events.push(e);
        }
        while let Some(e) = p.server.poll_event() {
            t.server_events.push(e);
        }
        if park {
            park_cycle(&mut p.client, &mut t.parked);
            park_cycle(&mut p.server, &mut t.parked);
        }
        if moved == 0 && !p.client.wants_write() && !p.server.wants_write() {
            return;
        }
    }
    panic!("did not settle");
}

/// Runs `script` step by step on a fresh pair, settling after each step.
fn run(
    client: Config,
    server: Config,
    park: bool,
    steps: usize,
    script: impl Fn(&mut Pair, usize),
) -> Transcript {
    let mut p = Pair::new(client, server);
    let mut t = Transcript::default();
    settle(&mut p, &mut t, park);
    for step in 0..steps {
        script(&mut p, step);
        settle(&mut p, &mut t, park);
        p.advance(Duration::from_millis(10));
    }
    t
}

/// The script's transcript with and without parking must be the same
/// (the count of parks aside, which must not be zero).
fn assert_parking_is_invisible(
    client: Config,
    server: Config,
    steps: usize,
    script: impl Fn(&mut Pair, usize),
) {
    let plain = run(client.clone(), server.clone(), false, steps, &script);
    let mut parked = run(client, server, true, steps, &script);
    assert!(parked.parked > 0, "nothing was ever parked");
    parked.parked = 0;
    assert_eq!(parked, plain);
}

/// Requests with bodies both ways, so the HPACK tables fill up and the
/// connection windows move; a fresh field in each request keeps the
/// encoder inserting.
fn exchanges(p: &mut Pair, step: usize) {
    let path = format!("/item/{step}");
    let fields = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "example.com"),
        (":path", path.as_str()),
        ("x-step", path.as_str()),
    ];
    let id = p.client.send_request(&fields, false).unwrap();
    p.client
        .send_data(id, Bytes::from(vec![b'u'; 1000 + step]), true)
        .unwrap();
    settle_server_requests(p);
}

/// Answers every request the server has seen so far.
fn settle_server_requests(p: &mut Pair) {
    let mut buf = BytesMut::new();
    // Deliver the request before answering it.
    for _ in 0..4 {
        while p.client.poll_transmit(&mut buf) > 0 {
            let bytes = buf.split();
            p.server.recv(&bytes).unwrap();
        }
    }
    while let Some(e) = p.server.poll_event() {
        if let Event::Request { stream_id, .. } = e {
            p.server
                .send_response(stream_id, 200, &[("x-answer", "yes")], false)
                .unwrap();
            p.server
                .send_data(stream_id, Bytes::from_static(b"answer"), true)
                .unwrap();
        }
    }
}

#[test]
fn parking_between_requests_is_invisible_to_both_peers() {
    assert_parking_is_invisible(Config::default(), Config::default(), 8, exchanges);
}

#[test]
fn parking_with_non_default_settings_is_invisible() {
    // Smaller tables and frames, a larger window and a header list limit:
    // every value parking has to carry over differs from the default.
    let server = Config {
        header_table_size: 256,
        max_frame_size: 20_000,
        initial_stream_window: 200_000,
        initial_connection_window: 1_000_000,
        max_header_list_size: 8_000,
        ..Config::default()
    };
    let client = Config {
        header_table_size: 1024,
        ..Config::default()
    };
    assert_parking_is_invisible(client, server, 6, exchanges);
}

#[test]
fn parking_across_a_table_size_change_keeps_the_pending_update() {
    // The client lowers its table after the first request: the server's
    // encoder owes a size update at its next block, parked or not.
    assert_parking_is_invisible(Config::default(), Config::default(), 4, |p, step| {
        if step == 1 {
            let mut s = Settings::default();
            s.set(SettingId::HEADER_TABLE_SIZE, 100);
            p.client.update_settings(s).unwrap();
        } else {
            exchanges(p, step);
        }
    });
}

#[test]
fn parking_with_pings_and_resets_is_invisible() {
    assert_parking_is_invisible(Config::default(), Config::default(), 6, |p, step| {
        match step % 3 {
            0 => p.client.ping(*b"parking!").unwrap(),
            1 => {
                let id = p.client.send_request(&GET, false).unwrap();
                p.client.reset(id, ErrorCode::CANCEL).unwrap();
            }
            _ => exchanges(p, step),
        }
    });
}

#[test]
fn rfc9113_5_4_2_frames_after_our_reset_are_ignored_after_parking() {
    // §5.4.2: after sending RST_STREAM the sender "MUST be prepared to
    // receive and ignore frames" the peer sent before it saw the reset.
    let (mut server, mut peer) = raw_server(Config::default());
    let post = [
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/"),
    ];
    let h = peer.headers(1, &post, false);
    exchange(&mut server, &mut peer, &[h]);
    while server.poll_event().is_some() {}
    server.reset(StreamId::new(1), ErrorCode::CANCEL).unwrap();
    peer.read(&mut server);
    let mut server = server.park().ok().expect("quiet after the reset").resume();
    let late = Frame::Data(Data::new(
        StreamId::new(1),
        Bytes::from_static(b"late"),
        true,
    ));
    let frames = exchange(&mut server, &mut peer, &[late]);
    assert_eq!(reset_code(&frames, 1), None);
    assert_eq!(goaway_code(&frames), None);
    assert!(!server.is_closed());
}

#[test]
fn rfc9113_5_1_1_stream_ids_keep_increasing_after_parking() {
    // §5.1.1: "The identifier of a newly established stream MUST be
    // numerically greater than all streams that the initiating endpoint
    // has opened or reserved." The parked server still remembers stream 3.
    let (mut server, mut peer) = raw_server(Config::default());
    let h = peer.headers(3, &GET, true);
    exchange(&mut server, &mut peer, &[h]);
    while server.poll_event().is_some() {}
    server
        .send_response(StreamId::new(3), 204, &[] as &[(&str, &str)], true)
        .unwrap();
    peer.read(&mut server);
    let mut server = server.park().ok().expect("quiet after the answer").resume();
    let stale = peer.headers(1, &GET, true);
    let frames = exchange(&mut server, &mut peer, &[stale]);
    assert_eq!(goaway_code(&frames), Some(ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn busy_connections_refuse_to_park() {
    // Still expecting the preface.
    let fresh = Connection::server(Config::default());
    assert!(!fresh.can_park());
    let fresh = fresh.park().err().expect("busy");
    assert!(!fresh.is_closed());

    // A stream open.
    let (mut server, mut peer) = raw_server(Config::default());
    assert!(server.can_park());
    let h = peer.headers(1, &GET, true);
    exchange(&mut server, &mut peer, &[h]);
    assert!(!server.can_park(), "an event waits");
    while server.poll_event().is_some() {}
    assert!(!server.can_park(), "stream 1 awaits its response");

    // Our SETTINGS not acknowledged yet.
    let (mut server, mut peer) = raw_server(Config::default());
    let mut s = Settings::default();
    s.set(SettingId::MAX_CONCURRENT_STREAMS, 10);
    server.update_settings(s).unwrap();
    peer.read(&mut server);
    assert!(!server.can_park());

    // Half a frame received.
    let (mut server, _peer) = raw_server(Config::default());
    server.recv(&[0, 0, 8, 6]).unwrap();
    assert!(!server.can_park());
}

#[test]
fn a_parked_connection_reports_its_keepalive_deadline() {
    let config = Config {
        keepalive_interval: Some(Duration::from_secs(30)),
        ..Config::default()
    };
    let (server, _peer) = raw_server(config);
    let earliest = server.poll_timeout().expect("a keep-alive is scheduled");
    let parked = server.park().ok().expect("quiet");
    let due = parked
        .poll_timeout()
        .expect("the keep-alive survives parking");
    assert!(due >= earliest);
    assert_eq!(parked.role(), Role::Server);
    // Resumed, nothing is left to trim: the keep-alive is the next timer.
    assert_eq!(parked.resume().poll_timeout(), Some(due));
}
