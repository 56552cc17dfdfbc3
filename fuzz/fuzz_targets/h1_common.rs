//! Shared body of the HTTP/1 fuzz targets: the input's first bytes choose
//! the configuration and how the rest is split; the rest is fed to the
//! callback parser in those pieces and to the borrowed parser whole. Both
//! must agree on where the head ends, and nothing may panic.

use h2kit_proto::h1::{
    Config, EMPTY_HEADER, MessageKind, Parsed, Parser, Recorder, Request, Response, ResponseTo, Status,
};

pub fn run(kind: MessageKind, data: &[u8]) {
    let [flags, split, rest @ ..] = data else { return };
    let config = Config {
        lenient_bare_lf: flags & 1 != 0,
        lenient_obs_fold: flags & 2 != 0,
        require_host: flags & 4 != 0,
        max_headers: if flags & 8 != 0 { 4 } else { 100 },
        max_head_size: if flags & 16 != 0 { 64 } else { 64 * 1024 },
        max_chunk_line_len: if flags & 16 != 0 { 8 } else { 4096 },
        ..Config::default()
    };
    let to = match flags >> 6 {
        1 => ResponseTo::Head,
        2 => ResponseTo::Connect,
        _ => ResponseTo::Other,
    };
    let piece = usize::from(*split).max(1);

    // Whole input, then split input: the same messages and error.
    let whole = feed(kind, config, to, rest, rest.len().max(1));
    let split = feed(kind, config, to, rest, piece);
    assert_eq!(whole.1, split.1, "error differs with split {piece}");
    if whole.1.is_none() {
        assert_eq!(whole.0.messages, split.0.messages, "messages differ with split {piece}");
    }

    // The borrowed API sees the same first head.
    let mut headers = [EMPTY_HEADER; 128];
    let borrowed = match kind {
        MessageKind::Request => Request::new(&mut headers).parse_with(rest, &config).map(|p| p.is_complete()),
        MessageKind::Response => Response::new(&mut headers).parse_with(rest, &config, to).map(|p| p.is_complete()),
    };
    if let (Ok(true), Some(first)) = (borrowed, whole.0.messages.first()) {
        assert!(first.head.is_some(), "borrowed completed a head the engine did not");
    }
}

fn feed(kind: MessageKind, config: Config, to: ResponseTo, input: &[u8], piece: usize) -> (Recorder, Option<h2kit_proto::h1::Error>) {
    let mut parser = Parser::new(kind, config);
    parser.set_response_to(to);
    let mut rec = Recorder::new();
    for chunk in input.chunks(piece) {
        let mut chunk = chunk;
        loop {
            match parser.execute(&mut rec, chunk) {
                Err(e) => return (rec, Some(e)),
                Ok(p) if p.status == Status::NeedMore => break,
                Ok(p) if p.status == Status::Upgraded => return (rec, None),
                Ok(p) => chunk = &chunk[p.consumed..],
            }
        }
    }
    let err = parser.finish(&mut rec).err();
    (rec, err)
}
