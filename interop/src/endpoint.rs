//! The QUIC interop runner's endpoint contract on qssl's objects: the role, test case and
//! requests come from the environment (`ROLE`, `TESTCASE`, `REQUESTS`), the server serves
//! `/www` on UDP port 443, the client saves each file under `/downloads`, both take their
//! certificates from `/certs` and write TLS secrets to `SSLKEYLOGFILE`. A test case the
//! endpoint does not support ends with exit code 127.
//!
//! For local runs the directories and the server's port can be moved with `QSSL_WWW`,
//! `QSSL_DOWNLOADS`, `QSSL_CERTS` and `QSSL_PORT`, and `QSSL_SERVER_IP` gives the client the
//! server's address instead of resolving the URLs' host (which stays the name it sends and
//! checks).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use qssl::SslCtx;
use qssl::ctx::PreferredAddressConfig;
use qssl::quic::LISTENER_FLAG_NO_VALIDATE;
use qssl_bio::UdpBio;

use crate::hq::{Download, HqError, close, fetch, serve};
use crate::tls::{ALPN_H3, ALPN_HQ, client_ctx, server_ctx};

/// The exit code that tells the runner a test case is not supported.
pub const EXIT_UNSUPPORTED: u8 = 127;
/// The port the runner's server listens on.
const RUNNER_PORT: u16 = 443;
/// How long one connection's downloads may take: the runner's longest test timeout.
const FETCH_LIMIT: Duration = Duration::from_secs(300);
/// Packets a client sends with one key before it updates its keys, in the keyupdate case. A
/// downloading client sends about one acknowledgment per batch of datagrams it reads, so
/// this makes the first update come within the first megabyte, as the runner asks.
const KEY_UPDATE_PACKETS: u64 = 10;

/// Which side this endpoint plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Downloads the requested files.
    Client,
    /// Serves the files of its web root.
    Server,
}

/// The test cases this endpoint supports (the runner's names; the server of the
/// keyupdate and connectionmigration tests is told `transfer` and `connectionmigration`,
/// handshakeloss and handshakecorruption are `multiconnect` on both sides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// One connection, one small file, no Retry.
    Handshake,
    /// One connection, every file (also the measurements and the loss, corruption,
    /// blackhole and IPv6 tests, which differ only in their network, and ecn, as ECN is
    /// always on).
    Transfer,
    /// Only TLS_CHACHA20_POLY1305_SHA256 offered.
    ChaCha20,
    /// The server validates the client's address with a Retry.
    Retry,
    /// The first file on one connection, the rest on a second that resumes the first's
    /// session.
    Resumption,
    /// As resumption, with the second connection's requests sent as early data (0-RTT),
    /// which the server accepts.
    ZeroRtt,
    /// One connection per file.
    Multiconnect,
    /// The client updates its 1-RTT keys early in the transfer.
    KeyUpdate,
    /// Every file over one connection with HTTP/3 instead of hq-interop.
    Http3,
    /// A server offering a preferred address (`QSSL_PREFERRED_ADDRESS`), which its client
    /// moves to; otherwise a transfer.
    ConnectionMigration,
    /// QUIC v2 by compatible version negotiation: the client starts in v1 and asks for v2,
    /// the server switches; otherwise a transfer.
    V2,
}

impl Case {
    /// The case `name` names for `role`, if this endpoint supports it.
    pub fn parse(role: Role, name: &str) -> Option<Case> {
        Some(match (name, role) {
            ("handshake", _) => Case::Handshake,
            // ECN is on in every connection: the ecn case is a transfer.
            ("transfer" | "ecn", _) => Case::Transfer,
            ("chacha20", _) => Case::ChaCha20,
            ("retry", _) => Case::Retry,
            ("resumption", _) => Case::Resumption,
            ("zerortt", _) => Case::ZeroRtt,
            ("multiconnect", _) => Case::Multiconnect,
            ("keyupdate", Role::Client) => Case::KeyUpdate,
            ("http3", _) => Case::Http3,
            ("connectionmigration", Role::Server) => Case::ConnectionMigration,
            ("v2", _) => Case::V2,
            _ => return None,
        })
    }
}

/// One file the client is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The host name in the URL (also SNI and the name checked in the certificate).
    pub host: String,
    /// The port in the URL (443 if none).
    pub port: u16,
    /// The file's name: the last part of the URL's path.
    pub name: String,
}

