//! The calls no rustls-based implementation can honour: each exists for linking and fails
//! with `ERR_R_UNSUPPORTED` on the error queue (with what is missing as the error's data),
//! returning the failure value OpenSSL documents. The README lists them with the reason.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::c_long;

use qssl::error::{ERR_LIB_SSL, SslError, err_r};

/// Records `ERR_R_UNSUPPORTED` with `what` as data.
pub(crate) fn raise(what: &str) {
    SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
        .with_data(what.to_owned())
        .raise();
}

/// `SSL_CTX_set_tlsext_status_type`/`SSL_set_tlsext_status_type` (OCSP stapling requests):
/// rustls hands the stapled response to its certificate verifier only, so it could not be
/// given back (`SSL_get_tlsext_status_ocsp_resp`); 0.
pub(crate) fn status_request() -> c_long {
    raise("certificate status requests (OCSP stapling)");
    0
}
