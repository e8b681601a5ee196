//! `SSL` objects for C, TLS and QUIC alike: creation and reference counting, network BIOs
//! (`SSL_set_bio`'s ownership rules), the handshake, reading, writing, shutdown, errors and
//! what was negotiated. QUIC-only calls (streams, listeners, events) are in [`crate::quic`].
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::CString;
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use qssl::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use qssl::tls::Tls;
use qssl::{ErrorCode, IoResult};

use crate::abi::*;
use crate::bio::dgram::BIO_new_dgram;
use crate::bio::object::BIO_up_ref;
use crate::bio::socket::BIO_new_socket;
use crate::bio::{BIO, prepare_object};
use crate::ctx::{SSL_CTX, ctx_shared};
use crate::entry::{CInt, arg, entry, out, param};
use crate::entry::{called_on, called_on_object};
use crate::ex_data::CRYPTO_EX_DATA;
use crate::ffi::{
    arc_release, arc_take, arc_up_ref, bytes, bytes_mut, ex_result, interned, obj, text,
};
use crate::info::InfoCallbackC;
use crate::param::X509_VERIFY_PARAM;
use crate::session::SSL_SESSION;
use crate::stack::CertificateStack;
use crate::x509::X509;

/// What an `SSL` object is.
pub(crate) enum Obj {
    /// TLS over a stream BIO.
    Tls(Tls),
    /// A QUIC connection, stream, listener or domain.
    Quic(QuicObj),
}

impl Obj {
    /// A QUIC object as a C object holds it.
    pub(crate) fn quic(q: qssl::Ssl) -> Obj {
        Obj::Quic(QuicObj {
            own: q,
            adopted: OnceLock::new(),
        })
    }
}

/// A QUIC object as a C object holds it: its own, or once `SSL_listen_ex` gave the C object
/// a connection a listener received, that connection (it dereferences to the one in use).
pub(crate) struct QuicObj {
    own: qssl::Ssl,
    adopted: OnceLock<qssl::Ssl>,
}

impl QuicObj {
    /// Makes `conn` the connection this object stands for; fails if it already has one.
    pub(crate) fn adopt(&self, conn: qssl::Ssl) -> Result<(), qssl::Ssl> {
        self.adopted.set(conn)
    }
}

impl std::ops::Deref for QuicObj {
    type Target = qssl::Ssl;

    fn deref(&self) -> &qssl::Ssl {
        self.adopted.get().unwrap_or(&self.own)
    }
}

/// Calls the same-named method on either kind of object.
macro_rules! on_obj {
    ($s:expr, $o:ident => $e:expr) => {
        match &$s.obj {
            Obj::Tls($o) => $e,
            Obj::Quic($o) => $e,
        }
    };
}

/// The network BIOs an object holds, one reference each.
#[derive(Default)]
struct Bios {
    rbio: Option<Arc<BIO>>,
    wbio: Option<Arc<BIO>>,
}

/// The C pointer of a BIO slot (null for none).
fn bio_ptr(slot: &Option<Arc<BIO>>) -> *mut BIO {
    slot.as_ref()
        .map_or(std::ptr::null_mut(), |b| Arc::as_ptr(b).cast_mut())
}

/// What an object hands out about its connection, each fixed once known (so a pointer
/// handed out stays valid): the negotiated ALPN, the peer's certificate and chain, the
/// verified chain. `SSL_clear` starts a new set for the next connection; the old one is kept
/// until the object is freed.
#[derive(Default)]
pub(crate) struct Negotiated {
    /// The negotiated ALPN, for `SSL_get0_alpn_selected`'s pointer.
    pub(crate) alpn: OnceLock<Vec<u8>>,
    /// The peer's certificate, for `SSL_get0_peer_certificate`'s pointer.
    pub(crate) peer_certificate: OnceLock<Arc<X509>>,
    /// `SSL_get_peer_cert_chain`'s stack.
    pub(crate) peer_chain: OnceLock<CertificateStack>,
    /// `SSL_get0_verified_chain`'s stack.
    pub(crate) verified_chain: OnceLock<CertificateStack>,
}

