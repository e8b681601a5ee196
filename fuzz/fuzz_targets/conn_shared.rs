//! What the connection targets (`connection`, `connection_client`) share: the TLS
//! configurations, made once per process; the application's calls on a connection, as the
//! fuzzer chooses them; and the bounds every connection must keep whatever its peer sends.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use arbitrary::Arbitrary;
use qssl_quic::ack_tracker::MAX_ACK_RANGES;
use qssl_quic::cid_manager::{ACTIVE_CID_LIMIT, MAX_ISSUED};
use qssl_quic::conn::{Connection, MAX_PATH_RESPONSES};
use qssl_quic::endpoint::{ConnectionHandle, Endpoint, MAX_QUEUED_ANSWERS};
use qssl_quic::streams::{MAX_CRYPTO_SPANS, MAX_STREAM_SPANS};
use qssl_quic::{Dir, Side, StreamId};

/// ALPN both sides speak.
const ALPN: &[u8] = b"hq-interop";

/// A client and server configuration pair, made on first use: a self-signed certificate for
/// "localhost" that the client trusts, TLS 1.3 only, ALPN set.
pub(crate) fn tls_configs() -> &'static (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    static CONFIGS: OnceLock<(Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>)> =
        OnceLock::new();
    CONFIGS.get_or_init(|| {
        let id = qssl_tests::identity::Identity::localhost();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(id.cert_der.clone()).expect("the certificate");
        let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("TLS 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth();
        client.alpn_protocols = vec![ALPN.to_vec()];
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("TLS 1.3")
            .with_no_client_auth()
            .with_single_cert(vec![id.cert_der.clone()], id.private_key())
            .expect("the certificate and key");
        server.alpn_protocols = vec![ALPN.to_vec()];
        (Arc::new(client), Arc::new(server))
    })
}

/// A call the application makes on its connection. Streams are named by a byte: bit 0 the
/// initiator (server if set), bit 1 the direction (unidirectional if set), the rest the index.
#[derive(Arbitrary, Debug)]
pub(crate) enum AppOp<'a> {
    /// `open_stream`, unidirectional or not.
    Open { uni: bool },
    /// `accept_stream`.
    Accept { uni: bool },
    /// `stream_write` of `data` repeated `repeat` times (at least once).
    Write {
        stream: u8,
        data: &'a [u8],
        repeat: u8,
    },
    /// `stream_finish`.
    Finish { stream: u8 },
    /// `stream_read` into a buffer of `len` bytes.
    Read { stream: u8, len: u16 },
    /// `stream_peek` into a buffer of `len` bytes.
    Peek { stream: u8, len: u16 },
    /// `stream_reset` with any code (not only a varint's).
    Reset { stream: u8, code: u64 },
    /// `stream_stop_sending` with any code.
    StopSending { stream: u8, code: u64 },
    /// `stream_discard` with any code.
    Discard { stream: u8, code: u64 },
    /// `stream_hold`.
    Hold { stream: u8 },
    /// `stream_release`.
    Release { stream: u8 },
    /// Every event waiting, taken.
    Events,
    /// `close` (or `close_rapid`) with any code and reason.
    Close {
        code: u64,
        reason: &'a [u8],
        rapid: bool,
    },
    /// `end_draining`.
    EndDraining,
}

/// The stream `byte` names (see [`AppOp`]).
fn stream(byte: u8) -> StreamId {
    let side = if byte & 1 == 0 {
        Side::Client
    } else {
        Side::Server
    };
    let dir = if byte & 2 == 0 { Dir::Bi } else { Dir::Uni };
    StreamId::new(side, dir, u64::from(byte >> 2)).expect("an index below 64 fits")
}

