//! Tests of the transport parameters codec: round trips, a hand-checked encoding, every
//! validation rule, tolerance of unknown parameters, connection ID authentication and
//! robustness against truncated or random input.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::time::Duration;

use proptest::prelude::*;
use qssl_quic::coding::{BufferTooSmall, Writer};
use qssl_quic::transport_params::{Grease, MAX_GREASE_LEN, PreferredAddress, VersionInformation};
use qssl_quic::version::{VERSION_1, VERSION_2};
use qssl_quic::{ConnectionId, Side, TransportErrorCode, TransportParameters, VarInt};

// ---------------------------------------------------------------------------------------------
// Helpers

fn vi(v: u64) -> VarInt {
    VarInt::new(v).unwrap()
}

fn cid(bytes: &[u8]) -> ConnectionId {
    ConnectionId::new(bytes).unwrap()
}

/// One encoded parameter: identifier, length, value.
fn param(id: u64, value: &[u8]) -> Vec<u8> {
    let mut buf = vec![0; 16 + value.len()];
    let mut w = Writer::new(&mut buf);
    w.put_varint_u64(id).unwrap();
    w.put_varint_u64(value.len() as u64).unwrap();
    w.put_slice(value).unwrap();
    let n = w.position();
    buf.truncate(n);
    buf
}

/// One integer parameter in the shortest encoding.
fn int_param(id: u64, v: u64) -> Vec<u8> {
    let mut value = [0; 8];
    let mut w = Writer::new(&mut value);
    w.put_varint_u64(v).unwrap();
    let n = w.position();
    param(id, &value[..n])
}

fn preferred_address_value(cid: &[u8], token_len: usize) -> Vec<u8> {
    let mut v = vec![192, 0, 2, 1, 0x01, 0xbb];
    v.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    v.extend_from_slice(&[0x11, 0x51]);
    v.push(cid.len() as u8);
    v.extend_from_slice(cid);
    v.extend(std::iter::repeat_n(0xaa, token_len));
    v
}

