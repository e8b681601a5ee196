//! The UDP socket BIO over real sockets on 127.0.0.1 and ::1.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::IntoRawFd;
use std::time::{Duration, Instant};

use qssl_bio::poll::{self, PollItem};
use qssl_bio::{
    Batching, BioAddr, BioError, DatagramBio, PollDescriptor, RecvMsg, SendMsg, UdpBio,
};

const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

fn bind(ip: IpAddr) -> UdpBio {
    UdpBio::bind(SocketAddr::new(ip, 0)).expect("bind loopback")
}

fn addr(bio: &UdpBio) -> BioAddr {
    bio.local_addr()
}

/// Receives until `want` datagrams arrived or a second passed, waiting through poll.
fn recv_all(bio: &UdpBio, want: usize, bufs: &mut [[u8; 1500]]) -> Vec<(Vec<u8>, BioAddr)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        let mut msgs: Vec<RecvMsg<'_>> = bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
        match bio.recv_mmsg(&mut msgs) {
            Ok(n) => {
                assert!(n > 0, "a successful receive fills at least one message");
                got.extend(msgs[..n].iter().map(|m| (m.data().to_vec(), m.peer)));
            }
            Err(e) if e.is_non_fatal() => {
                let mut item = [PollItem::readable(bio.rpoll_descriptor())];
                poll::wait(&mut item, Some(Duration::from_millis(100))).unwrap();
            }
            Err(e) => panic!("receive failed: {e}"),
        }
    }
    got
}

fn batch_of_64_arrives_whole(ip: IpAddr, batching: Batching) {
    let tx = bind(ip);
    let rx = bind(ip);
    tx.set_batching(batching);
    rx.set_batching(batching);
    let payloads: Vec<Vec<u8>> = (0..64u8).map(|i| vec![i; 100 + usize::from(i)]).collect();
    let msgs: Vec<SendMsg<'_>> = payloads
        .iter()
        .map(|p| SendMsg::new(p).to(addr(&rx)))
        .collect();
    assert_eq!(
        tx.send_mmsg(&msgs).unwrap(),
        64,
        "one call sends the whole batch"
    );

    let mut bufs = vec![[0u8; 1500]; 64];
    let got = recv_all(&rx, 64, &mut bufs);
    assert_eq!(got.len(), 64);
    for (i, (data, peer)) in got.iter().enumerate() {
        assert_eq!(data, &payloads[i], "datagram {i} intact and in order");
        assert_eq!(*peer, addr(&tx), "peer address of datagram {i}");
    }
}

#[test]
fn sendmmsg_batch_of_64_v4() {
    batch_of_64_arrives_whole(V4, Batching::Mmsg);
}

#[test]
fn sendmmsg_batch_of_64_v6() {
    batch_of_64_arrives_whole(V6, Batching::Mmsg);
}

#[test]
fn per_datagram_fallback_batch_of_64() {
    batch_of_64_arrives_whole(V4, Batching::PerDatagram);
    batch_of_64_arrives_whole(V6, Batching::PerDatagram);
}

