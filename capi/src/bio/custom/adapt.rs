//! Adapters that present an application's BIO to the Rust objects: `CustomDgram` as a
//! `DatagramBio` (for QUIC, through the method's `sendmmsg`/`recvmmsg`) and `CustomStream`
//! as a `StreamBio` (for TLS, through `read`/`write`/`ctrl`). Each holds a reference to the
//! C BIO while it lives.

use std::ffi::c_int;
use std::fmt;
use std::sync::Arc;

use qssl::error::{
    bio_err_is_non_fatal, clear_last_mark, count_to_mark, peek_last_error, pop_to_mark, set_mark,
};
use qssl_bio::{BioAddr, BioError, DatagramBio, PollDescriptor, RecvMsg, SendMsg, StreamBio};

use super::{Callbacks, MmsgFn, call_ctrl, call_read, call_write, callbacks, failure};
use crate::abi::*;
use crate::addr::BIO_ADDR;
use crate::bio::BIO;

/// A reference to a custom C BIO held by an adapter.
struct Held(Arc<BIO>);

impl Held {
    /// The BIO as the application's callbacks take it.
    fn ptr(&self) -> *mut BIO {
        Arc::as_ptr(&self.0).cast_mut()
    }

    /// The callbacks of the BIO's method.
    fn callbacks(&self) -> Callbacks {
        callbacks(&self.0)
    }
}

/// A custom BIO presented as a datagram BIO.
pub(crate) struct CustomDgram(Held);

impl CustomDgram {
    /// An adapter holding a reference to the custom BIO `bio`.
    pub(crate) fn new(bio: Arc<BIO>) -> Self {
        CustomDgram(Held(bio))
    }

    /// One call of the application's mmsg callback `f` over `batch`: how many messages it
    /// processed (at most all), or the error it reported.
    ///
    /// # Safety
    /// Each message's data and addresses must be valid for the callback's access.
    unsafe fn call_mmsg(&self, f: MmsgFn, batch: &mut [BIO_MSG]) -> Result<usize, BioError> {
        let mut done = 0usize;
        set_mark();
        // SAFETY: `batch` holds `batch.len()` messages `size_of::<BIO_MSG>()` apart, valid
        // per the contract.
        let ok = unsafe {
            f(
                self.0.ptr(),
                batch.as_mut_ptr(),
                size_of::<BIO_MSG>(),
                batch.len(),
                0,
                &raw mut done,
            )
        };
        mmsg_outcome(ok == 1 && done > 0)?;
        Ok(done.min(batch.len()))
    }
}

impl fmt::Debug for CustomDgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomDgram")
    }
}