fn versions(vs: &[u32]) -> Vec<u8> {
    vs.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// Asserts that decoding fails with TRANSPORT_PARAMETER_ERROR and a reason containing `why`.
#[track_caller]
fn rejects(bytes: &[u8], sender: Side, why: &str) {
    let err = TransportParameters::decode(bytes, sender).unwrap_err();
    assert_eq!(
        err.code,
        TransportErrorCode::TRANSPORT_PARAMETER_ERROR,
        "{err}"
    );
    assert_eq!(err.frame_type, None);
    assert!(
        err.reason.contains(why),
        "reason {:?} lacks {why:?}",
        err.reason
    );
}

#[track_caller]
fn accepts(bytes: &[u8], sender: Side) -> TransportParameters {
    TransportParameters::decode(bytes, sender).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Defaults and a hand-checked encoding

#[test]
fn absent_parameters_take_rfc_defaults() {
    let p = accepts(&[], Side::Server);
    assert_eq!(p, TransportParameters::default());
    assert_eq!(p.max_idle_timeout, VarInt::ZERO);
    assert_eq!(p.max_idle_timeout_duration(), None);
    assert_eq!(p.max_udp_payload_size.get(), 65527);
    assert_eq!(p.initial_max_data, VarInt::ZERO);
    assert_eq!(p.initial_max_stream_data_bidi_local, VarInt::ZERO);
    assert_eq!(p.initial_max_stream_data_bidi_remote, VarInt::ZERO);
    assert_eq!(p.initial_max_stream_data_uni, VarInt::ZERO);
    assert_eq!(p.initial_max_streams_bidi, VarInt::ZERO);
    assert_eq!(p.initial_max_streams_uni, VarInt::ZERO);
    assert_eq!(p.ack_delay_exponent.get(), 3);
    assert_eq!(p.max_ack_delay.get(), 25);
    assert_eq!(p.max_ack_delay_duration(), Duration::from_millis(25));
    assert!(!p.disable_active_migration);
    assert_eq!(p.active_connection_id_limit.get(), 2);
    assert_eq!(p.max_datagram_frame_size, VarInt::ZERO);
    assert!(p.original_destination_connection_id.is_none());
    assert!(p.stateless_reset_token.is_none());
    assert!(p.preferred_address.is_none());
    assert!(p.initial_source_connection_id.is_none());
    assert!(p.retry_source_connection_id.is_none());
    assert!(p.version_information.is_none());
    assert_eq!(p.min_ack_delay, None);
    assert_eq!(p.min_ack_delay_duration(), None);
    // Nothing to send for all-default parameters.
    assert_eq!(p.encoded_len(), 0);
    assert!(p.to_vec().is_empty());
}

#[test]
fn hand_checked_encoding() {
    let p = TransportParameters {
        max_idle_timeout: vi(30_000),
        initial_max_data: vi(65_536),
        initial_max_streams_bidi: vi(100),
        initial_source_connection_id: Some(cid(&[1, 2, 3, 4])),
        disable_active_migration: true,
        ..TransportParameters::default()
    };
    let expected = hex::decode(concat!(
        "01", "04", "80007530", // max_idle_timeout = 30000 (4-byte varint)
        "04", "04", "80010000", // initial_max_data = 65536
        "08", "02", "4064", // initial_max_streams_bidi = 100 (2-byte varint)
        "0f", "04", "01020304", // initial_source_connection_id
        "0c", "00", // disable_active_migration
    ))
    .unwrap();
    assert_eq!(p.to_vec(), expected);
    assert_eq!(p.encoded_len(), expected.len());
    assert_eq!(accepts(&expected, Side::Client), p);
    assert_eq!(p.max_idle_timeout_duration(), Some(Duration::from_secs(30)));
}

#[test]
fn default_values_sent_explicitly_are_accepted() {
    let mut bytes = int_param(0x03, 65527);
    bytes.extend(int_param(0x0a, 3));
    bytes.extend(int_param(0x0b, 25));
    bytes.extend(int_param(0x0e, 2));
    bytes.extend(int_param(0x01, 0));
    assert_eq!(
        accepts(&bytes, Side::Client),
        TransportParameters::default()
    );
}

#[test]
fn non_minimal_varint_encodings_are_accepted() {
    // max_ack_delay = 10 written as an 8-byte varint; the length field says 8.
    let bytes = param(0x0b, &[0xc0, 0, 0, 0, 0, 0, 0, 10]);
    assert_eq!(accepts(&bytes, Side::Client).max_ack_delay.get(), 10);
}

#[test]
fn encode_refuses_short_buffers() {
    let p = server_example();
    let len = p.encoded_len();
    for short in 0..len {
        let mut buf = vec![0; short];
        assert_eq!(p.encode(&mut Writer::new(&mut buf)), Err(BufferTooSmall));
    }
    let mut buf = vec![0; len];
    let mut w = Writer::new(&mut buf);
    p.encode(&mut w).unwrap();
    assert_eq!(w.written(), p.to_vec());
}

fn server_example() -> TransportParameters {
    TransportParameters {
        original_destination_connection_id: Some(cid(&[0x83, 0x94, 0xc8, 0xf0])),
        max_idle_timeout: vi(10_000),
        stateless_reset_token: Some([7; 16]),
        max_udp_payload_size: vi(1452),
        initial_max_data: vi(1 << 20),
        initial_max_stream_data_bidi_local: vi(1 << 18),
        initial_max_stream_data_bidi_remote: vi(1 << 18),
        initial_max_stream_data_uni: vi(1 << 18),
        initial_max_streams_bidi: vi(100),
        initial_max_streams_uni: vi(3),
        ack_delay_exponent: vi(8),
        max_ack_delay: vi(20),
        disable_active_migration: true,
        preferred_address: Some(PreferredAddress {
            ipv4: Some(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 443)),
            ipv6: None,
            connection_id: cid(&[9; 8]),
            stateless_reset_token: [0xaa; 16],
        }),
        active_connection_id_limit: vi(8),
        initial_source_connection_id: Some(cid(&[5; 8])),
        retry_source_connection_id: Some(cid(&[6; 5])),
        version_information: Some(VersionInformation {
            chosen: VERSION_1,
            available: vec![VERSION_2, VERSION_1],
        }),
        max_datagram_frame_size: vi(1200),
        min_ack_delay: Some(vi(1000)),
        grease: None,
    }
}

#[test]
fn full_server_parameters_round_trip() {
    let p = server_example();
    let bytes = p.to_vec();
    assert_eq!(bytes.len(), p.encoded_len());
    assert_eq!(accepts(&bytes, Side::Server), p);
}

// ---------------------------------------------------------------------------------------------
// Unknown and reserved parameters

#[test]
fn unknown_and_grease_parameters_are_skipped() {
    let mut bytes = param(27, b"grease");
    bytes.extend(int_param(0x04, 1000));
    bytes.extend(param(31 * 1000 + 27, &[]));
    bytes.extend(param(0x4000, &[0xff; 300])); // unknown, with a two-byte length
    bytes.extend(param(0x21, &[0xff])); // unknown, even if it would be a malformed integer
    bytes.extend(param(VarInt::MAX.get(), &[1, 2, 3]));
    // Unknown parameters are not tracked for duplicates.
    bytes.extend(param(27, b"again"));
    let p = accepts(&bytes, Side::Client);
    assert_eq!(
        p,
        TransportParameters {
            initial_max_data: vi(1000),
            ..TransportParameters::default()
        }
    );
}

#[test]
fn unknown_parameter_length_must_fit_the_input() {
    let mut bytes = param(0x4000, &[0; 10]);
    bytes.pop();
    rejects(&bytes, Side::Client, "truncated");
}

#[test]
fn grease_is_written_and_ignored_on_decode() {
    let g = Grease::new(5, b"hi").unwrap();
    assert_eq!(g.id().get(), 31 * 5 + 27);
    assert_eq!(g.value(), b"hi");
    let p = TransportParameters {
        initial_max_data: vi(7),
        grease: Some(g),
        ..TransportParameters::default()
    };
    let bytes = p.to_vec();
    assert_eq!(bytes.len(), p.encoded_len());
    assert!(bytes.ends_with(&param(182, b"hi")));
    let decoded = accepts(&bytes, Side::Client);
    assert_eq!(decoded.grease, None);
    assert_eq!(decoded, TransportParameters { grease: None, ..p });
}

#[test]
fn grease_constructors_respect_bounds() {
    let max_n = (VarInt::MAX.get() - 27) / 31;
    assert_eq!(Grease::new(max_n, &[]).unwrap().id().get(), 31 * max_n + 27);
    assert!(Grease::new(max_n + 1, &[]).is_none());
    assert!(Grease::new(u64::MAX, &[]).is_none());
    assert!(Grease::new(0, &[0; MAX_GREASE_LEN]).is_some());
    assert!(Grease::new(0, &[0; MAX_GREASE_LEN + 1]).is_none());
    // Deterministic, and varied across seeds.
    assert_eq!(Grease::from_seed(42), Grease::from_seed(42));
    let ids: std::collections::HashSet<u64> =
        (0..64).map(|s| Grease::from_seed(s).id().get()).collect();
    assert!(ids.len() > 60);
}

// ---------------------------------------------------------------------------------------------
// Encoding rules, one test each

#[test]
fn duplicate_parameter_rejected() {
    let mut bytes = int_param(0x04, 1);
    bytes.extend(int_param(0x04, 1));
    rejects(&bytes, Side::Client, "duplicate");
    let mut bytes = param(0x0c, &[]);
    bytes.extend(int_param(0x20, 1200));
    bytes.extend(param(0x0c, &[]));
    rejects(&bytes, Side::Client, "duplicate");
    let mut bytes = int_param(0x20, 1200);
    bytes.extend(int_param(0x20, 1200));
    rejects(&bytes, Side::Server, "duplicate");
}

#[test]
fn integer_length_must_match_the_varint() {
    // Longer than the varint.
    rejects(
        &param(0x01, &[0x05, 0x00]),
        Side::Client,
        "max_idle_timeout",
    );
    // Shorter than the varint's own length prefix says.
    rejects(
        &param(0x04, &[0x80, 0x01]),
        Side::Client,
        "initial_max_data",
    );
    // Empty.
    rejects(&param(0x09, &[]), Side::Client, "initial_max_streams_uni");
    rejects(&param(0x20, &[]), Side::Client, "max_datagram_frame_size");
    for id in [
        0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0e, 0x20,
    ] {
        rejects(&param(id, &[0x01, 0x01]), Side::Client, "malformed");
    }
}

#[test]
fn stateless_reset_token_must_be_16_bytes() {
    rejects(
        &param(0x02, &[0; 15]),
        Side::Server,
        "stateless_reset_token",
    );
    rejects(
        &param(0x02, &[0; 17]),
        Side::Server,
        "stateless_reset_token",
    );
    rejects(&param(0x02, &[]), Side::Server, "stateless_reset_token");
    assert_eq!(
        accepts(&param(0x02, &[3; 16]), Side::Server).stateless_reset_token,
        Some([3; 16])
    );
}

#[test]
fn disable_active_migration_must_be_empty() {
    rejects(&param(0x0c, &[0]), Side::Client, "disable_active_migration");
    assert!(accepts(&param(0x0c, &[]), Side::Client).disable_active_migration);
}

#[test]
fn connection_ids_longer_than_20_rejected() {
    for (id, name) in [
        (0x00, "original_destination_connection_id"),
        (0x0f, "initial_source_connection_id"),
        (0x10, "retry_source_connection_id"),
    ] {
        rejects(&param(id, &[1; 21]), Side::Server, name);
        accepts(&param(id, &[1; 20]), Side::Server);
    }
}

#[test]
fn zero_length_connection_ids_are_values() {
    let p = accepts(&param(0x0f, &[]), Side::Client);
    assert_eq!(p.initial_source_connection_id, Some(ConnectionId::EMPTY));
    let sent = TransportParameters {
        initial_source_connection_id: Some(ConnectionId::EMPTY),
        ..TransportParameters::default()
    };
    assert_eq!(sent.to_vec(), [0x0f, 0x00]);
}

#[test]
fn truncated_input_rejected() {
    rejects(&[0x40], Side::Client, "truncated"); // identifier cut
    rejects(&[0x04], Side::Client, "truncated"); // no length
    rejects(&[0x04, 0x40], Side::Client, "truncated"); // length cut
    rejects(&[0x04, 0x02, 0x40], Side::Client, "truncated"); // value cut
}

// ---------------------------------------------------------------------------------------------
// Server-only parameters from a client

#[test]
fn client_must_not_send_original_destination_connection_id() {
    rejects(
        &param(0x00, &[1, 2, 3, 4]),
        Side::Client,
        "original_destination",
    );
    accepts(&param(0x00, &[1, 2, 3, 4]), Side::Server);
}

#[test]
fn client_must_not_send_stateless_reset_token() {
    rejects(
        &param(0x02, &[0; 16]),
        Side::Client,
        "stateless_reset_token",
    );
}

#[test]
fn client_must_not_send_preferred_address() {
    let bytes = param(0x0d, &preferred_address_value(&[1; 4], 16));
    rejects(&bytes, Side::Client, "preferred_address");
    accepts(&bytes, Side::Server);
}

#[test]
fn client_must_not_send_retry_source_connection_id() {
    rejects(
        &param(0x10, &[1; 8]),
        Side::Client,
        "retry_source_connection_id",
    );
}

// ---------------------------------------------------------------------------------------------
// Value ranges

#[test]
fn max_udp_payload_size_below_1200_rejected() {
    rejects(&int_param(0x03, 1199), Side::Client, "max_udp_payload_size");
    rejects(&int_param(0x03, 0), Side::Client, "max_udp_payload_size");
    assert_eq!(
        accepts(&int_param(0x03, 1200), Side::Client)
            .max_udp_payload_size
            .get(),
        1200
    );
}

#[test]
fn ack_delay_exponent_above_20_rejected() {
    rejects(&int_param(0x0a, 21), Side::Server, "ack_delay_exponent");
    assert_eq!(
        accepts(&int_param(0x0a, 20), Side::Server)
            .ack_delay_exponent
            .get(),
        20
    );
    assert_eq!(
        accepts(&int_param(0x0a, 0), Side::Server)
            .ack_delay_exponent
            .get(),
        0
    );
}

#[test]
fn max_ack_delay_of_2_pow_14_rejected() {
    rejects(&int_param(0x0b, 1 << 14), Side::Client, "max_ack_delay");
    let p = accepts(&int_param(0x0b, (1 << 14) - 1), Side::Client);
    assert_eq!(p.max_ack_delay_duration(), Duration::from_millis(16383));
}

#[test]
fn min_ack_delay_is_the_ack_frequency_extensions_parameter() {
    // 0xff04de1b takes an eight-byte identifier varint.
    let bytes = int_param(0xff04_de1b, 1000);
    assert_eq!(&bytes[..8], &[0xc0, 0, 0, 0, 0xff, 0x04, 0xde, 0x1b]);
    let p = accepts(&bytes, Side::Client);
    assert_eq!(p.min_ack_delay, Some(vi(1000)));
    assert_eq!(p.min_ack_delay_duration(), Some(Duration::from_millis(1)));
    assert_eq!(p.to_vec(), bytes);
    // Up to max_ack_delay (25 ms by default, or as sent), in microseconds.
    accepts(&int_param(0xff04_de1b, 25_000), Side::Server);
    rejects(
        &int_param(0xff04_de1b, 25_001),
        Side::Server,
        "min_ack_delay",
    );
    let mut both = int_param(0x0b, 2);
    both.extend(int_param(0xff04_de1b, 2_000));
    accepts(&both, Side::Client);
    both.extend(int_param(0xff04_de1b, 2_000));
    rejects(&both, Side::Client, "duplicate");
    let mut over = int_param(0x0b, 2);
    over.extend(int_param(0xff04_de1b, 2_001));
    rejects(&over, Side::Client, "min_ack_delay");
}

#[test]
fn active_connection_id_limit_below_2_rejected() {
    rejects(
        &int_param(0x0e, 1),
        Side::Client,
        "active_connection_id_limit",
    );
    rejects(
        &int_param(0x0e, 0),
        Side::Server,
        "active_connection_id_limit",
    );
    assert_eq!(
        accepts(&int_param(0x0e, 2), Side::Client)
            .active_connection_id_limit
            .get(),
        2
    );
}

#[test]
fn initial_max_streams_above_2_pow_60_rejected() {
    rejects(
        &int_param(0x08, (1 << 60) + 1),
        Side::Client,
        "initial_max_streams_bidi",
    );
    rejects(
        &int_param(0x09, (1 << 60) + 1),
        Side::Server,
        "initial_max_streams_uni",
    );
    rejects(
        &int_param(0x09, VarInt::MAX.get()),
        Side::Server,
        "initial_max_streams_uni",
    );
    let mut bytes = int_param(0x08, 1 << 60);
    bytes.extend(int_param(0x09, 1 << 60));
    let p = accepts(&bytes, Side::Client);
    assert_eq!(p.initial_max_streams_bidi.get(), 1 << 60);
    assert_eq!(p.initial_max_streams_uni.get(), 1 << 60);
}

#[test]
fn unbounded_integers_accept_the_largest_varint() {
    let mut bytes = Vec::new();
    for id in [0x01, 0x04, 0x05, 0x06, 0x07, 0x20] {
        bytes.extend(int_param(id, VarInt::MAX.get()));
    }
    let p = accepts(&bytes, Side::Client);
    assert_eq!(p.max_idle_timeout, VarInt::MAX);
    assert_eq!(p.initial_max_data, VarInt::MAX);
    assert_eq!(p.max_datagram_frame_size, VarInt::MAX);
    assert_eq!(p.to_vec(), bytes);
}

// ---------------------------------------------------------------------------------------------
// preferred_address

#[test]
fn preferred_address_decodes_its_fields() {
    let p = accepts(
        &param(0x0d, &preferred_address_value(&[1, 2, 3], 16)),
        Side::Server,
    );
    assert_eq!(
        p.preferred_address,
        Some(PreferredAddress {
            ipv4: Some(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 443)),
            ipv6: Some(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0x1151, 0, 0)),
            connection_id: cid(&[1, 2, 3]),
            stateless_reset_token: [0xaa; 16],
        })
    );
}

