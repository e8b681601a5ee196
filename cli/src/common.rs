//! What the subcommands share: logging, addresses, ALPN lists and contexts.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use qssl::SslCtx;
use qssl::ctx::{FileType, Method, SSL_VERIFY_NONE, SSL_VERIFY_PEER};

use crate::args::{Global, Listen, Trust};
use crate::failure::{Context, Failure, Outcome};

/// Sends tracing output to standard error at a level set by the number of `-v`s.
pub(crate) fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => "qssl=debug",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

impl Global {
    /// The timeout as a duration.
    pub(crate) fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout.max(0.001))
    }

    /// Whether `addr` has a family -4 or -6 allows.
    fn allows(&self, addr: &SocketAddr) -> bool {
        !(self.ipv4 && addr.is_ipv6() || self.ipv6 && addr.is_ipv4())
    }

    /// The unspecified address of the family -4 or -6 asks for: both families on one
    /// socket (IPv6 with IPv4-mapped addresses) unless -4 is given.
    pub(crate) fn any_address(&self) -> IpAddr {
        if self.ipv4 {
            Ipv4Addr::UNSPECIFIED.into()
        } else {
            Ipv6Addr::UNSPECIFIED.into()
        }
    }

    /// Applies the key log, qlog and idle timeout settings to `ctx`.
    pub(crate) fn configure(&self, ctx: &mut SslCtx) -> Outcome {
        if let Some(path) = &self.keylog {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .context(format_args!("the key log {}", path.display()))?;
            let file: Mutex<File> = Mutex::new(file);
            ctx.set_keylog_callback(Some(Arc::new(move |line: &str| {
                let mut f = file.lock().unwrap_or_else(PoisonError::into_inner);
                let _ = writeln!(f, "{line}");
            })));
        }
        if ctx.method().is_quic() {
            if let Some(dir) = &self.qlog {
                std::fs::create_dir_all(dir).context(format_args!("{}", dir.display()))?;
                ctx.set_qlog_dir(Some(dir), "")
                    .context("the qlog directory")?;
            }
            ctx.set_idle_timeout(Some(self.timeout()));
        }
        Ok(())
    }
}

/// A `host:port` target: the host as written (for SNI) and its port.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The host name or address, without IPv6 brackets.
    pub(crate) host: String,
    /// The port.
    pub(crate) port: u16,
}

impl Target {
    /// Parses `host:port` (`[::1]:443` for an IPv6 address).
    pub(crate) fn parse(text: &str) -> Outcome<Target> {
        let (host, port) = text
            .rsplit_once(':')
            .filter(|(h, _)| !h.is_empty())
            .ok_or_else(|| Failure::new(format!("{text}: expected HOST:PORT")))?;
        let port = port
            .parse()
            .map_err(|_| Failure::new(format!("{text}: bad port {port:?}")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Ok(Target {
            host: host.to_owned(),
            port,
        })
    }

    /// The first address of the host that -4/-6 allow.
    pub(crate) fn resolve(&self, global: &Global) -> Outcome<SocketAddr> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .context(format_args!("looking up {}", self.host))?
            .find(|a| global.allows(a))
            .ok_or_else(|| Failure::new(format!("{} has no address of that family", self.host)))?;
        tracing::debug!(host = %self.host, %addr, "resolved");
        Ok(addr)
    }
}

/// A comma-separated protocol list in ALPN's wire format.
pub(crate) fn alpn_wire(list: &str) -> Outcome<Vec<u8>> {
    let mut wire = Vec::new();
    for name in list.split(',') {
        let len = u8::try_from(name.len())
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| Failure::new(format!("bad ALPN list {list:?}")))?;
        wire.push(len);
        wire.extend_from_slice(name.as_bytes());
    }
    Ok(wire)
}

/// A client context of `method` that verifies servers against `trust` (the system's roots
/// unless -CAfile) and offers `alpn`.
pub(crate) fn client_ctx(
    global: &Global,
    method: Method,
    trust: &Trust,
    alpn: Option<&str>,
) -> Outcome<SslCtx> {
    let mut ctx = SslCtx::new(method);
    match &trust.ca_file {
        Some(file) => ctx
            .load_verify_locations(Some(file.as_path()), None)
            .context(format_args!("the CA file {}", file.display()))?,
        None => ctx.set_default_verify_paths(),
    }
    // With -insecure the handshake goes on and the verification's result is reported.
    let mode = if trust.insecure {
        SSL_VERIFY_NONE
    } else {
        SSL_VERIFY_PEER
    };
    ctx.set_verify(mode, None);
    if let Some(list) = alpn {
        ctx.set_alpn_protos(&alpn_wire(list)?)
            .context("the ALPN list")?;
    }
    global.configure(&mut ctx)?;
    Ok(ctx)
}

/// A server context of `method` with `listen`'s identity, and the address to listen on.
pub(crate) fn server_ctx(
    global: &Global,
    method: Method,
    listen: &Listen,
) -> Outcome<(SslCtx, SocketAddr)> {
    let mut ctx = SslCtx::new(method);
    use_identity(&mut ctx, &listen.cert, &listen.key)?;
    global.configure(&mut ctx)?;
    let addr = SocketAddr::new(listen.bind.unwrap_or(global.any_address()), listen.port);
    Ok((ctx, addr))
}

/// Gives `ctx` the certificate chain in `cert` and the key in `key` (PEM files).
pub(crate) fn use_identity(ctx: &mut SslCtx, cert: &Path, key: &Path) -> Outcome {
    ctx.use_certificate_chain_file(cert)
        .context(format_args!("the certificate {}", cert.display()))?;
    ctx.use_private_key_file(key, FileType::Pem)
        .context(format_args!("the key {}", key.display()))?;
    ctx.check_private_key()
        .context("the key does not match the certificate")
}

/// Process CPU time (user and system, every thread, exited ones too) so far, from
/// `/proc/self/stat`, whose clock ticks are Linux's fixed `USER_HZ` of 100 per second.
pub(crate) fn cpu_time() -> Duration {
    const USER_HZ: u64 = 100;
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces):
    // state is the first, utime the 12th and stime the 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|n| n.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 1000 / USER_HZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_and_without_brackets() {
        let t = Target::parse("localhost:4433").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("localhost", 4433));
        let t = Target::parse("[::1]:443").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 443));
        assert!(Target::parse("localhost").is_err());
        assert!(Target::parse("host:port").is_err());
    }

    #[test]
    fn alpn_lists_become_wire_format() {
        assert_eq!(alpn_wire("h3,hq-interop").unwrap(), b"\x02h3\x0ahq-interop");
        assert!(alpn_wire("h3,").is_err());
    }
}
