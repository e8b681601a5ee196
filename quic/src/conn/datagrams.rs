//! Unreliable datagrams (RFC 9221): the bounded queues between the application and DATAGRAM
//! frames, and what became of every datagram.
//!
//! Datagrams to send wait in a queue of [`ConnectionConfig::datagram_send_queue`] entries
//! (a full queue refuses more, it never drops silently); received ones wait in a queue of
//! [`ConnectionConfig::datagram_recv_queue`] entries, whose oldest entry makes room for a new
//! one when the application falls behind, counted in [`DatagramStats::recv_dropped`]. Each
//! entry is at most the DATAGRAM frame size this endpoint advertised, so what a peer can make
//! this endpoint hold is bounded by the two settings.
//!
//! [`ConnectionConfig::datagram_send_queue`]: super::ConnectionConfig::datagram_send_queue
//! [`ConnectionConfig::datagram_recv_queue`]: super::ConnectionConfig::datagram_recv_queue

use std::collections::VecDeque;

use crate::coding::Writer;
use crate::error::TransportError;
use crate::frame::DatagramFrame;

/// Why a datagram was not queued for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramError {
    /// The peer did not offer DATAGRAM frames, or its transport parameters are not known yet,
    /// or this endpoint did not enable them.
    NotNegotiated,
    /// Larger than the largest datagram that fits in a packet now (`max`).
    TooLarge {
        /// The largest datagram that fits.
        max: usize,
    },
    /// The send queue is full; packets going out make room.
    QueueFull,
    /// The connection is closing or closed.
    ConnectionClosed,
}

impl std::fmt::Display for DatagramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatagramError::NotNegotiated => f.write_str("DATAGRAM frames were not negotiated"),
            DatagramError::TooLarge { max } => {
                write!(f, "datagram larger than the {max} bytes that fit")
            }
            DatagramError::QueueFull => f.write_str("datagram send queue full"),
            DatagramError::ConnectionClosed => f.write_str("connection closed"),
        }
    }
}

impl std::error::Error for DatagramError {}

/// What became of a connection's datagrams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatagramStats {
    /// Datagrams put in packets.
    pub sent: u64,
    /// Of those, carried by packets the peer acknowledged.
    pub acked: u64,
    /// Of those, carried by packets declared lost (datagrams are not sent again).
    pub lost: u64,
    /// Queued datagrams that no longer fit when their turn came (the path's datagram size
    /// fell) or that were still queued when the connection closed.
    pub send_dropped: u64,
    /// Datagrams received.
    pub received: u64,
    /// Received datagrams dropped unread because the receive queue was full (the oldest goes).
    pub recv_dropped: u64,
}

/// The queues of one connection.
#[derive(Debug)]
pub(super) struct Datagrams {
    /// The largest DATAGRAM frame this endpoint accepts (0: none).
    local_max_frame: u64,
    send: VecDeque<Vec<u8>>,
    send_limit: usize,
    recv: VecDeque<Vec<u8>>,
    recv_limit: usize,
    stats: DatagramStats,
}

impl Datagrams {
    /// Empty queues; `local_max_frame` is the advertised max_datagram_frame_size.
    pub(super) fn new(local_max_frame: u64, send_limit: usize, recv_limit: usize) -> Self {
        Datagrams {
            local_max_frame,
            send: VecDeque::new(),
            send_limit: send_limit.max(1),
            recv: VecDeque::new(),
            recv_limit: recv_limit.max(1),
            stats: DatagramStats::default(),
        }
    }

    /// The counters.
    pub(super) fn stats(&self) -> DatagramStats {
        self.stats
    }

    /// Queues `data`, which the caller checked fits.
    pub(super) fn queue(&mut self, data: &[u8]) -> Result<(), DatagramError> {
        if self.send.len() >= self.send_limit {
            return Err(DatagramError::QueueFull);
        }
        self.send.push_back(data.to_vec());
        Ok(())
    }

    /// Datagrams waiting to be sent.
    pub(super) fn queued(&self) -> usize {
        self.send.len()
    }

    /// Whether a datagram waits to be sent.
    pub(super) fn wants_send(&self) -> bool {
        !self.send.is_empty()
    }

    /// Takes a received DATAGRAM frame's payload (RFC 9221 §4: PROTOCOL_VIOLATION when none
    /// were offered or it is larger than offered).
    pub(super) fn on_frame(&mut self, frame: &DatagramFrame<'_>) -> Result<(), TransportError> {
        if self.local_max_frame == 0 {
            return Err(TransportError::protocol_violation(
                Some(0x30),
                "DATAGRAM frames were not offered",
            ));
        }
        if frame.encoded_len(true) as u64 > self.local_max_frame {
            return Err(TransportError::protocol_violation(
                Some(0x30),
                "DATAGRAM frame larger than max_datagram_frame_size",
            ));
        }
        self.stats.received += 1;
        if self.recv.len() >= self.recv_limit {
            self.recv.pop_front();
            self.stats.recv_dropped += 1;
        }
        self.recv.push_back(frame.data.to_vec());
        Ok(())
    }

    /// The next received datagram.
    pub(super) fn recv(&mut self) -> Option<Vec<u8>> {
        self.recv.pop_front()
    }

    /// The length of the next received datagram.
    pub(super) fn peek_len(&self) -> Option<usize> {
        self.recv.front().map(Vec::len)
    }

    /// Received datagrams waiting to be read.
    pub(super) fn readable(&self) -> usize {
        self.recv.len()
    }