/// `SSL`: a TLS or QUIC object, with the references it holds and what it hands out to C.
pub struct SSL {
    pub(crate) obj: Obj,
    /// The context, kept alive as OpenSSL's objects keep theirs (`SSL_set_SSL_CTX` in a
    /// servername callback swaps it).
    ctx: Mutex<Arc<SSL_CTX>>,
    /// The object this one came from, kept alive: a stream's connection, an accepted
    /// connection's listener (set when it is accepted, for a connection whose object a
    /// callback needed before), a domain's listener's domain.
    parent: OnceLock<Arc<SSL>>,
    /// `SSL_set_bio`'s BIOs.
    bios: Mutex<Bios>,
    /// What the object hands out about its current connection, made when first asked for
    /// (most streams never are).
    negotiated: Mutex<Option<Arc<Negotiated>>>,
    /// What it handed out about the connections before `SSL_clear`.
    retired: Mutex<Vec<Arc<Negotiated>>>,
    /// The close reason with a NUL after it, kept for `SSL_get_conn_close_info`'s pointer
    /// (fixed once known).
    pub(crate) close_reason: OnceLock<Vec<u8>>,
    /// `SSL_set_ex_data`'s pointers.
    pub(crate) ex_data: CRYPTO_EX_DATA,
    /// The server name last handed out by `SSL_get_servername` (valid until it changes).
    pub(crate) servername: Mutex<Option<CString>>,
    /// The session `SSL_get_session` last handed out (valid until the session changes).
    pub(crate) session: Mutex<Option<Arc<SSL_SESSION>>>,
    /// `SSL_get0_param`'s handle, made on first use.
    pub(crate) param: OnceLock<Box<X509_VERIFY_PARAM>>,
    /// `SSL_set_info_callback`'s callback (null: the context's is called).
    pub(crate) info_callback: Mutex<InfoCallbackC>,
    /// A QUIC object's `SSL_OP_*` options (a TLS object keeps its own).
    pub(crate) quic_options: AtomicU64,
    /// `SSL_set_read_ahead`'s value (read-ahead has no effect: rustls reads what the BIO
    /// gives).
    pub(crate) read_ahead: AtomicI32,
    /// Where `SSL_read_early_data` is (see `crate::early_data`).
    pub(crate) early_data: AtomicU8,
    /// The ALPN list the object offers, as given (its context's when made, for TLS objects
    /// and QUIC connections).
    pub(crate) alpn_protos: crate::alpn_protos::AlpnProtos,
    /// The references the application holds (1 when made, `SSL_up_ref` adds one, `SSL_free`
    /// takes one), apart from the library's own (a stream's to its connection).
    app_refs: AtomicUsize,
}

impl SSL {
    /// Hands `obj` to C, holding its context and its parent.
    pub(crate) fn into_c(obj: Obj, ctx: Arc<SSL_CTX>, parent: Option<Arc<SSL>>) -> *mut SSL {
        Arc::into_raw(SSL::made(obj, ctx, parent)).cast_mut()
    }

    /// A new C object for `obj`, holding its context and its parent; a QUIC object knows
    /// its C object through its attachment.
    fn made(obj: Obj, ctx: Arc<SSL_CTX>, parent: Option<Arc<SSL>>) -> Arc<SSL> {
        let quic_options = crate::lifecycle::initial_quic_options(&obj, &ctx, parent.as_deref());
        let ctx_read_ahead = ctx.read_ahead();
        let alpn_protos = match &obj {
            Obj::Quic(q) if !q.is_connection() => Default::default(),
            _ => crate::alpn_protos::AlpnProtos::copy_of(&ctx.alpn_protos),
        };
        let link = OnceLock::new();
        if let Some(p) = parent {
            let _ = link.set(p);
        }
        let ssl = Arc::new(SSL {
            obj,
            ctx: Mutex::new(ctx),
            parent: link,
            bios: Mutex::new(Bios::default()),
            negotiated: Mutex::default(),
            retired: Mutex::default(),
            close_reason: OnceLock::new(),
            ex_data: CRYPTO_EX_DATA::new(CRYPTO_EX_INDEX_SSL),
            servername: Mutex::new(None),
            session: Mutex::new(None),
            param: OnceLock::new(),
            info_callback: Mutex::new(None),
            quic_options: AtomicU64::new(quic_options),
            read_ahead: AtomicI32::new(ctx_read_ahead),
            early_data: AtomicU8::new(crate::early_data::EARLY_NONE),
            alpn_protos,
            app_refs: AtomicUsize::new(1),
        });
        match &ssl.obj {
            Obj::Tls(t) => {
                t.set_quiet_shutdown(ssl.ctx().quiet_shutdown());
                t.set_info_hook(Some(crate::info::hook(Arc::downgrade(&ssl))));
            }
            Obj::Quic(q) => {
                q.set_attachment(Some(Arc::new(CObject::Handed(Arc::downgrade(&ssl)))));
            }
        }
        ssl.ex_data.run_new(Arc::as_ptr(&ssl).cast_mut().cast());
        ssl
    }

    /// The C object of a QUIC connection whose TLS callback is running: the application's,
    /// or one made now for a server connection not accepted yet (kept with the connection
    /// until `SSL_accept_connection` hands it out). Null if there is none.
    pub(crate) fn of_callback_connection(q: qssl::Ssl) -> *mut SSL {
        if let Some(ptr) = c_object(&q) {
            return ptr;
        }
        if !q.is_server() {
            return std::ptr::null_mut();
        }
        // Made with its listener's context, as OpenSSL's are.
        let Some(listener) = q.arrived_at().and_then(|l| c_object(&l)) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the listener's C object is alive while its QUIC object is (it holds it).
        let ctx = unsafe { &*listener }.ctx();
        let ssl = SSL::made(Obj::quic(q.clone()), ctx, None);
        let ptr = Arc::as_ptr(&ssl).cast_mut();
        q.set_attachment(Some(Arc::new(CObject::Pending(ssl))));
        ptr
    }

