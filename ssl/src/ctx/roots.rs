//! Trust roots: verify-locations files and directories, and the system store.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rustls::pki_types::CertificateDer;

use super::certs::{io_error, pem_certificates, read_bounded, read_file};
use super::verify::Trusted;
use crate::error::{ERR_LIB_X509, SslError, x509_r};
use crate::x509::verify::VerifyParams;

/// Trusted certificates (`X509_STORE`): a context's trust roots, or a store of its own
/// (`X509_STORE_new`) to give contexts later: the anchors with their certificates, the
/// flags, depth and purpose the store adds to every verification with it, and the DER of
/// every certificate added, so that a certificate loaded again (the same file twice, the
/// system store twice) is not added twice — as OpenSSL's `X509_STORE_add_cert` ignores
/// duplicates. A clone is another reference to the same store, as OpenSSL's stores are
/// reference counted: what is added through one (or through a context holding it) counts
/// for every later verification with any of them. Verifications in progress keep the
/// anchors they started with.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    shared: Arc<Mutex<Contents>>,
}

/// What a store holds.
#[derive(Debug, Default)]
struct Contents {
    /// The anchors and the store's settings, shared with the verifications that read them
    /// (and copied when changed while shared).
    trusted: Arc<Trusted>,
    seen: HashSet<CertificateDer<'static>>,
}

impl TrustStore {
    /// A new store, without roots or settings.
    pub fn empty() -> Self {
        TrustStore::default()
    }

    /// The store's contents, locked.
    fn contents(&self) -> MutexGuard<'_, Contents> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The anchors and settings as they are now, for one verification.
    pub(crate) fn snapshot(&self) -> Arc<Trusted> {
        Arc::clone(&self.contents().trusted)
    }

    /// The store itself (another reference to it), for a verifier: each verification reads
    /// the store as it is then, as OpenSSL's does.
    pub(crate) fn trusted(&self) -> TrustStore {
        self.clone()
    }

    /// Whether the store holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of trusted certificates.
    pub fn len(&self) -> usize {
        self.contents().trusted.len()
    }

    /// The verification settings the store adds (`X509_STORE_get0_param`): its flags, depth
    /// and purpose; the other fields are unused.
    pub fn params(&self) -> VerifyParams {
        self.contents().trusted.params.clone()
    }

    /// Changes the store's settings (`X509_STORE_set_flags`, `_set_depth`, `_set_purpose`):
    /// every verification with the store adds its flags, and takes its depth and purpose
    /// where the context's or object's parameters leave them unset.
    pub fn update_params(&self, change: impl FnOnce(&mut VerifyParams)) {
        change(&mut Arc::make_mut(&mut self.contents().trusted).params);
    }

    /// Adds the certificates that parse as trust anchors and are not there yet; returns how
    /// many of `certs` are usable (added now or already present).
    fn add(&self, certs: Vec<CertificateDer<'static>>) -> usize {
        let mut contents = self.contents();
        let Contents { trusted, seen } = &mut *contents;
        let mut usable = 0;
        for cert in certs {
            if seen.contains(&cert) || Arc::make_mut(trusted).add(&cert) {
                seen.insert(cert);
                usable += 1;
            }
        }
        usable
    }

    /// Adds every certificate of a PEM file. Fails with the `errno` if the file cannot be read
    /// (or with the size and read errors of `SSL_CTX_load_verify_locations`), with `ERR_R_PEM_LIB` — adding
    /// nothing — if a PEM section is malformed, and with `X509_R_NO_CERTIFICATE_OR_CRL_FOUND`
    /// if it holds no usable certificate.
    #[track_caller]
    pub fn add_file(&self, path: &Path) -> Result<(), SslError> {
        let pem = read_file(path)?;
        let certs = pem_certificates(&pem).map_err(SslError::raise)?;
        if self.add(certs) == 0 {
            return Err(
                SslError::new(ERR_LIB_X509, x509_r::NO_CERTIFICATE_OR_CRL_FOUND)
                    .with_data(path.display().to_string())
                    .raise(),
            );
        }
        Ok(())
    }

    /// Adds every certificate found in the regular files of a directory, whatever their names
    /// (OpenSSL looks up `<subject hash>.N` names lazily; reading every file gives the same
    /// trust set for a `c_rehash`ed directory). Files that cannot be read (or are too large)
    /// or are not PEM certificates are skipped whole, and so is an empty
    /// directory; fails with the `errno` if the directory cannot be read.
    #[track_caller]
    pub fn add_dir(&self, dir: &Path) -> Result<(), SslError> {
        let entries = std::fs::read_dir(dir).map_err(|e| io_error(&e, dir).raise())?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        for path in paths {
            if let Ok(certs) = read_bounded(&path).and_then(|pem| pem_certificates(&pem)) {
                self.add(certs);
            }
        }
        Ok(())
    }

    /// Adds one certificate (DER), as `X509_STORE_add_cert` does: a certificate already
    /// there is accepted again; one that does not parse fails with its ASN.1 error.
    pub fn add_der(&self, der: &[u8]) -> Result<(), SslError> {
        let cert = CertificateDer::from(der.to_vec());
        let mut contents = self.contents();
        if contents.seen.contains(&cert) {
            return Ok(());
        }
        Arc::make_mut(&mut contents.trusted).store.add_der(der)?;
        contents.seen.insert(cert);
        Ok(())
    }

    /// The trusted certificates, as DER, in the order added.
    pub fn certificates(&self) -> Vec<Vec<u8>> {
        self.contents()
            .trusted
            .store
            .certificates()
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// Adds what can be loaded of the operating system's trust roots (`rustls-native-certs`:
    /// the `SSL_CERT_FILE` / `SSL_CERT_DIR` overrides, else the platform store); locations that
    /// fail to load are skipped.
    pub fn add_system(&self) {
        self.add(rustls_native_certs::load_native_certs().certs);
    }
}
