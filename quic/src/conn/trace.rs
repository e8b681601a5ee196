//! A connection's qlog events (see [`crate::qlog`]): what is recorded where, and nothing at all
//! when the connection is not traced.

use std::time::Instant;

use serde_json::{Value, json};

use super::space::SpaceId;
use super::{CloseInfo, Connection};
use crate::frame::FrameIter;
use crate::packet::PacketKind;
use crate::qlog::{self, Qlog};
use crate::stream_id::Side;
use crate::transport_params::TransportParameters;

/// Milliseconds, as qlog counts them.
fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The qlog name of a packet type.
fn kind_name(kind: PacketKind) -> &'static str {
    match kind {
        PacketKind::Initial => "initial",
        PacketKind::ZeroRtt => "0RTT",
        PacketKind::Handshake => "handshake",
        PacketKind::OneRtt => "1RTT",
    }
}

/// The qlog name of a packet-number space's packets.
fn packet_type(id: SpaceId) -> &'static str {
    match id {
        SpaceId::Initial => "initial",
        SpaceId::Handshake => "handshake",
        SpaceId::Data => "1RTT",
    }
}

impl Connection {
    /// Starts tracing if the configuration asks for it: the trace's header, the connection's
    /// start and this side's transport parameters.
    pub(super) fn start_qlog(&mut self, now: Instant, local: &TransportParameters) {
        let Some(config) = self.config.qlog.clone() else {
            return;
        };
        self.qlog = Qlog::start(&config, self.side, &self.original_dcid, now);
        self.trace(Some(now), "connectivity:connection_started", |c| {
            json!({
                "protocol": "QUIC",
                "dst_ip": c.path.remote.ip().to_string(),
                "dst_port": c.path.remote.port(),
                "src_cid": qlog::hex(&c.local_cids.active().next().copied().unwrap_or_default()),
                "dst_cid": qlog::hex(&c.remote_cids.current()),
            })
        });
        self.trace_parameters(Some(now), "local", local);
    }

    /// Records event `name` at `now` (or at the trace's last event), its data made from the
    /// connection only when traced and let through.
    pub(super) fn trace(
        &mut self,
        now: Option<Instant>,
        name: &str,
        data: impl FnOnce(&Self) -> Value,
    ) {
        if let Some(mut q) = self.qlog.take() {
            q.event(now, name, || data(self));
            self.qlog = Some(q);
        }
    }

    /// Whether events of `name` are recorded.
    pub(super) fn traces(&self, name: &str) -> bool {
        self.qlog.as_ref().is_some_and(|q| q.wants(name))
    }

    /// transport:parameters_set for `owner`'s parameters.
    pub(super) fn trace_parameters(
        &mut self,
        now: Option<Instant>,
        owner: &str,
        p: &TransportParameters,
    ) {
        self.trace(now, "transport:parameters_set", |_| {
            json!({
                "owner": owner,
                "max_idle_timeout": p.max_idle_timeout.get(),
                "max_udp_payload_size": p.max_udp_payload_size.get(),
                "initial_max_data": p.initial_max_data.get(),
                "initial_max_stream_data_bidi_local": p.initial_max_stream_data_bidi_local.get(),
                "initial_max_stream_data_bidi_remote": p.initial_max_stream_data_bidi_remote.get(),
                "initial_max_stream_data_uni": p.initial_max_stream_data_uni.get(),
                "initial_max_streams_bidi": p.initial_max_streams_bidi.get(),
                "initial_max_streams_uni": p.initial_max_streams_uni.get(),
                "ack_delay_exponent": p.ack_delay_exponent.get(),
                "max_ack_delay": p.max_ack_delay.get(),
                "active_connection_id_limit": p.active_connection_id_limit.get(),
                "disable_active_migration": p.disable_active_migration,
                "max_datagram_frame_size": p.max_datagram_frame_size.get(),
            })
        });
    }

