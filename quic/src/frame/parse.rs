//! Reading one frame: the frame type, then its body. Every failure is a [`TransportError`]
//! naming the frame type.

use crate::coding::{Reader, Truncated, size_of_varint};
use crate::error::{TransportError, TransportErrorCode};
use crate::stream_id::{Dir, StreamId};

use super::{
    Ack, AckFrequency, ConnectionClose, CryptoFrame, DatagramFrame, Frame, FrameType,
    MAX_STREAM_COUNT, NewConnectionId, StreamFrame, sizing,
};

/// A frame body being read: the reader, plus the frame type to name in errors.
pub(super) struct Body<'r, 'a> {
    r: &'r mut Reader<'a>,
    ty: FrameType,
}

impl<'a> Body<'_, 'a> {
    /// The frame type being read.
    pub(super) fn ty(&self) -> FrameType {
        self.ty
    }

    /// A `FRAME_ENCODING_ERROR` for this frame.
    pub(super) fn err(&self, reason: &'static str) -> TransportError {
        TransportError::frame_encoding(self.ty.0, reason)
    }

    fn truncated(&self, _: Truncated) -> TransportError {
        self.err("frame truncated")
    }

    /// Bytes left in the payload.
    pub(super) fn remaining(&self) -> usize {
        self.r.remaining()
    }

    /// The unread bytes, without consuming them.
    pub(super) fn peek_rest(&self) -> &'a [u8] {
        self.r.rest()
    }

    /// A varint field.
    pub(super) fn varint(&mut self) -> Result<u64, TransportError> {
        match self.r.varint() {
            Ok(v) => Ok(v.get()),
            Err(e) => Err(self.truncated(e)),
        }
    }

    /// A one-byte field.
    pub(super) fn u8(&mut self) -> Result<u8, TransportError> {
        self.r.u8().map_err(|e| self.truncated(e))
    }

    /// A fixed-size field.
    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], TransportError> {
        self.r.array().map_err(|e| self.truncated(e))
    }

    /// `n` bytes.
    pub(super) fn bytes(&mut self, n: usize) -> Result<&'a [u8], TransportError> {
        self.r.bytes(n).map_err(|e| self.truncated(e))
    }

    /// A varint length, then that many bytes.
    pub(super) fn len_prefixed(&mut self) -> Result<&'a [u8], TransportError> {
        let n = self.r.varint_len().map_err(|e| self.truncated(e))?;
        self.bytes(n)
    }

    /// Everything up to the end of the payload.
    pub(super) fn rest(&mut self) -> &'a [u8] {
        self.r.take_rest()
    }

    /// A stream ID field.
    pub(super) fn stream_id(&mut self) -> Result<StreamId, TransportError> {
        self.r
            .varint()
            .map(StreamId::from)
            .map_err(|e| self.truncated(e))
    }

    fn stream_count(&mut self) -> Result<u64, TransportError> {
        let count = self.varint()?;
        if count > MAX_STREAM_COUNT {
            return Err(self.err("stream count above 2^60"));
        }
        Ok(count)
    }
}

/// Reads a frame type, which must use its shortest varint encoding.
fn read_type(r: &mut Reader<'_>) -> Result<FrameType, TransportError> {
    let start = r.position();
    let ty = r.varint().map_err(|_| {
        TransportError::new(
            TransportErrorCode::FRAME_ENCODING_ERROR,
            "frame type truncated",
        )
    })?;
    if r.position() - start != size_of_varint(ty.get()) {
        return Err(TransportError::protocol_violation(
            Some(ty.get()),
            "frame type not minimally encoded",
        ));
    }
    Ok(FrameType(ty.get()))
}

/// `Ok` if `len` data bytes at `offset` end at or below 2^62 - 1 (RFC 9000 §19.6, §19.8).
pub(super) fn check_end(b: &Body<'_, '_>, offset: u64, len: usize) -> Result<(), TransportError> {
    if sizing::end_fits(offset, len) {
        Ok(())
    } else {
        Err(b.err("data ends beyond 2^62 - 1"))
    }
}