    /// Hands out the C object of a connection `listener` (a listener's C object) accepted:
    /// the one a callback made if there is one, now with `listener` as its parent, else a
    /// new one.
    pub(crate) fn accepted(listener: &SSL, parent: *const SSL, conn: qssl::Ssl) -> *mut SSL {
        let pending = conn
            .attachment()
            .and_then(|a| match a.downcast_ref::<CObject>() {
                Some(CObject::Pending(ssl)) => Some(ssl.clone()),
                _ => None,
            });
        match pending {
            Some(ssl) => {
                // SAFETY: parent is the live listener's C object.
                if let Some(p) = unsafe { crate::ffi::arc_share(parent) } {
                    let _ = ssl.parent.set(p);
                }
                conn.set_attachment(Some(Arc::new(CObject::Handed(Arc::downgrade(&ssl)))));
                Arc::into_raw(ssl).cast_mut()
            }
            // SAFETY: parent is the live listener's C object.
            None => SSL::into_c(Obj::quic(conn), listener.ctx(), unsafe {
                crate::ffi::arc_share(parent)
            }),
        }
    }

    /// What the object hands out about its current connection.
    pub(crate) fn negotiated(&self) -> Arc<Negotiated> {
        self.negotiated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_default()
            .clone()
    }

    /// Starts a new set of what the object hands out (`SSL_clear`), keeping the old one
    /// alive for the pointers handed out from it.
    pub(crate) fn renew_negotiated(&self) {
        let old = self
            .negotiated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(old) = old {
            self.retired
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(old);
        }
    }

    /// Whether this is a QUIC connection a listener accepted.
    pub(crate) fn is_accepted(&self) -> bool {
        matches!(&self.obj, Obj::Quic(q) if q.is_server())
    }

