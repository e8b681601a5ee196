//! Certificate verification with OpenSSL's semantics (`X509_verify_cert`): which chains are
//! trusted, which checks run in which order, and the `X509_V_*` code and depth each failure
//! is reported with. Parsing and signature checks are x509-parser's (with ring); the policy
//! follows OpenSSL 3.5:
//!
//! - [`Store`]: trusted certificates (`X509_STORE`): any certificate can be added, including
//!   version-1 and self-signed CA certificates; a self-signed one is a trust anchor, others
//!   anchor a chain only with `X509_V_FLAG_PARTIAL_CHAIN`.
//! - [`VerifyParams`]: `X509_VERIFY_PARAM`: flags, depth, purpose, the expected host names
//!   (with `X509_CHECK_FLAG_*`), IP address and e-mail address, and the security level's
//!   key and digest strength floor.
//! - [`codes`]: every `X509_V_*` code with OpenSSL's text.
//! - [`verify_chain`]: `X509_verify_cert` on DER certificates, without a verify callback.
//!
//! What a peer's certificates can cost is bounded: the chain stops growing at the depth
//! limit, each step of chain building looks once at each certificate not yet in the chain
//! (and at the trust store's certificates of the name sought), only the chain built has its
//! signatures checked, and name constraints are refused, as OpenSSL refuses them, when one
//! certificate's names times one CA's constraints exceed 2^20.

mod cert;
mod chain;
pub mod codes;
mod names;

use std::net::IpAddr;

use crate::error::{ERR_LIB_ASN1, SslError, asn1_r};

pub(crate) use cert::CertInfo;
pub(crate) use chain::verify;
pub use codes::{x509_v, x509_v_flag};
pub use names::check_flag;
pub(crate) use names::{match_email, match_host, match_ip};

/// OpenSSL's default verify depth: at most 100 CA certificates between leaf and anchor.
pub const DEFAULT_DEPTH: usize = 100;

/// What a certificate is verified for (`X509_PURPOSE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// `X509_PURPOSE_ANY`: no purpose check.
    #[default]
    Any,
    /// `X509_PURPOSE_SSL_CLIENT`: a TLS client's certificate (as a server verifies it).
    SslClient,
    /// `X509_PURPOSE_SSL_SERVER`: a TLS server's certificate (as a client verifies it).
    SslServer,
}

impl Purpose {
    /// The purpose of an `X509_PURPOSE_*` id, or `None` for one qssl does not check.
    pub fn from_id(id: i32) -> Option<Purpose> {
        match id {
            1 => Some(Purpose::SslClient),
            2 => Some(Purpose::SslServer),
            7 => Some(Purpose::Any),
            _ => None,
        }
    }

    /// The `X509_PURPOSE_*` id.
    pub fn id(self) -> i32 {
        match self {
            Purpose::SslClient => 1,
            Purpose::SslServer => 2,
            Purpose::Any => 7,
        }
    }
}

/// `X509_VERIFY_PARAM`: how a chain is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyParams {
    /// `X509_V_FLAG_*` ([`x509_v_flag`]). `X509_V_FLAG_TRUSTED_FIRST` always applies, as
    /// OpenSSL's default parameters add it to every verification.
    pub flags: u64,
    /// At most this many CA certificates between the leaf and the trust anchor (`None`:
    /// [`DEFAULT_DEPTH`]).
    pub depth: Option<usize>,
    /// What the leaf must be fit for.
    pub purpose: Purpose,
    /// Host names the leaf must match one of (none: no host check).
    pub hosts: Vec<String>,
    /// `X509_CHECK_FLAG_*` ([`check_flag`]) for the host check.
    pub host_flags: u32,
    /// The IP address the leaf must carry (4 or 16 bytes, network order).
    pub ip: Option<Vec<u8>>,
    /// The e-mail address the leaf must carry.
    pub email: Option<String>,
    /// With `X509_V_FLAG_USE_CHECK_TIME`: the time to verify at, in seconds since the epoch.
    pub check_time: Option<i64>,
    /// The security level (`SSL_CTX_set_security_level`): keys and signature digests
    /// weaker than it requires fail (0: no floor).
    pub auth_level: u32,
}