#[test]
fn preferred_address_all_zero_family_is_absent() {
    let pa = PreferredAddress {
        ipv4: None,
        ipv6: Some(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 4433, 0, 0)),
        connection_id: cid(&[1]),
        stateless_reset_token: [1; 16],
    };
    let p = TransportParameters {
        preferred_address: Some(pa),
        ..TransportParameters::default()
    };
    let bytes = p.to_vec();
    assert_eq!(
        &bytes[2..8],
        &[0; 6],
        "0.0.0.0:0 stands for no IPv4 address"
    );
    assert_eq!(accepts(&bytes, Side::Server), p);
    // An address with a zero port, or a port with the unspecified address, is still offered.
    let mut value = preferred_address_value(&[1], 16);
    value[4..6].copy_from_slice(&[0, 0]);
    let p = accepts(&param(0x0d, &value), Side::Server);
    let ipv4 = p.preferred_address.unwrap().ipv4;
    assert_eq!(
        ipv4,
        Some(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 0))
    );
}

#[test]
fn preferred_address_malformed_rejected() {
    let good = preferred_address_value(&[1; 8], 16);
    // Too short at every length.
    for n in 0..good.len() {
        rejects(&param(0x0d, &good[..n]), Side::Server, "preferred_address");
    }
    // Trailing bytes.
    let mut long = good.clone();
    long.push(0);
    rejects(
        &param(0x0d, &long),
        Side::Server,
        "malformed preferred_address",
    );
    // Connection ID length not matching the value.
    let mut bad_len = good.clone();
    bad_len[24] = 9;
    rejects(
        &param(0x0d, &bad_len),
        Side::Server,
        "malformed preferred_address",
    );
}