    /// The context.
    pub(crate) fn ctx(&self) -> Arc<SSL_CTX> {
        self.ctx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Makes `ctx` the object's context, releasing the old one.
    pub(crate) fn replace_ctx(&self, ctx: Arc<SSL_CTX>) {
        *self.ctx.lock().unwrap_or_else(PoisonError::into_inner) = ctx;
    }

    /// The object this one came from, if any.
    pub(crate) fn parent(&self) -> Option<&Arc<SSL>> {
        self.parent.get()
    }

    /// Makes `parent` the object this one came from, if it has none yet.
    pub(crate) fn set_parent(&self, parent: &SSL) {
        // SAFETY: `parent` is a live C object owned through an `Arc`.
        if let Some(p) = unsafe { crate::ffi::arc_share(std::ptr::from_ref(parent)) } {
            let _ = self.parent.set(p);
        }
    }

    /// The QUIC object, or `None` for TLS.
    pub(crate) fn quic(&self) -> Option<&qssl::Ssl> {
        match &self.obj {
            Obj::Quic(q) => Some(q),
            Obj::Tls(_) => None,
        }
    }

    /// Drives the handshake (`SSL_do_handshake`); the error's code says why it stopped.
    pub(crate) fn handshake(&self) -> Result<(), ErrorCode> {
        on_obj!(self, o => o.do_handshake()).map_err(|e| e.code())
    }

    /// `SSL_read`, with the code of a failure.
    pub(crate) fn read(&self, buf: &mut [u8]) -> Result<usize, ErrorCode> {
        on_obj!(self, o => o.read(buf)).map_err(|e| e.code())
    }

    /// `SSL_write`, with the code of a failure.
    pub(crate) fn write(&self, buf: &[u8]) -> Result<usize, ErrorCode> {
        on_obj!(self, o => o.write(buf)).map_err(|e| e.code())
    }

    fn bios(&self) -> MutexGuard<'_, Bios> {
        self.bios.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The read BIO in this object's own slot.
    pub(crate) fn rbio(&self) -> *mut BIO {
        bio_ptr(&self.bios().rbio)
    }

    /// The write BIO in this object's own slot.
    pub(crate) fn wbio(&self) -> *mut BIO {
        bio_ptr(&self.bios().wbio)
    }

    /// `SSL_get_rbio`/`SSL_get_wbio`: the object's own BIO, or for a QUIC stream or accepted
    /// connection the one its connection or listener has (they share its network BIO).
    fn network_bio(&self, write: bool) -> *mut BIO {
        let own = if write { self.wbio() } else { self.rbio() };
        match self.parent.get() {
            Some(parent) if own.is_null() => parent.network_bio(write),
            _ => own,
        }
    }

    /// Puts `bio` in the read slot, taking the caller's reference and giving up the old
    /// one (`SSL_set0_rbio`), without attaching.
    ///
    /// # Safety
    /// `bio` must be null or a live BIO whose reference the caller hands over.
    unsafe fn set0_rbio(&self, bio: *mut BIO) {
        // SAFETY: per the contract; the old BIO's reference goes with the old Arc.
        self.bios().rbio = unsafe { arc_take(bio) };
    }

    /// As [`set0_rbio`](Self::set0_rbio), for the write slot.
    ///
    /// # Safety
    /// As [`set0_rbio`](Self::set0_rbio).
    unsafe fn set0_wbio(&self, bio: *mut BIO) {
        // SAFETY: per the contract; the old BIO's reference goes with the old Arc.
        self.bios().wbio = unsafe { arc_take(bio) };
    }

    /// `SSL_set_bio`'s rules: each slot holds one reference; a BIO passed for both takes one
    /// more; an unchanged slot keeps its reference and the caller's is not consumed.
    ///
    /// # Safety
    /// `rbio` and `wbio` must be null or live BIOs whose references the caller hands over.
    unsafe fn set_bio(&self, rbio: *mut BIO, wbio: *mut BIO) {
        let (old_r, old_w) = (self.rbio(), self.wbio());
        if rbio == old_r && wbio == old_w {
            return;
        }
        if !rbio.is_null() && rbio == wbio {
            // SAFETY: a live BIO, per the contract.
            unsafe { BIO_up_ref(rbio) };
        }
        // SAFETY: references handed over, per the contract.
        unsafe {
            if rbio == old_r {
                self.set0_wbio(wbio);
            } else if wbio == old_w && old_r != old_w {
                self.set0_rbio(rbio);
            } else {
                self.set0_wbio(wbio);
                self.set0_rbio(rbio);
            }
        }
        self.attach_bios();
    }

    /// Gives the object the I/O behind its BIO slots; a BIO of the wrong kind (a socket BIO
    /// for QUIC) is recorded on the queue and left unused.
    pub(crate) fn attach_bios(&self) {
        let (r, w) = {
            let b = self.bios();
            (b.rbio.clone(), b.wbio.clone())
        };
        // A BIO with nothing attached yet (a connect BIO before it connects, a datagram BIO
        // before BIO_set_fd) is taken up later, when it has.
        let bio = |b: Option<Arc<BIO>>| b.filter(|b| b.is_ready());
        match &self.obj {
            Obj::Quic(q) => {
                let dgram = |p| bio(p).and_then(|b| b.datagram());
                // Streams cannot take BIOs; the error is on the queue.
                let _ = q.set_bio(dgram(r), dgram(w));
            }
            Obj::Tls(t) => {
                let stream = |p| bio(p).and_then(|b| b.stream());
                t.set_bio(stream(r), stream(w));
            }
        }
    }
}

impl Drop for SSL {
    fn drop(&mut self) {
        // The ex_data free callbacks see the object whole; its context, parent and BIOs are
        // released with their fields after this.
        let this: *mut SSL = self;
        self.ex_data.run_free(this.cast());
    }
}

/// The object behind a C pointer, or `ERR_R_PASSED_NULL_PARAMETER` for null.
///
/// # Safety
/// `ssl` must be null or a live object from this library.
pub(crate) unsafe fn ssl_ref<'a>(ssl: *const SSL) -> Option<&'a SSL> {
    // SAFETY: forwarded contract.
    let s = unsafe { obj(ssl) }?;
    called_on(ssl.cast());
    Some(s)
}

/// What a QUIC object's attachment holds: its C object.
enum CObject {
    /// Handed to the application, which owns it.
    Handed(std::sync::Weak<SSL>),
    /// Made for a callback of a server connection not accepted yet: kept with the connection
    /// until `SSL_accept_connection` hands it out (or the connection is discarded).
    Pending(Arc<SSL>),
}

/// The attachment by which a QUIC object knows `ssl` as its C object (held by the
/// application).
pub(crate) fn handed(ssl: &SSL) -> Arc<dyn std::any::Any + Send + Sync> {
    // SAFETY: `ssl` is a live C object, owned through an `Arc` made by `SSL::made`.
    let weak = unsafe { crate::ffi::arc_share(std::ptr::from_ref(ssl)) }
        .map(|a| Arc::downgrade(&a))
        .unwrap_or_default();
    Arc::new(CObject::Handed(weak))
}

/// The C object of the QUIC object `q`, if it has one.
pub(crate) fn c_object(q: &qssl::Ssl) -> Option<*mut SSL> {
    let attached = q.attachment()?;
    match attached.downcast_ref::<CObject>()? {
        CObject::Handed(weak) => (weak.strong_count() > 0).then(|| weak.as_ptr().cast_mut()),
        CObject::Pending(ssl) => Some(Arc::as_ptr(ssl).cast_mut()),
    }
}

/// The `SSL *` a callback is given: the QUIC connection the endpoint is processing (a
/// server connection's even before it is accepted, as OpenSSL's), or else the TLS object
/// the running call was made on; null when the callback runs outside any call.
pub(crate) fn callback_ssl() -> *mut SSL {
    if let Some(q) = qssl::Ssl::in_callback() {
        return SSL::of_callback_connection(q);
    }
    let ssl = called_on_object().cast::<SSL>();
    // SAFETY: recorded by `ssl_ref` for the call still running on this thread, so live.
    let Some(s) = (unsafe { ssl.as_ref() }) else {
        return std::ptr::null_mut();
    };
    let conn = match s.quic() {
        None => return ssl.cast_mut(),
        Some(q) if q.is_listener() => return std::ptr::null_mut(),
        Some(q) if q.is_connection() => s,
        // A stream: its connection decides.
        Some(_) => match s.parent.get() {
            Some(c) => c,
            None => return std::ptr::null_mut(),
        },
    };
    // A client connection's callbacks run in its own calls (an accepted connection's run
    // while its listener's port is driven).
    if conn.quic().is_some_and(|q| !q.is_server()) {
        std::ptr::from_ref(conn).cast_mut()
    } else {
        std::ptr::null_mut()
    }
}

/// `SSL_new`: a TLS object of a TLS context, or a QUIC connection of a QUIC client context
/// (a server context makes listeners, with `SSL_new_listener`).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_new(ctx: *mut SSL_CTX) -> *mut SSL {
    let c = arg!(ctx_shared(ctx));
    // The CA names a server object sends are the list's as it is now.
    c.sync_ca_names();
    let obj = {
        let guard = c.lock();
        let made = if guard.method().is_quic() {
            qssl::Ssl::new(&guard).map(|q| {
                q.set_mode(c.mode());
                Obj::quic(q)
            })
        } else {
            Tls::new(&guard).map(|t| {
                t.set_mode(c.mode());
                Obj::Tls(t)
            })
        };
        match made {
            Ok(o) => o,
            Err(_) => return std::ptr::null_mut(),
        }
    };
    SSL::into_c(obj, c, None)
}

