//! HPACK header compression (RFC 7541).
//!
//! - [`Decoder`] turns header blocks into [`HeaderField`]s, with the limits
//!   HTTP/2 needs: table size updates checked against our
//!   SETTINGS_HEADER_TABLE_SIZE, the header list size, and typed errors
//!   ([`DecodeError`]) that map to COMPRESSION_ERROR.
//! - [`Encoder`] turns borrowed fields ([`FieldRef`]) into a header block,
//!   using the static and dynamic tables, Huffman coding when it is shorter,
//!   and the never-indexed representation for sensitive fields.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use h2kit_proto::hpack::{Decoder, Encoder};
//!
//! let mut encoder = Encoder::new();
//! let mut decoder = Decoder::new(4096);
//! let mut block = BytesMut::new();
//! encoder.encode([(":method", "GET"), (":path", "/"), ("user-agent", "h2kit")], &mut block);
//!
//! let mut fields = Vec::new();
//! decoder.decode(&block.freeze(), |field| fields.push(field))?;
//! assert_eq!(fields[2].name, "user-agent");
//! assert_eq!(fields[2].value, "h2kit");
//! # Ok::<(), h2kit_proto::hpack::DecodeError>(())
//! ```

mod buf;
mod decoder;
mod encoder;
mod error;
mod field;
mod huffman;
mod integer;
mod static_table;
mod table;

pub use buf::EncodeBuf;
pub(crate) use decoder::DecoderLimits;
pub use decoder::{DEFAULT_MAX_HEADER_LIST_SIZE, Decoder};
pub(crate) use encoder::EncoderLimits;
pub use encoder::{Encoder, HuffmanMode};
pub use error::DecodeError;
pub(crate) use field::Checked;
pub use field::{FIELD_OVERHEAD, FieldRef, HeaderField};
pub use table::DynamicTable;
