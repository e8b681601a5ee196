//! Configuration commands (`SSL_CONF_CTX`, `SSL_CONF_cmd`): settings given as name and value
//! (from a configuration file, `SSL_CONF_FLAG_FILE`, or a command line,
//! `SSL_CONF_FLAG_CMDLINE`) applied to a context, as nginx's `ssl_conf_command` gives them.
//!
//! The commands qssl takes: `Options` (OpenSSL's option names, `-` to clear), `MinProtocol`
//! and `MaxProtocol`, `CipherString`, `Ciphersuites`, `Groups` and `Curves`, `VerifyMode`,
//! and with `SSL_CONF_FLAG_CERTIFICATE` `Certificate`, `PrivateKey`, `VerifyCAFile`,
//! `VerifyCAPath` and `ClientCAFile`/`RequestCAFile` (the names, set at `SSL_CONF_CTX_finish`,
//! are sent when the context has no client CA list, as OpenSSL's CA names are); on the command line also the switches `-no_ticket`,
//! `-serverpref`, `-no_renegotiation`, `-prioritize_chacha`, `-no_middlebox`, `-comp` and
//! `-no_comp`. The commands OpenSSL has for what rustls cannot do (signature algorithm lists,
//! DH and ECDH parameters, chain and request stores, server info, record padding, ticket
//! counts, the old `Protocol` list) fail with `ERR_R_UNSUPPORTED`; other names are unknown
//! (-2). Commands apply to a context (`SSL_CONF_CTX_set_ssl_ctx`); on an object only
//! `Options` and the switches are taken.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_uint};
use std::sync::{Mutex, MutexGuard, PoisonError};

use qssl::ctx::FileType;
use qssl::error::{ERR_LIB_SSL, SslError, ssl_r};

use crate::ctx::SSL_CTX;
use crate::entry::{arg, entry, param};
use crate::ffi::{obj, text};
use crate::ssl::SSL;
use crate::stack::{
    OPENSSL_STACK, OPENSSL_sk_new_null, OPENSSL_sk_num, OPENSSL_sk_push, OPENSSL_sk_shift,
};

/// `SSL_CONF_FLAG_CMDLINE`.
const FLAG_CMDLINE: c_uint = 0x1;
/// `SSL_CONF_FLAG_FILE`.
const FLAG_FILE: c_uint = 0x2;
/// `SSL_CONF_FLAG_CLIENT`.
const FLAG_CLIENT: c_uint = 0x4;
/// `SSL_CONF_FLAG_SERVER`.
const FLAG_SERVER: c_uint = 0x8;
/// `SSL_CONF_FLAG_SHOW_ERRORS`.
const FLAG_SHOW_ERRORS: c_uint = 0x10;
/// `SSL_CONF_FLAG_CERTIFICATE`.
const FLAG_CERTIFICATE: c_uint = 0x20;
/// `SSL_CONF_FLAG_REQUIRE_PRIVATE`.
const FLAG_REQUIRE_PRIVATE: c_uint = 0x40;

/// `SSL_CONF_TYPE_UNKNOWN`.
const TYPE_UNKNOWN: c_int = 0;
/// `SSL_CONF_TYPE_STRING`.
const TYPE_STRING: c_int = 1;
/// `SSL_CONF_TYPE_FILE`.
const TYPE_FILE: c_int = 2;
/// `SSL_CONF_TYPE_DIR`.
const TYPE_DIR: c_int = 3;
/// `SSL_CONF_TYPE_NONE`.
const TYPE_NONE: c_int = 4;
/// `SSL_CONF_TYPE_STORE`.
const TYPE_STORE: c_int = 5;

/// What a command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Options,
    MinProtocol,
    MaxProtocol,
    CipherString,
    Ciphersuites,
    Groups,
    VerifyMode,
    Certificate,
    PrivateKey,
    VerifyCaFile,
    VerifyCaPath,
    ClientCaFile,
    /// A switch setting (`true`) or clearing `SSL_OP_*` bits.
    Switch(u64, bool),
    /// A command OpenSSL has for what rustls cannot do.
    Unsupported,
}