/// `SSL_up_ref`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_up_ref(ssl: *mut SSL) -> c_int {
    // SAFETY: null or a live object, as the caller promises.
    if let Some(s) = unsafe { ssl.as_ref() } {
        s.app_refs.fetch_add(1, Ordering::Relaxed);
    }
    param!(arc_up_ref(ssl))
}

/// `SSL_free`: drops one reference (null is ignored).
///
/// # Safety
/// `ssl` must be null or a live object whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn SSL_free(ssl: *mut SSL) {
    // SAFETY: null or a live object, as the caller promises.
    if let Some(s) = unsafe { ssl.as_ref() }
        && s.app_refs.fetch_sub(1, Ordering::AcqRel) == 1
        && let Obj::Quic(q) = &s.obj
    {
        // The application's last reference: the QUIC object may live on (a connection
        // while its streams do, through their references), but it is no longer the
        // application's to wait on.
        q.release();
    }
    param!(arc_release(ssl))
}

/// `SSL_set_fd`: a socket BIO (TLS) or datagram BIO (QUIC) over `fd`, not closed with the
/// object, for both directions.
///
/// # Safety
/// `ssl` must be null or a live object; `fd` an open socket that stays open while the object
/// uses it.
#[entry]
pub unsafe extern "C" fn SSL_set_fd(ssl: *mut SSL, fd: c_int) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let bio = match s.obj {
        Obj::Tls(_) => BIO_new_socket(fd, 0),
        Obj::Quic(_) => BIO_new_dgram(fd, 0),
    };
    if bio.is_null() {
        return 0;
    }
    // SAFETY: a new BIO whose one reference is handed over.
    unsafe { s.set_bio(bio, bio) };
    1
}

/// `SSL_set_bio`: the object takes the caller's references to `rbio` and `wbio` (one
/// reference if both are the same BIO), following OpenSSL's rules for unchanged slots.
///
/// # Safety
/// `ssl` must be null or a live object; `rbio` and `wbio` null or live BIOs.
#[entry]
pub unsafe extern "C" fn SSL_set_bio(ssl: *mut SSL, rbio: *mut BIO, wbio: *mut BIO) {
    let s = arg!(ssl_ref(ssl));
    // SAFETY: rbio and wbio are null or live BIOs whose references the caller hands over,
    // per the contract.
    unsafe { s.set_bio(rbio, wbio) };
}

/// `SSL_set0_rbio`: the object takes the caller's reference to `rbio`.
///
/// # Safety
/// As [`SSL_set_bio`].
#[entry]
pub unsafe extern "C" fn SSL_set0_rbio(ssl: *mut SSL, rbio: *mut BIO) {
    let s = arg!(ssl_ref(ssl));
    // SAFETY: rbio is null or a live BIO whose reference the caller hands over, per the
    // contract.
    unsafe { s.set0_rbio(rbio) };
    s.attach_bios();
}

/// `SSL_set0_wbio`: the object takes the caller's reference to `wbio`.
///
/// # Safety
/// As [`SSL_set_bio`].
#[entry]
pub unsafe extern "C" fn SSL_set0_wbio(ssl: *mut SSL, wbio: *mut BIO) {
    let s = arg!(ssl_ref(ssl));
    // SAFETY: wbio is null or a live BIO whose reference the caller hands over, per the
    // contract.
    unsafe { s.set0_wbio(wbio) };
    s.attach_bios();
}

