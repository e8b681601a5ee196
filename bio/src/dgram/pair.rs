//! The datagram pair (OpenSSL's `BIO_s_dgram_pair`) and the datagram memory BIO
//! (`BIO_s_dgram_mem`).
//!
//! Both keep datagrams, with their source and destination addresses, in bounded queues. A pair
//! has one queue per direction, each filled by one end and drained by the other; the memory BIO
//! is a single queue that is written and read through the same object. The address rules are
//! OpenSSL's:
//! - a message may name a destination only if the reader declared
//!   [`HANDLES_DST_ADDR`](DgramCaps::HANDLES_DST_ADDR);
//! - a message may name a source, and a receive may ask for the destination, only once local
//!   addresses are enabled; that needs the reader to have declared both
//!   [`HANDLES_SRC_ADDR`](DgramCaps::HANDLES_SRC_ADDR) and
//!   [`PROVIDES_DST_ADDR`](DgramCaps::PROVIDES_DST_ADDR);
//! - a datagram without a source takes the end's local address
//!   ([`DgramPairEnd::set_local_addr`]), if any.
//!
//! Neither has segmentation or receive offload: a message with a segment size is queued as its
//! separate datagrams, all of them or none (it must fit in the buffer whole).

use std::sync::{Arc, Mutex, MutexGuard};

use super::queue::{DGRAM_OVERHEAD, DatagramQueue};
use super::{DatagramBio, DgramCaps, RecvMsg, SendMsg};
use crate::addr::BioAddr;
use crate::error::BioError;

/// MTU a new pair or memory BIO reports.
pub const DEFAULT_MTU: usize = 1472;
/// Smallest write buffer of a pair end.
pub const MIN_BUF_LEN: usize = 1024;
/// Write buffer of a pair end when none is given: room for nine full-MTU datagrams.
pub const DEFAULT_BUF_LEN: usize = 9 * (DGRAM_OVERHEAD + DEFAULT_MTU);

/// Settings of one user of a pair end or memory BIO.
#[derive(Debug, Clone, Copy)]
struct EndConfig {
    caps: DgramCaps,
    mtu: usize,
    no_trunc: bool,
    local_addr_enabled: bool,
    local_addr: Option<BioAddr>,
}

impl Default for EndConfig {
    fn default() -> Self {
        EndConfig {
            caps: DgramCaps::empty(),
            mtu: DEFAULT_MTU,
            no_trunc: false,
            local_addr_enabled: false,
            local_addr: None,
        }
    }
}

/// Whether a reader with `caps` lets its writer use local addresses.
fn allows_local_addr(reader_caps: DgramCaps) -> bool {
    reader_caps.contains(DgramCaps::HANDLES_SRC_ADDR | DgramCaps::PROVIDES_DST_ADDR)
}

/// How large a datagram `queue` is sure to take next: 0 if less than an `mtu` is free.
fn write_room(queue: &DatagramQueue, mtu: usize) -> usize {
    let room = queue.free().saturating_sub(DGRAM_OVERHEAD);
    if room < mtu { 0 } else { room }
}

