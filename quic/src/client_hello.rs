//! What a server learns from a client's ClientHello before its TLS session exists: the offered
//! application protocols and the server name, so that the TLS configuration (the ALPN
//! answer, the certificate) can be chosen per client, as OpenSSL's ALPN and SNI callbacks do.

use std::fmt;
use std::sync::Arc;

use crate::coding::Reader;

/// Longest ClientHello held back while a configuration is chosen for it.
pub const MAX_CLIENT_HELLO: usize = 16 * 1024;

/// TLS handshake message type of a ClientHello.
const CLIENT_HELLO: u8 = 1;
/// Extension numbers (RFC 8446 §4.2).
const EXT_SERVER_NAME: u16 = 0;
const EXT_ALPN: u16 = 16;
/// quic_transport_parameters (RFC 9001 §8.2).
const EXT_QUIC_TRANSPORT_PARAMETERS: u16 = 57;

/// The parts of a ClientHello a server chooses its configuration by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloInfo<'a> {
    /// The host name of the server_name extension, if any (and valid UTF-8).
    pub server_name: Option<&'a str>,
    /// The application protocols offered, in the client's order.
    pub alpn: Vec<&'a [u8]>,
    /// The client's encoded transport parameters, if any.
    pub transport_parameters: Option<&'a [u8]>,
}

/// Chooses the server configuration for a client from its ClientHello, or refuses the client
/// with a TLS alert (sent as CRYPTO_ERROR).
pub type ServerConfigSelector =
    Arc<dyn Fn(&ClientHelloInfo<'_>) -> Result<Arc<rustls::ServerConfig>, u8> + Send + Sync>;

/// Where a server connection's TLS configuration comes from.
#[derive(Clone)]
pub enum ServerTls {
    /// One configuration for every client.
    Fixed(Arc<rustls::ServerConfig>),
    /// A configuration chosen per client once its whole ClientHello has arrived.
    PerClientHello(ServerConfigSelector),
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerTls::Fixed(_) => f.write_str("ServerTls::Fixed"),
            ServerTls::PerClientHello(_) => f.write_str("ServerTls::PerClientHello"),
        }
    }
}

impl From<Arc<rustls::ServerConfig>> for ServerTls {
    fn from(config: Arc<rustls::ServerConfig>) -> Self {
        ServerTls::Fixed(config)
    }
}

/// Why a ClientHello could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientHelloError {
    /// The first handshake message is not a ClientHello.
    NotClientHello,
    /// The message is malformed.
    Malformed,
}

impl ClientHelloError {
    /// The TLS alert the failure is reported with: unexpected_message or decode_error.
    pub fn alert(self) -> u8 {
        match self {
            ClientHelloError::NotClientHello => 10,
            ClientHelloError::Malformed => 50,
        }
    }
}

/// Checks what has arrived of the first handshake message: a ClientHello (its type is the
/// first byte), no longer than [`MAX_CLIENT_HELLO`] (its header says how long), so a server
/// turns garbage away before waiting for more of it.
pub fn check_start(buf: &[u8]) -> Result<(), ClientHelloError> {
    if buf.first().is_some_and(|t| *t != CLIENT_HELLO) {
        return Err(ClientHelloError::NotClientHello);
    }
    if buf.len() >= 4 && complete_message_len(&buf[..4]).is_none() {
        let declared = usize::from(buf[1]) << 16 | usize::from(buf[2]) << 8 | usize::from(buf[3]);
        if declared + 4 > MAX_CLIENT_HELLO {
            return Err(ClientHelloError::Malformed);
        }
    }
    Ok(())
}

/// The length of the handshake message at the start of `buf` (header included), once all of
/// it is there.
pub fn complete_message_len(buf: &[u8]) -> Option<usize> {
    let header = buf.get(..4)?;
    let len =
        4 + (usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]));
    (buf.len() >= len).then_some(len)
}

/// Reads the server name, ALPN offer and transport parameters of the complete ClientHello
/// message `msg` (header included).
pub fn parse(msg: &[u8]) -> Result<ClientHelloInfo<'_>, ClientHelloError> {
    let malformed = |_| ClientHelloError::Malformed;
    let mut r = Reader::new(msg);
    if r.u8().map_err(malformed)? != CLIENT_HELLO {
        return Err(ClientHelloError::NotClientHello);
    }
    let len = read_u24(&mut r)?;
    let mut body = Reader::new(r.bytes(len).map_err(malformed)?);
    body.bytes(2 + 32).map_err(malformed)?; // legacy_version, random
    let session_id = usize::from(body.u8().map_err(malformed)?);
    body.bytes(session_id).map_err(malformed)?;
    let suites = usize::from(body.u16().map_err(malformed)?);
    body.bytes(suites).map_err(malformed)?;
    let compression = usize::from(body.u8().map_err(malformed)?);
    body.bytes(compression).map_err(malformed)?;
    let mut info = ClientHelloInfo {
        server_name: None,
        alpn: Vec::new(),
        transport_parameters: None,
    };
    if body.is_empty() {
        return Ok(info);
    }
    let ext_len = usize::from(body.u16().map_err(malformed)?);
    let mut exts = Reader::new(body.bytes(ext_len).map_err(malformed)?);
    while !exts.is_empty() {
        let ty = exts.u16().map_err(malformed)?;
        let len = usize::from(exts.u16().map_err(malformed)?);
        let data = exts.bytes(len).map_err(malformed)?;
        match ty {
            EXT_SERVER_NAME => info.server_name = server_name(data)?,
            EXT_ALPN => info.alpn = alpn(data)?,
            EXT_QUIC_TRANSPORT_PARAMETERS => info.transport_parameters = Some(data),
            _ => {}
        }
    }
    Ok(info)
}

fn read_u24(r: &mut Reader<'_>) -> Result<usize, ClientHelloError> {
    let b = r.bytes(3).map_err(|_| ClientHelloError::Malformed)?;
    Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
}

/// The host name of a server_name extension (RFC 6066 §3).
fn server_name(data: &[u8]) -> Result<Option<&str>, ClientHelloError> {
    let malformed = |_| ClientHelloError::Malformed;
    let mut r = Reader::new(data);
    let list = usize::from(r.u16().map_err(malformed)?);
    let mut list = Reader::new(r.bytes(list).map_err(malformed)?);
    while !list.is_empty() {
        let kind = list.u8().map_err(malformed)?;
        let len = usize::from(list.u16().map_err(malformed)?);
        let name = list.bytes(len).map_err(malformed)?;
        if kind == 0 {
            return Ok(std::str::from_utf8(name).ok());
        }
    }
    Ok(None)
}

/// The protocol names of an ALPN extension (RFC 7301 §3.1).
fn alpn(data: &[u8]) -> Result<Vec<&[u8]>, ClientHelloError> {
    let malformed = |_| ClientHelloError::Malformed;
    let mut r = Reader::new(data);
    let list = usize::from(r.u16().map_err(malformed)?);
    let mut list = Reader::new(r.bytes(list).map_err(malformed)?);
    let mut names = Vec::new();
    while !list.is_empty() {
        let len = usize::from(list.u8().map_err(malformed)?);
        if len == 0 {
            return Err(ClientHelloError::Malformed);
        }
        names.push(list.bytes(len).map_err(malformed)?);
    }
    Ok(names)
}
