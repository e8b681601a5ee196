//! The network side of a port: moves datagrams between its BIOs and the sans-I/O endpoint,
//! batched, never blocking.
//!
//! Where the write BIO has segmentation offload (a UDP socket on Linux), each batch of
//! same-size datagrams the endpoint produces goes out as one segmented message, which the
//! kernel cuts into datagrams; otherwise as one message per datagram. Receive offload is
//! turned on in the read BIO where it exists, and coalesced buffers are cut back into their
//! datagrams before the endpoint sees them. ECN is turned on in both BIOs where they have it:
//! arriving datagrams carry their codepoint to the endpoint, and outgoing ones the marking
//! the connection chose.

use std::cell::RefCell;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use qssl_bio::poll::{PollDescriptor, PollItem};
use qssl_bio::{BioAddr, BioError, DatagramBio, MAX_SEGMENTS, RecvMsg, SendMsg};
use qssl_quic::conn::{DatagramInfo, EcnCodepoint, Transmit};
use qssl_quic::endpoint::Endpoint;

/// Datagrams per `recvmmsg`/`sendmmsg`.
const BATCH: usize = 32;
/// Largest datagram received; also room for a buffer of datagrams coalesced by receive
/// offload.
const MAX_DATAGRAM: usize = 65_536;
/// Batches one receive takes at most before the caller gets to run timers, handle events
/// and send: a flooded socket cannot starve the rest of the port.
const MAX_BATCHES: usize = 64;
/// Most payload one segmented message carries: the largest UDP payload over IPv4, which the
/// kernel applies to a segmented send as a whole.
const MAX_SEGMENTED: usize = 65_507;
/// Send buffer: room for one batch of full-size QUIC datagrams.
const SEND_BUF_LEN: usize = BATCH * 1500;

/// The address datagrams are attributed to when the BIO carries none (a datagram pair or
/// memory BIO without addressing): connections are found by connection ID, so one
/// placeholder serves every peer.
pub(crate) const UNADDRESSED: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

thread_local! {
    /// The receive buffers (room for a batch of coalesced datagrams, 2 MiB) of every port
    /// this thread receives for: a port needs them only during one receive, and making
    /// them for each connection object would cost more than its handshake.
    static RECV_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };

    /// The send buffer (a batch of full-size datagrams, 48 KB) of every port this thread
    /// sends for; a port keeps a copy of its own only of datagrams its BIO refused.
    static SEND_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A port's network BIOs and the datagrams its write BIO refused.
#[derive(Debug, Default)]
pub(crate) struct Net {
    rbio: Option<Arc<dyn DatagramBio>>,
    wbio: Option<Arc<dyn DatagramBio>>,
    /// Datagrams taken from the endpoint but not yet sent (the BIO was full), and how many of
    /// them went out already; their bytes are in `pending_buf`.
    pending: Option<(Transmit, usize)>,
    pending_buf: Vec<u8>,
    /// Destination addresses are attached to datagrams sent (off for a BIO that cannot carry
    /// them, such as a datagram pair whose other end does not handle them).
    addressed: bool,
    /// Local addresses are asked for and attached (the socket reports them).
    local_addrs: bool,
    /// The first fatal network error; the port's connections fail with it.
    failure: Option<BioError>,
    /// The last receive stopped at its limit, not because the read BIO ran dry.
    backlog: bool,
}

impl Net {
    /// Sets the BIO datagrams are read from.
    pub(crate) fn set_rbio(&mut self, bio: Option<Arc<dyn DatagramBio>>) {
        if let Some(b) = &bio {
            // Best effort, as OpenSSL: the port never blocks in the BIO itself.
            let _ = b.set_nonblocking(true);
            self.local_addrs = b.set_local_addr_enable(true).is_ok();
            // Best effort: the receive buffers hold a coalesced batch (MAX_DATAGRAM).
            let _ = b.set_gro(true);
            // Best effort: ECN codepoints of arriving datagrams, for the ACKs' counts.
            let _ = b.set_ecn(true);
        }
        self.rbio = bio;
    }

    /// Sets the BIO datagrams are written to.
    pub(crate) fn set_wbio(&mut self, bio: Option<Arc<dyn DatagramBio>>) {
        if let Some(b) = &bio {
            let _ = b.set_nonblocking(true);
            // Best effort: datagrams go out with the ECN marking the connection asks for.
            let _ = b.set_ecn(true);
        }
        self.addressed = true;
        self.pending = None;
        self.wbio = bio;
    }

    /// The read BIO.
    pub(crate) fn rbio(&self) -> Option<&Arc<dyn DatagramBio>> {
        self.rbio.as_ref()
    }

