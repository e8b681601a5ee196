//! The buffering filter (`BIO_f_buffer`).

use super::{StreamBio, StreamFilter};
use crate::error::BioError;

/// Default (and smallest) size of each of the filter's buffers.
pub const DEFAULT_BUFFER_SIZE: usize = 4096;

/// A filter that gathers small writes and hands them on only when its buffer fills or on an
/// explicit [`flush`](StreamFilter::flush), and reads ahead from the next BIO to serve small
/// reads. A layer writing through it must flush at the end of every message it wants sent: this
/// is what the TLS layer does after each handshake flight.
#[derive(Debug)]
pub struct BufferFilter {
    size: usize,
    out: Vec<u8>,
    /// Start of the part of `out` not yet handed on.
    out_start: usize,
    /// Read-ahead buffer; `inp[in_start..in_end]` is unread.
    inp: Box<[u8]>,
    in_start: usize,
    in_end: usize,
}

impl Default for BufferFilter {
    fn default() -> Self {
        Self::new()
    }
}

impl BufferFilter {
    /// A filter with [`DEFAULT_BUFFER_SIZE`] buffers.
    pub fn new() -> Self {
        Self::with_size(DEFAULT_BUFFER_SIZE)
    }

    /// A filter with buffers of `size` bytes; sizes below the default use the default, as in
    /// OpenSSL.
    pub fn with_size(size: usize) -> Self {
        let size = size.max(DEFAULT_BUFFER_SIZE);
        BufferFilter {
            size,
            out: Vec::with_capacity(size),
            out_start: 0,
            inp: vec![0; size].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
        }
    }

    /// Size of each buffer.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Hands the buffered output to `next` until none is left.
    fn drain_out(&mut self, next: &mut dyn StreamBio) -> Result<(), BioError> {
        while self.out_start < self.out.len() {
            match next.write(&self.out[self.out_start..])? {
                0 => return Err(BioError::WouldBlock),
                n => self.out_start += n,
            }
        }
        self.out.clear();
        self.out_start = 0;
        Ok(())
    }
}

impl StreamFilter for BufferFilter {
    fn read(&mut self, next: &mut dyn StreamBio, buf: &mut [u8]) -> Result<usize, BioError> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.in_start == self.in_end {
            if buf.len() >= self.size {
                return next.read(buf);
            }
            self.in_end = next.read(&mut self.inp)?;
            self.in_start = 0;
        }
        let n = (self.in_end - self.in_start).min(buf.len());
        buf[..n].copy_from_slice(&self.inp[self.in_start..self.in_start + n]);
        self.in_start += n;
        Ok(n)
    }

    fn write(&mut self, next: &mut dyn StreamBio, buf: &[u8]) -> Result<usize, BioError> {
        let mut taken = 0;
        // Whatever is taken before an error is reported as written: it sits in the buffer.
        let partial = |taken: usize, e: BioError| if taken > 0 { Ok(taken) } else { Err(e) };
        loop {
            let rest = &buf[taken..];
            let room = self.size - self.out.len();
            if rest.len() <= room {
                self.out.extend_from_slice(rest);
                return Ok(buf.len());
            }
            self.out.extend_from_slice(&rest[..room]);
            taken += room;
            if let Err(e) = self.drain_out(next) {
                return partial(taken, e);
            }
            // Large writes go straight through rather than being copied in slices.
            while buf.len() - taken >= self.size {
                match next.write(&buf[taken..]) {
                    Ok(0) => return partial(taken, BioError::WouldBlock),
                    Ok(n) => taken += n,
                    Err(e) => return partial(taken, e),
                }
            }
        }
    }

    fn flush(&mut self, next: &mut dyn StreamBio) -> Result<(), BioError> {
        self.drain_out(next)?;
        next.flush()
    }

    fn buffered_in(&self) -> usize {
        self.in_end - self.in_start
    }

    fn buffered_out(&self) -> usize {
        self.out.len() - self.out_start
    }
}
