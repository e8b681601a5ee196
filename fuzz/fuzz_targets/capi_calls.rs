//! The C ABI under arbitrary call sequences: contexts (TLS and QUIC, client and server, with
//! or without a certificate), objects, listeners, streams and memory BIOs (plain, stream
//! pairs, datagram pairs) in small pools, and the calls a C program makes on them in any
//! order: BIO reads and writes of the input's bytes, `SSL_set_bio` and `SSL_set0_*bio`,
//! handshakes, reads, writes, shutdown, `SSL_ctrl`/`SSL_CTX_ctrl`/`BIO_ctrl` with any
//! command and argument and a null pointer, server names and ALPN lists of the input's
//! bytes, the QUIC stream and event calls, the error queue. Two objects joined by a pair can
//! complete a real handshake (a `Pump` drives every object in turn).
//!
//! Only live objects and valid pointers are passed, and the harness keeps its own reference
//! to everything in its pools (giving objects the references a call consumes, as
//! OpenSSL's ownership rules say), so that anything ASan finds is the library's. A panic
//! inside an entry point is caught there and would become `ERR_R_INTERNAL_ERROR`, but
//! libFuzzer's panic hook aborts first: every panic is a finding. No socket or file
//! descriptor is ever touched: BIOs are memory BIOs only, and blocking is impossible on them.
#![no_main]

use std::ffi::{CString, c_int, c_long, c_uchar, c_uint, c_void};
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qssl_capi::abi::{
    SSL_CONN_CLOSE_INFO, SSL_CTRL_SET_TLSEXT_HOSTNAME, SSL_STREAM_RESET_ARGS,
    SSL_TLSEXT_ERR_ALERT_FATAL, SSL_TLSEXT_ERR_OK, TLSEXT_NAMETYPE_host_name,
};
use qssl_capi::addr::{BIO_ADDR_free, BIO_ADDR_new, BIO_ADDR_rawmake};
use qssl_capi::bio::BIO;
use qssl_capi::bio::ctrl::BIO_ctrl;
use qssl_capi::bio::mem::BIO_s_mem;
use qssl_capi::bio::object::{BIO_free, BIO_new, BIO_up_ref};
use qssl_capi::bio::pair::{BIO_new_bio_dgram_pair, BIO_s_dgram_mem};
use qssl_capi::bio::rw::{BIO_read, BIO_write};
use qssl_capi::bio::stream_pair::BIO_new_bio_pair;
use qssl_capi::ctx::{
    OSSL_QUIC_client_method, OSSL_QUIC_server_method, SSL_CTX, SSL_CTX_ctrl, SSL_CTX_free,
    SSL_CTX_new, SSL_CTX_set_alpn_protos, SSL_CTX_set_alpn_select_cb, SSL_CTX_use_PrivateKey_file,
    SSL_CTX_use_certificate_chain_file, SSL_select_next_proto, TLS_client_method, TLS_method,
    TLS_server_method,
};
use qssl_capi::err::{ERR_clear_error, ERR_get_error};
use qssl_capi::lifecycle::{SSL_clear, SSL_get_shutdown};
use qssl_capi::quic::{
    SSL_accept_connection, SSL_accept_stream, SSL_get_conn_close_info, SSL_get_event_timeout,
    SSL_get_stream_id, SSL_get_stream_read_state, SSL_get_stream_write_state, SSL_get0_connection,
    SSL_handle_events, SSL_listen, SSL_new_listener, SSL_new_stream, SSL_set_blocking_mode,
    SSL_set_default_stream_mode, SSL_set_incoming_stream_policy, SSL_set1_initial_peer_addr,
    SSL_stream_conclude, SSL_stream_reset, SSL_write_ex2,
};
use qssl_capi::ssl::{
    SSL, SSL_accept, SSL_connect, SSL_ctrl, SSL_do_handshake, SSL_free, SSL_get_error,
    SSL_get_rbio, SSL_get_version, SSL_get_wbio, SSL_is_init_finished, SSL_new, SSL_peek,
    SSL_pending, SSL_read, SSL_set_accept_state, SSL_set_alpn_protos, SSL_set_bio,
    SSL_set_connect_state, SSL_set0_rbio, SSL_set0_wbio, SSL_shutdown, SSL_write,
};