    /// The write BIO.
    pub(crate) fn wbio(&self) -> Option<&Arc<dyn DatagramBio>> {
        self.wbio.as_ref()
    }

    /// Whether both BIOs are set and can be waited on, so calls may block.
    pub(crate) fn can_block(&self) -> bool {
        self.rbio
            .as_ref()
            .is_some_and(|b| b.rpoll_descriptor().is_pollable())
            && self
                .wbio
                .as_ref()
                .is_some_and(|b| b.wpoll_descriptor().is_pollable())
    }

    /// The peer a connected write BIO sends to, if any (`BIO_dgram_detect_peer_addr`).
    pub(crate) fn detect_peer(&self) -> Option<SocketAddr> {
        self.wbio.as_ref()?.peer()?.socket_addr()
    }

    /// Whether the write BIO needs a destination for every datagram: a socket that is not
    /// connected. Unpollable BIOs (pairs, memory) carry datagrams without addresses.
    pub(crate) fn needs_peer_addr(&self) -> bool {
        self.wbio
            .as_ref()
            .is_some_and(|b| b.wpoll_descriptor().is_pollable() && b.peer().is_none())
    }

    /// The first fatal network error, if any.
    pub(crate) fn failure(&self) -> Option<&BioError> {
        self.failure.as_ref()
    }

    /// Whether datagrams wait for room in the write BIO.
    pub(crate) fn write_blocked(&self) -> bool {
        self.pending.is_some()
    }

    /// What to wait on: the read BIO for datagrams, and the write BIO when datagrams wait
    /// for room in it.
    pub(crate) fn poll_items(&self) -> [PollItem; 2] {
        let read = self
            .rbio
            .as_ref()
            .map_or(PollDescriptor::None, |b| b.rpoll_descriptor());
        let write = match (&self.wbio, self.write_blocked()) {
            (Some(b), true) => b.wpoll_descriptor(),
            _ => PollDescriptor::None,
        };
        [PollItem::readable(read), PollItem::writable(write)]
    }

    /// Hands the waiting datagrams to `endpoint`, up to [`MAX_BATCHES`] batches (the rest
    /// wait for the next call). Returns whether any arrived.
    pub(crate) fn receive(&mut self, endpoint: &mut Endpoint, now: Instant) -> bool {
        RECV_BUF.with(|shared| match shared.try_borrow_mut() {
            Ok(mut buf) => self.receive_into(&mut buf, endpoint, now),
            // A callback run by this receive received for another port: a buffer of its own.
            Err(_) => self.receive_into(&mut Vec::new(), endpoint, now),
        })
    }

