//! Exported functions called from Rust where null and bad arguments must fail cleanly, and
//! calls qssl cannot implement yet must fail with an error on the queue.

use std::ffi::c_void;

use qssl_capi::addr::*;
use qssl_capi::err::*;

#[test]
fn address_copies_and_null_arguments() {
    let ip = [127u8, 0, 0, 1];
    // SAFETY: every pointer below is null, freshly made by the library, or a local buffer of
    // the stated length.
    unsafe {
        let a = BIO_ADDR_new();
        assert_eq!(
            BIO_ADDR_rawmake(
                a,
                libc::AF_INET,
                ip.as_ptr().cast::<c_void>(),
                4,
                443u16.to_be()
            ),
            1
        );
        let b = BIO_ADDR_dup(a);
        assert_eq!(u16::from_be(BIO_ADDR_rawport(b)), 443);
        let c = BIO_ADDR_new();
        assert_eq!(BIO_ADDR_copy(c, b), 1);
        assert_eq!(BIO_ADDR_family(c), libc::AF_INET);
        BIO_ADDR_clear(c);
        assert_eq!(BIO_ADDR_family(c), libc::AF_UNSPEC);
        // Bad and null arguments fail without touching anything.
        assert_eq!(
            BIO_ADDR_rawmake(a, 12345, ip.as_ptr().cast::<c_void>(), 4, 0),
            0
        );
        assert_eq!(u16::from_be(BIO_ADDR_rawport(a)), 443, "left as it was");
        assert_eq!(BIO_ADDR_copy(std::ptr::null_mut(), a), 0);
        assert!(BIO_ADDR_dup(std::ptr::null()).is_null());
        assert_eq!(BIO_ADDR_family(std::ptr::null()), libc::AF_UNSPEC);
        assert!(BIO_ADDR_hostname_string(std::ptr::null(), 1).is_null());
        BIO_ADDR_free(std::ptr::null_mut());
        BIO_ADDRINFO_free(std::ptr::null_mut());
        for p in [a, b, c] {
            BIO_ADDR_free(p);
        }
        // A lookup into a null result pointer is refused with an error on the queue.
        ERR_clear_error();
        assert_eq!(
            BIO_lookup_ex(
                c"127.0.0.1".as_ptr(),
                c"443".as_ptr(),
                0,
                libc::AF_INET,
                libc::SOCK_STREAM,
                0,
                std::ptr::null_mut()
            ),
            0
        );
        assert_ne!(ERR_get_error(), 0);
        assert_eq!(BIO_closesocket(-1), 0);
    }
}

/// The reason of the last error on the queue (`ERR_GET_REASON`).
fn last_reason() -> u32 {
    (ERR_peek_last_error() & 0x7F_FFFF) as u32
}

#[test]
fn what_cannot_work_yet_fails_with_an_error_on_the_queue() {
    use qssl_capi::session::*;
    let unsupported = qssl::error::err_r::UNSUPPORTED as u32;
    // SAFETY: every pointer is null or made by the library and freed once.
    unsafe {
        ERR_clear_error();
        assert_eq!(
            PEM_write_bio_SSL_SESSION(std::ptr::null_mut(), std::ptr::null()),
            0
        );
        assert_eq!(last_reason(), unsupported);
        ERR_clear_error();
        assert!(
            PEM_read_bio_SSL_SESSION(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                None,
                std::ptr::null_mut()
            )
            .is_null()
        );
        assert_eq!(last_reason(), unsupported);
        // Null objects are refused, not dereferenced.
        ERR_clear_error();
        assert_eq!(SSL_session_reused(std::ptr::null()), 0);
        assert!(SSL_get1_session(std::ptr::null_mut()).is_null());
        SSL_SESSION_free(std::ptr::null_mut());
        assert_ne!(ERR_get_error(), 0);
    }
}
