//! The hpack-test-case corpus (../shared/testdata/hpack-test-case): every
//! story of every implementation directory decodes to exactly its header
//! lists, and every story's header lists survive h2kit's encoder and
//! decoder. The same code backs the `hpack_conformance` example.

mod common;

#[path = "../examples/hpack_conformance/stories.rs"]
mod stories;

#[test]
fn rfc7541_hpack_test_case_corpus_decodes_and_roundtrips() {
    let root = common::shared_dir().join("testdata/hpack-test-case");
    let results = stories::run(&root).expect("corpus readable");

    let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    for expected in [
        "go-hpack",
        "nghttp2",
        "nghttp2-change-table-size",
        "raw-data",
        "swift-nio-hpack-plain-text",
    ] {
        assert!(
            names.contains(&expected),
            "directory {expected} missing from {names:?}"
        );
    }
    let failures: Vec<&String> = results.iter().flat_map(|r| &r.failures).collect();
    assert!(
        failures.is_empty(),
        "{} stories failed:\n{failures:#?}",
        failures.len()
    );

    let stories: usize = results.iter().map(|r| r.passed).sum();
    let decoded: usize = results.iter().map(|r| r.blocks_decoded).sum();
    assert!(stories >= 150, "only {stories} stories found");
    for r in &results {
        assert!(r.blocks_reencoded > 0, "{}: nothing re-encoded", r.name);
        if r.name != "raw-data" {
            assert!(r.blocks_decoded > 0, "{}: nothing decoded", r.name);
        }
    }
    assert!(decoded > 10_000, "only {decoded} blocks decoded");
}

#[test]
fn h2kit_encoding_of_the_corpus_is_no_larger_than_nghttp2s() {
    let root = common::shared_dir().join("testdata/hpack-test-case");
    let results = stories::run(&root).expect("corpus readable");
    let nghttp2 = results
        .iter()
        .find(|r| r.name == "nghttp2")
        .expect("nghttp2 stories");
    assert!(
        nghttp2.h2kit_bytes <= nghttp2.wire_bytes,
        "h2kit {} octets, nghttp2 {}",
        nghttp2.h2kit_bytes,
        nghttp2.wire_bytes
    );
}
