//! Header fields: decoded ([`HeaderField`], owning shared bytes) and to be
//! encoded ([`FieldRef`], borrowed).

use bytes::Bytes;
use std::fmt;

/// The per-field overhead HPACK adds when sizing table entries (RFC 7541
/// §4.1), which HTTP/2 also uses for SETTINGS_MAX_HEADER_LIST_SIZE
/// (RFC 9113 §6.5.2).
pub const FIELD_OVERHEAD: usize = 32;

/// A decoded header field.
///
/// Name and value are [`Bytes`]: a field copied from a table is a reference
/// count on the table's bytes, a raw literal is a slice of the header block,
/// and only Huffman-coded literals are decoded into fresh memory. HPACK does
/// not check what the bytes are; the HTTP/2 layer validates names and values
/// (RFC 9113 §8.2).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HeaderField {
    /// The field name, as sent.
    pub name: Bytes,
    /// The field value, as sent.
    pub value: Bytes,
    /// The field was sent as a literal *never indexed* (RFC 7541 §6.2.3). An
    /// intermediary that forwards it MUST encode it the same way; passing
    /// `&field` to the [`Encoder`](super::Encoder) does.
    pub never_indexed: bool,
}

impl HeaderField {
    /// A field that was not marked never-indexed.
    ///
    /// ```
    /// use h2kit_proto::hpack::HeaderField;
    /// let f = HeaderField::new(":method", "GET");
    /// assert_eq!(f.size(), 7 + 3 + 32);
    /// ```
    pub fn new(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        HeaderField {
            name: name.into(),
            value: value.into(),
            never_indexed: false,
        }
    }

    /// The field's size as HPACK and SETTINGS_MAX_HEADER_LIST_SIZE count it:
    /// name length + value length + 32.
    pub fn size(&self) -> usize {
        self.name.len() + self.value.len() + FIELD_OVERHEAD
    }
}

impl fmt::Debug for HeaderField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}: {:?}",
            String::from_utf8_lossy(&self.name),
            String::from_utf8_lossy(&self.value)
        )?;
        if self.never_indexed {
            f.write_str(" (never indexed)")?;
        }
        Ok(())
    }
}

/// Which parts of a decoded field are known to meet HTTP/2's character
/// rules (RFC 9113 §8.2.1), so the HTTP/2 layer need not check them again.
///
/// A field copied from a table entry is known: static entries all meet the
/// rules, and a dynamic entry is checked once, when it is added, instead of
/// every time a block refers to it. A literal is not known until checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The name is a pseudo-header name (matched exactly elsewhere) or a
    /// valid regular field name.
    pub name: bool,
    /// The value is a valid field value.
    pub value: bool,
}

impl Checked {
    /// Nothing known: a literal.
    pub const NOTHING: Checked = Checked {
        name: false,
        value: false,
    };

    /// Both parts known good: a static table entry.
    pub const BOTH: Checked = Checked {
        name: true,
        value: true,
    };

    /// Checks a name and value, for a new table entry.
    pub fn of(name: &[u8], value: &[u8]) -> Checked {
        Checked {
            name: name.first() == Some(&b':') || crate::h2::valid_name(name),
            value: crate::h2::valid_value(value),
        }
    }
}

/// A header field to encode, borrowed from the caller.
///
/// Build one with [`FieldRef::new`] or [`FieldRef::sensitive`], or let the
/// encoder convert `(&str, &str)`, `(&[u8], &[u8])` or `&HeaderField`.
///
/// ```
/// use h2kit_proto::hpack::FieldRef;
/// let token = FieldRef::sensitive(b"x-api-token", b"secret");
/// assert!(token.sensitive);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldRef<'a> {
    /// The field name. HTTP/2 requires lowercase names (RFC 9113 §8.2.1);
    /// the encoder does not change them.
    pub name: &'a [u8],
    /// The field value.
    pub value: &'a [u8],
    /// Encode as a literal *never indexed* (RFC 7541 §6.2.3), so that neither
    /// this hop nor any intermediary puts the value in a compression table,
    /// where it could be guessed (RFC 7541 §7.1.3).
    pub sensitive: bool,
}

impl<'a> FieldRef<'a> {
    /// A field the encoder may index.
    pub fn new(name: &'a [u8], value: &'a [u8]) -> Self {
        FieldRef {
            name,
            value,
            sensitive: false,
        }
    }

    /// A field the encoder must send as never indexed.
    pub fn sensitive(name: &'a [u8], value: &'a [u8]) -> Self {
        FieldRef {
            name,
            value,
            sensitive: true,
        }
    }
}

impl<'a> From<(&'a [u8], &'a [u8])> for FieldRef<'a> {
    fn from((name, value): (&'a [u8], &'a [u8])) -> Self {
        FieldRef::new(name, value)
    }
}

impl<'a> From<(&'a str, &'a str)> for FieldRef<'a> {
    fn from((name, value): (&'a str, &'a str)) -> Self {
        FieldRef::new(name.as_bytes(), value.as_bytes())
    }
}

impl<'a> From<&'a (&'a str, &'a str)> for FieldRef<'a> {
    fn from(&(name, value): &'a (&'a str, &'a str)) -> Self {
        FieldRef::new(name.as_bytes(), value.as_bytes())
    }
}

impl<'a> From<&'a HeaderField> for FieldRef<'a> {
    /// Keeps the field's never-indexed mark, as RFC 7541 §6.2.3 requires of
    /// intermediaries.
    fn from(field: &'a HeaderField) -> Self {
        FieldRef {
            name: &field.name,
            value: &field.value,
            sensitive: field.never_indexed,
        }
    }
}