impl AppOp<'_> {
    /// Makes the call on `conn` at `now`; errors are answers, not failures. Afterwards the
    /// stream it named is queried, which must not panic either.
    pub(crate) fn apply(&self, conn: &mut Connection, now: Instant) {
        let dir = |uni: bool| if uni { Dir::Uni } else { Dir::Bi };
        let named = match *self {
            AppOp::Open { uni } => conn.open_stream(dir(uni)).ok(),
            AppOp::Accept { uni } => conn.accept_stream(dir(uni)),
            AppOp::Write {
                stream: s,
                data,
                repeat,
            } => {
                let data = data.repeat(usize::from(repeat.max(1)));
                let _ = conn.stream_write(stream(s), &data);
                Some(stream(s))
            }
            AppOp::Finish { stream: s } => {
                let _ = conn.stream_finish(stream(s));
                Some(stream(s))
            }
            AppOp::Read { stream: s, len } => {
                let _ = conn.stream_read(stream(s), &mut vec![0; usize::from(len)]);
                Some(stream(s))
            }
            AppOp::Peek { stream: s, len } => {
                let _ = conn.stream_peek(stream(s), &mut vec![0; usize::from(len)]);
                Some(stream(s))
            }
            AppOp::Reset { stream: s, code } => {
                let _ = conn.stream_reset(stream(s), code);
                Some(stream(s))
            }
            AppOp::StopSending { stream: s, code } => {
                let _ = conn.stream_stop_sending(stream(s), code);
                Some(stream(s))
            }
            AppOp::Discard { stream: s, code } => {
                conn.stream_discard(stream(s), code);
                Some(stream(s))
            }
            AppOp::Hold { stream: s } => {
                conn.stream_hold(stream(s));
                Some(stream(s))
            }
            AppOp::Release { stream: s } => {
                conn.stream_release(stream(s));
                Some(stream(s))
            }
            AppOp::Events => {
                while conn.poll_event().is_some() {}
                None
            }
            AppOp::Close {
                code,
                reason,
                rapid,
            } => {
                if rapid {
                    conn.close_rapid(now, code, reason);
                } else {
                    conn.close(now, code, reason);
                }
                None
            }
            AppOp::EndDraining => {
                conn.end_draining();
                None
            }
        };
        if let Some(id) = named {
            let _ = conn.stream_readable(id);
            let _ = conn.stream_send_state(id);
            let _ = conn.stream_recv_state(id);
            let _ = conn.stream_send_info(id);
            let _ = conn.stream_stop_sent(id);
            let _ = conn.stream_exists(id);
        }
    }
}

/// Checks what `endpoint` and its connection `handle` (if it still exists) hold: every
/// structure a peer can fill stays within its documented bound.
pub(crate) fn check_bounds(endpoint: &Endpoint, handle: ConnectionHandle) {
    let e = endpoint.resources();
    assert!(e.queued_answers <= MAX_QUEUED_ANSWERS, "{e:?}");
    let Some(conn) = endpoint.get(handle) else {
        return;
    };
    let config = endpoint.connection_config();
    let r = conn.resources();
    assert!(r.path_responses <= MAX_PATH_RESPONSES, "{r:?}");
    assert!(r.ack_ranges <= 3 * MAX_ACK_RANGES, "{r:?}");
    assert!(r.crypto_recv_chunks <= 3 * MAX_CRYPTO_SPANS, "{r:?}");
    assert!(
        r.stream_recv_chunks <= r.streams * MAX_STREAM_SPANS,
        "{r:?}"
    );
    assert!(r.local_cids as u64 <= MAX_ISSUED, "{r:?}");
    // Usable IDs (one past the limit before the frame that passed it closes the connection)
    // and twice the limit awaiting retirement, plus the usable ones that frame retired.
    assert!(r.remote_cids as u64 <= 4 * ACTIVE_CID_LIMIT + 2, "{r:?}");
    let window = config.max_data_window.max(config.initial_max_data);
    assert!(r.receive_window <= window, "{r:?}");
    assert!(r.stream_recv_bytes <= window, "{r:?}");
    // The counters and queries read the same state: they must not panic.
    let _ = conn.stats();
    let _ = conn.poll_timeout();
    let _ = (
        conn.streams_available(Dir::Bi),
        conn.streams_available(Dir::Uni),
    );
    let _ = conn.streams_flushed();
}
