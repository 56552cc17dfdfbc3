//! The hpack-test-case stories (github.com/http2jp/hpack-test-case) and the
//! two checks run on each: decode its `wire` blocks to exactly its header
//! lists, and re-encode its header lists with h2kit's encoder and decode
//! them back. Shared by the `hpack_conformance` example and the
//! `hpack_test_case` integration test.
#![allow(dead_code)]

use bytes::Bytes;
use h2kit_proto::hpack::{Decoder, Encoder, HeaderField};
use std::path::{Path, PathBuf};

/// One header block of a story.
#[derive(Debug, Clone)]
pub struct Case {
    /// SETTINGS_HEADER_TABLE_SIZE acknowledged just before this block.
    pub header_table_size: Option<usize>,
    /// The encoded block, absent in `raw-data`.
    pub wire: Option<Vec<u8>>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A story: blocks of one connection direction, sharing HPACK context.
#[derive(Debug, Clone)]
pub struct Story {
    pub path: PathBuf,
    pub cases: Vec<Case>,
}

fn hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err("odd-length hex".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// Reads a story file.
pub fn load_story(path: &Path) -> Result<Story, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let cases = json["cases"].as_array().ok_or("no cases")?;
    let mut out = Vec::with_capacity(cases.len());
    for case in cases {
        let header_table_size = case["header_table_size"].as_u64().map(|n| n as usize);
        let wire = match case["wire"].as_str() {
            Some(w) => Some(hex(w)?),
            None => None,
        };
        let mut headers = Vec::new();
        for field in case["headers"].as_array().ok_or("no headers")? {
            let obj = field.as_object().ok_or("header is not an object")?;
            for (name, value) in obj {
                let value = value.as_str().ok_or("header value is not a string")?;
                headers.push((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
            }
        }
        out.push(Case {
            header_table_size,
            wire,
            headers,
        });
    }
    Ok(Story {
        path: path.to_path_buf(),
        cases: out,
    })
}

/// The implementation directories of the corpus (every directory holding
/// `story_*.json` files), each with its story files, sorted.
pub fn corpus(root: &Path) -> Result<Vec<(String, Vec<PathBuf>)>, String> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))? {
        let dir = entry.map_err(|e| e.to_string())?.path();
        if !dir.is_dir() {
            continue;
        }
        let mut stories: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name.starts_with("story_") && name.ends_with(".json")
            })
            .collect();
        if stories.is_empty() {
            continue;
        }
        stories.sort();
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        dirs.push((name, stories));
    }
    dirs.sort();
    Ok(dirs)
}

fn same_list(got: &[HeaderField], want: &[(Vec<u8>, Vec<u8>)]) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!(
            "{} fields decoded, {} expected",
            got.len(),
            want.len()
        ));
    }
    for (i, (g, (name, value))) in got.iter().zip(want).enumerate() {
        if g.name != name[..] || g.value != value[..] {
            return Err(format!(
                "field {i}: got {:?}: {:?}, expected {:?}: {:?}",
                String::from_utf8_lossy(&g.name),
                String::from_utf8_lossy(&g.value),
                String::from_utf8_lossy(name),
                String::from_utf8_lossy(value)
            ));
        }
    }
    Ok(())
}

/// Decodes every case's `wire` in order with one decoder; returns the number
/// of blocks decoded.
pub fn check_decode(story: &Story) -> Result<usize, String> {
    let mut decoder = Decoder::new(4096);
    let mut fields = Vec::new();
    let mut blocks = 0;
    for (seq, case) in story.cases.iter().enumerate() {
        let Some(wire) = &case.wire else { continue };
        if let Some(size) = case.header_table_size {
            decoder.set_max_table_size(size);
        }
        fields.clear();
        decoder
            .decode(&Bytes::from(wire.clone()), |f| fields.push(f))
            .map_err(|e| format!("case {seq}: {e}"))?;
        same_list(&fields, &case.headers).map_err(|e| format!("case {seq}: {e}"))?;
        blocks += 1;
    }
    Ok(blocks)
}

/// Encodes every case's header list with h2kit's encoder (applying each
/// `header_table_size` to both sides, as SETTINGS would) and decodes it
/// back; returns the total encoded size.
pub fn check_roundtrip(story: &Story) -> Result<usize, String> {
    let mut encoder = Encoder::new();
    let mut decoder = Decoder::new(4096);
    let mut block = Vec::new();
    let mut fields = Vec::new();
    let mut total = 0;
    for (seq, case) in story.cases.iter().enumerate() {
        if let Some(size) = case.header_table_size {
            encoder.set_max_table_size(size);
            decoder.set_max_table_size(size);
        }
        block.clear();
        encoder.encode(
            case.headers.iter().map(|(n, v)| (&n[..], &v[..])),
            &mut block,
        );
        total += block.len();
        fields.clear();
        decoder
            .decode(&Bytes::from(block.clone()), |f| fields.push(f))
            .map_err(|e| format!("case {seq} re-encoded: {e}"))?;
        same_list(&fields, &case.headers).map_err(|e| format!("case {seq} re-encoded: {e}"))?;
    }
    Ok(total)
}

/// What one directory's stories gave.
#[derive(Debug, Default)]
pub struct DirResult {
    pub name: String,
    pub passed: usize,
    pub failures: Vec<String>,
    pub blocks_decoded: usize,
    pub blocks_reencoded: usize,
    /// Octets of the corpus's own encoding (where it has one).
    pub wire_bytes: usize,
    /// Octets of h2kit's encoding of the same lists.
    pub h2kit_bytes: usize,
}

/// Runs both checks on every story of every directory.
pub fn run(root: &Path) -> Result<Vec<DirResult>, String> {
    let mut results = Vec::new();
    for (name, stories) in corpus(root)? {
        let mut r = DirResult {
            name,
            ..Default::default()
        };
        for path in stories {
            let label = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let outcome = load_story(&path).and_then(|story| {
                let decoded = check_decode(&story)?;
                let encoded = check_roundtrip(&story)?;
                Ok((story, decoded, encoded))
            });
            match outcome {
                Ok((story, decoded, encoded)) => {
                    r.passed += 1;
                    r.blocks_decoded += decoded;
                    r.blocks_reencoded += story.cases.len();
                    r.wire_bytes += story
                        .cases
                        .iter()
                        .filter_map(|c| c.wire.as_ref())
                        .map(Vec::len)
                        .sum::<usize>();
                    r.h2kit_bytes += encoded;
                }
                Err(e) => r.failures.push(format!("{}/{label}: {e}", r.name)),
            }
        }
        results.push(r);
    }
    Ok(results)
}
