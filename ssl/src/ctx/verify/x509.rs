//! Certificate verification results as OpenSSL reports them: `X509_V_*` codes (what
//! `SSL_get_verify_result` returns) and `X509_verify_cert_error_string`'s texts.

use crate::x509::verify::codes::known_text;
pub use crate::x509::verify::x509_v;

/// `X509_verify_cert_error_string`: OpenSSL 3.5's text for a verify result code ("unknown
/// certificate verification error" for a code it does not know).
pub fn verify_error_string(code: i64) -> &'static str {
    known_text(code).unwrap_or("unknown certificate verification error")
}
