//! The Huffman code of HPACK string literals (RFC 7541 §5.2, Appendix B).
//!
//! Encoding packs codes into a 64-bit accumulator and writes 32 bits at a
//! time. Decoding looks up 12 bits at a time in a table built at compile time
//! ([`decode`]), which yields one or two symbols per step; the rare codes longer
//! than 12 bits fall back to a canonical-code search.

mod codes;
mod decode;
mod encode;

pub(crate) use decode::{HuffmanError, decode, decoded_len_bound};
pub(crate) use encode::{encode, encoded_len};

#[cfg(test)]
mod tests;
