//! Writing frames: exact sizes up front, and encoding that checks every field before writing
//! a byte, so a failed encode leaves the writer untouched.

use std::fmt;

use crate::coding::{BufferTooSmall, VarInt, Writer, size_of_varint};

use super::{Frame, MAX_STREAM_COUNT, sizing};

/// Why a frame could not be encoded. Nothing is written when encoding fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The writer has too little room left for the frame.
    BufferTooSmall,
    /// A field cannot be encoded: a value at or above 2^62, or one the frame's rules forbid
    /// (named by the string).
    InvalidField(&'static str),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall => f.write_str("output buffer too small for frame"),
            EncodeError::InvalidField(what) => write!(f, "invalid frame field: {what}"),
        }
    }
}

impl std::error::Error for EncodeError {}

impl From<BufferTooSmall> for EncodeError {
    fn from(_: BufferTooSmall) -> Self {
        EncodeError::BufferTooSmall
    }
}

/// `Ok` if `v` fits a varint; `what` names the field otherwise.
pub(super) fn check_varint(v: u64, what: &'static str) -> Result<(), EncodeError> {
    VarInt::new(v)
        .map(|_| ())
        .ok_or(EncodeError::InvalidField(what))
}

/// `Ok` if `len` data bytes at `offset` end at or below 2^62 - 1.
pub(super) fn check_end(offset: u64, len: usize) -> Result<(), EncodeError> {
    if sizing::end_fits(offset, len) {
        Ok(())
    } else {
        Err(EncodeError::InvalidField("offset + length beyond 2^62 - 1"))
    }
}

/// `Ok` if `w` has room for `n` more bytes.
pub(super) fn ensure_space(w: &Writer<'_>, n: usize) -> Result<(), EncodeError> {
    if n > w.remaining() {
        return Err(EncodeError::BufferTooSmall);
    }
    Ok(())
}

impl Frame<'_> {
    /// Bytes [`Frame::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        self.len_with(true)
    }

    /// Bytes [`Frame::encode_last`] writes.
    pub fn encoded_len_last(&self) -> usize {
        self.len_with(false)
    }

    /// Writes the frame, STREAM and DATAGRAM frames with their Length field.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.encode_with(w, true)
    }

    /// Writes the frame as the last in its packet: STREAM and DATAGRAM frames omit their Length
    /// field and so extend to the end of the packet; other frames are written as by
    /// [`Frame::encode`].
    pub fn encode_last(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.encode_with(w, false)
    }

    fn len_with(&self, with_len: bool) -> usize {
        match self {
            Frame::Padding { len } => *len,
            Frame::Ack(ack) => ack.encoded_len(),
            Frame::Crypto(c) => c.encoded_len(),
            Frame::NewToken { token } => 1 + size_of_varint(token.len() as u64) + token.len(),
            Frame::Stream(s) => s.encoded_len(with_len),
            Frame::NewConnectionId(n) => n.encoded_len(),
            Frame::PathChallenge(data) | Frame::PathResponse(data) => 1 + data.len(),
            Frame::ConnectionClose(c) => c.encoded_len(),
            Frame::Datagram(d) => d.encoded_len(with_len),
            _ => {
                let (fields, n) = self.varint_fields();
                size_of_varint(self.frame_type().0)
                    + fields
                        .iter()
                        .take(n)
                        .map(|&v| size_of_varint(v))
                        .sum::<usize>()
            }
        }
    }

    fn encode_with(&self, w: &mut Writer<'_>, with_len: bool) -> Result<(), EncodeError> {
        match self {
            Frame::Padding { len } => {
                if *len == 0 {
                    return Err(EncodeError::InvalidField("empty PADDING"));
                }
                ensure_space(w, *len)?;
                Ok(w.put_zeros(*len)?)
            }
            Frame::Ack(ack) => ack.encode(w),
            Frame::Crypto(c) => c.encode(w),
            Frame::NewToken { token } => {
                if token.is_empty() {
                    return Err(EncodeError::InvalidField("empty NEW_TOKEN"));
                }
                ensure_space(w, self.encoded_len())?;
                w.put_varint_u64(self.frame_type().0)?;
                w.put_varint_u64(token.len() as u64)?;
                Ok(w.put_slice(token)?)
            }
            Frame::Stream(s) => s.encode(w, with_len),
            Frame::NewConnectionId(n) => n.encode(w),
            Frame::PathChallenge(data) | Frame::PathResponse(data) => {
                ensure_space(w, self.encoded_len())?;
                w.put_varint_u64(self.frame_type().0)?;
                Ok(w.put_slice(data)?)
            }
            Frame::ConnectionClose(c) => c.encode(w),
            Frame::Datagram(d) => d.encode(w, with_len),
            _ => self.encode_varint_fields(w),
        }
    }

    /// The varint fields after the type, for the frames made of nothing else (PING,
    /// HANDSHAKE_DONE and IMMEDIATE_ACK have none; other frames are never asked).
    fn varint_fields(&self) -> ([u64; 4], usize) {
        match *self {
            Frame::ResetStream {
                id,
                error_code,
                final_size,
            } => ([id.varint().get(), error_code, final_size, 0], 3),
            Frame::StopSending { id, error_code } => ([id.varint().get(), error_code, 0, 0], 2),
            Frame::MaxStreamData { id, max: value }
            | Frame::StreamDataBlocked { id, limit: value } => {
                ([id.varint().get(), value, 0, 0], 2)
            }
            Frame::MaxData { max: value }
            | Frame::DataBlocked { limit: value }
            | Frame::MaxStreams { max: value, .. }
            | Frame::StreamsBlocked { limit: value, .. }
            | Frame::RetireConnectionId { sequence: value } => ([value, 0, 0, 0], 1),
            Frame::AckFrequency(f) => (
                [
                    f.sequence,
                    f.ack_eliciting_threshold,
                    f.request_max_ack_delay,
                    f.reordering_threshold,
                ],
                4,
            ),
            _ => ([0; 4], 0),
        }
    }

    fn encode_varint_fields(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let (fields, n) = self.varint_fields();
        let fields = fields.iter().take(n);
        for &v in fields.clone() {
            check_varint(v, "value at or above 2^62")?;
        }
        if let Frame::MaxStreams { max: count, .. } | Frame::StreamsBlocked { limit: count, .. } =
            *self
            && count > MAX_STREAM_COUNT
        {
            return Err(EncodeError::InvalidField("stream count above 2^60"));
        }
        ensure_space(w, self.encoded_len())?;
        w.put_varint_u64(self.frame_type().0)?;
        for &v in fields {
            w.put_varint_u64(v)?;
        }
        Ok(())
    }
}