/// Queues a prefix of `msgs` written by a user with `writer` settings, for a reader with
/// `reader_caps`. A segmented message is queued as its separate datagrams, all or none.
fn send_batch(
    queue: &mut DatagramQueue,
    writer: &EndConfig,
    reader_caps: DgramCaps,
    msgs: &[SendMsg<'_>],
) -> Result<usize, BioError> {
    for (i, msg) in msgs.iter().enumerate() {
        let queued = check_send(writer, reader_caps, msg).and_then(|src| {
            let dst = msg.peer.unwrap_or_default();
            match msg.split_size()? {
                None => queue.push(msg.data, src, dst),
                Some(_) => queue.push_all(msg.datagrams(), src, dst),
            }
        });
        if let Err(e) = queued {
            return if i == 0 { Err(e) } else { Ok(i) };
        }
    }
    Ok(msgs.len())
}

/// Checks one message's addresses; returns the source address to record.
fn check_send(
    writer: &EndConfig,
    reader_caps: DgramCaps,
    msg: &SendMsg<'_>,
) -> Result<BioAddr, BioError> {
    msg.check_flags()?;
    if msg.local.is_some() && !writer.local_addr_enabled {
        return Err(BioError::LocalAddrNotAvailable);
    }
    if msg.peer.is_some() && !reader_caps.contains(DgramCaps::HANDLES_DST_ADDR) {
        return Err(BioError::PeerAddrNotAvailable);
    }
    Ok(msg.local.or(writer.local_addr).unwrap_or_default())
}

/// Takes datagrams from `queue` into a prefix of `msgs` for a reader with `reader` settings.
fn recv_batch(
    queue: &mut DatagramQueue,
    reader: &EndConfig,
    msgs: &mut [RecvMsg<'_>],
) -> Result<usize, BioError> {
    for (i, msg) in msgs.iter_mut().enumerate() {
        let taken = if msg.local.is_some() && !reader.local_addr_enabled {
            Err(BioError::LocalAddrNotAvailable)
        } else {
            queue.pop_into(msg.buf, reader.no_trunc)
        };
        match taken {
            Ok(d) => {
                msg.len = d.copied;
                msg.flags = 0;
                msg.segment_size = None;
                msg.peer = d.src;
                if msg.local.is_some() {
                    msg.local = Some(d.dst);
                }
            }
            Err(e) => return if i == 0 { Err(e) } else { Ok(i) },
        }
    }
    Ok(msgs.len())
}

/// What both ends of a pair share.
#[derive(Debug)]
struct PairState {
    /// `outbox[i]` holds what end `i` wrote, for the other end to read.
    outbox: [DatagramQueue; 2],
    config: [EndConfig; 2],
    /// Cleared when either end is dropped; the survivor can no longer be used.
    paired: bool,
}

/// One end of a datagram pair. Create both with [`new_dgram_pair`].
///
/// Ends are `Send + Sync`: one thread may read while another writes. They are not pollable: a
/// read finding nothing, or a write finding the buffer full, fails with
/// [`BioError::WouldBlock`].
#[derive(Debug)]
pub struct DgramPairEnd {
    shared: Arc<Mutex<PairState>>,
    side: usize,
}

/// Creates a connected datagram pair (`BIO_new_bio_dgram_pair`): what one end writes, the other
/// reads. `writebuf1` and `writebuf2` bound each end's write buffer in bytes, bookkeeping
/// included; 0 means [`DEFAULT_BUF_LEN`], and values below [`MIN_BUF_LEN`] are raised to it.
pub fn new_dgram_pair(writebuf1: usize, writebuf2: usize) -> (DgramPairEnd, DgramPairEnd) {
    let size = |n: usize| match n {
        0 => DEFAULT_BUF_LEN,
        n => n.max(MIN_BUF_LEN),
    };
    let shared = Arc::new(Mutex::new(PairState {
        outbox: [
            DatagramQueue::new(size(writebuf1)),
            DatagramQueue::new(size(writebuf2)),
        ],
        config: [EndConfig::default(); 2],
        paired: true,
    }));
    (
        DgramPairEnd {
            shared: Arc::clone(&shared),
            side: 0,
        },
        DgramPairEnd { shared, side: 1 },
    )
}

impl DgramPairEnd {
    /// Locks the shared state; `Err(Unpaired)` once the other end is gone.
    fn state(&self) -> Result<MutexGuard<'_, PairState>, BioError> {
        let state = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if state.paired {
            Ok(state)
        } else {
            Err(BioError::Unpaired)
        }
    }

    fn other(&self) -> usize {
        1 - self.side
    }

    /// Size of this end's write buffer (`BIO_get_write_buf_size`).
    pub fn write_buf_size(&self) -> usize {
        self.state()
            .map(|s| s.outbox[self.side].capacity())
            .unwrap_or(0)
    }

    /// Drops everything this end has written and the other has not read (`BIO_reset`).
    pub fn reset(&self) -> Result<(), BioError> {
        self.state()?.outbox[self.side].clear();
        Ok(())
    }
}

impl Drop for DgramPairEnd {
    fn drop(&mut self) {
        let mut state = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        state.paired = false;
        for q in &mut state.outbox {
            q.clear();
        }
    }
}

impl DatagramBio for DgramPairEnd {
    fn send_mmsg(&self, msgs: &[SendMsg<'_>]) -> Result<usize, BioError> {
        let mut guard = self.state()?;
        let PairState { outbox, config, .. } = &mut *guard;
        let reader_caps = config[self.other()].caps;
        send_batch(
            &mut outbox[self.side],
            &config[self.side],
            reader_caps,
            msgs,
        )
    }

    fn recv_mmsg(&self, msgs: &mut [RecvMsg<'_>]) -> Result<usize, BioError> {
        let mut guard = self.state()?;
        let PairState { outbox, config, .. } = &mut *guard;
        recv_batch(&mut outbox[self.other()], &config[self.side], msgs)
    }

    fn mtu(&self) -> usize {
        self.state().map(|s| s.config[self.side].mtu).unwrap_or(0)
    }

    /// Sets the MTU on both ends: one user can tell the other what datagram size it wants.
    fn set_mtu(&self, mtu: usize) -> Result<(), BioError> {
        let mut state = self.state()?;
        for c in &mut state.config {
            c.mtu = mtu;
        }
        Ok(())
    }

    fn no_trunc(&self) -> bool {
        self.state()
            .map(|s| s.config[self.side].no_trunc)
            .unwrap_or(false)
    }

    fn set_no_trunc(&self, on: bool) -> Result<(), BioError> {
        self.state()?.config[self.side].no_trunc = on;
        Ok(())
    }

    fn caps(&self) -> DgramCaps {
        self.state()
            .map(|s| s.config[self.side].caps)
            .unwrap_or_default()
    }

    fn set_caps(&self, caps: DgramCaps) -> Result<(), BioError> {
        self.state()?.config[self.side].caps = caps;
        Ok(())
    }

    fn effective_caps(&self) -> DgramCaps {
        self.state()
            .map(|s| s.config[self.other()].caps)
            .unwrap_or_default()
    }

    fn local_addr_cap(&self) -> bool {
        self.state()
            .map(|s| allows_local_addr(s.config[self.other()].caps))
            .unwrap_or(false)
    }

    fn set_local_addr_enable(&self, enable: bool) -> Result<(), BioError> {
        let mut state = self.state()?;
        if enable && !allows_local_addr(state.config[self.other()].caps) {
            return Err(BioError::LocalAddrNotAvailable);
        }
        state.config[self.side].local_addr_enabled = enable;
        Ok(())
    }

    fn local_addr_enabled(&self) -> bool {
        self.state()
            .map(|s| s.config[self.side].local_addr_enabled)
            .unwrap_or(false)
    }

    /// The other end reads it as their peer address.
    fn set_local_addr(&self, addr: Option<BioAddr>) -> Result<(), BioError> {
        self.state()?.config[self.side].local_addr = addr;
        Ok(())
    }

    fn pending(&self) -> usize {
        self.state()
            .ok()
            .and_then(|s| s.outbox[self.other()].front_len())
            .unwrap_or(0)
    }

    fn write_guarantee(&self) -> usize {
        self.state()
            .map(|s| write_room(&s.outbox[self.side], s.config[self.side].mtu))
            .unwrap_or(0)
    }

    fn eof(&self) -> bool {
        self.state().is_err()
    }
}

/// What a datagram memory BIO holds.
#[derive(Debug)]
struct MemState {
    queue: DatagramQueue,
    config: EndConfig,
}

/// A one-way datagram FIFO (`BIO_s_dgram_mem`): datagrams written to it are read back from it,
/// boundaries and addresses kept. Never at EOF, not pollable.
#[derive(Debug)]
pub struct DgramMem {
    state: Mutex<MemState>,
}

impl Default for DgramMem {
    fn default() -> Self {
        Self::new()
    }
}

impl DgramMem {
    /// A memory BIO limited only by available memory, as OpenSSL's grows without bound.
    pub fn new() -> Self {
        Self::with_capacity(usize::MAX / 2)
    }

    /// A memory BIO holding at most `capacity` bytes, bookkeeping included.
    pub fn with_capacity(capacity: usize) -> Self {
        DgramMem {
            state: Mutex::new(MemState {
                queue: DatagramQueue::new(capacity.max(MIN_BUF_LEN)),
                config: EndConfig::default(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, MemState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops every queued datagram (`BIO_reset`).
    pub fn reset(&self) {
        self.lock().queue.clear();
    }
}

impl DatagramBio for DgramMem {
    fn send_mmsg(&self, msgs: &[SendMsg<'_>]) -> Result<usize, BioError> {
        let mut guard = self.lock();
        let MemState { queue, config } = &mut *guard;
        send_batch(queue, config, config.caps, msgs)
    }

    fn recv_mmsg(&self, msgs: &mut [RecvMsg<'_>]) -> Result<usize, BioError> {
        let mut guard = self.lock();
        let MemState { queue, config } = &mut *guard;
        recv_batch(queue, config, msgs)
    }

    fn mtu(&self) -> usize {
        self.lock().config.mtu
    }

    fn set_mtu(&self, mtu: usize) -> Result<(), BioError> {
        self.lock().config.mtu = mtu;
        Ok(())
    }

    fn no_trunc(&self) -> bool {
        self.lock().config.no_trunc
    }

    fn set_no_trunc(&self, on: bool) -> Result<(), BioError> {
        self.lock().config.no_trunc = on;
        Ok(())
    }

    fn caps(&self) -> DgramCaps {
        self.lock().config.caps
    }

    fn set_caps(&self, caps: DgramCaps) -> Result<(), BioError> {
        self.lock().config.caps = caps;
        Ok(())
    }

    /// The memory BIO's reader is its writer: its own capabilities apply.
    fn effective_caps(&self) -> DgramCaps {
        self.lock().config.caps
    }

    fn local_addr_cap(&self) -> bool {
        allows_local_addr(self.lock().config.caps)
    }

    fn set_local_addr_enable(&self, enable: bool) -> Result<(), BioError> {
        let mut state = self.lock();
        if enable && !allows_local_addr(state.config.caps) {
            return Err(BioError::LocalAddrNotAvailable);
        }
        state.config.local_addr_enabled = enable;
        Ok(())
    }

    fn local_addr_enabled(&self) -> bool {
        self.lock().config.local_addr_enabled
    }

    /// Read back from the same BIO as the datagrams' peer address.
    fn set_local_addr(&self, addr: Option<BioAddr>) -> Result<(), BioError> {
        self.lock().config.local_addr = addr;
        Ok(())
    }

    fn pending(&self) -> usize {
        self.lock().queue.front_len().unwrap_or(0)
    }

    fn write_guarantee(&self) -> usize {
        let state = self.lock();
        write_room(&state.queue, state.config.mtu)
    }
}
