//! Stream BIOs: sockets over real TCP and Unix sockets, the BIO pair, memory BIOs, and the
//! buffering filter in chains.

use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use qssl_bio::poll::{self, PollItem};
use qssl_bio::stream::DEFAULT_PAIR_BUF_LEN;
use qssl_bio::{
    BioChain, BioError, BufferFilter, MemBio, PollDescriptor, SocketBio, StreamBio, StreamPairEnd,
    new_bio_pair,
};

fn tcp_pair() -> (SocketBio, SocketBio) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (SocketBio::from_tcp(client), SocketBio::from_tcp(server))
}

fn wait_readable(bio: &dyn StreamBio) {
    let mut item = [PollItem::readable(bio.rpoll_descriptor())];
    assert_eq!(
        poll::wait(&mut item, Some(Duration::from_secs(5))).unwrap(),
        1
    );
}

/// Reads exactly `n` bytes from a non-blocking BIO, waiting through poll.
fn read_exact(bio: &mut dyn StreamBio, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < n {
        match bio.read(&mut buf[..(n - out.len()).min(4096)]) {
            Ok(0) => panic!("unexpected EOF after {} bytes", out.len()),
            Ok(k) => out.extend_from_slice(&buf[..k]),
            Err(BioError::WouldBlock) => wait_readable(bio),
            Err(e) => panic!("{e}"),
        }
    }
    out
}