/// `SSL_get_rbio`: the read BIO (not a new reference), or null; a QUIC stream or accepted
/// connection reports the network BIO it shares.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_rbio(ssl: *const SSL) -> *mut BIO {
    let s = arg!(ssl_ref(ssl));
    s.network_bio(false)
}

/// `SSL_get_wbio`: the write BIO (not a new reference), or null.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_wbio(ssl: *const SSL) -> *mut BIO {
    let s = arg!(ssl_ref(ssl));
    s.network_bio(true)
}

/// The descriptor under an object's read or write side: its own BIO's, or for QUIC the
/// port's (an accepted connection or a stream shares its listener's or connection's socket).
fn object_fd(s: &SSL, write: bool) -> c_int {
    let own = if write { s.wbio() } else { s.rbio() };
    if !own.is_null() {
        // SAFETY: the slot holds a live reference.
        let fd = unsafe { &*own }.fd();
        if fd >= 0 {
            return fd;
        }
    }
    let desc = match &s.obj {
        Obj::Quic(q) if write => q.wpoll_descriptor(),
        Obj::Quic(q) => q.rpoll_descriptor(),
        Obj::Tls(_) => qssl_bio::PollDescriptor::None,
    };
    match desc {
        qssl_bio::PollDescriptor::SockFd(fd) => fd,
        _ => -1,
    }
}

/// `SSL_get_fd`: the read side's descriptor, or -1.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_fd(ssl: *const SSL) -> CInt<-1> {
    // SAFETY: forwarded.
    unsafe { SSL_get_rfd(ssl) }.0
}

/// `SSL_get_rfd`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_rfd(ssl: *const SSL) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    object_fd(s, false)
}

/// `SSL_get_wfd`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_wfd(ssl: *const SSL) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    object_fd(s, true)
}

/// `SSL_get_SSL_CTX`: the object's context (not a new reference).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_SSL_CTX(ssl: *const SSL) -> *mut SSL_CTX {
    let s = arg!(ssl_ref(ssl));
    Arc::as_ptr(&s.ctx()).cast_mut()
}

/// `SSL_set_connect_state`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_connect_state(ssl: *mut SSL) {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Tls(t) => t.set_connect_state(),
        // A QUIC object's role comes from its method.
        Obj::Quic(_) => (),
    }
}

/// `SSL_set_accept_state`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_accept_state(ssl: *mut SSL) {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Tls(t) => t.set_accept_state(),
        Obj::Quic(_) => (),
    }
}

/// OpenSSL's handshake return: 1 done, -1 otherwise (the reason from `SSL_get_error`).
fn handshake_ret(r: IoResult<()>) -> c_int {
    if r.is_ok() { 1 } else { -1 }
}

/// `SSL_connect`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_connect(ssl: *mut SSL) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    if !prepare_object(s) {
        return -1;
    }
    handshake_ret(on_obj!(s, o => o.connect()))
}

/// `SSL_accept`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_accept(ssl: *mut SSL) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    if !prepare_object(s) {
        return -1;
    }
    handshake_ret(match &s.obj {
        Obj::Tls(t) => t.accept(),
        // An accepted QUIC connection completes its handshake.
        Obj::Quic(q) => q.do_handshake(),
    })
}

/// `SSL_do_handshake`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_do_handshake(ssl: *mut SSL) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    if !prepare_object(s) {
        return -1;
    }
    handshake_ret(on_obj!(s, o => o.do_handshake()))
}

/// An `int` length argument of `SSL_read`/`SSL_write`/`SSL_peek`: negative lengths fail
/// with `SSL_R_BAD_LENGTH`, as OpenSSL's do.
pub(crate) fn int_length(num: c_int) -> Option<usize> {
    let len = usize::try_from(num).ok();
    if len.is_none() {
        SslError::new(ERR_LIB_SSL, ssl_r::BAD_LENGTH).raise();
    }
    len
}

/// A count as the `int` the non-`_ex` calls return, or -1 for a failure (negative).
fn int_count(n: isize) -> c_int {
    if n < 0 {
        -1
    } else {
        c_int::try_from(n).unwrap_or(c_int::MAX)
    }
}

/// Reads or peeks into `buf`: the count, 0 at the peer's close_notify, -1 on failure.
fn read_into(s: &SSL, buf: &mut [u8], peek: bool) -> isize {
    if !prepare_object(s) {
        return -1;
    }
    let r = if peek {
        on_obj!(s, o => o.peek(buf))
    } else {
        on_obj!(s, o => o.read(buf))
    };
    match r {
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(e) if e.code() == ErrorCode::ZeroReturn => 0,
        Err(_) => -1,
    }
}

/// `SSL_read`: the count, 0 at the peer's close_notify, -1 on failure.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes.
#[entry]
pub unsafe extern "C" fn SSL_read(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    let Some(num) = int_length(num) else {
        return -1;
    };
    let buf = arg!(bytes_mut(buf, num));
    int_count(read_into(s, buf, false))
}

