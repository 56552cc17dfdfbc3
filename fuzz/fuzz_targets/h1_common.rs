//! Shared body of the HTTP/1 fuzz targets: the input's first bytes choose
//! the configuration and how the rest is split; the rest is fed to the
//! callback parser in those pieces and to the borrowed parser whole. Both
//! must agree on where the head ends, the borrowed parser's one-pass path
//! must report exactly what the engine alone reports, and nothing may panic.

use h2kit_proto::h1::{
    Config, EMPTY_HEADER, Header, MessageKind, Parser, Recorder, Request, Response, ResponseTo, Status,
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

    // The borrowed API's one-pass path gives exactly what the engine alone
    // gives, with a header slice of a size the input picks.
    let slots = piece % 24;
    assert_eq!(borrowed_view(kind, rest, &config, to, slots, false), borrowed_view(kind, rest, &config, to, slots, true), "one-pass path differs from the engine");
}

/// Everything a borrowed parse reports, with slices as (offset, length) in
/// `buf` (empty slices as `None`: the engine may hand out a static one).
fn borrowed_view(kind: MessageKind, buf: &[u8], config: &Config, to: ResponseTo, slots: usize, engine_only: bool) -> String {
    let span = |s: &[u8]| (!s.is_empty()).then(|| ((s.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize), s.len()));
    let mut headers = vec![EMPTY_HEADER; slots];
    let spans = |hs: &[Header<'_>]| hs.iter().map(|h| (span(h.name), span(h.value))).collect::<Vec<_>>();
    match kind {
        MessageKind::Request => {
            let mut r = Request::new(&mut headers);
            let result = if engine_only { r.parse_with_engine(buf, config) } else { r.parse_with(buf, config) };
            format!("{result:?} {:?} {:?} {:?} {:?} {:?}", r.method.map(span), r.target.map(span), r.version, spans(r.headers), r.head)
        }
        MessageKind::Response => {
            let mut r = Response::new(&mut headers);
            let result = if engine_only { r.parse_with_engine(buf, config, to) } else { r.parse_with(buf, config, to) };
            format!("{result:?} {:?} {:?} {:?} {:?} {:?}", r.status, r.reason.map(span), r.version, spans(r.headers), r.head)
        }
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
