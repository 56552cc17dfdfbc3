//! Fuzzes the HTTP/1 response parser (both APIs, any split).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "h1_common.rs"]
mod h1_common;

fuzz_target!(|data: &[u8]| h1_common::run(h2kit_proto::h1::MessageKind::Response, data));
