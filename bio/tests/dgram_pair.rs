//! The datagram pair and datagram memory BIOs: every rule, in both directions.

use std::net::SocketAddr;
use std::sync::Arc;

use qssl_bio::dgram::{DEFAULT_BUF_LEN, DEFAULT_MTU, MIN_BUF_LEN};
use qssl_bio::{
    BioAddr, BioError, DatagramBio, DgramCaps, DgramMem, DgramPairEnd, PollDescriptor, RecvMsg,
    SendMsg, new_dgram_pair,
};

fn sa(s: &str) -> BioAddr {
    s.parse::<SocketAddr>().unwrap().into()
}

fn ends(pair: &(DgramPairEnd, DgramPairEnd), forward: bool) -> (&DgramPairEnd, &DgramPairEnd) {
    if forward {
        (&pair.0, &pair.1)
    } else {
        (&pair.1, &pair.0)
    }
}

#[test]
fn boundaries_kept_both_directions() {
    let pair = new_dgram_pair(0, 0);
    for forward in [true, false] {
        let (w, r) = ends(&pair, forward);
        let dgrams: [&[u8]; 3] = [b"first", b"a much longer second datagram", b"3"];
        for d in dgrams {
            assert_eq!(w.write(d).unwrap(), d.len());
        }
        for d in dgrams {
            assert_eq!(r.pending(), d.len(), "pending is the next datagram's size");
            let mut buf = [0u8; 64];
            assert_eq!(r.read(&mut buf).unwrap(), d.len());
            assert_eq!(&buf[..d.len()], d);
        }
        assert_eq!(r.pending(), 0);
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap_err(), BioError::WouldBlock);
        assert!(BioError::WouldBlock.is_non_fatal());
    }
}

#[test]
fn batches_through_mmsg() {
    let (a, b) = new_dgram_pair(0, 0);
    let payloads: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; usize::from(i) * 10 + 1]).collect();
    let msgs: Vec<SendMsg<'_>> = payloads.iter().map(|p| SendMsg::new(p)).collect();
    assert_eq!(a.send_mmsg(&msgs).unwrap(), 8);
    let mut bufs = vec![[0u8; 128]; 10];
    let mut recv: Vec<RecvMsg<'_>> = bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
    assert_eq!(
        b.recv_mmsg(&mut recv).unwrap(),
        8,
        "stops at the last queued datagram"
    );
    for (m, p) in recv.iter().zip(&payloads) {
        assert_eq!(m.data(), &p[..]);
        assert_eq!(m.peer, BioAddr::Unspec, "no source address was attached");
    }
    assert_eq!(a.send_mmsg(&[]).unwrap(), 0);
}

#[test]
fn full_buffer_would_block_until_drained() {
    let pair = new_dgram_pair(MIN_BUF_LEN, MIN_BUF_LEN);
    for forward in [true, false] {
        let (w, r) = ends(&pair, forward);
        let d = [7u8; 200];
        let mut sent = 0;
        let err = loop {
            match w.write(&d) {
                Ok(n) => {
                    assert_eq!(n, 200, "all or nothing");
                    sent += 1;
                }
                Err(e) => break e,
            }
        };
        assert_eq!(err, BioError::WouldBlock);
        assert!(sent >= 3, "a 1 KiB buffer holds several 200-byte datagrams");
        // A batch on a full buffer sends nothing and says so.
        assert_eq!(
            w.send_mmsg(&[SendMsg::new(&d)]).unwrap_err(),
            BioError::WouldBlock
        );
        let mut buf = [0u8; 256];
        assert_eq!(r.read(&mut buf).unwrap(), 200);
        assert_eq!(w.write(&d).unwrap(), 200, "room again after one read");
        while r.read(&mut buf).is_ok() {}
    }
}

#[test]
fn batch_ends_early_when_the_buffer_fills() {
    let (a, b) = new_dgram_pair(MIN_BUF_LEN, 0);
    let d = [1u8; 300];
    let msgs = vec![SendMsg::new(&d); 10];
    let n = a.send_mmsg(&msgs).unwrap();
    assert!((1..10).contains(&n), "partial batch, got {n}");
    let mut bufs = vec![[0u8; 400]; 10];
    let mut recv: Vec<RecvMsg<'_>> = bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
    assert_eq!(b.recv_mmsg(&mut recv).unwrap(), n);
}