/// Objects of each kind the pools hold at most.
const POOL: usize = 8;

/// Rounds of a [`Call::Pump`].
const PUMP_ROUNDS: usize = 8;

/// `SSL_FILETYPE_PEM`.
const PEM: c_int = 1;

/// `OPENSSL_NPN_NEGOTIATED`.
const OPENSSL_NPN_NEGOTIATED: c_int = 1;

/// `AF_INET`.
const AF_INET: c_int = 2;

/// A certificate and key for "localhost": the PEM files and their paths.
struct Identity {
    /// Owns the scratch directory the files are in.
    _files: qssl_tests::identity::Identity,
    cert: CString,
    key: CString,
}

/// The identity servers load, made on first use.
fn identity() -> &'static Identity {
    static IDENTITY: OnceLock<Identity> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let files = qssl_tests::identity::Identity::localhost();
        let path = |p: &std::path::Path| CString::new(p.to_str().expect("UTF-8")).expect("a path");
        Identity {
            cert: path(&files.cert),
            key: path(&files.key),
            _files: files,
        }
    })
}

/// The method of a context.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Method {
    Tls,
    TlsClient,
    TlsServer,
    QuicClient,
    QuicServer,
}

/// The ALPN list naming "hq", in wire format.
const HQ: &[u8] = b"\x02hq";

/// An ALPN list: the input's bytes, or one naming "hq" (so that both sides can agree).
#[derive(Arbitrary, Debug)]
enum Protos<'a> {
    Hq,
    Raw(&'a [u8]),
}

impl Protos<'_> {
    /// The list in wire format.
    fn wire(&self) -> &[u8] {
        match self {
            Protos::Hq => HQ,
            Protos::Raw(bytes) => bytes,
        }
    }
}

/// One call (or a few, for `Pump`). Objects are chosen by a byte, modulo the size of their
/// pool; a call on an empty pool does nothing.
#[derive(Arbitrary, Debug)]
enum Call<'a> {
    /// `SSL_CTX_new`, then (`identity`) what a server needs ([`serve`]).
    CtxNew {
        method: Method,
        identity: bool,
    },
    CtxFree(u8),
    /// `SSL_CTX_ctrl` with a null pointer.
    CtxCtrl {
        ctx: u8,
        cmd: u8,
        larg: i64,
    },
    CtxAlpn {
        ctx: u8,
        protos: Protos<'a>,
    },
    /// `SSL_new`.
    New(u8),
    /// `SSL_new_listener`.
    NewListener {
        ctx: u8,
        flags: u64,
    },
    Free(u8),
    /// `BIO_new` of a memory BIO, stream or datagram.
    BioNew {
        dgram: bool,
    },
    /// `BIO_new_bio_pair` or `BIO_new_bio_dgram_pair` (a size of 0 is the default).
    BioPair {
        dgram: bool,
        size1: u16,
        size2: u16,
    },
    BioFree(u8),
    BioWrite {
        bio: u8,
        data: &'a [u8],
    },
    BioRead {
        bio: u8,
        len: u16,
    },
    /// `BIO_ctrl` with a null pointer.
    BioCtrl {
        bio: u8,
        cmd: u8,
        larg: i64,
    },
    /// `ERR_get_error` until the queue is empty.
    Errors,
    ClearErrors,
    /// A call on an object.
    On {
        ssl: u8,
        call: SslCall<'a>,
    },
    /// A client and a server joined by a BIO pair, ready for a handshake: TLS objects on a
    /// stream pair, or a QUIC client offering "hq" and a listening listener on a datagram
    /// pair, the server's context set up by [`serve`]. Everything made goes to the pools.
    Join {
        quic: bool,
    },
    /// A few rounds of `SSL_handle_events` and `SSL_do_handshake` on every object: what
    /// moves two joined objects through a handshake.
    Pump,
}

