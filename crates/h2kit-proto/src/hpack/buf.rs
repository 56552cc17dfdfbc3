//! The output buffers the encoder writes to.

use bytes::BytesMut;

mod sealed {
    pub trait Sealed {}
    impl Sealed for Vec<u8> {}
    impl Sealed for bytes::BytesMut {}
}

/// A growable byte buffer the [`Encoder`](super::Encoder) appends a header
/// block to: implemented for `Vec<u8>` and [`bytes::BytesMut`].
///
/// The trait is sealed; its methods are the few the encoder needs, so it can
/// write Huffman codes in place rather than octet by octet.
pub trait EncodeBuf: sealed::Sealed {
    /// The number of bytes written so far.
    fn len(&self) -> usize;
    /// True when nothing has been written.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Makes room for at least `additional` more bytes.
    fn reserve(&mut self, additional: usize);
    /// Appends one byte.
    fn put_u8(&mut self, b: u8);
    /// Appends a slice.
    fn put_slice(&mut self, src: &[u8]);
    /// Appends `n` zero bytes and returns them for the caller to fill.
    fn extend_zeroed(&mut self, n: usize) -> &mut [u8];
}

impl EncodeBuf for Vec<u8> {
    #[inline]
    fn len(&self) -> usize {
        Vec::len(self)
    }
    #[inline]
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional)
    }
    #[inline]
    fn put_u8(&mut self, b: u8) {
        self.push(b)
    }
    #[inline]
    fn put_slice(&mut self, src: &[u8]) {
        self.extend_from_slice(src)
    }
    #[inline]
    fn extend_zeroed(&mut self, n: usize) -> &mut [u8] {
        let start = self.len();
        self.resize(start + n, 0);
        &mut self[start..]
    }
}

impl EncodeBuf for BytesMut {
    #[inline]
    fn len(&self) -> usize {
        BytesMut::len(self)
    }
    #[inline]
    fn reserve(&mut self, additional: usize) {
        BytesMut::reserve(self, additional)
    }
    #[inline]
    fn put_u8(&mut self, b: u8) {
        self.extend_from_slice(&[b])
    }
    #[inline]
    fn put_slice(&mut self, src: &[u8]) {
        self.extend_from_slice(src)
    }
    #[inline]
    fn extend_zeroed(&mut self, n: usize) -> &mut [u8] {
        let start = self.len();
        self.resize(start + n, 0);
        &mut self[start..]
    }
}