#[test]
fn tcp_socket_partial_reads_and_eof() {
    let (mut c, mut s) = tcp_pair();
    c.set_nonblocking(true).unwrap();
    s.set_nonblocking(true).unwrap();
    assert!(matches!(c.rpoll_descriptor(), PollDescriptor::SockFd(_)));

    let mut buf = [0u8; 16];
    assert_eq!(s.read(&mut buf).unwrap_err(), BioError::WouldBlock);

    assert_eq!(c.write(b"hello, stream").unwrap(), 13);
    wait_readable(&s);
    let mut small = [0u8; 5];
    assert_eq!(
        s.read(&mut small).unwrap(),
        5,
        "a short buffer gets a partial read"
    );
    assert_eq!(&small, b"hello");
    assert_eq!(read_exact(&mut s, 8), b", stream");

    assert!(!s.eof());
    drop(c);
    wait_readable(&s);
    let mut tail = [0u8; 8];
    loop {
        match s.read(&mut tail) {
            Ok(0) => break,
            Ok(_) => {}
            Err(BioError::WouldBlock) => wait_readable(&s),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(s.eof(), "a zero-byte read marks EOF");
}

#[test]
fn tcp_socket_data_intact_under_partial_writes() {
    let (mut c, mut s) = tcp_pair();
    c.set_nonblocking(true).unwrap();
    s.set_nonblocking(true).unwrap();
    c.socket().set_send_buffer_size(64 * 1024).unwrap();
    let big: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let expected = big.clone();
    let reader = std::thread::spawn(move || read_exact(&mut s, expected.len()));
    let mut sent = 0;
    let mut partial = false;
    while sent < big.len() {
        match c.write(&big[sent..]) {
            Ok(n) => {
                partial |= n < big.len() - sent;
                sent += n;
            }
            Err(BioError::WouldBlock) => {
                let mut item = [PollItem::writable(c.wpoll_descriptor())];
                poll::wait(&mut item, Some(Duration::from_secs(5))).unwrap();
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        partial,
        "a 2 MB write to a non-blocking socket with a 64 KiB send buffer is taken in parts"
    );
    assert_eq!(reader.join().unwrap(), big);
}

#[test]
fn write_to_closed_peer_fails_without_sigpipe() {
    let (a, b) = UnixStream::pair().unwrap();
    let mut a = SocketBio::from_unix(a);
    drop(b);
    let err = a.write(b"into the void").unwrap_err();
    assert_eq!(err, BioError::Os(libc::EPIPE));
    assert!(!err.is_non_fatal());
}

#[test]
fn unix_socket_blocking_round_trip() {
    let (a, b) = UnixStream::pair().unwrap();
    let (mut a, mut b) = (SocketBio::from_unix(a), SocketBio::from_unix(b));
    let t = std::thread::spawn(move || {
        let mut buf = [0u8; 4];
        let n = b.read(&mut buf).unwrap();
        b.write(&buf[..n]).unwrap();
    });
    a.write(b"echo").unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(a.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf, b"echo");
    t.join().unwrap();
}

#[test]
fn bio_pair_partial_writes_and_eof() {
    let (mut a, mut b) = new_bio_pair(100, 0);
    assert_eq!(a.write_guarantee(), 100);
    assert_eq!(b.write_guarantee(), DEFAULT_PAIR_BUF_LEN);
    assert_eq!(
        a.write(&[1u8; 150]).unwrap(),
        100,
        "partial write up to the buffer size"
    );
    assert_eq!(a.write(&[1u8; 10]).unwrap_err(), BioError::WouldBlock);
    assert_eq!(a.wpending(), 100);
    assert_eq!(b.pending(), 100);
    let mut buf = [0u8; 30];
    assert_eq!(b.read(&mut buf).unwrap(), 30);
    assert_eq!(a.write(&[2u8; 50]).unwrap(), 30);
    let mut rest = [0u8; 200];
    assert_eq!(b.read(&mut rest).unwrap(), 100);
    assert_eq!(&rest[70..100], &[2u8; 30]);
    assert_eq!(b.read(&mut rest).unwrap_err(), BioError::WouldBlock);
    assert!(!b.eof());

    a.write(b"last").unwrap();
    a.shutdown_wr().unwrap();
    assert_eq!(a.write(b"more").unwrap_err(), BioError::BrokenPipe);
    assert_eq!(a.write_guarantee(), 0);
    assert!(!b.eof(), "not at EOF while data remains");
    assert_eq!(b.read(&mut rest).unwrap(), 4);
    assert!(b.eof());
    assert_eq!(
        b.read(&mut rest).unwrap(),
        0,
        "EOF after the writer shut down"
    );

    // The other direction is unaffected.
    b.write(b"reply").unwrap();
    assert_eq!(a.read(&mut rest).unwrap(), 5);
}

#[test]
fn bio_pair_read_requests_reset_and_sizes() {
    let (mut a, mut b) = new_bio_pair(8, 0);
    assert_eq!(a.write_buf_size(), 8);
    assert_eq!(b.write_buf_size(), DEFAULT_PAIR_BUF_LEN);
    assert_eq!(a.read_request(), 0);
    let mut buf = [0u8; 100];
    assert_eq!(b.read(&mut buf[..5]).unwrap_err(), BioError::WouldBlock);
    assert_eq!(
        a.read_request(),
        5,
        "the reader's failed read is told to the writer"
    );
    assert_eq!(b.read_request(), 0);
    assert_eq!(b.read(&mut buf).unwrap_err(), BioError::WouldBlock);
    assert_eq!(a.read_request(), 8, "never more than the writer's buffer");
    a.reset_read_request().unwrap();
    assert_eq!(a.read_request(), 0);
    assert_eq!(b.read(&mut buf[..3]).unwrap_err(), BioError::WouldBlock);
    assert_eq!(a.write(b"abc").unwrap(), 3);
    assert_eq!(a.read_request(), 0, "a write clears the request");
    a.reset().unwrap();
    assert_eq!(a.wpending(), 0, "a reset drops what was written");
    assert_eq!(b.read(&mut buf).unwrap_err(), BioError::WouldBlock);
    assert!(a.is_paired());
    drop(b);
    assert!(!a.is_paired());
}

#[test]
fn bio_pair_unpaired_after_drop() {
    let (a, mut b) = new_bio_pair(0, 0);
    drop(a);
    assert!(b.eof());
    assert_eq!(b.read(&mut [0u8; 4]).unwrap_err(), BioError::Unpaired);
    assert_eq!(b.write(b"x").unwrap_err(), BioError::Unpaired);
}

#[test]
fn bio_pair_across_threads() {
    let (mut a, mut b) = new_bio_pair(1024, 1024);
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let expected = data.clone();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 700];
        loop {
            match b.read(&mut buf) {
                Ok(0) => break got,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(BioError::WouldBlock) => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        }
    });
    let mut sent = 0;
    while sent < data.len() {
        match a.write(&data[sent..]) {
            Ok(n) => sent += n,
            Err(BioError::WouldBlock) => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
    a.shutdown_wr().unwrap();
    assert_eq!(reader.join().unwrap(), expected);
}

/// A chain of a buffering filter in front of one end of a BIO pair.
fn buffered_pair(size: usize) -> (BioChain, StreamPairEnd) {
    let (near, far) = new_bio_pair(64 * 1024, 64 * 1024);
    let mut chain = BioChain::new(Box::new(near));
    chain.push(Box::new(BufferFilter::with_size(size)));
    (chain, far)
}

#[test]
fn buffering_filter_writes_through_only_on_flush() {
    let (mut chain, mut far) = buffered_pair(4096);
    assert_eq!(chain.len(), 1);
    assert_eq!(chain.write(b"ClientHello").unwrap(), 11);
    assert_eq!(chain.write(b" + more").unwrap(), 7);
    assert_eq!(chain.wpending(), 18, "held in the filter");
    let mut buf = [0u8; 64];
    assert_eq!(
        far.read(&mut buf).unwrap_err(),
        BioError::WouldBlock,
        "nothing reaches the socket side before the flush"
    );
    chain.flush().unwrap();
    assert_eq!(
        far.pending(),
        18,
        "all of it reached the pair after the flush"
    );
    assert_eq!(far.read(&mut buf).unwrap(), 18);
    assert_eq!(&buf[..18], b"ClientHello + more");
}

#[test]
fn buffering_filter_hands_on_when_full() {
    let (mut chain, mut far) = buffered_pair(4096);
    let first = vec![1u8; 3000];
    let second = vec![2u8; 3000];
    chain.write(&first).unwrap();
    assert_eq!(far.pending(), 0);
    assert_eq!(chain.write(&second).unwrap(), 3000);
    // The buffer filled at 4096 bytes and was handed on; the rest waits.
    assert_eq!(far.pending(), 4096);
    assert_eq!(chain.wpending(), 6000 - 4096);
    chain.flush().unwrap();
    let got = read_exact(&mut far, 6000);
    assert_eq!(&got[..3000], &first[..]);
    assert_eq!(&got[3000..], &second[..]);
}

#[test]
fn buffering_filter_large_write_goes_straight_through() {
    let (mut chain, mut far) = buffered_pair(4096);
    let big = vec![9u8; 20_000];
    assert_eq!(chain.write(&big).unwrap(), 20_000);
    assert!(
        far.pending() > 20_000 - 4096,
        "at most a buffer's worth is held back, {} passed",
        far.pending()
    );
    chain.flush().unwrap();
    assert_eq!(read_exact(&mut far, 20_000), big);
}

#[test]
fn buffering_filter_reports_partial_progress_when_next_blocks() {
    // The next BIO takes 1000 bytes at most until its reader drains it.
    let (near, mut far) = new_bio_pair(1000, 0);
    let mut chain = BioChain::new(Box::new(near));
    chain.push(Box::new(BufferFilter::new()));

    // A small write is buffered; the flush pushes what fits and reports that it must wait.
    assert_eq!(chain.write(&[5u8; 3000]).unwrap(), 3000);
    assert_eq!(chain.flush().unwrap_err(), BioError::WouldBlock);
    assert_eq!(far.pending(), 1000);
    assert_eq!(
        chain.wpending(),
        2000,
        "the rest is still held by the filter"
    );

    // A large write is taken in part: what fit plus what the filter could hold.
    let data: Vec<u8> = (0..20_000u32).map(|i| (i % 241) as u8).collect();
    let taken = chain.write(&data).unwrap();
    assert!(
        taken > 0 && taken < data.len(),
        "partial count, got {taken}"
    );

    // Drain the far side while finishing the write and flush: every byte arrives once, in
    // order.
    let mut expected = vec![5u8; 3000];
    expected.extend_from_slice(&data);
    let mut total = Vec::new();
    let mut offset = taken;
    while total.len() < expected.len() {
        let mut buf = [0u8; 4096];
        if let Ok(n) = far.read(&mut buf) {
            total.extend_from_slice(&buf[..n]);
        }
        if offset < data.len() {
            if let Ok(n) = chain.write(&data[offset..]) {
                offset += n;
            }
        } else {
            let _ = chain.flush();
        }
    }
    assert_eq!(total, expected);
    assert_eq!(chain.wpending(), 0);
}

#[test]
fn buffering_filter_reads_ahead() {
    let (mut chain, mut far) = buffered_pair(4096);
    far.write(b"line one\nline two\n").unwrap();
    let mut buf = [0u8; 9];
    assert_eq!(chain.read(&mut buf).unwrap(), 9);
    assert_eq!(&buf, b"line one\n");
    assert_eq!(
        chain.pending(),
        9,
        "the rest was read ahead into the filter"
    );
    assert_eq!(far.wpending(), 0);
    assert_eq!(chain.read(&mut buf).unwrap(), 9);
    assert_eq!(&buf, b"line two\n");
    assert_eq!(chain.read(&mut buf).unwrap_err(), BioError::WouldBlock);
}

#[test]
fn chain_push_pop_and_poll_descriptors() {
    let (c, _s) = tcp_pair();
    let fd = c.rpoll_descriptor();
    let mut chain = BioChain::new(Box::new(c));
    assert!(chain.is_empty());
    chain.push(Box::new(BufferFilter::new()));
    chain.push(Box::new(BufferFilter::with_size(8192)));
    assert_eq!(chain.len(), 2);
    assert_eq!(
        chain.rpoll_descriptor(),
        fd,
        "a chain polls through its sink"
    );
    assert_eq!(chain.wpoll_descriptor(), fd);
    assert!(chain.pop().is_some());
    assert!(chain.pop().is_some());
    assert!(chain.pop().is_none());
    assert_eq!(chain.sink().rpoll_descriptor(), fd);
}

#[test]
fn stacked_buffers_flush_all_the_way_down() {
    let (near, mut far) = new_bio_pair(64 * 1024, 0);
    let mut chain = BioChain::new(Box::new(near));
    chain.push(Box::new(BufferFilter::new()));
    chain.push(Box::new(BufferFilter::new()));
    chain.write(b"deep").unwrap();
    assert_eq!(far.pending(), 0);
    chain.flush().unwrap();
    assert_eq!(read_exact(&mut far, 4), b"deep");
}

#[test]
fn mem_bio_under_a_buffer_filter() {
    let mut chain = BioChain::new(Box::new(MemBio::new()));
    chain.push(Box::new(BufferFilter::new()));
    chain.write(b"abc").unwrap();
    assert_eq!(chain.sink().pending(), 0);
    chain.flush().unwrap();
    assert_eq!(chain.sink().pending(), 3);
    assert!(!chain.eof());
}
