//! Stream BIOs, the byte-stream side used by TLS over TCP: memory, socket, pair, the
//! file, buffering filter, with filter chains, and the acceptor that makes socket BIOs.
//!
//! Reads return `Ok(0)` only at end of stream; a read or write that cannot make progress now
//! fails with [`BioError::WouldBlock`]. Writes may be partial.

mod accept;
mod buffer;
mod chain;
mod file;
mod mem;
mod pair;
mod socket;

pub use accept::AcceptBio;
pub use buffer::{BufferFilter, DEFAULT_BUFFER_SIZE};
pub use chain::BioChain;
pub use file::FileBio;
pub use mem::MemBio;
pub use pair::{DEFAULT_PAIR_BUF_LEN, StreamPairEnd, new_bio_pair};
pub use socket::SocketBio;

use std::fmt;

use crate::error::BioError;
use crate::poll::PollDescriptor;

/// A BIO with byte-stream semantics.
pub trait StreamBio: Send + fmt::Debug {
    /// Reads up to `buf.len()` bytes; `Ok(0)` means end of stream (for a non-empty `buf`).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError>;

    /// Writes up to `buf.len()` bytes, returning how many were taken.
    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError>;

    /// Pushes anything held back on to the destination (`BIO_flush`).
    fn flush(&mut self) -> Result<(), BioError> {
        Ok(())
    }

    /// Bytes that can be read without waiting (`BIO_ctrl_pending`).
    fn pending(&self) -> usize {
        0
    }

    /// Bytes written but not yet handed on (`BIO_ctrl_wpending`).
    fn wpending(&self) -> usize {
        0
    }

    /// Whether the stream has ended (`BIO_eof`).
    fn eof(&self) -> bool {
        false
    }

    /// The descriptor to wait on for readability; [`PollDescriptor::None`] if not pollable.
    fn rpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::None
    }

    /// The descriptor to wait on for writability; [`PollDescriptor::None`] if not pollable.
    fn wpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::None
    }

    /// Returns the BIO to its starting state (`BIO_reset`): a memory BIO empties (or
    /// rewinds, if read-only), a file seeks to its start. Unsupported by default.
    fn reset(&mut self) -> Result<(), BioError> {
        Err(BioError::Unsupported("reset"))
    }

    /// Reads one line of at most `max` bytes, ending with its `\n` if one comes within them
    /// (`BIO_gets`); empty at the end of the stream. Nothing past the line is taken. By
    /// default a byte at a time; a would-block after part of a line returns that part.
    fn read_line(&mut self, max: usize) -> Result<Vec<u8>, BioError> {
        read_bytewise_line(self, max)
    }

    /// The position (`BIO_tell`): a file's offset, a memory BIO's read offset. Unsupported by
    /// default.
    fn tell(&mut self) -> Result<u64, BioError> {
        Err(BioError::Unsupported("tell"))
    }

    /// Moves the position to `pos` (`BIO_seek`), as [`StreamBio::tell`] counts it.
    /// Unsupported by default.
    fn seek(&mut self, _pos: u64) -> Result<(), BioError> {
        Err(BioError::Unsupported("seek"))
    }

    /// The unread bytes of a memory BIO (`BIO_get_mem_data`); `None` for other BIOs.
    fn mem_data(&self) -> Option<&[u8]> {
        None
    }
}

/// [`StreamBio::read_line`] a byte at a time, for BIOs that cannot look ahead.
pub(crate) fn read_bytewise_line<B: StreamBio + ?Sized>(
    bio: &mut B,
    max: usize,
) -> Result<Vec<u8>, BioError> {
    let mut line = Vec::new();
    while line.len() < max {
        let mut byte = [0u8];
        match bio.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                line.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) if line.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(line)
}

/// A filter BIO: it sits in front of the rest of a chain (`next`) and transforms or buffers what
/// passes through. Filters hold no reference to what follows them, so the same filter serves a
/// Rust [`BioChain`] and a chain the C layer links itself.
pub trait StreamFilter: Send + fmt::Debug {
    /// Reads through the filter from `next`.
    fn read(&mut self, next: &mut dyn StreamBio, buf: &mut [u8]) -> Result<usize, BioError>;

    /// Writes through the filter to `next`.
    fn write(&mut self, next: &mut dyn StreamBio, buf: &[u8]) -> Result<usize, BioError>;

    /// Hands everything held on to `next`, then flushes `next`.
    fn flush(&mut self, next: &mut dyn StreamBio) -> Result<(), BioError>;

    /// Bytes read from `next` and held for the reader.
    fn buffered_in(&self) -> usize {
        0
    }

    /// Bytes written and held back from `next`.
    fn buffered_out(&self) -> usize {
        0
    }
}
