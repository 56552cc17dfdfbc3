//! Feeds arbitrary bytes, in arbitrary splits, to the HTTP/2 frame decoder.
//! The decoder must never panic, and whatever it accepts must re-encode to
//! the exact bytes it came from (modulo padding contents and unused flags,
//! which the frame layer normalises).
#![no_main]

use bytes::BytesMut;
use h2kit_proto::frame::{Frame, FrameDecoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size, so splits are explored too.
    let Some((&split, input)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(split % 32) + 1;
    let mut decoder = FrameDecoder::new();
    if split & 0x80 != 0 {
        decoder.set_max_frame_size(1 << 20);
    }
    let mut buf = BytesMut::new();
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => check(&frame),
                Ok(None) => break,
                Err(err) if err.is_connection_error() => return,
                Err(_) => {}
            }
        }
    }
});

/// A decoded frame must survive encode → decode unchanged.
fn check(frame: &Frame) {
    let _ = frame.to_string();
    if matches!(frame, Frame::Continuation(_)) {
        return; // only decodes behind its HEADERS or PUSH_PROMISE
    }
    let mut wire = BytesMut::new();
    frame.encode(&mut wire);
    let mut decoder = FrameDecoder::new();
    decoder.set_max_frame_size((1 << 24) - 1);
    match decoder.decode(&mut wire) {
        Ok(Some(again)) => assert_eq!(&again, frame),
        other => panic!("re-encoded frame did not decode: {other:?}"),
    }
}
