//! Extensible priorities (RFC 9218): the urgency and incremental parameters
//! carried by the `priority` header field and PRIORITY_UPDATE frames, parsed
//! as a Structured Fields Dictionary (RFC 9651 §4.2.2).

use std::fmt;

/// A stream's priority under RFC 9218.
///
/// ```
/// use h2kit_proto::h2::Priority;
/// let p = Priority::parse(b"u=5, i");
/// assert_eq!(p, Priority { urgency: 5, incremental: true });
/// assert_eq!(Priority::parse(b"u=9"), Priority::default(), "out of range is ignored");
/// assert_eq!(p.to_string(), "u=5, i");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Priority {
    /// 0 (most urgent) to 7 (background); §4.1: "The default is 3."
    pub urgency: u8,
    /// The response is useful in pieces, so it may share bandwidth with
    /// others of the same urgency; §4.2: "The default value of the
    /// incremental parameter is false (0)."
    pub incremental: bool,
}

impl Default for Priority {
    fn default() -> Self {
        Priority {
            urgency: 3,
            incremental: false,
        }
    }
}

impl Priority {
    /// Parses a Priority field value. §4: "Where the Dictionary is
    /// successfully parsed, this document places the additional requirement
    /// that unknown priority parameters, priority parameters with
    /// out-of-range values, or values of unexpected types MUST be ignored."
    /// A value that is not a valid Dictionary is ignored as a whole: the
    /// defaults apply.
    pub fn parse(value: &[u8]) -> Priority {
        Priority::default().updated(value)
    }

    /// Applies a field value on top of this priority (parameters it does
    /// not mention keep their current value, as a PRIORITY_UPDATE or a
    /// later `priority` field line would).
    pub fn updated(self, value: &[u8]) -> Priority {
        let mut next = self;
        let mut parser = Parser { s: value, i: 0 };
        let ok = parser.dictionary(|key, item| match (key, item) {
            (b"u", Item::Integer(u)) if (0..=7).contains(&u) => next.urgency = u as u8,
            (b"i", Item::Boolean(b)) => next.incremental = b,
            _ => {}
        });
        if ok { next } else { self }
    }
}

impl fmt::Display for Priority {
    /// The field value, omitting defaults (an empty string for the default).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.urgency != 3, self.incremental) {
            (true, true) => write!(f, "u={}, i", self.urgency),
            (true, false) => write!(f, "u={}", self.urgency),
            (false, true) => f.write_str("i"),
            (false, false) => Ok(()),
        }
    }
}

/// The Structured Fields item types this module distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Integer(i64),
    Boolean(bool),
    /// Any other type (decimal, string, token, byte sequence, date,
    /// display string, inner list): valid, but not what u or i take.
    Other,
}

