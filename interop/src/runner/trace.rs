//! The checks the interop runner makes on its packet capture, made the same way: tshark
//! dissects the relay's capture (the server's side of the link, `relay::capture`) with the
//! endpoints' TLS key logs, and the fields of each datagram are checked against what the
//! test case asks for.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// A check on a run's capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceCheck {
    /// The client offered only TLS_CHACHA20_POLY1305_SHA256.
    ChaCha20,
    /// Both endpoints sent 1-RTT packets in key phase 1: the keys were updated and the
    /// peer followed.
    KeyUpdate,
    /// The first handshake's server sent a Certificate and the second's did not.
    Resumed,
    /// The server limited the client's bidirectional streams to at most 1000.
    StreamLimit,
    /// After the Retry an Initial of the client carried the Retry's token.
    RetryToken,
    /// The client sent its ClientHello again before it heard from the server (longrtt):
    /// at least two of its Initial datagrams went to the connection ID it chose itself.
    ClientHelloRepeated,
    /// The server sent at least 7500 bytes of Handshake CRYPTO data (the long chain) and
    /// never more than three (four, with the runner's tolerance) times what the client had
    /// sent before its address was validated.
    Amplification,
    /// The server saw the client on more than one path (with more than one address if
    /// `new_address`), its first datagram on each new one carried PATH_CHALLENGE, and every
    /// challenge came back in a PATH_RESPONSE (rebind-port, rebind-addr).
    PathValidated {
        /// The client's address changed, not only its port.
        new_address: bool,
    },
    /// Each side sent packets marked ECT(0) or ECT(1) and none marked CE, and each sent an
    /// ACK frame with ECN counts (ecn).
    Ecn,
    /// The client's first datagram on each new path used a destination connection ID it had
    /// not used before (connectionmigration).
    NewDcidOnNewPath,
    /// QUIC v2 by compatible version negotiation (v2): the client's Initial packets include
    /// version 1, the server's include v2, and every Handshake packet of both is v2.
    V2,
    /// The client sent 0-RTT packets, and at most [`ZERO_RTT_ONE_RTT_LIMIT`] bytes of 1-RTT
    /// packets (zerortt: its requests went as early data).
    ZeroRtt,
}

/// The most bytes of 1-RTT packets the client may send in the zerortt case: the runner's
/// half of 40 requests of 250 bytes (it counts payloads; packets are counted whole here).
pub const ZERO_RTT_ONE_RTT_LIMIT: u64 = 5000;

/// What one captured datagram showed once dissected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Datagram {
    /// Sent by the server.
    pub from_server: bool,
    /// Its UDP payload's length.
    pub size: u64,
    /// The first QUIC packet's long-header type (0 Initial, 1 0-RTT, 2 Handshake, 3 Retry),
    /// `None` for a short header.
    pub long_type: Option<u8>,
    /// The first QUIC packet's version (0 for Version Negotiation), if a long header.
    pub version: Option<u32>,
    /// Every long-header packet's version and type bits, in order.
    pub long_packets: Vec<(u32, u8)>,
    /// The first packet's destination connection ID (hex).
    pub dcid: String,
    /// The source connection IDs of its long-header packets (hex).
    pub scids: Vec<String>,
    /// Its 1-RTT packet's key phase, if it held one that could be decrypted.
    pub key_phase: Option<bool>,
    /// The TLS handshake message types in its CRYPTO frames.
    pub handshake_types: Vec<u8>,
    /// The cipher suites in those messages (a ServerHello's choice, a ClientHello's offer).
    pub cipher_suites: Vec<u16>,
    /// `initial_max_streams_bidi` of the transport parameters it carried.
    pub max_streams_bidi: Vec<u64>,
    /// The tokens of its Initial packets (hex; Initials without one add nothing).
    pub tokens: Vec<String>,
    /// The tokens of its Retry packets (hex).
    pub retry_tokens: Vec<String>,
    /// Where each of its CRYPTO frames ends (offset + length).
    pub crypto_ends: Vec<u64>,
    /// The client's end of its path (`address:port`): the source of a client datagram, the
    /// destination of a server datagram.
    pub client_end: String,
    /// The data of its PATH_CHALLENGE frames (hex).
    pub path_challenges: Vec<String>,
    /// The data of its PATH_RESPONSE frames (hex).
    pub path_responses: Vec<String>,
    /// The ECN field of its IP header.
    pub ecn: u8,
    /// It carried an ACK frame with ECN counts.
    pub ack_ecn: bool,
    /// The length of each of its QUIC packets, in order.
    pub packet_lengths: Vec<u64>,
}

