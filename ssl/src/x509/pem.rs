//! PEM, the library's one reader and its writer.
//!
//! Every PEM text qssl reads goes through rustls-pki-types' PEM parser (`pki_types::pem`):
//! the contexts' certificate, key and trust-root files as well as the C library's
//! `PEM_read_bio_X509`, so that the same text parses the same way everywhere. Sections are
//! found as that parser finds them (a `-----BEGIN label-----` line, base64 lines, the
//! matching `-----END label-----` line; text between sections is skipped). Sections of the
//! labels it knows (`CERTIFICATE`, `PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`,
//! `PUBLIC KEY`, `X509 CRL`, `CERTIFICATE REQUEST`, `ECHCONFIG`) are decoded, so a malformed
//! one fails the read even when another label is wanted, as in OpenSSL; sections of other
//! labels are skipped undecoded and cannot be asked for.
//!
//! Failures are OpenSSL's `PEM_R_*` reasons (library `ERR_LIB_PEM`), not raised:
//! `PEM_R_NO_START_LINE` when the input ends before a section of the wanted label (or a
//! `-----BEGIN` line is malformed), `PEM_R_BAD_END_LINE` when it ends inside a section (or a
//! section is longer than [`MAX_PEM_SECTION`] on a line source), `PEM_R_BAD_BASE64_DECODE`
//! for a section whose body is not base64.
//!
//! Writing uses the `pem` crate's encoder (pki-types has none): 64-column base64, `\n` line
//! ends, as OpenSSL writes.

use std::io::{self, BufRead, Read};

use rustls::pki_types::pem::{self as pki_pem, SectionKind};

use crate::error::{ERR_LIB_PEM, SslError, err_r, pem_r};

/// The longest line [`read_section_lines`] asks its source for; a longer line is taken in
/// pieces of this size, each as a line of its own.
pub const MAX_PEM_LINE: usize = 4096;

/// The most bytes one section may take, from its `-----BEGIN` line to its `-----END` line,
/// when read by [`read_section_lines`]: a longer one fails with `PEM_R_BAD_END_LINE`, so that
/// a source without an end line cannot take unbounded memory.
pub const MAX_PEM_SECTION: usize = 1 << 20;

/// Reads sections from `reader` until `pick` accepts one (given each decoded section of a
/// label pki-types knows, with its DER): what `pick` made of it, or `None` at the end of the
/// input. The reader is left just past that section's end line.
pub(crate) fn next_section<T>(
    reader: &mut dyn BufRead,
    mut pick: impl FnMut(SectionKind, Vec<u8>) -> Option<T>,
) -> Result<Option<T>, SslError> {
    loop {
        match pki_pem::from_buf(reader) {
            Ok(Some((kind, der))) => {
                if let Some(item) = pick(kind, der) {
                    return Ok(Some(item));
                }
            }
            Ok(None) => return Ok(None),
            Err(e) => return Err(pem_error(e)),
        }
    }
}

/// The section kind of `label`, if pki-types knows it.
fn kind_of(label: &str) -> Option<SectionKind> {
    SectionKind::try_from(label.as_bytes()).ok()
}

/// Reads PEM from `reader` until a section labelled `label`: its DER. Sections of other
/// labels before it are skipped; the reader is left just past its end line. Fails (not
/// raised) with `PEM_R_NO_START_LINE` at the end of the input, or another error of the
/// [module](self) description.
pub fn read_section(reader: &mut dyn BufRead, label: &str) -> Result<Vec<u8>, SslError> {
    let wanted = kind_of(label);
    next_section(reader, |kind, der| (Some(kind) == wanted).then_some(der))?
        .ok_or_else(|| SslError::new(ERR_LIB_PEM, pem_r::NO_START_LINE))
}

/// The first section labelled `label` in PEM text: its DER and how many bytes of `text` were
/// read (through the section's end line). Fails as [`read_section`].
pub fn decode_section(text: &[u8], label: &str) -> Result<(Vec<u8>, usize), SslError> {
    let mut rest = text;
    let der = read_section(&mut rest, label)?;
    Ok((der, text.len() - rest.len()))
}

/// Every section labelled `label` in PEM text, in order: each section's DER, or the error
/// that stops the iteration (it yields nothing after one).
pub fn sections<'a>(text: &'a [u8], label: &str) -> Sections<'a> {
    Sections {
        rest: text,
        wanted: kind_of(label),
        done: false,
    }
}

/// The iterator of [`sections`].
#[derive(Debug)]
pub struct Sections<'a> {
    rest: &'a [u8],
    wanted: Option<SectionKind>,
    done: bool,
}