/// `SSL_peek`.
///
/// # Safety
/// As [`SSL_read`].
#[entry]
pub unsafe extern "C" fn SSL_peek(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    let Some(num) = int_length(num) else {
        return -1;
    };
    let buf = arg!(bytes_mut(buf, num));
    int_count(read_into(s, buf, true))
}

/// `SSL_read_ex`: 1 with the count in `*readbytes`, 0 on failure or end.
///
/// # Safety
/// As [`SSL_read`]; `readbytes` null or valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_read_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let buf = arg!(bytes_mut(buf, num));
    let (ret, count) = ex_result(read_into(s, buf, false), false);
    out!(readbytes, count);
    ret
}

/// `SSL_peek_ex`.
///
/// # Safety
/// As [`SSL_read_ex`].
#[entry]
pub unsafe extern "C" fn SSL_peek_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let buf = arg!(bytes_mut(buf, num));
    let (ret, count) = ex_result(read_into(s, buf, true), false);
    out!(readbytes, count);
    ret
}

/// Writes `data` with `SSL_write_ex2`'s `flags` (0 for the other calls): the count or -1.
/// A TLS object takes no flags (`SSL_R_UNSUPPORTED_WRITE_FLAG`, as in OpenSSL).
pub(crate) fn write_from(s: &SSL, data: &[u8], flags: u64) -> isize {
    if !prepare_object(s) {
        return -1;
    }
    let written = match &s.obj {
        Obj::Quic(q) => q.write_ex2(data, flags),
        Obj::Tls(t) if flags == 0 => t.write(data),
        Obj::Tls(_) => {
            SslError::ssl(ssl_r::UNSUPPORTED_WRITE_FLAG).raise();
            return -1;
        }
    };
    written.map_or(-1, |n| isize::try_from(n).unwrap_or(isize::MAX))
}

/// `SSL_write`: the count, or -1 on failure.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes.
#[entry]
pub unsafe extern "C" fn SSL_write(ssl: *mut SSL, buf: *const c_void, num: c_int) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    let Some(num) = int_length(num) else {
        return -1;
    };
    let data = arg!(bytes(buf, num));
    int_count(write_from(s, data, 0))
}

/// `SSL_write_ex`: 1 with the count in `*written`, 0 on failure.
///
/// # Safety
/// As [`SSL_write`]; `written` null or valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_write_ex(
    ssl: *mut SSL,
    buf: *const c_void,
    num: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { crate::quic::SSL_write_ex2(ssl, buf, num, 0, written) }
}

/// `SSL_shutdown`: 0 once close_notify is sent, 1 once the peer's has arrived too, -1 on
/// failure.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_shutdown(ssl: *mut SSL) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    match on_obj!(s, o => o.shutdown()) {
        Ok(true) => 1,
        Ok(false) => 0,
        Err(_) => -1,
    }
}

/// `SSL_get_error`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_error(ssl: *const SSL, ret: c_int) -> CInt<SSL_ERROR_SSL> {
    let s = arg!(ssl_ref(ssl));
    on_obj!(s, o => o.get_error(ret)).code()
}

/// `SSL_ctrl`: the commands behind OpenSSL's object macros (SNI host name, modes, the
/// negotiated group, read-ahead). Groups are set on contexts only and OCSP status requests
/// are not offered: those, and other commands, fail with `ERR_R_UNSUPPORTED` and return 0. The SNI host name's type (`larg`)
/// must be `TLSEXT_NAMETYPE_host_name` (else `SSL_R_SSL3_EXT_INVALID_SERVERNAME_TYPE`); a null
/// name clears it.
///
/// # Safety
/// `ssl` must be null or a live object; for the host name, `parg` null or a NUL-terminated
/// string.
#[entry]
pub unsafe extern "C" fn SSL_ctrl(
    ssl: *mut SSL,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    let s = arg!(ssl_ref(ssl));
    let bits = u32::try_from(larg).unwrap_or(0);
    match cmd {
        SSL_CTRL_SET_TLSEXT_HOSTNAME if larg != c_long::from(TLSEXT_NAMETYPE_host_name) => {
            SslError::ssl(ssl_r::SSL3_EXT_INVALID_SERVERNAME_TYPE).raise();
            0
        }
        SSL_CTRL_SET_TLSEXT_HOSTNAME => {
            let name = parg.cast::<c_char>();
            let set = match param!(text(name)) {
                Some(name) => on_obj!(s, o => o.set_tlsext_host_name(&name)),
                None => on_obj!(s, o => o.clear_tlsext_host_name()),
            };
            c_long::from(set.is_ok())
        }
        SSL_CTRL_MODE => c_long::from(on_obj!(s, o => o.set_mode(bits))),
        SSL_CTRL_CLEAR_MODE => c_long::from(on_obj!(s, o => o.clear_mode(bits))),
        SSL_CTRL_GET_NEGOTIATED_GROUP => match &s.obj {
            Obj::Tls(t) => t.negotiated_group().map_or(0, crate::negotiate::group_nid),
            Obj::Quic(_) => 0,
        },
        SSL_CTRL_GET_READ_AHEAD => c_long::from(s.read_ahead.load(Ordering::Relaxed)),
        SSL_CTRL_SET_READ_AHEAD => {
            c_long::from(s.read_ahead.swap(larg as c_int, Ordering::Relaxed))
        }
        SSL_CTRL_SET_GROUPS | SSL_CTRL_SET_GROUPS_LIST => {
            crate::unsupported::raise("per-object groups (set them on the context)");
            0
        }
        SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE => crate::unsupported::status_request(),
        SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE => crate::ctx::TLSEXT_STATUSTYPE_NOTHING,
        _ => {
            SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                .with_data(format!("SSL_ctrl command {cmd}"))
                .raise();
            0
        }
    }
}

