//! The command line: subcommands and their options, and the OpenSSL spelling of options.

use std::ffi::OsString;
use std::path::PathBuf;

use std::collections::HashSet;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

/// The whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "qssl",
    version,
    about = "QUIC and TLS from the command line, on qssl",
    long_about = "QUIC and TLS from the command line, on qssl.\n\nOptions may be written \
                  as OpenSSL writes them (-quic, -CAfile) or with two dashes (--quic)."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Append TLS secrets to FILE in the NSS key log format, for Wireshark (without it,
    /// SSLKEYLOGFILE names the file).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) keylog: Option<PathBuf>,
    /// Write a qlog trace of every QUIC connection into DIR, for qvis (without it, QLOGDIR
    /// names the directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) qlog: Option<PathBuf>,
    /// Use IPv4 only.
    #[arg(short = '4', global = true, conflicts_with = "ipv6")]
    pub(crate) ipv4: bool,
    /// Use IPv6 only.
    #[arg(short = '6', global = true)]
    pub(crate) ipv6: bool,
    /// Log what happens to standard error (-v: steps, -vv: details).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Seconds to wait for a connection, and for an idle connection's peer.
    #[arg(long, global = true, default_value_t = 10.0, value_name = "SECS")]
    pub(crate) timeout: f64,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Connect to a server, print what was negotiated, then copy standard input to the
    /// connection and the peer's data to standard output.
    #[command(name = "s_client")]
    SClient(SClient),
    /// Accept clients: echo what each sends, or serve files.
    #[command(name = "s_server")]
    SServer(SServer),
    /// Download files over QUIC (hq-interop, or HTTP/3 with -h3).
    Fetch(Fetch),
    /// Measure throughput and handshake rates.
    Perf(Perf),
    /// Write a certificate and private key for testing.
    Cert(Cert),
}

impl Command {
    /// The subcommand's name, for error lines.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Command::SClient(_) => "s_client",
            Command::SServer(_) => "s_server",
            Command::Fetch(_) => "fetch",
            Command::Perf(_) => "perf",
            Command::Cert(_) => "cert",
        }
    }
}

/// Trust and client-identity options of a connecting command.
#[derive(Debug, Args)]
pub(crate) struct Trust {
    /// Trust the certificates in FILE (PEM) instead of the system's roots.
    #[arg(long = "CAfile", value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Go on when the server's certificate does not verify (the result is still printed).
    #[arg(long)]
    pub(crate) insecure: bool,
}

/// `qssl s_client`.
#[derive(Debug, Args)]
pub(crate) struct SClient {
    /// The server, as host:port.
    #[arg(value_name = "HOST:PORT", required_unless_present = "connect")]
    pub(crate) target: Option<String>,
    /// The server, as host:port (OpenSSL's spelling).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "target")]
    pub(crate) connect: Option<String>,
    /// Connect over QUIC (one bidirectional stream) instead of TLS over TCP.
    #[arg(long)]
    pub(crate) quic: bool,
    /// Application protocols to offer, comma-separated (QUIC needs one).
    #[arg(long, value_name = "LIST")]
    pub(crate) alpn: Option<String>,
    /// The name to send (SNI) and to check in the certificate; the host by default.
    #[arg(long, value_name = "NAME")]
    pub(crate) servername: Option<String>,
    #[command(flatten)]
    pub(crate) trust: Trust,
    /// A client certificate chain to present (PEM).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub(crate) cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub(crate) key: Option<PathBuf>,
    /// Print only a short summary of the connection.
    #[arg(long)]
    pub(crate) brief: bool,
    /// Print nothing about the connection: only the peer's data.
    #[arg(long, conflicts_with = "brief")]
    pub(crate) quiet: bool,
}

/// What a server listens with: its identity and its address.
#[derive(Debug, Args)]
pub(crate) struct Listen {
    /// The certificate chain (PEM).
    #[arg(long, value_name = "FILE")]
    pub(crate) cert: PathBuf,
    /// The private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// The port to listen on.
    #[arg(long, default_value_t = 4433)]
    pub(crate) port: u16,
    /// The address to listen on (all of the machine's by default).
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) bind: Option<std::net::IpAddr>,
}

/// `qssl s_server`.
#[derive(Debug, Args)]
pub(crate) struct SServer {
    /// Serve QUIC instead of TLS over TCP.
    #[arg(long)]
    pub(crate) quic: bool,
    #[command(flatten)]
    pub(crate) listen: Listen,
    /// Serve the files of DIR instead of echoing: hq-interop over QUIC (HTTP/3 when -alpn
    /// h3), HTTP/1.0 GET over TLS.
    #[arg(long, value_name = "DIR")]
    pub(crate) www: Option<PathBuf>,
    /// Application protocols to accept, comma-separated, in preference order (by default
    /// whatever the client offers first; with -www over QUIC, hq-interop).
    #[arg(long, value_name = "LIST")]
    pub(crate) alpn: Option<String>,
    /// Validate client addresses with a Retry before any handshake (QUIC).
    #[arg(long)]
    pub(crate) retry: bool,
    /// Stop after this many connections (0: run until stopped).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub(crate) naccept: u64,
}

/// `qssl fetch`.
#[derive(Debug, Args)]
pub(crate) struct Fetch {
    /// The files, as https://host:port/name (one connection per server).
    #[arg(value_name = "URL", required = true)]
    pub(crate) urls: Vec<String>,
    /// The directory to write the files into.
    #[arg(short, long = "out", value_name = "DIR", default_value = ".")]
    pub(crate) out_dir: PathBuf,
    /// Use HTTP/3 instead of hq-interop.
    #[arg(long)]
    pub(crate) h3: bool,
    #[command(flatten)]
    pub(crate) trust: Trust,
    /// Draw no progress bars (they are drawn only on a terminal anyway).
    #[arg(long)]
    pub(crate) no_progress: bool,
}

