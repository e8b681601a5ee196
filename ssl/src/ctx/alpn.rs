//! ALPN protocol lists in OpenSSL's wire format: each name preceded by its length byte.

use crate::error::{ERR_LIB_SSL, SslError, err_r};

/// The longest wire-format list: the ALPN extension's body is at most `0xFFFF` bytes, two of
/// which are the list's own length.
const MAX_WIRE_LEN: usize = 0xFFFF - 2;

/// A validated protocol list: the wire form as given and the names rustls takes.
#[derive(Debug, Clone, Default)]
pub(crate) struct AlpnList {
    wire: Vec<u8>,
    names: Vec<Vec<u8>>,
}

impl AlpnList {
    /// Splits a wire-format list into names. An empty list is valid (it clears ALPN); a list
    /// longer than [`MAX_WIRE_LEN`], a zero-length name or a length byte running past the end
    /// is not, and fails with `ERR_R_PASSED_INVALID_ARGUMENT` on the queue.
    #[track_caller]
    pub(crate) fn parse(wire: &[u8]) -> Result<Self, SslError> {
        let invalid = || {
            Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("invalid ALPN protocol list")
                .raise())
        };
        if wire.len() > MAX_WIRE_LEN {
            return invalid();
        }
        let mut names = Vec::new();
        let mut rest = wire;
        while let Some((&len, tail)) = rest.split_first() {
            let len = usize::from(len);
            if len == 0 || tail.len() < len {
                return invalid();
            }
            let (name, after) = tail.split_at(len);
            names.push(name.to_vec());
            rest = after;
        }
        Ok(AlpnList {
            wire: wire.to_vec(),
            names,
        })
    }

    /// The list in wire format, as given.
    pub(crate) fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The protocol names, in order.
    pub(crate) fn names(&self) -> &[Vec<u8>] {
        &self.names
    }
}

/// What an ALPN select callback decided (`SSL_TLSEXT_ERR_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlpnSelection {
    /// `SSL_TLSEXT_ERR_OK`: use this protocol.
    Selected(Vec<u8>),
    /// `SSL_TLSEXT_ERR_NOACK`: select nothing. QUIC requires ALPN, so a client that offered
    /// protocols is refused with `no_application_protocol`.
    NoAck,
    /// `SSL_TLSEXT_ERR_ALERT_FATAL`: refuse the client with `no_application_protocol`.
    Fatal,
}

/// The callback of `SSL_CTX_set_alpn_select_cb`: given the protocols the client offers, in
/// its order, chooses one. A callback that panics refuses the client with internal_error.
pub type AlpnSelectCallback = std::sync::Arc<dyn Fn(&[&[u8]]) -> AlpnSelection + Send + Sync>;

/// `OPENSSL_NPN_NEGOTIATED`.
pub const OPENSSL_NPN_NEGOTIATED: i32 = 1;
/// `OPENSSL_NPN_NO_OVERLAP`.
pub const OPENSSL_NPN_NO_OVERLAP: i32 = 2;

/// `SSL_select_next_proto`: the first protocol of `server` (wire format, in preference order)
/// that `client` (wire format) also lists, with [`OPENSSL_NPN_NEGOTIATED`] (the slice lies in
/// `server`, as OpenSSL's pointer does); without overlap the client's first protocol with
/// [`OPENSSL_NPN_NO_OVERLAP`] (`None` if the client list does not start with a complete,
/// non-empty entry). As in OpenSSL 3, empty entries are skipped and a list is read up to the
/// first length running past its end.
pub fn select_next_proto<'a>(server: &'a [u8], client: &'a [u8]) -> (i32, Option<&'a [u8]>) {
    let Some(first) = wire_names(client).next().filter(|name| !name.is_empty()) else {
        return (OPENSSL_NPN_NO_OVERLAP, None);
    };
    for ours in wire_names(server).filter(|name| !name.is_empty()) {
        if wire_names(client).any(|theirs| theirs == ours) {
            return (OPENSSL_NPN_NEGOTIATED, Some(ours));
        }
    }
    (OPENSSL_NPN_NO_OVERLAP, Some(first))
}

/// The entries of a wire-format list, empty ones included, stopping at the first length
/// running past the end.
fn wire_names(wire: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = wire;
    std::iter::from_fn(move || {
        let (&len, tail) = rest.split_first()?;
        let len = usize::from(len);
        if tail.len() < len {
            return None;
        }
        let (name, after) = tail.split_at(len);
        rest = after;
        Some(name)
    })
}
