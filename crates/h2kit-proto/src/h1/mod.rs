//! HTTP/1.x message parsing (RFC 9112).