#[test]
fn oversize_datagram_is_a_typed_error() {
    let (a, b) = new_dgram_pair(MIN_BUF_LEN, 0);
    let huge = vec![0u8; 4 * MIN_BUF_LEN];
    assert!(matches!(
        a.write(&huge),
        Err(BioError::DatagramTooLarge { len, .. }) if len == huge.len()
    ));
    let mut flagged = SendMsg::new(b"x");
    flagged.flags = 0x80;
    assert!(matches!(
        a.send_mmsg(&[flagged]),
        Err(BioError::InvalidArgument(_))
    ));
    // The pair is unharmed.
    a.write(b"fine").unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(b.read(&mut buf).unwrap(), 4);
}

#[test]
fn zero_length_datagrams() {
    let (a, b) = new_dgram_pair(0, 0);
    // A plain zero-length write is a no-op, as in OpenSSL.
    assert_eq!(a.write(b"").unwrap(), 0);
    assert_eq!(b.pending(), 0);
    let mut buf = [0u8; 8];
    assert_eq!(b.read(&mut buf).unwrap_err(), BioError::WouldBlock);
    // Through the batched call an empty datagram is queued and received as one.
    assert_eq!(
        a.send_mmsg(&[SendMsg::new(b""), SendMsg::new(b"x")])
            .unwrap(),
        2
    );
    let mut b1 = [0u8; 8];
    let mut b2 = [0u8; 8];
    let mut recv = [RecvMsg::new(&mut b1), RecvMsg::new(&mut b2)];
    assert_eq!(b.recv_mmsg(&mut recv).unwrap(), 2);
    assert_eq!(recv[0].len, 0);
    assert_eq!(recv[1].data(), b"x");
}

#[test]
fn truncation_and_no_truncation() {
    let pair = new_dgram_pair(0, 0);
    for forward in [true, false] {
        let (w, r) = ends(&pair, forward);
        assert!(!r.no_trunc(), "truncation is the default");
        w.write(b"0123456789").unwrap();
        w.write(b"next").unwrap();
        let mut small = [0u8; 4];
        assert_eq!(r.read(&mut small).unwrap(), 4);
        assert_eq!(&small, b"0123");
        assert_eq!(
            r.read(&mut small).unwrap(),
            4,
            "the truncated tail was discarded"
        );
        assert_eq!(&small, b"next");

        r.set_no_trunc(true).unwrap();
        assert!(r.no_trunc());
        w.write(b"0123456789").unwrap();
        assert_eq!(
            r.read(&mut small).unwrap_err(),
            BioError::WouldTruncate { len: 10, buf: 4 }
        );
        assert!(!BioError::WouldTruncate { len: 10, buf: 4 }.is_non_fatal());
        assert_eq!(r.pending(), 10, "the datagram stays queued");
        let mut big = [0u8; 16];
        assert_eq!(r.read(&mut big).unwrap(), 10);
        r.set_no_trunc(false).unwrap();
    }
}

#[test]
fn mtu_set_on_one_end_is_seen_by_the_other() {
    let (a, b) = new_dgram_pair(0, 0);
    assert_eq!(a.mtu(), DEFAULT_MTU);
    assert_eq!(b.mtu(), DEFAULT_MTU);
    a.set_mtu(1350).unwrap();
    assert_eq!(b.mtu(), 1350);
    b.set_mtu(1200).unwrap();
    assert_eq!(a.mtu(), 1200);
    assert_eq!(a.query_mtu().unwrap(), 1200);
}

#[test]
fn write_guarantee_is_zero_below_one_mtu() {
    let (a, b) = new_dgram_pair(0, 0);
    assert_eq!(a.write_buf_size(), DEFAULT_BUF_LEN);
    let g = a.write_guarantee();
    assert!(
        g >= DEFAULT_MTU,
        "empty buffer guarantees at least an MTU, got {g}"
    );
    let d = vec![0u8; DEFAULT_MTU];
    while a.write_guarantee() > 0 {
        a.write(&d).unwrap();
    }
    // Less than an MTU of room: the guarantee says so, even if a small write still fits.
    assert_eq!(a.write_guarantee(), 0);
    let mut buf = vec![0u8; DEFAULT_MTU];
    b.read(&mut buf).unwrap();
    assert!(a.write_guarantee() >= DEFAULT_MTU);
}

