//! Trust roots: verify-locations files and directories, and the system store.

use std::path::Path;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::certs::{io_error, read_file};
use crate::error::{ERR_LIB_SSL, ERR_LIB_X509, SslError, err_r, x509_r};

/// Adds every certificate of a PEM file. Fails with the `errno` if the file cannot be read and
/// with `X509_R_NO_CERTIFICATE_OR_CRL_FOUND` if it holds no usable certificate.
#[track_caller]
pub(crate) fn add_file(roots: &mut RootCertStore, path: &Path) -> Result<(), SslError> {
    let pem = read_file(path)?;
    let certs = pem_certificates(&pem);
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(
            SslError::new(ERR_LIB_X509, x509_r::NO_CERTIFICATE_OR_CRL_FOUND)
                .with_data(path.display().to_string())
                .raise(),
        );
    }
    Ok(())
}

/// Adds every certificate found in the regular files of a directory, whatever their names
/// (OpenSSL looks up `<subject hash>.N` names lazily; reading every file gives the same trust
/// set for a `c_rehash`ed directory). Files that are not PEM certificates are skipped, and so
/// is an empty directory; fails with the `errno` if the directory cannot be read.
#[track_caller]
pub(crate) fn add_dir(roots: &mut RootCertStore, dir: &Path) -> Result<(), SslError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(&e, dir).raise())?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    for path in paths {
        if let Ok(pem) = std::fs::read(&path) {
            roots.add_parsable_certificates(pem_certificates(&pem));
        }
    }
    Ok(())
}

/// Adds the operating system's trust roots (`rustls-native-certs`: the `SSL_CERT_FILE` /
/// `SSL_CERT_DIR` overrides, else the platform store). Fails with `ERR_R_X509_LIB` only when
/// nothing could be loaded and the store reported errors.
#[track_caller]
pub(crate) fn add_system(roots: &mut RootCertStore) -> Result<(), SslError> {
    let found = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 && !found.errors.is_empty() {
        let why: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
        return Err(SslError::new(ERR_LIB_SSL, err_r::X509_LIB)
            .with_data(why.join("; "))
            .raise());
    }
    Ok(())
}

/// The certificates of PEM text, skipping other sections and stopping at malformed input.
fn pem_certificates(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem)
        .map_while(Result::ok)
        .collect()
}
