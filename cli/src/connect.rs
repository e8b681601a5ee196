//! Client connections with a deadline: QUIC over a UDP socket, TLS over TCP, each driven
//! without blocking until its handshake completes, fails, or the deadline passes.

use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Instant;

use qssl::quic::{DefaultStreamMode, SHUTDOWN_FLAG_RAPID, Ssl};
use qssl::tls::Tls;
use qssl::{IoError, SslCtx};
use qssl_bio::poll::{PollItem, wait};
use qssl_bio::{DatagramBio, UdpBio};

use crate::args::Global;
use crate::failure::{Context, Failure, Outcome};
use crate::report::verify_failure;

/// Where a client connects and the name it sends and checks.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// The server's address.
    pub(crate) addr: SocketAddr,
    /// The server's name (SNI and the certificate check), or its address as text.
    pub(crate) name: String,
}

impl Peer {
    /// Whether the name is an IP address, which is checked but not sent as SNI.
    fn name_is_ip(&self) -> bool {
        self.name.parse::<std::net::IpAddr>().is_ok()
    }
}

/// Why a handshake failed, from the failed call and the verification's result.
fn handshake_failure(peer: &Peer, e: &IoError, verify: i64) -> Failure {
    let why = verify_failure(verify).unwrap_or_else(|| e.to_string());
    Failure::new(format!("handshake with {} failed: {why}", peer.addr))
}

/// The handshake did not finish within the timeout.
fn no_handshake(global: &Global, peer: &Peer) -> Failure {
    Failure::new(format!(
        "no handshake with {} within {:?}",
        peer.addr,
        global.timeout()
    ))
}

/// Whether `conn` has received no packet at all.
fn heard_nothing(conn: &Ssl) -> bool {
    conn.connection_info()
        .is_some_and(|i| i.stats.packets_received == 0)
}

/// A QUIC client connection of `ctx` to `peer`, handshake done, in non-blocking mode with
/// no default stream. Fails after `global`'s timeout.
pub(crate) fn quic(global: &Global, ctx: &SslCtx, peer: &Peer) -> Outcome<Ssl> {
    let local = SocketAddr::new(
        match peer.addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::UNSPECIFIED.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
        },
        0,
    );
    let socket = UdpBio::bind(local).context("a UDP socket")?;
    let bio: Arc<dyn DatagramBio> = Arc::new(socket);
    let conn = Ssl::new(ctx).context("a QUIC connection")?;
    conn.set_bio(Some(bio.clone()), Some(bio))
        .context("the connection's socket")?;
    conn.set_initial_peer_addr(peer.addr)
        .context("the server's address")?;
    if peer.name_is_ip() {
        conn.set1_host(&peer.name)
    } else {
        conn.set_host_name(&peer.name)
    }
    .context(format_args!("the server name {}", peer.name))?;
    conn.set_blocking_mode(false).context("non-blocking mode")?;
    conn.set_default_stream_mode(DefaultStreamMode::None)
        .context("the stream mode")?;
    let deadline = Instant::now() + global.timeout();
    tracing::debug!(addr = %peer.addr, name = %peer.name, "QUIC handshake");
    loop {
        match conn.connect() {
            Ok(()) => break,
            Err(e) if e.is_retry() => {}
            // A server that never answered is the likeliest story: say so plainly.
            Err(_) if heard_nothing(&conn) => return Err(no_handshake(global, peer)),
            Err(e) => return Err(handshake_failure(peer, &e, conn.verify_result())),
        }
        if Instant::now() >= deadline {
            return Err(no_handshake(global, peer));
        }
        drive_until(&conn, deadline).context("waiting")?;
    }
    tracing::debug!("QUIC handshake complete");
    Ok(conn)
}

/// A TLS client connection of `ctx` to `peer` over TCP, handshake done, on a non-blocking
/// socket whose descriptor is returned with it. Fails after `global`'s timeout.
pub(crate) fn tls(global: &Global, ctx: &SslCtx, peer: &Peer) -> Outcome<(Tls, i32)> {
    let deadline = Instant::now() + global.timeout();
    let tcp = TcpStream::connect_timeout(&peer.addr, global.timeout())
        .context(format_args!("connecting to {}", peer.addr))?;
    tcp.set_nonblocking(true).context("non-blocking mode")?;
    let _ = tcp.set_nodelay(true);
    let fd = tcp.as_raw_fd();
    let tls = Tls::new(ctx).context("a TLS object")?;
    tls.set_tcp(tcp);
    tls.set_connect_state();
    if peer.name_is_ip() {
        tls.set1_host(&peer.name)
    } else {
        tls.set_host_name(&peer.name)
    }
    .context(format_args!("the server name {}", peer.name))?;
    tracing::debug!(addr = %peer.addr, name = %peer.name, "TLS handshake");
    loop {
        match tls.connect() {
            Ok(()) => break,
            Err(e) if e.is_retry() => {}
            Err(e) => return Err(handshake_failure(peer, &e, tls.verify_result())),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(no_handshake(global, peer));
        }
        tls.wait(Some(deadline - now)).context("waiting")?;
    }
    tracing::debug!("TLS handshake complete");
    Ok((tls, fd))
}

/// Closes a QUIC connection politely (its stream data delivered first), waiting at most
/// `global`'s timeout. A `rapid` close ends once CONNECTION_CLOSE is sent; otherwise the
/// connection stays in the closing state for about three PTOs, as RFC 9000 §10.2 asks.
pub(crate) fn close_quic(global: &Global, conn: &Ssl, rapid: bool) {
    let deadline = Instant::now() + global.timeout();
    let flags = if rapid { SHUTDOWN_FLAG_RAPID } else { 0 };
    while Instant::now() < deadline {
        match conn.shutdown_ex(flags, 0, b"") {
            Ok(true) => return,
            Ok(false) => {}
            Err(e) if e.is_retry() => {}
            Err(_) => return,
        }
        if drive_until(conn, deadline).is_err() {
            return;
        }
    }
}

/// Waits for the QUIC connection `conn`'s next datagram or timer, at most until
/// `deadline`, then handles its events: one turn of an application's own event loop.
fn drive_until(conn: &Ssl, deadline: Instant) -> Result<(), qssl_bio::BioError> {
    let left = deadline.saturating_duration_since(Instant::now());
    let timeout = conn.event_timeout().map_or(left, |t| t.min(left));
    wait(
        &mut [PollItem::readable(conn.rpoll_descriptor())],
        Some(timeout),
    )?;
    conn.handle_events();
    Ok(())
}