impl<'a> Frame<'a> {
    /// Reads one frame from `r`, borrowing its data from the payload. A run of PADDING bytes
    /// is read as one [`Frame::Padding`]. On error the reader's position is unspecified.
    ///
    /// Errors: a truncated or malformed frame, or an unknown type, is a
    /// `FRAME_ENCODING_ERROR` naming the frame type (none if the type itself is truncated); a
    /// frame type not in its shortest encoding is a `PROTOCOL_VIOLATION`.
    pub fn parse(r: &mut Reader<'a>) -> Result<Frame<'a>, TransportError> {
        let ty = read_type(r)?;
        let mut b = Body { r, ty };
        let frame = match ty {
            FrameType::PADDING => {
                let run = b.peek_rest().iter().take_while(|&&x| x == 0).count();
                b.bytes(run)?;
                Frame::Padding { len: run + 1 }
            }
            FrameType::PING => Frame::Ping,
            FrameType::ACK | FrameType::ACK_ECN => Frame::Ack(Ack::parse(&mut b)?),
            FrameType::RESET_STREAM => Frame::ResetStream {
                id: b.stream_id()?,
                error_code: b.varint()?,
                final_size: b.varint()?,
            },
            FrameType::STOP_SENDING => Frame::StopSending {
                id: b.stream_id()?,
                error_code: b.varint()?,
            },
            FrameType::CRYPTO => Frame::Crypto(CryptoFrame::parse(&mut b)?),
            FrameType::NEW_TOKEN => {
                let token = b.len_prefixed()?;
                if token.is_empty() {
                    return Err(b.err("empty NEW_TOKEN"));
                }
                Frame::NewToken { token }
            }
            t if t.is_stream() => Frame::Stream(StreamFrame::parse(&mut b)?),
            FrameType::MAX_DATA => Frame::MaxData { max: b.varint()? },
            FrameType::MAX_STREAM_DATA => Frame::MaxStreamData {
                id: b.stream_id()?,
                max: b.varint()?,
            },
            FrameType::MAX_STREAMS_BIDI | FrameType::MAX_STREAMS_UNI => Frame::MaxStreams {
                dir: dir_of(ty),
                max: b.stream_count()?,
            },
            FrameType::DATA_BLOCKED => Frame::DataBlocked { limit: b.varint()? },
            FrameType::STREAM_DATA_BLOCKED => Frame::StreamDataBlocked {
                id: b.stream_id()?,
                limit: b.varint()?,
            },
            FrameType::STREAMS_BLOCKED_BIDI | FrameType::STREAMS_BLOCKED_UNI => {
                Frame::StreamsBlocked {
                    dir: dir_of(ty),
                    limit: b.stream_count()?,
                }
            }
            FrameType::NEW_CONNECTION_ID => Frame::NewConnectionId(NewConnectionId::parse(&mut b)?),
            FrameType::RETIRE_CONNECTION_ID => Frame::RetireConnectionId {
                sequence: b.varint()?,
            },
            FrameType::PATH_CHALLENGE => Frame::PathChallenge(b.array()?),
            FrameType::PATH_RESPONSE => Frame::PathResponse(b.array()?),
            FrameType::CONNECTION_CLOSE | FrameType::CONNECTION_CLOSE_APP => {
                Frame::ConnectionClose(ConnectionClose::parse(&mut b)?)
            }
            FrameType::HANDSHAKE_DONE => Frame::HandshakeDone,
            FrameType::DATAGRAM | FrameType::DATAGRAM_LEN => {
                Frame::Datagram(DatagramFrame::parse(&mut b)?)
            }
            FrameType::ACK_FREQUENCY => Frame::AckFrequency(AckFrequency {
                sequence: b.varint()?,
                ack_eliciting_threshold: b.varint()?,
                request_max_ack_delay: b.varint()?,
                reordering_threshold: b.varint()?,
            }),
            FrameType::IMMEDIATE_ACK => Frame::ImmediateAck,
            _ => return Err(b.err("unknown frame type")),
        };
        Ok(frame)
    }
}

/// The direction of a MAX_STREAMS or STREAMS_BLOCKED type: the low bit set means
/// unidirectional.
fn dir_of(ty: FrameType) -> Dir {
    if ty.0 & 1 == 0 { Dir::Bi } else { Dir::Uni }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_must_be_minimal() {
        let e = Frame::parse(&mut Reader::new(&[0x40, 0x01])).unwrap_err();
        assert_eq!(e.code, TransportErrorCode::PROTOCOL_VIOLATION);
        assert_eq!(e.frame_type, Some(1));
        let e = Frame::parse(&mut Reader::new(&[0x40])).unwrap_err();
        assert_eq!(e.code, TransportErrorCode::FRAME_ENCODING_ERROR);
        assert_eq!(e.frame_type, None);
    }

    #[test]
    fn padding_run_stops_at_other_frame() {
        let mut r = Reader::new(&[0, 0, 0, 1, 0]);
        assert_eq!(Frame::parse(&mut r), Ok(Frame::Padding { len: 3 }));
        assert_eq!(Frame::parse(&mut r), Ok(Frame::Ping));
        assert_eq!(Frame::parse(&mut r), Ok(Frame::Padding { len: 1 }));
        assert!(r.is_empty());
    }
}
