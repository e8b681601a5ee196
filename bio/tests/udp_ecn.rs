//! ECN through real UDP sockets on 127.0.0.1 and ::1: the marks a sender asks for are read
//! back from the receiving socket, per datagram, in batches, in segmented sends and on a
//! dual-stack socket.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use qssl_bio::poll::{self, PollItem};
use qssl_bio::{Batching, DatagramBio, RecvMsg, SendMsg, UdpBio};

const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

/// The codepoints: Not-ECT, ECT(1), ECT(0), CE.
const CODEPOINTS: [u8; 4] = [0b00, 0b01, 0b10, 0b11];

fn bind(ip: IpAddr) -> UdpBio {
    let bio = UdpBio::bind(SocketAddr::new(ip, 0)).expect("bind loopback");
    bio.set_ecn(true).expect("ECN on a UDP socket");
    assert!(bio.ecn_enabled());
    bio
}

/// Receives `want` datagrams (cutting coalesced buffers), with their codepoints.
fn receive(rx: &UdpBio, want: usize) -> Vec<(Vec<u8>, Option<u8>)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut bufs = vec![vec![0u8; 65_536]; 8];
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        let mut msgs: Vec<RecvMsg<'_>> = bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
        match rx.recv_mmsg(&mut msgs) {
            Ok(n) => {
                for m in &msgs[..n] {
                    got.extend(m.segments().map(|s| (s.to_vec(), m.ecn)));
                }
            }
            Err(e) if e.is_non_fatal() => {
                let mut item = [PollItem::readable(rx.rpoll_descriptor())];
                poll::wait(&mut item, Some(Duration::from_millis(100))).unwrap();
            }
            Err(e) => panic!("receive failed: {e}"),
        }
    }
    got
}

fn each_codepoint_arrives_as_marked(ip: IpAddr, batching: Batching) {
    let (tx, rx) = (bind(ip), bind(ip));
    tx.set_batching(batching);
    rx.set_batching(batching);
    let to = rx.local_addr();
    let payloads: Vec<[u8; 1]> = CODEPOINTS.iter().map(|c| [*c]).collect();
    let msgs: Vec<SendMsg<'_>> = payloads
        .iter()
        .map(|p| SendMsg::new(p).to(to).ecn(p[0]))
        .collect();
    assert_eq!(tx.send_mmsg(&msgs).unwrap(), 4);
    let got = receive(&rx, 4);
    assert_eq!(got.len(), 4);
    for (data, ecn) in got {
        assert_eq!(ecn, Some(data[0]), "{ip} {batching:?}: codepoint read back");
    }
}

#[test]
fn marks_are_read_back_v4() {
    each_codepoint_arrives_as_marked(V4, Batching::Mmsg);
    each_codepoint_arrives_as_marked(V4, Batching::PerDatagram);
}

#[test]
fn marks_are_read_back_v6() {
    each_codepoint_arrives_as_marked(V6, Batching::Mmsg);
    each_codepoint_arrives_as_marked(V6, Batching::PerDatagram);
}

#[test]
fn a_segmented_send_marks_every_datagram() {
    let (tx, rx) = (bind(V4), bind(V4));
    let payload: Vec<u8> = (0..10 * 1200).map(|i| (i / 1200) as u8).collect();
    let msg = SendMsg::new(&payload)
        .to(rx.local_addr())
        .segment_size(1200)
        .ecn(0b10);
    assert_eq!(tx.send_mmsg(&[msg]).unwrap(), 1);
    let got = receive(&rx, 10);
    assert_eq!(got.len(), 10);
    assert!(
        got.iter()
            .all(|(d, ecn)| d.len() == 1200 && *ecn == Some(0b10))
    );
}

#[test]
fn an_ipv4_datagram_on_a_dual_stack_socket_reports_its_mark() {
    let rx = bind(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    let port = rx.local_addr().port().unwrap();
    let tx = bind(V4);
    let to = SocketAddr::new(V4, port);
    tx.send_mmsg(&[SendMsg::new(b"x").to(to.into()).ecn(0b11)])
        .unwrap();
    assert_eq!(receive(&rx, 1), vec![(b"x".to_vec(), Some(0b11))]);
}

#[test]
fn a_dual_stack_socket_marks_what_it_sends_to_an_ipv4_peer() {
    let tx = bind(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    let rx = bind(V4);
    let to = rx.local_addr();
    tx.send_mmsg(&[SendMsg::new(b"x").to(to).ecn(0b10)])
        .unwrap();
    assert_eq!(receive(&rx, 1), vec![(b"x".to_vec(), Some(0b10))]);
}

#[test]
fn without_ecn_nothing_is_marked_or_reported() {
    let (tx, rx) = (bind(V4), bind(V4));
    tx.set_ecn(false).unwrap();
    tx.send_mmsg(&[SendMsg::new(b"x").to(rx.local_addr()).ecn(0b10)])
        .unwrap();
    assert_eq!(
        receive(&rx, 1),
        vec![(b"x".to_vec(), Some(0))],
        "sent unmarked"
    );
    rx.set_ecn(false).unwrap();
    tx.set_ecn(true).unwrap();
    tx.send_mmsg(&[SendMsg::new(b"y").to(rx.local_addr()).ecn(0b10)])
        .unwrap();
    assert_eq!(receive(&rx, 1), vec![(b"y".to_vec(), None)], "not reported");
}