#[test]
fn preferred_address_connection_id_longer_than_20_rejected() {
    let value = preferred_address_value(&[1; 21], 16);
    rejects(&param(0x0d, &value), Side::Server, "longer than 20");
}

#[test]
fn preferred_address_zero_length_connection_id_rejected() {
    let value = preferred_address_value(&[], 16);
    rejects(
        &param(0x0d, &value),
        Side::Server,
        "zero-length connection ID",
    );
}

// ---------------------------------------------------------------------------------------------
// version_information (RFC 9368)

#[test]
fn version_information_length_must_be_a_nonzero_multiple_of_4() {
    for len in [0, 1, 3, 5, 6, 7, 9] {
        rejects(
            &param(0x11, &vec![1; len]),
            Side::Server,
            "version_information length",
        );
    }
}

#[test]
fn version_information_chosen_version_zero_rejected() {
    rejects(
        &param(0x11, &versions(&[0])),
        Side::Server,
        "chosen version is 0",
    );
    rejects(
        &param(0x11, &versions(&[0, 0])),
        Side::Client,
        "chosen version is 0",
    );
}

#[test]
fn version_information_available_version_zero_rejected() {
    rejects(
        &param(0x11, &versions(&[1, 0])),
        Side::Server,
        "available version is 0",
    );
    rejects(
        &param(0x11, &versions(&[1, 1, 0])),
        Side::Client,
        "available version is 0",
    );
}