/// A command: its configuration-file name, its command-line name, the flags it needs
/// (`SSL_CONF_FLAG_SERVER`, `_CLIENT`, `_CERTIFICATE`), its value type and what it does.
struct Command {
    file: Option<&'static str>,
    cmdline: Option<&'static str>,
    needs: c_uint,
    value_type: c_int,
    action: Action,
}

/// One command of the table.
const fn cmd(
    file: Option<&'static str>,
    cmdline: Option<&'static str>,
    needs: c_uint,
    value_type: c_int,
    action: Action,
) -> Command {
    Command {
        file,
        cmdline,
        needs,
        value_type,
        action,
    }
}

/// `SSL_OP_NO_TICKET`.
const OP_NO_TICKET: u64 = 1 << 14;
/// `SSL_OP_NO_COMPRESSION`.
const OP_NO_COMPRESSION: u64 = 1 << 17;
/// `SSL_OP_ENABLE_MIDDLEBOX_COMPAT`.
const OP_ENABLE_MIDDLEBOX_COMPAT: u64 = 1 << 20;
/// `SSL_OP_PRIORITIZE_CHACHA`.
const OP_PRIORITIZE_CHACHA: u64 = 1 << 21;
/// `SSL_OP_CIPHER_SERVER_PREFERENCE`.
const OP_CIPHER_SERVER_PREFERENCE: u64 = 1 << 22;
/// `SSL_OP_NO_RENEGOTIATION`.
const OP_NO_RENEGOTIATION: u64 = 1 << 30;