impl Request {
    /// Parses one URL of `REQUESTS` (`https://server4:443/name`).
    pub fn parse(url: &str) -> Result<Request, String> {
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| format!("not an https URL: {url}"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.rsplit_once(':') {
            // An IPv6 literal in brackets has colons of its own.
            Some((h, p)) if !p.contains(']') => {
                (h, p.parse().map_err(|_| format!("bad port in {url}"))?)
            }
            _ => (authority, RUNNER_PORT),
        };
        let name = path.rsplit('/').next().unwrap_or_default();
        if host.is_empty() || name.is_empty() {
            return Err(format!("no host or file in {url}"));
        }
        Ok(Request {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            name: name.to_owned(),
        })
    }
}

/// Everything one run needs, read from the environment.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Client or server.
    pub role: Role,
    /// The test case, or `None` when this endpoint does not support it.
    pub case: Option<Case>,
    /// The client's requests.
    pub requests: Vec<Request>,
    /// The server's files.
    pub www: PathBuf,
    /// Where the client saves files.
    pub downloads: PathBuf,
    /// `cert.pem`, `priv.key` and `ca.pem`.
    pub certs: PathBuf,
    /// The server's UDP port.
    pub port: u16,
    /// The server's address for the client, instead of resolving the URLs' host.
    pub server_ip: Option<std::net::IpAddr>,
    /// The address a server offers as its preferred address in the connectionmigration
    /// case (`QSSL_PREFERRED_ADDRESS`, which the local runner sets to an address of its
    /// relay; without it the case is not supported).
    pub preferred_address: Option<SocketAddr>,
}

impl Setup {
    /// Reads the setup through `var` (the process environment in real use).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Setup, String> {
        let role = match var("ROLE").as_deref() {
            Some("client") => Role::Client,
            Some("server") => Role::Server,
            other => return Err(format!("ROLE must be client or server, not {other:?}")),
        };
        let case = Case::parse(role, &var("TESTCASE").unwrap_or_default());
        let requests = var("REQUESTS")
            .unwrap_or_default()
            .split_whitespace()
            .map(Request::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let dir = |name: &str, default: &str| PathBuf::from(var(name).unwrap_or(default.into()));
        let port = match var("QSSL_PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("QSSL_PORT={p} is not a port"))?,
            None => RUNNER_PORT,
        };
        let server_ip = match var("QSSL_SERVER_IP") {
            Some(ip) => Some(
                ip.parse()
                    .map_err(|_| format!("QSSL_SERVER_IP={ip} is not an address"))?,
            ),
            None => None,
        };
        let preferred_address = match var("QSSL_PREFERRED_ADDRESS") {
            Some(a) => Some(
                a.parse()
                    .map_err(|_| format!("QSSL_PREFERRED_ADDRESS={a} is not an address"))?,
            ),
            None => None,
        };
        let case = case.filter(|c| *c != Case::ConnectionMigration || preferred_address.is_some());
        Ok(Setup {
            role,
            server_ip,
            preferred_address,
            case,
            requests,
            www: dir("QSSL_WWW", "/www"),
            downloads: dir("QSSL_DOWNLOADS", "/downloads"),
            certs: dir("QSSL_CERTS", "/certs"),
            port,
        })
    }
}

/// Why a run failed.
#[derive(Debug)]
pub enum EndpointError {
    /// The setup or the certificates are unusable.
    Setup(String),
    /// A transfer failed.
    Hq(HqError),
}

