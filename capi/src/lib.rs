//! qssl's C ABI: OpenSSL's function names, constants and struct layouts over the `qssl`
//! crate, built as `libssl.so`/`libssl.a` (with `libcrypto` referring to it, so one Rust
//! runtime and one set of objects serve both names) and declared in `include/openssl/`.
//!
//! Every exported function is defined with `#[entry]` ([`entry`]), so its body runs inside
//! [`entry::run`]: a panic never unwinds into C, it becomes `ERR_R_INTERNAL_ERROR` on the
//! error queue and the failure value of the function's return type ([`entry::CReturn`]).
//! Pointers from C are checked for null before use; each `unsafe` block says why it is sound.
//!
//! - [`abi`]: OpenSSL's constants and `repr(C)` structures, with their layouts checked.
//! - [`entry`]: how a C call enters the library, and what each return type fails with.
//! - [`addr`]: addresses, lookups and raw sockets (`BIO_ADDR*`, `BIO_lookup_ex`, `BIO_socket`).
//! - [`err`]: the error queue (`ERR_*`).
//! - [`lhash`]: the hash table behind the typed `lh_TYPE_*` wrappers (`OPENSSL_LH_*`).
//! - [`crypto`]: memory and version functions (`CRYPTO_*`, `OpenSSL_version`).
//! - [`ctx`]: methods and contexts (`SSL_METHOD`, `SSL_CTX_*`).
//! - [`bio`]: BIO objects, one module per kind (datagram, datagram pair and memory, socket,
//!   accept, connect, memory, file, SSL filter, an application's methods), and the calls on
//!   any BIO (`BIO_new`, chains, reads and writes, `BIO_ctrl`, poll descriptors, mmsg).
//! - [`ssl`]: `SSL` objects, TLS and QUIC: BIOs, handshake, I/O, errors (`SSL_*`).
//! - [`lifecycle`]: an object's options, shutdown flags, quiet shutdown, read-ahead,
//!   `SSL_in_init` and `SSL_clear`; [`info`]: the info callback, handshake states and alert
//!   texts; [`negotiate`]: cipher suites (`SSL_CIPHER_*`) and key exchange groups;
//!   [`early_data`]: the 0-RTT calls (qssl's TLS objects neither send nor accept early data).
//! - [`unsupported`]: the calls rustls cannot honour, which fail with `ERR_R_UNSUPPORTED`.
//! - [`quic`]: the QUIC calls: listeners, streams, events, polling, shutdown, values.
//! - [`session`]: client sessions (`SSL_SESSION`), TLS and QUIC, and the new-session callback.
//! - [`servername`]: the servername callback, `SSL_get_servername`, `SSL_set_SSL_CTX`.
//! - [`x509`]: certificates (`X509`, `X509_NAME`); [`pkey`]: private keys (`EVP_PKEY`).
//! - [`ca_list`]: the client CA names a server sends (`SSL_CTX_set_client_CA_list`).
//! - [`conf`]: configuration commands (`SSL_CONF_CTX`, `SSL_CONF_cmd`).
//! - [`certs`]: the certificates, keys and chains of contexts and objects
//!   (`SSL_CTX_use_certificate`, `SSL_get_certificate`, the chain ctrls).
//! - [`verify`]: verify mode, callback and depth, the callback's `X509_STORE_CTX`, peer and
//!   verified chains, `X509_check_host`.
//! - [`stack`]: the stack behind the typed `sk_TYPE_*` wrappers (`OPENSSL_sk_*`).
//! - [`ex_data`]: application data on objects (`CRYPTO_get_ex_new_index`, `SSL_get_ex_data`).

pub mod abi;
pub mod addr;
pub mod alpn_protos;
pub mod bio;
pub mod ca_list;
pub mod certs;
pub mod conf;
pub mod crypto;
pub mod ctx;
pub mod datagram;
pub mod early_data;
pub mod entry;
pub mod err;
pub mod ex_data;
mod ffi;
pub mod info;
pub mod key_update;
pub mod lhash;
pub mod lifecycle;
pub mod negotiate;
pub mod param;
pub mod pkey;
pub mod poll_group;
pub mod quic;
pub mod servername;
pub mod session;
pub mod ssl;
pub mod stack;
pub mod store;
pub mod suites;
pub mod unsupported;
pub mod verify;
pub mod x509;
