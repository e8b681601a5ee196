//! What the workspace's tests and benchmarks share, so that each fixture exists once:
//!
//! - [`identity`]: self-signed certificates for "localhost", as DER and as PEM files.
//! - [`fixtures`]: contexts for those certificates, qssl objects joined by a datagram pair, a
//!   UDP socket or a BIO pair, and the loops that drive non-blocking objects.
//! - [`sim`]: a deterministic two-node network on a virtual clock.
//! - [`ssl_node`]: qssl's QUIC objects (a client connection, a listener) as nodes of the
//!   simulator, on a manual clock that follows its virtual time.
//! - [`quinn_peer`]: quinn, the reference QUIC stack of the report benchmarks.
//! - [`aioquic`]: the aioquic hq-interop peer (a Python script, installed by the test command).
//! - [`reference`](mod@reference): the reference OpenSSL 3.5 and its `openssl` command.
//! - [`bench`](mod@bench): how a report benchmark was started, `QSSL_BENCH_BYTES`, medians.
//! - [`hostile`]: a client that completes a real handshake and then sends whatever frames a
//!   test gives it, acknowledging nothing.
//!
//! The crate is a dev-dependency of the others (Cargo allows the cycle for tests and
//! benchmarks).

pub mod aioquic;
pub mod bench;
pub mod fixtures;
pub mod hostile;
pub mod identity;
pub mod quinn_peer;
pub mod reference;
pub mod sim;
pub mod ssl_node;