/// The commands qssl knows.
const COMMANDS: &[Command] = &[
    cmd(Some("Options"), None, 0, TYPE_STRING, Action::Options),
    cmd(
        Some("MinProtocol"),
        Some("min_protocol"),
        0,
        TYPE_STRING,
        Action::MinProtocol,
    ),
    cmd(
        Some("MaxProtocol"),
        Some("max_protocol"),
        0,
        TYPE_STRING,
        Action::MaxProtocol,
    ),
    cmd(
        Some("CipherString"),
        Some("cipher"),
        0,
        TYPE_STRING,
        Action::CipherString,
    ),
    cmd(
        Some("Ciphersuites"),
        Some("ciphersuites"),
        0,
        TYPE_STRING,
        Action::Ciphersuites,
    ),
    cmd(
        Some("Groups"),
        Some("groups"),
        0,
        TYPE_STRING,
        Action::Groups,
    ),
    cmd(
        Some("Curves"),
        Some("curves"),
        0,
        TYPE_STRING,
        Action::Groups,
    ),
    cmd(Some("VerifyMode"), None, 0, TYPE_STRING, Action::VerifyMode),
    cmd(
        Some("Certificate"),
        Some("cert"),
        FLAG_CERTIFICATE,
        TYPE_FILE,
        Action::Certificate,
    ),
    cmd(
        Some("PrivateKey"),
        Some("key"),
        FLAG_CERTIFICATE,
        TYPE_FILE,
        Action::PrivateKey,
    ),
    cmd(
        Some("VerifyCAFile"),
        Some("verifyCAfile"),
        FLAG_CERTIFICATE,
        TYPE_FILE,
        Action::VerifyCaFile,
    ),
    cmd(
        Some("VerifyCAPath"),
        Some("verifyCApath"),
        FLAG_CERTIFICATE,
        TYPE_DIR,
        Action::VerifyCaPath,
    ),
    cmd(
        Some("ClientCAFile"),
        None,
        FLAG_CERTIFICATE | FLAG_SERVER,
        TYPE_FILE,
        Action::ClientCaFile,
    ),
    cmd(
        Some("RequestCAFile"),
        Some("requestCAFile"),
        FLAG_CERTIFICATE,
        TYPE_FILE,
        Action::ClientCaFile,
    ),
    cmd(
        None,
        Some("no_ticket"),
        0,
        TYPE_NONE,
        Action::Switch(OP_NO_TICKET, true),
    ),
    cmd(
        None,
        Some("serverpref"),
        FLAG_SERVER,
        TYPE_NONE,
        Action::Switch(OP_CIPHER_SERVER_PREFERENCE, true),
    ),
    cmd(
        None,
        Some("no_renegotiation"),
        0,
        TYPE_NONE,
        Action::Switch(OP_NO_RENEGOTIATION, true),
    ),
    cmd(
        None,
        Some("prioritize_chacha"),
        FLAG_SERVER,
        TYPE_NONE,
        Action::Switch(OP_PRIORITIZE_CHACHA, true),
    ),
    cmd(
        None,
        Some("no_middlebox"),
        0,
        TYPE_NONE,
        Action::Switch(OP_ENABLE_MIDDLEBOX_COMPAT, false),
    ),
    cmd(
        None,
        Some("no_comp"),
        0,
        TYPE_NONE,
        Action::Switch(OP_NO_COMPRESSION, true),
    ),
    cmd(
        None,
        Some("comp"),
        0,
        TYPE_NONE,
        Action::Switch(OP_NO_COMPRESSION, false),
    ),
    cmd(
        Some("SignatureAlgorithms"),
        Some("sigalgs"),
        0,
        TYPE_STRING,
        Action::Unsupported,
    ),
    cmd(
        Some("ClientSignatureAlgorithms"),
        Some("client_sigalgs"),
        0,
        TYPE_STRING,
        Action::Unsupported,
    ),
    cmd(
        Some("ECDHParameters"),
        Some("named_curve"),
        FLAG_SERVER,
        TYPE_STRING,
        Action::Unsupported,
    ),
    cmd(Some("Protocol"), None, 0, TYPE_STRING, Action::Unsupported),
    cmd(
        Some("ServerInfoFile"),
        None,
        FLAG_CERTIFICATE | FLAG_SERVER,
        TYPE_FILE,
        Action::Unsupported,
    ),
    cmd(
        Some("ChainCAPath"),
        Some("chainCApath"),
        FLAG_CERTIFICATE,
        TYPE_DIR,
        Action::Unsupported,
    ),
    cmd(
        Some("ChainCAFile"),
        Some("chainCAfile"),
        FLAG_CERTIFICATE,
        TYPE_FILE,
        Action::Unsupported,
    ),
    cmd(
        Some("ChainCAStore"),
        Some("chainCAstore"),
        FLAG_CERTIFICATE,
        TYPE_STORE,
        Action::Unsupported,
    ),
    cmd(
        Some("VerifyCAStore"),
        Some("verifyCAstore"),
        FLAG_CERTIFICATE,
        TYPE_STORE,
        Action::Unsupported,
    ),
    cmd(
        Some("RequestCAStore"),
        Some("requestCAStore"),
        FLAG_CERTIFICATE,
        TYPE_STORE,
        Action::Unsupported,
    ),
    cmd(
        Some("RequestCAPath"),
        None,
        FLAG_CERTIFICATE,
        TYPE_DIR,
        Action::Unsupported,
    ),
    cmd(
        Some("ClientCAPath"),
        None,
        FLAG_CERTIFICATE | FLAG_SERVER,
        TYPE_DIR,
        Action::Unsupported,
    ),
    cmd(
        Some("ClientCAStore"),
        None,
        FLAG_CERTIFICATE | FLAG_SERVER,
        TYPE_STORE,
        Action::Unsupported,
    ),
    cmd(
        Some("DHParameters"),
        Some("dhparam"),
        FLAG_CERTIFICATE | FLAG_SERVER,
        TYPE_FILE,
        Action::Unsupported,
    ),
    cmd(
        Some("RecordPadding"),
        Some("record_padding"),
        0,
        TYPE_STRING,
        Action::Unsupported,
    ),
    cmd(
        Some("NumTickets"),
        Some("num_tickets"),
        FLAG_SERVER,
        TYPE_STRING,
        Action::Unsupported,
    ),
];