#[test]
fn caps_negotiation() {
    let (a, b) = new_dgram_pair(0, 0);
    assert_eq!(a.effective_caps(), DgramCaps::empty());
    a.set_caps(DgramCaps::HANDLES_DST_ADDR | DgramCaps::PROVIDES_SRC_ADDR)
        .unwrap();
    assert_eq!(
        a.caps(),
        DgramCaps::HANDLES_DST_ADDR | DgramCaps::PROVIDES_SRC_ADDR
    );
    assert_eq!(
        b.effective_caps(),
        a.caps(),
        "one side's caps are the other's effective caps"
    );
    assert_eq!(a.effective_caps(), DgramCaps::empty());
    b.set_caps(DgramCaps::all()).unwrap();
    assert_eq!(a.effective_caps(), DgramCaps::all());
    assert_eq!(DgramCaps::all().bits(), 0xF);
}

#[test]
fn destination_addresses_need_the_reader_to_handle_them() {
    let (a, b) = new_dgram_pair(0, 0);
    let dst = sa("192.0.2.1:443");
    // b has not declared HANDLES_DST_ADDR: a cannot name a destination.
    assert_eq!(
        a.send_mmsg(&[SendMsg::new(b"x").to(dst)]).unwrap_err(),
        BioError::PeerAddrNotAvailable
    );
    b.set_caps(DgramCaps::HANDLES_DST_ADDR).unwrap();
    a.send_mmsg(&[SendMsg::new(b"x").to(dst)]).unwrap();
    // And the other way round, independently.
    assert_eq!(
        b.send_mmsg(&[SendMsg::new(b"y").to(dst)]).unwrap_err(),
        BioError::PeerAddrNotAvailable
    );
    // The destination is delivered as the reader's local address once it enables them.
    let mut buf = [0u8; 8];
    let mut msg = [RecvMsg::new(&mut buf).with_local()];
    assert_eq!(
        b.recv_mmsg(&mut msg).unwrap_err(),
        BioError::LocalAddrNotAvailable
    );
    a.set_caps(DgramCaps::HANDLES_SRC_ADDR | DgramCaps::PROVIDES_DST_ADDR)
        .unwrap();
    assert!(b.local_addr_cap());
    b.set_local_addr_enable(true).unwrap();
    let mut msg = [RecvMsg::new(&mut buf).with_local()];
    assert_eq!(b.recv_mmsg(&mut msg).unwrap(), 1);
    assert_eq!(msg[0].local, Some(dst));
    assert_eq!(msg[0].peer, BioAddr::Unspec);
}

#[test]
fn local_addresses_need_the_peer_caps_and_enablement() {
    let pair = new_dgram_pair(0, 0);
    for forward in [true, false] {
        let (w, r) = ends(&pair, forward);
        let src = sa("[2001:db8::1]:4433");
        assert!(!w.local_addr_cap());
        assert_eq!(
            w.set_local_addr_enable(true).unwrap_err(),
            BioError::LocalAddrNotAvailable
        );
        assert_eq!(
            w.send_mmsg(&[SendMsg::new(b"x").from(src)]).unwrap_err(),
            BioError::LocalAddrNotAvailable
        );
        // Only HANDLES_SRC_ADDR is not enough: PROVIDES_DST_ADDR is needed too.
        r.set_caps(DgramCaps::HANDLES_SRC_ADDR).unwrap();
        assert!(!w.local_addr_cap());
        r.set_caps(DgramCaps::HANDLES_SRC_ADDR | DgramCaps::PROVIDES_DST_ADDR)
            .unwrap();
        assert!(w.local_addr_cap());
        w.set_local_addr_enable(true).unwrap();
        assert!(w.local_addr_enabled());
        w.send_mmsg(&[SendMsg::new(b"x").from(src)]).unwrap();
        let mut buf = [0u8; 8];
        let mut msg = [RecvMsg::new(&mut buf)];
        assert_eq!(r.recv_mmsg(&mut msg).unwrap(), 1);
        assert_eq!(msg[0].peer, src, "the writer's source is the reader's peer");
        w.set_local_addr_enable(false).unwrap();
        r.set_caps(DgramCaps::empty()).unwrap();
    }
}