impl Iterator for Sections<'_> {
    type Item = Result<Vec<u8>, SslError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let wanted = self.wanted;
        let next = next_section(&mut self.rest, |kind, der| {
            (Some(kind) == wanted).then_some(der)
        })
        .transpose();
        self.done = !matches!(next, Some(Ok(_)));
        next
    }
}

/// Reads PEM a line at a time from `next_line` (given the most bytes it may return,
/// [`MAX_PEM_LINE`]; `None` or an empty line ends the input) until a section labelled
/// `label`, as [`read_section`]: lines after that section's end line are not asked for, so
/// a stream can be read one section per call, as `PEM_read_bio_X509` reads a BIO. A section
/// longer than [`MAX_PEM_SECTION`] fails with `PEM_R_BAD_END_LINE`.
pub fn read_section_lines(
    next_line: impl FnMut(usize) -> Option<Vec<u8>>,
    label: &str,
) -> Result<Vec<u8>, SslError> {
    let mut reader = LineReader {
        next_line,
        line: Vec::new(),
        pos: 0,
        ended: false,
        section: None,
    };
    read_section(&mut reader, label)
}

/// The error a [`LineReader`] gives for a section longer than [`MAX_PEM_SECTION`].
#[derive(Debug)]
struct SectionTooLong;

impl std::fmt::Display for SectionTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PEM section too long")
    }
}

impl std::error::Error for SectionTooLong {}

/// A line source as a `BufRead` that holds one line at a time (so nothing past the line
/// being parsed is taken from the source), each ending with `\n` (one is added to a line
/// cut at [`MAX_PEM_LINE`] or at the end of the input), counting the bytes of the section
/// being read.
struct LineReader<F> {
    next_line: F,
    line: Vec<u8>,
    pos: usize,
    ended: bool,
    /// The bytes since the last `-----BEGIN` line, while no `-----END` line followed it.
    section: Option<usize>,
}

impl<F: FnMut(usize) -> Option<Vec<u8>>> LineReader<F> {
    /// Counts `line` into the section being read: an error once it is too long.
    fn count(&mut self, line: &[u8]) -> io::Result<()> {
        if line.starts_with(b"-----BEGIN ") {
            self.section = Some(0);
        }
        if let Some(n) = &mut self.section {
            *n += line.len();
            if *n > MAX_PEM_SECTION {
                return Err(io::Error::other(SectionTooLong));
            }
        }
        if line.starts_with(b"-----END ") {
            self.section = None;
        }
        Ok(())
    }
}

impl<F: FnMut(usize) -> Option<Vec<u8>>> Read for LineReader<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<F: FnMut(usize) -> Option<Vec<u8>>> BufRead for LineReader<F> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.line.len() && !self.ended {
            self.line.clear();
            self.pos = 0;
            match (self.next_line)(MAX_PEM_LINE) {
                Some(mut line) if !line.is_empty() => {
                    if !line.ends_with(b"\n") {
                        line.push(b'\n');
                    }
                    self.count(&line)?;
                    self.line = line;
                }
                _ => self.ended = true,
            }
        }
        Ok(&self.line[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.line.len());
    }
}

/// OpenSSL's reason for a pki-types PEM error, with its text as data.
fn pem_error(err: pki_pem::Error) -> SslError {
    let reason = match &err {
        pki_pem::Error::MissingSectionEnd { .. } | pki_pem::Error::SectionTooLarge => {
            pem_r::BAD_END_LINE
        }
        pki_pem::Error::Base64Decode(_) => pem_r::BAD_BASE64_DECODE,
        pki_pem::Error::Io(e) if e.get_ref().is_some_and(|e| e.is::<SectionTooLong>()) => {
            pem_r::BAD_END_LINE
        }
        pki_pem::Error::Io(_) => err_r::SYS_LIB,
        _ => pem_r::NO_START_LINE,
    };
    let data = match err {
        pki_pem::Error::MissingSectionEnd { end_marker } => format!(
            "no -----END {}----- line",
            String::from_utf8_lossy(&end_marker)
        ),
        pki_pem::Error::IllegalSectionStart { line } => format!(
            "malformed line: {}",
            String::from_utf8_lossy(&line).trim_end()
        ),
        pki_pem::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    };
    SslError::new(ERR_LIB_PEM, reason).with_data(data)
}

/// `der` as a PEM section labelled `label`: base64 in lines of 64 characters between the
/// `-----BEGIN label-----` and `-----END label-----` lines, each line ending with `\n`.
pub fn encode(label: &str, der: &[u8]) -> String {
    ::pem::encode_config(
        &::pem::Pem::new(label, der.to_vec()),
        ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF),
    )
}