/// A call on an object.
#[derive(Arbitrary, Debug)]
enum SslCall<'a> {
    /// `SSL_set_bio` with BIOs of the pool or null.
    SetBio {
        rbio: Option<u8>,
        wbio: Option<u8>,
    },
    /// `SSL_set0_rbio` or `SSL_set0_wbio`.
    Set0Bio {
        bio: Option<u8>,
        write: bool,
    },
    /// `SSL_set1_initial_peer_addr` with 127.0.0.1 and `port`.
    PeerAddr {
        port: u16,
    },
    ConnectState,
    AcceptState,
    Connect,
    Accept,
    Handshake,
    /// `SSL_read`, or `SSL_peek`, into a buffer of `len` bytes.
    Read {
        len: u16,
        peek: bool,
    },
    Write(&'a [u8]),
    WriteEx2 {
        data: &'a [u8],
        flags: u64,
    },
    Pending,
    Shutdown,
    Clear,
    /// `SSL_ctrl` with a null pointer.
    Ctrl {
        cmd: u8,
        larg: i64,
    },
    /// `SSL_set_tlsext_host_name` with the bytes up to the first NUL.
    HostName(&'a [u8]),
    Alpn(Protos<'a>),
    GetError(i32),
    NewStream(u64),
    AcceptStream(u64),
    AcceptConnection(u64),
    Listen,
    Conclude(u64),
    StreamReset(u64),
    HandleEvents,
    Blocking(bool),
    DefaultStreamMode(u32),
    IncomingStreamPolicy {
        policy: i32,
        code: u64,
    },
    /// Every query that only reads: the event timeout, states, IDs, the close information.
    Query,
}

/// An object the harness holds one reference to.
#[derive(Clone, Copy)]
struct Obj {
    ptr: *mut SSL,
    /// Made by `SSL_new` or `SSL_new_listener`: its BIO slots are what `SSL_get_rbio` and
    /// `SSL_get_wbio` report (a stream or accepted connection reports its parent's).
    root: bool,
}

/// What the harness holds, one reference each.
#[derive(Default)]
struct Pools {
    ctxs: Vec<*mut SSL_CTX>,
    ssls: Vec<Obj>,
    bios: Vec<*mut BIO>,
}

/// The element `i` picks from `pool`, modulo its length.
fn pick<T: Copy>(pool: &[T], i: u8) -> Option<T> {
    (!pool.is_empty()).then(|| pool[usize::from(i) % pool.len()])
}

/// Removes the element `i` picks from `pool`.
fn take<T: Copy>(pool: &mut Vec<T>, i: u8) -> Option<T> {
    (!pool.is_empty()).then(|| pool.swap_remove(usize::from(i) % pool.len()))
}

/// Adds `item` to `pool` unless it is `null`; when the pool is full, gives its reference
/// back with `free` instead.
fn keep<T>(pool: &mut Vec<T>, item: T, null: bool, free: impl FnOnce(T)) {
    if null {
        return;
    }
    if pool.len() < POOL {
        pool.push(item);
    } else {
        free(item);
    }
}

/// `SSL_free` of the harness's reference.
fn ssl_free(s: Obj) {
    // SAFETY: the harness's reference to a live object.
    unsafe { SSL_free(s.ptr) }
}

/// `SSL_CTX_free` of the harness's reference.
fn ctx_free(ctx: *mut SSL_CTX) {
    // SAFETY: the harness's reference to a live context.
    unsafe { SSL_CTX_free(ctx) }
}

/// `BIO_free` of the harness's reference.
fn bio_free(b: *mut BIO) {
    // SAFETY: the harness's reference to a live BIO.
    unsafe { BIO_free(b) };
}

/// Gives `bio` (live, or null) `n` more references, for a call to consume.
fn up_ref(bio: *mut BIO, n: usize) {
    for _ in 0..n {
        // SAFETY: a live BIO the harness holds.
        unsafe { BIO_up_ref(bio) };
    }
}

/// The references of the caller's that `SSL_set_bio(s, rbio, wbio)` consumes, for `rbio`
/// and for `wbio` (counted once if they are the same BIO), given the BIOs the object holds
/// now: OpenSSL's rules (`ssl/ssl_lib.c`), which qssl follows.
fn set_bio_consumes(old: (*mut BIO, *mut BIO), rbio: *mut BIO, wbio: *mut BIO) -> (usize, usize) {
    let (old_r, old_w) = old;
    if rbio == old_r && wbio == old_w {
        return (0, 0);
    }
    // Which slots take a reference.
    let (takes_r, takes_w) = if rbio == old_r {
        (false, true)
    } else if wbio == old_w && old_r != old_w {
        (true, false)
    } else {
        (true, true)
    };
    let (r, w) = (
        usize::from(takes_r && !rbio.is_null()),
        usize::from(takes_w && !wbio.is_null()),
    );
    if !rbio.is_null() && rbio == wbio {
        // The object takes one reference of its own for the second slot.
        ((r + w).saturating_sub(1), 0)
    } else {
        (r, w)
    }
}

impl Pools {
    /// Keeps a new object (null: nothing was made).
    fn keep_ssl(&mut self, ptr: *mut SSL, root: bool) {
        keep(&mut self.ssls, Obj { ptr, root }, ptr.is_null(), ssl_free);
    }

    /// Keeps a new BIO (null: nothing was made).
    fn keep_bio(&mut self, bio: *mut BIO) {
        keep(&mut self.bios, bio, bio.is_null(), bio_free);
    }

    /// Makes the call. Every pointer passed is a live object of the pools, a buffer of the
    /// length given, or null.
    fn call(&mut self, call: &Call<'_>) {
        match *call {
            Call::CtxNew {
                method,
                identity: id,
            } => {
                let method = match method {
                    Method::Tls => TLS_method(),
                    Method::TlsClient => TLS_client_method(),
                    Method::TlsServer => TLS_server_method(),
                    Method::QuicClient => OSSL_QUIC_client_method(),
                    Method::QuicServer => OSSL_QUIC_server_method(),
                };
                // SAFETY: a method of the library's.
                let ctx = unsafe { SSL_CTX_new(method) };
                if id && !ctx.is_null() {
                    // SAFETY: a live context.
                    unsafe { serve(ctx) };
                }
                keep(&mut self.ctxs, ctx, ctx.is_null(), ctx_free);
            }
            Call::CtxFree(i) => {
                if let Some(ctx) = take(&mut self.ctxs, i) {
                    ctx_free(ctx);
                }
            }
            Call::CtxCtrl { ctx, cmd, larg } => {
                if let Some(ctx) = pick(&self.ctxs, ctx) {
                    // SAFETY: a live context and a null pointer.
                    unsafe { SSL_CTX_ctrl(ctx, c_int::from(cmd), larg as c_long, null_mut()) };
                }
            }
            Call::CtxAlpn { ctx, ref protos } => {
                if let Some(ctx) = pick(&self.ctxs, ctx) {
                    let wire = protos.wire();
                    // SAFETY: a live context and a buffer of the length given.
                    unsafe { SSL_CTX_set_alpn_protos(ctx, wire.as_ptr(), wire.len() as u32) };
                }
            }
            Call::New(ctx) => {
                if let Some(ctx) = pick(&self.ctxs, ctx) {
                    // SAFETY: a live context.
                    let ssl = unsafe { SSL_new(ctx) };
                    self.keep_ssl(ssl, true);
                }
            }
            Call::NewListener { ctx, flags } => {
                if let Some(ctx) = pick(&self.ctxs, ctx) {
                    // SAFETY: a live context.
                    let ssl = unsafe { SSL_new_listener(ctx, flags) };
                    self.keep_ssl(ssl, true);
                }
            }
            Call::Free(i) => {
                if let Some(s) = take(&mut self.ssls, i) {
                    ssl_free(s);
                }
            }
            Call::BioNew { dgram } => {
                let method = if dgram {
                    BIO_s_dgram_mem()
                } else {
                    BIO_s_mem()
                };
                // SAFETY: a method of the library's.
                let bio = unsafe { BIO_new(method) };
                self.keep_bio(bio);
            }
            Call::BioPair {
                dgram,
                size1,
                size2,
            } => {
                let (mut a, mut b) = (null_mut(), null_mut());
                let (s1, s2) = (usize::from(size1), usize::from(size2));
                // SAFETY: valid out-pointers.
                let ok = unsafe {
                    if dgram {
                        BIO_new_bio_dgram_pair(&mut a, s1, &mut b, s2)
                    } else {
                        BIO_new_bio_pair(&mut a, s1, &mut b, s2)
                    }
                };
                if ok == 1 {
                    self.keep_bio(a);
                    self.keep_bio(b);
                }
            }
            Call::BioFree(i) => {
                if let Some(bio) = take(&mut self.bios, i) {
                    bio_free(bio);
                }
            }
            Call::BioWrite { bio, data } => {
                if let Some(bio) = pick(&self.bios, bio) {
                    let len = c_int::try_from(data.len()).unwrap_or(c_int::MAX);
                    // SAFETY: a live BIO and a buffer of the length given.
                    unsafe { BIO_write(bio, data.as_ptr().cast(), len) };
                }
            }
            Call::BioRead { bio, len } => {
                if let Some(bio) = pick(&self.bios, bio) {
                    let mut buf = vec![0u8; usize::from(len)];
                    // SAFETY: a live BIO and a buffer of the length given.
                    unsafe { BIO_read(bio, buf.as_mut_ptr().cast(), c_int::from(len)) };
                }
            }
            Call::BioCtrl { bio, cmd, larg } => {
                if let Some(bio) = pick(&self.bios, bio) {
                    // SAFETY: a live BIO and a null pointer.
                    unsafe { BIO_ctrl(bio, c_int::from(cmd), larg as c_long, null_mut()) };
                }
            }
            Call::Errors => while ERR_get_error() != 0 {},
            Call::ClearErrors => ERR_clear_error(),
            Call::On { ssl, ref call } => {
                if let Some(s) = pick(&self.ssls, ssl) {
                    self.on(s, call);
                }
            }
            Call::Join { quic } => self.join(quic),
            Call::Pump => {
                for _ in 0..PUMP_ROUNDS {
                    for s in &self.ssls {
                        // SAFETY: live objects.
                        unsafe {
                            SSL_handle_events(s.ptr);
                            SSL_do_handshake(s.ptr);
                        }
                    }
                }
            }
        }
    }

    /// See [`Call::Join`].
    fn join(&mut self, quic: bool) {
        let (client_method, server_method) = if quic {
            (OSSL_QUIC_client_method(), OSSL_QUIC_server_method())
        } else {
            (TLS_client_method(), TLS_server_method())
        };
        let (mut a, mut b) = (null_mut(), null_mut());
        // SAFETY: methods of the library's, objects null (which the calls refuse) or live,
        // valid out-pointers, buffers passed with their lengths; each BIO is given the
        // reference `SSL_set_bio` consumes, the harness keeping its own.
        let (client_ctx, server_ctx, client, server) = unsafe {
            let client_ctx = SSL_CTX_new(client_method);
            let server_ctx = SSL_CTX_new(server_method);
            serve(server_ctx);
            let client = SSL_new(client_ctx);
            let (server, paired) = if quic {
                let listener = SSL_new_listener(server_ctx, 0);
                (listener, BIO_new_bio_dgram_pair(&mut a, 0, &mut b, 0))
            } else {
                (SSL_new(server_ctx), BIO_new_bio_pair(&mut a, 0, &mut b, 0))
            };
            if !client.is_null() && !server.is_null() && paired == 1 {
                for (ssl, bio) in [(client, a), (server, b)] {
                    up_ref(bio, set_bio_consumes((null_mut(), null_mut()), bio, bio).0);
                    SSL_set_bio(ssl, bio, bio);
                }
                if quic {
                    SSL_set_alpn_protos(client, HQ.as_ptr(), HQ.len() as u32);
                    SSL_listen(server);
                } else {
                    SSL_set_connect_state(client);
                    SSL_set_accept_state(server);
                }
            }
            (client_ctx, server_ctx, client, server)
        };
        for ctx in [client_ctx, server_ctx] {
            keep(&mut self.ctxs, ctx, ctx.is_null(), ctx_free);
        }
        for ssl in [client, server] {
            self.keep_ssl(ssl, true);
        }
        for bio in [a, b] {
            self.keep_bio(bio);
        }
    }

    /// Makes `call` on `s`.
    fn on(&mut self, s: Obj, call: &SslCall<'_>) {
        let ssl = s.ptr;
        // SAFETY: `ssl` is a live object of the pool, BIOs are live BIOs of the pool (given
        // the references the call consumes) or null, and every buffer is passed with its
        // length, every out-pointer valid.
        unsafe {
            match *call {
                SslCall::SetBio { rbio, wbio } => {
                    // A stream or accepted connection reports its parent's BIOs, which would
                    // make the reference count below wrong.
                    if !s.root {
                        return;
                    }
                    let (rbio, wbio) = (self.bio(rbio), self.bio(wbio));
                    let old = (SSL_get_rbio(ssl), SSL_get_wbio(ssl));
                    let (r, w) = set_bio_consumes(old, rbio, wbio);
                    up_ref(rbio, r);
                    up_ref(wbio, w);
                    SSL_set_bio(ssl, rbio, wbio);
                }
                SslCall::Set0Bio { bio, write } => {
                    let bio = self.bio(bio);
                    up_ref(bio, usize::from(!bio.is_null()));
                    if write {
                        SSL_set0_wbio(ssl, bio);
                    } else {
                        SSL_set0_rbio(ssl, bio);
                    }
                }
                SslCall::PeerAddr { port } => set_peer_addr(ssl, port),
                SslCall::ConnectState => SSL_set_connect_state(ssl),
                SslCall::AcceptState => SSL_set_accept_state(ssl),
                SslCall::Connect => {
                    SSL_connect(ssl);
                }
                SslCall::Accept => {
                    SSL_accept(ssl);
                }
                SslCall::Handshake => {
                    SSL_do_handshake(ssl);
                }
                SslCall::Read { len, peek } => {
                    let mut buf = vec![0u8; usize::from(len)];
                    let (ptr, len) = (buf.as_mut_ptr().cast::<c_void>(), c_int::from(len));
                    if peek {
                        SSL_peek(ssl, ptr, len);
                    } else {
                        SSL_read(ssl, ptr, len);
                    }
                }
                SslCall::Write(data) => {
                    let len = c_int::try_from(data.len()).unwrap_or(c_int::MAX);
                    SSL_write(ssl, data.as_ptr().cast(), len);
                }
                SslCall::WriteEx2 { data, flags } => {
                    let mut written = 0;
                    SSL_write_ex2(ssl, data.as_ptr().cast(), data.len(), flags, &mut written);
                }
                SslCall::Pending => {
                    SSL_pending(ssl);
                }
                SslCall::Shutdown => {
                    SSL_shutdown(ssl);
                }
                SslCall::Clear => {
                    SSL_clear(ssl);
                }
                SslCall::Ctrl { cmd, larg } => {
                    SSL_ctrl(ssl, c_int::from(cmd), larg as c_long, null_mut());
                }
                SslCall::HostName(name) => {
                    let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
                    let name = CString::new(&name[..end]).expect("no NUL inside");
                    let larg = c_long::from(TLSEXT_NAMETYPE_host_name);
                    let parg = name.as_ptr().cast_mut().cast();
                    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, larg, parg);
                }
                SslCall::Alpn(ref protos) => {
                    let wire = protos.wire();
                    SSL_set_alpn_protos(ssl, wire.as_ptr(), wire.len() as u32);
                }
                SslCall::GetError(ret) => {
                    SSL_get_error(ssl, ret);
                }
                SslCall::NewStream(flags) => self.keep_ssl(SSL_new_stream(ssl, flags), false),
                SslCall::AcceptStream(flags) => self.keep_ssl(SSL_accept_stream(ssl, flags), false),
                SslCall::AcceptConnection(flags) => {
                    self.keep_ssl(SSL_accept_connection(ssl, flags), false)
                }
                SslCall::Listen => {
                    SSL_listen(ssl);
                }
                SslCall::Conclude(flags) => {
                    SSL_stream_conclude(ssl, flags);
                }
                SslCall::StreamReset(code) => {
                    let args = SSL_STREAM_RESET_ARGS {
                        quic_error_code: code,
                    };
                    SSL_stream_reset(ssl, &args, size_of::<SSL_STREAM_RESET_ARGS>());
                }
                SslCall::HandleEvents => {
                    SSL_handle_events(ssl);
                }
                SslCall::Blocking(on) => {
                    SSL_set_blocking_mode(ssl, c_int::from(on));
                }
                SslCall::DefaultStreamMode(mode) => {
                    SSL_set_default_stream_mode(ssl, mode);
                }
                SslCall::IncomingStreamPolicy { policy, code } => {
                    SSL_set_incoming_stream_policy(ssl, policy, code);
                }
                SslCall::Query => query(ssl),
            }
        }
    }

    /// The BIO `i` picks, or null.
    fn bio(&self, i: Option<u8>) -> *mut BIO {
        i.and_then(|i| pick(&self.bios, i)).unwrap_or(null_mut())
    }
}

/// Gives `ctx` what a server needs: the certificate chain and key files, and an ALPN select
/// callback that chooses "hq".
///
/// # Safety
/// `ctx` must be null or a live context.
unsafe fn serve(ctx: *mut SSL_CTX) {
    let id = identity();
    // SAFETY: null or a live context, NUL-terminated paths, a callback that needs no
    // argument.
    unsafe {
        SSL_CTX_use_certificate_chain_file(ctx, id.cert.as_ptr());
        SSL_CTX_use_PrivateKey_file(ctx, id.key.as_ptr(), PEM);
        SSL_CTX_set_alpn_select_cb(ctx, Some(select_hq), null_mut());
    }
}

/// The ALPN select callback of [`serve`]: "hq" if the client offers it
/// (`SSL_select_next_proto`), else a fatal alert.
unsafe extern "C" fn select_hq(
    _ssl: *mut SSL,
    out: *mut *const c_uchar,
    out_len: *mut c_uchar,
    offer: *const c_uchar,
    offer_len: c_uint,
    _arg: *mut c_void,
) -> c_int {
    // SAFETY: the library passes valid out-pointers and an offer of the length given.
    let chosen = unsafe {
        SSL_select_next_proto(
            out.cast(),
            out_len,
            HQ.as_ptr(),
            HQ.len() as c_uint,
            offer,
            offer_len,
        )
    };
    if chosen.0 == OPENSSL_NPN_NEGOTIATED {
        SSL_TLSEXT_ERR_OK
    } else {
        SSL_TLSEXT_ERR_ALERT_FATAL
    }
}

/// `SSL_set1_initial_peer_addr` with 127.0.0.1 and `port`.
///
/// # Safety
/// `ssl` must be a live object.
unsafe fn set_peer_addr(ssl: *mut SSL, port: u16) {
    let host = [127u8, 0, 0, 1];
    // SAFETY: a new address, filled from a buffer of the length given, copied by the live
    // object and freed.
    unsafe {
        let addr = BIO_ADDR_new();
        BIO_ADDR_rawmake(
            addr,
            AF_INET,
            host.as_ptr().cast(),
            host.len(),
            port.to_be(),
        );
        SSL_set1_initial_peer_addr(ssl, addr);
        BIO_ADDR_free(addr);
    }
}

/// The calls that only read an object's state.
fn query(s: *mut SSL) {
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let mut infinite = 0;
    let mut info = SSL_CONN_CLOSE_INFO {
        error_code: 0,
        frame_type: 0,
        reason: null(),
        reason_len: 0,
        flags: 0,
    };
    // SAFETY: a live object and valid out-pointers; the version is a static string.
    unsafe {
        SSL_get_event_timeout(s, &mut tv, &mut infinite);
        SSL_get_stream_id(s);
        SSL_get_stream_read_state(s);
        SSL_get_stream_write_state(s);
        SSL_get0_connection(s);
        SSL_get_shutdown(s);
        SSL_is_init_finished(s);
        SSL_get_version(s);
        SSL_get_conn_close_info(s, &mut info, size_of::<SSL_CONN_CLOSE_INFO>());
    }
}

impl Drop for Pools {
    /// Gives every reference back, objects first.
    fn drop(&mut self) {
        self.ssls.drain(..).for_each(ssl_free);
        self.bios.drain(..).for_each(bio_free);
        self.ctxs.drain(..).for_each(ctx_free);
    }
}

fuzz_target!(|calls: Vec<Call<'_>>| {
    let mut pools = Pools::default();
    for call in &calls {
        pools.call(call);
    }
    drop(pools);
    ERR_clear_error();
});
