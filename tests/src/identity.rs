//! Self-signed certificates for "localhost", made fresh for each test: as DER for rustls and
//! quinn, as PEM text, and as PEM files for the APIs that load them from paths.

use std::path::{Path, PathBuf};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate and its key, with the PEM files in a scratch directory that goes away
/// with it.
#[derive(Debug)]
pub struct Identity {
    dir: tempfile::TempDir,
    /// The certificate, DER.
    pub cert_der: CertificateDer<'static>,
    /// The key, PKCS#8 DER.
    pub key_der: PrivatePkcs8KeyDer<'static>,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The key, PEM.
    pub key_pem: String,
    /// The PEM file of the certificate.
    pub cert: PathBuf,
    /// The PEM file of the key.
    pub key: PathBuf,
}

impl Identity {
    /// A self-signed certificate for "localhost" with a new key.
    pub fn localhost() -> Identity {
        Self::for_names(&["localhost"])
    }

    /// A self-signed certificate for "localhost" with a new Ed25519 key. Ed25519 signatures
    /// are deterministic and always 64 bytes, so every handshake with this identity has the
    /// same size (ECDSA's vary by a byte or two): what a replayable simulation needs.
    pub fn localhost_ed25519() -> Identity {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("rcgen");
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("rcgen");
        let cert = params.self_signed(&key).expect("rcgen");
        Self::write(cert, &key)
    }

    /// A self-signed certificate for the DNS `names` with a new key (rcgen's default
    /// subject).
    pub fn for_names(names: &[&str]) -> Identity {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let made = rcgen::generate_simple_self_signed(names).expect("rcgen");
        Self::write(made.cert, &made.signing_key)
    }

    /// A self-signed certificate for "localhost" whose subject is the common name `cn` alone.
    pub fn named(cn: &str) -> Identity {
        let key = rcgen::KeyPair::generate().expect("rcgen");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("rcgen");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let cert = params.self_signed(&key).expect("rcgen");
        Self::write(cert, &key)
    }

    /// The identity of `cert` and its `key`, with the PEM files written.
    fn write(certificate: rcgen::Certificate, key_pair: &rcgen::KeyPair) -> Identity {
        let dir = tempfile::tempdir().expect("a scratch directory");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let (cert_pem, key_pem) = (certificate.pem(), key_pair.serialize_pem());
        std::fs::write(&cert, &cert_pem).expect("writing cert.pem");
        std::fs::write(&key, &key_pem).expect("writing key.pem");
        Identity {
            dir,
            cert_der: certificate.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key_pair.serialize_der()),
            cert_pem,
            key_pem,
            cert,
            key,
        }
    }

    /// The key, for rustls and quinn.
    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key_der.clone_key())
    }

    /// The scratch directory holding the PEM files (tests may add files of their own).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
