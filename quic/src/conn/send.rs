//! Outgoing datagrams: which spaces have something to say, packets built frame by frame and
//! coalesced, Initial padding, the anti-amplification limit, and the loss-detection timer.

use std::time::{Duration, Instant};

use rustls::quic::{HeaderProtectionKey, PacketKey};

use super::path::PATH_PROBE_SIZE;
use super::space::{SentData, SpaceId};
use super::streams::SentControl;
use super::{Connection, MIN_INITIAL_SIZE, State, Transmit};
use crate::coding::Writer;
use crate::frame::{AckEncoder, CloseKind, ConnectionClose, CryptoFrame, Frame};
use crate::packet::header::{Header, HeaderLayout, LongType};
use crate::packet::protect::{min_payload_len, seal};
use crate::packet::{PacketKind, number};
use crate::recovery::SentPacket;
use crate::stream_id::Side;

/// Packets short of the AEAD confidentiality limit at which keys are updated regardless.
const AEAD_LIMIT_MARGIN: u64 = 1 << 16;

/// Bytes a CRYPTO frame's type, offset and length can take at most.
const CRYPTO_FRAME_OVERHEAD: usize = 1 + 8 + 4;

impl Connection {
    /// The largest datagram to send now: 1200 bytes until the peer's limit is known, then
    /// what path MTU discovery found.
    pub(super) fn max_datagram_size(&self) -> usize {
        match &self.peer_params {
            Some(_) => self.pmtud.current(),
            None => MIN_INITIAL_SIZE,
        }
    }

    /// Whether ack-eliciting data may go out now: the congestion window has room and the
    /// pacer is not holding it back.
    fn window_open(&self) -> bool {
        self.cc.bytes_in_flight() < self.cc.window()
            && self.paced_until.is_none()
            && !self.probe_holds_data
    }

    /// Whether a space has anything to put in a packet now. ACKs and probes go out whatever the
    /// congestion window says; everything else waits for room in it.
    fn wants_send(&self, now: Instant, id: SpaceId) -> bool {
        let space = &self.spaces[id as usize];
        if id == SpaceId::Data && self.is_sending_zero_rtt() {
            // A 0-RTT packet carries stream frames only (no ACK: the client has received
            // nothing in this space yet).
            return self.window_open() && self.streams.as_ref().is_some_and(|s| s.wants_send());
        }
        if space.keys.is_none() {
            return false;
        }
        if space.acks.ack_due(now) || space.probes > 0 {
            return true;
        }
        if !self.window_open() {
            return false;
        }
        space.has_crypto_to_send()
            || (id == SpaceId::Data
                && ((self.handshake_done_pending && self.side == Side::Server)
                    || self.ack_frequency.wants_send()
                    || !self.pending_new_cids.is_empty()
                    || self.remote_cids.has_retirements()
                    || self.datagrams.wants_send()
                    || self.ping_pending
                    || self
                        .tokens
                        .wants_send(self.side, self.is_handshake_complete())
                    || self.streams.as_ref().is_some_and(|s| s.wants_send())))
    }