/// `SSL_set1_host`: the name the peer's certificate must carry.
///
/// # Safety
/// `ssl` must be null or a live object; `host` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn SSL_set1_host(ssl: *mut SSL, host: *const c_char) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match param!(text(host)) {
        Some(h) => c_int::from(on_obj!(s, o => o.set1_host(&h)).is_ok()),
        None => 1,
    }
}

/// `SSL_set_alpn_protos`: 0 on success, 1 on failure (OpenSSL's inverted convention).
///
/// # Safety
/// `ssl` must be null or a live object; `protos` valid for `len` bytes.
#[entry]
pub unsafe extern "C" fn SSL_set_alpn_protos(
    ssl: *mut SSL,
    protos: *const c_uchar,
    len: c_uint,
) -> CInt<1> {
    let s = arg!(ssl_ref(ssl));
    let len = len as usize;
    let wire = arg!(bytes(protos, len));
    let set = on_obj!(s, o => o.set_alpn_protos(wire));
    if set.is_ok() {
        s.alpn_protos.set(wire);
    }
    c_int::from(set.is_err())
}

/// `SSL_get0_alpn_selected`: the negotiated protocol (null and 0 if none), valid while the
/// object lives.
///
/// # Safety
/// `ssl` must be null or a live object; `data` and `len` valid for writes.
#[entry]
pub unsafe extern "C" fn SSL_get0_alpn_selected(
    ssl: *const SSL,
    data: *mut *const c_uchar,
    len: *mut c_uint,
) {
    out!(data, std::ptr::null());
    out!(len, 0);
    let s = arg!(ssl_ref(ssl));
    let negotiated = s.negotiated();
    let held = match negotiated.alpn.get() {
        Some(v) => v,
        None => match on_obj!(s, o => o.alpn_selected()) {
            Some(now) => negotiated.alpn.get_or_init(|| now),
            None => return,
        },
    };
    // The bytes live in the object.
    out!(data, held.as_ptr());
    out!(len, c_uint::try_from(held.len()).unwrap_or(0));
}

/// `SSL_is_server`: 1 for a TLS object in the server role and for a QUIC connection a
/// listener accepted (not its streams, as OpenSSL answers), else 0.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_is_server(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(on_obj!(s, o => o.is_server()))
}

/// `SSL_get_verify_result`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_verify_result(ssl: *const SSL) -> c_long {
    let s = arg!(ssl_ref(ssl));
    c_long::try_from(on_obj!(s, o => o.verify_result())).unwrap_or(0)
}

/// `SSL_get_version`: "TLSv1.2", "TLSv1.3" (or "unknown" before the handshake).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_version(ssl: *const SSL) -> *const c_char {
    let s = arg!(ssl_ref(ssl));
    interned(on_obj!(s, o => o.version_string()))
}

/// `SSL_version`: the negotiated protocol version number (`OSSL_QUIC1_VERSION` for QUIC
/// connections and streams; 0 for listeners and domains, as OpenSSL answers).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_version(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Tls(t) => t.version().unwrap_or(0),
        Obj::Quic(q) if q.is_listener() || q.is_domain() => 0,
        // OSSL_QUIC1_VERSION for QUIC v1.
        Obj::Quic(q) => c_int::try_from(q.version_number()).unwrap_or(OSSL_QUIC1_VERSION),
    }
}

/// `SSL_pending`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_pending(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::try_from(on_obj!(s, o => o.pending())).unwrap_or(c_int::MAX)
}

/// `SSL_has_pending`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_has_pending(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(on_obj!(s, o => o.has_pending()))
}

/// `SSL_is_init_finished`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_is_init_finished(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(on_obj!(s, o => o.is_init_finished()))
}

/// `SSL_in_before`: 1 while the handshake has not started.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_in_before(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(on_obj!(s, o => o.in_before()))
}

/// `SSL_callback_ctrl`: no callback commands are offered on objects (the servername and
/// message callbacks are set on contexts or not at all); fails with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_callback_ctrl(
    _ssl: *mut SSL,
    cmd: c_int,
    _fp: Option<unsafe extern "C" fn()>,
) -> c_long {
    SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
        .with_data(format!("SSL_callback_ctrl command {cmd}"))
        .raise();
    0
}
