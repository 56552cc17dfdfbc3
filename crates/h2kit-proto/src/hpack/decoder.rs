//! The HPACK decoder (RFC 7541 §3.2, §6).

use super::error::DecodeError;
use super::field::{Checked, FIELD_OVERHEAD, HeaderField};
use super::huffman;
use super::integer;
use super::static_table::{STATIC_LEN, STATIC_TABLE};
use super::table::{DynamicTable, Entry, EntryName, Src, decode_huffman_into};
use bytes::{Bytes, BytesMut};
use std::ops::Range;

/// The header list limit a new decoder enforces until told otherwise: 64 KiB,
/// counted as SETTINGS_MAX_HEADER_LIST_SIZE counts (name + value + 32 per
/// field).
pub const DEFAULT_MAX_HEADER_LIST_SIZE: usize = 64 * 1024;

/// The first chunk of the buffer Huffman-coded literals are decoded into.
const LITERAL_CHUNK: usize = 1024;

/// Decodes header blocks of one connection direction.
///
/// One decoder per connection: its dynamic table carries state from block to
/// block. Give it each complete header block (HEADERS or PUSH_PROMISE plus
/// its CONTINUATION frames, reassembled) in the order received.
///
/// ```
/// use bytes::Bytes;
/// use h2kit_proto::hpack::Decoder;
///
/// let mut decoder = Decoder::new(4096);
/// let mut fields = Vec::new();
/// // RFC 7541 C.3.1: ":method: GET", ":scheme: http", ":path: /",
/// // ":authority: www.example.com".
/// let block = Bytes::from_static(b"\x82\x86\x84\x41\x0fwww.example.com");
/// decoder.decode(&block, |f| fields.push(f))?;
/// assert_eq!(fields[3].name, ":authority");
/// assert_eq!(fields[3].value, "www.example.com");
/// assert_eq!(decoder.dynamic_table().size(), 57);
/// # Ok::<(), h2kit_proto::hpack::DecodeError>(())
/// ```
#[derive(Debug)]
pub struct Decoder {
    table: DynamicTable,
    /// The largest size a table size update may ask for: our
    /// SETTINGS_HEADER_TABLE_SIZE once acknowledged.
    max_table_size: usize,
    /// Set when `max_table_size` went below the table's size: the smallest
    /// value it took since the last block, which the next block's size
    /// updates must reach (§4.2).
    required_update: Option<usize>,
    max_header_list_size: usize,
    /// Where Huffman-coded literals that do not enter the table are decoded.
    literals: BytesMut,
}

/// A decoder with an empty dynamic table, reduced to its limits: what a
/// parked HTTP/2 connection keeps of it (20 octets instead of the
/// decoder's 144).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DecoderLimits {
    table_max_size: u32,
    max_table_size: u32,
    required_update: Option<u32>,
    max_header_list_size: u32,
}

impl Decoder {
    /// The decoder's limits when its table is empty (nothing else to
    /// keep); `None` when the table holds entries.
    pub(crate) fn limits_if_empty(&self) -> Option<DecoderLimits> {
        if !self.table.is_empty() {
            return None;
        }
        let fit = |n: usize| u32::try_from(n).ok();
        Some(DecoderLimits {
            table_max_size: fit(self.table.max_size())?,
            max_table_size: fit(self.max_table_size)?,
            required_update: match self.required_update {
                Some(n) => Some(fit(n)?),
                None => None,
            },
            max_header_list_size: fit(self.max_header_list_size)?,
        })
    }

    /// The decoder [`limits_if_empty`](Self::limits_if_empty) described.
    pub(crate) fn from_limits(limits: DecoderLimits) -> Decoder {
        Decoder {
            table: DynamicTable::new(limits.table_max_size as usize),
            max_table_size: limits.max_table_size as usize,
            required_update: limits.required_update.map(|n| n as usize),
            max_header_list_size: limits.max_header_list_size as usize,
            literals: BytesMut::new(),
        }
    }

    /// A decoder whose dynamic table may grow to `max_table_size` octets.
    ///
    /// In HTTP/2 the encoder starts from the default SETTINGS_HEADER_TABLE_SIZE,
    /// 4,096, so a connection creates `Decoder::new(4096)` and calls
    /// [`set_max_table_size`](Self::set_max_table_size) when the peer
    /// acknowledges a different value.
    pub fn new(max_table_size: usize) -> Self {
        Decoder {
            table: DynamicTable::new(max_table_size),
            max_table_size,
            required_update: None,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
            literals: BytesMut::new(),
        }
    }

