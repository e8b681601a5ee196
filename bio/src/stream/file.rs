//! The file BIO (`BIO_s_file`, `BIO_new_file`): a file opened with an `fopen` mode.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::{StreamBio, read_bytewise_line};
use crate::error::BioError;

/// The most [`FileBio::read_line`] reads at once.
const LINE_CHUNK: usize = 4096;

/// A file read or written through the BIO interface. A read that reaches the end of the
/// file marks it (`BIO_eof`, as `feof` after `fread`) until the next write or reset.
#[derive(Debug)]
pub struct FileBio {
    file: File,
    eof: bool,
}

impl FileBio {
    /// Opens `path` with an `fopen` mode: `r`, `w` (create, truncate), `a` (create, append),
    /// each with an optional `+` (read and write) and `b` (ignored). Another mode fails with
    /// [`BioError::InvalidArgument`] (OpenSSL's `BIO_R_BAD_FOPEN_MODE`); a failed open with
    /// the system's error.
    pub fn open(path: impl AsRef<Path>, mode: &str) -> Result<Self, BioError> {
        let mut chars = mode.chars().filter(|&c| c != 'b');
        let mut opts = OpenOptions::new();
        match chars.next() {
            Some('r') => opts.read(true),
            Some('w') => opts.write(true).create(true).truncate(true),
            Some('a') => opts.append(true).create(true),
            _ => return Err(BioError::InvalidArgument("fopen mode")),
        };
        match chars.next() {
            None => {}
            Some('+') => {
                opts.read(true);
                if !mode.starts_with('a') {
                    opts.write(true);
                }
            }
            Some(_) => return Err(BioError::InvalidArgument("fopen mode")),
        }
        if chars.next().is_some() {
            return Err(BioError::InvalidArgument("fopen mode"));
        }
        Ok(FileBio {
            file: opts.open(path)?,
            eof: false,
        })
    }
}

impl StreamBio for FileBio {
    /// Fills `buf` as `fread` does: a short count means end of file, which `eof` then
    /// reports.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        let mut total = 0;
        while total < buf.len() {
            match self.file.read(&mut buf[total..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => total += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) if total > 0 => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(total)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        self.eof = false;
        Ok(self.file.write(buf)?)
    }

    fn flush(&mut self) -> Result<(), BioError> {
        Ok(self.file.flush()?)
    }

    fn eof(&self) -> bool {
        self.eof
    }

    fn reset(&mut self) -> Result<(), BioError> {
        self.seek(0)
    }

    /// Reads chunks (of at most `LINE_CHUNK` bytes, so that a huge `max` allocates no more
    /// than the file holds) and seeks back to just after the line: a few system calls per
    /// line instead of one per byte. A file that cannot seek (a pipe) is read a byte at a
    /// time.
    fn read_line(&mut self, max: usize) -> Result<Vec<u8>, BioError> {
        let Ok(start) = self.file.stream_position() else {
            return read_bytewise_line(self, max);
        };
        let mut line = Vec::new();
        while line.len() < max {
            let at = line.len();
            let want = (max - at).min(LINE_CHUNK);
            line.resize(at + want, 0);
            let got = self.read(&mut line[at..])?;
            line.truncate(at + got);
            if let Some(i) = line[at..].iter().position(|&b| b == b'\n') {
                let len = at + i + 1;
                if len < line.len() {
                    self.seek(start + len as u64)?;
                }
                line.truncate(len);
                break;
            }
            if got < want {
                break;
            }
        }
        Ok(line)
    }

    fn tell(&mut self) -> Result<u64, BioError> {
        Ok(self.file.stream_position()?)
    }

    fn seek(&mut self, pos: u64) -> Result<(), BioError> {
        self.file.seek(SeekFrom::Start(pos))?;
        self.eof = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_one_at_a_time_without_reading_past_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines.txt");
        std::fs::write(&path, b"first\nsecond line\nlast").unwrap();
        let mut f = FileBio::open(&path, "r").unwrap();
        assert_eq!(f.read_line(64).unwrap(), b"first\n");
        assert_eq!(f.tell().unwrap(), 6);
        assert_eq!(f.read_line(4).unwrap(), b"seco");
        assert_eq!(f.read_line(64).unwrap(), b"nd line\n");
        assert!(!f.eof());
        assert_eq!(f.read_line(64).unwrap(), b"last");
        assert_eq!(f.read_line(64).unwrap(), b"");
    }

    #[test]
    fn long_lines_come_in_chunks_whatever_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.txt");
        let mut text = vec![b'x'; 3 * LINE_CHUNK];
        text.extend_from_slice(b"\nnext");
        std::fs::write(&path, &text).unwrap();
        let mut f = FileBio::open(&path, "r").unwrap();
        // A limit far past the file allocates only what is read.
        assert_eq!(f.read_line(usize::MAX).unwrap(), &text[..=3 * LINE_CHUNK]);
        assert_eq!(f.read_line(usize::MAX).unwrap(), b"next");
        f.seek(0).unwrap();
        assert_eq!(f.read_line(LINE_CHUNK + 1).unwrap().len(), LINE_CHUNK + 1);
        assert_eq!(f.tell().unwrap(), LINE_CHUNK as u64 + 1);
    }

    #[test]
    fn modes_read_write_append_and_eof() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        let mut w = FileBio::open(&path, "wb").unwrap();
        assert_eq!(w.write(b"hello").unwrap(), 5);
        w.flush().unwrap();
        drop(w);
        let mut a = FileBio::open(&path, "a").unwrap();
        a.write(b" world").unwrap();
        drop(a);
        let mut r = FileBio::open(&path, "r").unwrap();
        let mut buf = [0u8; 32];
        let n = r.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"hello world");
        // A short read reached the end, as fread's would.
        assert!(r.eof());
        assert_eq!(r.read(&mut buf).unwrap(), 0);
        assert!(r.eof());
        r.reset().unwrap();
        assert!(!r.eof());
        assert_eq!(r.tell().unwrap(), 0);
        r.seek(6).unwrap();
        assert_eq!(r.read(&mut buf[..5]).unwrap(), 5);
        assert_eq!(&buf[..5], b"world");
        assert_eq!(r.tell().unwrap(), 11);
        r.seek(0).unwrap();
        assert_eq!(r.read(&mut buf[..5]).unwrap(), 5);
        assert!(!r.eof());
        assert_eq!(r.read(&mut buf).unwrap(), 6);
        assert!(r.write(b"x").is_err(), "read-only");
        r.seek(0).unwrap();
        assert_eq!(r.read_line(64).unwrap(), b"hello world");
        assert!(r.eof(), "a last line without a newline reaches the end");
        let mut rw = FileBio::open(&path, "r+").unwrap();
        rw.write(b"J").unwrap();
        assert!(FileBio::open(&path, "x").is_err());
        assert!(FileBio::open(&path, "rw").is_err());
        let missing = FileBio::open(dir.path().join("none"), "r").unwrap_err();
        assert_eq!(missing, BioError::Os(libc::ENOENT));
    }
}