/// OpenSSL's option names for `Options`: the name, the bits, and whether the name turns
/// the bits off (`SessionTicket` is `SSL_OP_NO_TICKET` cleared).
const OPTION_NAMES: &[(&str, u64, bool)] = &[
    ("SessionTicket", OP_NO_TICKET, true),
    ("EmptyFragments", 1 << 11, true),
    ("Bugs", 0x8000_0850, false),
    ("Compression", OP_NO_COMPRESSION, true),
    ("ServerPreference", OP_CIPHER_SERVER_PREFERENCE, false),
    ("NoResumptionOnRenegotiation", 1 << 16, false),
    ("DHSingle", 0, false),
    ("ECDHSingle", 0, false),
    ("UnsafeLegacyRenegotiation", 1 << 18, false),
    ("UnsafeLegacyServerConnect", 1 << 2, false),
    ("ClientRenegotiation", 1 << 8, false),
    ("EncryptThenMac", 1 << 19, true),
    ("NoRenegotiation", OP_NO_RENEGOTIATION, false),
    ("AllowNoDHEKEX", 1 << 10, false),
    ("PreferNoDHEKEX", 1 << 36, false),
    ("PrioritizeChaCha", OP_PRIORITIZE_CHACHA, false),
    ("MiddleboxCompat", OP_ENABLE_MIDDLEBOX_COMPAT, false),
    ("AntiReplay", 1 << 24, true),
    ("ExtendedMasterSecret", 1 << 0, true),
    ("CANames", 1 << 9, true),
    ("KTLS", 1 << 3, false),
    ("TxCertificateCompression", 1 << 32, true),
    ("RxCertificateCompression", 1 << 33, true),
    ("KTLSTxZerocopySendfile", 1 << 34, false),
    ("IgnoreUnexpectedEOF", 1 << 7, false),
];

/// The protocol version names `MinProtocol` and `MaxProtocol` take.
const VERSIONS: &[(&str, i32)] = &[
    ("None", 0),
    ("SSLv3", 0x0300),
    ("TLSv1", 0x0301),
    ("TLSv1.1", 0x0302),
    ("TLSv1.2", 0x0303),
    ("TLSv1.3", 0x0304),
];

/// What a configuration context holds.
#[derive(Debug)]
struct Conf {
    flags: c_uint,
    prefix: Option<String>,
    ctx: *mut SSL_CTX,
    ssl: *mut SSL,
    /// The certificate files given, for `SSL_CONF_FLAG_REQUIRE_PRIVATE`.
    cert_files: Vec<String>,
    /// Whether a private key was loaded.
    key_loaded: bool,
    /// `ClientCAFile`'s names, for the context's client CA list at finish.
    ca_names: *mut OPENSSL_STACK,
}

/// `SSL_CONF_CTX`.
#[derive(Debug)]
pub struct SSL_CONF_CTX(Mutex<Conf>);

// SAFETY: the context and object pointers are the application's, used as OpenSSL uses them
// (the application keeps them alive while it configures them); all access is under the lock.
unsafe impl Send for SSL_CONF_CTX {}
// SAFETY: as above.
unsafe impl Sync for SSL_CONF_CTX {}

impl SSL_CONF_CTX {
    fn lock(&self) -> MutexGuard<'_, Conf> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Conf {
    fn drop(&mut self) {
        // SAFETY: the names collected here, owned.
        unsafe { crate::ca_list::free_names(self.ca_names) };
    }
}

/// `SSL_CONF_CTX_new`.
#[entry]
pub extern "C" fn SSL_CONF_CTX_new() -> *mut SSL_CONF_CTX {
    Box::into_raw(Box::new(SSL_CONF_CTX(Mutex::new(Conf {
        flags: 0,
        prefix: None,
        ctx: std::ptr::null_mut(),
        ssl: std::ptr::null_mut(),
        cert_files: Vec::new(),
        key_loaded: false,
        ca_names: std::ptr::null_mut(),
    }))))
}

/// `SSL_CONF_CTX_free` (null is ignored).
///
/// # Safety
/// `cctx` must be null or a live configuration context, not used afterwards.
#[entry]
pub unsafe extern "C" fn SSL_CONF_CTX_free(cctx: *mut SSL_CONF_CTX) {
    if !cctx.is_null() {
        // SAFETY: a Box-made context the caller gives up, per the contract.
        drop(unsafe { Box::from_raw(cctx) });
    }
}

/// `SSL_CONF_CTX_set_flags`: adds `SSL_CONF_FLAG_*` bits; returns the new flags.
///
/// # Safety
/// `cctx` must be null or a live configuration context.
#[entry]
pub unsafe extern "C" fn SSL_CONF_CTX_set_flags(cctx: *mut SSL_CONF_CTX, flags: c_uint) -> c_uint {
    let c = arg!(obj(cctx));
    let mut conf = c.lock();
    conf.flags |= flags;
    conf.flags
}

