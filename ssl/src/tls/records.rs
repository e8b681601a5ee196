//! Follows the record headers in the bytes read from the peer and checks what rustls leaves
//! unchecked: once TLS 1.3 protects every record, each record's outer content type must be
//! application_data and its legacy version 0x0303 (RFC 8446 §5.2). OpenSSL refuses a record
//! that breaks this; rustls would decrypt it anyway.

use crate::error::ssl_r;

/// TLS record header length.
const HEADER_LEN: usize = 5;
/// Content type of protected TLS 1.3 records.
const APPLICATION_DATA: u8 = 23;

/// Where the reader is in the record stream.
#[derive(Debug, Default)]
pub(crate) struct RecordCheck {
    header: [u8; HEADER_LEN],
    /// Header bytes gathered so far.
    have: usize,
    /// Body bytes of the current record still to pass.
    body_left: usize,
    /// Every record from here on must look like a protected TLS 1.3 record.
    protected_tls13: bool,
    /// The reason the last scan refused a header, for the reader to report.
    pub(crate) refused: Option<i32>,
}

impl RecordCheck {
    /// From the next record header on, records must be protected TLS 1.3 records.
    pub(crate) fn require_tls13_protection(&mut self) {
        self.protected_tls13 = true;
    }

    /// Follows `bytes` (the next bytes of the stream). Fails with the `SSL_R_*` reason of the
    /// first header that breaks the rules.
    pub(crate) fn scan(&mut self, mut bytes: &[u8]) -> Result<(), i32> {
        while !bytes.is_empty() {
            if self.body_left > 0 {
                let n = self.body_left.min(bytes.len());
                self.body_left -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (HEADER_LEN - self.have).min(bytes.len());
            self.header[self.have..self.have + n].copy_from_slice(&bytes[..n]);
            self.have += n;
            bytes = &bytes[n..];
            if self.have == HEADER_LEN {
                self.have = 0;
                self.check_header()?;
                self.body_left = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
            }
        }
        Ok(())
    }

    fn check_header(&self) -> Result<(), i32> {
        if !self.protected_tls13 {
            return Ok(());
        }
        if self.header[1..3] != [0x03, 0x03] {
            return Err(ssl_r::WRONG_VERSION_NUMBER);
        }
        if self.header[0] != APPLICATION_DATA {
            return Err(ssl_r::BAD_RECORD_TYPE);
        }
        Ok(())
    }
}
