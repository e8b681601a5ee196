//! Incoming datagrams: split, unprotect, deduplicate, and act on each frame.

use std::net::SocketAddr;
use std::ops::Range;
use std::time::{Duration, Instant};

use super::ack_frequency::AckFrequencyState;
use super::path::PathResponse;
use super::space::{SentData, SpaceId};
use super::{CloseInfo, Connection, DatagramInfo, EcnCodepoint, State};
use crate::cid::ConnectionId;
use crate::crypto::{initial_keys, verify_retry};
use crate::error::TransportErrorCode;
use crate::error::{PacketError, TransportError};
use crate::frame::{Ack, CloseKind, Frame, FrameIter};
use crate::packet::PacketKind;
use crate::packet::header::{Coalesced, ParsedHeader, ProtectedHeader, RETRY_TAG_LEN, versions};
use crate::packet::protect::{Unmasked, open, remove_header_protection};
use crate::recovery::SentPacket;
use crate::stream_id::Side;

impl Connection {
    /// Handles one received datagram from `from`. Packets that cannot be processed are
    /// dropped; a protocol error closes the connection.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &mut [u8]) {
        self.handle_datagram_with(now, DatagramInfo::from(from), datagram);
    }

    /// Handles one received datagram with what the socket reported about it: the local
    /// address it reached (answers go out from there) and its ECN codepoint (counted and
    /// reported in ACK frames).
    pub fn handle_datagram_with(&mut self, now: Instant, info: DatagramInfo, datagram: &mut [u8]) {
        // What arrives raises the amplification limit: a held-back acknowledgment may go.
        self.ack_blocked = false;
        let from = info.from;
        let rtt = self.rtt.smoothed();
        match &mut self.state {
            State::Closed | State::Draining { .. } => return,
            // While closing, packets are not processed: they are answered with CONNECTION_CLOSE
            // again, at most once per round trip (RFC 9000 §10.2.1).
            State::Closing {
                send_close,
                last_sent,
                ..
            } => {
                if last_sent.is_none_or(|t| now >= t + rtt) {
                    *send_close = true;
                }
                return;
            }
            State::Open => {}
        }
        if !self.accepts_from(from) {
            return;
        }
        self.count_received(from, datagram.len());
        self.stats.datagrams_received += 1;
        if info.local.is_some() && from == self.path.remote {
            self.local = info.local;
        }
        let arrival = Arrival {
            from,
            ecn: info.ecn,
            len: datagram.len(),
        };
        let processed_before = self.stats.packets_received;
        self.process_packets(now, &arrival, datagram);
        // 1-RTT packets that came before the handshake completed are read once it has.
        if self.is_handshake_complete() && !self.early_one_rtt.is_empty() {
            for (arrival, mut packet) in std::mem::take(&mut self.early_one_rtt) {
                if self.state == State::Open {
                    self.process_packets(now, &arrival, &mut packet);
                }
            }
        }
        // Nothing in the datagram could be processed: it may be a stateless reset.
        if self.state == State::Open && self.stats.packets_received == processed_before {
            self.check_stateless_reset(now, datagram);
        }
    }

    /// Handles the packets of one datagram, as they come, until one cannot be parsed or the
    /// connection stops being open.
    fn process_packets(&mut self, now: Instant, arrival: &Arrival, datagram: &mut [u8]) {
        let from = arrival.from;
        let dcid_len = self.local_cids.active().next().map_or(0, |c| c.len());
        let mut pos = 0;
        // Resuming by offset instead of holding the iterator releases the borrow of
        // `datagram`; iteration ends at the first unparsable packet, as with `Coalesced`.
        while let Some(Ok((header, range))) = Coalesced::at(datagram, pos, dcid_len).next() {
            pos = range.end;
            let mut h = match header {
                ParsedHeader::Protected(h) => h,
                ParsedHeader::Retry { scid, token, .. } => {
                    self.on_retry(
                        now,
                        scid,
                        &datagram[range.clone()],
                        token.start - range.start,
                    );
                    continue;
                }
                ParsedHeader::VersionNegotiation { versions, .. } => {
                    self.on_version_negotiation(&datagram[versions]);
                    return;
                }
                ParsedHeader::UnsupportedVersion { .. } => continue,
            };
            // Offsets relative to the packet.
            h.pn_offset -= range.start;
            h.token = 0..0;
            let small = datagram.len() < super::MIN_INITIAL_SIZE;
            let packet = &mut datagram[range];
            let largest_before = self.spaces[SpaceId::Data as usize].acks.largest();
            let handled = if self.side == Side::Server && h.kind == PacketKind::Initial && small {
                // A client's Initial comes in a full-sized datagram (RFC 9000 §14.1).
                Err(Drop::Packet(PacketError::Malformed(
                    "Initial in a datagram under 1200 bytes",
                )))
            } else if from != self.path.remote && h.kind != PacketKind::OneRtt {
                Err(Drop::Packet(PacketError::Malformed(
                    "long-header packet from a new address",
                )))
            } else if h.kind == PacketKind::OneRtt
                && !self.is_handshake_complete()
                && self.spaces[SpaceId::Data as usize].keys.is_some()
            {
                // Not read before the handshake completes (RFC 9001 §5.7), but kept (a few)
                // to read then: the peer's first request often overtakes its Finished.
                if self.early_one_rtt.len() < super::MAX_EARLY_ONE_RTT {
                    self.early_one_rtt.push((*arrival, packet.to_vec()));
                }
                continue;
            } else {
                self.handle_packet(now, &h, packet, arrival)
            };
            match handled {
                Ok(received) => {
                    self.stats.packets_received += 1;
                    if let Some((pn, non_probing)) = received {
                        let newest = largest_before.is_none_or(|l| pn > l);
                        self.after_one_rtt_packet(
                            now,
                            from,
                            h.dcid,
                            newest && non_probing,
                            arrival.len,
                        );
                    }
                }
                Err(Drop::Packet(why)) => {
                    self.stats.packets_dropped += 1;
                    self.stats.last_drop = Some(why);
                    self.trace_dropped(now, arrival.len, &why);
                }
                Err(Drop::Connection(err)) => {
                    self.close_with_error(now, &err);
                    return;
                }
            }
            if self.state != State::Open {
                return;
            }
        }
    }

    /// Handles a datagram from this connection's peer that carries none of its connection
    /// IDs (the endpoint could route it nowhere): it can only be a stateless reset. Nothing
    /// else is done with it: it is not this connection's, so it buys no anti-amplification
    /// credit (RFC 9000 §8.1) and moves no timer.
    pub fn handle_unrouted(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        if self.state == State::Open && from == self.path.remote {
            self.check_stateless_reset(now, datagram);
        }
    }

    /// Starts draining if `datagram` is a stateless reset from the peer.
    fn check_stateless_reset(&mut self, now: Instant, datagram: &[u8]) {
        if self
            .remote_cids
            .reset_tokens()
            .any(|t| crate::crypto::is_stateless_reset(datagram, t))
        {
            self.start_draining(
                now,
                CloseInfo {
                    error_code: 0,
                    frame_type: None,
                    reason: b"stateless reset".to_vec(),
                    local: false,
                    transport: true,
                },
            );
        }
    }

    /// A client receives Retry (RFC 9000 §17.2.5): once, before any other server packet, and
    /// only with a valid integrity tag and a token. The Initial keys follow the server's new
    /// ID and the first flight goes out again with the token.
    fn on_retry(&mut self, now: Instant, scid: ConnectionId, packet: &[u8], token_offset: usize) {
        if self.side != Side::Client || self.retry.is_some() || self.peer_scid.is_some() {
            return;
        }
        let token = &packet[token_offset..packet.len() - RETRY_TAG_LEN];
        if token.is_empty() || !verify_retry(self.version, &self.original_dcid, packet) {
            return;
        }
        self.retry = Some((scid, std::sync::Arc::from(token)));
        self.remote_cids.set_initial(scid);
        self.versions.initial_cid = scid;
        let initial = &mut self.spaces[SpaceId::Initial as usize];
        initial.keys = Some(initial_keys(self.version, &scid, Side::Client));
        let discarded = initial.sent.discard();
        for packet in &discarded.packets {
            if let Some(range) = packet.data.crypto.clone() {
                initial.crypto_send.on_lost(range, false);
            }
        }
        self.cc.on_packets_discarded(discarded.bytes_in_flight);
        // The server did not read the 0-RTT packets either: their data goes again.
        self.resend_zero_rtt();
        self.reset_idle(now);
    }

    /// A client receives Version Negotiation (RFC 9000 §6.2): ignored if it lists the version
    /// in use or arrives after any other server packet; otherwise the attempt ends, noting a
    /// version both sides speak for the endpoint to try.
    fn on_version_negotiation(&mut self, list: &[u8]) {
        if self.side != Side::Client || self.peer_scid.is_some() || self.retry.is_some() {
            return;
        }
        let offered: Vec<u32> = versions(list).collect();
        if offered.contains(&self.version.wire()) {
            return;
        }
        self.vn_offer = self
            .config
            .versions
            .iter()
            .copied()
            .find(|v| offered.contains(&v.wire()));
        self.close_info = Some(CloseInfo {
            error_code: TransportErrorCode::VERSION_NEGOTIATION_ERROR.0,
            frame_type: None,
            reason: b"no common version".to_vec(),
            local: true,
            transport: true,
        });
        self.finish_closed();
    }

    /// Handles one packet; for a 1-RTT packet returns its number and whether it carried
    /// anything besides probing frames (RFC 9000 §9.1).
    fn handle_packet(
        &mut self,
        now: Instant,
        h: &ProtectedHeader,
        packet: &mut [u8],
        arrival: &Arrival,
    ) -> Result<Option<(u64, bool)>, Drop> {
        let zero_rtt = h.kind == PacketKind::ZeroRtt;
        if zero_rtt && (self.side == Side::Client || self.zero_rtt.keys().is_none()) {
            return Err(Drop::Packet(PacketError::Malformed("0-RTT not accepted")));
        }
        if h.is_long() && self.peer_scid.is_some_and(|scid| scid != h.scid) {
            // Once the peer's source ID is known, a long-header packet with another one
            // belongs to someone else (RFC 9000 §7.2).
            return Err(Drop::Packet(PacketError::Malformed(
                "changed source connection ID",
            )));
        }
        let id = SpaceId::of(h.kind);
        if h.kind == PacketKind::OneRtt && !self.is_handshake_complete() {
            // A server must not process 1-RTT packets before the handshake completes
            // (RFC 9001 §5.7); the client will send them again.
            return Err(Drop::Packet(PacketError::DecryptFailed));
        }
        let other = match h.version {
            Some(v) if v != self.version => self.other_version(v, h.kind)?.is_some(),
            Some(v) => {
                self.check_upgrade_followed(v)?;
                false
            }
            None => false,
        };
        let space = &self.spaces[id as usize];
        if space.discarded {
            // Late packets of a space the handshake left behind (in either version).
            return Err(Drop::Packet(PacketError::DecryptFailed));
        }
        let keys = if other {
            self.versions.original_initial.as_ref()
        } else {
            space.keys.as_ref()
        };
        let (header_key, packet_key) = match (self.zero_rtt.keys(), keys) {
            (Some(early), _) if zero_rtt => (early.header.as_ref(), early.packet.as_ref()),
            (_, Some(keys)) => (keys.remote.header.as_ref(), keys.remote.packet.as_ref()),
            (_, None) => return Err(Drop::Packet(PacketError::DecryptFailed)),
        };
        let un = remove_header_protection(packet, h.pn_offset, header_key)?;
        let pn = un.packet_number(space.acks.largest());
        let payload = if zero_rtt {
            open(packet, &un, pn, packet_key)?
        } else if id == SpaceId::Data {
            match self.open_one_rtt(now, packet, &un, pn) {
                Err(Drop::Packet(PacketError::DecryptFailed)) => {
                    return Err(self.on_auth_failure());
                }
                opened => opened?,
            }
        } else {
            open(packet, &un, pn, packet_key)?
        };
        self.on_packet_opened(h.kind);
        if !un.reserved_bits_clear() {
            return Err(Drop::Connection(TransportError::protocol_violation(
                None,
                "reserved header bits set",
            )));
        }
        if self.spaces[id as usize].acks.contains(pn) {
            return Err(Drop::Packet(PacketError::Malformed("duplicate packet")));
        }
        if self.side == Side::Client && self.peer_scid.is_none() && h.is_long() {
            // The server's first packet names the ID it wants (RFC 9000 §7.2).
            self.remote_cids.set_initial(h.scid);
            self.peer_scid = Some(h.scid);
        }
        let server_handshake = self.side == Side::Server && h.kind == PacketKind::Handshake;
        if server_handshake {
            // A Handshake packet proves the client owns its address (RFC 9000 §8.1).
            self.path.validated = true;
        }
        let payload = &packet[payload];
        if payload.is_empty() {
            return Err(Drop::Connection(TransportError::protocol_violation(
                None,
                "packet without frames",
            )));
        }
        let mut ack_eliciting = false;
        let mut immediate_ack = false;
        let mut non_probing = false;
        let mut traced = self.traces("transport:packet_received").then(Vec::new);
        let packet_len = packet.len();
        for frame in FrameIter::new(payload) {
            let frame = frame?;
            if let Some(t) = &mut traced {
                t.push(crate::qlog::frame(&frame));
            }
            frame.check_allowed(h.kind)?;
            ack_eliciting |= frame.is_ack_eliciting();
            immediate_ack |= matches!(frame, Frame::ImmediateAck);
            non_probing |= !frame.is_probing();
            self.handle_frame(now, id, &h.dcid, arrival, frame)?;
            // Closed, or the handshake completed and discarded this packet's space: the
            // rest of its frames are moot.
            if self.state != State::Open || self.spaces[id as usize].discarded {
                break;
            }
        }
        self.trace_packet(
            Some(now),
            "transport:packet_received",
            (h.kind, pn, packet_len),
            traced,
        );
        // The first packets of a key phase the peer started are acknowledged at once: the
        // peer may not update again until one of them is (RFC 9001 §6.1).
        let immediate = id != SpaceId::Data
            || immediate_ack
            || self
                .key_update
                .as_ref()
                .is_some_and(|ku| ku.peer_update_unacked);
        // The packet's frames may have completed the handshake and discarded its space
        // (a server's last Handshake packet): nothing is acknowledged there any more.
        if !self.spaces[id as usize].discarded {
            let policy = self.ack_frequency.policy(self.config.max_ack_delay);
            let acks = &mut self.spaces[id as usize].acks;
            if let Some(ecn) = arrival.ecn {
                acks.on_ecn(ecn);
            }
            // Not a duplicate: checked before the frames were handled.
            acks.on_received_new(pn, now, ack_eliciting, immediate, policy);
        }
        if ack_eliciting || id != SpaceId::Initial {
            self.reset_idle(now);
        }
        // A server discards Initial keys once it gets a Handshake packet; a client once it
        // sends one (RFC 9001 §4.9.1), which the send path handles.
        if server_handshake {
            self.discard_space(SpaceId::Initial);
        }
        Ok((h.kind == PacketKind::OneRtt).then_some((pn, non_probing)))
    }

    /// Counts a 1-RTT packet that failed authentication: dropped, or past the integrity limit
    /// the connection closes with AEAD_LIMIT_REACHED (RFC 9001 §6.6).
    fn on_auth_failure(&mut self) -> Drop {
        self.auth_failures += 1;
        let limit = self.config.aead_integrity_limit.or_else(|| {
            self.spaces[SpaceId::Data as usize]
                .keys
                .as_ref()
                .map(|k| k.remote.packet.integrity_limit())
        });
        if limit.is_some_and(|l| self.auth_failures > l) {
            Drop::Connection(TransportError::new(
                TransportErrorCode::AEAD_LIMIT_REACHED,
                "too many packets failed authentication",
            ))
        } else {
            Drop::Packet(PacketError::DecryptFailed)
        }
    }

    /// Opens a 1-RTT packet with the key its phase calls for (RFC 9001 §6.3): the current key,
    /// the previous one for a packet reordered across an update, or the next one when the peer
    /// updates, which this endpoint then follows.
    fn open_one_rtt(
        &mut self,
        now: Instant,
        packet: &mut [u8],
        un: &Unmasked,
        pn: u64,
    ) -> Result<Range<usize>, Drop> {
        let prev_until = now + self.three_ptos();
        let space = &mut self.spaces[SpaceId::Data as usize];
        let next_pn = space.next_pn;
        let keys = space
            .keys
            .as_mut()
            .ok_or(Drop::Packet(PacketError::DecryptFailed))?;
        let Some(ku) = self.key_update.as_mut() else {
            return Ok(open(packet, un, pn, keys.remote.packet.as_ref())?);
        };
        if ku
            .prev_remote
            .as_ref()
            .is_some_and(|(_, until)| now >= *until)
        {
            ku.prev_remote = None;
        }
        if un.key_phase() == ku.phase {
            let range = open(packet, un, pn, keys.remote.packet.as_ref())?;
            ku.first_received = Some(ku.first_received.map_or(pn, |f| f.min(pn)));
            return Ok(range);
        }
        // From before the last update: older than the first packet of the current phase, or,
        // when this endpoint updated and nothing in the new phase has arrived yet, sent by a
        // peer that has not seen the update.
        let from_before = match ku.first_received {
            Some(first) => pn < first,
            None => ku.prev_remote.is_some(),
        };
        if from_before {
            let (prev, _) = ku
                .prev_remote
                .as_ref()
                .ok_or(Drop::Packet(PacketError::DecryptFailed))?;
            return Ok(open(packet, un, pn, prev.as_ref())?);
        }
        let range = open(packet, un, pn, ku.next_keys().remote.as_ref())?;
        if ku.peer_update_unacked {
            // The peer updates again before this endpoint acknowledged its last update.
            return Err(Drop::Connection(TransportError::new(
                TransportErrorCode::KEY_UPDATE_ERROR,
                "consecutive key updates",
            )));
        }
        ku.advance(keys, prev_until, next_pn);
        ku.first_received = Some(pn);
        ku.peer_update_unacked = true;
        let generation = ku.updates;
        self.trace_key_update(now, false, generation);
        Ok(range)
    }

    fn handle_frame(
        &mut self,
        now: Instant,
        id: SpaceId,
        dcid: &ConnectionId,
        arrival: &Arrival,
        frame: Frame<'_>,
    ) -> Result<(), Drop> {
        match frame {
            Frame::Padding { .. } | Frame::Ping => {}
            Frame::Ack(ack) => self.on_ack_frame(now, id, &ack)?,
            Frame::Crypto(c) => {
                let space = &mut self.spaces[id as usize];
                space
                    .crypto_recv
                    .insert(c.offset, c.data, false)
                    .map_err(|mut e| {
                        e.frame_type = Some(0x06);
                        Drop::Connection(e)
                    })?;
                let mut buf = [0u8; 4096];
                // Until the data ends, or the handshake it completes discards the space.
                while !self.spaces[id as usize].discarded {
                    let n = self.spaces[id as usize].crypto_recv.read(&mut buf);
                    if n == 0 {
                        break;
                    }
                    let out = self.tls.read(&buf[..n])?;
                    self.apply_tls(out)?;
                }
            }
            Frame::HandshakeDone => {
                if self.side == Side::Server {
                    return Err(Drop::Connection(TransportError::protocol_violation(
                        Some(0x1e),
                        "HANDSHAKE_DONE sent by a client",
                    )));
                }
                self.confirm_handshake();
            }
            Frame::ConnectionClose(close) => {
                let (frame_type, transport) = match close.kind {
                    CloseKind::Transport { frame_type } => (Some(frame_type), true),
                    CloseKind::Application => (None, false),
                };
                self.start_draining(
                    now,
                    CloseInfo {
                        error_code: close.error_code,
                        frame_type,
                        reason: close.reason.to_vec(),
                        local: false,
                        transport,
                    },
                );
            }
            Frame::NewConnectionId(n) => self.remote_cids.on_new(&n)?,
            Frame::RetireConnectionId { sequence } => {
                if let Some(retired) = self.local_cids.retire(sequence, dcid)? {
                    self.retired_local_cids.push(retired);
                    // A new ID replaces it, so the peer always has a spare to migrate with.
                    let limit = self
                        .peer_params
                        .as_ref()
                        .map_or(0, |p| p.active_connection_id_limit.get());
                    let fresh = self.local_cids.issue(limit, &mut self.rng, &self.reset_key);
                    self.pending_new_cids.extend(fresh);
                }
            }
            Frame::Stream(f) => self.streams_for_frame()?.on_stream_frame(&f)?,
            Frame::ResetStream {
                id,
                error_code,
                final_size,
            } => self
                .streams_for_frame()?
                .on_reset_stream(id, error_code, final_size)?,
            Frame::StopSending { id, error_code } => {
                self.streams_for_frame()?.on_stop_sending(id, error_code)?
            }
            Frame::MaxData { max } => self.streams_for_frame()?.on_max_data(max),
            Frame::MaxStreamData { id, max } => {
                self.streams_for_frame()?.on_max_stream_data(id, max)?
            }
            Frame::MaxStreams { dir, max } => self.streams_for_frame()?.on_max_streams(dir, max),
            Frame::StreamDataBlocked { id, .. } => {
                self.streams_for_frame()?.on_stream_data_blocked(id)?
            }
            Frame::DataBlocked { .. } | Frame::StreamsBlocked { .. } => {}
            Frame::NewToken { token } => {
                if self.side == Side::Server {
                    return Err(Drop::Connection(TransportError::protocol_violation(
                        Some(0x07),
                        "NEW_TOKEN sent by a client",
                    )));
                }
                self.tokens.on_received(token);
                self.notify(super::Event::NewToken);
            }
            Frame::PathChallenge(data) => {
                if arrival.from != self.path.remote {
                    self.on_probed_from(now, arrival.from, arrival.len);
                }
                // A flood of challenges gets answers to the latest few only.
                if self.path_responses.len() >= super::MAX_PATH_RESPONSES {
                    self.path_responses.remove(0);
                }
                self.path_responses.push(PathResponse {
                    data,
                    to: arrival.from,
                    budget: 3 * arrival.len,
                });
            }
            Frame::PathResponse(data) => self.on_path_response(&data),
            Frame::Datagram(f) => {
                self.datagrams.on_frame(&f)?;
                self.notify(super::Event::DatagramReceived);
            }
            Frame::AckFrequency(f) => self
                .ack_frequency
                .on_frame(&f, self.config.min_ack_delay())?,
            Frame::ImmediateAck => {
                AckFrequencyState::check_immediate_ack(self.config.min_ack_delay())?;
            }
        }
        Ok(())
    }

    /// The peer's max_ack_delay (25 ms until its parameters are known).
    pub(super) fn peer_max_ack_delay(&self) -> Duration {
        self.peer_params
            .as_ref()
            .map_or(Duration::from_millis(25), |p| p.max_ack_delay_duration())
    }

    fn streams_for_frame(&mut self) -> Result<&mut super::Streams, Drop> {
        self.streams
            .as_mut()
            .ok_or(Drop::Connection(TransportError::protocol_violation(
                None,
                "stream frame before the handshake completed",
            )))
    }

    fn on_ack_frame(&mut self, now: Instant, id: SpaceId, ack: &Ack<'_>) -> Result<(), Drop> {
        let exponent = self.peer_params.as_ref().map_or(3, |p| {
            u32::try_from(p.ack_delay_exponent.get()).unwrap_or(20)
        });
        let peer_max_ack_delay = self.peer_max_ack_delay();
        let space = &mut self.spaces[id as usize];
        if let Some(skipped) = space.skipped_pn
            && ack.ranges().any(|r| r.contains(&skipped))
        {
            return Err(Drop::Connection(TransportError::protocol_violation(
                Some(ack.frame_type().0),
                "acknowledged a packet number never sent",
            )));
        }
        let outcome = space
            .sent
            .on_ack(ack.ranges())
            .map_err(TransportError::from)?;
        if let Some(sample) = outcome.rtt_sample(now) {
            let delay = if id == SpaceId::Data {
                Duration::from_micros(ack.delay().saturating_mul(1u64 << exponent.min(20)))
            } else {
                Duration::ZERO
            };
            self.rtt.update(
                now,
                sample,
                delay,
                self.handshake_confirmed,
                peer_max_ack_delay,
            );
        }
        if id == SpaceId::Data
            && let (Some(ku), Some(largest)) = (&mut self.key_update, space.sent.largest_acked())
        {
            ku.on_ack(largest, now);
        }
        if !outcome.packets.is_empty() {
            self.pto_count = 0;
            self.probe_streak_since = None;
        }
        // The counts validate the path's ECN; a rise in CE on a path that passes is a
        // congestion signal (RFC 9002 §7.1).
        let newly_marked = outcome.packets.iter().filter(|p| p.data.ecn_marked).count();
        if self.ecn.on_ack(id, newly_marked as u64, ack.ecn()) {
            let sent = outcome.largest_newly_acked_sent.unwrap_or(now);
            self.cc.on_ecn_ce(now, sent);
        }
        for packet in &outcome.packets {
            if packet.in_flight {
                self.cc.on_ack(
                    now,
                    packet.time_sent,
                    packet.size,
                    &self.rtt,
                    self.app_limited,
                );
            }
        }
        for packet in outcome.packets {
            self.datagrams.on_acked(packet.data.datagrams);
            match packet.data.pmtu_probe {
                Some(size) => self.pmtud.on_probe_acked(now, size),
                None => self.pmtud.on_packet_acked(packet.size as usize),
            }
            let space = &mut self.spaces[id as usize];
            if let Some(range) = packet.data.crypto {
                space.crypto_send.on_ack(range, false);
            }
            if let Some(streams) = &mut self.streams {
                for (sid, range, fin) in packet.data.streams {
                    streams.on_acked(sid, range, fin);
                }
                if let Some(control) = &packet.data.control {
                    streams.on_control_acked(control);
                }
            }
            let space = &mut self.spaces[id as usize];
            if let Some(up_to) = packet.data.ack_up_to {
                // The peer saw our ACK: those packet numbers need no acknowledging again.
                space.acks.forget_up_to(up_to.saturating_sub(1));
            }
        }
        self.detect_lost(now, id);
        self.trace_recovery(now);
        Ok(())
    }

    /// Declares packets of a space lost (RFC 9002 §6.1) and queues what they carried again.
    pub(super) fn detect_lost(&mut self, now: Instant, id: SpaceId) {
        let peer_max_ack_delay = self.peer_max_ack_delay();
        let space = &mut self.spaces[id as usize];
        let lost = space.sent.detect_lost(now, &self.rtt);
        // A lost probe of a larger datagram size is no congestion signal (RFC 9000 §14.4):
        // only what it held in flight goes.
        let probes: u64 = lost
            .packets
            .iter()
            .filter(|p| p.data.pmtu_probe.is_some())
            .map(|p| p.size)
            .sum();
        if probes > 0 {
            self.cc.on_packets_discarded(probes);
        }
        let congested = lost
            .packets
            .iter()
            .filter(|p| p.in_flight && p.data.pmtu_probe.is_none())
            .map(|p| p.time_sent)
            .max();
        if let Some(sent_time) = congested {
            let persistent =
                space
                    .sent
                    .persistent_congestion(&lost.packets, &self.rtt, peer_max_ack_delay);
            if persistent {
                self.rtt.on_persistent_congestion();
            }
            self.cc.on_congestion_event(
                now,
                sent_time,
                persistent,
                lost.bytes_in_flight() - probes,
            );
        }
        for p in &lost.packets {
            if let Some(size) = p.data.pmtu_probe {
                self.pmtud.on_probe_lost(now, size);
            }
        }
        if lost
            .packets
            .iter()
            .any(|p| p.data.pmtu_probe.is_none() && p.size > super::pmtud::BASE as u64)
        {
            self.pmtud.on_large_lost(now);
        }
        let marked_lost = lost.packets.iter().filter(|p| p.data.ecn_marked).count();
        self.ecn.on_marked_lost(marked_lost as u64);
        for packet in &lost.packets {
            self.trace_lost(now, id, packet.pn);
        }
        self.requeue(id, lost.packets);
    }

    /// Queues again what packets of space `id` carried, as they will never arrive.
    pub(super) fn requeue(&mut self, id: SpaceId, packets: Vec<SentPacket<SentData>>) {
        let space = &mut self.spaces[id as usize];
        for packet in packets {
            self.datagrams.on_lost(packet.data.datagrams);
            if let Some(range) = packet.data.crypto {
                space.crypto_send.on_lost(range, false);
            }
            if packet.data.handshake_done {
                self.handshake_done_pending = true;
            }
            if packet.data.ack_frequency {
                self.ack_frequency.on_lost();
            }
            if let Some(token) = packet.data.new_token {
                self.tokens.on_lost(token);
            }
            self.pending_new_cids.extend(packet.data.new_cids);
            for seq in packet.data.retired_cids {
                self.remote_cids.retire_again(seq);
            }
            if let Some(streams) = &mut self.streams {
                for (sid, range, fin) in packet.data.streams {
                    streams.on_lost(sid, range, fin);
                }
                if let Some(control) = packet.data.control {
                    streams.on_control_lost(*control);
                }
            }
        }
    }
}

/// What arrived with a datagram, as the packets in it are handled.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrival {
    /// The sender's address.
    from: SocketAddr,
    /// Its ECN codepoint, where the socket reports it.
    ecn: Option<EcnCodepoint>,
    /// The datagram's length.
    len: usize,
}

/// Why processing a packet stopped.
pub(super) enum Drop {
    /// Drop the packet; the connection carries on.
    Packet(PacketError),
    /// Close the connection with this error.
    Connection(TransportError),
}

impl From<PacketError> for Drop {
    fn from(e: PacketError) -> Self {
        Drop::Packet(e)
    }
}

impl From<TransportError> for Drop {
    fn from(e: TransportError) -> Self {
        Drop::Connection(e)
    }
}
