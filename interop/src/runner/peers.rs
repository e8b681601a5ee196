//! The implementations the local runner pairs qssl with, and how each is started as a
//! server or run as a client for a test case (`None`: it cannot do that case).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a run keeps its files.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// The server's files.
    pub www: PathBuf,
    /// Where the client saves them.
    pub downloads: PathBuf,
    /// `ca.pem`, `cert.pem`, `priv.key`.
    pub certs: PathBuf,
    /// Key logs and the peers' output.
    pub logs: PathBuf,
}

/// One implementation.
#[derive(Debug, Clone)]
pub enum Peer {
    /// A program that follows the runner's endpoint contract as qssl's endpoint reads it
    /// ([`crate::endpoint::Setup`]): qssl's own endpoint, quinn's
    /// (`interop/quinn-peer`) and OpenSSL's (`interop/peers/openssl/hq_endpoint.c`).
    Endpoint {
        /// The peer's name in results.
        name: &'static str,
        /// The program.
        program: PathBuf,
    },
    /// aioquic through `interop/peers/aioquic_hq.py` (hq-interop) and
    /// `interop/peers/aioquic_h3.py` (HTTP/3).
    Aioquic {
        /// The hq-interop script.
        script: PathBuf,
        /// The HTTP/3 script.
        h3_script: PathBuf,
    },
    /// ngtcp2's example client and server as Debian ships them (`gtlsclient`,
    /// `gtlsserver`: ngtcp2 0.12 with GnuTLS and nghttp3), which speak only HTTP/3.
    Ngtcp2 {
        /// `gtlsclient`.
        client: PathBuf,
        /// `gtlsserver`.
        server: PathBuf,
    },
}