impl std::fmt::Display for EndpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndpointError::Setup(why) => f.write_str(why),
            EndpointError::Hq(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EndpointError {}

impl From<HqError> for EndpointError {
    fn from(e: HqError) -> Self {
        EndpointError::Hq(e)
    }
}

impl From<qssl::error::SslError> for EndpointError {
    fn from(e: qssl::error::SslError) -> Self {
        EndpointError::Setup(e.to_string())
    }
}

/// Runs `case` as `setup` says; a server runs until the process is stopped. A client
/// returns a line about each connection it made (version, cipher suite, resumption, files,
/// bytes, key updates) for the run's log.
pub fn run(setup: &Setup, case: Case) -> Result<Vec<String>, EndpointError> {
    match setup.role {
        Role::Server => run_server(setup, case).map(|()| Vec::new()),
        Role::Client => run_client(setup, case),
    }
}

fn run_server(setup: &Setup, case: Case) -> Result<(), EndpointError> {
    let alpn = if case == Case::Http3 {
        ALPN_H3
    } else {
        ALPN_HQ
    };
    let mut ctx = server_ctx(
        &setup.certs.join("cert.pem"),
        &setup.certs.join("priv.key"),
        alpn,
    )?;
    if case == Case::ZeroRtt {
        ctx.set_max_early_data(u32::MAX)?;
    }
    if case == Case::ConnectionMigration {
        let preferred = &mut ctx.connection_config_mut().preferred_address;
        *preferred = Some(match setup.preferred_address {
            Some(SocketAddr::V4(v4)) => PreferredAddressConfig {
                ipv4: Some(v4),
                ipv6: None,
            },
            Some(SocketAddr::V6(v6)) => PreferredAddressConfig {
                ipv4: None,
                ipv6: Some(v6),
            },
            None => return Err(EndpointError::Setup("no QSSL_PREFERRED_ADDRESS".into())),
        });
    }
    // One socket for IPv6 and IPv4 (an IPv4-mapped dual-stack socket).
    let socket = UdpBio::bind(SocketAddr::new(
        std::net::Ipv6Addr::UNSPECIFIED.into(),
        setup.port,
    ))
    .map_err(|e| EndpointError::Setup(format!("UDP port {}: {e}", setup.port)))?;
    let flags = if case == Case::Retry {
        0
    } else {
        LISTENER_FLAG_NO_VALIDATE
    };
    let never = AtomicBool::new(false);
    if case == Case::Http3 {
        crate::http3::serve(&ctx, socket, flags, &setup.www, &never)?;
    } else {
        serve(&ctx, socket, flags, &setup.www, &never)?;
    }
    Ok(())
}

fn run_client(setup: &Setup, case: Case) -> Result<Vec<String>, EndpointError> {
    let alpn = if case == Case::Http3 {
        ALPN_H3
    } else {
        ALPN_HQ
    };
    let mut ctx = client_ctx(&setup.certs.join("ca.pem"), alpn)?;
    match case {
        Case::ChaCha20 => ctx.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256")?,
        Case::KeyUpdate => {
            ctx.connection_config_mut().key_update_interval = Some(KEY_UPDATE_PACKETS);
        }
        Case::V2 => ctx.connection_config_mut().upgrade_to = Some(qssl::ctx::Version::V2),
        _ => {}
    }
    let Some(first) = setup.requests.first() else {
        return Err(EndpointError::Setup("REQUESTS names no file".into()));
    };
    if setup
        .requests
        .iter()
        .any(|r| (&r.host, r.port) != (&first.host, first.port))
    {
        return Err(EndpointError::Setup(
            "REQUESTS name more than one server".into(),
        ));
    }
    let server = match setup.server_ip {
        Some(ip) => SocketAddr::new(ip, first.port),
        None => (first.host.as_str(), first.port)
            .to_socket_addrs()
            .map_err(|e| EndpointError::Setup(format!("{}: {e}", first.host)))?
            .next()
            .ok_or_else(|| EndpointError::Setup(format!("{} has no address", first.host)))?,
    };
    let names: Vec<String> = setup.requests.iter().map(|r| r.name.clone()).collect();
    let client = Client {
        ctx: &ctx,
        server,
        host: &first.host,
        setup,
        http3: case == Case::Http3,
        early_data: case == Case::ZeroRtt,
    };
    let mut log = Vec::new();
    match case {
        Case::Multiconnect => {
            for name in &names {
                client.download(std::slice::from_ref(name), None, &mut log)?;
            }
        }
        Case::Resumption | Case::ZeroRtt => {
            let (head, rest) = names.split_at(1);
            let session = client.download(head, None, &mut log)?;
            if !rest.is_empty() {
                client.download(rest, session.as_ref(), &mut log)?;
            }
        }
        _ => {
            client.download(&names, None, &mut log)?;
        }
    }
    Ok(log)
}

/// What the client's connections share.
struct Client<'a> {
    ctx: &'a SslCtx,
    server: SocketAddr,
    host: &'a str,
    setup: &'a Setup,
    /// HTTP/3 instead of hq-interop.
    http3: bool,
    /// Resumed connections send their requests as early data.
    early_data: bool,
}

impl Client<'_> {
    /// Downloads `names` over one connection (resuming `session` if given), closes it,
    /// adds a line about it to `log`, and returns its session for a later connection.
    fn download(
        &self,
        names: &[String],
        session: Option<&qssl::tls::SslSession>,
        log: &mut Vec<String>,
    ) -> Result<Option<qssl::tls::SslSession>, EndpointError> {
        let local = match self.server {
            SocketAddr::V4(_) => SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), 0),
            SocketAddr::V6(_) => SocketAddr::new(std::net::Ipv6Addr::UNSPECIFIED.into(), 0),
        };
        let socket = UdpBio::bind(local)
            .map_err(|e| EndpointError::Setup(format!("a client socket: {e}")))?;
        let download = Download {
            server: self.server,
            server_name: self.host,
            names,
            out_dir: &self.setup.downloads,
            session,
            early_data: self.early_data,
            progress: None,
        };
        let (received, conn) = if self.http3 {
            crate::http3::fetch(self.ctx, socket, &download, FETCH_LIMIT)?
        } else {
            fetch(self.ctx, socket, &download, FETCH_LIMIT)?
        };
        if let Some(info) = conn.connection_info() {
            log.push(format!(
                "connection: version {:#x}, {}, resumed {}, early data {:?}, {} files, {} bytes, \
                 {} key updates, ECN {:?}, datagrams of {} bytes",
                info.version,
                info.cipher_suite.as_deref().unwrap_or("?"),
                conn.session_reused(),
                conn.early_data_status(),
                received.len(),
                received.iter().map(|(_, n)| n).sum::<u64>(),
                info.stats.key_updates,
                info.ecn,
                info.datagram_size,
            ));
        }
        let session = conn.session();
        if !self.http3 {
            // HTTP/3 closed the connection itself.
            close(&conn)?;
        }
        Ok(session)
    }
}
