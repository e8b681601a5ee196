//! `qssl s_server`: echoes what each client sends, or serves files with -www; QUIC or TLS
//! over TCP, many clients at once.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use qssl::SslCtx;
use qssl::ctx::{AlpnSelection, Method};
use qssl::tls::Tls;
use qssl_bio::UdpBio;

use crate::args::{Global, SServer};
use crate::common::{alpn_wire, server_ctx};
use crate::failure::{Context, Failure, Outcome};
use crate::service::{Echo, listen, serve};

/// The longest HTTP request head read.
const MAX_HEAD: usize = 8192;

/// Runs `qssl s_server`.
pub(crate) fn run(global: &Global, args: &SServer) -> Outcome {
    let method = if args.quic {
        Method::QuicServer
    } else {
        Method::TlsServer
    };
    let (mut ctx, addr) = server_ctx(global, method, &args.listen)?;
    let h3 = args
        .alpn
        .as_deref()
        .is_some_and(|l| l.split(',').next() == Some("h3"));
    match (&args.alpn, &args.www) {
        (Some(list), _) => ctx
            .set_alpn_protos(&alpn_wire(list)?)
            .context("the ALPN list")?,
        (None, Some(_)) if args.quic => ctx
            .set_alpn_protos(&alpn_wire("hq-interop")?)
            .context("the ALPN list")?,
        // Whatever the client offers first.
        _ => ctx.set_alpn_select_cb(Some(Arc::new(|offered: &[&[u8]]| {
            offered.first().map_or(AlpnSelection::NoAck, |p| {
                AlpnSelection::Selected(p.to_vec())
            })
        }))),
    }
    if args.quic {
        match &args.www {
            None => {
                let (listener, local) = listen(&ctx, addr, args.retry)?;
                eprintln!("ACCEPT {local}");
                serve(&listener, &Echo, args.naccept)
            }
            Some(root) => serve_files_quic(&ctx, addr, args, root, h3),
        }
    } else {
        serve_tls(&ctx, addr, args)
    }
}

/// Serves the files of `root` over hq-interop (HTTP/3 when `h3`) until stopped.
fn serve_files_quic(
    ctx: &SslCtx,
    addr: SocketAddr,
    args: &SServer,
    root: &Path,
    h3: bool,
) -> Outcome {
    if args.naccept != 0 {
        return Err(Failure::new(
            "-naccept is not supported with -www over QUIC",
        ));
    }
    let socket = UdpBio::bind(addr).context(format_args!("UDP {addr}"))?;
    let local = socket.local_addr().socket_addr().unwrap_or(addr);
    let flags = if args.retry {
        0
    } else {
        qssl::quic::LISTENER_FLAG_NO_VALIDATE
    };
    eprintln!("ACCEPT {local}");
    let never = AtomicBool::new(false);
    if h3 {
        qssl_interop::http3::serve(ctx, socket, flags, root, &never)
    } else {
        qssl_interop::hq::serve(ctx, socket, flags, root, &never)
    }
    .context("serving")
}

/// Accepts TLS clients over TCP, each on its own thread.
fn serve_tls(ctx: &SslCtx, addr: SocketAddr, args: &SServer) -> Outcome {
    let listener = TcpListener::bind(addr).context(format_args!("TCP {addr}"))?;
    let local = listener.local_addr().context("the listening address")?;
    eprintln!("ACCEPT {local}");
    let mut workers = Vec::new();
    let mut accepted = 0u64;
    while args.naccept == 0 || accepted < args.naccept {
        let (tcp, peer) = match listener.accept() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("accepting: {e}");
                continue;
            }
        };
        accepted += 1;
        let tls = Tls::new(ctx).context("a TLS object")?;
        let www = args.www.clone();
        workers.push(std::thread::spawn(move || {
            match serve_tls_client(&tls, tcp, www.as_deref()) {
                Ok(()) => eprintln!("connection from {peer} closed"),
                Err(e) => {
                    eprintln!("connection from {peer}: {e}");
                    qssl::error::clear_error();
                }
            }
        }));
        workers.retain(|w| !w.is_finished());
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

/// One TLS client: the handshake, then echo or one HTTP/1.0 request.
fn serve_tls_client(tls: &Tls, tcp: TcpStream, www: Option<&Path>) -> Result<(), String> {
    tls.set_tcp(tcp);
    tls.set_accept_state();
    tls.accept().map_err(|e| format!("handshake: {e}"))?;
    eprintln!(
        "handshake: {}, {}, ALPN {}",
        tls.version_string(),
        tls.cipher_name().unwrap_or("?"),
        String::from_utf8_lossy(&tls.alpn_selected().unwrap_or_default())
    );
    let (mut reader, mut writer) = (tls, tls);
    match www {
        None => {
            std::io::copy(&mut reader, &mut writer).map_err(|e| format!("echo: {e}"))?;
        }
        Some(root) => serve_http(&mut writer, root).map_err(|e| format!("HTTP: {e}"))?,
    }
    let _ = tls.shutdown();
    Ok(())
}

/// Answers one HTTP/1.0 `GET /name` with the file of `root` (200) or 404, as
/// `openssl s_server -WWW` does.
fn serve_http(io: &mut &Tls, root: &Path) -> std::io::Result<()> {
    let mut head = String::new();
    let mut reader = BufReader::new(io.take(MAX_HEAD as u64));
    reader.read_line(&mut head)?;
    // The rest of the head, up to the empty line.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let file = requested(&head, root).and_then(|p| File::open(p).ok());
    match file {
        Some(mut f) => {
            let len = f.metadata()?.len();
            write!(
                io,
                "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {len}\r\n\r\n"
            )?;
            std::io::copy(&mut f, io)?;
        }
        None => io.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")?,
    }
    io.flush()
}

/// The file a request line (`GET /name HTTP/1.x`) asks for: a plain name in `root`.
fn requested(line: &str, root: &Path) -> Option<PathBuf> {
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?, parts.next()?);
    let name = path.strip_prefix('/')?;
    let plain = method == "GET"
        && !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\']);
    plain.then(|| root.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_served() {
        let root = Path::new("/srv");
        assert_eq!(
            requested("GET /a.txt HTTP/1.0\r\n", root),
            Some(root.join("a.txt"))
        );
        assert_eq!(requested("GET /../etc/passwd HTTP/1.0", root), None);
        assert_eq!(requested("GET /.hidden HTTP/1.0", root), None);
        assert_eq!(requested("POST /a HTTP/1.0", root), None);
        assert_eq!(requested("GET", root), None);
    }
}