/// QUIC v1's and v2's version numbers.
const VERSION_1: u32 = 1;
const VERSION_2: u32 = 0x6b33_43cf;

/// A long-header packet's type, whatever the version's bits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LongType {
    Initial,
    ZeroRtt,
    Handshake,
}

/// The type of a long-header packet of `version` with type bits `bits` (RFC 9000 §17.2, RFC
/// 9369 §3.2), for the types the checks look at.
fn long_type(version: u32, bits: u8) -> Option<LongType> {
    match (version, bits) {
        (VERSION_1, 0) | (VERSION_2, 1) => Some(LongType::Initial),
        (VERSION_1, 1) | (VERSION_2, 2) => Some(LongType::ZeroRtt),
        (VERSION_1, 2) | (VERSION_2, 3) => Some(LongType::Handshake),
        _ => None,
    }
}

/// tshark's fields, in the order [`parse_line`] reads them.
const FIELDS: [&str; 24] = [
    "udp.srcport",
    "udp.length",
    "quic.long.packet_type",
    "quic.version",
    "quic.dcid",
    "quic.scid",
    "quic.key_phase",
    "tls.handshake.type",
    "tls.handshake.ciphersuite",
    "tls.quic.parameter.initial_max_streams_bidi",
    "quic.token",
    "quic.retry_token",
    "quic.crypto.offset",
    "quic.crypto.length",
    "ip.src",
    "ip.dst",
    "udp.dstport",
    "quic.path_challenge.data",
    "quic.path_response.data",
    "ip.dsfield.ecn",
    "ipv6.tclass.ecn",
    "quic.ack.ect0_count",
    "quic.long.packet_type_v2",
    "quic.packet_length",
];

/// Dissects `capture` with the key log `keys`; `server_port` tells the directions apart.
pub fn dissect(capture: &Path, keys: &Path, server_port: u16) -> Result<Vec<Datagram>, String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n")
        .arg("-r")
        .arg(capture)
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keys.display()))
        .args(["-d", &format!("udp.port=={server_port},quic")])
        .args(["-Y", "quic", "-T", "fields"])
        .args([
            "-E",
            "separator=/t",
            "-E",
            "aggregator=,",
            "-E",
            "occurrence=a",
        ]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("tshark (installed by scripts/test.sh): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "tshark failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| parse_line(line, server_port))
        .collect()
}