fn local_addresses_reported(ip: IpAddr, batching: Batching) {
    let tx = bind(ip);
    let rx = bind(ip);
    rx.set_batching(batching);
    assert!(rx.local_addr_cap());
    let mut buf = [0u8; 64];

    // Not enabled yet: asking for the destination address fails, typed.
    let mut msg = [RecvMsg::new(&mut buf).with_local()];
    assert_eq!(
        rx.recv_mmsg(&mut msg).unwrap_err(),
        BioError::LocalAddrNotAvailable
    );

    rx.set_local_addr_enable(true).unwrap();
    assert!(rx.local_addr_enabled());
    tx.send_mmsg(&[SendMsg::new(b"ping").to(addr(&rx))])
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut msg = [RecvMsg::new(&mut buf).with_local()];
    loop {
        match rx.recv_mmsg(&mut msg) {
            Ok(1) => break,
            Err(e) if e.is_non_fatal() && Instant::now() < deadline => {
                let mut item = [PollItem::readable(rx.rpoll_descriptor())];
                poll::wait(&mut item, Some(Duration::from_millis(50))).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(msg[0].data(), b"ping");
    assert_eq!(
        msg[0].local,
        Some(addr(&rx)),
        "destination address reported"
    );
    assert_eq!(msg[0].peer, addr(&tx));
}

#[test]
fn local_addresses_once_enabled_v4() {
    local_addresses_reported(V4, Batching::Mmsg);
    local_addresses_reported(V4, Batching::PerDatagram);
}

#[test]
fn local_addresses_once_enabled_v6() {
    local_addresses_reported(V6, Batching::Mmsg);
    local_addresses_reported(V6, Batching::PerDatagram);
}

#[test]
fn send_from_a_given_local_address() {
    for ip in [V4, V6] {
        let tx = bind(ip);
        let rx = bind(ip);
        let from = SendMsg::new(b"x")
            .to(addr(&rx))
            .from(BioAddr::from(SocketAddr::new(ip, 0)));
        assert_eq!(
            tx.send_mmsg(&[from]).unwrap_err(),
            BioError::LocalAddrNotAvailable,
            "source address needs local-address support enabled"
        );
        tx.set_local_addr_enable(true).unwrap();
        assert_eq!(tx.send_mmsg(&[from]).unwrap(), 1);
        // A source port other than the bound one cannot be honoured.
        let wrong_port = SendMsg::new(b"x")
            .to(addr(&rx))
            .from(BioAddr::from(SocketAddr::new(
                ip,
                addr(&tx).port().unwrap() ^ 1,
            )));
        assert_eq!(
            tx.send_mmsg(&[wrong_port]).unwrap_err(),
            BioError::LocalAddrNotAvailable
        );
        let mut bufs = vec![[0u8; 1500]; 4];
        let got = recv_all(&rx, 1, &mut bufs);
        assert_eq!(got[0], (b"x".to_vec(), addr(&tx)));
    }
}

#[test]
fn empty_nonblocking_socket_would_block() {
    for batching in [Batching::Mmsg, Batching::PerDatagram] {
        let rx = bind(V4);
        rx.set_batching(batching);
        assert!(!rx.is_blocking());
        let mut buf = [0u8; 16];
        let err = rx.recv_mmsg(&mut [RecvMsg::new(&mut buf)]).unwrap_err();
        assert_eq!(err, BioError::WouldBlock);
        assert!(err.is_non_fatal());
        assert_eq!(rx.read(&mut buf).unwrap_err(), BioError::WouldBlock);
    }
}

#[test]
fn poll_descriptor_wakes_a_real_poll() {
    let tx = bind(V4);
    let rx = bind(V4);
    let desc = rx.rpoll_descriptor();
    assert!(matches!(desc, PollDescriptor::SockFd(_)));
    assert_eq!(desc.type_code(), 1);

    // Nothing there: the wait times out with nothing ready.
    let mut item = [PollItem::readable(desc)];
    assert_eq!(
        poll::wait(&mut item, Some(Duration::from_millis(20))).unwrap(),
        0
    );
    assert!(!item[0].readable);

    // A datagram sent from another thread wakes a wait with no timeout.
    let target = addr(&rx);
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tx.send_mmsg(&[SendMsg::new(b"wake").to(target)]).unwrap();
    });
    let started = Instant::now();
    assert_eq!(poll::wait(&mut item, None).unwrap(), 1);
    assert!(item[0].readable);
    assert!(started.elapsed() < Duration::from_secs(5));
    sender.join().unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(rx.read(&mut buf).unwrap(), 4);

    // A UDP socket is writable at once.
    let mut w = [PollItem::writable(rx.wpoll_descriptor())];
    assert_eq!(poll::wait(&mut w, Some(Duration::ZERO)).unwrap(), 1);
}

#[test]
fn icmp_port_unreachable_is_non_fatal() {
    for ip in [V4, V6] {
        // Find a port with nothing listening: bind, note the port, close.
        let closed = UdpSocket::bind(SocketAddr::new(ip, 0))
            .unwrap()
            .local_addr()
            .unwrap();
        let bio = bind(ip);
        bio.connect(closed).unwrap();
        assert!(bio.is_connected());
        assert_eq!(bio.peer(), Some(BioAddr::from(closed)));
        bio.send_mmsg(&[SendMsg::new(b"anyone?")]).unwrap();

        // The ICMP error comes back on a later call; wait for it.
        let deadline = Instant::now() + Duration::from_secs(5);
        let err = loop {
            let mut buf = [0u8; 16];
            match bio.recv_mmsg(&mut [RecvMsg::new(&mut buf)]) {
                Err(BioError::WouldBlock) if Instant::now() < deadline => {
                    let mut item = [PollItem::readable(bio.rpoll_descriptor())];
                    poll::wait(&mut item, Some(Duration::from_millis(50))).unwrap();
                }
                Err(e) => break e,
                Ok(n) => panic!("received {n} datagrams from a closed port"),
            }
        };
        assert_eq!(err, BioError::Os(libc::ECONNREFUSED));
        assert!(
            err.is_non_fatal(),
            "ICMP port unreachable must not be fatal"
        );
        assert_eq!(err.lib(), qssl_bio::error::ERR_LIB_SYS);
    }
}

#[test]
fn connected_socket_sends_without_addresses_and_reports_peer() {
    let a = bind(V4);
    let b = bind(V4);
    a.connect(addr(&b).socket_addr().unwrap()).unwrap();
    assert_eq!(a.write(b"hello").unwrap(), 5);
    let mut bufs = vec![[0u8; 1500]; 2];
    let got = recv_all(&b, 1, &mut bufs);
    assert_eq!(got[0], (b"hello".to_vec(), addr(&a)));
    // The path MTU of a connected loopback socket is known to the system.
    let mtu = a.query_mtu().unwrap();
    assert!(mtu > 1200, "loopback MTU {mtu}");
    assert_eq!(a.mtu(), mtu);
}

#[test]
fn read_on_unconnected_socket_records_the_sender() {
    let a = bind(V4);
    let b = bind(V4);
    assert_eq!(b.peer(), None);
    a.send_mmsg(&[SendMsg::new(b"who").to(addr(&b))]).unwrap();
    let mut item = [PollItem::readable(b.rpoll_descriptor())];
    poll::wait(&mut item, Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(b.read(&mut buf).unwrap(), 3);
    assert_eq!(b.peer(), Some(addr(&a)));
    // A plain write now answers the sender.
    assert_eq!(b.write(b"me").unwrap(), 2);
    let mut bufs = vec![[0u8; 1500]; 1];
    assert_eq!(recv_all(&a, 1, &mut bufs)[0].0, b"me");
}

#[test]
fn batched_calls_leave_the_stored_peer_alone() {
    let a = bind(V4);
    let b = bind(V4);
    let c = bind(V4);
    b.set_peer(addr(&c)).unwrap();
    a.send_mmsg(&[SendMsg::new(b"1").to(addr(&b))]).unwrap();
    let mut bufs = vec![[0u8; 1500]; 1];
    assert_eq!(recv_all(&b, 1, &mut bufs)[0].1, addr(&a));
    assert_eq!(b.peer(), Some(addr(&c)), "recv_mmsg is stateless");
}

#[test]
fn ipv4_peer_on_dual_stack_socket_is_mapped() {
    let v6 = UdpBio::bind("[::]:0".parse().unwrap()).unwrap();
    let v4 = bind(V4);
    let port = addr(&v6).port().unwrap();
    v4.send_mmsg(&[SendMsg::new(b"to v6").to(BioAddr::from(SocketAddr::new(V4, port)))])
        .unwrap();
    let mut bufs = vec![[0u8; 1500]; 1];
    let got = recv_all(&v6, 1, &mut bufs);
    assert_eq!(got[0].0, b"to v6");
    // Reply using the plain IPv4 address: the BIO maps it for the IPv6 socket.
    v6.send_mmsg(&[SendMsg::new(b"back").to(addr(&v4))])
        .unwrap();
    assert_eq!(recv_all(&v4, 1, &mut bufs)[0].0, b"back");
}

#[test]
fn bad_input_gets_typed_errors() {
    let v4 = bind(V4);
    let v6 = bind(V6);

    // Oversize datagram.
    let huge = vec![0u8; 70_000];
    assert!(matches!(
        v4.send_mmsg(&[SendMsg::new(&huge).to(addr(&v6))]),
        Err(BioError::DatagramTooLarge {
            len: 70_000,
            max: 65_507
        })
    ));

    // No peer on an unconnected socket.
    assert_eq!(
        v4.send_mmsg(&[SendMsg::new(b"x")]).unwrap_err(),
        BioError::NoPeerAddr
    );
    assert_eq!(v4.write(b"x").unwrap_err(), BioError::NoPeerAddr);

    // Wrong families: IPv6 peer from an IPv4 socket, Unix path, unspecified.
    for bad in [
        addr(&v6),
        BioAddr::unix(b"/tmp/x").unwrap(),
        BioAddr::Unspec,
    ] {
        assert_eq!(
            v4.send_mmsg(&[SendMsg::new(b"x").to(bad)]).unwrap_err(),
            BioError::AddrFamilyMismatch,
            "peer {bad:?}"
        );
        assert_eq!(v4.set_peer(bad).unwrap_err(), BioError::AddrFamilyMismatch);
    }

    // Unknown per-message flags.
    let mut flagged = SendMsg::new(b"x").to(addr(&v6));
    flagged.flags = 1;
    assert!(matches!(
        v6.send_mmsg(&[flagged]),
        Err(BioError::InvalidArgument(_))
    ));

    // A bad message after good ones ends the batch early; the good ones are sent.
    let good = SendMsg::new(b"ok").to(addr(&v6));
    let batch = [good, good, SendMsg::new(b"bad").to(BioAddr::Unspec), good];
    assert_eq!(v6.send_mmsg(&batch[..1]).unwrap(), 1);
    let v4b = bind(V4);
    let to_v4 = SendMsg::new(b"ok").to(addr(&v4b));
    let batch = [
        to_v4,
        to_v4,
        SendMsg::new(b"bad").to(BioAddr::Unspec),
        to_v4,
    ];
    assert_eq!(v4.send_mmsg(&batch).unwrap(), 2);

    // Nothing here is fatal to the BIO: it still works.
    assert_eq!(v4.send_mmsg(&[to_v4]).unwrap(), 1);
    let mut bufs = vec![[0u8; 1500]; 4];
    assert_eq!(recv_all(&v4b, 3, &mut bufs).len(), 3);
    assert_eq!(v4.send_mmsg(&[]).unwrap(), 0);
}

#[test]
fn truncated_receive_fills_the_buffer() {
    let a = bind(V4);
    let b = bind(V4);
    a.send_mmsg(&[SendMsg::new(&[9u8; 100]).to(addr(&b))])
        .unwrap();
    let mut item = [PollItem::readable(b.rpoll_descriptor())];
    poll::wait(&mut item, Some(Duration::from_secs(5))).unwrap();
    let mut small = [0u8; 10];
    let mut msg = [RecvMsg::new(&mut small)];
    msg[0].flags = u64::MAX;
    assert_eq!(b.recv_mmsg(&mut msg).unwrap(), 1);
    assert_eq!(msg[0].len, 10);
    assert_eq!(msg[0].flags, 0, "output flags are written");
}

#[test]
fn zero_length_datagrams_travel() {
    let a = bind(V4);
    let b = bind(V4);
    a.send_mmsg(&[SendMsg::new(b"").to(addr(&b))]).unwrap();
    let mut bufs = vec![[0u8; 1500]; 1];
    let got = recv_all(&b, 1, &mut bufs);
    assert_eq!(got[0], (Vec::new(), addr(&a)));
}

#[test]
fn raw_fd_ownership_and_blocking_mode() {
    let std_sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let local = std_sock.local_addr().unwrap();
    let fd = std_sock.into_raw_fd();
    {
        // SAFETY: fd is an open UDP socket that outlives the BIO (BIO_NOCLOSE).
        let bio = unsafe { UdpBio::from_raw_fd(fd, false) }.unwrap();
        assert_eq!(bio.local_addr(), BioAddr::from(local));
        assert!(bio.is_blocking());
        bio.set_nonblocking(true).unwrap();
        assert!(!bio.is_blocking());
    }
    // The BIO left the descriptor open: it can be wrapped again, this time owning it.
    // SAFETY: fd is still open, and ownership passes to the BIO (BIO_CLOSE).
    let bio = unsafe { UdpBio::from_raw_fd(fd, true) }.unwrap();
    assert_eq!(bio.local_addr(), BioAddr::from(local));
    drop(bio);
    // SAFETY: querying a descriptor number is harmless whether or not it is open.
    let r = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    assert_eq!(r, -1, "an owning BIO closes its descriptor");
}

#[test]
fn blocking_receive_returns_once_one_datagram_is_in() {
    for batching in [Batching::Mmsg, Batching::PerDatagram] {
        let a = bind(V4);
        let b = bind(V4);
        b.set_batching(batching);
        b.set_nonblocking(false).unwrap();
        let target = addr(&b);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            a.send_mmsg(&[SendMsg::new(b"only one").to(target)])
                .unwrap();
        });
        let mut bufs = vec![[0u8; 64]; 8];
        let mut msgs: Vec<RecvMsg<'_>> = bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
        assert_eq!(b.recv_mmsg(&mut msgs).unwrap(), 1);
        assert_eq!(msgs[0].data(), b"only one");
        sender.join().unwrap();
    }
}

