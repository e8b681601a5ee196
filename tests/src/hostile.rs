//! A hostile QUIC client for tests of what a peer can make an endpoint do: it completes a
//! real handshake (rustls underneath, packets sealed and opened by hand) with a server
//! [`Endpoint`], acknowledges nothing, and then sends whatever frames a test gives it, as
//! many as it likes, from any address.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use qssl_quic::coding::Writer;
use qssl_quic::crypto::initial_keys;
use qssl_quic::endpoint::{ConnectionHandle, Endpoint};
use qssl_quic::frame::{CryptoFrame, Frame, FrameIter};
use qssl_quic::packet::header::{Coalesced, Header, LongType, ParsedHeader};
use qssl_quic::packet::protect::{open, remove_header_protection, seal};
use qssl_quic::packet::{PacketKind, number};
use qssl_quic::{ConnectionId, Side, TransportParameters, Version};
use rustls::quic::{self, KeyChange, Keys, Secrets};

/// Smallest datagram carrying a client's Initial (RFC 9000 §14.1).
const MIN_INITIAL: usize = 1200;

/// The encryption levels, as indexes.
const INITIAL: usize = 0;
const HANDSHAKE: usize = 1;
const ONE_RTT: usize = 2;

/// The header of a QUIC v1 packet at `level` (0 Initial, 1 Handshake, 2 1-RTT) from `scid`
/// to `dcid`, with `key_phase` for 1-RTT.
pub fn level_header(
    level: usize,
    dcid: ConnectionId,
    scid: ConnectionId,
    key_phase: bool,
) -> Header<'static> {
    let long = |ty| Header::Long {
        ty,
        version: Version::V1,
        dcid,
        scid,
        token: b"",
    };
    match level {
        INITIAL => long(LongType::Initial),
        HANDSHAKE => long(LongType::Handshake),
        _ => Header::Short {
            dcid,
            spin: false,
            key_phase,
        },
    }
}

/// Opens the one packet `packet` whose packet number starts at `pn_offset` with `keys`,
/// decoding its number against `largest` (the largest number received at its level, which
/// it updates); the plaintext frames, or `None` if it does not open.
pub fn open_packet(
    packet: &mut [u8],
    pn_offset: usize,
    keys: &Keys,
    largest: &mut Option<u64>,
) -> Option<Vec<u8>> {
    let un = remove_header_protection(packet, pn_offset, keys.remote.header.as_ref()).ok()?;
    let pn = un.packet_number(*largest);
    let body = open(packet, &un, pn, keys.remote.packet.as_ref()).ok()?;
    *largest = (*largest).max(Some(pn));
    Some(packet[body].to_vec())
}

/// Seals `payload` as packet number `pn` under `header` with `keys`, padded with PADDING to
/// at least `min` bytes of payload (and always enough for header protection's sample).
///
/// # Panics
/// If the packet does not fit the buffer it makes (it always does).
pub fn seal_packet(
    header: &Header<'_>,
    pn: u64,
    payload: &[u8],
    min: usize,
    keys: &Keys,
) -> Vec<u8> {
    let mut body = payload.to_vec();
    let min = min.max(24);
    if body.len() < min {
        body.resize(min, 0);
    }
    let mut out = vec![0u8; body.len() + 128];
    let mut w = Writer::new(&mut out);
    let layout = header
        .write(&mut w, pn, number::encoded_len(pn, None))
        .expect("room for the header");
    w.put_slice(&body).expect("room for the payload");
    let len = seal(
        &mut out,
        &layout,
        pn,
        body.len(),
        keys.local.packet.as_ref(),
        keys.local.header.as_ref(),
    )
    .expect("sealed");
    out.truncate(len);
    out
}