/// One line of tshark's output.
fn parse_line(line: &str, server_port: u16) -> Result<Datagram, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    let col = |i: usize| cols.get(i).copied().unwrap_or("");
    let words = |i: usize| -> Vec<String> {
        col(i)
            .split(',')
            .filter(|v| !v.is_empty())
            .map(|v| v.replace(':', ""))
            .collect()
    };
    let numbers = |i: usize| -> Result<Vec<u64>, String> {
        words(i)
            .iter()
            .map(|v| parse_number(v).ok_or_else(|| format!("tshark gave {v:?} in {line:?}")))
            .collect()
    };
    let port = numbers(0)?.first().copied();
    let port = port.ok_or_else(|| format!("no UDP port in {line:?}"))?;
    let udp_len = numbers(1)?.first().copied().unwrap_or(8);
    // A short header ends a datagram, so the first packet is a long header whenever any
    // is (its version is there even in Version Negotiation, which has no type).
    let first_is_long = !col(3).is_empty();
    let key_phase = match words(6).first().map(String::as_str) {
        None => None,
        Some("1" | "True") => Some(true),
        Some("0" | "False") => Some(false),
        Some(other) => return Err(format!("key phase {other:?} in {line:?}")),
    };
    let crypto: Vec<u64> = numbers(12)?
        .iter()
        .zip(numbers(13)?)
        .map(|(offset, len)| offset + len)
        .collect();
    let from_server = port == u64::from(server_port);
    let client_end = if from_server {
        format!("{}:{}", col(15), col(16))
    } else {
        format!("{}:{port}", col(14))
    };
    Ok(Datagram {
        from_server,
        size: udp_len.saturating_sub(8),
        long_type: if first_is_long {
            numbers(2)?.first().and_then(|t| u8::try_from(*t).ok())
        } else {
            None
        },
        version: if first_is_long {
            numbers(3)?.first().and_then(|v| u32::try_from(*v).ok())
        } else {
            None
        },
        long_packets: long_packets(&numbers(3)?, &numbers(2)?, &numbers(22)?),
        dcid: words(4).first().cloned().unwrap_or_default(),
        scids: words(5),
        key_phase,
        handshake_types: narrow(numbers(7)?),
        cipher_suites: narrow(numbers(8)?),
        max_streams_bidi: numbers(9)?,
        tokens: words(10),
        retry_tokens: words(11),
        crypto_ends: crypto,
        client_end,
        path_challenges: words(17),
        path_responses: words(18),
        ecn: numbers(19)?
            .first()
            .or(numbers(20)?.first())
            .and_then(|e| u8::try_from(*e).ok())
            .unwrap_or(0),
        ack_ecn: !col(21).is_empty(),
        packet_lengths: numbers(23)?,
    })
}

/// Each long-header packet's version and type bits, from tshark's versions of a datagram's
/// packets and its type fields, one for v2 packets and one for the others (a Version
/// Negotiation packet has a version and no type).
fn long_packets(versions: &[u64], types: &[u64], v2_types: &[u64]) -> Vec<(u32, u8)> {
    let (mut types, mut v2_types) = (types.iter(), v2_types.iter());
    versions
        .iter()
        .filter_map(|&v| {
            let version = u32::try_from(v).ok()?;
            let bits = match version {
                0 => return None,
                VERSION_2 => v2_types.next()?,
                _ => types.next()?,
            };
            Some((version, u8::try_from(*bits).ok()?))
        })
        .collect()
}

/// The values that fit in `T` (tshark's fields are as wide as the protocol's).
fn narrow<T: TryFrom<u64>>(values: Vec<u64>) -> Vec<T> {
    values
        .into_iter()
        .filter_map(|v| v.try_into().ok())
        .collect()
}

