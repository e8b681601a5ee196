//! A client connection driven through its states: a raw server of this file's own (rustls
//! underneath, packets sealed and opened by hand, nothing acknowledged unless asked)
//! completes a real handshake with a client `Endpoint`, then the input is a sequence of
//! operations: packets at any level (Initial, Handshake, 1-RTT) whose payload is the input's
//! bytes as they are (malformed frames included), raw datagrams, time passing, the client's
//! output taken, server-initiated key updates, optimistic ACKs, and the application's calls
//! on the client's connection. Nothing may panic, and after every operation what the
//! connection holds on the server's behalf stays within its bounds.
#![no_main]

mod conn_shared;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qssl_quic::coding::Writer;
use qssl_quic::conn::ConnectionConfig;
use qssl_quic::crypto::initial_keys;
use qssl_quic::endpoint::{ConnectionHandle, Endpoint, EndpointConfig};
use qssl_quic::frame::{CryptoFrame, Frame, FrameIter};
use qssl_quic::packet::PacketKind;
use qssl_quic::packet::header::{Coalesced, ParsedHeader};
use qssl_quic::{ConnectionId, Side, Version};
use rustls::quic::{self, KeyChange, Keys, Secrets};

use conn_shared::{AppOp, check_bounds, tls_configs};
use qssl_tests::hostile::{level_header, open_packet, seal_packet};

/// The server's address.
const SERVER: &str = "192.0.2.1:443";

/// Handshake bytes per CRYPTO frame the server sends: a packet fits any datagram.
const CRYPTO_CHUNK: usize = 1000;

/// Largest plaintext of a fuzzer's packet: a long header's 2-byte Length field holds it.
const MAX_PAYLOAD: usize = 8192;

/// One input.
#[derive(Arbitrary, Debug)]
struct Run<'a> {
    ops: Vec<Op<'a>>,
}

/// An encryption level of the server's packets (all keys are kept after the handshake, so
/// packets of every level can still be sent).
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Level {
    Initial,
    Handshake,
    OneRtt,
}

