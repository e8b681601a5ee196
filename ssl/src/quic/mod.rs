//! OpenSSL's QUIC object model: connections, streams and listeners as [`Ssl`] objects.
//!
//! - [`object`]: the [`Ssl`] handle, object kinds, network BIOs, modes, `SSL_get_error`.
//! - [`handshake`]: starting a client connection and completing handshakes.
//! - [`info`]: negotiated parameters and connection figures.
//! - [`io`]: reading and writing stream data.
//! - [`datagram`]: unreliable datagrams (RFC 9221), qssl's own calls; keep-alives too.
//! - [`stream`]: creating and accepting streams, the default stream, stream states.
//! - [`shutdown`]: closing connections and their close information.
//! - [`listener`]: accepting connections.
//! - [`domain`]: event domains and the domain flags.
//! - [`events`]: the event loop for non-blocking applications.
//! - [`poll`](mod@poll): `SSL_poll` over many objects.
//! - [`value`]: the generic value API.
//! - [`tokens`]: NEW_TOKEN tokens clients keep per server.
//!
//! Objects on one UDP socket share a port (one sans-I/O endpoint behind one lock, see
//! `port`); `net` moves datagrams between the port's BIOs and the endpoint; `conn_state`
//! keeps each connection's application-side state.

mod assist;
mod conn_state;
pub mod datagram;
pub mod domain;
pub mod early_data;
pub mod events;
pub mod handshake;
pub mod info;
pub mod io;
mod keep_alive;
pub mod listener;
mod net;
pub mod object;
pub mod poll;
pub mod poll_group;
mod port;
mod port_watch;
mod scope;
pub mod shutdown;
pub mod stream;
pub mod tokens;
pub mod value;

pub use conn_state::{DefaultStreamMode, IncomingStreamPolicy};
pub use domain::{
    DOMAIN_FLAG_BLOCKING, DOMAIN_FLAG_LEGACY_BLOCKING, DOMAIN_FLAG_MULTI_THREAD,
    DOMAIN_FLAG_SINGLE_THREAD, DOMAIN_FLAG_THREAD_ASSISTED, adjust_domain_flags,
};
pub use early_data::EarlyDataStatus;
pub use info::ConnectionInfo;
pub use io::WRITE_FLAG_CONCLUDE;
pub use listener::ACCEPT_CONNECTION_NO_BLOCK;
pub use object::{
    LISTENER_FLAG_NO_VALIDATE, MODE_ACCEPT_MOVING_WRITE_BUFFER, MODE_AUTO_RETRY,
    MODE_ENABLE_PARTIAL_WRITE, ObjectKind, Ssl,
};
pub use poll::{PollItem, poll};
pub use poll_group::{PollEvent, PollGroup};
pub use scope::NewPendingConnCallback;
pub use shutdown::{
    ConnCloseInfo, SHUTDOWN_FLAG_NO_BLOCK, SHUTDOWN_FLAG_NO_STREAM_FLUSH, SHUTDOWN_FLAG_RAPID,
    SHUTDOWN_FLAG_WAIT_PEER,
};
pub use stream::{
    ACCEPT_STREAM_NO_BLOCK, STREAM_FLAG_ADVANCE, STREAM_FLAG_NO_BLOCK, STREAM_FLAG_UNI, StreamEnd,
    StreamState, StreamType,
};
