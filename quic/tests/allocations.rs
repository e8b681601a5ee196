//! A bulk transfer's steady state allocates nothing per packet: the sender's packet records
//! and frames, and the receiver's acknowledgment state, live in storage reused from packet to
//! packet; received stream data is stored in chunks of many packets each. The test counts the
//! heap allocations (this test binary has a counting global allocator) of each side's calls
//! while one connection moves data to the other.

mod common;
mod sim_nodes;

use std::alloc::System;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use qssl_quic::conn::{Connection, ConnectionConfig, StreamError};
use qssl_quic::{Dir, StreamId};
use qssl_tests::sim::Link;
use sim_nodes::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Datagrams per system call, as a sender with segmentation offload builds them.
const BATCH: usize = 16;

/// Largest datagram.
const MTU: usize = 1500;

/// Heap allocations and reallocations made by `f`, with its result.
fn counted<R>(count: &mut u64, f: impl FnOnce() -> R) -> R {
    let region = Region::new(GLOBAL);
    let r = f();
    let change = region.change();
    *count += (change.allocations + change.reallocations) as u64;
    r
}

/// A client sending stream data to a server: the client's datagrams arrive at once, the
/// server's acknowledgments two rounds later (as on a path whose round trip is two rounds,
/// so the sender keeps data in flight as a bulk sender does); time moves on by 200 µs per
/// round.
struct Transfer<'a> {
    client: &'a mut Connection,
    server: &'a mut Connection,
    stream: StreamId,
    server_stream: Option<StreamId>,
    now: Instant,
    buf: Vec<u8>,
    read_buf: Vec<u8>,
    data: Vec<u8>,
    /// The server's datagrams not yet delivered, by the round that sent them.
    acks: VecDeque<Vec<Vec<u8>>>,
    /// Datagrams the client and the server sent.
    sent: [u64; 2],
    /// Allocations made by the client's calls that send (writes, transmits, timers), by its
    /// handling of acknowledgments, and by the server's calls.
    allocations: [u64; 3],
}

impl Transfer<'_> {
    fn round(&mut self) {
        let client_addr: SocketAddr = CLIENT.parse().unwrap();
        let server_addr: SocketAddr = SERVER.parse().unwrap();
        let [client_allocs, ack_allocs, server_allocs] = &mut self.allocations;
        let now = self.now;
        // The acknowledgments of two rounds ago.
        if self.acks.len() >= 2 {
            for mut datagram in self.acks.pop_front().unwrap_or_default() {
                counted(ack_allocs, || {
                    self.client.handle_datagram(now, server_addr, &mut datagram)
                });
            }
        }
        loop {
            match counted(client_allocs, || {
                self.client.stream_write(self.stream, &self.data)
            }) {
                Ok(n) if n > 0 => {}
                Ok(_) | Err(StreamError::WouldBlock) => break,
                Err(e) => panic!("write: {e}"),
            }
        }
        while let Some(t) = counted(client_allocs, || {
            self.client.poll_transmit_batch(now, &mut self.buf, BATCH)
        }) {
            for seg in t.segments() {
                let datagram = &mut self.buf[seg];
                counted(server_allocs, || {
                    self.server.handle_datagram(now, client_addr, datagram)
                });
                self.sent[0] += 1;
            }
        }
        if self.server_stream.is_none() {
            self.server_stream = self.server.accept_stream(Dir::Bi);
        }
        if let Some(id) = self.server_stream {
            loop {
                match counted(server_allocs, || {
                    self.server.stream_read(id, &mut self.read_buf)
                }) {
                    Ok(r) if r.len > 0 => {}
                    Ok(_) | Err(StreamError::WouldBlock) => break,
                    Err(e) => panic!("read: {e}"),
                }
            }
        }
        let mut acks = Vec::new();
        while let Some(t) = counted(server_allocs, || {
            self.server.poll_transmit_batch(now, &mut self.buf, BATCH)
        }) {
            for seg in t.segments() {
                acks.push(self.buf[seg].to_vec());
                self.sent[1] += 1;
            }
        }
        self.acks.push_back(acks);
        self.now += Duration::from_micros(200);
        for (conn, count) in [
            (&mut *self.client, &mut *client_allocs),
            (&mut *self.server, &mut *server_allocs),
        ] {
            if conn.poll_timeout().is_some_and(|t| t <= self.now) {
                counted(count, || conn.handle_timeout(self.now));
            }
        }
    }
}

#[test]
fn a_bulk_transfer_allocates_nothing_per_packet() {
    let mut sim = pair(1, ConnectionConfig::default(), Link::delay(5));
    sim.run_until(Duration::from_secs(5), established);
    let now = sim.now;
    let stream = sim.a.conn_mut().open_stream(Dir::Bi).unwrap();
    let mut t = Transfer {
        client: sim.a.conn_mut(),
        server: sim.b.conn_mut().unwrap(),
        stream,
        server_stream: None,
        now,
        buf: vec![0; BATCH * MTU],
        read_buf: vec![0; 256 * 1024],
        data: vec![0x5a; 64 * 1024],
        acks: VecDeque::new(),
        sent: [0; 2],
        allocations: [0; 3],
    };
    // Warm up: windows open, buffers reach their working size.
    while t.sent[0] < 20_000 {
        t.round();
    }
    assert!(t.server_stream.is_some(), "the server got the stream");
    let sent_before = t.sent;
    t.allocations = [0; 3];
    while t.sent[0] - sent_before[0] < 50_000 {
        t.round();
    }
    assert!(t.client.close_info().is_none() && t.server.close_info().is_none());
    let data_packets = t.sent[0] - sent_before[0];
    let acks = t.sent[1] - sent_before[1];
    let [sender, sender_acks, receiver] = t.allocations;
    // The sender: nothing per packet; a few per acknowledgment (the list of packets it
    // acknowledged).
    assert!(
        sender * 20 < data_packets,
        "the sender allocated {sender} times for {data_packets} packets"
    );
    assert!(
        sender_acks < acks * 4,
        "the sender allocated {sender_acks} times for {acks} ACKs"
    );
    // The receiver: one chunk (and its place in the map) per 16 KB of data, about one per 13
    // packets; nothing per packet.
    assert!(
        receiver * 5 < data_packets,
        "the receiver allocated {receiver} times for {data_packets} packets"
    );
}