/// What happens next.
#[derive(Arbitrary, Debug)]
enum Op<'a> {
    /// One packet at `level` with `payload` as its plaintext (padded to the header
    /// protection's sample).
    Packet { level: Level, payload: &'a [u8] },
    /// A datagram of these bytes from the server's address, unprotected.
    Datagram(&'a [u8]),
    /// Time passes (milliseconds) and the client handles its timers.
    Wait(u16),
    /// The server takes what the client sends.
    Take,
    /// The server starts a 1-RTT key update.
    KeyUpdate,
    /// An ACK at 1-RTT of every packet number up to the largest the server received.
    AckEverything,
    /// The application's call on the client's connection.
    App(AppOp<'a>),
}

fuzz_target!(|run: Run<'_>| {
    let (client_tls, server_tls) = tls_configs();
    let start = Instant::now();
    let mut client = Endpoint::new(EndpointConfig::client(), start, 11);
    let remote: SocketAddr = SERVER.parse().expect("an address");
    let handle = client
        .connect(
            start,
            client_tls.clone(),
            "localhost".try_into().expect("a name"),
            remote,
        )
        .expect("a client connection");
    let mut server = RawServer::accept(server_tls.clone(), remote, &mut client, start);
    server.handshake(&mut client, handle, start);
    let mut now = start;
    for op in &run.ops {
        match op {
            Op::Packet { level, payload } => {
                let mut datagram = server.packet(*level, payload);
                client.handle_datagram(now, remote, &mut datagram);
            }
            Op::Datagram(bytes) => client.handle_datagram(now, remote, &mut bytes.to_vec()),
            Op::Wait(ms) => {
                now += Duration::from_millis(u64::from(*ms));
                client.handle_timeout(now);
            }
            Op::Take => server.take_from(&mut client, now),
            Op::KeyUpdate => server.update_keys(),
            Op::AckEverything => server.ack_everything(&mut client, now),
            Op::App(call) => {
                if let Some(conn) = client.connection(handle) {
                    call.apply(conn, now);
                }
            }
        }
        check_bounds(&client, handle);
    }
});

/// The server side of one connection, as far as the target needs it: the handshake, then
/// packets of any content at any level.
struct RawServer {
    tls: quic::Connection,
    /// Where its datagrams come from.
    addr: SocketAddr,
    /// The client's source connection ID: the destination of the server's packets.
    dcid: ConnectionId,
    scid: ConnectionId,
    /// Keys by level (Initial, Handshake, 1-RTT), kept for good once made.
    keys: [Option<Keys>; 3],
    /// The level the TLS stack writes at.
    write_level: usize,
    next_pn: [u64; 3],
    crypto_sent: [u64; 3],
    crypto_received: [u64; 3],
    /// The largest packet number received at each level.
    largest_received: [Option<u64>; 3],
    /// Derives the next 1-RTT keys.
    next: Option<Secrets>,
    /// The key phase of the 1-RTT keys in use.
    key_phase: bool,
}

impl RawServer {
    /// Takes the client's first flight from `client` (connecting to `addr`) and answers it.
    ///
    /// # Panics
    /// If the client sent no Initial.
    fn accept(
        tls: Arc<rustls::ServerConfig>,
        addr: SocketAddr,
        client: &mut Endpoint,
        now: Instant,
    ) -> Self {
        let mut buf = vec![0u8; 65536];
        let t = client
            .poll_transmit(now, &mut buf)
            .expect("the client's Initial");
        let mut first = buf[..t.len].to_vec();
        let Ok((ParsedHeader::Protected(h), _)) = ParsedHeader::parse(&first, 0) else {
            panic!("the client's first datagram is not an Initial");
        };
        let scid = ConnectionId::new(&[0x5e; 8]).expect("8 bytes");
        let mut params = ConnectionConfig::default().transport_parameters();
        params.original_destination_connection_id = Some(h.dcid);
        params.initial_source_connection_id = Some(scid);
        let tls =
            quic::ServerConnection::new(tls, quic::Version::V1, params.to_vec()).expect("a server");
        let mut server = RawServer {
            tls: tls.into(),
            addr,
            dcid: h.scid,
            scid,
            keys: [
                Some(initial_keys(Version::V1, &h.dcid, Side::Server)),
                None,
                None,
            ],
            write_level: 0,
            next_pn: [0; 3],
            crypto_sent: [0; 3],
            crypto_received: [0; 3],
            largest_received: [None; 3],
            next: None,
            key_phase: false,
        };
        server.read_datagram(client, now, &mut first);
        server
    }

    /// Exchanges datagrams with `client` until its connection `handle` has completed the
    /// handshake and the server has the client's Finished.
    ///
    /// # Panics
    /// If that takes more than a few round trips.
    fn handshake(&mut self, client: &mut Endpoint, handle: ConnectionHandle, now: Instant) {
        for _ in 0..16 {
            self.take_from(client, now);
            let done = client
                .get(handle)
                .is_some_and(|c| c.is_handshake_complete());
            if done && !self.tls.is_handshaking() {
                return;
            }
        }
        panic!("the handshake did not complete");
    }

    /// Takes every datagram `client` has to send, feeding handshake data to the TLS stack
    /// (and sending what it answers at once).
    fn take_from(&mut self, client: &mut Endpoint, now: Instant) {
        let mut buf = vec![0u8; 65536];
        let mut datagrams = Vec::new();
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            datagrams.push(buf[..t.len].to_vec());
        }
        for mut datagram in datagrams {
            self.read_datagram(client, now, &mut datagram);
        }
    }

    fn read_datagram(&mut self, client: &mut Endpoint, now: Instant, datagram: &mut [u8]) {
        let packets: Vec<_> = Coalesced::new(datagram, self.scid.len())
            .filter_map(Result::ok)
            .collect();
        for (header, range) in packets {
            let ParsedHeader::Protected(h) = header else {
                continue;
            };
            let level = match h.kind {
                PacketKind::Initial => 0,
                PacketKind::Handshake => 1,
                PacketKind::OneRtt => 2,
                PacketKind::ZeroRtt => continue,
            };
            let Some(keys) = self.keys[level].as_ref() else {
                continue;
            };
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
            for frame in FrameIter::new(&payload).map_while(Result::ok) {
                if let Frame::Crypto(c) = frame {
                    self.read_crypto(client, now, level, c.offset, c.data);
                }
            }
        }
    }

    /// Handshake data from the client: what continues the stream at `level` goes to the TLS
    /// stack (a TLS error ends nothing here: the client is not what is tested).
    fn read_crypto(
        &mut self,
        client: &mut Endpoint,
        now: Instant,
        level: usize,
        offset: u64,
        data: &[u8],
    ) {
        let received = self.crypto_received[level];
        let end = offset + data.len() as u64;
        if offset > received || end <= received {
            return;
        }
        let new = &data[usize::try_from(received - offset).expect("within the frame")..];
        self.crypto_received[level] = end;
        if self.tls.read_hs(new).is_ok() {
            self.write_tls(client, now);
        }
    }

    /// Sends what the TLS stack has to send, taking the keys it makes.
    fn write_tls(&mut self, client: &mut Endpoint, now: Instant) {
        loop {
            let mut data = Vec::new();
            let change = self.tls.write_hs(&mut data);
            for chunk in data.chunks(CRYPTO_CHUNK) {
                let level = self.write_level;
                let offset = self.crypto_sent[level];
                self.crypto_sent[level] += chunk.len() as u64;
                let mut payload = vec![0u8; chunk.len() + 16];
                let mut w = Writer::new(&mut payload);
                CryptoFrame {
                    offset,
                    data: chunk,
                }
                .encode(&mut w)
                .expect("sized to fit");
                let n = w.position();
                let mut datagram = self.seal(level, &payload[..n]);
                client.handle_datagram(now, self.addr, &mut datagram);
            }
            match change {
                Some(KeyChange::Handshake { keys }) => {
                    self.keys[1] = Some(keys);
                    self.write_level = 1;
                }
                Some(KeyChange::OneRtt { keys, next }) => {
                    self.keys[2] = Some(keys);
                    self.next = Some(next);
                    self.write_level = 2;
                }
                None => return,
            }
        }
    }

    /// One packet at `level` around `payload` (its first [`MAX_PAYLOAD`] bytes).
    fn packet(&mut self, level: Level, payload: &[u8]) -> Vec<u8> {
        let level = match level {
            Level::Initial => 0,
            Level::Handshake => 1,
            Level::OneRtt => 2,
        };
        self.seal(level, &payload[..payload.len().min(MAX_PAYLOAD)])
    }

    /// Seals `payload` in one packet at level `level` (0 Initial, 1 Handshake, 2 1-RTT),
    /// padded with PADDING frames to enough bytes for header protection's sample.
    ///
    /// # Panics
    /// Before the level's keys exist (the handshake made them all).
    fn seal(&mut self, level: usize, payload: &[u8]) -> Vec<u8> {
        let keys = self.keys[level].as_ref().expect("keys for the level");
        let pn = self.next_pn[level];
        self.next_pn[level] += 1;
        let header = level_header(level, self.dcid, self.scid, self.key_phase);
        seal_packet(&header, pn, payload, 0, keys)
    }

    /// Starts a 1-RTT key update: packets sent from now on use the next keys and the other
    /// key phase, and the client's are opened with its next keys.
    fn update_keys(&mut self) {
        let next = self
            .next
            .as_mut()
            .expect("1-RTT secrets after the handshake")
            .next_packet_keys();
        let keys = self.keys[2]
            .as_mut()
            .expect("1-RTT keys after the handshake");
        keys.local.packet = next.local;
        keys.remote.packet = next.remote;
        self.key_phase = !self.key_phase;
    }

    /// Sends an ACK at 1-RTT of every packet number from 0 to the largest received there:
    /// an optimistic ACK when the client skipped one. Nothing before a 1-RTT packet arrived.
    fn ack_everything(&mut self, client: &mut Endpoint, now: Instant) {
        let Some(largest) = self.largest_received[2] else {
            return;
        };
        let mut frame = [0u8; 40];
        let mut w = Writer::new(&mut frame);
        for field in [0x02, largest, 0, 0, largest] {
            w.put_varint_u64(field).expect("room for an ACK");
        }
        let n = w.position();
        let mut datagram = self.seal(2, &frame[..n]);
        client.handle_datagram(now, self.addr, &mut datagram);
    }
}
