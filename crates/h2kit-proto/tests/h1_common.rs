//! Helpers shared by the HTTP/1 integration tests (included with `mod`).
#![allow(dead_code)]

use h2kit_proto::h1::{
    Config, Error, MessageKind, OwnedMessage, Parser, Recorder, ResponseTo, Status,
};

/// What a parse run produced: the messages, the error if any, and how many
/// bytes were left over after an upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub messages: Vec<OwnedMessage>,
    pub error: Option<Error>,
    /// Bytes after an upgrade or tunnel, which the parser did not consume.
    pub rest: Option<Vec<u8>>,
}

/// Feeds `input` to a fresh parser in pieces of the sizes `cuts` gives
/// (cycled; 0 means "the rest"), then signals EOF.
pub fn run_split(
    kind: MessageKind,
    config: Config,
    to: ResponseTo,
    input: &[u8],
    cuts: &[usize],
) -> Outcome {
    let mut parser = Parser::new(kind, config);
    parser.set_response_to(to);
    let mut rec = Recorder::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < input.len() {
        let size = match cuts.get(i % cuts.len().max(1)).copied().unwrap_or(0) {
            0 => input.len() - pos,
            n => n.min(input.len() - pos),
        };
        i += 1;
        let mut piece = &input[pos..pos + size];
        // A piece may need several calls (pauses); the parser must make progress.
        loop {
            match parser.execute(&mut rec, piece) {
                Err(e) => {
                    return Outcome {
                        messages: rec.messages,
                        error: Some(e),
                        rest: None,
                    };
                }
                Ok(p) => {
                    if p.status == Status::Upgraded {
                        let rest = [&piece[p.consumed..], &input[pos + size..]].concat();
                        return Outcome {
                            messages: rec.messages,
                            error: None,
                            rest: Some(rest),
                        };
                    }
                    piece = &piece[p.consumed..];
                    if p.status == Status::NeedMore {
                        assert!(piece.is_empty(), "NeedMore must consume everything");
                        break;
                    }
                }
            }
        }
        pos += size;
    }
    let error = parser.finish(&mut rec).err();
    Outcome {
        messages: rec.messages,
        error,
        rest: None,
    }
}

pub fn run(kind: MessageKind, input: &[u8]) -> Outcome {
    run_split(kind, Config::default(), ResponseTo::Other, input, &[0])
}

/// What must not depend on how the input was split. On success, everything.
/// On error, the error and the messages completed before it: a token cut by
/// the end of an input is delivered in pieces as it arrives, so how much of
/// the broken message was seen before the error can differ.
pub fn comparable(o: &Outcome) -> Outcome {
    match o.error {
        None => o.clone(),
        Some(_) => Outcome {
            messages: o.messages.iter().filter(|m| m.complete).cloned().collect(),
            error: o.error,
            rest: o.rest.clone(),
        },
    }
}

/// Parses `input` whole, byte by byte and in a few other splits, asserts that
/// every split gives the same outcome, and returns the whole-input outcome.
pub fn run_all_splits(kind: MessageKind, config: Config, to: ResponseTo, input: &[u8]) -> Outcome {
    let whole = run_split(kind, config, to, input, &[0]);
    let want = comparable(&whole);
    for cuts in [&[1usize][..], &[2], &[3, 1], &[7], &[13, 2, 5], &[64]] {
        let split = comparable(&run_split(kind, config, to, input, cuts));
        assert_eq!(
            split,
            want,
            "split {cuts:?} differs for {:?}",
            String::from_utf8_lossy(input)
        );
    }
    // Every single cut point.
    for at in 1..input.len() {
        let split = comparable(&run_split(kind, config, to, input, &[at, 0]));
        assert_eq!(
            split,
            want,
            "cut at {at} differs for {:?}",
            String::from_utf8_lossy(input)
        );
    }
    whole
}

pub fn req(input: &[u8]) -> Outcome {
    run_all_splits(
        MessageKind::Request,
        Config::default(),
        ResponseTo::Other,
        input,
    )
}

pub fn resp(input: &[u8]) -> Outcome {
    run_all_splits(
        MessageKind::Response,
        Config::default(),
        ResponseTo::Other,
        input,
    )
}

pub fn req_with(config: Config, input: &[u8]) -> Outcome {
    run_all_splits(MessageKind::Request, config, ResponseTo::Other, input)
}

pub fn resp_to(to: ResponseTo, input: &[u8]) -> Outcome {
    run_all_splits(MessageKind::Response, Config::default(), to, input)
}

pub fn header<'a>(m: &'a OwnedMessage, name: &str) -> Option<&'a [u8]> {
    m.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| v.as_slice())
}