/// A cursor over a field value, following RFC 9651 §4.2.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn skip_sp(&mut self) {
        while self.eat(b' ') {}
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// §4.2.2: a Dictionary. Calls `member` for each key and its item;
    /// returns false if the value is not a valid Dictionary.
    fn dictionary(&mut self, mut member: impl FnMut(&[u8], Item)) -> bool {
        self.skip_sp();
        if self.peek().is_none() {
            return true;
        }
        loop {
            let Some(key) = self.key() else { return false };
            let item = if self.eat(b'=') {
                match self.item_or_inner_list() {
                    Some(item) => item,
                    None => return false,
                }
            } else {
                Item::Boolean(true)
            };
            if !self.parameters() {
                return false;
            }
            member(key, item);
            self.skip_ows();
            if self.peek().is_none() {
                return true;
            }
            if !self.eat(b',') {
                return false;
            }
            self.skip_ows();
            if self.peek().is_none() {
                return false; // a trailing comma
            }
        }
    }

    /// §4.2.3.3: key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )
    fn key(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        match self.peek() {
            Some(b'a'..=b'z' | b'*') => self.i += 1,
            _ => return None,
        }
        while matches!(
            self.peek(),
            Some(b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b'*')
        ) {
            self.i += 1;
        }
        let s: &'a [u8] = self.s;
        Some(&s[start..self.i])
    }

    /// §4.2.3.2: parameters, whose values are read and dropped.
    fn parameters(&mut self) -> bool {
        while self.eat(b';') {
            self.skip_sp();
            if self.key().is_none() {
                return false;
            }
            if self.eat(b'=') && self.bare_item().is_none() {
                return false;
            }
        }
        true
    }

    fn item_or_inner_list(&mut self) -> Option<Item> {
        if self.eat(b'(') {
            // §4.2.1.2: an inner list of items with parameters.
            loop {
                self.skip_sp();
                if self.eat(b')') {
                    return self.parameters().then_some(Item::Other);
                }
                self.bare_item()?;
                if !self.parameters() {
                    return None;
                }
                if !matches!(self.peek(), Some(b' ' | b')')) {
                    return None;
                }
            }
        }
        self.bare_item()
    }

    /// §4.2.3.1: a bare item.
    fn bare_item(&mut self) -> Option<Item> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => self.number(),
            b'?' => {
                self.i += 1;
                let b = match self.peek()? {
                    b'0' => false,
                    b'1' => true,
                    _ => return None,
                };
                self.i += 1;
                Some(Item::Boolean(b))
            }
            b'"' => self.string(),
            b':' => {
                // §4.2.7: a byte sequence, base64 between colons.
                self.i += 1;
                while let Some(c) = self.peek() {
                    self.i += 1;
                    match c {
                        b':' => return Some(Item::Other),
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => {}
                        _ => return None,
                    }
                }
                None
            }
            b'@' => {
                // §4.2.9: a date is '@' and an integer.
                self.i += 1;
                match self.number()? {
                    Item::Integer(_) => Some(Item::Other),
                    _ => None,
                }
            }
            b'%' => {
                // §4.2.10: a display string, %"...", percent-encoded.
                self.i += 1;
                self.string()
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'*' => {
                // §4.2.6: a token.
                self.i += 1;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c))
                {
                    self.i += 1;
                }
                Some(Item::Other)
            }
            _ => None,
        }
    }

    /// §4.2.4: an integer (up to 15 digits) or a decimal.
    fn number(&mut self) -> Option<Item> {
        let negative = self.eat(b'-');
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        let digits = &self.s[start..self.i];
        if digits.is_empty() {
            return None;
        }
        if self.eat(b'.') {
            let frac = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            let frac_len = self.i - frac;
            if digits.len() > 12 || frac_len == 0 || frac_len > 3 {
                return None;
            }
            return Some(Item::Other);
        }
        if digits.len() > 15 {
            return None;
        }
        let n = digits
            .iter()
            .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        Some(Item::Integer(if negative { -n } else { n }))
    }

    /// §4.2.5: a string of printable ASCII with `\"` and `\\` escapes.
    fn string(&mut self) -> Option<Item> {
        if !self.eat(b'"') {
            return None;
        }
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => return Some(Item::Other),
                b'\\' => match self.peek()? {
                    b'"' | b'\\' => self.i += 1,
                    _ => return None,
                },
                0x20..=0x7e => {}
                _ => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(u: u8, i: bool) -> Priority {
        Priority {
            urgency: u,
            incremental: i,
        }
    }

    #[test]
    fn rfc9218_4_defaults_are_urgency_3_not_incremental() {
        assert_eq!(Priority::parse(b""), p(3, false));
    }

    #[test]
    fn rfc9218_4_1_urgency_0_to_7() {
        assert_eq!(Priority::parse(b"u=0"), p(0, false));
        assert_eq!(Priority::parse(b"u=7"), p(7, false));
    }

    #[test]
    fn rfc9218_4_out_of_range_or_wrong_type_is_ignored() {
        assert_eq!(Priority::parse(b"u=8"), p(3, false));
        assert_eq!(Priority::parse(b"u=-1"), p(3, false));
        assert_eq!(Priority::parse(b"u=1.5, i"), p(3, true));
        assert_eq!(Priority::parse(b"u=\"1\""), p(3, false));
        assert_eq!(
            Priority::parse(b"i=1"),
            p(3, false),
            "1 is an Integer, not a Boolean"
        );
    }

    #[test]
    fn rfc9218_4_2_incremental_as_bare_key_or_boolean() {
        assert_eq!(Priority::parse(b"i"), p(3, true));
        assert_eq!(Priority::parse(b"i=?1"), p(3, true));
        assert_eq!(Priority::parse(b"u=2, i=?0"), p(2, false));
    }

    #[test]
    fn rfc9218_4_unknown_parameters_and_member_parameters_are_ignored() {
        assert_eq!(
            Priority::parse(b"x=abc, u=1;foo=\"bar\", y=:AAA=:, i"),
            p(1, true)
        );
        assert_eq!(Priority::parse(b"foo=(1 2 3), u=4"), p(4, false));
    }

    #[test]
    fn rfc9651_4_2_2_invalid_dictionary_is_ignored_whole() {
        assert_eq!(Priority::parse(b"u=1,"), p(3, false), "trailing comma");
        assert_eq!(Priority::parse(b"U=1"), p(3, false), "upper-case key");
        assert_eq!(Priority::parse(b"u=1 i"), p(3, false), "missing comma");
        assert_eq!(
            Priority::parse(b"u=1234567890123456"),
            p(3, false),
            "16 digits"
        );
    }

    #[test]
    fn rfc9651_4_2_2_later_duplicate_keys_win() {
        assert_eq!(Priority::parse(b"u=1, u=6"), p(6, false));
    }

    #[test]
    fn updates_keep_unmentioned_parameters() {
        assert_eq!(p(1, true).updated(b"u=5"), p(5, true));
        assert_eq!(p(1, true).updated(b"u=5,,"), p(1, true));
    }
}