#[test]
fn end_local_address_is_the_default_source() {
    let (a, b) = new_dgram_pair(0, 0);
    let mine = sa("127.0.0.1:9000");
    a.set_local_addr(Some(mine)).unwrap();
    a.write(b"hi").unwrap();
    let mut buf = [0u8; 8];
    let mut msg = [RecvMsg::new(&mut buf)];
    b.recv_mmsg(&mut msg).unwrap();
    assert_eq!(msg[0].peer, mine);
    // An explicit source wins over it.
    b.set_caps(DgramCaps::HANDLES_SRC_ADDR | DgramCaps::PROVIDES_DST_ADDR)
        .unwrap();
    a.set_local_addr_enable(true).unwrap();
    let other = sa("127.0.0.1:9001");
    a.send_mmsg(&[SendMsg::new(b"hi").from(other)]).unwrap();
    let mut msg = [RecvMsg::new(&mut buf)];
    b.recv_mmsg(&mut msg).unwrap();
    assert_eq!(msg[0].peer, other);
}

#[test]
fn not_pollable_and_never_blocking() {
    let (a, _b) = new_dgram_pair(0, 0);
    assert_eq!(a.rpoll_descriptor(), PollDescriptor::None);
    assert_eq!(a.wpoll_descriptor(), PollDescriptor::None);
    assert_eq!(a.rpoll_descriptor().type_code(), 0);
    assert!(!a.is_blocking());
    assert!(a.set_nonblocking(false).is_err());
    assert!(!a.eof());
    assert!(a.flush().is_ok());
}

#[test]
fn reset_drops_what_this_end_wrote() {
    let (a, b) = new_dgram_pair(0, 0);
    a.write(b"gone").unwrap();
    b.write(b"kept").unwrap();
    a.reset().unwrap();
    assert_eq!(b.pending(), 0);
    assert_eq!(a.pending(), 4);
}

#[test]
fn dropping_one_end_unpairs_the_other() {
    let (a, b) = new_dgram_pair(0, 0);
    a.write(b"unread").unwrap();
    drop(a);
    assert!(b.eof());
    assert_eq!(b.pending(), 0);
    assert_eq!(b.write_guarantee(), 0);
    let mut buf = [0u8; 8];
    assert_eq!(b.read(&mut buf).unwrap_err(), BioError::Unpaired);
    assert_eq!(b.write(b"x").unwrap_err(), BioError::Unpaired);
    assert!(!BioError::Unpaired.is_non_fatal());
}

#[test]
fn threads_read_and_write_concurrently() {
    let (a, b) = new_dgram_pair(64 * 1024, 64 * 1024);
    let (a, b) = (Arc::new(a), Arc::new(b));
    const N: u32 = 20_000;
    let writer = {
        let a = Arc::clone(&a);
        std::thread::spawn(move || {
            for i in 0..N {
                let d = i.to_be_bytes();
                while let Err(e) = a.write(&d) {
                    assert!(e.is_non_fatal());
                    std::thread::yield_now();
                }
            }
        })
    };
    let mut next = 0u32;
    let mut buf = [0u8; 4];
    while next < N {
        match b.read(&mut buf) {
            Ok(4) => {
                assert_eq!(u32::from_be_bytes(buf), next, "in order, none lost");
                next += 1;
            }
            Ok(n) => panic!("short datagram {n}"),
            Err(e) => {
                assert!(e.is_non_fatal());
                std::thread::yield_now();
            }
        }
    }
    writer.join().unwrap();
}

#[test]
fn dgram_mem_is_a_one_way_fifo() {
    let m = DgramMem::new();
    assert_eq!(m.write(b"").unwrap(), 0);
    m.write(b"one").unwrap();
    m.write(b"two!").unwrap();
    assert_eq!(m.pending(), 3);
    let mut buf = [0u8; 2];
    assert_eq!(m.read(&mut buf).unwrap(), 2, "truncated to the buffer");
    let mut buf = [0u8; 8];
    assert_eq!(m.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"two!");
    assert_eq!(m.read(&mut buf).unwrap_err(), BioError::WouldBlock);
    assert!(!m.eof(), "never at EOF");
    assert_eq!(m.rpoll_descriptor(), PollDescriptor::None);
    assert_eq!(m.mtu(), DEFAULT_MTU);
    m.set_mtu(1200).unwrap();
    assert_eq!(m.mtu(), 1200);
}

