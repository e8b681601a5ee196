//! The wire format: a sequence of (identifier, length, value) triples (RFC 9000 §18).

use std::convert::Infallible;

use crate::cid::ConnectionId;
use crate::coding::{BufferTooSmall, Reader, VarInt, Writer, size_of_varint};
use crate::error::TransportError;
use crate::stream_id::Side;

use super::{PreferredAddress, TransportParameters, VersionInformation};

const ORIGINAL_DESTINATION_CONNECTION_ID: u32 = 0x00;
const MAX_IDLE_TIMEOUT: u32 = 0x01;
const STATELESS_RESET_TOKEN: u32 = 0x02;
const MAX_UDP_PAYLOAD_SIZE: u32 = 0x03;
const INITIAL_MAX_DATA: u32 = 0x04;
/// initial_max_stream_data_bidi_local.
const BIDI_LOCAL: u32 = 0x05;
/// initial_max_stream_data_bidi_remote.
const BIDI_REMOTE: u32 = 0x06;
/// initial_max_stream_data_uni.
const UNI: u32 = 0x07;
const INITIAL_MAX_STREAMS_BIDI: u32 = 0x08;
const INITIAL_MAX_STREAMS_UNI: u32 = 0x09;
const ACK_DELAY_EXPONENT: u32 = 0x0a;
const MAX_ACK_DELAY: u32 = 0x0b;
const DISABLE_ACTIVE_MIGRATION: u32 = 0x0c;
const PREFERRED_ADDRESS: u32 = 0x0d;
/// active_connection_id_limit.
const ACTIVE_CID_LIMIT: u32 = 0x0e;
const INITIAL_SOURCE_CONNECTION_ID: u32 = 0x0f;
const RETRY_SOURCE_CONNECTION_ID: u32 = 0x10;
const VERSION_INFORMATION: u32 = 0x11;
const MAX_DATAGRAM_FRAME_SIZE: u32 = 0x20;
/// min_ack_delay, as draft-ietf-quic-ack-frequency numbers it since its version 07.
const MIN_ACK_DELAY: u32 = 0xff04_de1b;