impl DatagramBio for CustomDgram {
    /// One call of the application's `sendmmsg` with the whole batch (a segmented message
    /// as its datagrams), as OpenSSL's `BIO_sendmmsg` makes; without that callback the BIO
    /// cannot carry datagrams (`BIO_R_UNSUPPORTED_METHOD`, as in OpenSSL).
    fn send_mmsg(&self, msgs: &[SendMsg<'_>]) -> Result<usize, BioError> {
        let Some(send) = self.0.callbacks().sendmmsg else {
            return Err(BioError::Unsupported(
                "sendmmsg without the method's callback",
            ));
        };
        let mut peers: Vec<BIO_ADDR> = msgs
            .iter()
            .map(|m| BIO_ADDR(m.peer.unwrap_or_default()))
            .collect();
        // Each C message, and the index of the message it belongs to.
        let mut batch = Vec::with_capacity(msgs.len());
        let mut owner = Vec::with_capacity(msgs.len());
        for (i, (m, addr)) in msgs.iter().zip(peers.iter_mut()).enumerate() {
            let seg = m.segment_size.unwrap_or(m.data.len()).max(1);
            for chunk in m.data.chunks(seg) {
                batch.push(BIO_MSG {
                    data: chunk.as_ptr().cast_mut().cast(),
                    data_len: chunk.len(),
                    peer: if m.peer.is_some() {
                        addr
                    } else {
                        std::ptr::null_mut()
                    },
                    local: std::ptr::null_mut(),
                    flags: 0,
                });
                owner.push(i);
            }
        }
        // SAFETY: the messages' data and addresses outlive the call.
        let done = unsafe { self.call_mmsg(send, &mut batch) }?;
        // Messages whose datagrams all went, plus one partly sent.
        Ok(owner.get(done).map_or(msgs.len(), |&next| {
            next + usize::from(done > 0 && owner[done - 1] == next)
        }))
    }

    /// One call of the application's `recvmmsg` over all the buffers, as OpenSSL's
    /// `BIO_recvmmsg` makes; without that callback, `BIO_R_UNSUPPORTED_METHOD`.
    fn recv_mmsg(&self, msgs: &mut [RecvMsg<'_>]) -> Result<usize, BioError> {
        let Some(recv) = self.0.callbacks().recvmmsg else {
            return Err(BioError::Unsupported(
                "recvmmsg without the method's callback",
            ));
        };
        let mut peers: Vec<BIO_ADDR> = msgs.iter().map(|_| BIO_ADDR(BioAddr::Unspec)).collect();
        let mut batch: Vec<BIO_MSG> = msgs
            .iter_mut()
            .zip(peers.iter_mut())
            .map(|(m, addr)| BIO_MSG {
                data: m.buf.as_mut_ptr().cast(),
                data_len: m.buf.len(),
                peer: addr,
                local: std::ptr::null_mut(),
                flags: 0,
            })
            .collect();
        // SAFETY: the caller's buffers and the addresses outlive the call.
        let done = unsafe { self.call_mmsg(recv, &mut batch) }?;
        for ((m, c), addr) in msgs.iter_mut().zip(&batch).zip(&peers).take(done) {
            m.len = c.data_len.min(m.buf.len());
            m.peer = addr.0;
            m.flags = 0;
            m.segment_size = None;
        }
        Ok(done)
    }

    fn rpoll_descriptor(&self) -> PollDescriptor {
        self.poll_descriptor(BIO_CTRL_GET_RPOLL_DESCRIPTOR)
    }

    fn wpoll_descriptor(&self) -> PollDescriptor {
        self.poll_descriptor(BIO_CTRL_GET_WPOLL_DESCRIPTOR)
    }
}

impl CustomDgram {
    /// Asks the BIO's `ctrl` for a poll descriptor; a socket descriptor makes blocking
    /// possible, anything else is not pollable.
    fn poll_descriptor(&self, cmd: c_int) -> PollDescriptor {
        let cb = self.0.callbacks();
        let mut d = BIO_POLL_DESCRIPTOR {
            type_: 0,
            value: BIO_POLL_DESCRIPTOR_VALUE { custom_ui: 0 },
        };
        // SAFETY: the held reference keeps the BIO alive; the command writes a descriptor.
        let ok = unsafe { call_ctrl(self.0.ptr(), &cb, cmd, 0, (&raw mut d).cast()) };
        if ok > 0 && d.type_ == 1 {
            // SAFETY: a SOCK_FD descriptor carries an fd.
            PollDescriptor::SockFd(unsafe { d.value.fd })
        } else {
            PollDescriptor::None
        }
    }
}

/// What an application's mmsg callback call came to (a mark was set before it): success;
/// a transient failure (nothing raised, or a non-fatal error, as `BIO_err_is_non_fatal`
/// judges), whose errors are dropped as expected traffic; or a fatal one, whose errors stay
/// on the queue and which fails the network.
fn mmsg_outcome(ok: bool) -> Result<(), BioError> {
    if ok {
        pop_to_mark();
        return Ok(());
    }
    let code = peek_last_error();
    if count_to_mark() == 0 || bio_err_is_non_fatal(code) {
        pop_to_mark();
        return Err(BioError::WouldBlock);
    }
    clear_last_mark();
    Err(BioError::Os(libc::EIO))
}

/// A custom BIO presented as a stream BIO (for TLS).
pub(crate) struct CustomStream(Held);

impl CustomStream {
    /// An adapter holding a reference to the custom BIO `bio`.
    pub(crate) fn new(bio: Arc<BIO>) -> Self {
        CustomStream(Held(bio))
    }
}

impl fmt::Debug for CustomStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomStream")
    }
}

impl StreamBio for CustomStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        let cb = self.0.callbacks();
        // SAFETY: the held reference keeps the BIO alive.
        unsafe { call_read(self.0.ptr(), &cb, buf) }
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        let cb = self.0.callbacks();
        // SAFETY: the held reference keeps the BIO alive.
        unsafe { call_write(self.0.ptr(), &cb, buf) }
    }

    fn flush(&mut self) -> Result<(), BioError> {
        let cb = self.0.callbacks();
        if cb.ctrl.is_none() {
            return Ok(());
        }
        // SAFETY: the held reference keeps the BIO alive; FLUSH takes no argument.
        let r = unsafe { call_ctrl(self.0.ptr(), &cb, BIO_CTRL_FLUSH, 0, std::ptr::null_mut()) };
        if r > 0 {
            Ok(())
        } else {
            Err(failure(self.0.ptr()))
        }
    }
}