    /// Sets the protocol's maximum table size: call it when the peer
    /// acknowledges our SETTINGS_HEADER_TABLE_SIZE.
    ///
    /// Table size updates above it are refused from then on. If it goes below
    /// the table's current maximum, the next header block must start with a
    /// size update at or below the smallest value set before that block
    /// (RFC 7541 §4.2); otherwise decoding fails with
    /// [`DecodeError::TableSizeUpdateMissing`].
    pub fn set_max_table_size(&mut self, max_table_size: usize) {
        self.max_table_size = max_table_size;
        if max_table_size < self.table.max_size() {
            let smallest = self
                .required_update
                .map_or(max_table_size, |m| m.min(max_table_size));
            self.required_update = Some(smallest);
        }
    }

    /// The protocol's maximum table size in force.
    pub fn max_table_size(&self) -> usize {
        self.max_table_size
    }

    /// Sets the largest header list to accept, counted as
    /// SETTINGS_MAX_HEADER_LIST_SIZE counts it: the sum of name length +
    /// value length + 32 over the fields (RFC 9113 §6.5.2). Pass the value
    /// we advertise. It also bounds what one block can expand to, so a small
    /// block that refers to a large table entry many times is refused before
    /// its copies are handed out (an "HPACK bomb"). The default is
    /// [`DEFAULT_MAX_HEADER_LIST_SIZE`].
    pub fn set_max_header_list_size(&mut self, max: usize) {
        self.max_header_list_size = max;
    }

    /// The header list limit in force.
    pub fn max_header_list_size(&self) -> usize {
        self.max_header_list_size
    }

    /// The dynamic table, for inspection.
    pub fn dynamic_table(&self) -> &DynamicTable {
        &self.table
    }

    /// Decodes one complete header block, handing each field to `emit` in
    /// order.
    ///
    /// Raw literals come out as slices of `block` and table entries as
    /// shared references, so most fields cost no copy.
    ///
    /// On [`DecodeError::HeaderListTooLarge`] the whole block has still been
    /// processed and the decoder stays usable; `emit` was called for the
    /// fields before the limit only. Any other error is a COMPRESSION_ERROR:
    /// the connection must end and the decoder must not be used again.
    pub fn decode<F>(&mut self, block: &Bytes, mut emit: F) -> Result<(), DecodeError>
    where
        F: FnMut(HeaderField),
    {
        self.decode_checked(block, |field, _| emit(field))
    }

    /// [`decode`](Self::decode), also telling `emit` what is known of each
    /// field's bytes ([`Checked`]): the HTTP/2 layer checks only the rest.
    pub(crate) fn decode_checked<F>(
        &mut self,
        block: &Bytes,
        mut emit: F,
    ) -> Result<(), DecodeError>
    where
        F: FnMut(HeaderField, Checked),
    {
        let src: &[u8] = block;
        let mut pos = self.decode_size_updates(src)?;
        let mut list_size = 0usize;
        let mut too_large = false;

        while let Some(&first) = src.get(pos) {
            if first & 0x80 != 0 {
                // §6.1 Indexed Header Field: 1xxxxxxx.
                let index = integer::decode(src, &mut pos, 7)?;
                let (name, value, checked) = self.field_at(index)?;
                list_size += name.len() + value.len() + FIELD_OVERHEAD;
                too_large |= list_size > self.max_header_list_size;
                if !too_large {
                    emit(
                        HeaderField {
                            name: name.to_bytes(),
                            value: value.to_bytes(),
                            never_indexed: false,
                        },
                        checked,
                    );
                }
            } else if first & 0x40 != 0 {
                // §6.2.1 Literal Header Field with Incremental Indexing:
                // 01xxxxxx.
                let (field, checked) = self.decode_indexed_literal(block, &mut pos)?;
                list_size += field.name.len() + field.value.len() + FIELD_OVERHEAD;
                too_large |= list_size > self.max_header_list_size;
                if !too_large {
                    emit(field, checked);
                }
            } else if first & 0x20 != 0 {
                // §6.3: 001xxxxx, allowed only before the first field.
                return Err(DecodeError::TableSizeUpdateNotAtStart);
            } else {
                // §6.2.2 Literal Header Field without Indexing: 0000xxxx, and
                // §6.2.3 Literal Header Field Never Indexed: 0001xxxx.
                let never_indexed = first & 0x10 != 0;
                let name_index = integer::decode(src, &mut pos, 4)?;
                let (name, name_checked) = match name_index {
                    0 => {
                        let name = read_string(src, &mut pos)?;
                        (self.literal(block, name, too_large)?, false)
                    }
                    index => {
                        let (name, _, checked) = self.field_at(index)?;
                        (name.to_bytes(), checked.name)
                    }
                };
                let value = read_string(src, &mut pos)?;
                // A block already refused gets no more Huffman decoding;
                // neither does a value sure to push it over the limit.
                list_size += name.len() + FIELD_OVERHEAD;
                too_large |=
                    list_size.saturating_add(value.min_decoded_len()) > self.max_header_list_size;
                let value = self.literal(block, value, too_large)?;
                list_size += value.len();
                too_large |= list_size > self.max_header_list_size;
                if !too_large {
                    let checked = Checked {
                        name: name_checked,
                        value: false,
                    };
                    emit(
                        HeaderField {
                            name,
                            value,
                            never_indexed,
                        },
                        checked,
                    );
                }
            }
        }
        if too_large {
            return Err(DecodeError::HeaderListTooLarge {
                max: self.max_header_list_size,
            });
        }
        Ok(())
    }

