//! STREAM frames (RFC 9000 §19.8): types 0x08 to 0x0f, whose low bits say whether an Offset
//! field (OFF, 0x04) and a Length field (LEN, 0x02) are present and whether the frame ends the
//! stream (FIN, 0x01).

use crate::coding::{VarInt, Writer, size_of_varint};
use crate::error::TransportError;
use crate::stream_id::StreamId;

use super::encode::{EncodeError, check_end, ensure_space};
use super::parse::{Body, check_end as check_received_end};
use super::{FrameType, sizing};

const OFF: u64 = 0x04;
const LEN: u64 = 0x02;
const FIN: u64 = 0x01;

/// A STREAM frame: `data` at `offset` of stream `id`, possibly ending the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFrame<'a> {
    /// The stream.
    pub id: StreamId,
    /// Stream offset of the first data byte (written only when not zero).
    pub offset: u64,
    /// The data; may be empty (for example to carry just FIN).
    pub data: &'a [u8],
    /// Whether this frame ends the stream (its final size is [`StreamFrame::end`]).
    pub fin: bool,
}

impl<'a> StreamFrame<'a> {
    pub(super) fn parse(b: &mut Body<'_, 'a>) -> Result<Self, TransportError> {
        let ty = b.ty().0;
        let id = b.stream_id()?;
        let offset = if ty & OFF != 0 { b.varint()? } else { 0 };
        let data = if ty & LEN != 0 {
            b.len_prefixed()?
        } else {
            b.rest()
        };
        check_received_end(b, offset, data.len())?;
        Ok(StreamFrame {
            id,
            offset,
            data,
            fin: ty & FIN != 0,
        })
    }

    /// The stream offset just past the data.
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.data.len() as u64)
    }

    /// The frame type this frame is written with, with or without its Length field.
    pub fn frame_type(&self, with_len: bool) -> FrameType {
        let mut ty = FrameType::STREAM.0;
        if self.offset != 0 {
            ty |= OFF;
        }
        if with_len {
            ty |= LEN;
        }
        if self.fin {
            ty |= FIN;
        }
        FrameType(ty)
    }

    /// Bytes [`StreamFrame::encode`] writes.
    pub fn encoded_len(&self, with_len: bool) -> usize {
        let len_field = if with_len {
            sizing::len_field(self.data.len())
        } else {
            0
        };
        fixed_len(self.id, self.offset) + len_field + self.data.len()
    }

    /// Writes the frame, with a Length field if `with_len` (without one the data runs to the
    /// end of the packet, so the frame must be the packet's last). Fails, writing nothing, if
    /// the data would end beyond 2^62 - 1 or `w` lacks room.
    pub fn encode(&self, w: &mut Writer<'_>, with_len: bool) -> Result<(), EncodeError> {
        check_end(self.offset, self.data.len())?;
        ensure_space(w, self.encoded_len(with_len))?;
        w.put_varint_u64(self.frame_type(with_len).0)?;
        w.put_varint(self.id.varint())?;
        if self.offset != 0 {
            w.put_varint_u64(self.offset)?;
        }
        if with_len {
            w.put_varint_u64(self.data.len() as u64)?;
        }
        Ok(w.put_slice(self.data)?)
    }

    /// The most data bytes a STREAM frame for stream `id` at `offset` can carry in `space`
    /// bytes, with or without a Length field; `None` if not even an empty frame fits (or the
    /// offset is beyond 2^62 - 1). Also keeps the data's end within 2^62 - 1.
    pub fn max_data_len(space: usize, id: StreamId, offset: u64, with_len: bool) -> Option<usize> {
        if offset > VarInt::MAX.get() {
            return None;
        }
        let n = sizing::max_data(space.checked_sub(fixed_len(id, offset))?, with_len)?;
        Some(n.min(sizing::room_after(offset)))
    }
}

/// The type, Stream ID and (when not zero) Offset fields.
fn fixed_len(id: StreamId, offset: u64) -> usize {
    let offset_field = if offset != 0 {
        size_of_varint(offset)
    } else {
        0
    };
    1 + id.varint().size() + offset_field
}