#[test]
fn version_information_client_chosen_must_be_available() {
    rejects(
        &param(0x11, &versions(&[VERSION_1])),
        Side::Client,
        "not among available",
    );
    rejects(
        &param(0x11, &versions(&[VERSION_1, VERSION_2])),
        Side::Client,
        "not among available",
    );
    let p = accepts(
        &param(
            0x11,
            &versions(&[VERSION_1, 0x1a2a_3a4a, VERSION_2, VERSION_1]),
        ),
        Side::Client,
    );
    assert_eq!(
        p.version_information,
        Some(VersionInformation {
            chosen: VERSION_1,
            available: vec![0x1a2a_3a4a, VERSION_2, VERSION_1],
        })
    );
}

#[test]
fn version_information_server_may_omit_chosen_or_list_nothing() {
    let p = accepts(&param(0x11, &versions(&[VERSION_2])), Side::Server);
    assert_eq!(
        p.version_information,
        Some(VersionInformation {
            chosen: VERSION_2,
            available: vec![]
        })
    );
    accepts(
        &param(0x11, &versions(&[VERSION_2, VERSION_1])),
        Side::Server,
    );
}

// ---------------------------------------------------------------------------------------------
// validate() on locally built parameters

#[test]
fn validate_checks_local_parameters() {
    let server = server_example();
    server.validate(Side::Server).unwrap();
    let err = server.validate(Side::Client).unwrap_err();
    assert_eq!(err.code, TransportErrorCode::TRANSPORT_PARAMETER_ERROR);
    let bad = TransportParameters {
        ack_delay_exponent: vi(21),
        ..TransportParameters::default()
    };
    assert!(bad.validate(Side::Server).is_err());
}