    /// The frames of a packet's plaintext `payload`, if packet events of `name` are recorded.
    pub(super) fn trace_frames(&self, name: &str, payload: &[u8]) -> Option<Vec<Value>> {
        if !self.traces(name) {
            return None;
        }
        Some(
            FrameIter::new(payload)
                .map_while(Result::ok)
                .map(|f| qlog::frame(&f))
                .collect(),
        )
    }

    /// transport:packet_sent or transport:packet_received (`name`) for packet `pn` of type
    /// `kind`, `len` bytes, with its `frames`, at `now` (or at the trace's last event).
    pub(super) fn trace_packet(
        &mut self,
        now: Option<Instant>,
        name: &str,
        (kind, pn, len): (PacketKind, u64, usize),
        frames: Option<Vec<Value>>,
    ) {
        let Some(frames) = frames else { return };
        self.trace(now, name, |_| {
            json!({
                "header": { "packet_type": kind_name(kind), "packet_number": pn },
                "raw": { "length": len },
                "frames": frames,
            })
        });
    }

    /// transport:packet_dropped for a packet of `len` bytes, with why.
    pub(super) fn trace_dropped(&mut self, now: Instant, len: usize, why: &dyn std::fmt::Display) {
        self.trace(
            Some(now),
            "transport:packet_dropped",
            |_| json!({ "raw": { "length": len }, "trigger": why.to_string() }),
        );
    }

    /// recovery:packet_lost for packet `pn` of space `id`.
    pub(super) fn trace_lost(&mut self, now: Instant, id: SpaceId, pn: u64) {
        self.trace(
            Some(now),
            "recovery:packet_lost",
            |_| json!({ "header": { "packet_type": packet_type(id), "packet_number": pn } }),
        );
    }

    /// recovery:metrics_updated, and recovery:congestion_state_updated when the controller's
    /// state changed.
    pub(super) fn trace_recovery(&mut self, now: Instant) {
        if self.qlog.is_none() {
            return;
        }
        self.trace(Some(now), "recovery:metrics_updated", |c| {
            json!({
                "congestion_window": c.cc.window(),
                "bytes_in_flight": c.cc.bytes_in_flight(),
                "smoothed_rtt": ms(c.rtt.smoothed()),
                "min_rtt": ms(c.rtt.min_rtt()),
                "latest_rtt": ms(c.rtt.latest()),
                "rtt_variance": ms(c.rtt.rttvar()),
            })
        });
        let state = if self.cc.in_recovery() {
            "recovery"
        } else if self.cc.in_slow_start() {
            "slow_start"
        } else {
            "congestion_avoidance"
        };
        if self.traced_cc_state != Some(state) {
            let old = self.traced_cc_state.replace(state);
            self.trace(
                Some(now),
                "recovery:congestion_state_updated",
                |_| json!({ "old": old, "new": state }),
            );
        }
    }

    /// security:key_updated for a 1-RTT key update started here (`local`) or by the peer.
    pub(super) fn trace_key_update(&mut self, now: Instant, local: bool, generation: u64) {
        self.trace(Some(now), "security:key_updated", |c| {
            let key_type = match (c.side, local) {
                (Side::Client, true) | (Side::Server, false) => "client_1rtt_secret",
                _ => "server_1rtt_secret",
            };
            json!({
                "key_type": key_type,
                "generation": generation,
                "trigger": if local { "local_update" } else { "remote_update" },
            })
        });
    }

    /// connectivity:connection_state_updated to `new`.
    pub(super) fn trace_state(&mut self, new: &str) {
        self.trace(
            None,
            "connectivity:connection_state_updated",
            |_| json!({ "new": new }),
        );
    }

    /// connectivity:connection_closed.
    pub(super) fn trace_closed(&mut self, info: &CloseInfo) {
        self.trace(None, "connectivity:connection_closed", |_| {
            let code = if info.transport {
                "connection_code"
            } else {
                "application_code"
            };
            json!({
                "owner": if info.local { "local" } else { "remote" },
                code: info.error_code,
                "reason": String::from_utf8_lossy(&info.reason),
            })
        });
    }
}
