//! Runs h2kit's HPACK codec over the hpack-test-case corpus: decodes every
//! story of every implementation directory, and re-encodes every story's
//! header lists and decodes them back.
//!
//! ```sh
//! cargo run --release --example hpack_conformance -- ../shared/testdata/hpack-test-case
//! ```
//!
//! The last line is `stories: N passed, M failed`; the exit status is 1 if
//! any story failed.

mod stories;

use std::path::PathBuf;

fn main() {
    let root = match std::env::args_os().nth(1) {
        Some(root) => PathBuf::from(root),
        None => {
            eprintln!("usage: hpack_conformance <path to hpack-test-case>");
            std::process::exit(2);
        }
    };
    let results = match stories::run(&root) {
        Ok(results) => results,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for r in &results {
        for failure in &r.failures {
            println!("FAIL {failure}");
        }
        let size = if r.wire_bytes > 0 {
            format!(
                "; its encoding {} octets, h2kit's {} ({:+.1}%)",
                r.wire_bytes,
                r.h2kit_bytes,
                (r.h2kit_bytes as f64 / r.wire_bytes as f64 - 1.0) * 100.0
            )
        } else {
            format!("; h2kit's encoding {} octets", r.h2kit_bytes)
        };
        println!(
            "{}: {} passed, {} failed ({} blocks decoded, {} re-encoded{})",
            r.name,
            r.passed,
            r.failures.len(),
            r.blocks_decoded,
            r.blocks_reencoded,
            size
        );
        passed += r.passed;
        failed += r.failures.len();
    }
    println!("stories: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        std::process::exit(1);
    }
}