/// `SSL_CONF_CTX_clear_flags`: removes bits; returns the new flags.
///
/// # Safety
/// `cctx` must be null or a live configuration context.
#[entry]
pub unsafe extern "C" fn SSL_CONF_CTX_clear_flags(
    cctx: *mut SSL_CONF_CTX,
    flags: c_uint,
) -> c_uint {
    let c = arg!(obj(cctx));
    let mut conf = c.lock();
    conf.flags &= !flags;
    conf.flags
}

/// `SSL_CONF_CTX_set1_prefix`: the prefix command names carry (null: none); 1.
///
/// # Safety
/// `cctx` must be null or a live configuration context; `pre` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn SSL_CONF_CTX_set1_prefix(
    cctx: *mut SSL_CONF_CTX,
    pre: *const c_char,
) -> c_int {
    let c = arg!(obj(cctx));
    c.lock().prefix = param!(text(pre)).map(|p| p.into_owned());
    1
}

/// `SSL_CONF_CTX_set_ssl_ctx`: the context commands apply to (and no object).
///
/// # Safety
/// `cctx` must be null or a live configuration context; `ctx` null or a context that stays
/// alive while commands are applied.
#[entry]
pub unsafe extern "C" fn SSL_CONF_CTX_set_ssl_ctx(cctx: *mut SSL_CONF_CTX, ctx: *mut SSL_CTX) {
    let c = arg!(obj(cctx));
    let mut conf = c.lock();
    conf.ctx = ctx;
    conf.ssl = std::ptr::null_mut();
}

/// `SSL_CONF_CTX_set_ssl`: the object commands apply to (and no context).
///
/// # Safety
/// `cctx` must be null or a live configuration context; `ssl` null or an object that stays
/// alive while commands are applied.
#[entry]
pub unsafe extern "C" fn SSL_CONF_CTX_set_ssl(cctx: *mut SSL_CONF_CTX, ssl: *mut SSL) {
    let c = arg!(obj(cctx));
    let mut conf = c.lock();
    conf.ssl = ssl;
    conf.ctx = std::ptr::null_mut();
}

/// The command `name` stands for under `conf`'s flags (prefix removed), if any.
fn lookup(conf: &Conf, name: &str) -> Option<(&'static Command, String)> {
    let name = match (&conf.prefix, conf.flags & FLAG_CMDLINE != 0) {
        (Some(p), _) if name.len() > p.len() => {
            let (head, rest) = name.split_at(p.len());
            let matches = if conf.flags & FLAG_FILE != 0 {
                head.eq_ignore_ascii_case(p)
            } else {
                head == p
            };
            matches.then_some(rest)?
        }
        (Some(_), _) => return None,
        (None, true) => name.strip_prefix('-').filter(|n| !n.is_empty())?,
        (None, false) => name,
    };
    let found = COMMANDS.iter().find(|c| {
        let allowed = c.needs & !conf.flags & (FLAG_SERVER | FLAG_CLIENT | FLAG_CERTIFICATE) == 0;
        let by_cmdline = conf.flags & FLAG_CMDLINE != 0 && c.cmdline == Some(name);
        let by_file =
            conf.flags & FLAG_FILE != 0 && c.file.is_some_and(|f| f.eq_ignore_ascii_case(name));
        allowed && (by_cmdline || by_file)
    })?;
    Some((found, name.to_owned()))
}

/// `SSL_OP_*` bits to set and to clear from an `Options` or `VerifyMode` style list.
fn option_bits(value: &str) -> Option<(u64, u64)> {
    let (mut set, mut clear) = (0u64, 0u64);
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (off, name) = match item.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, item.strip_prefix('+').unwrap_or(item)),
        };
        let &(_, bits, inverted) = OPTION_NAMES
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))?;
        if off != inverted {
            clear |= bits;
        } else {
            set |= bits;
        }
    }
    Some((set, clear))
}

/// `SSL_VERIFY_*` bits of a `VerifyMode` list (`Peer` for clients; `Request`, `Require`,
/// `Once` for servers).
fn verify_bits(value: &str, server: bool) -> Option<c_int> {
    let mut mode = 0;
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        mode |= match (item, server) {
            ("Peer", false) => 0x01,
            ("Request", true) => 0x01,
            ("Require", true) => 0x03,
            ("Once", true) => 0x05,
            _ => return None,
        };
    }
    Some(mode)
}

