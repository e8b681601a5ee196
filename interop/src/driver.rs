//! Runs a sans-I/O endpoint over a real UDP socket, blocking in `poll(2)` until a datagram
//! arrives or the endpoint's next deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use qssl_bio::poll::{self, PollItem};
use qssl_bio::{BioError, DatagramBio, RecvMsg, SendMsg, UdpBio};
use qssl_quic::conn::DatagramInfo;
use qssl_quic::endpoint::Endpoint;

/// Datagrams received, and sent, per system call.
const BATCH: usize = 32;
/// Largest UDP payload handled.
const MAX_DATAGRAM: usize = 65_536;

/// An endpoint and its socket.
#[derive(Debug)]
pub struct Driver {
    /// The sans-I/O endpoint.
    pub endpoint: Endpoint,
    socket: UdpBio,
    send_buf: Vec<u8>,
    /// [`BATCH`] receive buffers of [`MAX_DATAGRAM`] bytes, back to back.
    recv_buf: Vec<u8>,
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
            recv_buf: vec![0u8; MAX_DATAGRAM * BATCH],
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
            let ready = poll::wait(&mut item, Some(wake.saturating_duration_since(now)))
                .map_err(DriveError::Io)?;
            if ready > 0 {
                self.receive()?;
            }
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
            .poll_transmit_batch(now, &mut self.send_buf, BATCH)
        {
            let to = t.destination.into();
            let from = t.source.filter(|_| self.local_addresses);
            let mut batch = [SendMsg::new(&[]); BATCH];
            let mut count = 0;
            for (slot, r) in batch.iter_mut().zip(t.segments()) {
                let msg = SendMsg::new(&self.send_buf[r]).to(to);
                *slot = match from {
                    Some(local) => msg.from(local.into()),
                    None => msg,
                };
                count += 1;
            }
            let msgs = &batch[..count];
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

    /// Hands every waiting datagram to the endpoint, with its destination address when the
    /// socket reports them. Stops after a batch that is not full: the socket is drained.
    fn receive(&mut self) -> Result<(), DriveError> {
        let local = self.local_addresses;
        loop {
            let mut bufs = self.recv_buf.chunks_exact_mut(MAX_DATAGRAM);
            let mut msgs: [RecvMsg<'_>; BATCH] = std::array::from_fn(|_| {
                let msg = RecvMsg::new(bufs.next().unwrap_or_default());
                if local { msg.with_local() } else { msg }
            });
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
            if n < BATCH {
                return Ok(());
            }
        }
    }
}
