//! The checks that need the packets decrypted, made as the interop runner makes them: tshark
//! dissects the relay's capture (`relay::capture`) with the endpoints' TLS key logs, and
//! the fields of each datagram are checked against what the test case asks for.

use std::path::Path;
use std::process::Command;

/// A check on the decrypted packets of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decrypted {
    /// Every ServerHello chose TLS_CHACHA20_POLY1305_SHA256.
    ChaCha20,
    /// Both endpoints sent 1-RTT packets in key phase 1: the keys were updated and the
    /// peer followed.
    KeyUpdate,
    /// The server sent one Certificate over the two handshakes: the second resumed.
    Resumed,
    /// The server limited the client's bidirectional streams to at most 1000.
    StreamLimit,
    /// After the Retry the client's Initial carried the token.
    RetryToken,
}

/// What one captured datagram showed once dissected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Datagram {
    /// Sent by the server.
    pub from_server: bool,
    /// Its 1-RTT packet's key phase, if it held one that could be decrypted.
    pub key_phase: Option<bool>,
    /// The TLS handshake message types in its CRYPTO frames.
    pub handshake_types: Vec<u8>,
    /// The cipher suites in those messages (a ServerHello's choice, a ClientHello's offer).
    pub cipher_suites: Vec<u16>,
    /// `initial_max_streams_bidi` of the transport parameters it carried.
    pub max_streams_bidi: Vec<u64>,
    /// The token lengths of its Initial packets (the only packets with the field).
    pub token_lengths: Vec<u64>,
}

/// tshark's fields, in the order [`parse_line`] reads them.
const FIELDS: [&str; 6] = [
    "udp.srcport",
    "quic.key_phase",
    "tls.handshake.type",
    "tls.handshake.ciphersuite",
    "tls.quic.parameter.initial_max_streams_bidi",
    "quic.token_length",
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
    let list = |i: usize| -> Result<Vec<u64>, String> {
        col(i)
            .split(',')
            .filter(|v| !v.is_empty())
            .map(|v| parse_number(v).ok_or_else(|| format!("tshark gave {v:?} in {line:?}")))
            .collect()
    };
    let port = parse_number(col(0)).ok_or_else(|| format!("no UDP port in {line:?}"))?;
    let key_phase = match col(1).split(',').next().unwrap_or("") {
        "" => None,
        "1" | "True" => Some(true),
        "0" | "False" => Some(false),
        other => return Err(format!("key phase {other:?} in {line:?}")),
    };
    Ok(Datagram {
        from_server: port == u64::from(server_port),
        key_phase,
        handshake_types: narrow(list(2)?),
        cipher_suites: narrow(list(3)?),
        max_streams_bidi: list(4)?,
        token_lengths: list(5)?,
    })
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
pub fn check(check: Decrypted, datagrams: &[Datagram]) -> Result<(), String> {
    let from = |server: bool| datagrams.iter().filter(move |d| d.from_server == server);
    match check {
        Decrypted::ChaCha20 => {
            let chosen: Vec<u16> = from(true)
                .flat_map(|d| d.cipher_suites.iter().copied())
                .collect();
            if chosen.is_empty() {
                return Err("no ServerHello decrypted".into());
            }
            if chosen.iter().any(|s| *s != 0x1303) {
                return Err(format!("ServerHello cipher suites {chosen:04x?}"));
            }
        }
        Decrypted::KeyUpdate => {
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
        Decrypted::Resumed => {
            let certificates = from(true)
                .flat_map(|d| d.handshake_types.iter())
                .filter(|t| **t == 11)
                .count();
            let hellos = from(true)
                .flat_map(|d| d.handshake_types.iter())
                .filter(|t| **t == 2)
                .count();
            if hellos < 2 {
                return Err(format!("{hellos} ServerHellos decrypted, not 2"));
            }
            if certificates != 1 {
                return Err(format!(
                    "{certificates} Certificates sent: the second handshake did not resume"
                ));
            }
        }
        Decrypted::StreamLimit => {
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
        Decrypted::RetryToken => {
            if !from(false).any(|d| d.token_lengths.iter().any(|n| *n > 0)) {
                return Err("no client Initial carried a token".into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_coalesced_packets_parses() {
        let d = parse_line("443\t\t2,8,11,15,20\t0x1303\t100\t0", 443).unwrap();
        assert!(d.from_server);
        assert_eq!(d.handshake_types, vec![2, 8, 11, 15, 20]);
        assert_eq!(d.cipher_suites, vec![0x1303]);
        assert_eq!(d.max_streams_bidi, vec![100]);
        assert_eq!(d.token_lengths, vec![0]);
        let d = parse_line("50000\t1\t\t\t\t", 443).unwrap();
        assert_eq!((d.from_server, d.key_phase), (false, Some(true)));
    }

    #[test]
    fn checks_fail_on_what_they_look_for() {
        let server = |f: fn(&mut Datagram)| {
            let mut d = Datagram {
                from_server: true,
                ..Datagram::default()
            };
            f(&mut d);
            d
        };
        let aes = server(|d| d.cipher_suites = vec![0x1301]);
        assert!(check(Decrypted::ChaCha20, &[aes]).is_err());
        let one_cert = [
            server(|d| d.handshake_types = vec![2, 8, 11, 15, 20]),
            server(|d| d.handshake_types = vec![2, 8, 20]),
        ];
        assert!(check(Decrypted::Resumed, &one_cert).is_ok());
        let two_certs = [
            server(|d| d.handshake_types = vec![2, 8, 11, 15, 20]),
            server(|d| d.handshake_types = vec![2, 8, 11, 15, 20]),
        ];
        assert!(check(Decrypted::Resumed, &two_certs).is_err());
        let only_server_updated = [
            server(|d| d.key_phase = Some(true)),
            Datagram {
                key_phase: Some(false),
                ..Datagram::default()
            },
        ];
        assert!(check(Decrypted::KeyUpdate, &only_server_updated).is_err());
        let many = server(|d| d.max_streams_bidi = vec![1001]);
        assert!(check(Decrypted::StreamLimit, &[many]).is_err());
    }
}