    /// Decodes one block into `fields` (appended), as [`decode`](Self::decode).
    pub fn decode_into(
        &mut self,
        block: &Bytes,
        fields: &mut Vec<HeaderField>,
    ) -> Result<(), DecodeError> {
        self.decode(block, |f| fields.push(f))
    }

    /// Applies the dynamic table size updates at the start of a block
    /// (§4.2, §6.3) and returns where the first field starts.
    fn decode_size_updates(&mut self, src: &[u8]) -> Result<usize, DecodeError> {
        let required = self.required_update.take();
        let mut smallest: Option<usize> = None;
        let mut pos = 0;
        while let Some(&first) = src.get(pos) {
            if first & 0xe0 != 0x20 {
                break;
            }
            let requested = integer::decode(src, &mut pos, 5)?;
            let size = match usize::try_from(requested) {
                Ok(size) if size <= self.max_table_size => size,
                _ => {
                    return Err(DecodeError::TableSizeUpdateTooLarge {
                        requested,
                        max: self.max_table_size,
                    });
                }
            };
            self.table.set_max_size(size);
            smallest = Some(smallest.map_or(size, |s| s.min(size)));
        }
        if let Some(max) = required {
            if smallest.is_none_or(|s| s > max) {
                return Err(DecodeError::TableSizeUpdateMissing { max });
            }
        }
        Ok(pos)
    }

    /// The name and value at an HPACK index (§2.3.3), and what is known of
    /// them.
    #[inline]
    fn field_at(&self, index: u64) -> Result<(Src<'_>, Src<'_>, Checked), DecodeError> {
        let i = index as usize;
        if i <= STATIC_LEN {
            return match i.checked_sub(1) {
                Some(i) => {
                    let (name, value) = STATIC_TABLE[i];
                    Ok((Src::Static(name), Src::Static(value), Checked::BOTH))
                }
                None => Err(DecodeError::ZeroIndex),
            };
        }
        match self.table.get_entry(i - (STATIC_LEN + 1)) {
            Some(entry) => Ok((entry.name.src(), Src::Shared(&entry.value), entry.checked)),
            None => Err(DecodeError::IndexOutOfRange { index }),
        }
    }

