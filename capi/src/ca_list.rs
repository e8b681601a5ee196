//! Client CA lists: the names of the authorities a server takes client certificates from,
//! sent with its certificate request (`SSL_CTX_set_client_CA_list`,
//! `SSL_CTX_get_client_CA_list`, `SSL_CTX_add_client_CA`, `SSL_load_client_CA_file`,
//! `SSL_dup_CA_list`). The context keeps the application's `STACK_OF(X509_NAME)` as OpenSSL
//! does (so it can be read and changed through the stack calls); its names are what each new
//! server object sends. Objects cannot have lists of their own (`SSL_set_client_CA_list`):
//! rustls fixes the names in the configuration an object is made with.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_void};
use std::sync::PoisonError;

use crate::bio::file::BIO_new_file;
use crate::bio::object::BIO_free;
use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry};
use crate::ffi::c_str;
use crate::ssl::SSL;
use crate::stack::{
    OPENSSL_STACK, OPENSSL_sk_new_null, OPENSSL_sk_num, OPENSSL_sk_pop_free, OPENSSL_sk_push,
    OPENSSL_sk_value,
};
use crate::x509::{PEM_read_bio_X509, X509_NAME, X509_NAME_dup, X509_NAME_free, X509_free};

/// A context's CA list: the application's stack of names (null for none), owned.
#[derive(Debug)]
pub(crate) struct CaList(*mut OPENSSL_STACK);

// SAFETY: the stack is only reached through the context's lock and the stack's own calls,
// which lock it.
unsafe impl Send for CaList {}

impl CaList {
    /// A new context's list: empty, as OpenSSL's.
    pub(crate) fn new() -> Self {
        CaList(OPENSSL_sk_new_null())
    }

    /// Replaces the stack (freeing the old one and its names) with `stack`, now owned.
    fn replace(&mut self, stack: *mut OPENSSL_STACK) {
        let old = std::mem::replace(&mut self.0, stack);
        // SAFETY: an owned stack of names of their own (or null).
        unsafe { free_names(old) };
    }
}

impl Drop for CaList {
    fn drop(&mut self) {
        self.replace(std::ptr::null_mut());
    }
}

/// `X509_NAME_free` as a stack's free function.
///
/// # Safety
/// `name` must be a name of its own, given up.
unsafe extern "C" fn free_name(name: *mut c_void) {
    // SAFETY: per the contract.
    unsafe { X509_NAME_free(name.cast()) }
}

/// Frees a stack of names and the names (null is ignored).
///
/// # Safety
/// `sk` must be null or a live stack of names of their own, given up.
pub(crate) unsafe fn free_names(sk: *mut OPENSSL_STACK) {
    if !sk.is_null() {
        // SAFETY: per the contract.
        unsafe { OPENSSL_sk_pop_free(sk, Some(free_name)) };
    }
}

/// The DER names of a stack of names.
///
/// # Safety
/// `sk` must be null or a live stack of live names.
unsafe fn ders(sk: *const OPENSSL_STACK) -> Vec<Vec<u8>> {
    if sk.is_null() {
        return Vec::new();
    }
    // SAFETY: a live stack, per the contract.
    let n = unsafe { OPENSSL_sk_num(sk) }.0;
    (0..n)
        .filter_map(|i| {
            // SAFETY: a live stack of live names, per the contract.
            let name = unsafe { OPENSSL_sk_value(sk, i) }.cast::<X509_NAME>();
            // SAFETY: as above.
            unsafe { name.as_ref() }.map(|n| n.der().to_vec())
        })
        .collect()
}

impl SSL_CTX {
    /// Gives the context the names of its CA list as they are now (the application may
    /// have changed the stack): done as a server object is made.
    /// Without a client CA list, the CA names of the configuration commands
    /// (`ClientCAFile`) are sent, as OpenSSL sends its `SSL_CTX_set0_CA_list` names.
    pub(crate) fn sync_ca_names(&self) {
        let list = self.ca_list.lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: the context's own stack of live names.
        let mut names = unsafe { ders(list.0) };
        drop(list);
        if names.is_empty() {
            names = self
                .ca_names
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
        }
        self.lock().set_client_ca_names(names);
    }

    /// Sets the CA names sent when the context has no client CA list (OpenSSL's
    /// `SSL_CTX_set0_CA_list`, which the `ClientCAFile` configuration command fills), from
    /// a stack of names handed over.
    ///
    /// # Safety
    /// `names` must be a live stack of names of their own, handed over.
    pub(crate) unsafe fn set0_ca_names(&self, names: *mut OPENSSL_STACK) {
        // SAFETY: per the contract.
        let ders = unsafe { ders(names) };
        // SAFETY: handed over, per the contract.
        unsafe { free_names(names) };
        *self.ca_names.lock().unwrap_or_else(PoisonError::into_inner) = ders;
        self.sync_ca_names();
    }
}

