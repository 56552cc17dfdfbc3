//! Flags shared by the subcommands (`--name value` pairs after the
//! positional arguments).

use std::collections::HashMap;

/// Positional arguments and `--flag value` pairs.
pub struct Opts {
    pub positional: Vec<String>,
    flags: HashMap<String, String>,
}

impl Opts {
    pub fn parse(args: &[String], known: &[&str]) -> Result<Opts, String> {
        let mut positional = Vec::new();
        let mut flags = HashMap::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if let Some(name) = arg.strip_prefix("--") {
                if !known.contains(&name) {
                    return Err(format!("unknown flag --{name}"));
                }
                let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                flags.insert(name.to_owned(), value.clone());
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Opts { positional, flags })
    }

    pub fn arg(&self, i: usize, what: &str) -> Result<&str, String> {
        self.positional
            .get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("missing {what}"))
    }

    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }

    /// A size flag: plain digits, or with a K/M/G suffix (binary units).
    pub fn size(&self, name: &str, default: usize) -> Result<usize, String> {
        self.flag(name).map_or(Ok(default), parse_size)
    }
}

pub fn parse_size(s: &str) -> Result<usize, String> {
    let (digits, unit) = match s.as_bytes().last() {
        Some(b'K' | b'k') => (&s[..s.len() - 1], 1 << 10),
        Some(b'M' | b'm') => (&s[..s.len() - 1], 1 << 20),
        Some(b'G' | b'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("bad size {s:?}"))
}
