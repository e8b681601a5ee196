//! `qssl perf`: the perf protocol over QUIC (ALPN `perf`, as draft-banks-quic-performance
//! describes it): on each bidirectional stream the client sends the number of bytes it
//! wants as an 8-byte big-endian integer, then what it uploads, then its FIN; the server
//! answers with that many bytes and its FIN.

mod client;
mod server;

use crate::args::{Global, Perf, PerfSide};
use crate::failure::Outcome;

/// The perf protocol's ALPN.
const ALPN: &str = "perf";

/// Runs `qssl perf`.
pub(crate) fn run(global: &Global, args: &Perf) -> Outcome {
    match &args.side {
        PerfSide::Client(a) => client::run(global, a),
        PerfSide::Server(a) => server::run(global, a),
    }
}

/// Bytes of zeros a sender writes from.
static ZEROS: [u8; crate::service::CHUNK] = [0; crate::service::CHUNK];