    /// Writes queued datagrams into a packet as DATAGRAM frames (with Length fields) while
    /// they fit; one larger than `max` (what an empty packet holds) is dropped. Returns how
    /// many were written.
    pub(super) fn write_frames(&mut self, w: &mut Writer<'_>, max: usize) -> u16 {
        let mut written = 0u16;
        while let Some(data) = self.send.front() {
            if data.len() > max {
                self.send.pop_front();
                self.stats.send_dropped += 1;
                continue;
            }
            if (DatagramFrame { data }).encode(w, true).is_err() {
                break;
            }
            self.send.pop_front();
            self.stats.sent += 1;
            written = written.saturating_add(1);
        }
        written
    }

    /// Datagrams carried by an acknowledged packet.
    pub(super) fn on_acked(&mut self, count: u16) {
        self.stats.acked += u64::from(count);
    }

    /// Datagrams carried by a lost packet.
    pub(super) fn on_lost(&mut self, count: u16) {
        self.stats.lost += u64::from(count);
    }

    /// The connection closed: what is still queued will never go.
    pub(super) fn on_closed(&mut self) {
        self.stats.send_dropped += self.send.len() as u64;
        self.send.clear();
    }
}

/// Bytes of a 1-RTT packet that are not frames, at most: the first byte, a 4-byte packet
/// number and the AEAD tag (the destination connection ID is added).
const SHORT_PACKET_OVERHEAD: usize = 1 + 4 + 16;

impl super::Connection {
    /// The largest datagram [`datagram_send`](Self::datagram_send) takes now: what fits in
    /// one DATAGRAM frame of the peer's max_datagram_frame_size and in one packet of the
    /// path's current datagram size. `None` until the peer's transport parameters are known,
    /// or when it did not offer DATAGRAM frames (RFC 9221 §3).
    pub fn datagram_max_size(&self) -> Option<usize> {
        let peer = self.peer_params.as_ref()?.max_datagram_frame_size.get();
        if peer == 0 {
            return None;
        }
        let by_peer =
            DatagramFrame::max_data_len(usize::try_from(peer).unwrap_or(usize::MAX), true)?;
        let dcid = self.remote_cids.current().len();
        let room = self
            .max_datagram_size()
            .checked_sub(SHORT_PACKET_OVERHEAD + dcid)?;
        Some(by_peer.min(DatagramFrame::max_data_len(room, true)?))
    }

    /// Queues `data` to go in a DATAGRAM frame: sent once, never again if lost, after the
    /// queue's earlier datagrams and before stream data.
    pub fn datagram_send(&mut self, data: &[u8]) -> Result<(), DatagramError> {
        if !matches!(self.state, super::State::Open) {
            return Err(DatagramError::ConnectionClosed);
        }
        let max = self
            .datagram_max_size()
            .ok_or(DatagramError::NotNegotiated)?;
        if data.len() > max {
            return Err(DatagramError::TooLarge { max });
        }
        self.datagrams.queue(data)
    }

    /// The next datagram the peer sent, oldest first.
    pub fn datagram_recv(&mut self) -> Option<Vec<u8>> {
        self.datagrams.recv()
    }

    /// The length of the datagram [`datagram_recv`](Self::datagram_recv) returns next.
    pub fn datagram_peek_len(&self) -> Option<usize> {
        self.datagrams.peek_len()
    }

    /// Received datagrams waiting to be read.
    pub fn datagrams_readable(&self) -> usize {
        self.datagrams.readable()
    }

    /// Datagrams queued and not yet put in a packet.
    pub fn datagrams_queued(&self) -> usize {
        self.datagrams.queued()
    }

    /// What became of this connection's datagrams.
    pub fn datagram_stats(&self) -> DatagramStats {
        self.datagrams.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TransportErrorCode;

    #[test]
    fn refuses_frames_not_offered_or_too_large() {
        let mut d = Datagrams::new(0, 4, 4);
        let e = d.on_frame(&DatagramFrame { data: b"x" }).unwrap_err();
        assert_eq!(e.code, TransportErrorCode::PROTOCOL_VIOLATION);
        let mut d = Datagrams::new(10, 4, 4);
        // Type, length and 8 bytes: exactly 10.
        d.on_frame(&DatagramFrame { data: &[1; 8] }).unwrap();
        let e = d.on_frame(&DatagramFrame { data: &[1; 9] }).unwrap_err();
        assert_eq!(e.code, TransportErrorCode::PROTOCOL_VIOLATION);
        assert_eq!(d.stats().received, 1);
    }

    #[test]
    fn receive_queue_drops_oldest() {
        let mut d = Datagrams::new(100, 4, 2);
        for i in 0..5u8 {
            d.on_frame(&DatagramFrame { data: &[i] }).unwrap();
        }
        assert_eq!(d.readable(), 2);
        assert_eq!(d.stats().recv_dropped, 3);
        assert_eq!(d.peek_len(), Some(1));
        assert_eq!(d.recv(), Some(vec![3]));
        assert_eq!(d.recv(), Some(vec![4]));
        assert_eq!(d.recv(), None);
    }

    #[test]
    fn send_queue_is_bounded_and_writes_what_fits() {
        let mut d = Datagrams::new(0, 2, 1);
        d.queue(&[1; 10]).unwrap();
        d.queue(&[2; 10]).unwrap();
        assert_eq!(d.queue(&[3; 10]), Err(DatagramError::QueueFull));
        let mut buf = [0u8; 15];
        let mut w = Writer::new(&mut buf);
        // 12 bytes for the first frame; the second waits for the next packet.
        assert_eq!(d.write_frames(&mut w, 100), 1);
        assert_eq!(d.queued(), 1);
        // A path that shrank below the datagram drops it.
        let mut buf = [0u8; 15];
        assert_eq!(d.write_frames(&mut Writer::new(&mut buf), 5), 0);
        assert_eq!(d.queued(), 0);
        assert_eq!(d.stats().send_dropped, 1);
        assert_eq!(d.stats().sent, 1);
    }
}