    /// §6.2.1: decodes a literal with incremental indexing, whose first octet
    /// is at `*pos`, and adds it to the table.
    fn decode_indexed_literal(
        &mut self,
        block: &Bytes,
        pos: &mut usize,
    ) -> Result<(HeaderField, Checked), DecodeError> {
        let src: &[u8] = block;
        let name = match integer::decode(src, pos, 6)? {
            0 => Name::Literal(read_string(src, pos)?),
            // Taken before the insertion, which may evict the entry it
            // names (§4.4 allows that).
            index => Name::Indexed(match self.field_at(index)?.0 {
                Src::Static(name) => EntryName::Static(name),
                Src::Shared(name) => EntryName::Shared(name.clone()),
            }),
        };
        let value = read_string(src, pos)?;
        let name_len_bound = match &name {
            Name::Indexed(name) => name.src().len(),
            Name::Literal(lit) => lit.max_decoded_len(),
        };

        let (name, value) = if self.table.fits(name_len_bound, value.max_decoded_len()) {
            // The usual case: the strings go straight into the table's arena.
            let name = match name {
                Name::Indexed(name) => name,
                Name::Literal(lit) => EntryName::Shared(self.table_string(src, lit)?),
            };
            (name, self.table_string(src, value)?)
        } else {
            // The entry may be too large for the table, which would empty
            // it and not add the entry (§4.4): decode outside the arena and
            // copy in only what is kept.
            let name = match name {
                Name::Indexed(name) => name,
                Name::Literal(lit) => EntryName::Shared(self.literal(block, lit, false)?),
            };
            let value = self.literal(block, value, false)?;
            if !self.table.fits(name.src().len(), value.len()) {
                self.table.clear();
                let field = HeaderField {
                    name: name.src().to_bytes(),
                    value,
                    never_indexed: false,
                };
                return Ok((field, Checked::NOTHING));
            }
            let name = match name {
                EntryName::Shared(literal) => EntryName::Shared(self.table.copy(&literal)),
                kept => kept,
            };
            (name, self.table.copy(&value))
        };
        let field = HeaderField {
            name: name.src().to_bytes(),
            value: value.clone(),
            never_indexed: false,
        };
        let entry = Entry::new(name, value);
        let checked = entry.checked;
        self.table.insert(entry);
        Ok((field, checked))
    }

    /// A string literal that does not enter the table: a slice of the block
    /// if raw, else decoded into the literal buffer. When `skip` is set (the
    /// block is already refused), a Huffman string is not decoded.
    fn literal(
        &mut self,
        block: &Bytes,
        lit: StringLiteral,
        skip: bool,
    ) -> Result<Bytes, DecodeError> {
        if !lit.huffman {
            return Ok(block.slice(lit.range));
        }
        if skip {
            return Ok(Bytes::new());
        }
        let bound = huffman::decoded_len_bound(lit.range.len());
        if self.literals.capacity() - self.literals.len() < bound {
            if self.literals.capacity() == 0 {
                self.literals = BytesMut::with_capacity(bound.max(LITERAL_CHUNK));
            } else {
                self.literals.reserve(bound);
            }
        }
        Ok(decode_huffman_into(&mut self.literals, &block[lit.range])?)
    }

    /// A string literal copied into the table's arena.
    fn table_string(&mut self, src: &[u8], lit: StringLiteral) -> Result<Bytes, DecodeError> {
        let bytes = &src[lit.range];
        if lit.huffman {
            Ok(self.table.decode_huffman(bytes)?)
        } else {
            Ok(self.table.copy(bytes))
        }
    }
}

/// Where a string literal's octets are in the block (§5.2).
#[derive(Debug, Clone)]
struct StringLiteral {
    huffman: bool,
    range: Range<usize>,
}

impl StringLiteral {
    /// The most octets the string can decode to (codes are at least 5 bits).
    fn max_decoded_len(&self) -> usize {
        if self.huffman {
            self.range.len() / 5 * 8 + (self.range.len() % 5) * 8 / 5
        } else {
            self.range.len()
        }
    }

    /// The fewest octets the string can decode to (codes are at most 30
    /// bits).
    fn min_decoded_len(&self) -> usize {
        if self.huffman {
            self.range.len() / 30 * 8 + (self.range.len() % 30) * 8 / 30
        } else {
            self.range.len()
        }
    }
}

/// Where the name of a literal with incremental indexing comes from.
enum Name {
    /// A table entry's name.
    Indexed(EntryName),
    /// A string literal in the block.
    Literal(StringLiteral),
}

/// Reads a string literal's header (H flag and 7-bit-prefix length) at
/// `*pos` and skips over its octets.
#[inline]
fn read_string(src: &[u8], pos: &mut usize) -> Result<StringLiteral, DecodeError> {
    let huffman = src.get(*pos).ok_or(DecodeError::Truncated)? & 0x80 != 0;
    let len = integer::decode(src, pos, 7)?;
    let start = *pos;
    let end = usize::try_from(len)
        .ok()
        .and_then(|len| start.checked_add(len))
        .filter(|&end| end <= src.len())
        .ok_or(DecodeError::Truncated)?;
    *pos = end;
    Ok(StringLiteral {
        huffman,
        range: start..end,
    })
}

#[cfg(test)]
#[path = "decoder_tests.rs"]
mod tests;
