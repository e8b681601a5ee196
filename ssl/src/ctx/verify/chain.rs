//! Walking a peer's certificate chain as OpenSSL's verifier reports it: the chain it builds
//! (leaf first, up to the trust anchor when one is found) and the steps its verify callback
//! is called for — first the errors found while building the chain and checking the name,
//! then one step per certificate from the top down, each preceded by its validity-period
//! error if it has one. webpki decides whether the chain is trusted; this module only
//! arranges what it found the way OpenSSL tells it.

use rustls::pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, UnixTime};
use rustls::{CertificateError, RootCertStore};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::x509::{names, normalized, pki_error, verify_code, x509_v};

/// A context's trust anchors with the certificates they came from (`certs[i]` made
/// `store.roots[i]`), so that a chain can end with its root certificate as OpenSSL's does.
#[derive(Debug, Clone)]
pub(crate) struct Trusted {
    /// The anchors webpki verifies against.
    pub(crate) store: RootCertStore,
    /// The certificate of each anchor, in the same order.
    pub(crate) certs: Vec<CertificateDer<'static>>,
}

impl Default for Trusted {
    fn default() -> Self {
        Trusted {
            store: RootCertStore::empty(),
            certs: Vec::new(),
        }
    }
}

impl Trusted {
    /// Adds `cert` as a trust anchor; false if it cannot be one.
    pub(crate) fn add(&mut self, cert: CertificateDer<'static>) -> bool {
        if self.store.add(cert.clone()).is_err() {
            return false;
        }
        self.certs.push(cert);
        true
    }

    /// The certificate of the anchor whose subject is `issuer`.
    fn issuer_of(&self, issuer: &[u8]) -> Option<&CertificateDer<'static>> {
        let at = self
            .store
            .roots
            .iter()
            .position(|a| a.subject.as_ref() == issuer)?;
        self.certs.get(at)
    }
}

/// One call of the verify callback: the certificate at `depth`, with the error found there
/// (`None`: the certificate passed, `preverify_ok` = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// Index into the chain, 0 being the peer's own certificate.
    pub(crate) depth: usize,
    /// The `X509_V_*` error of this step.
    pub(crate) error: Option<i64>,
}

impl Step {
    fn ok(depth: usize) -> Self {
        Step { depth, error: None }
    }

    fn failed(depth: usize, code: i64) -> Self {
        Step {
            depth,
            error: Some(code),
        }
    }
}

/// What examining a chain found.
#[derive(Debug)]
pub(crate) struct Examined {
    /// The chain as OpenSSL builds it: the leaf, the issuers found among the certificates the
    /// peer sent, and the trust anchor's certificate when one was found.
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// The verify callback's calls, in order.
    pub(crate) steps: Vec<Step>,
    /// The verdict: `Ok` only when no step has an error.
    pub(crate) verdict: Result<(), rustls::Error>,
}

/// What to examine.
pub(crate) struct Request<'a> {
    pub(crate) end_entity: &'a CertificateDer<'a>,
    pub(crate) intermediates: &'a [CertificateDer<'a>],
    pub(crate) trusted: &'a Trusted,
    pub(crate) now: UnixTime,
    pub(crate) algorithms: &'a [&'a dyn SignatureVerificationAlgorithm],
    /// The extended key usage the leaf needs (server or client authentication).
    pub(crate) usage: KeyUsage,
    /// The name the leaf must carry, if any.
    pub(crate) name: Option<&'a ServerName<'a>>,
    /// `SSL_CTX_set_verify_depth`: at most this many CA certificates between the leaf and
    /// the trust anchor.
    pub(crate) max_depth: usize,
}