/// Applies a command with a value to `conf`'s context or object: `Ok(true)` done,
/// `Ok(false)` a bad value (or a failure, its reason on the queue).
fn apply(conf: &mut Conf, action: Action, value: &str) -> Result<bool, ()> {
    // SAFETY: the application's context and object, alive while it configures them.
    let (ctx, ssl) = unsafe { (conf.ctx.as_ref(), conf.ssl.as_ref()) };
    if action == Action::Unsupported {
        crate::unsupported::raise("this configuration command");
        return Err(());
    }
    if let (Action::Options, Some(s)) = (action, ssl) {
        let Some((set, clear)) = option_bits(value) else {
            return Ok(false);
        };
        crate::lifecycle::change_options(s, clear, set);
        return Ok(true);
    }
    let Some(ctx) = ctx else {
        if ssl.is_some() {
            crate::unsupported::raise("configuration commands on objects (configure the context)");
        }
        return Err(());
    };
    let done = match action {
        Action::Options => match option_bits(value) {
            Some((set, clear)) => {
                let mut c = ctx.lock();
                c.clear_options(clear);
                c.set_options(set);
                true
            }
            None => false,
        },
        Action::MinProtocol | Action::MaxProtocol => {
            let Some(&(_, version)) = VERSIONS.iter().find(|(n, _)| n.eq_ignore_ascii_case(value))
            else {
                return Ok(false);
            };
            let mut c = ctx.lock();
            if action == Action::MinProtocol {
                c.set_min_proto_version(version).is_ok()
            } else {
                c.set_max_proto_version(version).is_ok()
            }
        }
        Action::CipherString => ctx.lock().set_cipher_list(value).is_ok(),
        Action::Ciphersuites => ctx.lock().set_ciphersuites(value).is_ok(),
        Action::Groups => ctx.lock().set_groups_list(value),
        Action::VerifyMode => match verify_bits(value, conf.flags & FLAG_SERVER != 0) {
            Some(mode) => {
                // As OpenSSL, the verify callback is cleared.
                // SAFETY: a live context.
                unsafe { crate::verify::SSL_CTX_set_verify(conf.ctx, mode, None) };
                true
            }
            None => false,
        },
        Action::Certificate => {
            conf.cert_files.push(value.to_owned());
            ctx.lock().use_certificate_chain_file(value).is_ok()
        }
        Action::PrivateKey => {
            let loaded = ctx
                .lock()
                .use_private_key_file(value, FileType::Pem)
                .is_ok();
            conf.key_loaded |= loaded;
            loaded
        }
        Action::VerifyCaFile => ctx
            .lock()
            .load_verify_locations(Some(std::path::Path::new(value)), None)
            .is_ok(),
        Action::VerifyCaPath => ctx
            .lock()
            .load_verify_locations(None, Some(std::path::Path::new(value)))
            .is_ok(),
        Action::ClientCaFile => {
            let path = std::ffi::CString::new(value).map_err(|_| ())?;
            // SAFETY: a NUL-terminated path.
            let names = unsafe { crate::ca_list::SSL_load_client_CA_file(path.as_ptr()) };
            if names.is_null() {
                return Ok(false);
            }
            if conf.ca_names.is_null() {
                conf.ca_names = OPENSSL_sk_new_null();
            }
            // SAFETY: live stacks; the names move from `names` to the collected list.
            unsafe {
                while OPENSSL_sk_num(names).0 > 0 {
                    OPENSSL_sk_push(conf.ca_names, OPENSSL_sk_shift(names));
                }
                crate::stack::OPENSSL_sk_free(names);
            }
            true
        }
        Action::Switch(..) | Action::Unsupported => unreachable!("handled before"),
    };
    Ok(done)
}

