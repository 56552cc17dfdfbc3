//! Shows what the HTTP/1 parser sees: reads raw HTTP/1 bytes from standard
//! input and prints one JSON object per message, or the error that stopped
//! it.
//!
//! ```sh
//! cargo run --release --example h1dump -- request < requests.bin
//! cargo run --release --example h1dump -- response [--head|--connect] < responses.bin
//! ```
//!
//! Each message: `{"method":..,"target":..,"status":..,"reason":..,
//! "version":"1.1","headers":[[name,value],..],"body":..,"trailers":[..],
//! "keep_alive":..,"upgrade":..}`. On error: `{"error":"<kind>","offset":N}`,
//! then it stops (exit status 1). After a message with `"upgrade":true` the
//! rest of the input is another protocol and is not read.
//!
//! Bytes are shown as JSON text: valid UTF-8 as is, any other byte as
//! `\u00XX` (its Latin-1 code point), so nothing is lost or replaced.

use std::io::{Read, Write};
use std::process::ExitCode;

use h2kit_proto::h1::{Config, MessageKind, OwnedMessage, Parser, Recorder, ResponseTo, Status};

fn json_bytes(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\u{:04x}", b));
        }
    }
    out.push('"');
}

fn json_opt(out: &mut String, bytes: Option<&[u8]>) {
    match bytes {
        Some(b) => json_bytes(out, b),
        None => out.push_str("null"),
    }
}

fn json_fields(out: &mut String, fields: &[(Vec<u8>, Vec<u8>)]) {
    out.push('[');
    for (i, (n, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        json_bytes(out, n);
        out.push(',');
        json_bytes(out, v);
        out.push(']');
    }
    out.push(']');
}

fn message_json(m: &OwnedMessage) -> String {
    let mut s = String::from("{\"method\":");
    json_opt(&mut s, m.method.as_deref());
    s.push_str(",\"target\":");
    json_opt(&mut s, m.target.as_deref());
    s.push_str(",\"status\":");
    s.push_str(&m.status.map_or("null".to_string(), |c| c.to_string()));
    s.push_str(",\"reason\":");
    json_opt(&mut s, m.reason.as_deref());
    s.push_str(",\"version\":");
    s.push_str(&m.version.map_or("null".to_string(), |v| format!("\"{v}\"")));
    s.push_str(",\"headers\":");
    json_fields(&mut s, &m.headers);
    s.push_str(",\"body\":");
    json_bytes(&mut s, &m.body);
    s.push_str(",\"trailers\":");
    json_fields(&mut s, &m.trailers);
    let head = m.head;
    s.push_str(&format!(
        ",\"keep_alive\":{},\"upgrade\":{}}}",
        head.is_some_and(|h| h.keep_alive),
        head.is_some_and(|h| h.upgrade)
    ));
    s
}

fn usage() -> ExitCode {
    eprintln!("usage: h1dump request|response [--head|--connect] < input");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = match args.first().map(String::as_str) {
        Some("request") => MessageKind::Request,
        Some("response") => MessageKind::Response,
        _ => return usage(),
    };
    let to = match args.get(1).map(String::as_str) {
        None => ResponseTo::Other,
        Some("--head") => ResponseTo::Head,
        Some("--connect") => ResponseTo::Connect,
        Some(_) => return usage(),
    };

    let mut parser = Parser::new(kind, Config::default());
    parser.set_response_to(to);
    // Pause after each message so --head/--connect can be applied to every
    // response, and each message is printed as soon as it is complete.
    let mut rec = Recorder::pausing();
    let mut printed = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let print_complete = |rec: &Recorder, printed: &mut usize, out: &mut dyn Write| {
        while let Some(m) = rec.messages.get(*printed).filter(|m| m.complete) {
            let _ = writeln!(out, "{}", message_json(m));
            *printed += 1;
        }
    };
    let report = |e: h2kit_proto::h1::Error, out: &mut dyn Write| {
        let _ = writeln!(
            out,
            "{{\"error\":\"{}\",\"offset\":{}}}",
            e.kind(),
            e.offset()
        );
        ExitCode::from(1)
    };

    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                eprintln!("h1dump: reading standard input: {e}");
                return ExitCode::from(2);
            }
        };
        let mut input = &buf[..n];
        loop {
            match parser.execute(&mut rec, input) {
                Err(e) => {
                    print_complete(&rec, &mut printed, &mut out);
                    return report(e, &mut out);
                }
                Ok(p) => {
                    print_complete(&rec, &mut printed, &mut out);
                    input = &input[p.consumed..];
                    match p.status {
                        Status::Upgraded => return ExitCode::SUCCESS,
                        Status::Paused => parser.set_response_to(to),
                        Status::NeedMore => break,
                    }
                }
            }
        }
    }
    let result = parser.finish(&mut rec);
    print_complete(&rec, &mut printed, &mut out);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e, &mut out),
    }
}