    /// [`Self::receive`] into `recv_buf` (made full size if empty).
    fn receive_into(
        &mut self,
        recv_buf: &mut Vec<u8>,
        endpoint: &mut Endpoint,
        now: Instant,
    ) -> bool {
        let Some(rbio) = self.rbio.clone() else {
            return false;
        };
        if recv_buf.is_empty() {
            *recv_buf = vec![0u8; MAX_DATAGRAM * BATCH];
        }
        let local = self.local_addrs;
        let mut any = false;
        self.backlog = false;
        for _ in 0..MAX_BATCHES {
            let mut bufs = recv_buf.chunks_exact_mut(MAX_DATAGRAM);
            let mut msgs: [RecvMsg<'_>; BATCH] = std::array::from_fn(|_| {
                let msg = RecvMsg::new(bufs.next().unwrap_or_default());
                if local { msg.with_local() } else { msg }
            });
            let n = match rbio.recv_mmsg(&mut msgs) {
                Ok(n) => n,
                Err(e) => {
                    if !e.is_non_fatal() && !matches!(e, BioError::WouldTruncate { .. }) {
                        self.failure.get_or_insert(e);
                    }
                    return any;
                }
            };
            any |= n > 0;
            for m in &mut msgs[..n] {
                let info = DatagramInfo {
                    from: m.peer.socket_addr().unwrap_or(UNADDRESSED),
                    local: m.local.and_then(|a| a.socket_addr()),
                    ecn: m.ecn.and_then(EcnCodepoint::from_bits),
                };
                let len = m.len.min(m.buf.len());
                match m.segment_size {
                    // Datagrams coalesced by receive offload: each goes in on its own.
                    Some(size) if size > 0 && size < len => {
                        for datagram in m.buf[..len].chunks_mut(size) {
                            endpoint.handle_datagram_with(now, info, datagram);
                        }
                    }
                    _ => endpoint.handle_datagram_with(now, info, &mut m.buf[..len]),
                }
            }
            if n < BATCH {
                return any;
            }
        }
        self.backlog = true;
        any
    }

    /// Whether datagrams may still wait in the read BIO after the last receive (it stopped
    /// at its limit): a waiter told only of new arrivals must look again without waiting.
    pub(crate) fn backlog(&self) -> bool {
        self.backlog
    }

    /// Sends what `endpoint` has to send, until it has nothing more or the write BIO is full
    /// (the rest of that batch waits, copied, for the next call).
    pub(crate) fn flush(&mut self, endpoint: &mut Endpoint, now: Instant) {
        let Some(wbio) = self.wbio.clone() else {
            return;
        };
        if let Some((transmit, done)) = self.pending.take() {
            let buf = std::mem::take(&mut self.pending_buf);
            if let Err(sent) = self.send(wbio.as_ref(), &buf, &transmit, done) {
                self.pending = Some((transmit, sent));
                self.pending_buf = buf;
                return;
            }
        }
        SEND_BUF.with(|shared| match shared.try_borrow_mut() {
            Ok(mut buf) => self.flush_from(&mut buf, wbio.as_ref(), endpoint, now),
            // A callback run by this send sends for another port: a buffer of its own.
            Err(_) => self.flush_from(&mut Vec::new(), wbio.as_ref(), endpoint, now),
        });
    }

    /// [`Self::flush`] through `buf` (made full size if empty).
    fn flush_from(
        &mut self,
        buf: &mut Vec<u8>,
        wbio: &dyn DatagramBio,
        endpoint: &mut Endpoint,
        now: Instant,
    ) {
        if buf.is_empty() {
            *buf = vec![0u8; SEND_BUF_LEN];
        }
        while let Some(transmit) = endpoint.poll_transmit_batch(now, buf, BATCH) {
            if let Err(sent) = self.send(wbio, buf, &transmit, 0) {
                self.pending_buf = buf.get(..transmit.len).unwrap_or_default().to_vec();
                self.pending = Some((transmit, sent));
                return;
            }
        }
    }

    /// Sends the datagrams of `t` (in `buf`) from the `done`-th on; on a full BIO returns how
    /// many are out. With segmentation offload in the BIO, runs of datagrams go as one
    /// segmented message each (all of it or none is sent); otherwise one message per datagram.
    fn send(
        &mut self,
        wbio: &dyn DatagramBio,
        buf: &[u8],
        t: &Transmit,
        done: usize,
    ) -> Result<(), usize> {
        let to =
            (self.addressed && t.destination != UNADDRESSED).then(|| BioAddr::from(t.destination));
        let from = t.source.filter(|_| self.local_addrs).map(BioAddr::from);
        let segment = t.segment_size.max(1);
        let per_msg = match wbio.gso_max_segments().min(MAX_SEGMENTS) {
            0 | 1 => 1,
            gso => gso.min(MAX_SEGMENTED / segment).max(1),
        };
        let mut batch = [SendMsg::new(&[]); BATCH];
        // Datagrams in each message of the batch.
        let mut datagrams = [0usize; BATCH];
        let mut count = 0;
        let mut left = t.segments().skip(done).peekable();
        while count < BATCH {
            let Some(first) = left.next() else { break };
            let (start, mut end, mut n) = (first.start, first.end, 1);
            while n < per_msg {
                let Some(next) = left.next_if(|r| r.start == end) else {
                    break;
                };
                end = next.end;
                n += 1;
            }
            let mut msg = SendMsg::new(buf.get(start..end).unwrap_or_default());
            if n > 1 {
                msg = msg.segment_size(segment);
            }
            if let Some(to) = to {
                msg = msg.to(to);
            }
            if let Some(from) = from {
                msg = msg.from(from);
            }
            if let Some(ecn) = t.ecn {
                msg = msg.ecn(ecn.bits());
            }
            batch[count] = msg;
            datagrams[count] = n;
            count += 1;
        }
        let mut sent = 0;
        let mut sent_datagrams = 0;
        while sent < count {
            match wbio.send_mmsg(&batch[sent..count]) {
                Ok(n) => {
                    let n = n.min(count - sent);
                    sent_datagrams += datagrams[sent..sent + n].iter().sum::<usize>();
                    sent += n;
                }
                Err(BioError::WouldBlock) => return Err(done + sent_datagrams),
                Err(BioError::PeerAddrNotAvailable) if self.addressed => {
                    // The BIO carries no addresses: send without them from now on.
                    self.addressed = false;
                    for m in &mut batch[sent..count] {
                        m.peer = None;
                    }
                }
                Err(BioError::LocalAddrNotAvailable) if self.local_addrs => {
                    self.local_addrs = false;
                    for m in &mut batch[sent..count] {
                        m.local = None;
                    }
                }
                // Transient network errors lose these datagrams; QUIC recovers.
                Err(e) if e.is_non_fatal() => return Ok(()),
                Err(e) => {
                    self.failure.get_or_insert(e);
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}
