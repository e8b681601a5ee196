//! Poll descriptors: `BIO_get_rpoll_descriptor`/`BIO_get_wpoll_descriptor` (the BIO's kind
//! says which descriptor, `super::BioImpl::poll_descriptor`) and the `BIO_POLL_DESCRIPTOR`
//! they fill, which the `SSL_get_*poll_descriptor` calls fill too.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::c_int;

use qssl_bio::PollDescriptor;

use super::{BIO, bio_ref};
use crate::abi::*;
use crate::entry::{arg, entry};
use crate::ffi::obj_mut;

impl From<PollDescriptor> for BIO_POLL_DESCRIPTOR {
    fn from(d: PollDescriptor) -> Self {
        BIO_POLL_DESCRIPTOR {
            type_: d.type_code(),
            value: match d {
                PollDescriptor::SockFd(fd) => BIO_POLL_DESCRIPTOR_VALUE { fd },
                _ => BIO_POLL_DESCRIPTOR_VALUE { custom_ui: 0 },
            },
        }
    }
}

/// Writes `d` to `desc`: 1; 0 with nothing written for a BIO that cannot be polled (OpenSSL's
/// memory, pair, file and accept BIOs answer the control with 0, queueing no error).
pub(crate) fn put_poll_descriptor(desc: &mut BIO_POLL_DESCRIPTOR, d: PollDescriptor) -> c_int {
    if d == PollDescriptor::None {
        return 0;
    }
    *desc = d.into();
    1
}

/// `BIO_get_rpoll_descriptor`.
///
/// # Safety
/// `bio` null or live; `desc` null or valid for a write.
#[entry]
pub unsafe extern "C" fn BIO_get_rpoll_descriptor(
    bio: *mut BIO,
    desc: *mut BIO_POLL_DESCRIPTOR,
) -> c_int {
    let b = arg!(bio_ref(bio));
    let desc = arg!(obj_mut(desc));
    put_poll_descriptor(desc, b.imp.poll_descriptor(false))
}

/// `BIO_get_wpoll_descriptor`.
///
/// # Safety
/// As [`BIO_get_rpoll_descriptor`].
#[entry]
pub unsafe extern "C" fn BIO_get_wpoll_descriptor(
    bio: *mut BIO,
    desc: *mut BIO_POLL_DESCRIPTOR,
) -> c_int {
    let b = arg!(bio_ref(bio));
    let desc = arg!(obj_mut(desc));
    put_poll_descriptor(desc, b.imp.poll_descriptor(true))
}