    /// Writes the next datagram into `buf`, if there is anything to send.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        self.transmit_path_frames(now, buf)
            .or_else(|| self.transmit_pmtu_probe(now, buf))
            .or_else(|| self.transmit(now, buf, 0))
    }

    /// One datagram, padded to at least `pad_to` bytes when it carries packets at all.
    fn transmit(&mut self, now: Instant, buf: &mut [u8], pad_to: usize) -> Option<Transmit> {
        let mut limit = buf.len().min(self.max_datagram_size());
        let size = limit as u64;
        self.datagram_ecn = self.ecn.marking();
        self.paced_until = self
            .pacer
            .delay_until(now, size, self.cc.window(), self.rtt.smoothed(), size)
            .filter(|t| *t > now);
        if let Some(budget) = self.path.data_budget() {
            limit = limit.min(usize::try_from(budget).unwrap_or(usize::MAX));
        }
        let len = match self.state {
            State::Closed | State::Draining { .. } => return None,
            State::Closing {
                send_close, rapid, ..
            } => {
                if !send_close {
                    return None;
                }
                let len = self.write_close(&mut buf[..limit])?;
                if let State::Closing {
                    send_close,
                    last_sent,
                    ..
                } = &mut self.state
                {
                    *send_close = false;
                    *last_sent = Some(now);
                }
                if rapid {
                    self.finish_closed();
                }
                len
            }
            State::Open => {
                let written = self.write_datagram(now, &mut buf[..limit], pad_to);
                // Nothing to send although the window has room: application (or flow
                // control) limited. A full window: limited by congestion control.
                match written {
                    None => self.app_limited = self.window_open(),
                    Some(_) if !self.window_open() => self.app_limited = false,
                    Some(_) => {}
                }
                self.ack_blocked =
                    written.is_none() && self.ack_timer().is_some_and(|due| due <= now);
                written?
            }
        };
        self.path.bytes_sent += len as u64;
        self.ecn.on_datagram_sent(self.datagram_ecn.is_some());
        Some(Transmit {
            destination: self.path.remote,
            len,
            segment_size: len,
            source: self.local,
            ecn: self.datagram_ecn,
        })
    }

    /// Writes up to `max_datagrams` datagrams into `buf` for one system call: all go to the
    /// same destination, and every one but the last is as long as the first.
    pub fn poll_transmit_batch(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        max_datagrams: usize,
    ) -> Option<Transmit> {
        // A datagram of path validation goes alone (it may have another destination), and so
        // does a probe of a larger size.
        if let Some(t) = self
            .transmit_path_frames(now, buf)
            .or_else(|| self.transmit_pmtu_probe(now, buf))
        {
            return Some(t);
        }
        let first = self.transmit(now, buf, 0)?;
        let segment = first.len;
        let mut len = segment;
        let mut count = 1;
        // Behind a full-size first datagram, the others are padded to its size where they
        // come out a little short (a STREAM frame ending at a buffer boundary), so that the
        // batch goes out as one segmented send instead of ending early.
        let pad_to = if segment >= MIN_INITIAL_SIZE {
            segment
        } else {
            0
        };
        // The batch shares one marking: it ends where the marking changes.
        while count < max_datagrams && buf.len() - len >= segment && self.ecn.marking() == first.ecn
        {
            let Some(next) = self.transmit(now, &mut buf[len..len + segment], pad_to) else {
                break;
            };
            len += next.len;
            count += 1;
            if next.len < segment {
                break;
            }
        }
        Some(Transmit {
            destination: first.destination,
            len,
            segment_size: segment,
            source: first.source,
            ecn: first.ecn,
        })
    }

    fn write_datagram(&mut self, now: Instant, buf: &mut [u8], pad_to: usize) -> Option<usize> {
        let wanting = SpaceId::ALL.map(|id| self.wants_send(now, id));
        let last = SpaceId::ALL
            .into_iter()
            .rev()
            .find(|id| wanting[*id as usize])?;
        // Datagrams with an ack-eliciting Initial are padded to 1200 bytes (RFC 9000 §14.1):
        // a server's with CRYPTO data or a probe in it (a probe carries CRYPTO data again, or
        // a PING); a client pads every datagram carrying an Initial.
        let initial = wanting[SpaceId::Initial as usize];
        let space = &self.spaces[SpaceId::Initial as usize];
        let pad = initial
            && (self.side == Side::Client || space.has_crypto_to_send() || space.probes > 0);
        if pad && buf.len() < MIN_INITIAL_SIZE {
            return None;
        }
        let mut len = 0;
        for id in SpaceId::ALL.into_iter().filter(|id| wanting[*id as usize]) {
            let min_len = match (id == last, pad) {
                (true, true) => MIN_INITIAL_SIZE.max(pad_to).saturating_sub(len),
                (true, false) => pad_to.min(buf.len()).saturating_sub(len),
                (false, _) => 0,
            };
            match self.write_packet(now, id, &mut buf[len..], min_len) {
                Some(n) => len += n,
                None => break,
            }
        }
        (len > 0).then_some(len)
    }

    /// The header of a packet sent in space `id`; an Initial carries `token`.
    fn header<'t>(&self, id: SpaceId, token: &'t [u8]) -> Header<'t> {
        let dcid = self.remote_cids.current();
        let scid = self.local_cids.active().next().copied().unwrap_or_default();
        match id {
            SpaceId::Initial => Header::Long {
                ty: LongType::Initial,
                version: self.version,
                dcid,
                scid,
                token,
            },
            SpaceId::Handshake => Header::Long {
                ty: LongType::Handshake,
                version: self.version,
                dcid,
                scid,
                token: &[],
            },
            SpaceId::Data if self.is_sending_zero_rtt() => Header::Long {
                ty: LongType::ZeroRtt,
                version: self.version,
                dcid,
                scid,
                token: &[],
            },
            SpaceId::Data => Header::Short {
                dcid,
                spin: false,
                key_phase: self.key_update.as_ref().is_some_and(|k| k.phase),
            },
        }
    }

    /// Starts a key update when the AEAD's confidentiality limit is near, once the handshake is
    /// confirmed and the peer has acknowledged a packet of the current phase (RFC 9001 §6.1),
    /// or when the configured interval is reached and, after an earlier update, three PTOs
    /// have passed since that acknowledgement, so the peer has dropped its old keys and can
    /// decrypt the update (RFC 9001 §6.5; OpenSSL discards packets of a new phase until then).
    fn maybe_initiate_key_update(&mut self, now: Instant) {
        let three_ptos = self.three_ptos();
        let prev_until = now + three_ptos;
        let confirmed = self.handshake_confirmed;
        let interval = self.config.key_update_interval;
        let space = &mut self.spaces[SpaceId::Data as usize];
        let (Some(ku), Some(keys)) = (self.key_update.as_mut(), space.keys.as_mut()) else {
            return;
        };
        let Some(acked_at) = ku.confirmed_at else {
            return;
        };
        let limit = keys
            .local
            .packet
            .confidentiality_limit()
            .saturating_sub(AEAD_LIMIT_MARGIN);
        // The first update follows no other: nothing to wait for.
        let wait = if ku.updates == 0 {
            Duration::ZERO
        } else {
            three_ptos
        };
        let due = (ku.requested || interval.is_some_and(|n| ku.sent_in_phase >= n))
            && now >= acked_at + wait;
        if confirmed && (due || ku.sent_in_phase >= limit) {
            ku.advance(keys, prev_until, space.next_pn);
            ku.started_here = true;
            let generation = ku.updates;
            self.trace_key_update(now, true, generation);
        }
    }

    /// Starts a packet of space `id` in `out`: writes its header and returns a writer for the
    /// frames (ending where the AEAD tag goes), the header layout and the tag length. `None`
    /// without keys, or if `out` cannot hold a packet of the minimum size.
    fn packet_start<'o>(
        &self,
        id: SpaceId,
        out: &'o mut [u8],
    ) -> Option<(Writer<'o>, HeaderLayout, usize)> {
        let space = &self.spaces[id as usize];
        let tag_len = self.sealing_keys(id)?.0.tag_len();
        let pn = space.next_pn;
        let pn_len = number::encoded_len(pn, space.sent.largest_acked());
        // A client echoes the Retry token in its Initials (empty without a Retry).
        let token = match (id, &self.retry) {
            (SpaceId::Initial, Some((_, token))) => &token[..],
            (SpaceId::Initial, None) => self.tokens.initial(),
            _ => &[],
        };
        let header = self.header(id, token);
        if header.encoded_len(pn_len) + tag_len + min_payload_len(pn_len, tag_len) > out.len() {
            return None;
        }
        let payload_end = out.len() - tag_len;
        let mut w = Writer::new(&mut out[..payload_end]);
        let layout = header.write(&mut w, pn, pn_len).ok()?;
        Some((w, layout, tag_len))
    }

    /// Builds and seals one packet of space `id` in `out`, at least `min_len` bytes long.
    fn write_packet(
        &mut self,
        now: Instant,
        id: SpaceId,
        out: &mut [u8],
        min_len: usize,
    ) -> Option<usize> {
        if id == SpaceId::Data {
            self.maybe_initiate_key_update(now);
        }
        let exponent = self.config.ack_delay_exponent;
        let may_send_data = self.window_open() || self.spaces[id as usize].probes > 0;
        let (mut w, layout, tag_len) = self.packet_start(id, out)?;
        let space = &mut self.spaces[id as usize];
        if space.probes > 0 && id != SpaceId::Data && !space.has_crypto_to_send() {
            // Every probe of a handshake space carries its unacknowledged CRYPTO data again:
            // a peer that gets only the second probe still gets it (a server makes a
            // connection only from an Initial with CRYPTO in it, RFC 9000 §17.2.2).
            let in_flight: Vec<_> = space
                .sent
                .iter()
                .filter_map(|p| p.data.crypto.clone())
                .collect();
            for range in in_flight {
                space.crypto_send.on_lost(range, false);
            }
        }
        let mut data = SentData::default();
        let mut ack_eliciting = false;

        if space.acks.has_unacked() {
            let ranges = space.acks.ranges();
            let mut ack = AckEncoder {
                ranges,
                delay: space.acks.ack_delay(now, exponent),
                ecn: space.acks.ecn_counts(),
            };
            let fit = ack.ranges_that_fit(w.remaining());
            if fit > 0 {
                ack.ranges = &ranges[..fit];
                if ack.encode(&mut w).is_ok() {
                    data.ack_up_to = ranges.first().map(|r| *r.end());
                    space.acks.on_ack_sent();
                    self.stats.acks_sent += 1;
                }
            }
        }
        if !may_send_data {
            let end = w.position();
            return self.finish_packet(now, id, out, end, layout, tag_len, data, false, min_len);
        }
        if id == SpaceId::Data
            && self.side == Side::Server
            && self.handshake_done_pending
            && Frame::HandshakeDone.encode(&mut w).is_ok()
        {
            data.handshake_done = true;
            self.handshake_done_pending = false;
            ack_eliciting = true;
        }
        if id == SpaceId::Data && self.write_ack_frequency(&mut w) {
            data.ack_frequency = true;
            ack_eliciting = true;
        }
        // A probe asks for its acknowledgment at once when the peer was asked to wait for
        // several packets (draft-ietf-quic-ack-frequency §4.2); before the data, which may
        // fill the packet.
        if id == SpaceId::Data
            && self.spaces[id as usize].probes > 0
            && self.ack_frequency.decimating()
            && Frame::ImmediateAck.encode(&mut w).is_ok()
        {
            ack_eliciting = true;
        }
        if id == SpaceId::Data {
            while let Some(n) = self.pending_new_cids.last() {
                if Frame::NewConnectionId(*n).encode(&mut w).is_err() {
                    break;
                }
                data.new_cids.extend(self.pending_new_cids.pop());
                ack_eliciting = true;
                if self.pending_new_cids.is_empty() {
                    // IDs are issued rarely: the list's room goes with its last one.
                    self.pending_new_cids = Vec::new();
                }
            }
            while let Some(sequence) = self.remote_cids.pop_retirement() {
                if (Frame::RetireConnectionId { sequence })
                    .encode(&mut w)
                    .is_err()
                {
                    self.remote_cids.retire_again(sequence);
                    break;
                }
                data.retired_cids.push(sequence);
                ack_eliciting = true;
            }
        }
        if id == SpaceId::Data
            && self
                .tokens
                .wants_send(self.side, self.is_handshake_complete())
            && let Some(token) = self.tokens.write_frame(&mut w)
        {
            data.new_token = Some(token);
            ack_eliciting = true;
        }
        // Datagrams go before stream data: they are what an application sends when it cares
        // more for latency than for delivery.
        if id == SpaceId::Data
            && let Some(max) = self.datagram_max_size()
        {
            data.datagrams = self.datagrams.write_frames(&mut w, max);
            ack_eliciting |= data.datagrams > 0;
        }
        let rtt = self.rtt.smoothed();
        if id == SpaceId::Data
            && let Some(streams) = &mut self.streams
        {
            let mut control = SentControl::default();
            ack_eliciting |=
                streams.write_frames(&mut w, now, rtt, &mut control, &mut data.streams);
            if control != SentControl::default() {
                data.control = Some(Box::new(control));
            }
        }
        let space = &mut self.spaces[id as usize];
        while w.remaining() > CRYPTO_FRAME_OVERHEAD {
            let max = w.remaining() - CRYPTO_FRAME_OVERHEAD;
            let Some(chunk) = space.crypto_send.next_send(max, u64::MAX) else {
                break;
            };
            let frame = CryptoFrame {
                offset: chunk.offset,
                data: chunk.data,
            };
            let range = chunk.range();
            if frame.encode(&mut w).is_err() {
                space.crypto_send.on_lost(range, false);
                break;
            }
            data.crypto = Some(match data.crypto.take() {
                Some(r) => r.start.min(range.start)..r.end.max(range.end),
                None => range,
            });
            ack_eliciting = true;
        }
        if space.probes > 0 && !ack_eliciting && Frame::Ping.encode(&mut w).is_ok() {
            ack_eliciting = true;
        }
        if id == SpaceId::Data && self.ping_pending {
            if !ack_eliciting && Frame::Ping.encode(&mut w).is_ok() {
                ack_eliciting = true;
            }
            self.ping_pending = !ack_eliciting;
        }
        let end = w.position();
        self.finish_packet(
            now,
            id,
            out,
            end,
            layout,
            tag_len,
            data,
            ack_eliciting,
            min_len,
        )
    }

    /// Writes an ACK_FREQUENCY frame if the peer takes them (it advertised min_ack_delay), the
    /// handshake is confirmed and the congestion window calls for a new request, or the last
    /// one was lost; returns whether it did.
    fn write_ack_frequency(&mut self, w: &mut Writer<'_>) -> bool {
        let Some(peer_min) = self
            .peer_params
            .as_ref()
            .and_then(|p| p.min_ack_delay_duration())
        else {
            return false;
        };
        if !self.handshake_confirmed {
            return false;
        }
        self.ack_frequency
            .on_window(self.cc.window(), self.max_datagram_size());
        if !self.ack_frequency.wants_send() {
            return false;
        }
        let frame =
            self.ack_frequency
                .frame(self.rtt.smoothed(), peer_min, self.peer_max_ack_delay());
        if Frame::AckFrequency(frame).encode(w).is_err() {
            return false;
        }
        self.ack_frequency.on_sent();
        self.stats.ack_frequency_sent += 1;
        true
    }

    /// Pads, seals and records a packet whose frames are written.
    #[allow(clippy::too_many_arguments)]
    fn finish_packet(
        &mut self,
        now: Instant,
        id: SpaceId,
        out: &mut [u8],
        frames_end: usize,
        layout: HeaderLayout,
        tag_len: usize,
        data: SentData,
        ack_eliciting: bool,
        min_len: usize,
    ) -> Option<usize> {
        let pn = self.spaces[id as usize].next_pn;
        if frames_end == layout.header_len() || (!ack_eliciting && data.ack_up_to.is_none()) {
            return None;
        }
        if ack_eliciting {
            let space = &mut self.spaces[id as usize];
            space.probes = space.probes.saturating_sub(1);
        }
        let has_ack = data.ack_up_to.is_some();
        let frames = self.trace_frames(
            "transport:packet_sent",
            &out[layout.header_len()..frames_end],
        );
        let (len, padded) =
            self.pad_and_seal(id, out, frames_end, &layout, tag_len, min_len, has_ack)?;
        let kind = self.sent_kind(id);
        self.trace_packet(Some(now), "transport:packet_sent", (kind, pn, len), frames);
        let marked = self.datagram_ecn.is_some();
        self.ecn.on_packet_sent(id, marked);
        let data = SentData {
            ecn_marked: marked,
            ..data
        };
        let space = &mut self.spaces[id as usize];
        let in_flight = ack_eliciting || padded;
        space.sent.on_sent(SentPacket {
            pn,
            time_sent: now,
            size: len as u64,
            ack_eliciting,
            in_flight,
            data,
        });
        if in_flight {
            self.cc.on_packet_sent(now, len as u64);
            self.pacer.on_sent(now, len as u64);
        }
        if ack_eliciting {
            self.last_eliciting_sent = Some(now);
        }
        // A client discards Initial keys once it sends a Handshake packet (RFC 9001 §4.9.1).
        if id == SpaceId::Handshake && self.side == Side::Client {
            self.discard_space(SpaceId::Initial);
        }
        Some(len)
    }

    /// Pads a packet whose frames end at `frames_end` (PADDING frames are zero bytes: to
    /// `min_len`, and so that header protection has its sample) and seals it. Returns its
    /// length and whether it was padded.
    #[allow(clippy::too_many_arguments)]
    fn pad_and_seal(
        &mut self,
        id: SpaceId,
        out: &mut [u8],
        frames_end: usize,
        layout: &HeaderLayout,
        tag_len: usize,
        min_len: usize,
        has_ack: bool,
    ) -> Option<(usize, bool)> {
        let payload_len = frames_end - layout.header_len();
        let room = out.len().saturating_sub(tag_len + frames_end);
        let pad = padding(layout, tag_len, payload_len, min_len).min(room);
        out[frames_end..frames_end + pad].fill(0);
        let len = self.seal_packet(id, out, layout, payload_len + pad)?;
        if id == SpaceId::Data
            && let Some(ku) = self.key_update.as_mut()
        {
            ku.sent_in_phase += 1;
            if has_ack {
                // An acknowledgment in the current phase: the peer may update again.
                ku.peer_update_unacked = false;
            }
        }
        Some((len, pad > 0))
    }

    /// A datagram of path validation, if one is owed: a PATH_RESPONSE (to where its
    /// challenge came from) or a PATH_CHALLENGE due on the current path, alone in a 1-RTT
    /// packet expanded to 1200 bytes where the destination's anti-amplification budget allows
    /// (RFC 9000 §8.2.1, §8.2.2). Neither is sent again if lost (a challenge is renewed on
    /// its own timer), so the packet is not counted in flight.
    fn transmit_path_frames(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if self.state != State::Open || !self.is_handshake_complete() {
            return None;
        }
        self.follow_preferred_address(now);
        let interval = self.challenge_interval();
        // A response goes where its challenge came from; on the current path a challenge
        // due goes with it, so the path's first datagram challenges it.
        let response = self.path_responses.pop();
        let to = response.map_or(self.path.remote, |r| r.to);
        let challenge = if to == self.path.remote {
            self.path.challenge_due(now, interval, &mut self.rng)
        } else {
            // A path the peer probes is challenged with the answer.
            self.probe_path
                .as_mut()
                .filter(|p| p.remote == to)
                .and_then(|p| p.challenge_due(now, interval, &mut self.rng))
        };
        let frames: Vec<Frame<'_>> = challenge
            .map(Frame::PathChallenge)
            .into_iter()
            .chain(response.map(|r| Frame::PathResponse(r.data)))
            .collect();
        if frames.is_empty() {
            return None;
        }
        let budget = match response {
            Some(r) if r.to != self.path.remote => Some(r.budget as u64),
            _ => self.path.budget(),
        };
        // Expanded to 1200 bytes where the budget allows, otherwise as small as it comes.
        let budget = budget.map_or(usize::MAX, |b| usize::try_from(b).unwrap_or(usize::MAX));
        let size = PATH_PROBE_SIZE.min(budget).min(buf.len());
        let pad_to = if size == PATH_PROBE_SIZE { size } else { 0 };
        let t = self.transmit_lone_frame(now, &mut buf[..size], to, &frames, pad_to, None)?;
        if to == self.path.remote {
            self.path.bytes_sent += t.len as u64;
        }
        Some(t)
    }

    /// A probe of a larger datagram size, if path MTU discovery has one due and the
    /// congestion window has room for it: a PING padded to the size (RFC 9000 §14.4). The
    /// search waits for the application to send: an endpoint that only receives (and
    /// acknowledges) gains nothing from larger datagrams of its own, and a short exchange
    /// does not spend probes.
    fn transmit_pmtu_probe(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if self.state != State::Open || !self.handshake_confirmed || self.path.budget().is_some() {
            return None;
        }
        self.probe_holds_data = false;
        if !self.has_application_data() {
            return None;
        }
        let in_flight = self.cc.bytes_in_flight();
        let size = self.pmtud.probe_due(now)?;
        if size > buf.len() {
            return None;
        }
        if in_flight + size as u64 > self.cc.window() {
            // Data waits while acknowledgments make room for the probe, which would never
            // find it in a window that data keeps full. Only while acknowledgments are to
            // come: packets in flight that elicit none (padded ACKs) leave the window only
            // when later ones are acknowledged, so holding the data then would wait forever.
            let acks_coming = self
                .spaces
                .iter()
                .any(|s| s.sent.ack_eliciting_in_flight() > 0);
            self.probe_holds_data = size as u64 <= self.cc.window() && acks_coming;
            return None;
        }
        let to = self.path.remote;
        let t =
            self.transmit_lone_frame(now, &mut buf[..size], to, &[Frame::Ping], size, Some(size))?;
        self.pmtud.on_probe_sent(size);
        self.path.bytes_sent += t.len as u64;
        Some(t)
    }

    /// A datagram of one 1-RTT packet carrying `frames`, padded to `pad_to`, to `to`: path
    /// validation frames (not counted in flight, never sent again) or, with `probe`, a probe
    /// of that datagram size (counted in flight; its loss is no congestion signal).
    fn transmit_lone_frame(
        &mut self,
        now: Instant,
        out: &mut [u8],
        to: std::net::SocketAddr,
        frames: &[Frame<'_>],
        pad_to: usize,
        probe: Option<usize>,
    ) -> Option<Transmit> {
        self.datagram_ecn = self.ecn.marking();
        let (mut w, layout, tag_len) = self.packet_start(SpaceId::Data, out)?;
        for frame in frames {
            frame.encode(&mut w).ok()?;
        }
        let end = w.position();
        let pn = self.spaces[SpaceId::Data as usize].next_pn;
        let traced = self.trace_frames("transport:packet_sent", &out[layout.header_len()..end]);
        let (len, _) =
            self.pad_and_seal(SpaceId::Data, out, end, &layout, tag_len, pad_to, false)?;
        self.trace_packet(
            Some(now),
            "transport:packet_sent",
            (PacketKind::OneRtt, pn, len),
            traced,
        );
        let marked = self.datagram_ecn.is_some();
        self.ecn.on_packet_sent(SpaceId::Data, marked);
        self.ecn.on_datagram_sent(marked);
        let in_flight = probe.is_some();
        self.spaces[SpaceId::Data as usize]
            .sent
            .on_sent(SentPacket {
                pn,
                time_sent: now,
                size: len as u64,
                ack_eliciting: in_flight,
                in_flight,
                data: SentData {
                    ecn_marked: marked,
                    pmtu_probe: probe,
                    ..SentData::default()
                },
            });
        if in_flight {
            self.cc.on_packet_sent(now, len as u64);
            self.last_eliciting_sent = Some(now);
        }
        Some(Transmit {
            destination: to,
            len,
            segment_size: len,
            source: self.local,
            ecn: self.datagram_ecn,
        })
    }

    /// Writes CONNECTION_CLOSE in every space with keys, most protected last.
    fn write_close(&mut self, buf: &mut [u8]) -> Option<usize> {
        let info = self.close_info.clone()?;
        let mut len = 0;
        for id in SpaceId::ALL {
            if self.spaces[id as usize].keys.is_none() {
                continue;
            }
            // An application close is not sent before 1-RTT: it becomes a transport
            // APPLICATION_ERROR without its reason (RFC 9000 §10.2.3).
            let (kind, code, reason): (CloseKind, u64, &[u8]) = if info.transport {
                (
                    CloseKind::Transport {
                        frame_type: info.frame_type.unwrap_or(0),
                    },
                    info.error_code,
                    &info.reason,
                )
            } else if id == SpaceId::Data {
                (CloseKind::Application, info.error_code, &info.reason)
            } else {
                (
                    CloseKind::Transport { frame_type: 0 },
                    crate::error::TransportErrorCode::APPLICATION_ERROR.0,
                    &[],
                )
            };
            let frame = Frame::ConnectionClose(ConnectionClose {
                error_code: code,
                kind,
                reason,
            });
            let n = self.write_frame_packet(id, &mut buf[len..], &frame)?;
            len += n;
        }
        (len > 0).then_some(len)
    }

    /// One packet holding just `frame` (padded for the header-protection sample).
    fn write_frame_packet(
        &mut self,
        id: SpaceId,
        out: &mut [u8],
        frame: &Frame<'_>,
    ) -> Option<usize> {
        let (mut w, layout, tag_len) = self.packet_start(id, out)?;
        frame.encode(&mut w).ok()?;
        let payload_len = w.position() - layout.header_len();
        let pad = padding(&layout, tag_len, payload_len, 0);
        w.put_zeros(pad).ok()?;
        let payload_len = payload_len + pad;
        let pn = self.spaces[id as usize].next_pn;
        let traced = self
            .traces("transport:packet_sent")
            .then(|| vec![crate::qlog::frame(frame)]);
        let kind = self.sent_kind(id);
        let len = self.seal_packet(id, out, &layout, payload_len)?;
        self.trace_packet(None, "transport:packet_sent", (kind, pn, len), traced);
        Some(len)
    }

    /// Seals the packet of space `id` laid out in `out` with its next packet number, and
    /// counts it sent; returns its length.
    fn seal_packet(
        &mut self,
        id: SpaceId,
        out: &mut [u8],
        layout: &HeaderLayout,
        payload_len: usize,
    ) -> Option<usize> {
        let (packet_key, header_key) = self.sealing_keys(id)?;
        let pn = self.spaces[id as usize].next_pn;
        let len = seal(out, layout, pn, payload_len, packet_key, header_key).ok()?;
        let space = &mut self.spaces[id as usize];
        space.next_pn += 1;
        if space.next_pn == space.next_skip {
            space.skipped_pn = Some(space.next_pn);
            space.next_pn += 1;
            space.next_skip = space.next_pn + skip_gap(&mut self.rng);
        }
        self.stats.packets_sent += 1;
        Some(len)
    }

    /// Whether the application has stream data or datagrams waiting to be sent (what path MTU
    /// discovery waits for).
    pub(super) fn has_application_data(&self) -> bool {
        self.datagrams.wants_send() || self.streams.as_ref().is_some_and(|s| s.has_data_to_send())
    }

    /// The type of the packets sent in space `id` now.
    fn sent_kind(&self, id: SpaceId) -> PacketKind {
        match id {
            SpaceId::Initial => PacketKind::Initial,
            SpaceId::Handshake => PacketKind::Handshake,
            SpaceId::Data if self.is_sending_zero_rtt() => PacketKind::ZeroRtt,
            SpaceId::Data => PacketKind::OneRtt,
        }
    }

    /// The keys that seal packets of space `id`: its own, or a client's 0-RTT keys before it
    /// has 1-RTT keys.
    fn sealing_keys(&self, id: SpaceId) -> Option<(&dyn PacketKey, &dyn HeaderProtectionKey)> {
        if let Some(keys) = &self.spaces[id as usize].keys {
            return Some((keys.local.packet.as_ref(), keys.local.header.as_ref()));
        }
        let early = self
            .zero_rtt_sealing_keys()
            .filter(|_| id == SpaceId::Data)?;
        Some((early.packet.as_ref(), early.header.as_ref()))
    }

    /// When the loss-detection timer fires (RFC 9002 §6.2): the earliest time-threshold loss,
    /// else the probe timeout of the space that needs it.
    pub(super) fn loss_detection_timer(&self) -> Option<Instant> {
        let loss = self
            .spaces
            .iter()
            .filter(|s| s.keys.is_some())
            .filter_map(|s| s.sent.loss_time())
            .min();
        if loss.is_some() {
            return loss;
        }
        self.pto_deadline().map(|(t, _)| t)
    }

    /// The probe timeout and the space it is for.
    fn pto_deadline(&self) -> Option<(Instant, SpaceId)> {
        let backoff = 1u32 << self.pto_count.min(16);
        // Backed off, probes still go out several times per idle period: a run of lost
        // packets and acknowledgments must not leave the peer silent until its idle timer
        // fires while a probe or two would have gone through.
        let cap = self
            .idle_timeout()
            .map_or(Duration::MAX, |t| t / PROBES_PER_IDLE_PERIOD);
        let mut best: Option<(Instant, SpaceId)> = None;
        let mut any_in_flight = false;
        for id in SpaceId::ALL {
            let space = &self.spaces[id as usize];
            if space.keys.is_none() || space.sent.ack_eliciting_in_flight() == 0 {
                continue;
            }
            any_in_flight = true;
            // Application data is not probed before the handshake is confirmed.
            if id == SpaceId::Data && !self.handshake_confirmed {
                continue;
            }
            let base = self
                .rtt
                .pto_period(self.peer_max_ack_delay(), id == SpaceId::Data);
            let period = base.saturating_mul(backoff).min(cap.max(base));
            let Some(sent) = space.sent.last_ack_eliciting_sent() else {
                continue;
            };
            // From the last probe at the latest: a probe that could not be sent (the
            // anti-amplification limit) must not leave the deadline in the past.
            let t = sent.max(self.last_probe_due.unwrap_or(sent)) + period;
            if best.is_none_or(|(b, _)| t < b) {
                best = Some((t, id));
            }
        }
        if any_in_flight || self.side == Side::Server || self.handshake_confirmed {
            return best;
        }
        // Client anti-deadlock (RFC 9002 §6.2.2.1): probe even with nothing in flight until
        // the handshake is confirmed, so the server's amplification limit cannot stall it.
        let id = if self.spaces[SpaceId::Handshake as usize].keys.is_some() {
            SpaceId::Handshake
        } else {
            SpaceId::Initial
        };
        let since = self.last_eliciting_sent?;
        Some((
            since + self.rtt.pto_period(self.peer_max_ack_delay(), false) * backoff,
            id,
        ))
    }

    /// The loss-detection timer fired.
    pub(super) fn on_loss_detection_timeout(&mut self, now: Instant) {
        let due = SpaceId::ALL.into_iter().find(|id| {
            let s = &self.spaces[*id as usize];
            s.keys.is_some() && s.sent.loss_time().is_some_and(|t| t <= now)
        });
        if let Some(id) = due {
            self.detect_lost(now, id);
            return;
        }
        let Some((_, id)) = self.pto_deadline() else {
            return;
        };
        self.pto_count += 1;
        self.probe_streak_since.get_or_insert(now);
        // Two probes: the unacknowledged CRYPTO data again in each (see `write_packet`), or
        // new data, or a PING.
        self.spaces[id as usize].probes = 2;
        // The other spaces with data in flight probe too, coalesced with the first (RFC 9002
        // §6.2.4): a server whose first flight was lost sends its Handshake data again with
        // the ServerHello, not a round trip after it; and a client whose HANDSHAKE_DONE was
        // lost, probing with Handshake packets a server that has dropped its Handshake keys,
        // also reaches it in 1-RTT (whose own timer waits for the handshake's confirmation),
        // so that the server hears from it and learns, from the ACKs in the probe, what of
        // its own was lost.
        for other in SpaceId::ALL {
            let space = &self.spaces[other as usize];
            if other != id && space.keys.is_some() && space.sent.ack_eliciting_in_flight() > 0 {
                let space = &mut self.spaces[other as usize];
                space.probes = space.probes.max(1);
            }
        }
        self.last_eliciting_sent = Some(now);
        self.last_probe_due = Some(now);
    }
}

/// PADDING bytes a packet with `payload_len` bytes of frames needs: enough for header
/// protection's sample, and for the whole packet to reach `min_len` bytes.
fn padding(layout: &HeaderLayout, tag_len: usize, payload_len: usize, min_len: usize) -> usize {
    min_payload_len(layout.pn_len, tag_len)
        .max(min_len.saturating_sub(layout.header_len() + tag_len))
        .saturating_sub(payload_len)
}

/// Packets between two deliberately skipped packet numbers: random in
/// [`SKIP_GAP`, 2 × `SKIP_GAP`), so a peer cannot tell which numbers exist without receiving
/// them.
pub(super) fn skip_gap(rng: &mut impl rand_core::Rng) -> u64 {
    SKIP_GAP + rng.next_u64() % SKIP_GAP
}

/// Probe timeouts per idle timeout at least, however far the probe timeout has backed off.
const PROBES_PER_IDLE_PERIOD: u32 = 16;

/// The smallest gap between skipped packet numbers.
const SKIP_GAP: u64 = 128;
