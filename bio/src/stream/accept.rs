//! The accepting side of TCP (`BIO_s_accept`): a listening socket made from a
//! `"[host:]port"` name on first use, then one [`SocketBio`] per accepted connection.

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, MutexGuard, PoisonError};

use socket2::{Domain, Socket, Type};

use super::SocketBio;
use crate::error::BioError;

/// Connections waiting to be accepted (the listen backlog).
const BACKLOG: i32 = 128;

/// A listening TCP socket that hands out accepted connections.
#[derive(Debug)]
pub struct AcceptBio {
    state: Mutex<AcceptState>,
}

#[derive(Debug, Default)]
struct AcceptState {
    /// `"[host:]port"`; a host of `*` or none listens on every IPv4 address.
    name: Option<String>,
    /// `BIO_BIND_REUSEADDR`: set `SO_REUSEADDR` before binding.
    reuse_addr: bool,
    /// Accepting does not wait, and accepted sockets do not block.
    nonblocking: bool,
    listener: Option<Socket>,
}

impl AcceptBio {
    /// An acceptor for `name` (`BIO_new_accept`); nothing is bound until
    /// [`listen`](Self::listen).
    pub fn new(name: Option<&str>) -> Self {
        AcceptBio {
            state: Mutex::new(AcceptState {
                name: name.map(str::to_owned),
                ..AcceptState::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, AcceptState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the `"[host:]port"` to listen on (`BIO_set_accept_name`); only before listening.
    pub fn set_name(&self, name: &str) -> Result<(), BioError> {
        let mut st = self.lock();
        if st.listener.is_some() {
            return Err(BioError::InvalidArgument("already listening"));
        }
        st.name = Some(name.to_owned());
        Ok(())
    }

    /// `BIO_set_bind_mode`: whether to set `SO_REUSEADDR` before binding.
    pub fn set_reuse_addr(&self, on: bool) {
        self.lock().reuse_addr = on;
    }

    /// `BIO_get_bind_mode`.
    pub fn reuse_addr(&self) -> bool {
        self.lock().reuse_addr
    }

    /// `BIO_set_nbio`: whether accepting waits, and whether accepted sockets block.
    pub fn set_nonblocking(&self, on: bool) -> Result<(), BioError> {
        let mut st = self.lock();
        if let Some(l) = &st.listener {
            l.set_nonblocking(on)?;
        }
        st.nonblocking = on;
        Ok(())
    }

    /// Whether the socket is listening.
    pub fn is_listening(&self) -> bool {
        self.lock().listener.is_some()
    }

    /// The listening socket's descriptor, once listening.
    pub fn raw_fd(&self) -> Option<RawFd> {
        self.lock().listener.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// The address listened on, once listening.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.lock()
            .listener
            .as_ref()
            .and_then(|l| l.local_addr().ok()?.as_socket())
    }

    /// Binds and listens on the name's address (the first `BIO_do_accept`).
    pub fn listen(&self) -> Result<(), BioError> {
        let mut st = self.lock();
        if st.listener.is_some() {
            return Ok(());
        }
        let name = st.name.as_deref().ok_or(BioError::InvalidArgument(
            "no address or service to accept on",
        ))?;
        let addr = resolve(name)?;
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        if st.reuse_addr {
            socket.set_reuse_address(true)?;
        }
        socket.bind(&addr.into())?;
        socket.listen(BACKLOG)?;
        socket.set_nonblocking(st.nonblocking)?;
        st.listener = Some(socket);
        Ok(())
    }

    /// Accepts one connection (the later `BIO_do_accept` calls): [`BioError::WouldBlock`]
    /// when non-blocking and none waits.
    pub fn accept(&self) -> Result<SocketBio, BioError> {
        let (socket, nonblocking) = {
            let st = self.lock();
            let listener = st
                .listener
                .as_ref()
                .ok_or(BioError::InvalidArgument("not listening"))?;
            (listener.try_clone()?, st.nonblocking)
        };
        // The lock is not held while waiting, so the acceptor's state stays readable.
        let (conn, _) = socket.accept()?;
        conn.set_nonblocking(nonblocking)?;
        Ok(SocketBio::from_owned(OwnedFd::from(conn)))
    }
}

/// The address `"[host:]port"` names; a missing host or `*` means every IPv4 address.
fn resolve(name: &str) -> Result<SocketAddr, BioError> {
    let (host, port) = match name.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.starts_with('[') => (h, p),
        _ => ("", name),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = if host.is_empty() || host == "*" {
        "0.0.0.0"
    } else {
        host
    };
    let port: u16 = port
        .parse()
        .map_err(|_| BioError::InvalidArgument("malformed port"))?;
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or(BioError::InvalidArgument("host name resolves to nothing"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use crate::stream::StreamBio;

    #[test]
    fn names_resolve_as_openssl_reads_them() {
        assert_eq!(resolve("4433").unwrap(), "0.0.0.0:4433".parse().unwrap());
        assert_eq!(resolve("*:4433").unwrap(), "0.0.0.0:4433".parse().unwrap());
        assert_eq!(
            resolve("127.0.0.1:80").unwrap(),
            "127.0.0.1:80".parse().unwrap()
        );
        assert_eq!(resolve("[::1]:80").unwrap(), "[::1]:80".parse().unwrap());
        assert!(resolve("localhost:http").is_err());
        assert!(resolve("").is_err());
    }

    #[test]
    fn listens_then_accepts_connections_as_socket_bios() {
        let acceptor = AcceptBio::new(Some("127.0.0.1:0"));
        assert!(acceptor.accept().is_err(), "accept before listening");
        acceptor.set_reuse_addr(true);
        acceptor.listen().unwrap();
        assert!(acceptor.is_listening());
        assert!(acceptor.set_name("127.0.0.1:1").is_err());
        let addr = acceptor.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).unwrap();
        let mut conn = acceptor.accept().unwrap();
        client.write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            got += conn.read(&mut buf[got..]).unwrap();
        }
        assert_eq!(&buf, b"ping");
        conn.write(b"pong").unwrap();
        client.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"pong");
    }

    #[test]
    fn non_blocking_accept_would_block() {
        let acceptor = AcceptBio::new(Some("127.0.0.1:0"));
        acceptor.set_nonblocking(true).unwrap();
        acceptor.listen().unwrap();
        let err = acceptor.accept().unwrap_err();
        assert!(err.is_non_fatal(), "{err:?}");
    }
}
