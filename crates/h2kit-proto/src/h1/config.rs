//! Limits and lenient switches for the HTTP/1 parser.

/// Parser configuration: limits on what a peer controls, and the lenient
/// switches (all off by default: the parser is strict).
///
/// ```
/// use h2kit_proto::h1::Config;
/// let config = Config { max_headers: 64, ..Config::default() };
/// assert!(!config.lenient_bare_lf);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Most field lines in a header (or trailer) section. Default 100.
    pub max_headers: usize,
    /// Most bytes in a head, from the first byte of the start line through
    /// the empty line (and, separately, in a trailer section). Default 64 KiB.
    pub max_head_size: usize,
    /// Longest request-target in bytes. Default 8 KiB.
    pub max_target_len: usize,
    /// Longest chunk-size line (size and extensions) in bytes. Default 4 KiB.
    pub max_chunk_line_len: usize,
    /// Accept a bare LF as a line terminator (RFC 9112 §2.2 "MAY"). Default off.
    pub lenient_bare_lf: bool,
    /// Accept obsolete line folding and replace each fold with one SP
    /// (RFC 9112 §5.2). Default off: folded lines are rejected.
    pub lenient_obs_fold: bool,
    /// Require exactly one Host field in HTTP/1.1 requests (RFC 9112 §3.2).
    /// Default on.
    pub require_host: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_headers: 100,
            max_head_size: 64 * 1024,
            max_target_len: 8 * 1024,
            max_chunk_line_len: 4 * 1024,
            lenient_bare_lf: false,
            lenient_obs_fold: false,
            require_host: true,
        }
    }
}