/// A client that speaks QUIC only as far as a test wants it to.
pub struct HostileClient {
    tls: quic::Connection,
    /// Where its datagrams come from.
    pub addr: SocketAddr,
    /// The server's connection ID once known, else the one the client chose.
    dcid: ConnectionId,
    scid: ConnectionId,
    keys: [Option<Keys>; 3],
    /// The level the TLS stack writes at.
    write_level: usize,
    next_pn: [u64; 3],
    crypto_sent: [u64; 3],
    crypto_received: [u64; 3],
    /// The largest packet number received at each level.
    largest_received: [Option<u64>; 3],
    /// 1-RTT frames the server sent, flattened: what tests look at.
    received: Vec<Vec<u8>>,
    /// Handshake data the TLS stack wrote, not sent yet, by level.
    outgoing: Vec<(usize, Vec<u8>)>,
    /// Derives the next 1-RTT keys.
    next: Option<Secrets>,
    /// The key phase of the 1-RTT keys in use.
    key_phase: bool,
}

impl HostileClient {
    /// A client at `addr` with `tls` (which must trust the server's certificate).
    pub fn new(tls: Arc<rustls::ClientConfig>, addr: SocketAddr) -> Self {
        Self::with_params(tls, addr, |_| {})
    }

    /// A client as [`new`](Self::new) makes, whose transport parameters `change` alters
    /// (to send ones a real client would not).
    pub fn with_params(
        tls: Arc<rustls::ClientConfig>,
        addr: SocketAddr,
        change: impl FnOnce(&mut TransportParameters),
    ) -> Self {
        let dcid = ConnectionId::new(&[0xd1; 8]).expect("8 bytes");
        let scid = ConnectionId::new(&[0xc1; 8]).expect("8 bytes");
        let mut params = TransportParameters {
            initial_source_connection_id: Some(scid),
            ..TransportParameters::default()
        };
        change(&mut params);
        let mut encoded = vec![0u8; params.encoded_len()];
        params
            .encode(&mut Writer::new(&mut encoded))
            .expect("sized to fit");
        let tls = quic::ClientConnection::new(
            tls,
            quic::Version::V1,
            "localhost".try_into().expect("a name"),
            encoded,
        )
        .expect("a client");
        HostileClient {
            tls: tls.into(),
            addr,
            dcid,
            scid,
            keys: [
                Some(initial_keys(Version::V1, &dcid, Side::Client)),
                None,
                None,
            ],
            write_level: INITIAL,
            next_pn: [0; 3],
            crypto_sent: [0; 3],
            crypto_received: [0; 3],
            largest_received: [None; 3],
            received: Vec::new(),
            outgoing: Vec::new(),
            next: None,
            key_phase: false,
        }
    }

    /// Completes the handshake with `server` (taking every datagram it sends) and returns the
    /// server's connection.
    ///
    /// # Panics
    /// If the handshake does not complete in a few round trips.
    pub fn handshake(&mut self, server: &mut Endpoint, now: Instant) -> ConnectionHandle {
        self.pump_tls();
        for _ in 0..16 {
            if !self.flush(server, now) {
                // Nothing to say: a padded PING gives the server room to send under its
                // anti-amplification limit, as a real client's ACKs would.
                let mut datagram = self.packet(INITIAL, &[0x01]);
                server.handle_datagram(now, self.addr, &mut datagram);
            }
            self.take_from(server, now);
            if !self.tls.is_handshaking() && self.keys[ONE_RTT].is_some() {
                // The client's Finished.
                self.flush(server, now);
                return server.accept().expect("the server made the connection");
            }
        }
        panic!("the handshake did not complete");
    }

    /// The source connection ID its long-header packets carry.
    pub fn source_cid(&self) -> ConnectionId {
        self.scid
    }

    /// Puts `scid` in the source connection ID field of the long-header packets it sends
    /// from now on.
    pub fn set_source_cid(&mut self, scid: ConnectionId) {
        self.scid = scid;
    }

    /// Sends the first flight (the ClientHello) and takes the server's answer, leaving the
    /// handshake half done.
    pub fn begin(&mut self, server: &mut Endpoint, now: Instant) {
        self.pump_tls();
        self.flush(server, now);
        self.take_from(server, now);
    }