// ---------------------------------------------------------------------------------------------
// Connection ID authentication (RFC 9000 §7.3)

const S1: &[u8] = &[0x51; 8];
const S2: &[u8] = &[0x52; 8];
const S3: &[u8] = &[0x53; 8];
const C1: &[u8] = &[0xc1; 8];

fn server_cids(
    odcid: Option<&[u8]>,
    iscid: Option<&[u8]>,
    rscid: Option<&[u8]>,
) -> TransportParameters {
    TransportParameters {
        original_destination_connection_id: odcid.map(cid),
        initial_source_connection_id: iscid.map(cid),
        retry_source_connection_id: rscid.map(cid),
        ..TransportParameters::default()
    }
}

#[track_caller]
fn cid_error(r: Result<(), qssl_quic::TransportError>, why: &str) {
    let err = r.unwrap_err();
    assert_eq!(err.code, TransportErrorCode::TRANSPORT_PARAMETER_ERROR);
    assert!(
        err.reason.contains(why),
        "reason {:?} lacks {why:?}",
        err.reason
    );
}

#[test]
fn cids_without_retry() {
    let p = server_cids(Some(S1), Some(S3), None);
    p.validate_cids(&cid(S3), Some(&cid(S1)), None).unwrap();
    cid_error(
        p.validate_cids(&cid(S2), Some(&cid(S1)), None),
        "initial_source",
    );
    cid_error(
        p.validate_cids(&cid(S3), Some(&cid(S2)), None),
        "original_destination",
    );
    cid_error(
        p.validate_cids(&cid(S3), Some(&cid(S1)), Some(&cid(S2))),
        "missing retry_source",
    );
}

#[test]
fn cids_with_retry() {
    let p = server_cids(Some(S1), Some(S3), Some(S2));
    p.validate_cids(&cid(S3), Some(&cid(S1)), Some(&cid(S2)))
        .unwrap();
    cid_error(
        p.validate_cids(&cid(S3), Some(&cid(S1)), None),
        "retry_source_connection_id without a Retry",
    );
    cid_error(
        p.validate_cids(&cid(S3), Some(&cid(S1)), Some(&cid(S3))),
        "does not match the Retry",
    );
}