impl Peer {
    /// The peer's name in results.
    pub fn name(&self) -> &'static str {
        match self {
            Peer::Endpoint { name, .. } => name,
            Peer::Aioquic { .. } => "aioquic",
            Peer::Ngtcp2 { .. } => "ngtcp2",
        }
    }

    /// The command that serves `dirs.www` on `addr` for `case`.
    pub fn server(&self, case: &str, addr: SocketAddr, dirs: &Dirs) -> Option<Command> {
        let port = addr.port();
        match self {
            Peer::Endpoint { program, .. } => {
                let mut cmd = contract_command(program, "server", case, dirs);
                cmd.env("QSSL_PORT", port.to_string());
                Some(cmd)
            }
            Peer::Aioquic { h3_script, .. } if case == "http3" => {
                let mut cmd = Command::new("python3");
                cmd.arg(h3_script)
                    .args(["server", "--host", "::", "--port", &port.to_string()])
                    .arg("--cert")
                    .arg(dirs.certs.join("cert.pem"))
                    .arg("--key")
                    .arg(dirs.certs.join("priv.key"))
                    .arg("--root")
                    .arg(&dirs.www);
                Some(cmd)
            }
            Peer::Ngtcp2 { server, .. } if case == "http3" => {
                let mut cmd = Command::new(server);
                // GnuTLS writes the key log that SSLKEYLOGFILE names.
                cmd.env("SSLKEYLOGFILE", dirs.logs.join("server-keys.log"))
                    .arg("-q")
                    .arg("-d")
                    .arg(&dirs.www)
                    .args([addr.ip().to_string(), port.to_string()])
                    .arg(dirs.certs.join("priv.key"))
                    .arg(dirs.certs.join("cert.pem"));
                Some(cmd)
            }
            Peer::Ngtcp2 { .. } => None,
            Peer::Aioquic { script, .. } => {
                // ChaCha20 is the client's choice, resumption and key updates the client's
                // doing: any server will do for them. aioquic's server switches a client
                // that offers v2 first (compatible version negotiation) and accepts early
                // data.
                let retry = match case {
                    "retry" => true,
                    "handshake" | "transfer" | "multiconnect" | "chacha20" | "resumption"
                    | "zerortt" | "v2" => false,
                    _ => return None,
                };
                let mut cmd = Command::new("python3");
                cmd.arg(script)
                    .args(["server", "--host", "::", "--port", &port.to_string()])
                    .arg("--cert")
                    .arg(dirs.certs.join("cert.pem"))
                    .arg("--key")
                    .arg(dirs.certs.join("priv.key"))
                    .arg("--root")
                    .arg(&dirs.www)
                    .arg("--keylog")
                    .arg(dirs.logs.join("server-keys.log"));
                if retry {
                    cmd.arg("--retry");
                }
                Some(cmd)
            }
        }
    }

    /// The commands, run one after the other, that fetch `names` from `server` for `case`.
    pub fn client(
        &self,
        case: &str,
        server: SocketAddr,
        names: &[String],
        dirs: &Dirs,
    ) -> Option<Vec<Command>> {
        match self {
            Peer::Endpoint { program, .. } => {
                let mut cmd = contract_command(program, "client", case, dirs);
                let urls: Vec<String> = names
                    .iter()
                    .map(|n| format!("https://localhost:{}/{n}", server.port()))
                    .collect();
                cmd.env("REQUESTS", urls.join(" "))
                    .env("QSSL_SERVER_IP", server.ip().to_string());
                Some(vec![cmd])
            }
            Peer::Aioquic { h3_script, .. } if case == "http3" => {
                let mut cmd = Command::new("python3");
                cmd.arg(h3_script)
                    .args(["client", "--host", &server.ip().to_string()])
                    .args(["--port", &server.port().to_string()])
                    .arg("--ca")
                    .arg(dirs.certs.join("ca.pem"))
                    .arg("--out")
                    .arg(&dirs.downloads)
                    .args(["--timeout", "280"])
                    .args(names);
                Some(vec![cmd])
            }
            Peer::Ngtcp2 { client, .. } if case == "http3" => {
                let mut cmd = Command::new(client);
                cmd.env("SSLKEYLOGFILE", dirs.logs.join("client-keys.log"))
                    .args(["-q", "--exit-on-all-streams-close"])
                    .arg(format!("--download={}", dirs.downloads.display()))
                    .args([server.ip().to_string(), server.port().to_string()])
                    .args(
                        names
                            .iter()
                            .map(|n| format!("https://localhost:{}/{n}", server.port())),
                    );
                Some(vec![cmd])
            }
            Peer::Ngtcp2 { .. } => None,
            Peer::Aioquic { script, .. } => {
                let fetch = |names: &[String], flags: &[&str]| {
                    let mut cmd = Command::new("python3");
                    cmd.arg(script)
                        .args(["client", "--host", &server.ip().to_string()])
                        .args(["--port", &server.port().to_string()])
                        .arg("--ca")
                        .arg(dirs.certs.join("ca.pem"))
                        .arg("--out")
                        .arg(&dirs.downloads)
                        .args(["--timeout", "280"])
                        .arg("--keylog")
                        .arg(dirs.logs.join("client-keys.log"))
                        .args(flags)
                        .args(names);
                    cmd
                };
                match case {
                    "handshake" | "transfer" | "retry" => Some(vec![fetch(names, &[])]),
                    "chacha20" => Some(vec![fetch(names, &["--chacha20"])]),
                    "resumption" => Some(vec![fetch(names, &["--resume"])]),
                    "zerortt" => Some(vec![fetch(names, &["--zero-rtt"])]),
                    "keyupdate" => Some(vec![fetch(names, &["--key-update"])]),
                    "v2" => Some(vec![fetch(names, &["--upgrade-to-v2"])]),
                    "multiconnect" => Some(
                        names
                            .iter()
                            .map(|n| fetch(std::slice::from_ref(n), &[]))
                            .collect(),
                    ),
                    _ => None,
                }
            }
        }
    }
}

/// An endpoint program with the runner's variables.
fn contract_command(program: &Path, role: &str, case: &str, dirs: &Dirs) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("ROLE", role)
        .env("TESTCASE", case)
        .env("QSSL_WWW", &dirs.www)
        .env("QSSL_DOWNLOADS", &dirs.downloads)
        .env("QSSL_CERTS", &dirs.certs)
        .env("SSLKEYLOGFILE", dirs.logs.join(format!("{role}-keys.log")));
    cmd
}