/// A decimal or `0x` hexadecimal number.
fn parse_number(v: &str) -> Option<u64> {
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Makes `check` on a run's dissected datagrams; why it failed.
pub fn check(check: TraceCheck, datagrams: &[Datagram]) -> Result<(), String> {
    let from = |server: bool| datagrams.iter().filter(move |d| d.from_server == server);
    match check {
        TraceCheck::ChaCha20 => {
            let offered: BTreeSet<u16> = from(false)
                .flat_map(|d| d.cipher_suites.iter().copied())
                .collect();
            if offered != BTreeSet::from([0x1303]) {
                return Err(format!("the client offered {offered:04x?}"));
            }
        }
        TraceCheck::KeyUpdate => {
            for (server, who) in [(false, "client"), (true, "server")] {
                let phases: Vec<bool> = from(server).filter_map(|d| d.key_phase).collect();
                if phases.is_empty() {
                    return Err(format!("no 1-RTT packet of the {who} decrypted"));
                }
                if !phases.contains(&true) {
                    return Err(format!("the {who} never sent in key phase 1"));
                }
            }
        }
        TraceCheck::Resumed => {
            // Each ServerHello starts a handshake; count the Certificates after each.
            let mut certificates: Vec<usize> = Vec::new();
            for t in from(true).flat_map(|d| d.handshake_types.iter()) {
                match (*t, certificates.last_mut()) {
                    (2, _) => certificates.push(0),
                    (11, Some(n)) => *n += 1,
                    _ => {}
                }
            }
            match certificates.as_slice() {
                [1, 0] => {}
                [_, _] => {
                    return Err(format!(
                        "Certificates per handshake {certificates:?}, not [1, 0]"
                    ));
                }
                _ => {
                    return Err(format!(
                        "{} ServerHellos decrypted, not 2",
                        certificates.len()
                    ));
                }
            }
        }
        TraceCheck::StreamLimit => {
            let limits: Vec<u64> = from(true)
                .flat_map(|d| d.max_streams_bidi.iter().copied())
                .collect();
            match limits.iter().max() {
                None => return Err("no server transport parameters decrypted".into()),
                Some(&max) if max > 1000 => {
                    return Err(format!("the server allowed {max} bidirectional streams"));
                }
                Some(_) => {}
            }
        }
        TraceCheck::RetryToken => {
            let retry: BTreeSet<&String> = from(true).flat_map(|d| d.retry_tokens.iter()).collect();
            if retry.is_empty() {
                return Err("no Retry token seen".into());
            }
            if !from(false).any(|d| d.tokens.iter().any(|t| retry.contains(t))) {
                return Err("no client Initial carried the Retry's token".into());
            }
        }
        TraceCheck::ClientHelloRepeated => {
            // Until it hears from the server, a client addresses its Initials to the
            // connection ID it chose.
            let first = from(false).find(|d| d.long_type == Some(0));
            let first_dcid = first.map(|d| d.dcid.as_str()).unwrap_or_default();
            let sent = from(false)
                .filter(|d| d.long_type == Some(0) && d.dcid == first_dcid)
                .count();
            if sent < 2 {
                return Err(format!(
                    "{sent} Initial datagram to the client's own connection ID: the \
                     ClientHello was not sent again"
                ));
            }
        }
        TraceCheck::Amplification => amplification(datagrams)?,
        TraceCheck::PathValidated { new_address } => path_validated(datagrams, new_address)?,
        TraceCheck::V2 => {
            let packets = |server: bool, kind: LongType| -> Vec<u32> {
                from(server)
                    .flat_map(|d| d.long_packets.iter())
                    .filter(|(v, t)| long_type(*v, *t) == Some(kind))
                    .map(|(v, _)| *v)
                    .collect()
            };
            if !packets(false, LongType::Initial).contains(&VERSION_1) {
                return Err("no client Initial in version 1".into());
            }
            if !packets(true, LongType::Initial).contains(&VERSION_2) {
                return Err("no server Initial in version 2".into());
            }
            let handshakes: Vec<u32> = [false, true]
                .into_iter()
                .flat_map(|server| packets(server, LongType::Handshake))
                .collect();
            if handshakes.is_empty() || handshakes.iter().any(|v| *v != VERSION_2) {
                return Err(format!("Handshake packet versions {handshakes:x?}"));
            }
        }
        TraceCheck::ZeroRtt => {
            // A datagram's long-header packets come first; a short-header one ends it.
            let (mut zero_rtt, mut one_rtt) = (0, 0);
            for d in from(false) {
                for (i, len) in d.packet_lengths.iter().enumerate() {
                    match d.long_packets.get(i) {
                        Some(&(v, bits)) if long_type(v, bits) == Some(LongType::ZeroRtt) => {
                            zero_rtt += len;
                        }
                        Some(_) => {}
                        None => one_rtt += len,
                    }
                }
            }
            if zero_rtt == 0 {
                return Err("the client sent no 0-RTT packet".into());
            }
            if one_rtt > ZERO_RTT_ONE_RTT_LIMIT {
                return Err(format!(
                    "the client sent {one_rtt} bytes of 1-RTT packets (at most \
                     {ZERO_RTT_ONE_RTT_LIMIT})"
                ));
            }
        }
        TraceCheck::NewDcidOnNewPath => {
            let mut used: BTreeSet<&str> = BTreeSet::new();
            let mut paths: Vec<&str> = Vec::new();
            for d in from(false) {
                if !paths.contains(&d.client_end.as_str()) {
                    if !paths.is_empty() && used.contains(d.dcid.as_str()) {
                        return Err(format!(
                            "the client's first datagram from {} reused connection ID {}",
                            d.client_end, d.dcid
                        ));
                    }
                    paths.push(&d.client_end);
                }
                used.insert(&d.dcid);
            }
            if paths.len() < 2 {
                return Err("the client never moved".into());
            }
        }
        TraceCheck::Ecn => {
            for (server, who) in [(false, "client"), (true, "server")] {
                if !from(server).any(|d| d.ecn == 1 || d.ecn == 2) {
                    return Err(format!("the {who} sent no datagram marked ECT"));
                }
                if from(server).any(|d| d.ecn == 3) {
                    return Err(format!("a datagram of the {who} arrived marked CE"));
                }
                if !from(server).any(|d| d.ack_ecn) {
                    return Err(format!("the {who} sent no ACK frame with ECN counts"));
                }
            }
        }
    }
    Ok(())
}

/// The runner's rebinding checks: the client's paths in the order the server saw them, the
/// server's first datagram on each new one carrying PATH_CHALLENGE, and each challenge
/// answered.
fn path_validated(datagrams: &[Datagram], new_address: bool) -> Result<(), String> {
    let mut paths: Vec<&str> = Vec::new();
    for d in datagrams.iter().filter(|d| !d.from_server) {
        if !paths.contains(&d.client_end.as_str()) {
            paths.push(&d.client_end);
        }
    }
    if paths.len() < 2 {
        return Err(format!("the server saw the client on {} path", paths.len()));
    }
    let addresses: BTreeSet<&str> = paths
        .iter()
        .map(|p| p.rsplit_once(':').map_or(*p, |(ip, _)| ip))
        .collect();
    if new_address && addresses.len() < 2 {
        return Err("the client's address never changed".into());
    }
    for path in &paths[1..] {
        let first = datagrams
            .iter()
            .find(|d| d.from_server && d.client_end == *path);
        match first {
            None => return Err(format!("the server never sent to {path}")),
            Some(d) if d.path_challenges.is_empty() => {
                return Err(format!(
                    "the server's first datagram to {path} carried no PATH_CHALLENGE"
                ));
            }
            Some(_) => {}
        }
    }
    let responses: BTreeSet<&String> = datagrams
        .iter()
        .filter(|d| !d.from_server)
        .flat_map(|d| d.path_responses.iter())
        .collect();
    let unanswered: Vec<&String> = datagrams
        .iter()
        .filter(|d| d.from_server)
        .flat_map(|d| d.path_challenges.iter())
        .filter(|c| !responses.contains(c))
        .collect();
    if !unanswered.is_empty() {
        return Err(format!(
            "{} PATH_CHALLENGE(s) of the server never answered",
            unanswered.len()
        ));
    }
    Ok(())
}

/// The runner's amplification check: the server's Handshake CRYPTO data proves the long
/// chain, and walking the capture until the client's address is validated (its first
/// Handshake packet, or an Initial to a server-chosen connection ID of at least 8 bytes),
/// no server datagram may reach four times what the client's Initials allowed.
fn amplification(datagrams: &[Datagram]) -> Result<(), String> {
    let crypto = datagrams
        .iter()
        .filter(|d| d.from_server)
        .flat_map(|d| d.crypto_ends.iter().copied())
        .max()
        .unwrap_or(0);
    if crypto < 7500 {
        return Err(format!(
            "the server sent {crypto} bytes of CRYPTO data: not the long chain"
        ));
    }
    let server_cids: BTreeSet<&String> = datagrams
        .iter()
        .filter(|d| d.from_server && d.long_type == Some(0))
        .flat_map(|d| d.scids.iter())
        .filter(|c| c.len() >= 16)
        .collect();
    let (mut allowed, mut client_sent, mut server_sent) = (0u64, 0u64, 0u64);
    for d in datagrams {
        if d.version == Some(0) {
            return Err("a Version Negotiation packet".into());
        }
        if !d.from_server {
            match d.long_type {
                Some(2) => return Ok(()),
                Some(0) if server_cids.contains(&d.dcid) => return Ok(()),
                Some(0) => {
                    client_sent += d.size;
                    allowed += 4 * d.size;
                }
                _ => {}
            }
        } else {
            server_sent += d.size;
            if d.size >= allowed {
                return Err(format!(
                    "the server sent {server_sent} bytes for the client's {client_sent}"
                ));
            }
            allowed -= d.size;
        }
    }
    Err("the client's address was never validated".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_coalesced_packets_parses() {
        let line = "443\t1208\t0,2\t0x00000001,0x00000001\t0a0b\t5566778899aabbcc,5566778899aabbcc\t\
                    \t2,8,11,15,20\t0x1303\t100\t\t\t0,0,900\t90,900,600";
        let d = parse_line(line, 443).unwrap();
        assert!(d.from_server);
        assert_eq!(d.size, 1200);
        assert_eq!((d.long_type, d.version), (Some(0), Some(1)));
        assert_eq!(d.dcid, "0a0b");
        assert_eq!(d.handshake_types, vec![2, 8, 11, 15, 20]);
        assert_eq!(d.cipher_suites, vec![0x1303]);
        assert_eq!(d.max_streams_bidi, vec![100]);
        assert_eq!(d.crypto_ends, vec![90, 900, 1500]);
        let d = parse_line("50000\t1000\t\t\t0a0b\t\t1\t\t\t\t\t\t\t", 443).unwrap();
        assert_eq!(
            (d.from_server, d.key_phase, d.long_type),
            (false, Some(true), None)
        );
    }

    #[test]
    fn the_client_end_and_path_frames_parse() {
        let line =
            "50000\t40\t\t\t0a0b\t\t0\t\t\t\t\t\t\t\t10.0.0.1\t10.0.0.2\t443\t\t0011223344556677";
        let d = parse_line(line, 443).unwrap();
        assert_eq!(d.client_end, "10.0.0.1:50000");
        assert_eq!(d.path_responses, vec!["0011223344556677"]);
        let line = "443\t1200\t\t\t0a0b\t\t0\t\t\t\t\t\t\t\t10.0.0.2\t10.0.0.1\t50000\taabb\t";
        let d = parse_line(line, 443).unwrap();
        assert_eq!(d.client_end, "10.0.0.1:50000");
        assert_eq!(d.path_challenges, vec!["aabb"]);
    }

    #[test]
    fn path_validation_needs_a_challenge_first_on_each_new_path_and_its_answer() {
        let one = |data: &str| -> Vec<String> {
            data.split(',')
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let at = |end: &str, from_server: bool, challenge: &str, response: &str| Datagram {
            from_server,
            client_end: end.into(),
            path_challenges: one(challenge),
            path_responses: one(response),
            ..Datagram::default()
        };
        let port_only = TraceCheck::PathValidated { new_address: false };
        let good = [
            at("1.1.1.1:1", false, "", ""),
            at("1.1.1.1:1", true, "", ""),
            at("1.1.1.1:2", false, "", ""),
            at("1.1.1.1:2", true, "c1", ""),
            at("1.1.1.1:2", false, "", "c1"),
        ];
        assert!(check(port_only, &good).is_ok());
        let new_address = TraceCheck::PathValidated { new_address: true };
        assert!(check(new_address, &good).is_err(), "only the port changed");
        assert!(check(port_only, &good[..2]).is_err(), "one path");
        let data_first = [
            good[0].clone(),
            good[2].clone(),
            at("1.1.1.1:2", true, "", ""),
            good[3].clone(),
            good[4].clone(),
        ];
        assert!(check(port_only, &data_first).is_err());
        assert!(check(port_only, &good[..4]).is_err(), "unanswered");
    }

    #[test]
    fn a_new_path_needs_a_new_connection_id() {
        let at = |end: &str, dcid: &str| Datagram {
            client_end: end.into(),
            dcid: dcid.into(),
            ..Datagram::default()
        };
        let fresh = [at("a:1", "aa"), at("a:1", "aa"), at("a:2", "bb")];
        assert!(check(TraceCheck::NewDcidOnNewPath, &fresh).is_ok());
        let reused = [at("a:1", "aa"), at("a:2", "aa")];
        assert!(check(TraceCheck::NewDcidOnNewPath, &reused).is_err());
        assert!(
            check(TraceCheck::NewDcidOnNewPath, &fresh[..2]).is_err(),
            "no move"
        );
    }

    #[test]
    fn ecn_needs_marks_and_counts_both_ways_and_no_ce() {
        let marked = |from_server: bool, ecn: u8, ack_ecn: bool| Datagram {
            from_server,
            ecn,
            ack_ecn,
            ..Datagram::default()
        };
        let good = [marked(false, 2, true), marked(true, 2, true)];
        assert!(check(TraceCheck::Ecn, &good).is_ok());
        let cleared = [marked(false, 0, true), marked(true, 2, true)];
        assert!(check(TraceCheck::Ecn, &cleared).is_err());
        let no_counts = [marked(false, 2, true), marked(true, 2, false)];
        assert!(check(TraceCheck::Ecn, &no_counts).is_err());
        let ce = [good[0].clone(), good[1].clone(), marked(true, 3, false)];
        assert!(check(TraceCheck::Ecn, &ce).is_err());
    }

    fn server(f: fn(&mut Datagram)) -> Datagram {
        let mut d = Datagram {
            from_server: true,
            ..Datagram::default()
        };
        f(&mut d);
        d
    }

    fn client(f: fn(&mut Datagram)) -> Datagram {
        let mut d = Datagram::default();
        f(&mut d);
        d
    }

    #[test]
    fn checks_fail_on_what_they_look_for() {
        let aes_too = client(|d| d.cipher_suites = vec![0x1303, 0x1301]);
        assert!(check(TraceCheck::ChaCha20, &[aes_too]).is_err());
        let chacha = client(|d| d.cipher_suites = vec![0x1303]);
        assert!(check(TraceCheck::ChaCha20, &[chacha]).is_ok());
        let one_cert = [
            server(|d| d.handshake_types = vec![2, 8, 11, 15, 20]),
            server(|d| d.handshake_types = vec![2, 8, 20]),
        ];
        assert!(check(TraceCheck::Resumed, &one_cert).is_ok());
        let second_full = [
            server(|d| d.handshake_types = vec![2, 8, 20]),
            server(|d| d.handshake_types = vec![2, 8, 11, 15, 20]),
        ];
        assert!(check(TraceCheck::Resumed, &second_full).is_err());
        let only_server_updated = [
            server(|d| d.key_phase = Some(true)),
            client(|d| d.key_phase = Some(false)),
        ];
        assert!(check(TraceCheck::KeyUpdate, &only_server_updated).is_err());
        let many = server(|d| d.max_streams_bidi = vec![1001]);
        assert!(check(TraceCheck::StreamLimit, &[many]).is_err());
        let other_token = [
            server(|d| d.retry_tokens = vec!["aa".into()]),
            client(|d| d.tokens = vec!["bb".into()]),
        ];
        assert!(check(TraceCheck::RetryToken, &other_token).is_err());
        let hello = client(|d| {
            d.long_type = Some(0);
            d.dcid = "aa".into();
        });
        let answered = client(|d| {
            d.long_type = Some(0);
            d.dcid = "bb".into();
        });
        let once = [hello.clone(), answered];
        assert!(check(TraceCheck::ClientHelloRepeated, &once).is_err());
        assert!(check(TraceCheck::ClientHelloRepeated, &[hello.clone(), hello]).is_ok());
    }

    #[test]
    fn amplification_stops_at_four_times_the_client_initials() {
        let chain = server(|d| {
            d.crypto_ends = vec![8000];
            d.size = 100;
        });
        let initial = client(|d| {
            d.long_type = Some(0);
            d.size = 1200;
        });
        let handshake = client(|d| d.long_type = Some(2));
        let flight = |n: u64| {
            let mut d = server(|d| d.long_type = Some(0));
            d.size = n;
            d
        };
        let within = [
            initial.clone(),
            flight(1200),
            flight(1200),
            flight(1200),
            chain.clone(),
            handshake.clone(),
        ];
        assert!(check(TraceCheck::Amplification, &within).is_ok());
        let beyond = [
            initial,
            flight(1200),
            flight(1200),
            flight(1200),
            flight(1200),
            chain,
            handshake,
        ];
        assert!(check(TraceCheck::Amplification, &beyond).is_err());
    }
}