/// `SSL_CTX_set_client_CA_list`: the context takes `name_list` (and its names; the old list
/// is freed); null leaves it none.
///
/// # Safety
/// `ctx` must be null or a live context; `name_list` null or a stack of names of their own,
/// handed over.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_client_CA_list(
    ctx: *mut SSL_CTX,
    name_list: *mut OPENSSL_STACK,
) {
    let c = arg!(ctx_ref(ctx));
    c.ca_list
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .replace(name_list);
    c.sync_ca_names();
}

/// `SSL_CTX_get_client_CA_list`: the context's list (not a copy; empty for a new context).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_client_CA_list(ctx: *const SSL_CTX) -> *mut OPENSSL_STACK {
    let c = arg!(ctx_ref(ctx));
    c.ca_list.lock().unwrap_or_else(PoisonError::into_inner).0
}

/// `SSL_CTX_add_client_CA`: adds `x`'s subject to the list; 1, or 0 for a null certificate.
///
/// # Safety
/// `ctx` must be null or a live context; `x` null or a live certificate.
#[entry]
pub unsafe extern "C" fn SSL_CTX_add_client_CA(
    ctx: *mut SSL_CTX,
    x: *mut crate::x509::X509,
) -> c_int {
    let c = arg!(ctx_ref(ctx));
    // A null certificate is refused without an error, as OpenSSL refuses it.
    // SAFETY: null or a live certificate, per the contract.
    let Some(x) = (unsafe { x.as_ref() }) else {
        return 0;
    };
    let name = x.subject().clone().into_c();
    let mut list = c.ca_list.lock().unwrap_or_else(PoisonError::into_inner);
    if list.0.is_null() {
        list.0 = OPENSSL_sk_new_null();
    }
    // SAFETY: the context's own stack; the name is handed over to it.
    let pushed = unsafe { OPENSSL_sk_push(list.0, name.cast()) } != 0;
    drop(list);
    if !pushed {
        // SAFETY: not taken by the stack.
        unsafe { X509_NAME_free(name) };
        return 0;
    }
    c.sync_ca_names();
    1
}

/// `SSL_set_client_CA_list`: an object cannot send a list of its own (rustls fixes the
/// names when the object is made): `ERR_R_UNSUPPORTED`; the list handed over is freed.
///
/// # Safety
/// `name_list` must be null or a stack of names of their own, handed over.
#[entry]
pub unsafe extern "C" fn SSL_set_client_CA_list(_ssl: *mut SSL, name_list: *mut OPENSSL_STACK) {
    crate::unsupported::raise("per-object client CA lists (set them on the context)");
    // SAFETY: handed over, per the contract.
    unsafe { free_names(name_list) };
}

/// `SSL_dup_CA_list`: a copy of a list, names and all (freed with
/// `sk_X509_NAME_pop_free(list, X509_NAME_free)`).
///
/// # Safety
/// `sk` must be null or a live stack of live names.
#[entry]
pub unsafe extern "C" fn SSL_dup_CA_list(sk: *const OPENSSL_STACK) -> *mut OPENSSL_STACK {
    let copy = OPENSSL_sk_new_null();
    if sk.is_null() {
        return copy;
    }
    // SAFETY: a live stack, per the contract.
    let n = unsafe { OPENSSL_sk_num(sk) }.0;
    for i in 0..n {
        // SAFETY: a live stack of live names, per the contract; the copy is handed to `copy`.
        unsafe {
            let name = X509_NAME_dup(OPENSSL_sk_value(sk, i).cast());
            OPENSSL_sk_push(copy, name.cast());
        }
    }
    copy
}

/// `SSL_load_client_CA_file`: the subjects of the PEM certificates in `file` (duplicates
/// once), as a new list; null if the file cannot be read (the reason on the queue) or holds
/// no certificate (`PEM_R_NO_START_LINE`).
///
/// # Safety
/// `file` must be null or a NUL-terminated path.
#[entry]
pub unsafe extern "C" fn SSL_load_client_CA_file(file: *const c_char) -> *mut OPENSSL_STACK {
    let _ = arg!(c_str(file));
    // SAFETY: a NUL-terminated path and mode.
    let bio = unsafe { BIO_new_file(file, c"r".as_ptr()) };
    if bio.is_null() {
        return std::ptr::null_mut();
    }
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut list: *mut OPENSSL_STACK = std::ptr::null_mut();
    loop {
        // SAFETY: a live BIO.
        let x = unsafe { PEM_read_bio_X509(bio, std::ptr::null_mut(), None, std::ptr::null_mut()) };
        // SAFETY: null or a certificate just read, whose reference is here.
        let Some(cert) = (unsafe { x.as_ref() }) else {
            break;
        };
        let der = cert.subject().der().to_vec();
        if !seen.contains(&der) {
            if list.is_null() {
                list = OPENSSL_sk_new_null();
            }
            // SAFETY: the new list takes the name.
            unsafe { OPENSSL_sk_push(list, cert.subject().clone().into_c().cast()) };
            seen.push(der);
        }
        // SAFETY: the reference PEM_read_bio_X509 gave.
        unsafe { X509_free(x) };
    }
    // SAFETY: the BIO made here.
    unsafe { BIO_free(bio) };
    if !list.is_null() {
        crate::err::ERR_clear_error();
    }
    list
}
