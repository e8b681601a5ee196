//! The memory BIO (`BIO_s_mem`, `BIO_new_mem_buf`).

use super::StreamBio;
use crate::error::BioError;

/// An in-memory byte FIFO (`BIO_s_mem`), or a read-only view of fixed data
/// (`BIO_new_mem_buf`).
///
/// A read from an empty writable BIO fails with [`BioError::WouldBlock`] (OpenSSL's default
/// EOF return of -1 with retry); [`set_eof_on_empty`](MemBio::set_eof_on_empty) makes it return
/// end of stream instead. A read-only BIO returns end of stream once its data is read.
#[derive(Debug, Clone, Default)]
pub struct MemBio {
    data: Vec<u8>,
    /// Read position in `data`.
    pos: usize,
    read_only: bool,
    eof_on_empty: bool,
}

impl MemBio {
    /// An empty, writable memory BIO.
    pub fn new() -> Self {
        Self::default()
    }

    /// A read-only memory BIO over `data`: reads return it, then end of stream.
    pub fn read_only(data: impl Into<Vec<u8>>) -> Self {
        MemBio {
            data: data.into(),
            pos: 0,
            read_only: true,
            eof_on_empty: true,
        }
    }

    /// Chooses what a read from an empty BIO gives: end of stream (`true`) or would-block
    /// (`false`, the default) — `BIO_set_mem_eof_return` with 0 or -1.
    pub fn set_eof_on_empty(&mut self, eof: bool) {
        self.eof_on_empty = eof;
    }

    /// The unread bytes (`BIO_get_mem_data`).
    pub fn contents(&self) -> &[u8] {
        &self.data[self.pos..]
    }

    /// Empties a writable BIO, or rewinds a read-only one to its start (`BIO_reset`).
    pub fn reset(&mut self) {
        if !self.read_only {
            self.data.clear();
        }
        self.pos = 0;
    }
}

impl StreamBio for MemBio {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let avail = self.contents();
        if avail.is_empty() {
            return if self.eof_on_empty {
                Ok(0)
            } else {
                Err(BioError::WouldBlock)
            };
        }
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.pos += n;
        if !self.read_only && self.pos == self.data.len() {
            self.data.clear();
            self.pos = 0;
        }
        Ok(n)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        if self.read_only {
            return Err(BioError::ReadOnly);
        }
        // Reclaim the read part once it dominates, so a long-lived FIFO does not grow.
        if self.pos > 4096 && self.pos * 2 > self.data.len() {
            self.data.drain(..self.pos);
            self.pos = 0;
        }
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn pending(&self) -> usize {
        self.contents().len()
    }

    fn eof(&self) -> bool {
        self.contents().is_empty()
    }

    fn reset(&mut self) -> Result<(), BioError> {
        MemBio::reset(self);
        Ok(())
    }

    /// Takes the line out of the held data at once.
    fn read_line(&mut self, max: usize) -> Result<Vec<u8>, BioError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let avail = self.contents();
        let window = &avail[..avail.len().min(max)];
        let len = window
            .iter()
            .position(|&b| b == b'\n')
            .map_or(window.len(), |i| i + 1);
        // An empty BIO: `read` says whether that is the end or a would-block.
        let mut line = vec![0; len.max(1)];
        let got = self.read(&mut line)?;
        line.truncate(got);
        Ok(line)
    }

    /// The read offset from the start of the data the BIO holds (a writable BIO drops what
    /// was read once that dominates, which moves the start).
    fn tell(&mut self) -> Result<u64, BioError> {
        Ok(self.pos as u64)
    }

    /// Moves the read offset; past the end of the data fails.
    fn seek(&mut self, pos: u64) -> Result<(), BioError> {
        match usize::try_from(pos) {
            Ok(p) if p <= self.data.len() => {
                self.pos = p;
                Ok(())
            }
            _ => Err(BioError::InvalidArgument(
                "seek past the end of a memory BIO",
            )),
        }
    }

    fn mem_data(&self) -> Option<&[u8]> {
        Some(self.contents())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_an_empty_bio() {
        let mut m = MemBio::new();
        assert_eq!(m.read_line(8), Err(BioError::WouldBlock));
        m.write(b"ab\ncdef").unwrap();
        assert_eq!(m.read_line(8).unwrap(), b"ab\n");
        assert_eq!(m.read_line(2).unwrap(), b"cd");
        assert_eq!(m.read_line(8).unwrap(), b"ef");
        m.set_eof_on_empty(true);
        assert_eq!(m.read_line(8).unwrap(), b"");
    }

    #[test]
    fn tell_and_seek_move_the_read_offset() {
        let mut m = MemBio::read_only(&b"0123456789"[..]);
        let mut buf = [0u8; 4];
        assert_eq!(m.read(&mut buf).unwrap(), 4);
        assert_eq!(m.tell().unwrap(), 4);
        m.seek(8).unwrap();
        assert_eq!(m.read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"89");
        assert!(m.seek(11).is_err());
        assert_eq!(m.tell().unwrap(), 10, "a failed seek leaves the offset");
        m.seek(0).unwrap();
        assert_eq!(m.contents(), b"0123456789");
    }

    #[test]
    fn fifo_with_partial_reads() {
        let mut m = MemBio::new();
        assert_eq!(m.write(b"hello world").unwrap(), 11);
        assert_eq!(m.pending(), 11);
        let mut buf = [0u8; 5];
        assert_eq!(m.read(&mut buf).unwrap(), 5);
        assert_eq!(&buf, b"hello");
        assert_eq!(m.contents(), b" world");
        let mut big = [0u8; 64];
        assert_eq!(m.read(&mut big).unwrap(), 6);
        assert_eq!(m.read(&mut big), Err(BioError::WouldBlock));
        assert!(m.eof());
        m.set_eof_on_empty(true);
        assert_eq!(m.read(&mut big), Ok(0));
    }

    #[test]
    fn read_only_buffer() {
        let mut m = MemBio::read_only(&b"abc"[..]);
        assert_eq!(m.write(b"x"), Err(BioError::ReadOnly));
        let mut buf = [0u8; 8];
        assert_eq!(m.read(&mut buf).unwrap(), 3);
        assert_eq!(m.read(&mut buf).unwrap(), 0);
        m.reset();
        assert_eq!(m.read(&mut buf).unwrap(), 3);
    }

    #[test]
    fn long_lived_fifo_reclaims_space() {
        let mut m = MemBio::new();
        let chunk = [7u8; 1000];
        let mut buf = [0u8; 999];
        for _ in 0..10_000 {
            m.write(&chunk).unwrap();
            m.read(&mut buf).unwrap();
        }
        assert_eq!(m.pending(), 10_000);
        assert!(
            m.data.capacity() < 64 * 1024,
            "capacity {}",
            m.data.capacity()
        );
    }
}
