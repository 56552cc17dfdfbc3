//! Feeds arbitrary bytes to one server session, as a socket would: the
//! protocol detection, HTTP/1.1 (pipelining, bodies, `Upgrade: h2c` with
//! its `HTTP2-Settings`), HTTP/2 after the preface, the conversion to and
//! from `http` types, a handler that echoes bodies and pushes, timeouts
//! and the shutdown (`h2kit::server::fuzzing`). Nothing may panic, and no
//! flush may leave more than the session's bound queued.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    h2kit::server::fuzzing::drive_session(data);
});
