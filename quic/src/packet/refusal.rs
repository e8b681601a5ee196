//! A server's refusal of a connection attempt, made without any connection state: one
//! Initial packet with CONNECTION_CLOSE (CONNECTION_REFUSED), sealed with the Initial keys
//! the client's first packet implies (RFC 9000 §5.2.2, §10.2.3).

use crate::cid::ConnectionId;
use crate::coding::Writer;
use crate::crypto::initial_keys;
use crate::error::TransportErrorCode;
use crate::frame::{CloseKind, ConnectionClose, Frame};
use crate::stream_id::Side;
use crate::version::Version;

use super::header::{Header, LongType};
use super::protect::seal;

/// Payload bytes at least, so header protection has its sample.
const MIN_PAYLOAD: usize = 24;

/// The datagram refusing the connection a client started with an Initial to `client_dcid`
/// from `client_scid`, sent from `server_scid`, in `version`; `None` only if it cannot be
/// written (never for valid connection IDs).
pub fn write_refusal(
    version: Version,
    client_dcid: &ConnectionId,
    client_scid: &ConnectionId,
    server_scid: &ConnectionId,
    reason: &[u8],
) -> Option<Vec<u8>> {
    let keys = initial_keys(version, client_dcid, Side::Server);
    let mut payload = vec![0u8; MIN_PAYLOAD.max(reason.len() + 16)];
    let mut w = Writer::new(&mut payload);
    Frame::ConnectionClose(ConnectionClose {
        error_code: TransportErrorCode::CONNECTION_REFUSED.0,
        kind: CloseKind::Transport { frame_type: 0 },
        reason,
    })
    .encode(&mut w)
    .ok()?;
    // What follows the frame stays zero: PADDING.
    let header = Header::Long {
        ty: LongType::Initial,
        version,
        dcid: *client_scid,
        scid: *server_scid,
        token: b"",
    };
    let mut out = vec![0u8; payload.len() + 128];
    let mut w = Writer::new(&mut out);
    let layout = header.write(&mut w, 0, 1).ok()?;
    w.put_slice(&payload).ok()?;
    let len = seal(
        &mut out,
        &layout,
        0,
        payload.len(),
        keys.local.packet.as_ref(),
        keys.local.header.as_ref(),
    )
    .ok()?;
    out.truncate(len);
    Some(out)
}