/// `SSL_CONF_cmd`: applies the command `cmd` with `value`: 2 when a command with a value was
/// applied, 1 for a switch, 0 on failure (with `SSL_CONF_FLAG_SHOW_ERRORS`,
/// `SSL_R_BAD_VALUE` naming the command and value), -2 for an unknown command (with
/// `SSL_CONF_FLAG_SHOW_ERRORS`, `SSL_R_UNKNOWN_CMD_NAME`), -3 for a missing value. A null
/// name is `SSL_R_INVALID_NULL_CMD_NAME`.
///
/// # Safety
/// `cctx` must be null or a live configuration context; `cmd` and `value` null or
/// NUL-terminated.
#[entry]
pub unsafe extern "C" fn SSL_CONF_cmd(
    cctx: *mut SSL_CONF_CTX,
    cmd: *const c_char,
    value: *const c_char,
) -> c_int {
    let c = arg!(obj(cctx));
    let Some(name) = param!(text(cmd)) else {
        SslError::ssl(ssl_r::INVALID_NULL_CMD_NAME).raise();
        return 0;
    };
    let value = param!(text(value));
    let mut conf = c.lock();
    let show = conf.flags & FLAG_SHOW_ERRORS != 0;
    let Some((command, bare)) = lookup(&conf, &name) else {
        if show {
            SslError::new(ERR_LIB_SSL, ssl_r::UNKNOWN_CMD_NAME)
                .with_data(format!("cmd={name}"))
                .raise();
        }
        return -2;
    };
    if let Action::Switch(bits, on) = command.action {
        // SAFETY: the application's context and object, alive while it configures them.
        match unsafe { (conf.ctx.as_ref(), conf.ssl.as_ref()) } {
            (Some(ctx), _) => {
                let mut cx = ctx.lock();
                if on {
                    cx.set_options(bits)
                } else {
                    cx.clear_options(bits)
                };
            }
            (None, Some(s)) => {
                let (set, clear) = if on { (bits, 0) } else { (0, bits) };
                crate::lifecycle::change_options(s, clear, set);
            }
            (None, None) => {}
        }
        return 1;
    }
    let Some(value) = value else {
        if show {
            SslError::new(ERR_LIB_SSL, ssl_r::BAD_VALUE)
                .with_data(format!("cmd={bare}, value=<EMPTY>"))
                .raise();
        }
        return -3;
    };
    match apply(&mut conf, command.action, &value) {
        Ok(true) => 2,
        outcome => {
            if show && outcome.is_ok() {
                SslError::new(ERR_LIB_SSL, ssl_r::BAD_VALUE)
                    .with_data(format!("cmd={bare}, value={value}"))
                    .raise();
            }
            0
        }
    }
}

/// `SSL_CONF_cmd_value_type`: what the command takes (`SSL_CONF_TYPE_STRING`, `_FILE`,
/// `_DIR`, `_NONE` for a switch, `_STORE`), or `SSL_CONF_TYPE_UNKNOWN`.
///
/// # Safety
/// `cctx` must be null or a live configuration context; `cmd` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn SSL_CONF_cmd_value_type(
    cctx: *mut SSL_CONF_CTX,
    cmd: *const c_char,
) -> c_int {
    let c = arg!(obj(cctx));
    let Some(name) = param!(text(cmd)) else {
        return TYPE_UNKNOWN;
    };
    lookup(&c.lock(), &name).map_or(TYPE_UNKNOWN, |(command, _)| command.value_type)
}

/// `SSL_CONF_CTX_finish`: with `SSL_CONF_FLAG_REQUIRE_PRIVATE`, loads the private key from
/// the certificate files if none was given (0 if that fails); gives the context the
/// `ClientCAFile` names (sent when it has no client CA list). 1.
///
/// # Safety
/// `cctx` must be null or a live configuration context.
#[entry]
pub unsafe extern "C" fn SSL_CONF_CTX_finish(cctx: *mut SSL_CONF_CTX) -> c_int {
    let c = arg!(obj(cctx));
    let mut conf = c.lock();
    // SAFETY: the application's context, alive while it configures it.
    let ctx = unsafe { conf.ctx.as_ref() };
    if let Some(ctx) = ctx
        && conf.flags & FLAG_REQUIRE_PRIVATE != 0
        && !conf.key_loaded
    {
        for file in conf.cert_files.clone() {
            if ctx
                .lock()
                .use_private_key_file(&file, FileType::Pem)
                .is_err()
            {
                return 0;
            }
        }
    }
    let names = std::mem::replace(&mut conf.ca_names, std::ptr::null_mut());
    if !names.is_null() {
        match ctx {
            // SAFETY: the names are handed over.
            Some(ctx) => unsafe { ctx.set0_ca_names(names) },
            // SAFETY: owned names, given up.
            None => unsafe { crate::ca_list::free_names(names) },
        }
    }
    1
}
