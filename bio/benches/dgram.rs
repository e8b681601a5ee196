//! Datagram BIO throughput: UDP on loopback one system call per datagram against batches of 32
//! through sendmmsg/recvmmsg, and the in-memory datagram pair.
//!
//! Run with `cargo bench -p qssl-bio`; each figure is in datagrams per second (elements/s).

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qssl_bio::{Batching, DatagramBio, RecvMsg, SendMsg, UdpBio, new_dgram_pair};

const BATCH: usize = 32;
const PAYLOAD: usize = 1200;

fn udp_pair(batching: Batching) -> (UdpBio, UdpBio) {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let tx = UdpBio::bind(any).unwrap();
    let rx = UdpBio::bind(any).unwrap();
    rx.socket().set_recv_buffer_size(4 << 20).unwrap();
    tx.set_batching(batching);
    rx.set_batching(batching);
    (tx, rx)
}

/// Sends `BATCH` datagrams and receives them all, in calls of `per_call` messages.
fn round(tx: &UdpBio, rx: &UdpBio, per_call: usize, bufs: &mut [[u8; 1500]], data: &[u8]) {
    let dest = rx.local_addr();
    let msgs = [SendMsg::new(data).to(dest); BATCH];
    let mut sent = 0;
    while sent < BATCH {
        let end = (sent + per_call).min(BATCH);
        sent += tx.send_mmsg(&msgs[sent..end]).expect("send");
    }
    let mut got = 0;
    while got < BATCH {
        let want = per_call.min(BATCH - got);
        let mut recv: Vec<RecvMsg<'_>> = bufs[..want].iter_mut().map(|b| RecvMsg::new(b)).collect();
        match rx.recv_mmsg(&mut recv) {
            Ok(n) => got += n,
            Err(e) if e.is_non_fatal() => std::hint::spin_loop(),
            Err(e) => panic!("receive failed: {e}"),
        }
    }
    black_box(&bufs[0]);
}

fn udp_loopback(c: &mut Criterion) {
    let mut g = c.benchmark_group("udp_loopback_1200B");
    g.throughput(Throughput::Elements(BATCH as u64));
    let data = vec![0x5a; PAYLOAD];
    let mut bufs = vec![[0u8; 1500]; BATCH];

    let (tx, rx) = udp_pair(Batching::PerDatagram);
    g.bench_function("per_datagram_sendmsg_recvmsg", |b| {
        b.iter(|| round(&tx, &rx, 1, &mut bufs, &data))
    });

    let (tx, rx) = udp_pair(Batching::Mmsg);
    g.bench_function("sendmmsg_recvmmsg_batch_32", |b| {
        b.iter(|| round(&tx, &rx, BATCH, &mut bufs, &data))
    });
    g.finish();
}

fn dgram_pair(c: &mut Criterion) {
    let mut g = c.benchmark_group("dgram_pair_1200B");
    g.throughput(Throughput::Elements(BATCH as u64));
    let (a, b) = new_dgram_pair(1 << 20, 0);
    let data = vec![0x5a; PAYLOAD];
    let mut bufs = vec![[0u8; 1500]; BATCH];
    g.bench_function("batch_32", |bench| {
        bench.iter(|| {
            let msgs = [SendMsg::new(&data); BATCH];
            assert_eq!(a.send_mmsg(&msgs).unwrap(), BATCH);
            let mut recv: Vec<RecvMsg<'_>> = bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
            assert_eq!(b.recv_mmsg(&mut recv).unwrap(), BATCH);
            black_box(recv[0].len);
        })
    });
    g.bench_function("one_at_a_time", |bench| {
        bench.iter(|| {
            for _ in 0..BATCH {
                a.write(&data).unwrap();
            }
            for buf in bufs.iter_mut() {
                black_box(b.read(buf).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, udp_loopback, dgram_pair);
criterion_main!(benches);
