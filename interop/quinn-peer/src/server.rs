//! The hq-interop server: answers `GET /<name>` on each bidirectional stream with the file
//! from the web root, validating addresses with Retry in the retry case and offering a
//! preferred address in the connectionmigration case.

use std::net::{Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use qssl_interop::endpoint::{Case, Setup};

/// Longest request line read.
const MAX_REQUEST: usize = 4096;

/// Serves `setup.www` on `setup.port` (IPv6 and IPv4) until the process is stopped.
pub(crate) async fn run(setup: &Setup, case: Case) -> Result<(), String> {
    let mut config = crate::tls::server(&setup.certs, case == Case::ZeroRtt)?;
    if case == Case::ConnectionMigration {
        // The address the runner names (the relay's second one) is offered to clients.
        match setup.preferred_address {
            Some(SocketAddr::V4(a)) => {
                config.preferred_address_v4(Some(a));
            }
            Some(SocketAddr::V6(a)) => {
                config.preferred_address_v6(Some(a));
            }
            None => return Err("no QSSL_PREFERRED_ADDRESS".into()),
        }
    }
    let addr = SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), setup.port);
    let endpoint = quinn::Endpoint::server(config, addr)
        .map_err(|e| format!("UDP port {}: {e}", setup.port))?;
    let root: Arc<Path> = Arc::from(setup.www.as_path());
    while let Some(incoming) = endpoint.accept().await {
        if case == Case::Retry && !incoming.remote_address_validated() {
            // Refusals of a Retry (already retried) leave the client to time out.
            let _ = incoming.retry();
            continue;
        }
        tokio::spawn(serve_connection(incoming, root.clone()));
    }
    Ok(())
}

/// Serves one connection's requests, each on its own task.
async fn serve_connection(incoming: quinn::Incoming, root: Arc<Path>) {
    let conn = match incoming.await {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("a handshake failed: {e}");
            return;
        }
    };
    while let Ok((send, recv)) = conn.accept_bi().await {
        tokio::spawn(serve_request(send, recv, root.clone()));
    }
}

/// Answers one request, or resets the stream when the file cannot be read.
async fn serve_request(mut send: quinn::SendStream, mut recv: quinn::RecvStream, root: Arc<Path>) {
    let path = match recv.read_to_end(MAX_REQUEST).await {
        Ok(line) => request_path(&root, &line),
        Err(e) => Err(e.to_string()),
    };
    let data = match path {
        Ok(path) => tokio::fs::read(&path)
            .await
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(why) => Err(why),
    };
    match data {
        Ok(data) => {
            if send.write_all(&data).await.is_ok() && send.finish().is_ok() {
                let _ = send.stopped().await;
            }
        }
        Err(why) => {
            eprintln!("a request failed: {why}");
            let code = quinn::VarInt::from_u64(qssl_interop::hq::H09_REQUEST_REJECTED)
                .unwrap_or(quinn::VarInt::from_u32(0));
            let _ = send.reset(code);
        }
    }
}

/// The file a request line (`GET /<name>\r\n`) names under `root`; only plain names.
fn request_path(root: &Path, line: &[u8]) -> Result<PathBuf, String> {
    let line = std::str::from_utf8(line).map_err(|_| "a request that is not text".to_string())?;
    let name = line
        .trim_end()
        .strip_prefix("GET /")
        .ok_or_else(|| format!("not a GET request: {line:?}"))?;
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(format!("a path outside the web root: {name:?}"));
    }
    Ok(root.join(name))
}
