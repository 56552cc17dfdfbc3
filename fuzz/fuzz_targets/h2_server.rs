//! Feeds arbitrary bytes to a server `Connection`, after a valid preface and
//! SETTINGS so the fuzzer spends its time on frames. Requests are answered
//! so response paths (flow control, trailers, resets) are exercised too.
//! Nothing may panic, and the connection must keep its own invariants.
//!
//! A second connection gets the same bytes with a `Scratch` lent around
//! each piece, as the servers do; its output must be the same, byte for
//! byte.
#![no_main]

use bytes::{Bytes, BytesMut};
use h2kit_proto::h2::{Config, Connection, Event, PREFACE, SchedulerKind, Scratch};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    // The mode byte also picks the scheduler, so all three see hostile
    // priority signals.
    let scheduler = match mode >> 6 {
        0 => SchedulerKind::RoundRobin,
        1 => SchedulerKind::Rfc7540Tree,
        _ => SchedulerKind::Rfc9218,
    };
    let config = Config {
        max_concurrent_streams: 8,
        initial_stream_window: 1000,
        max_header_list_size: 4096,
        enable_connect_protocol: mode & 2 != 0,
        scheduler,
        ..Config::default()
    };
    let start = Instant::now();
    let mut plain = Connection::server(config.clone());
    let mut lent = Connection::server(config);
    let mut scratch = Scratch::default();
    let mut outputs = [Vec::new(), Vec::new()];
    for (server, output) in [&mut plain, &mut lent].into_iter().zip(&mut outputs) {
        server.handle_timeout(start);
        if mode & 1 == 0 {
            // A valid start: preface and an empty SETTINGS frame.
            let mut hello = PREFACE.to_vec();
            hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
            let _ = server.recv(&hello);
        }
        let mut out = BytesMut::new();
        while server.poll_transmit(&mut out) > 0 {}
        output.extend_from_slice(&out);
    }
    let chunk = usize::from(mode >> 2) % 16 + 1;
    for (i, piece) in input.chunks(chunk).enumerate() {
        lent.borrow_scratch(&mut scratch);
        let now = start + Duration::from_millis(i as u64);
        let ok = [
            serve(&mut plain, piece, now, &mut outputs[0]),
            serve(&mut lent, piece, now, &mut outputs[1]),
        ];
        lent.return_scratch(&mut scratch);
        assert_eq!(ok[0], ok[1], "a lent scratch changed the outcome");
        assert!(outputs[0] == outputs[1], "a lent scratch changed the output");
        outputs.iter_mut().for_each(Vec::clear);
        if !ok[0] {
            break;
        }
    }
});

/// One piece of input and everything the server does about it, its
/// output appended to `output`; false once the connection failed.
fn serve(server: &mut Connection, piece: &[u8], now: Instant, output: &mut Vec<u8>) -> bool {
    if server.recv(piece).is_err() {
        return false;
    }
    {
        server.handle_timeout(now);
        while let Some(event) = server.poll_event() {
            if let Event::Request { stream_id, end_stream, .. } = event {
                // Push when the client allows it; refusals are fine.
                let push = [(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/p")];
                if let Ok(promised) = server.push_promise(stream_id, &push) {
                    let _ = server.send_response(promised, 200, &[("x", "p")], false);
                    let _ = server.send_data(promised, Bytes::from_static(&[1; 100]), true);
                }
                let _ = server.send_response(stream_id, 200, &[("x", "y")], false);
                let _ = server.send_data(stream_id, Bytes::from_static(&[7; 3000]), end_stream);
                if !end_stream {
                    let _ = server.send_trailers(stream_id, &[("t", "1")]);
                }
            }
        }
        let mut out = BytesMut::new();
        while server.poll_transmit(&mut out) > 0 {}
        output.extend_from_slice(&out);
    }
    true
}
