//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The `shared/` directory beside the repository (RFC texts, test data):
/// `$H2KIT_SHARED` if set, else `../../../shared` from this crate. Panics if
/// it is missing, so a test never passes for want of data.
pub fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("H2KIT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        dir.is_dir(),
        "shared test data not found at {} (set H2KIT_SHARED)",
        dir.display()
    );
    dir
}

/// Decodes a hex string, ignoring whitespace.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd hex length");
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}
