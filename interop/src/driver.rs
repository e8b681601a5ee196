//! Runs a sans-I/O endpoint over a real UDP socket, blocking in `poll(2)` until a datagram
//! arrives or the endpoint's next deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use qssl_bio::poll::{self, PollItem};
use qssl_bio::{BioError, DatagramBio, RecvMsg, SendMsg, UdpBio};
use qssl_quic::conn::DatagramInfo;
use qssl_quic::endpoint::Endpoint;

/// Datagrams received, and sent, per system call.
const RECV_BATCH: usize = 32;
/// Largest UDP payload handled.
const MAX_DATAGRAM: usize = 65_536;

/// An endpoint and its socket.
#[derive(Debug)]
pub struct Driver {
    /// The sans-I/O endpoint.
    pub endpoint: Endpoint,
    socket: UdpBio,
    send_buf: Vec<u8>,
    recv_bufs: Vec<Vec<u8>>,
    /// The socket reports destination addresses (and can send from a given one).
    local_addresses: bool,
}

/// Why running the driver stopped.
#[derive(Debug)]
pub enum DriveError {
    /// The socket failed.
    Io(BioError),
    /// The deadline passed first.
    TimedOut,
}

impl std::fmt::Display for DriveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DriveError::Io(e) => write!(f, "socket error: {e}"),
            DriveError::TimedOut => f.write_str("timed out"),
        }
    }
}

impl std::error::Error for DriveError {}

impl Driver {
    /// Drives `endpoint` over `socket` (made non-blocking).
    pub fn new(endpoint: Endpoint, socket: UdpBio) -> Result<Self, DriveError> {
        socket.set_nonblocking(true).map_err(DriveError::Io)?;
        let local_addresses = socket.set_local_addr_enable(true).is_ok();
        Ok(Driver {
            endpoint,
            socket,
            send_buf: vec![0u8; MAX_DATAGRAM * 2],
            recv_bufs: vec![vec![0u8; MAX_DATAGRAM]; RECV_BATCH],
            local_addresses,
        })
    }

    /// The socket's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.socket
            .local_addr()
            .socket_addr()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Runs until `app` (called after every burst of activity) reports it is done, or until
    /// `limit` has passed.
    pub fn run(
        &mut self,
        limit: Duration,
        mut app: impl FnMut(&mut Endpoint, Instant) -> bool,
    ) -> Result<(), DriveError> {
        let deadline = Instant::now() + limit;
        loop {
            let now = Instant::now();
            if app(&mut self.endpoint, now) {
                self.flush(Instant::now())?;
                return Ok(());
            }
            self.flush(now)?;
            if now >= deadline {
                return Err(DriveError::TimedOut);
            }
            let wake = self
                .endpoint
                .poll_timeout()
                .map_or(deadline, |t| t.min(deadline));
            let mut item = [PollItem::readable(self.socket.rpoll_descriptor())];
            poll::wait(&mut item, Some(wake.saturating_duration_since(now)))
                .map_err(DriveError::Io)?;
            self.receive()?;
            let now = Instant::now();
            if self.endpoint.poll_timeout().is_some_and(|t| t <= now) {
                self.endpoint.handle_timeout(now);
            }
        }
    }

    /// Sends everything the endpoint has to send.
    fn flush(&mut self, now: Instant) -> Result<(), DriveError> {
        while let Some(t) = self
            .endpoint
            .poll_transmit_batch(now, &mut self.send_buf, RECV_BATCH)
        {
            let to = t.destination.into();
            let from = t.source.filter(|_| self.local_addresses);
            let msgs: Vec<SendMsg<'_>> = t
                .segments()
                .map(|r| {
                    let msg = SendMsg::new(&self.send_buf[r]).to(to);
                    match from {
                        Some(local) => msg.from(local.into()),
                        None => msg,
                    }
                })
                .collect();
            let mut sent = 0;
            while sent < msgs.len() {
                match self.socket.send_mmsg(&msgs[sent..]) {
                    Ok(n) => sent += n,
                    Err(BioError::WouldBlock) => {
                        let mut item = [PollItem::writable(self.socket.wpoll_descriptor())];
                        poll::wait(&mut item, Some(Duration::from_millis(50)))
                            .map_err(DriveError::Io)?;
                    }
                    // Transient network errors lose these datagrams; QUIC recovers.
                    Err(e) if e.is_non_fatal() => break,
                    Err(e) => return Err(DriveError::Io(e)),
                }
            }
        }
        Ok(())
    }

    /// Hands every waiting datagram to the endpoint.
    fn receive(&mut self) -> Result<(), DriveError> {
        loop {
            let mut msgs: Vec<RecvMsg<'_>> =
                self.recv_bufs.iter_mut().map(|b| RecvMsg::new(b)).collect();
            let n = match self.socket.recv_mmsg(&mut msgs) {
                Ok(n) => n,
                Err(e) if e.is_non_fatal() => return Ok(()),
                Err(e) => return Err(DriveError::Io(e)),
            };
            let now = Instant::now();
            for m in &mut msgs[..n] {
                if let Some(from) = m.peer.socket_addr() {
                    let info = DatagramInfo {
                        from,
                        local: m.local.and_then(|a| a.socket_addr()),
                        ecn: None,
                    };
                    let len = m.len;
                    self.endpoint
                        .handle_datagram_with(now, info, &mut m.buf[..len]);
                }
            }
        }
    }
}