impl Default for VerifyParams {
    /// No flags, the default depth, no purpose, no names, security level 2 (OpenSSL 3's
    /// default).
    fn default() -> Self {
        VerifyParams {
            flags: 0,
            depth: None,
            purpose: Purpose::Any,
            hosts: Vec::new(),
            host_flags: 0,
            ip: None,
            email: None,
            check_time: None,
            auth_level: 2,
        }
    }
}

impl VerifyParams {
    /// `X509_VERIFY_PARAM_set1_host`/`SSL_set1_host`'s rule: an IP address literal sets the
    /// expected address instead of a host name (and clears the host names); a name replaces
    /// the host names; `None` clears both.
    pub fn set_host_or_ip(&mut self, name: Option<&str>) {
        self.hosts.clear();
        self.ip = None;
        match name.map(|n| (n, n.parse::<IpAddr>())) {
            Some((_, Ok(ip))) => self.ip = Some(ip_bytes(ip)),
            Some((n, Err(_))) if !n.is_empty() => self.hosts.push(n.to_owned()),
            _ => {}
        }
    }
}

/// The outcome of [`verify_chain`], as an `X509_STORE_CTX` holds it after `X509_verify_cert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerification {
    /// Whether verification succeeded (`X509_verify_cert` returned 1).
    pub ok: bool,
    /// The verify result (`X509_STORE_CTX_get_error`): [`x509_v::OK`] or why verification
    /// failed.
    pub error: i64,
    /// The depth the result concerns (`X509_STORE_CTX_get_error_depth`): the failing
    /// certificate's, or on success the leaf's (0).
    pub error_depth: usize,
    /// The chain built (`X509_STORE_CTX_get0_chain`), as DER: the leaf first, then the
    /// issuers found, up to the trust anchor when one was found.
    pub chain: Vec<Vec<u8>>,
}

/// `X509_verify_cert` without a verify callback: verifies the certificate `leaf` (DER) with
/// the `untrusted` certificates (DER, as a peer sends them; the leaf may be among them)
/// against `store` under `params`, at `now` (seconds since the epoch; `params.check_time`
/// replaces it). The first error ends verification, as with OpenSSL's default callback.
///
/// Fails with `ASN1_R_WRONG_TAG` if a certificate does not parse, as `d2i_X509` fails
/// before OpenSSL verifies anything.
pub fn verify_chain<I>(
    leaf: &[u8],
    untrusted: I,
    store: &Store,
    params: &VerifyParams,
    now: i64,
) -> Result<ChainVerification, SslError>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let leaf = parse_der(leaf)?;
    let untrusted = untrusted
        .into_iter()
        .map(|der| parse_der(der.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let verified = verify(leaf, untrusted, store, params, now, &mut |ok, _, _, _| ok);
    Ok(ChainVerification {
        ok: verified.ok,
        error: verified.error,
        error_depth: verified.error_depth,
        chain: verified.chain.into_iter().map(|c| c.der).collect(),
    })
}

/// A certificate's facts, or the ASN.1 error of a certificate that does not parse.
fn parse_der(der: &[u8]) -> Result<CertInfo, SslError> {
    CertInfo::parse(der)
        .ok_or_else(|| SslError::new(ERR_LIB_ASN1, asn1_r::WRONG_TAG).with_data("certificate"))
}

/// An address's network-order bytes.
pub fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// Trusted certificates (`X509_STORE`), in the order they were added.
#[derive(Debug, Clone, Default)]
pub struct Store {
    certs: Vec<CertInfo>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// Adds a certificate (DER) unless it is already there: `Ok(true)` if added, `Ok(false)`
    /// if present; the ASN.1 error if it does not parse.
    pub fn add_der(&mut self, der: &[u8]) -> Result<bool, SslError> {
        let info = parse_der(der)?;
        if self.certs.iter().any(|c| c.der == info.der) {
            return Ok(false);
        }
        self.certs.push(info);
        Ok(true)
    }

    /// How many certificates the store holds.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether the store holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The certificates, as DER, in the order added.
    pub fn certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.certs.iter().map(|c| c.der.as_slice())
    }
}
