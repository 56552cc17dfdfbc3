//! Feeds arbitrary bytes to a server `Connection`, after a valid preface and
//! SETTINGS so the fuzzer spends its time on frames. Requests are answered
//! so response paths (flow control, trailers, resets) are exercised too.
//! Nothing may panic, and the connection must keep its own invariants.
#![no_main]

use bytes::{Bytes, BytesMut};
use h2kit_proto::h2::{Config, Connection, Event, PREFACE, SchedulerKind};
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
    let mut server = Connection::server(Config {
        max_concurrent_streams: 8,
        initial_stream_window: 1000,
        max_header_list_size: 4096,
        enable_connect_protocol: mode & 2 != 0,
        scheduler,
        ..Config::default()
    });
    let start = Instant::now();
    server.handle_timeout(start);
    if mode & 1 == 0 {
        // A valid start: preface and an empty SETTINGS frame.
        let mut hello = PREFACE.to_vec();
        hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        let _ = server.recv(&hello);
    }
    let chunk = usize::from(mode >> 2) % 16 + 1;
    let mut out = BytesMut::new();
    for (i, piece) in input.chunks(chunk).enumerate() {
        if server.recv(piece).is_err() {
            break;
        }
        server.handle_timeout(start + Duration::from_millis(i as u64));
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
        while server.poll_transmit(&mut out) > 0 {
            out.clear();
        }
    }
});