#[test]
fn cids_missing_from_server() {
    cid_error(
        server_cids(None, Some(S3), None).validate_cids(&cid(S3), Some(&cid(S1)), None),
        "missing original_destination",
    );
    cid_error(
        server_cids(Some(S1), None, None).validate_cids(&cid(S3), Some(&cid(S1)), None),
        "missing initial_source",
    );
}

#[test]
fn cids_from_client() {
    let p = server_cids(None, Some(C1), None);
    p.validate_cids(&cid(C1), None, None).unwrap();
    cid_error(p.validate_cids(&cid(S1), None, None), "initial_source");
    cid_error(
        server_cids(None, None, None).validate_cids(&cid(C1), None, None),
        "missing initial_source",
    );
    // A zero-length connection ID is authenticated like any other.
    let empty = server_cids(None, Some(&[]), None);
    empty
        .validate_cids(&ConnectionId::EMPTY, None, None)
        .unwrap();
    cid_error(empty.validate_cids(&cid(C1), None, None), "initial_source");
    // original_destination_connection_id where none is expected.
    cid_error(
        server_cids(Some(S1), Some(C1), None).validate_cids(&cid(C1), None, None),
        "unexpected original_destination",
    );
}

// ---------------------------------------------------------------------------------------------
// Truncation

#[test]
fn every_truncation_fails_with_a_typed_error() {
    let bytes = server_example().to_vec();
    for n in 0..bytes.len() {
        match TransportParameters::decode(&bytes[..n], Side::Server) {
            Ok(p) => {
                // Cutting exactly between parameters leaves a valid, shorter set.
                assert_eq!(p.to_vec(), &bytes[..n]);
            }
            Err(e) => assert_eq!(e.code, TransportErrorCode::TRANSPORT_PARAMETER_ERROR),
        }
    }
    // Cuts inside a parameter are always errors.
    rejects(&bytes[..bytes.len() - 1], Side::Server, "");
}

// ---------------------------------------------------------------------------------------------
// Property tests

fn any_varint() -> impl Strategy<Value = VarInt> {
    prop_oneof![
        0u64..64,
        0u64..(1 << 14),
        0u64..(1 << 30),
        0u64..=VarInt::MAX.get(),
    ]
    .prop_map(vi)
}

fn varint_in(range: std::ops::RangeInclusive<u64>) -> impl Strategy<Value = VarInt> {
    range.prop_map(vi)
}

fn any_cid(min_len: usize) -> impl Strategy<Value = ConnectionId> {
    prop::collection::vec(any::<u8>(), min_len..=20).prop_map(|b| cid(&b))
}

fn any_preferred_address() -> impl Strategy<Value = PreferredAddress> {
    let v4 = (any::<[u8; 4]>(), any::<u16>())
        .prop_filter("all-zero means absent", |(ip, port)| {
            *ip != [0; 4] || *port != 0
        })
        .prop_map(|(ip, port)| SocketAddrV4::new(ip.into(), port));
    let v6 = (any::<[u8; 16]>(), any::<u16>())
        .prop_filter("all-zero means absent", |(ip, port)| {
            *ip != [0; 16] || *port != 0
        })
        .prop_map(|(ip, port)| SocketAddrV6::new(ip.into(), port, 0, 0));
    (
        prop::option::of(v4),
        prop::option::of(v6),
        any_cid(1),
        any::<[u8; 16]>(),
    )
        .prop_map(
            |(ipv4, ipv6, connection_id, stateless_reset_token)| PreferredAddress {
                ipv4,
                ipv6,
                connection_id,
                stateless_reset_token,
            },
        )
}

fn any_version_information(sender: Side) -> impl Strategy<Value = VersionInformation> {
    (
        1u32..,
        prop::collection::vec(1u32.., 0..6),
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(chosen, mut available, at)| {
            if sender == Side::Client {
                let i = at.index(available.len() + 1);
                available.insert(i, chosen);
            }
            VersionInformation { chosen, available }
        })
}

/// `Some` values of `s` (or `None`) if `allowed`, else always `None`.
fn only_if<T: std::fmt::Debug + Clone + 'static>(
    allowed: bool,
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    if allowed {
        prop::option::of(s).boxed()
    } else {
        Just(None).boxed()
    }
}

