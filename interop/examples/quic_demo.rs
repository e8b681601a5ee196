//! The main job: a qssl listener and a qssl client in one process on UDP loopback. The
//! client fetches a file over hq-interop; the demo prints what the connection negotiated and
//! the transfer rate. Nothing to set up: the certificate is generated at start.
//!
//! `cargo run --release -p qssl-interop --example quic-demo -- --size-mib 64 --files 1`
#![allow(clippy::print_stdout)] // Printing the results is the demo's job.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use qssl_bio::UdpBio;
use qssl_interop::hq::{Download, close, fetch, serve};
use qssl_interop::tls::{ALPN_HQ, client_ctx, server_ctx};

/// Fetch files from an in-process qssl listener over UDP loopback.
#[derive(Parser)]
struct Args {
    /// Size of each file, in MiB.
    #[arg(long, default_value_t = 64)]
    size_mib: usize,
    /// Number of files, fetched over parallel streams of one connection.
    #[arg(long, default_value_t = 1)]
    files: usize,
    /// Use IPv6 loopback.
    #[arg(long)]
    ipv6: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("root");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&root)?;
    std::fs::create_dir_all(&out)?;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()])?;
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem())?;
    std::fs::write(&key_pem, cert.signing_key.serialize_pem())?;
    let size = args.size_mib << 20;
    let names: Vec<String> = (0..args.files).map(|i| format!("file{i}.bin")).collect();
    for (i, name) in names.iter().enumerate() {
        let data: Vec<u8> = (0..size as u64)
            .map(|j| (j.wrapping_mul(2_654_435_761).wrapping_add(i as u64) >> 13) as u8)
            .collect();
        std::fs::write(root.join(name), data)?;
    }

    let loopback: SocketAddr = if args.ipv6 {
        "[::1]:0".parse()?
    } else {
        "127.0.0.1:0".parse()?
    };
    let server_socket = UdpBio::bind(loopback)?;
    let server_addr = server_socket
        .local_addr()
        .socket_addr()
        .ok_or("listener has no address")?;
    let server_ctx = server_ctx(&cert_pem, &key_pem, ALPN_HQ)?;
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let (stop, root) = (stop.clone(), root.clone());
        std::thread::spawn(move || serve(&server_ctx, server_socket, 0, &root, &stop))
    };
    println!("qssl listener on {server_addr} (Retry address validation on)");

    let ctx = client_ctx(&cert_pem, ALPN_HQ)?;
    let download = Download {
        server: server_addr,
        server_name: "localhost",
        names: &names,
        out_dir: &out,
        session: None,
        early_data: false,
        progress: None,
    };
    let start = Instant::now();
    let cpu_start = qssl_tests::bench::process_cpu();
    let (received, conn) = fetch(
        &ctx,
        UdpBio::bind(loopback)?,
        &download,
        Duration::from_secs(300),
    )?;
    let elapsed = start.elapsed();
    // Both ends run in this process: the CPU time is the client's and the server's.
    let cpu = qssl_tests::bench::process_cpu().saturating_sub(cpu_start);

    let info = conn.connection_info().ok_or("connection gone")?;
    println!("negotiated:");
    println!("  QUIC version      {:#x}", info.version);
    println!(
        "  ALPN              {}",
        info.alpn
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default()
    );
    println!(
        "  cipher suite      {}",
        info.cipher_suite.as_deref().unwrap_or("?")
    );
    if let Some(p) = &info.peer_params {
        println!(
            "  peer idle timeout {} ms, max UDP payload {} B, ack delay exponent {}",
            p.max_idle_timeout.get(),
            p.max_udp_payload_size.get(),
            p.ack_delay_exponent.get()
        );
        println!(
            "  peer limits       data {} B, stream data {} B, bidi streams {}, uni streams {}",
            p.initial_max_data.get(),
            p.initial_max_stream_data_bidi_remote.get(),
            p.initial_max_streams_bidi.get(),
            p.initial_max_streams_uni.get()
        );
    }
    println!(
        "  smoothed RTT      {:?}, congestion window {} B",
        info.rtt, info.congestion_window
    );
    println!(
        "  packets           sent {}, received {}, dropped {}",
        info.stats.packets_sent, info.stats.packets_received, info.stats.packets_dropped
    );
    close(&conn)?;
    stop.store(true, Ordering::Relaxed);
    server.join().map_err(|_| "server thread panicked")??;

    let mut total = 0u64;
    for (name, bytes) in &received {
        let sent = std::fs::read(root.join(name))?;
        let got = std::fs::read(out.join(name))?;
        if sent != got {
            return Err(format!("{name}: content differs").into());
        }
        total += bytes;
    }
    let secs = elapsed.as_secs_f64();
    println!(
        "fetched {} file(s), {:.1} MiB in {:.3} s: {:.1} MB/s ({:.0} Mbit/s), CPU {:.2} s per \
         GiB (client and server), content verified",
        received.len(),
        total as f64 / (1 << 20) as f64,
        secs,
        total as f64 / secs / 1e6,
        total as f64 * 8.0 / secs / 1e6,
        cpu.as_secs_f64() * (1u64 << 30) as f64 / total.max(1) as f64
    );
    Ok(())
}
