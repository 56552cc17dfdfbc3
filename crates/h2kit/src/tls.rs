//! TLS for the servers: rustls with the `ring` provider, TLS 1.2 and 1.3
//! only, ALPN `h2` then `http/1.1`; certificates from PEM files or a self-signed one for
//! localhost made at start.

use std::io;
use std::path::Path;
use std::sync::Arc;

/// A server's TLS settings, ready to accept connections.
#[derive(Clone, Debug)]
pub struct TlsConfig {
    pub(crate) config: Arc<rustls::ServerConfig>,
    fingerprint: String,
    self_signed: bool,
}

/// The ALPN protocols offered, in order of preference.
const ALPN: &[&[u8]] = &[b"h2", b"http/1.1"];

impl TlsConfig {
    /// Loads a certificate chain and its private key from PEM files.
    pub fn from_pem_files(cert: &Path, key: &Path) -> io::Result<TlsConfig> {
        let cert_pem = std::fs::read(cert)?;
        let key_pem = std::fs::read(key)?;
        TlsConfig::from_pem(&cert_pem, &key_pem)
    }

    /// Builds from a PEM certificate chain and a PEM private key (PKCS#8,
    /// PKCS#1 or SEC1).
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<TlsConfig> {
        let certs = rustls_pemfile::certs(&mut &cert_pem[..]).collect::<Result<Vec<_>, _>>()?;
        if certs.is_empty() {
            return Err(invalid("no certificate in the PEM input"));
        }
        let key = rustls_pemfile::private_key(&mut &key_pem[..])?
            .ok_or_else(|| invalid("no private key in the PEM input"))?;
        let fingerprint = sha256_fingerprint(&certs[0]);
        let config = build(certs, key)?;
        Ok(TlsConfig {
            config,
            fingerprint,
            self_signed: false,
        })
    }

    /// A fresh self-signed certificate for `localhost`, `127.0.0.1` and
    /// `::1`.
    pub fn self_signed() -> io::Result<TlsConfig> {
        let names = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
        let certified = rcgen::generate_simple_self_signed(names)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let cert_der = certified.cert.der().clone();
        let key_der =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
        let fingerprint = sha256_fingerprint(&cert_der);
        let config = build(vec![cert_der], key_der)?;
        Ok(TlsConfig {
            config,
            fingerprint,
            self_signed: true,
        })
    }

    /// The SHA-256 fingerprint of the leaf certificate, as colon-separated
    /// upper-case hex (the form browsers show).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// True when the certificate was generated at start.
    pub fn is_self_signed(&self) -> bool {
        self.self_signed
    }

    /// The ALPN protocols offered.
    pub fn alpn_protocols(&self) -> Vec<String> {
        self.config
            .alpn_protocols
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    }
}

fn build(
    certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
) -> io::Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| invalid(&e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(&e.to_string()))?;
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

fn sha256_fingerprint(cert: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, cert);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_config_offers_h2_then_http11_and_has_a_fingerprint() {
        let tls = TlsConfig::self_signed().unwrap();
        assert_eq!(tls.alpn_protocols(), ["h2", "http/1.1"]);
        assert_eq!(tls.fingerprint().len(), 32 * 3 - 1);
        assert!(tls.is_self_signed());
    }

    #[test]
    fn pem_input_without_a_key_is_a_clear_error() {
        let tls = TlsConfig::self_signed().unwrap();
        drop(tls);
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let err = TlsConfig::from_pem(certified.cert.pem().as_bytes(), b"").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let ok = TlsConfig::from_pem(
            certified.cert.pem().as_bytes(),
            certified.key_pair.serialize_pem().as_bytes(),
        );
        assert!(ok.is_ok());
    }
}
