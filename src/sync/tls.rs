//! TLS 1.3 for sync: the server's identity (a self-signed certificate made at its first
//! start, kept in its store) and the desk's pin of it by fingerprint, given at enrolment. No
//! certificate authority is involved: the fingerprint the server prints is the trust.

use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::crypto::{verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{DigitallySignedStruct, SignatureScheme};

use crate::store::relay::RelayBackend;
use crate::store::StoreError;

/// The name the server's certificate carries and desks ask for.
pub const SERVER_NAME: &str = "careerdesk-sync";

/// A certificate's fingerprint: SHA-256 of its DER bytes.
pub type Fingerprint = [u8; 32];

/// The fingerprint of a certificate.
pub fn fingerprint(cert_der: &[u8]) -> Fingerprint {
    let digest = ring::digest::digest(&ring::digest::SHA256, cert_der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// A fingerprint as printed: `SHA256:` and 64 hex digits in groups of four.
pub fn show_fingerprint(fp: &Fingerprint) -> String {
    let hex: Vec<String> = fp
        .chunks(2)
        .map(|c| c.iter().map(|b| format!("{b:02X}")).collect())
        .collect();
    format!("SHA256:{}", hex.join("-"))
}

/// Reads a fingerprint as typed: hex digits with any separators, `SHA256:` optional.
pub fn parse_fingerprint(text: &str) -> Result<Fingerprint, String> {
    let t = text.trim();
    let t = t
        .strip_prefix("SHA256:")
        .or_else(|| t.strip_prefix("sha256:"))
        .unwrap_or(t);
    let digits: Vec<u8> = t
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | ' '))
        .map(|c| c.to_digit(16).map(|d| d as u8).ok_or(c))
        .collect::<Result<_, char>>()
        .map_err(|c| format!("{c:?} is not a hex digit; copy the fingerprint `careerdesk serve` printed"))?;
    if digits.len() != 64 {
        return Err(format!(
            "a fingerprint has 64 hex digits, this has {}; copy the fingerprint `careerdesk serve` printed",
            digits.len()
        ));
    }
    let mut fp = [0u8; 32];
    for (i, pair) in digits.chunks(2).enumerate() {
        fp[i] = pair[0] << 4 | pair[1];
    }
    Ok(fp)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server's certificate and key (DER), made and kept at its first start.
pub fn server_identity(relay: &dyn RelayBackend) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    if let Some(identity) = relay.tls_identity()? {
        return Ok(identity);
    }
    let made = rcgen::generate_simple_self_signed(vec![SERVER_NAME.to_string()])
        .map_err(|e| StoreError::Io(format!("the server's TLS identity could not be made: {e}")))?;
    let cert = made.cert.der().to_vec();
    let key = made.signing_key.serialize_der();
    relay.set_tls_identity(&cert, &key)?;
    Ok((cert, key))
}

/// The server's TLS settings: 1.3 only, its own certificate, no client certificates (desks
/// prove themselves inside the session).
pub fn server_config(cert: &[u8], key: &[u8]) -> Result<Arc<rustls::ServerConfig>, rustls::Error> {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec())),
        )?;
    Ok(Arc::new(config))
}

/// A desk's TLS settings: 1.3 only, and the server must show the pinned certificate.
pub fn client_config(pinned: Fingerprint) -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = provider();
    let verifier = Arc::new(Pinned {
        fingerprint: pinned,
        algorithms: provider.signature_verification_algorithms,
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The desk's check of the server: exactly the certificate pinned at enrolment.
#[derive(Debug)]
struct Pinned {
    fingerprint: Fingerprint,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if fingerprint(end_entity.as_ref()) == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // Only TLS 1.3 is offered, so this is never asked.
        Err(rustls::Error::General("TLS 1.2 is not used".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_reads_back_as_printed_and_bad_ones_are_named() {
        let fp = fingerprint(b"certificate");
        assert_eq!(parse_fingerprint(&show_fingerprint(&fp)).unwrap(), fp);
        assert_eq!(parse_fingerprint(&show_fingerprint(&fp).to_lowercase()).unwrap(), fp);
        assert!(parse_fingerprint("SHA256:12").unwrap_err().contains("64 hex digits"));
        assert!(parse_fingerprint(&"zz".repeat(32))
            .unwrap_err()
            .contains("not a hex digit"));
    }
}