#[test]
fn dgram_mem_addresses_use_its_own_caps() {
    let m = DgramMem::new();
    let dst = sa("10.0.0.1:1");
    assert_eq!(
        m.send_mmsg(&[SendMsg::new(b"x").to(dst)]).unwrap_err(),
        BioError::PeerAddrNotAvailable
    );
    assert!(!m.local_addr_cap());
    m.set_caps(DgramCaps::all()).unwrap();
    assert_eq!(m.effective_caps(), DgramCaps::all());
    assert!(m.local_addr_cap());
    m.set_local_addr_enable(true).unwrap();
    let src = sa("10.0.0.2:2");
    m.send_mmsg(&[SendMsg::new(b"x").to(dst).from(src)])
        .unwrap();
    let mut buf = [0u8; 4];
    let mut msg = [RecvMsg::new(&mut buf).with_local()];
    m.recv_mmsg(&mut msg).unwrap();
    assert_eq!(msg[0].peer, src);
    assert_eq!(msg[0].local, Some(dst));
}

#[test]
fn dgram_mem_with_capacity_is_bounded() {
    let m = DgramMem::with_capacity(4096);
    let d = [0u8; 500];
    let mut n = 0;
    while m.write(&d).is_ok() {
        n += 1;
    }
    assert!((4..=8).contains(&n), "{n} datagrams fit 4 KiB");
    assert_eq!(m.write(&d).unwrap_err(), BioError::WouldBlock);
    m.reset();
    assert_eq!(m.pending(), 0);
    m.write(&d).unwrap();
}

#[test]
fn segmented_messages_are_split_all_or_nothing() {
    let pair = new_dgram_pair(0, 0);
    let mem = DgramMem::new();
    let bios: [(&dyn DatagramBio, &dyn DatagramBio); 2] = [(&pair.0, &pair.1), (&mem, &mem)];
    for (w, r) in bios {
        assert_eq!(w.gso_max_segments(), 1, "no offload");
        assert!(matches!(r.set_gro(true), Err(BioError::Unsupported(_))));
        r.set_gro(false).unwrap();
        assert!(!r.gro_enabled());
        let payload: Vec<u8> = (0..2845u32).map(|i| (i % 253) as u8).collect();
        let single = b"after";
        let msgs = [
            SendMsg::new(&payload).segment_size(1000),
            SendMsg::new(single).segment_size(1000),
        ];
        assert_eq!(w.send_mmsg(&msgs).unwrap(), 2);
        for want in payload.chunks(1000).chain([&single[..]]) {
            let mut buf = [0u8; 1500];
            let mut m = [RecvMsg::new(&mut buf)];
            assert_eq!(r.recv_mmsg(&mut m).unwrap(), 1);
            assert_eq!(m[0].data(), want);
            assert_eq!(m[0].segment_size, None);
        }
        assert!(matches!(r.read(&mut [0u8; 8]), Err(BioError::WouldBlock)));
        let zero = SendMsg::new(&payload).segment_size(0);
        assert!(matches!(
            w.send_mmsg(&[zero]),
            Err(BioError::InvalidArgument(_))
        ));
    }

    // A pair end whose buffer has room for some of the segments takes none of them.
    let small = new_dgram_pair(MIN_BUF_LEN * 3, 0);
    let payload = vec![1u8; 2000];
    small.0.write(&[0u8; 1500]).unwrap();
    let msg = SendMsg::new(&payload).segment_size(500);
    assert!(matches!(
        small.0.send_mmsg(&[msg]),
        Err(BioError::WouldBlock)
    ));
    assert_eq!(
        small.1.pending(),
        1500,
        "nothing of the refused message queued"
    );
    small.1.read(&mut [0u8; 1500]).unwrap();
    assert_eq!(small.0.send_mmsg(&[msg]).unwrap(), 1);
    for _ in 0..4 {
        assert_eq!(small.1.read(&mut [0u8; 1500]).unwrap(), 500);
    }
    // One that could never fit fails as too large.
    let big = vec![0u8; 4000];
    assert!(matches!(
        small.0.send_mmsg(&[SendMsg::new(&big).segment_size(400)]),
        Err(BioError::DatagramTooLarge { .. })
    ));
}
