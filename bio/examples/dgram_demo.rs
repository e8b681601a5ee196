//! Moves datagrams through the BIO layer over real UDP and reports what happened.
//!
//! A client UDP BIO sends batches with one `sendmmsg` each to a server UDP BIO on loopback. The
//! server receives them with `recvmmsg`, learning each datagram's source and destination
//! address, and hands them to an application through a datagram pair, addresses attached. The
//! application answers every datagram through the pair, and the server sends the answers back
//! over UDP to the addresses the application named. The client checks every answer.
#![allow(clippy::print_stdout)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use clap::Parser;
use qssl_bio::poll::{self, PollItem};
use qssl_bio::{
    BioError, DatagramBio, DgramCaps, DgramPairEnd, RecvMsg, SendMsg, UdpBio, new_dgram_pair,
};

/// Datagram round trips through the qssl BIO layer on loopback.
#[derive(Parser, Debug)]
struct Args {
    /// Number of datagrams to send.
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Payload size of each datagram in bytes.
    #[arg(long, default_value_t = 1200)]
    size: usize,
    /// Datagrams per sendmmsg/recvmmsg call.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Use ::1 instead of 127.0.0.1.
    #[arg(long)]
    ipv6: bool,
}

/// Counters of one run.
#[derive(Default)]
struct Stats {
    send_calls: usize,
    recv_calls: usize,
    relayed: usize,
}

/// The server side: UDP socket in front, datagram pair towards the application.
struct Server {
    udp: UdpBio,
    to_app: DgramPairEnd,
}

