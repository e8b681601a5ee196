//! The hq-interop client: fetches the requested files over one connection (every request
//! on its own stream at once), one connection per file (multiconnect), or the first file
//! and then the rest on a connection resuming the first's session (resumption; zerortt
//! sends the second connection's requests as early data); in the keyupdate case it updates
//! its keys as soon as response data flows.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::Path;

use qssl_interop::endpoint::{Case, Setup};

/// Largest response accepted.
const MAX_RESPONSE: usize = 1 << 30;

/// Downloads every file of `setup.requests` as `case` says; a line about each connection.
pub(crate) async fn run(setup: &Setup, case: Case) -> Result<Vec<String>, String> {
    let first = setup.requests.first().ok_or("REQUESTS names no file")?;
    let server = match setup.server_ip {
        Some(ip) => SocketAddr::new(ip, first.port),
        None => (first.host.as_str(), first.port)
            .to_socket_addrs()
            .map_err(|e| format!("{}: {e}", first.host))?
            .next()
            .ok_or_else(|| format!("{} has no address", first.host))?,
    };
    let local = match server {
        SocketAddr::V4(_) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0),
        SocketAddr::V6(_) => SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 0),
    };
    let mut endpoint = quinn::Endpoint::client(local).map_err(|e| e.to_string())?;
    endpoint.set_default_client_config(crate::tls::client(
        case == Case::ChaCha20,
        case == Case::ZeroRtt,
    )?);
    let names: Vec<String> = setup.requests.iter().map(|r| r.name.clone()).collect();
    let fetch = Fetch {
        endpoint: &endpoint,
        server,
        host: &first.host,
        out: &setup.downloads,
        key_update: case == Case::KeyUpdate,
        early_data: case == Case::ZeroRtt,
    };
    let mut log = Vec::new();
    match case {
        Case::Multiconnect => {
            for name in &names {
                log.push(fetch.connection(std::slice::from_ref(name)).await?);
            }
        }
        Case::Resumption | Case::ZeroRtt => {
            let (head, rest) = names.split_at(1);
            log.push(fetch.connection(head).await?);
            if !rest.is_empty() {
                log.push(fetch.connection(rest).await?);
            }
        }
        _ => log.push(fetch.connection(&names).await?),
    }
    endpoint.wait_idle().await;
    Ok(log)
}

/// What every connection of a run shares.
struct Fetch<'a> {
    endpoint: &'a quinn::Endpoint,
    server: SocketAddr,
    host: &'a str,
    out: &'a Path,
    key_update: bool,
    /// Resumed connections send their requests as early data.
    early_data: bool,
}

impl Fetch<'_> {
    /// Fetches `names` over one new connection and closes it; a line about it.
    async fn connection(&self, names: &[String]) -> Result<String, String> {
        let connecting = self
            .endpoint
            .connect(self.server, self.host)
            .map_err(|e| e.to_string())?;
        // Without a session that allows early data the requests wait for the handshake.
        let attempt = if self.early_data {
            connecting.into_0rtt()
        } else {
            Err(connecting)
        };
        let (conn, accepted) = match attempt {
            Ok((conn, accepted)) => (conn, Some(accepted)),
            Err(connecting) => (
                connecting.await.map_err(|e| format!("handshake: {e}"))?,
                None,
            ),
        };
        let tasks: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let updater = (self.key_update && i == 0).then(|| conn.clone());
                tokio::spawn(request(conn.clone(), name.clone(), updater))
            })
            .collect();
        let mut bytes = 0;
        for (task, name) in tasks.into_iter().zip(names) {
            let data = task
                .await
                .map_err(|e| format!("{name}: {e}"))?
                .map_err(|e| format!("{name}: {e}"))?;
            bytes += data.len();
            tokio::fs::write(self.out.join(name), &data)
                .await
                .map_err(|e| format!("{name}: {e}"))?;
        }
        let early = match accepted {
            Some(accepted) => format!(", early data accepted {}", accepted.await),
            None => String::new(),
        };
        let line = format!(
            "quinn connection: {} files, {bytes} bytes, rtt {:?}{early}",
            names.len(),
            conn.rtt()
        );
        conn.close(0u32.into(), b"done");
        Ok(line)
    }
}

/// Sends `GET /<name>` on a new stream and reads the whole response; `updater` updates the
/// connection's keys once the first response bytes arrive.
async fn request(
    conn: quinn::Connection,
    name: String,
    mut updater: Option<quinn::Connection>,
) -> Result<Vec<u8>, String> {
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
    send.write_all(format!("GET /{name}\r\n").as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())?;
    let mut data = Vec::new();
    while let Some(chunk) = recv
        .read_chunk(MAX_RESPONSE, true)
        .await
        .map_err(|e| e.to_string())?
    {
        if let Some(conn) = updater.take() {
            conn.force_key_update();
        }
        if data.len() + chunk.bytes.len() > MAX_RESPONSE {
            return Err("response too long".into());
        }
        data.extend_from_slice(&chunk.bytes);
    }
    Ok(data)
}