/// Examines the peer's chain (see the module documentation).
pub(crate) fn examine(r: &Request<'_>) -> Examined {
    let leaf = r.end_entity.clone().into_owned();
    let Ok(ee) = EndEntityCert::try_from(r.end_entity) else {
        return Examined {
            chain: vec![leaf],
            steps: vec![Step::failed(0, x509_v::ERR_UNSPECIFIED)],
            verdict: Err(rustls::Error::InvalidCertificate(
                CertificateError::BadEncoding,
            )),
        };
    };
    let path = ee.verify_for_usage(
        r.algorithms,
        &r.trusted.store.roots,
        r.intermediates,
        r.now,
        r.usage,
        None,
        None,
    );
    let mut steps = Vec::new();
    let (mut chain, mut trusted_top) = match &path {
        Ok(path) => {
            let mut chain = vec![leaf];
            chain.extend(
                path.intermediate_certificates()
                    .map(|c| c.der().into_owned()),
            );
            let anchor = r
                .trusted
                .store
                .roots
                .iter()
                .position(|a| a == path.anchor())
                .and_then(|at| r.trusted.certs.get(at));
            // A trusted certificate that issued itself is its own anchor: it ends the chain.
            chain.extend(anchor.filter(|a| chain.last() != Some(*a)).cloned());
            (chain, true)
        }
        Err(_) => presented_chain(r, &mut steps),
    };
    let verdict = path
        .map(|_| ())
        .map_err(|e| normalized(pki_error(e), r.end_entity));
    if chain.len() > r.max_depth.saturating_add(2) {
        chain.truncate(r.max_depth + 2);
        let top = chain.len() - 1;
        steps = vec![
            Step::failed(top, x509_v::ERR_CERT_CHAIN_TOO_LONG),
            Step::failed(top, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
        ];
        trusted_top = false;
    }
    if let Some(name) = r.name
        && ee.verify_is_valid_for_subject_name(name).is_err()
    {
        let code = match name {
            ServerName::IpAddress(_) => x509_v::ERR_IP_ADDRESS_MISMATCH,
            _ => x509_v::ERR_HOSTNAME_MISMATCH,
        };
        steps.push(Step::failed(0, code));
    }
    walk_down(&chain, trusted_top, r.now, &mut steps);
    if let Err(e) = &verdict
        && steps.iter().all(|s| s.error.is_none())
    {
        steps.insert(0, Step::failed(0, verify_code(e)));
    }
    let verdict = match verdict {
        Ok(()) => match steps.iter().find_map(|s| s.error) {
            Some(code) => Err(error_for_code(code)),
            None => Ok(()),
        },
        Err(e) => Err(e),
    };
    Examined {
        chain,
        steps,
        verdict,
    }
}

/// The chain when webpki found no trusted path: the leaf and the issuers linked to it by name
/// among the certificates the peer sent, plus the trust anchor named as the top's issuer (a
/// path that failed for another reason than its issuer, such as an expired certificate).
/// Records the chain-building error, if any, in `steps`; returns whether the chain ends at
/// a trust anchor.
fn presented_chain(r: &Request<'_>, steps: &mut Vec<Step>) -> (Vec<CertificateDer<'static>>, bool) {
    let mut chain = vec![r.end_entity.clone().into_owned()];
    let mut used = vec![false; r.intermediates.len()];
    while let Some((issuer, subject)) = chain.last().and_then(|c| names(c)) {
        if issuer == subject {
            break;
        }
        let next = r
            .intermediates
            .iter()
            .enumerate()
            .find(|(i, c)| !used[*i] && names(c).is_some_and(|(_, s)| s == issuer));
        let Some((i, cert)) = next else {
            break;
        };
        used[i] = true;
        chain.push(cert.clone().into_owned());
    }
    let top = chain.len() - 1;
    let Some((issuer, subject)) = names(&chain[top]) else {
        steps.push(Step::failed(top, x509_v::ERR_UNSPECIFIED));
        return (chain, false);
    };
    if issuer == subject {
        if r.trusted.certs.contains(&chain[top]) {
            return (chain, true);
        }
        let code = if top == 0 {
            x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        } else {
            x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
        };
        steps.push(Step::failed(top, code));
        return (chain, false);
    }
    match r.trusted.issuer_of(&issuer) {
        Some(anchor) => {
            chain.push(anchor.clone());
            (chain, true)
        }
        None => {
            steps.push(Step::failed(
                top,
                x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            ));
            (chain, false)
        }
    }
}

/// OpenSSL's final pass: from the top of the chain down to the leaf, each certificate's
/// validity-period error (if any) and then its passing step. An untrusted top that did not
/// issue itself is not checked (nothing vouches for it); if it is the leaf, its signature
/// cannot be verified at all.
fn walk_down(
    chain: &[CertificateDer<'_>],
    trusted_top: bool,
    now: UnixTime,
    steps: &mut Vec<Step>,
) {
    let top = chain.len() - 1;
    let self_issued = names(&chain[top]).is_some_and(|(issuer, subject)| issuer == subject);
    let start = if trusted_top || self_issued {
        top
    } else if top == 0 {
        steps.push(Step::failed(0, x509_v::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE));
        0
    } else {
        top - 1
    };
    for depth in (0..=start).rev() {
        if let Some(code) = validity_error(&chain[depth], now) {
            steps.push(Step::failed(depth, code));
        }
        steps.push(Step::ok(depth));
    }
}

/// `CERT_NOT_YET_VALID` or `CERT_HAS_EXPIRED` if `now` is outside the certificate's validity.
fn validity_error(cert: &CertificateDer<'_>, now: UnixTime) -> Option<i64> {
    let (_, parsed) = X509Certificate::from_der(cert.as_ref()).ok()?;
    let now = i64::try_from(now.as_secs()).ok()?;
    let validity = parsed.validity();
    if now < validity.not_before.timestamp() {
        Some(x509_v::ERR_CERT_NOT_YET_VALID)
    } else if now > validity.not_after.timestamp() {
        Some(x509_v::ERR_CERT_HAS_EXPIRED)
    } else {
        None
    }
}

/// The rustls error a handshake fails with for a certificate rejected with `code`.
pub(crate) fn error_for_code(code: i64) -> rustls::Error {
    let e = match code {
        x509_v::ERR_HOSTNAME_MISMATCH | x509_v::ERR_IP_ADDRESS_MISMATCH => {
            CertificateError::NotValidForName
        }
        x509_v::ERR_CERT_HAS_EXPIRED => CertificateError::Expired,
        x509_v::ERR_CERT_NOT_YET_VALID => CertificateError::NotValidYet,
        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
        | x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | x509_v::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        | x509_v::ERR_CERT_CHAIN_TOO_LONG => CertificateError::UnknownIssuer,
        x509_v::ERR_CERT_SIGNATURE_FAILURE => CertificateError::BadSignature,
        x509_v::ERR_CERT_REVOKED => CertificateError::Revoked,
        x509_v::ERR_INVALID_PURPOSE => CertificateError::InvalidPurpose,
        x509_v::ERR_UNHANDLED_CRITICAL_EXTENSION => CertificateError::UnhandledCriticalExtension,
        _ => CertificateError::ApplicationVerificationFailure,
    };
    rustls::Error::InvalidCertificate(e)
}
