//! The event loop an application drives by hand in non-blocking mode: `SSL_handle_events`,
//! `SSL_get_event_timeout`, the poll descriptors and `SSL_net_{read,write}_desired`.

use std::time::Duration;

use std::net::SocketAddr;

use qssl_bio::PollDescriptor;
use qssl_quic::conn::DatagramInfo;

use super::object::Ssl;

impl Ssl {
    /// `SSL_handle_events`: reads what arrived, fires the timers due by the object's clock
    /// and sends what is due, for every object on this port.
    /// On an object of a domain (or the domain), every port of the domain does.
    pub fn handle_events(&self) {
        match self.obj.port.domain() {
            Some(ports) => ports.handle_events(),
            None => self.obj.port.tick_and_announce(),
        }
    }

    /// `SSL_inject_net_dgram`: processes a datagram the application received itself, from
    /// `peer` (none: as from the BIO's unaddressed peer) to `local`, as if it had been read
    /// from the network. Connection objects only.
    #[track_caller]
    pub fn inject_net_dgram(
        &self,
        datagram: &[u8],
        peer: Option<SocketAddr>,
        local: Option<SocketAddr>,
    ) -> Result<(), crate::error::SslError> {
        self.expect_connection()?;
        let info = DatagramInfo {
            from: peer.unwrap_or(super::net::UNADDRESSED),
            local,
            ecn: None,
        };
        let now = self.obj.port.now();
        let mut st = self.obj.port.lock();
        st.inject(now, info, datagram);
        Ok(())
    }

    /// `SSL_get_event_timeout`: how long, on the object's clock, until
    /// [`handle_events`](Self::handle_events) must run again (zero: now); `None` when no
    /// timer is pending (OpenSSL's `is_infinite`). For an object of a domain, the soonest
    /// of the domain's ports.
    pub fn event_timeout(&self) -> Option<Duration> {
        match self.obj.port.domain() {
            Some(ports) => ports.event_timeout(),
            None => self.obj.port.event_timeout(),
        }
    }

    /// `SSL_get_rpoll_descriptor`: what to wait on for incoming datagrams (`None` for a BIO
    /// that cannot be polled, or no BIO).
    pub fn rpoll_descriptor(&self) -> PollDescriptor {
        let st = self.obj.port.lock();
        st.net
            .rbio()
            .map_or(PollDescriptor::None, |b| b.rpoll_descriptor())
    }

    /// `SSL_get_wpoll_descriptor`: what to wait on for room to send.
    pub fn wpoll_descriptor(&self) -> PollDescriptor {
        let st = self.obj.port.lock();
        st.net
            .wbio()
            .map_or(PollDescriptor::None, |b| b.wpoll_descriptor())
    }

    /// `SSL_get_peer_addr` (OpenSSL 4.0): the address a connection (or a stream's
    /// connection) talks to; `None` before it starts and over BIOs that carry no addresses.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        let key = self.conn_key()?;
        let st = self.obj.port.lock();
        let remote = st.conn(key)?.remote();
        (remote != super::net::UNADDRESSED).then_some(remote)
    }

    /// `SSL_net_read_desired`: whether the port wants to read from the network: always for
    /// a listener (a client may arrive at any time), otherwise once there is a read BIO.
    pub fn net_read_desired(&self) -> bool {
        let st = self.obj.port.lock();
        st.is_listener || st.net.rbio().is_some()
    }

    /// `SSL_net_write_desired`: whether datagrams wait for room in the write BIO.
    pub fn net_write_desired(&self) -> bool {
        self.obj.port.lock().net.write_blocked()
    }
}