    /// Sends `frames` in one Initial packet, in a datagram padded to 1200 bytes or not.
    pub fn send_initial(
        &mut self,
        server: &mut Endpoint,
        now: Instant,
        frames: &[Frame<'_>],
        padded: bool,
    ) {
        let payload: Vec<u8> = frames.iter().flat_map(encoded).collect();
        let min = if padded { MIN_INITIAL } else { 24 };
        let mut datagram = self.packet_padded(INITIAL, &payload, min);
        server.handle_datagram(now, self.addr, &mut datagram);
    }

    /// Takes what the TLS stack has to send, and the keys it makes.
    fn pump_tls(&mut self) {
        loop {
            let mut data = Vec::new();
            let change = self.tls.write_hs(&mut data);
            if !data.is_empty() {
                self.outgoing.push((self.write_level, data));
            }
            match change {
                Some(KeyChange::Handshake { keys }) => {
                    self.keys[HANDSHAKE] = Some(keys);
                    self.write_level = HANDSHAKE;
                }
                Some(KeyChange::OneRtt { keys, next }) => {
                    self.keys[ONE_RTT] = Some(keys);
                    self.next = Some(next);
                    self.write_level = ONE_RTT;
                }
                None => return,
            }
        }
    }

    /// Sends the handshake data waiting; whether there was any.
    fn flush(&mut self, server: &mut Endpoint, now: Instant) -> bool {
        let outgoing = std::mem::take(&mut self.outgoing);
        let any = !outgoing.is_empty();
        for (level, data) in outgoing {
            let offset = self.crypto_sent[level];
            self.crypto_sent[level] += data.len() as u64;
            let mut payload = vec![0u8; data.len() + 16];
            let mut w = Writer::new(&mut payload);
            CryptoFrame {
                offset,
                data: &data,
            }
            .encode(&mut w)
            .expect("sized to fit");
            let n = w.position();
            payload.truncate(n);
            let mut datagram = self.packet(level, &payload);
            server.handle_datagram(now, self.addr, &mut datagram);
        }
        any
    }

    /// Seals `payload` in one packet at `level` (an Initial padded to a full datagram).
    fn packet(&mut self, level: usize, payload: &[u8]) -> Vec<u8> {
        let min = if level == INITIAL { MIN_INITIAL } else { 24 };
        self.packet_padded(level, payload, min)
    }

    /// Seals `payload` in one packet at `level`, padded to at least `min` bytes of payload
    /// (and always enough for header protection's sample).
    fn packet_padded(&mut self, level: usize, payload: &[u8], min: usize) -> Vec<u8> {
        let keys = self.keys[level].as_ref().expect("keys for the level");
        let pn = self.next_pn[level];
        self.next_pn[level] += 1;
        let header = level_header(level, self.dcid, self.scid, self.key_phase);
        seal_packet(&header, pn, payload, min, keys)
    }

    /// Takes every datagram `server` has to send, feeding handshake data to the TLS stack
    /// and keeping 1-RTT frames (nothing is acknowledged).
    pub fn take_from(&mut self, server: &mut Endpoint, now: Instant) {
        let mut buf = vec![0u8; 65536];
        while let Some(t) = server.poll_transmit(now, &mut buf) {
            if t.destination != self.addr {
                continue;
            }
            let mut datagram = buf[..t.len].to_vec();
            self.read_datagram(&mut datagram);
        }
    }

    fn read_datagram(&mut self, datagram: &mut [u8]) {
        let packets: Vec<_> = Coalesced::new(datagram, self.scid.len())
            .filter_map(Result::ok)
            .collect();
        for (header, range) in packets {
            let ParsedHeader::Protected(h) = header else {
                continue;
            };
            let level = match h.kind {
                PacketKind::Initial => INITIAL,
                PacketKind::Handshake => HANDSHAKE,
                PacketKind::OneRtt => ONE_RTT,
                _ => continue,
            };
            let Some(keys) = self.keys[level].as_ref() else {
                continue;
            };
            if level != ONE_RTT {
                self.dcid = h.scid;
            }
            let packet = &mut datagram[range.clone()];
            let opened = open_packet(
                packet,
                h.pn_offset - range.start,
                keys,
                &mut self.largest_received[level],
            );
            let Some(payload) = opened else {
                continue;
            };
            self.read_frames(level, &payload);
        }
    }

    fn read_frames(&mut self, level: usize, payload: &[u8]) {
        for frame in FrameIter::new(payload).filter_map(Result::ok) {
            match frame {
                Frame::Crypto(c) if c.offset == self.crypto_received[level] => {
                    self.crypto_received[level] += c.data.len() as u64;
                    self.tls
                        .read_hs(c.data)
                        .expect("the server's handshake data");
                    // New keys open the next packets of the same datagram.
                    self.pump_tls();
                }
                _ if level == ONE_RTT => self.received.push(encoded(&frame)),
                _ => {}
            }
        }
    }

    /// Sends `frames` in 1-RTT packets (as many as fit in each, up to 1200 bytes of frames).
    pub fn send(&mut self, server: &mut Endpoint, now: Instant, frames: &[Frame<'_>]) {
        let mut payload = Vec::new();
        for frame in frames {
            let one = encoded(frame);
            if payload.len() + one.len() > 1200 {
                let mut datagram = self.packet(ONE_RTT, &payload);
                server.handle_datagram(now, self.addr, &mut datagram);
                payload.clear();
            }
            payload.extend_from_slice(&one);
        }
        if !payload.is_empty() {
            let mut datagram = self.packet(ONE_RTT, &payload);
            server.handle_datagram(now, self.addr, &mut datagram);
        }
    }

    /// Sends an ACK frame at 1-RTT claiming every packet number from 0 to the largest one
    /// received so far: an optimistic ACK, which acknowledges whatever the server skipped or
    /// has not had delivered. Does nothing before a 1-RTT packet arrived.
    pub fn ack_everything(&mut self, server: &mut Endpoint, now: Instant) {
        let Some(largest) = self.largest_received[ONE_RTT] else {
            return;
        };
        let mut frame = [0u8; 32];
        let mut w = Writer::new(&mut frame);
        // ACK: largest, no delay, no extra ranges, a first range down to 0.
        for field in [0x02, largest, 0, 0, largest] {
            w.put_varint_u64(field).expect("room for an ACK");
        }
        let n = w.position();
        let mut datagram = self.packet(ONE_RTT, &frame[..n]);
        server.handle_datagram(now, self.addr, &mut datagram);
    }

    /// Starts a 1-RTT key update: the packets sent from now on use the next keys and the
    /// other key phase (RFC 9001 §6).
    ///
    /// # Panics
    /// Before the handshake completed.
    pub fn update_keys(&mut self) {
        let next = self
            .next
            .as_mut()
            .expect("1-RTT secrets")
            .next_packet_keys();
        let keys = self.keys[ONE_RTT].as_mut().expect("1-RTT keys");
        keys.local.packet = next.local;
        keys.remote.packet = next.remote;
        self.key_phase = !self.key_phase;
    }

    /// Sends `count` 1-RTT packets that fail authentication (a PING sealed, then one byte of
    /// its payload changed), as an attacker forging packets for the connection would.
    pub fn send_forged(&mut self, server: &mut Endpoint, now: Instant, count: usize) {
        for _ in 0..count {
            let mut datagram = self.packet(ONE_RTT, &[0x01]);
            let last = datagram.len() - 1;
            datagram[last] ^= 0x55;
            server.handle_datagram(now, self.addr, &mut datagram);
        }
    }

    /// The 1-RTT frames the server sent so far that satisfy `pick`, counted.
    pub fn count_received(&self, pick: impl Fn(&Frame<'_>) -> bool) -> usize {
        self.received
            .iter()
            .filter_map(|bytes| FrameIter::new(bytes).next()?.ok())
            .filter(|f| pick(f))
            .count()
    }
}

/// The bytes of one frame.
///
/// # Panics
/// For a frame larger than a datagram.
fn encoded(frame: &Frame<'_>) -> Vec<u8> {
    let mut out = vec![0u8; 2048];
    let mut w = Writer::new(&mut out);
    frame.encode(&mut w).expect("a frame that fits a datagram");
    let n = w.position();
    out.truncate(n);
    out
}