impl Server {
    /// Moves datagrams from the socket into the pair and answers from the pair onto the socket.
    fn pump(&self, bufs: &mut [Vec<u8>], stats: &mut Stats) -> Result<(), BioError> {
        let mut msgs: Vec<RecvMsg<'_>> = bufs
            .iter_mut()
            .map(|b| RecvMsg::new(b).with_local())
            .collect();
        match self.udp.recv_mmsg(&mut msgs) {
            Ok(n) => {
                stats.recv_calls += 1;
                let into_pair: Vec<SendMsg<'_>> = msgs[..n]
                    .iter()
                    .map(|m| {
                        SendMsg::new(m.data())
                            .to(m.local.unwrap_or_default())
                            .from(m.peer)
                    })
                    .collect();
                let mut done = 0;
                while done < into_pair.len() {
                    done += self.to_app.send_mmsg(&into_pair[done..])?;
                }
                stats.relayed += n;
            }
            Err(e) if e.is_non_fatal() => {}
            Err(e) => return Err(e),
        }
        // Answers from the application carry the client's address as their destination.
        let mut answers: Vec<RecvMsg<'_>> = bufs
            .iter_mut()
            .map(|b| RecvMsg::new(b).with_local())
            .collect();
        match self.to_app.recv_mmsg(&mut answers) {
            Ok(n) => {
                let out: Vec<SendMsg<'_>> = answers[..n]
                    .iter()
                    .map(|m| SendMsg::new(m.data()).to(m.local.unwrap_or_default()))
                    .collect();
                let mut done = 0;
                while done < out.len() {
                    match self.udp.send_mmsg(&out[done..]) {
                        Ok(k) => {
                            done += k;
                            stats.send_calls += 1;
                        }
                        Err(e) if e.is_non_fatal() => wait(&self.udp, false)?,
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) if e.is_non_fatal() => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// The application: reads datagrams with their addresses from its end of the pair and answers
/// each with its payload reversed, addressed to the sender.
fn app_answer(app: &DgramPairEnd, bufs: &mut [Vec<u8>]) -> Result<(), BioError> {
    let mut msgs: Vec<RecvMsg<'_>> = bufs
        .iter_mut()
        .map(|b| RecvMsg::new(b).with_local())
        .collect();
    let n = match app.recv_mmsg(&mut msgs) {
        Ok(n) => n,
        Err(e) if e.is_non_fatal() => return Ok(()),
        Err(e) => return Err(e),
    };
    let replies: Vec<Vec<u8>> = msgs[..n]
        .iter()
        .map(|m| m.data().iter().rev().copied().collect())
        .collect();
    let out: Vec<SendMsg<'_>> = replies
        .iter()
        .zip(&msgs[..n])
        .map(|(r, m)| SendMsg::new(r).to(m.peer))
        .collect();
    let mut done = 0;
    while done < out.len() {
        done += app.send_mmsg(&out[done..])?;
    }
    Ok(())
}

fn wait(bio: &UdpBio, read: bool) -> Result<(), BioError> {
    let item = if read {
        PollItem::readable(bio.rpoll_descriptor())
    } else {
        PollItem::writable(bio.wpoll_descriptor())
    };
    poll::wait(&mut [item], Some(Duration::from_millis(10)))?;
    Ok(())
}

fn payload(i: usize, size: usize) -> Vec<u8> {
    (0..size).map(|j| (i.wrapping_mul(31) + j) as u8).collect()
}

fn main() -> Result<(), BioError> {
    let args = Args::parse();
    let ip = if args.ipv6 {
        IpAddr::V6(Ipv6Addr::LOCALHOST)
    } else {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    };
    let batch = args.batch.clamp(1, 64);
    let client = UdpBio::bind(SocketAddr::new(ip, 0))?;
    let server_udp = UdpBio::bind(SocketAddr::new(ip, 0))?;
    server_udp.set_local_addr_enable(true)?;
    client.socket().set_recv_buffer_size(4 << 20)?;
    server_udp.socket().set_recv_buffer_size(4 << 20)?;

    // The pair carries addresses both ways: each side declares it handles and provides them.
    let (to_app, app) = new_dgram_pair(1 << 20, 1 << 20);
    to_app.set_caps(DgramCaps::all())?;
    app.set_caps(DgramCaps::all())?;
    to_app.set_local_addr_enable(true)?;
    app.set_local_addr_enable(true)?;
    let server = Server {
        udp: server_udp,
        to_app,
    };
    let server_addr = server.udp.local_addr();
    println!("client {} -> server {}", client.local_addr(), server_addr);
    println!(
        "datagram pair: caps {:?}, MTU {}, local addresses {}",
        app.effective_caps(),
        app.mtu(),
        app.local_addr_enabled()
    );

    let mut stats = Stats::default();
    let mut client_bufs = vec![vec![0u8; 2048]; batch];
    let mut server_bufs = vec![vec![0u8; 2048]; batch];
    let mut app_bufs = vec![vec![0u8; 2048]; batch];
    let mut next_send = 0;
    let mut answered = 0;
    let mut client_send_calls = 0;
    let started = Instant::now();
    let give_up = started + Duration::from_secs(30);
    while answered < args.count {
        if Instant::now() > give_up {
            println!(
                "gave up after 30 s with {answered} of {} answered",
                args.count
            );
            std::process::exit(1);
        }
        // Keep at most a few batches in flight so no socket buffer overflows.
        if next_send < args.count && next_send - answered < 4 * batch {
            let end = (next_send + batch).min(args.count);
            let payloads: Vec<Vec<u8>> = (next_send..end).map(|i| payload(i, args.size)).collect();
            let msgs: Vec<SendMsg<'_>> = payloads
                .iter()
                .map(|p| SendMsg::new(p).to(server_addr))
                .collect();
            match client.send_mmsg(&msgs) {
                Ok(n) => {
                    next_send += n;
                    client_send_calls += 1;
                }
                Err(e) if e.is_non_fatal() => {}
                Err(e) => return Err(e),
            }
        }
        server.pump(&mut server_bufs, &mut stats)?;
        app_answer(&app, &mut app_bufs)?;
        server.pump(&mut server_bufs, &mut stats)?;

        let mut msgs: Vec<RecvMsg<'_>> = client_bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
        match client.recv_mmsg(&mut msgs) {
            Ok(n) => {
                for m in &msgs[..n] {
                    let mut want = payload(answered, args.size);
                    want.reverse();
                    assert_eq!(m.data(), &want[..], "answer {answered} intact and in order");
                    assert_eq!(m.peer, server_addr, "answer comes from the server");
                    answered += 1;
                }
            }
            Err(e) if e.is_non_fatal() => {
                if next_send == args.count || next_send - answered >= 4 * batch {
                    wait(&client, true)?;
                }
            }
            Err(e) => return Err(e),
        }
    }
    let elapsed = started.elapsed();
    let bytes = 2 * args.count * args.size;
    println!(
        "{} datagrams of {} bytes relayed UDP -> pair -> application -> pair -> UDP and checked",
        args.count, args.size
    );
    println!(
        "client sendmmsg calls {}, server recvmmsg calls {}, server sendmmsg calls {}, relayed {}",
        client_send_calls, stats.recv_calls, stats.send_calls, stats.relayed
    );
    println!(
        "{:.1} ms, {:.0} round trips/s, {:.1} MB/s over the wire both ways",
        elapsed.as_secs_f64() * 1e3,
        args.count as f64 / elapsed.as_secs_f64(),
        bytes as f64 / elapsed.as_secs_f64() / 1e6
    );
    println!("every answer came from {server_addr} and matched its request");
    Ok(())
}