#[test]
fn concurrent_senders_and_receivers_share_one_bio() {
    let rx = std::sync::Arc::new(bind(V4));
    let tx = std::sync::Arc::new(bind(V4));
    let target = addr(&rx);
    let per_thread = 200;
    let senders: Vec<_> = (0..4u8)
        .map(|t| {
            let tx = std::sync::Arc::clone(&tx);
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let payload = [t, (i % 256) as u8];
                    loop {
                        match tx.send_mmsg(&[SendMsg::new(&payload).to(target)]) {
                            Ok(1) => break,
                            Err(e) if e.is_non_fatal() => std::thread::yield_now(),
                            other => panic!("{other:?}"),
                        }
                    }
                    if i % 32 == 0 {
                        // Let the receivers keep up so the socket buffer never overflows.
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            })
        })
        .collect();
    let counts: Vec<_> = (0..2)
        .map(|_| {
            let rx = std::sync::Arc::clone(&rx);
            std::thread::spawn(move || {
                let mut counts = [0usize; 4];
                let deadline = Instant::now() + Duration::from_millis(1500);
                let mut bufs = vec![[0u8; 1500]; 16];
                while Instant::now() < deadline {
                    let mut msgs: Vec<RecvMsg<'_>> =
                        bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
                    match rx.recv_mmsg(&mut msgs) {
                        Ok(n) => msgs[..n]
                            .iter()
                            .for_each(|m| counts[usize::from(m.buf[0])] += 1),
                        Err(e) if e.is_non_fatal() => {
                            let mut item = [PollItem::readable(rx.rpoll_descriptor())];
                            poll::wait(&mut item, Some(Duration::from_millis(10))).unwrap();
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
                counts
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    let mut total = [0usize; 4];
    for c in counts {
        for (t, n) in c.join().unwrap().iter().enumerate() {
            total[t] += n;
        }
    }
    assert_eq!(
        total, [per_thread; 4],
        "every datagram received exactly once"
    );
}

#[test]
fn raw_fd_rejections_leave_the_descriptor_open() {
    // SAFETY: -1 is never a valid descriptor; the constructor must refuse it.
    let refused = unsafe { UdpBio::from_raw_fd(-1, true) };
    assert_eq!(refused.unwrap_err(), BioError::Os(libc::EBADF));
    // A TCP socket is not a datagram socket: refused, and not closed even with BIO_CLOSE.
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let fd = tcp.into_raw_fd();
    // SAFETY: fd is an open socket; the BIO refuses it without taking ownership.
    let err = unsafe { UdpBio::from_raw_fd(fd, true) }.unwrap_err();
    assert!(matches!(err, BioError::InvalidArgument(_)));
    // SAFETY: querying a descriptor's flags has no effect on it.
    assert_ne!(unsafe { libc::fcntl(fd, libc::F_GETFD) }, -1, "still open");
    // SAFETY: fd is open and owned by this test.
    unsafe { libc::close(fd) };
}

#[test]
fn set_peer_on_connected_socket_keeps_the_connection() {
    let a = bind(V4);
    let b = bind(V4);
    let c = bind(V4);
    a.connect(addr(&b).socket_addr().unwrap()).unwrap();
    a.set_peer(addr(&c)).unwrap();
    assert_eq!(a.peer(), Some(addr(&c)));
    a.write(b"still to b").unwrap();
    let mut bufs = vec![[0u8; 1500]; 1];
    assert_eq!(recv_all(&b, 1, &mut bufs)[0].0, b"still to b");
}

#[test]
fn unbound_socket_learns_its_port_after_first_send() {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    let bio = UdpBio::from_socket(UdpSocket::from(std::os::fd::OwnedFd::from(sock))).unwrap();
    assert_eq!(bio.local_addr().port(), Some(0));
    let rx = bind(V4);
    bio.send_mmsg(&[SendMsg::new(b"x").to(addr(&rx))]).unwrap();
    let port = bio.local_addr().port().unwrap();
    assert_ne!(port, 0, "the system bound the socket on first send");
    let mut bufs = vec![[0u8; 1500]; 1];
    assert_eq!(recv_all(&rx, 1, &mut bufs)[0].1.port(), Some(port));
}

#[test]
fn notifier_wakes_a_waiting_thread_and_drains() {
    let notifier = std::sync::Arc::new(poll::Notifier::new().unwrap());
    let mut item = [PollItem::readable(notifier.descriptor())];
    // Nothing pending: a short wait times out.
    assert_eq!(
        poll::wait(&mut item, Some(Duration::from_millis(20))).unwrap(),
        0
    );
    let waker = {
        let n = notifier.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            n.notify();
            n.notify();
        })
    };
    let start = Instant::now();
    assert_eq!(
        poll::wait(&mut item, Some(Duration::from_secs(10))).unwrap(),
        1
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    waker.join().unwrap();
    // Draining consumes every pending wake-up.
    notifier.drain();
    assert_eq!(poll::wait(&mut item, Some(Duration::ZERO)).unwrap(), 0);
}

/// `n` datagrams' worth of distinct bytes: `seg`-byte segments, the last `last` bytes long.
fn segmented_payload(n: usize, seg: usize, last: usize) -> Vec<u8> {
    let len = (n - 1) * seg + last;
    (0..len).map(|i| (i / seg * 7 + i % 251) as u8).collect()
}

/// Receives up to `want` datagrams into 64 KiB buffers, keeping each buffer's reported segment
/// size.
fn recv_coalesced(bio: &UdpBio, want: usize) -> Vec<(Vec<u8>, Option<usize>)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut bufs = vec![vec![0u8; 65_536]; 4];
    let mut got = Vec::new();
    let mut datagrams = 0;
    while datagrams < want && Instant::now() < deadline {
        let mut msgs: Vec<RecvMsg<'_>> = bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
        match bio.recv_mmsg(&mut msgs) {
            Ok(n) => {
                for m in &msgs[..n] {
                    datagrams += m.segments().count();
                    got.push((m.data().to_vec(), m.segment_size));
                }
            }
            Err(e) if e.is_non_fatal() => {
                let mut item = [PollItem::readable(bio.rpoll_descriptor())];
                poll::wait(&mut item, Some(Duration::from_millis(100))).unwrap();
            }
            Err(e) => panic!("receive failed: {e}"),
        }
    }
    got
}

/// Checks that `got` are the ten segments of `payload`, one datagram each.
fn assert_segments(got: &[(Vec<u8>, BioAddr)], payload: &[u8], seg: usize) {
    let want: Vec<&[u8]> = payload.chunks(seg).collect();
    assert_eq!(got.len(), want.len(), "one datagram per segment");
    for (i, ((data, _), w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(data.len(), w.len(), "size of datagram {i}");
        assert_eq!(data.as_slice(), *w, "contents of datagram {i}");
    }
}

#[test]
fn gso_send_arrives_as_separate_datagrams() {
    for ip in [V4, V6] {
        let tx = bind(ip);
        let rx = bind(ip);
        if tx.gso_max_segments() == 1 {
            eprintln!("no UDP_SEGMENT on this system: only the split path is tested");
        }
        let payload = segmented_payload(10, 1200, 345);
        let msg = SendMsg::new(&payload).segment_size(1200).to(addr(&rx));
        assert_eq!(
            tx.send_mmsg(&[msg]).unwrap(),
            1,
            "one message, ten datagrams"
        );
        let mut bufs = vec![[0u8; 1500]; 16];
        let got = recv_all(&rx, 10, &mut bufs);
        assert_segments(&got, &payload, 1200);
        assert!(got.iter().all(|(_, peer)| *peer == addr(&tx)));
    }
}

#[test]
fn gso_batch_mixes_segmented_and_single_messages() {
    let tx = bind(V4);
    let rx = bind(V4);
    let a = segmented_payload(3, 500, 500);
    let b = vec![9u8; 77];
    let c = segmented_payload(64, 100, 1);
    let msgs = [
        SendMsg::new(&a).segment_size(500).to(addr(&rx)),
        SendMsg::new(&b).to(addr(&rx)),
        // A segment size at least the payload's length is one datagram.
        SendMsg::new(&b).segment_size(77).to(addr(&rx)),
        SendMsg::new(&c).segment_size(100).to(addr(&rx)),
    ];
    assert_eq!(tx.send_mmsg(&msgs).unwrap(), 4);
    let mut bufs = vec![[0u8; 1500]; 64];
    let got = recv_all(&rx, 3 + 1 + 1 + 64, &mut bufs);
    let mut want: Vec<&[u8]> = a.chunks(500).collect();
    want.push(&b);
    want.push(&b);
    want.extend(c.chunks(100));
    let got: Vec<&[u8]> = got.iter().map(|(d, _)| d.as_slice()).collect();
    assert_eq!(got, want);
}

#[test]
fn gro_receiver_gets_the_batch_coalesced() {
    for ip in [V4, V6] {
        let tx = bind(ip);
        let rx = bind(ip);
        if tx.gso_max_segments() == 1 || rx.set_gro(true).is_err() {
            eprintln!("no UDP_SEGMENT or UDP_GRO on this system: skipped");
            return;
        }
        assert!(rx.gro_enabled());
        let payload = segmented_payload(10, 1200, 345);
        let msg = SendMsg::new(&payload).segment_size(1200).to(addr(&rx));
        assert_eq!(tx.send_mmsg(&[msg]).unwrap(), 1);
        let got = recv_coalesced(&rx, 10);
        // Loopback hands the segmented buffer over whole to a receiver with GRO on.
        assert_eq!(got.len(), 1, "one coalesced buffer");
        let (data, seg) = &got[0];
        assert_eq!(*seg, Some(1200), "segment size reported");
        assert_eq!(data, &payload);
        let mut bufs = [0u8; 65_536];
        bufs[..data.len()].copy_from_slice(data);
        let mut msg = RecvMsg::new(&mut bufs);
        msg.len = data.len();
        msg.segment_size = *seg;
        let split: Vec<&[u8]> = msg.segments().collect();
        assert_eq!(split, payload.chunks(1200).collect::<Vec<_>>());
        assert_eq!(split.last().map(|s| s.len()), Some(345));

        // A single datagram is not reported as coalesced.
        tx.send_mmsg(&[SendMsg::new(b"one").to(addr(&rx))]).unwrap();
        let got = recv_coalesced(&rx, 1);
        assert_eq!(got, vec![(b"one".to_vec(), None)]);

        rx.set_gro(false).unwrap();
        assert!(!rx.gro_enabled());
    }
}

#[test]
fn gso_forced_off_sends_the_segments_one_by_one() {
    for batching in [Batching::Mmsg, Batching::PerDatagram] {
        let tx = bind(V4);
        let rx = bind(V4);
        tx.set_batching(batching);
        tx.set_gso(false).unwrap();
        assert_eq!(tx.gso_max_segments(), 1);
        let payload = segmented_payload(10, 1200, 345);
        let single = vec![3u8; 50];
        let msgs = [
            SendMsg::new(&payload).segment_size(1200).to(addr(&rx)),
            SendMsg::new(&single).to(addr(&rx)),
        ];
        assert_eq!(tx.send_mmsg(&msgs).unwrap(), 2);
        let mut bufs = vec![[0u8; 1500]; 16];
        let mut got = recv_all(&rx, 11, &mut bufs);
        assert_eq!(got.pop().map(|(d, _)| d), Some(single));
        assert_segments(&got, &payload, 1200);
        // Back on where the system has it.
        if tx.set_gso(true).is_ok() {
            assert_eq!(tx.gso_max_segments(), qssl_bio::MAX_SEGMENTS);
        }
    }
}

#[test]
fn gso_batches_beyond_64_headers_are_cut_between_messages() {
    // Without offload every segment takes a message header: a batch of two 40-segment messages
    // sends the first, and the caller sends the second next.
    let tx = bind(V4);
    let rx = bind(V4);
    tx.set_gso(false).unwrap();
    let payload = segmented_payload(40, 100, 100);
    let msgs = [
        SendMsg::new(&payload).segment_size(100).to(addr(&rx)),
        SendMsg::new(&payload).segment_size(100).to(addr(&rx)),
    ];
    assert_eq!(tx.send_mmsg(&msgs).unwrap(), 1);
    assert_eq!(tx.send_mmsg(&msgs[1..]).unwrap(), 1);
    let mut bufs = vec![[0u8; 1500]; 64];
    let got = recv_all(&rx, 80, &mut bufs);
    assert_eq!(got.len(), 80);
}

#[test]
fn bad_segment_sizes_get_typed_errors() {
    let tx = bind(V4);
    let rx = bind(V4);
    let data = vec![0u8; 6500];
    for bio_gso in [true, false] {
        if tx.set_gso(bio_gso).is_err() {
            continue;
        }
        let zero = SendMsg::new(&data).segment_size(0).to(addr(&rx));
        assert!(matches!(
            tx.send_mmsg(&[zero]),
            Err(BioError::InvalidArgument(_))
        ));
        let too_many = SendMsg::new(&data).segment_size(100).to(addr(&rx));
        assert!(matches!(
            tx.send_mmsg(&[too_many]),
            Err(BioError::InvalidArgument(_))
        ));
        let huge = vec![0u8; 70_000];
        let too_large = SendMsg::new(&huge).segment_size(1200).to(addr(&rx));
        assert!(matches!(
            tx.send_mmsg(&[too_large]),
            Err(BioError::DatagramTooLarge { .. })
        ));
        // A bad message after a good one cuts the batch.
        let ok = SendMsg::new(&data[..10]).to(addr(&rx));
        assert_eq!(tx.send_mmsg(&[ok, zero]).unwrap(), 1);
    }
}

#[test]
fn gro_is_a_no_op_to_turn_off_and_reported_off_by_default() {
    let bio = bind(V4);
    assert!(!bio.gro_enabled());
    bio.set_gro(false).unwrap();
    assert!(!bio.gro_enabled());
}