/// One parameter's value, ready to write.
enum Value<'a> {
    Int(VarInt),
    Bytes(&'a [u8]),
    Preferred(&'a PreferredAddress),
    Versions(&'a VersionInformation),
}

impl Value<'_> {
    fn len(&self) -> usize {
        match self {
            Value::Int(v) => v.size(),
            Value::Bytes(b) => b.len(),
            Value::Preferred(pa) => pa.encoded_len(),
            Value::Versions(vi) => vi.encoded_len(),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        match self {
            Value::Int(v) => w.put_varint(*v),
            Value::Bytes(b) => w.put_slice(b),
            Value::Preferred(pa) => pa.write(w),
            Value::Versions(vi) => vi.write(w),
        }
    }
}

impl TransportParameters {
    /// Calls `f` with the identifier and value of every parameter to send: the integers that
    /// differ from their defaults, then the other parameters that are set, the grease parameter
    /// last.
    fn for_each_param<E>(
        &self,
        mut f: impl FnMut(VarInt, Value<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let d = TransportParameters::default();
        #[rustfmt::skip]
        let ints = [
            (MAX_IDLE_TIMEOUT, self.max_idle_timeout, d.max_idle_timeout),
            (MAX_UDP_PAYLOAD_SIZE, self.max_udp_payload_size, d.max_udp_payload_size),
            (INITIAL_MAX_DATA, self.initial_max_data, d.initial_max_data),
            (BIDI_LOCAL, self.initial_max_stream_data_bidi_local, VarInt::ZERO),
            (BIDI_REMOTE, self.initial_max_stream_data_bidi_remote, VarInt::ZERO),
            (UNI, self.initial_max_stream_data_uni, VarInt::ZERO),
            (INITIAL_MAX_STREAMS_BIDI, self.initial_max_streams_bidi, d.initial_max_streams_bidi),
            (INITIAL_MAX_STREAMS_UNI, self.initial_max_streams_uni, d.initial_max_streams_uni),
            (ACK_DELAY_EXPONENT, self.ack_delay_exponent, d.ack_delay_exponent),
            (MAX_ACK_DELAY, self.max_ack_delay, d.max_ack_delay),
            (ACTIVE_CID_LIMIT, self.active_connection_id_limit, d.active_connection_id_limit),
            (MAX_DATAGRAM_FRAME_SIZE, self.max_datagram_frame_size, d.max_datagram_frame_size),
        ];
        for (id, value, default) in ints {
            if value != default {
                f(VarInt::from_u32(id), Value::Int(value))?;
            }
        }

        let cids = [
            (
                ORIGINAL_DESTINATION_CONNECTION_ID,
                &self.original_destination_connection_id,
            ),
            (
                INITIAL_SOURCE_CONNECTION_ID,
                &self.initial_source_connection_id,
            ),
            (RETRY_SOURCE_CONNECTION_ID, &self.retry_source_connection_id),
        ];
        for (id, cid) in cids {
            if let Some(cid) = cid {
                f(VarInt::from_u32(id), Value::Bytes(cid))?;
            }
        }
        if let Some(token) = &self.stateless_reset_token {
            f(VarInt::from_u32(STATELESS_RESET_TOKEN), Value::Bytes(token))?;
        }
        if self.disable_active_migration {
            f(
                VarInt::from_u32(DISABLE_ACTIVE_MIGRATION),
                Value::Bytes(&[]),
            )?;
        }
        if let Some(pa) = &self.preferred_address {
            f(VarInt::from_u32(PREFERRED_ADDRESS), Value::Preferred(pa))?;
        }
        if let Some(vi) = &self.version_information {
            f(VarInt::from_u32(VERSION_INFORMATION), Value::Versions(vi))?;
        }
        if let Some(min) = self.min_ack_delay {
            f(VarInt::from_u32(MIN_ACK_DELAY), Value::Int(min))?;
        }
        if let Some(g) = &self.grease {
            f(g.id(), Value::Bytes(g.value()))?;
        }
        Ok(())
    }

    /// Exact bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        let mut total = 0;
        let Ok(()) = self.for_each_param(|id, value| {
            let len = value.len();
            total += id.size() + size_of_varint(len as u64) + len;
            Ok::<(), Infallible>(())
        });
        total
    }

    /// Writes every parameter that differs from its default (and the grease parameter, if
    /// set). On error the writer's position is unspecified.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        self.for_each_param(|id, value| {
            w.put_varint(id)?;
            w.put_varint_u64(value.len() as u64)?;
            value.write(w)
        })
    }

    /// The encoding as a vector, as the TLS layer hands it to rustls.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = vec![0; self.encoded_len()];
        let mut w = Writer::new(&mut buf);
        let result = self.encode(&mut w);
        debug_assert!(result.is_ok(), "encoded_len is exact");
        let written = w.position();
        buf.truncate(written);
        buf
    }

    /// Parses and validates the transport parameters `sender` sent (RFC 9000 §7.4, §18).
    /// Unknown and reserved parameters are skipped. Every failure is a
    /// `TRANSPORT_PARAMETER_ERROR`: truncated input, a known parameter given twice, a value
    /// whose length does not match its type, or any rule of
    /// [`validate`](Self::validate).
    pub fn decode(bytes: &[u8], sender: Side) -> Result<Self, TransportError> {
        const TRUNCATED: TransportError =
            TransportError::transport_parameter("transport parameters truncated");
        let mut params = TransportParameters::default();
        let mut seen = 0u32;
        let mut r = Reader::new(bytes);
        while !r.is_empty() {
            let id = r.varint().map_err(|_| TRUNCATED)?.get();
            let len = r.varint_len().map_err(|_| TRUNCATED)?;
            let value = r.bytes(len).map_err(|_| TRUNCATED)?;
            let Some(bit) = known_bit(id) else {
                continue;
            };
            if seen & bit != 0 {
                return Err(TransportError::transport_parameter(
                    "duplicate transport parameter",
                ));
            }
            seen |= bit;
            // Known identifiers fit 32 bits.
            params.set(id as u32, value)?;
        }
        params.validate(sender)?;
        Ok(params)
    }

    /// Stores the value of known parameter `id`, checking its encoding.
    fn set(&mut self, id: u32, value: &[u8]) -> Result<(), TransportError> {
        match id {
            ORIGINAL_DESTINATION_CONNECTION_ID => {
                self.original_destination_connection_id = Some(cid(
                    value,
                    "original_destination_connection_id longer than 20 bytes",
                )?);
            }
            MAX_IDLE_TIMEOUT => self.max_idle_timeout = int(value, "malformed max_idle_timeout")?,
            STATELESS_RESET_TOKEN => {
                let token = value.try_into().map_err(|_| {
                    TransportError::transport_parameter("stateless_reset_token not 16 bytes")
                })?;
                self.stateless_reset_token = Some(token);
            }
            MAX_UDP_PAYLOAD_SIZE => {
                self.max_udp_payload_size = int(value, "malformed max_udp_payload_size")?;
            }
            INITIAL_MAX_DATA => self.initial_max_data = int(value, "malformed initial_max_data")?,
            BIDI_LOCAL => {
                self.initial_max_stream_data_bidi_local =
                    int(value, "malformed initial_max_stream_data_bidi_local")?;
            }
            BIDI_REMOTE => {
                self.initial_max_stream_data_bidi_remote =
                    int(value, "malformed initial_max_stream_data_bidi_remote")?;
            }
            UNI => {
                self.initial_max_stream_data_uni =
                    int(value, "malformed initial_max_stream_data_uni")?;
            }
            INITIAL_MAX_STREAMS_BIDI => {
                self.initial_max_streams_bidi = int(value, "malformed initial_max_streams_bidi")?;
            }
            INITIAL_MAX_STREAMS_UNI => {
                self.initial_max_streams_uni = int(value, "malformed initial_max_streams_uni")?;
            }
            ACK_DELAY_EXPONENT => {
                self.ack_delay_exponent = int(value, "malformed ack_delay_exponent")?;
            }
            MAX_ACK_DELAY => self.max_ack_delay = int(value, "malformed max_ack_delay")?,
            DISABLE_ACTIVE_MIGRATION => {
                if !value.is_empty() {
                    return Err(TransportError::transport_parameter(
                        "disable_active_migration not empty",
                    ));
                }
                self.disable_active_migration = true;
            }
            PREFERRED_ADDRESS => {
                self.preferred_address = Some(PreferredAddress::decode(value)?);
            }
            ACTIVE_CID_LIMIT => {
                self.active_connection_id_limit =
                    int(value, "malformed active_connection_id_limit")?;
            }
            INITIAL_SOURCE_CONNECTION_ID => {
                self.initial_source_connection_id = Some(cid(
                    value,
                    "initial_source_connection_id longer than 20 bytes",
                )?);
            }
            RETRY_SOURCE_CONNECTION_ID => {
                self.retry_source_connection_id = Some(cid(
                    value,
                    "retry_source_connection_id longer than 20 bytes",
                )?);
            }
            VERSION_INFORMATION => {
                self.version_information = Some(VersionInformation::decode(value)?);
            }
            MAX_DATAGRAM_FRAME_SIZE => {
                self.max_datagram_frame_size = int(value, "malformed max_datagram_frame_size")?;
            }
            MIN_ACK_DELAY => self.min_ack_delay = Some(int(value, "malformed min_ack_delay")?),
            _ => {}
        }
        Ok(())
    }
}

/// The bit tracking parameter `id` in the set of those seen, if it is one this crate knows.
fn known_bit(id: u64) -> Option<u32> {
    match id {
        0..=0x11 => Some(1 << id),
        0x20 => Some(1 << 0x12),
        0xff04_de1b => Some(1 << 0x13),
        _ => None,
    }
}

/// A varint filling the whole value.
fn int(value: &[u8], reason: &'static str) -> Result<VarInt, TransportError> {
    let mut r = Reader::new(value);
    match r.varint() {
        Ok(v) if r.is_empty() => Ok(v),
        _ => Err(TransportError::transport_parameter(reason)),
    }
}

/// A connection ID filling the whole value.
fn cid(value: &[u8], reason: &'static str) -> Result<ConnectionId, TransportError> {
    ConnectionId::new(value).ok_or(TransportError::transport_parameter(reason))
}
