//! 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1): a client resuming a session that allows early data
//! opens streams under the server's remembered transport parameters and sends their data in
//! 0-RTT packets; a server that accepted the early data opens those packets and serves the
//! streams before its handshake completes. When the server rejects the early data, the client
//! resends it in 1-RTT packets under the server's new parameters, so the application's data
//! arrives all the same (same streams, same bytes).

use rustls::quic::DirectionalKeys;

use super::Connection;
use super::space::SpaceId;
use super::streams::Streams;
use crate::error::{TransportError, TransportErrorCode};
use crate::packet::PacketKind;
use crate::stream_id::Side;
use crate::transport_params::TransportParameters;

/// What became of a connection's early data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroRttStatus {
    /// No early data: the client had no session allowing it, or the server did not accept
    /// it (a server that refuses early data cannot tell a client that offered none).
    None,
    /// A client's early data went out; the server's answer is not known yet.
    Pending,
    /// The server accepted the early data.
    Accepted,
    /// The server rejected the early data; the client sent it again in 1-RTT packets.
    Rejected,
}

/// A connection's 0-RTT state.
pub(super) struct ZeroRtt {
    /// The 0-RTT keys: a client seals with them until it has 1-RTT keys; a server opens with
    /// them until the client's first 1-RTT packet.
    keys: Option<DirectionalKeys>,
    status: ZeroRttStatus,
}

impl std::fmt::Debug for ZeroRtt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZeroRtt")
            .field("has_keys", &self.keys.is_some())
            .field("status", &self.status)
            .finish()
    }
}

impl ZeroRtt {
    pub(super) fn new() -> Self {
        ZeroRtt {
            keys: None,
            status: ZeroRttStatus::None,
        }
    }

    /// The 0-RTT keys while they are in use.
    pub(super) fn keys(&self) -> Option<&DirectionalKeys> {
        self.keys.as_ref()
    }
}

impl Connection {
    /// What became of this connection's early data.
    pub fn zero_rtt_status(&self) -> ZeroRttStatus {
        self.zero_rtt.status
    }

    /// Whether a client sends stream data in 0-RTT packets now: it resumed a session that
    /// allows early data and its handshake is not complete. Streams can be opened and
    /// written at once; their data goes out before the handshake completes.
    pub fn is_sending_zero_rtt(&self) -> bool {
        self.side == Side::Client
            && self.zero_rtt.keys.is_some()
            && self.spaces[SpaceId::Data as usize].keys.is_none()
    }

    /// The keys a client seals 0-RTT packets with, while it sends them.
    pub(super) fn zero_rtt_sealing_keys(&self) -> Option<&DirectionalKeys> {
        self.zero_rtt
            .keys
            .as_ref()
            .filter(|_| self.is_sending_zero_rtt())
    }

    /// The handshake produced 0-RTT keys. A client opens its streams under the server's
    /// remembered parameters (RFC 9000 §7.4.1: only the limits; never the remembered IDs,
    /// reset token or ACK settings); a server that accepted the early data serves the
    /// client's streams under the parameters of its ClientHello.
    pub(super) fn on_zero_rtt_keys(&mut self, keys: DirectionalKeys) -> Result<(), TransportError> {
        let params = match self.tls.peer_params() {
            Some(Ok(params)) => params,
            // A client without usable remembered parameters sends no early data.
            None | Some(Err(_)) if self.side == Side::Client => return Ok(()),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(TransportError::transport_parameter(
                    "peer sent no transport parameters",
                ));
            }
        };
        self.streams = Some(Streams::new(self.side, &self.config, &params));
        self.zero_rtt.keys = Some(keys);
        self.zero_rtt.status = match self.side {
            Side::Client => ZeroRttStatus::Pending,
            Side::Server => ZeroRttStatus::Accepted,
        };
        Ok(())
    }

    /// A client's 1-RTT keys replace its 0-RTT keys (RFC 9001 §4.9.3).
    pub(super) fn on_one_rtt_keys(&mut self) {
        if self.side == Side::Client {
            self.zero_rtt.keys = None;
        }
    }

    /// A server drops its 0-RTT keys at the client's first 1-RTT packet: the client sends
    /// no 0-RTT packet after it (RFC 9001 §4.9.3).
    pub(super) fn on_packet_opened(&mut self, kind: PacketKind) {
        if self.side == Side::Server && kind == PacketKind::OneRtt {
            self.zero_rtt.keys = None;
        }
    }

    /// The handshake completed with the server's parameters `params`: a client whose early
    /// data went out learns whether it was accepted. Its streams move to the new limits;
    /// rejected early data is sent again. Neither may cross the new limits: a server that
    /// accepted early data must not lower them (RFC 9000 §7.4.1, PROTOCOL_VIOLATION), and
    /// rejected data the new limits cannot carry ends the connection.
    pub(super) fn settle_zero_rtt(
        &mut self,
        params: &TransportParameters,
    ) -> Result<(), TransportError> {
        if self.zero_rtt.status != ZeroRttStatus::Pending {
            return Ok(());
        }
        let accepted = self.tls.is_early_data_accepted();
        let fits = self
            .streams
            .as_mut()
            .is_none_or(|streams| streams.apply_peer_params(params));
        if accepted {
            self.zero_rtt.status = ZeroRttStatus::Accepted;
            if !fits {
                return Err(TransportError::protocol_violation(
                    None,
                    "limits lowered below what accepted 0-RTT data used",
                ));
            }
            return Ok(());
        }
        self.zero_rtt.status = ZeroRttStatus::Rejected;
        if !fits {
            return Err(TransportError::new(
                TransportErrorCode::INTERNAL_ERROR,
                "0-RTT data rejected and too large for the server's new limits",
            ));
        }
        self.resend_zero_rtt();
        Ok(())
    }

    /// Everything sent in 0-RTT packets goes again (in the packets that follow): after a
    /// rejection, or after a Retry, which the server answered without reading them. The
    /// packets leave the congestion window without counting as lost.
    pub(super) fn resend_zero_rtt(&mut self) {
        if self.side != Side::Client {
            return;
        }
        let space = &mut self.spaces[SpaceId::Data as usize];
        let discarded = space.sent.discard();
        self.cc.on_packets_discarded(discarded.bytes_in_flight);
        self.requeue(SpaceId::Data, discarded.packets);
    }
}