fn any_params(sender: Side) -> impl Strategy<Value = TransportParameters> {
    let server = sender == Side::Server;
    let server_only = (
        only_if(server, any_cid(0)),
        only_if(server, any::<[u8; 16]>()),
        only_if(server, any_preferred_address()),
        only_if(server, any_cid(0)),
    );
    let limits = (
        any_varint(),
        any_varint(),
        any_varint(),
        any_varint(),
        varint_in(0..=1 << 60),
        varint_in(0..=1 << 60),
    );
    let rest = (
        any_varint(),
        varint_in(1200..=VarInt::MAX.get()),
        varint_in(0..=20),
        varint_in(0..=(1 << 14) - 1),
        any::<bool>(),
        varint_in(2..=VarInt::MAX.get()),
        prop::option::of(any_cid(0)),
        prop::option::of(any_version_information(sender)),
        any_varint(),
        // min_ack_delay, in thousandths of max_ack_delay.
        prop::option::of(0..=1000u64),
    );
    (server_only, limits, rest).prop_map(|(so, limits, rest)| TransportParameters {
        original_destination_connection_id: so.0,
        stateless_reset_token: so.1,
        preferred_address: so.2,
        retry_source_connection_id: so.3,
        initial_max_data: limits.0,
        initial_max_stream_data_bidi_local: limits.1,
        initial_max_stream_data_bidi_remote: limits.2,
        initial_max_stream_data_uni: limits.3,
        initial_max_streams_bidi: limits.4,
        initial_max_streams_uni: limits.5,
        max_idle_timeout: rest.0,
        max_udp_payload_size: rest.1,
        ack_delay_exponent: rest.2,
        max_ack_delay: rest.3,
        disable_active_migration: rest.4,
        active_connection_id_limit: rest.5,
        initial_source_connection_id: rest.6,
        version_information: rest.7,
        max_datagram_frame_size: rest.8,
        min_ack_delay: rest.9.map(|permille| vi(rest.3.get() * permille)),
        grease: None,
    })
}

fn any_sender() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Client), Just(Side::Server)]
}

fn round_trip(p: &TransportParameters, sender: Side) -> Result<(), TestCaseError> {
    let len = p.encoded_len();
    let mut buf = vec![0; len + 8];
    let mut w = Writer::new(&mut buf);
    p.encode(&mut w).unwrap();
    prop_assert_eq!(w.position(), len);
    let bytes = w.written().to_vec();
    prop_assert_eq!(&p.to_vec(), &bytes);
    let decoded = TransportParameters::decode(&bytes, sender).unwrap();
    prop_assert_eq!(
        &decoded,
        &TransportParameters {
            grease: None,
            ..p.clone()
        }
    );
    Ok(())
}

proptest! {
    #[test]
    fn client_parameters_round_trip(p in any_params(Side::Client)) {
        round_trip(&p, Side::Client)?;
    }

    #[test]
    fn server_parameters_round_trip(p in any_params(Side::Server)) {
        round_trip(&p, Side::Server)?;
    }

    #[test]
    fn greased_parameters_round_trip(
        (sender, p) in any_sender().prop_flat_map(|s| (Just(s), any_params(s))),
        seed in any::<u64>(),
    ) {
        let g = Grease::from_seed(seed);
        prop_assert_eq!(g.id().get() % 31, 27);
        prop_assert!(g.value().len() <= MAX_GREASE_LEN);
        round_trip(&TransportParameters { grease: Some(g), ..p }, sender)?;
    }

    #[test]
    fn truncations_never_panic(p in any_params(Side::Server), cut in any::<prop::sample::Index>()) {
        let bytes = p.to_vec();
        let n = cut.index(bytes.len() + 1);
        if let Err(e) = TransportParameters::decode(&bytes[..n], Side::Server) {
            prop_assert_eq!(e.code, TransportErrorCode::TRANSPORT_PARAMETER_ERROR);
        }
    }

    #[test]
    fn random_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        sender in any_sender(),
    ) {
        if let Err(e) = TransportParameters::decode(&bytes, sender) {
            prop_assert_eq!(e.code, TransportErrorCode::TRANSPORT_PARAMETER_ERROR);
        }
    }

    #[test]
    fn random_known_parameters_never_panic(
        params in prop::collection::vec(
            (prop_oneof![0u64..=0x11, Just(0x20u64)], prop::collection::vec(any::<u8>(), 0..48)),
            0..6,
        ),
        sender in any_sender(),
    ) {
        let bytes: Vec<u8> = params.iter().flat_map(|(id, v)| param(*id, v)).collect();
        match TransportParameters::decode(&bytes, sender) {
            Ok(p) => p.validate(sender).unwrap(),
            Err(e) => prop_assert_eq!(e.code, TransportErrorCode::TRANSPORT_PARAMETER_ERROR),
        }
    }
}