/// `qssl perf`.
#[derive(Debug, Args)]
pub(crate) struct Perf {
    #[command(subcommand)]
    pub(crate) side: PerfSide,
}

/// The two sides of `qssl perf`.
#[derive(Debug, Subcommand)]
pub(crate) enum PerfSide {
    /// Run workloads against a perf server and print rates and CPU cost.
    Client(PerfClient),
    /// Answer perf clients: each stream asks for a number of bytes and gets them.
    Server(PerfServer),
}

/// `qssl perf client`.
#[derive(Debug, Args)]
pub(crate) struct PerfClient {
    /// The perf server, as host:port.
    #[arg(value_name = "HOST:PORT")]
    pub(crate) target: String,
    /// Bytes to download in total (K, M, G suffixes: powers of 1024).
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    pub(crate) download: u64,
    /// Bytes to upload in total.
    #[arg(long, default_value = "0", value_parser = parse_size)]
    pub(crate) upload: u64,
    /// Streams to spread the transfer over, all at once.
    #[arg(long, default_value_t = 1)]
    pub(crate) streams: u32,
    /// Instead of a transfer: this many connections one after another, each a handshake,
    /// a 1 KiB request and response, and a close.
    #[arg(long, value_name = "N")]
    pub(crate) handshakes: Option<u32>,
    /// The name to send and to check in the certificate; the host by default.
    #[arg(long, value_name = "NAME")]
    pub(crate) servername: Option<String>,
    #[command(flatten)]
    pub(crate) trust: Trust,
    /// Draw no live display (it is drawn only on a terminal anyway).
    #[arg(long)]
    pub(crate) no_progress: bool,
}

/// `qssl perf server`.
#[derive(Debug, Args)]
pub(crate) struct PerfServer {
    #[command(flatten)]
    pub(crate) listen: Listen,
}

/// `qssl cert`.
#[derive(Debug, Args)]
pub(crate) struct Cert {
    /// The names the certificate is for (DNS names or IP addresses); the first is also its
    /// common name.
    #[arg(value_name = "NAME", required = true)]
    pub(crate) names: Vec<String>,
    /// More subject alternative names.
    #[arg(long, value_name = "NAME")]
    pub(crate) san: Vec<String>,
    /// Where to write the certificate (PEM).
    #[arg(long = "cert-out", value_name = "FILE", default_value = "cert.pem")]
    pub(crate) cert_out: PathBuf,
    /// Where to write the private key (PEM, PKCS #8).
    #[arg(long = "key-out", value_name = "FILE", default_value = "key.pem")]
    pub(crate) key_out: PathBuf,
    /// Sign with this CA certificate instead of self-signing (needs -ca-key).
    #[arg(long = "ca-cert", value_name = "FILE", requires = "ca_key")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// The CA's private key.
    #[arg(long = "ca-key", value_name = "FILE", requires = "ca_cert")]
    pub(crate) ca_key: Option<PathBuf>,
    /// Make a CA certificate (one that can sign others).
    #[arg(long)]
    pub(crate) ca: bool,
    /// Days the certificate is valid, from now.
    #[arg(long, default_value_t = 365)]
    pub(crate) days: u32,
    /// The key's algorithm.
    #[arg(long, value_enum, default_value_t = KeyAlgorithm::EcdsaP256)]
    pub(crate) algorithm: KeyAlgorithm,
}

/// Key algorithms `qssl cert` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyAlgorithm {
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
}

/// A size with an optional K, M or G suffix (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("not a size: {text}"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(format!("not a size: {text} (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("too large: {text}"))
}

/// Every long option name of the command line, subcommands included.
fn long_names() -> HashSet<String> {
    fn collect(cmd: &clap::Command, names: &mut HashSet<String>) {
        names.extend(
            cmd.get_arguments()
                .filter_map(|a| a.get_long().map(str::to_owned)),
        );
        for sub in cmd.get_subcommands() {
            collect(sub, names);
        }
    }
    let mut names = HashSet::new();
    collect(&Cli::command(), &mut names);
    names
}

/// The arguments with OpenSSL's single-dash long options (`-quic`, `-CAfile ca.pem`,
/// `-alpn=h3`) turned into two-dash ones, up to a `--` that ends the options. Only names of
/// this command's long options change: `-vv` stays two short flags.
pub(crate) fn openssl_style(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let longs = long_names();
    let mut options_ended = false;
    args.into_iter()
        .map(|arg| {
            let Some(text) = arg.to_str() else { return arg };
            if text == "--" {
                options_ended = true;
            }
            let name = text
                .strip_prefix('-')
                .filter(|rest| !rest.starts_with('-'))
                .map(|rest| rest.split_once('=').map_or(rest, |(n, _)| n));
            match name {
                Some(name) if !options_ended && longs.contains(name) => {
                    OsString::from(format!("-{text}"))
                }
                _ => arg,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn openssl_spelling_becomes_two_dashes() {
        let got = openssl_style(os(&[
            "qssl", "-vv", "s_client", "-quic", "-CAfile", "ca.pem", "-4", "-alpn=h3", "--", "-x",
        ]));
        assert_eq!(
            got,
            os(&[
                "qssl",
                "-vv",
                "s_client",
                "--quic",
                "--CAfile",
                "ca.pem",
                "-4",
                "--alpn=h3",
                "--",
                "-x"
            ])
        );
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("4K"), Ok(4096));
        assert_eq!(parse_size("2MiB"), Ok(2 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("1T").is_err());
        assert!(parse_size("x").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
