//! The stream BIO pair (`BIO_new_bio_pair`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use super::StreamBio;
use crate::error::BioError;

/// Write buffer of a pair end when none is given (OpenSSL's 17 KiB).
pub const DEFAULT_PAIR_BUF_LEN: usize = 17 * 1024;

#[derive(Debug)]
struct PairState {
    /// `outbox[i]` holds what end `i` wrote, for the other end to read.
    outbox: [VecDeque<u8>; 2],
    capacity: [usize; 2],
    /// End `i` has shut down its write side.
    shut_wr: [bool; 2],
    /// `request[i]`: how many bytes the reader of `outbox[i]` last failed to read (0 once
    /// either side has moved on), as `BIO_ctrl_get_read_request` reports it to end `i`.
    request: [usize; 2],
    /// Cleared when either end is dropped.
    paired: bool,
}

/// One end of a stream BIO pair: bytes written to one end are read from the other, through a
/// bounded buffer per direction. Writes are partial when the buffer fills, and fail with
/// [`BioError::WouldBlock`] when it is full; reads fail the same way when nothing is buffered,
/// until the writer shuts down its side, which the reader then sees as end of stream.
#[derive(Debug)]
pub struct StreamPairEnd {
    shared: Arc<Mutex<PairState>>,
    side: usize,
}

/// Creates a connected stream BIO pair with the given write buffer sizes (0 for
/// [`DEFAULT_PAIR_BUF_LEN`]).
pub fn new_bio_pair(writebuf1: usize, writebuf2: usize) -> (StreamPairEnd, StreamPairEnd) {
    let size = |n: usize| if n == 0 { DEFAULT_PAIR_BUF_LEN } else { n };
    let shared = Arc::new(Mutex::new(PairState {
        outbox: [VecDeque::new(), VecDeque::new()],
        capacity: [size(writebuf1), size(writebuf2)],
        shut_wr: [false; 2],
        request: [0; 2],
        paired: true,
    }));
    (
        StreamPairEnd {
            shared: Arc::clone(&shared),
            side: 0,
        },
        StreamPairEnd { shared, side: 1 },
    )
}

impl StreamPairEnd {
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

    /// Closes this end's write side (`BIO_shutdown_wr`): further writes fail, and the other end
    /// reads end of stream once it has drained the buffer.
    pub fn shutdown_wr(&self) -> Result<(), BioError> {
        self.state()?.shut_wr[self.side] = true;
        Ok(())
    }

    /// How many bytes the other end last failed to read because this end had written
    /// nothing (`BIO_ctrl_get_read_request`): at most this end's buffer size, 0 once either
    /// end reads or writes again.
    pub fn read_request(&self) -> usize {
        self.state().map(|s| s.request[self.side]).unwrap_or(0)
    }

    /// Forgets the other end's failed read (`BIO_ctrl_reset_read_request`).
    pub fn reset_read_request(&self) -> Result<(), BioError> {
        self.state()?.request[self.side] = 0;
        Ok(())
    }

    /// The size of this end's write buffer (`BIO_get_write_buf_size`).
    pub fn write_buf_size(&self) -> usize {
        self.state().map(|s| s.capacity[self.side]).unwrap_or(0)
    }

    /// Whether the other end is still there (it has not been dropped or unpaired).
    pub fn is_paired(&self) -> bool {
        self.state().is_ok()
    }

    /// How many bytes the next write is sure to take (`BIO_get_write_guarantee`).
    pub fn write_guarantee(&self) -> usize {
        match self.state() {
            Ok(s) if !s.shut_wr[self.side] => s.capacity[self.side] - s.outbox[self.side].len(),
            _ => 0,
        }
    }
}

impl Drop for StreamPairEnd {
    fn drop(&mut self) {
        let mut state = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        state.paired = false;
        for q in &mut state.outbox {
            q.clear();
        }
    }
}

impl StreamBio for StreamPairEnd {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        let mut state = self.state()?;
        let other = self.other();
        state.request[other] = 0;
        if buf.is_empty() {
            return Ok(0);
        }
        let writer_shut = state.shut_wr[other];
        if state.outbox[other].is_empty() {
            if writer_shut {
                return Ok(0);
            }
            state.request[other] = buf.len().min(state.capacity[other]);
            return Err(BioError::WouldBlock);
        }
        let inbox = &mut state.outbox[other];
        let n = inbox.len().min(buf.len());
        let (front, back) = inbox.as_slices();
        let from_front = n.min(front.len());
        buf[..from_front].copy_from_slice(&front[..from_front]);
        buf[from_front..n].copy_from_slice(&back[..n - from_front]);
        inbox.drain(..n);
        Ok(n)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        let mut state = self.state()?;
        if buf.is_empty() {
            return Ok(0);
        }
        state.request[self.side] = 0;
        if state.shut_wr[self.side] {
            return Err(BioError::BrokenPipe);
        }
        let free = state.capacity[self.side] - state.outbox[self.side].len();
        if free == 0 {
            return Err(BioError::WouldBlock);
        }
        let n = free.min(buf.len());
        state.outbox[self.side].extend(&buf[..n]);
        Ok(n)
    }

    fn pending(&self) -> usize {
        self.state()
            .map(|s| s.outbox[self.other()].len())
            .unwrap_or(0)
    }

    fn wpending(&self) -> usize {
        self.state().map(|s| s.outbox[self.side].len()).unwrap_or(0)
    }

    /// Drops what this end has written and the other has not read (`BIO_reset`).
    fn reset(&mut self) -> Result<(), BioError> {
        self.state()?.outbox[self.side].clear();
        Ok(())
    }

    fn eof(&self) -> bool {
        match self.state() {
            Ok(s) => s.outbox[self.other()].is_empty() && s.shut_wr[self.other()],
            Err(_) => true,
        }
    }
}
