//! The chain verification OpenSSL's `X509_verify_cert` does, step for step: building the
//! chain (trusted issuers first, alternate chains, partial chains), then checking the
//! extensions (CA flags, purposes, path lengths), the key and signature strengths, the
//! expected host, address or e-mail, the signatures and validity periods from the top down,
//! and name constraints. Every error goes to the verify callback where OpenSSL reports it,
//! with the same depth and code; a callback that accepts an error lets verification go on.

use super::cert::{CertInfo, ku, ns, xku};
use super::codes::x509_v;
use super::names::{check_constraints, host_is_checkable, match_email, match_host, match_ip};
use super::{Purpose, Store, VerifyParams, x509_v_flag as flag};

/// What the verify callback is called with at each step: `ok`, the chain so far, the
/// depth of the certificate concerned and the verify result (which the callback may
/// change). It returns whether verification goes on.
pub(crate) type StepFn<'a> = dyn FnMut(bool, &[CertInfo], usize, &mut i64) -> bool + 'a;

/// The result of a verification.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The chain built: the leaf first, up to the trust anchor when one was found.
    pub(crate) chain: Vec<CertInfo>,
    /// The verify result (`X509_STORE_CTX_get_error`, `SSL_get_verify_result`).
    pub(crate) error: i64,
    /// The depth of the last step reported (`X509_STORE_CTX_get_error_depth`).
    pub(crate) error_depth: usize,
    /// Whether `X509_verify_cert` succeeded (with a callback that accepted errors, it
    /// succeeds with an error recorded).
    pub(crate) ok: bool,
}

/// A trust decision (`X509_TRUST_*`; no certificate here carries explicit trust settings,
/// so none is ever rejected outright).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    Trusted,
    Untrusted,
}

/// Searching the certificates the peer sent.
const S_UNTRUSTED: u8 = 1;
/// Searching the trust store.
const S_TRUSTED: u8 = 2;
/// Retrying with a shorter chain of the peer's certificates.
const S_ALTERNATE: u8 = 4;

/// OpenSSL's minimum security bits per authentication level 1 to 5.
const MIN_BITS: [u32; 5] = [80, 112, 128, 192, 256];

/// One verification's state (`X509_STORE_CTX`).
struct Ctx<'a, 'cb> {
    params: &'a VerifyParams,
    store: &'a Store,
    now: i64,
    flags: u64,
    chain: Vec<CertInfo>,
    num_untrusted: usize,
    error: i64,
    error_depth: usize,
    callback: &'a mut StepFn<'cb>,
}

/// Verifies `leaf` with the `untrusted` certificates the peer sent (the leaf may be among
/// them, as in a TLS certificate message) against `store`, as `X509_verify_cert` does at
/// time `now` (seconds since the epoch).
pub(crate) fn verify(
    leaf: CertInfo,
    untrusted: Vec<CertInfo>,
    store: &Store,
    params: &VerifyParams,
    now: i64,
    callback: &mut StepFn<'_>,
) -> Verified {
    let mut ctx = Ctx {
        params,
        store,
        now: params.check_time.unwrap_or(now),
        // The "default" parameters every verification inherits look for trusted issuers
        // first.
        flags: params.flags | flag::TRUSTED_FIRST,
        chain: vec![leaf],
        num_untrusted: 1,
        error: x509_v::OK,
        error_depth: 0,
        callback,
    };
    let ok = ctx.verify_x509(untrusted);
    if !ok && ctx.error == x509_v::OK {
        ctx.error = x509_v::ERR_UNSPECIFIED;
    }
    Verified {
        chain: ctx.chain,
        error: ctx.error,
        error_depth: ctx.error_depth,
        ok,
    }
}

impl<'a> Ctx<'a, '_> {
    /// Tells the callback about error `err` (unless `X509_V_OK`, which keeps the current
    /// one) at `depth`: whether to go on (`verify_cb_cert`).
    fn fail(&mut self, depth: usize, err: i64) -> bool {
        self.error_depth = depth;
        if err != x509_v::OK {
            self.error = err;
        }
        (self.callback)(false, &self.chain, depth, &mut self.error)
    }

    /// `CB_FAIL_IF`: `false` when `cond` holds and the callback stops verification.
    fn check(&mut self, cond: bool, depth: usize, err: i64) -> bool {
        !cond || self.fail(depth, err)
    }

    fn verify_x509(&mut self, untrusted: Vec<CertInfo>) -> bool {
        if !self.key_level_ok(0) && !self.fail(0, x509_v::ERR_EE_KEY_TOO_SMALL) {
            return false;
        }
        self.build_chain(untrusted)
            && self.check_extensions()
            && self.check_auth_level()
            && self.check_id()
            && self.internal_verify()
            && self.check_name_constraints()
    }

    /// The maximum chain length before the depth limit: the verify depth plus the leaf and
    /// the anchor.
    fn max_depth(&self) -> usize {
        self.params
            .depth
            .unwrap_or(super::DEFAULT_DEPTH)
            .saturating_add(1)
    }

    /// Whether `cert` is currently valid, without telling anyone (`ossl_x509_check_cert_time`
    /// with depth -1).
    fn time_ok(&self, cert: &CertInfo) -> bool {
        (self.flags & flag::NO_CHECK_TIME != 0 && self.flags & flag::USE_CHECK_TIME == 0)
            || (cert.not_before <= self.now && self.now < cert.not_after)
    }

    /// `check_issued`: `issuer`'s subject is `cert`'s issuer, its key identifier fits, and
    /// its key fits `cert`'s signature algorithm (the signature itself is checked later).
    fn issued(cert: &CertInfo, issuer: &CertInfo) -> bool {
        issuer.subject == cert.issuer
            && !issuer.invalid
            && !cert.invalid
            && cert.akid_error(issuer) == x509_v::OK
            && issuer.key_fits_signature_of(cert)
    }

    /// The best issuer of `cert` among `candidates` (`get0_best_issuer_sk`, the callers
    /// leaving out the candidates it skips): the first that issued it and is valid now, else
    /// the one of those expiring last.
    fn best_issuer<'c>(
        &self,
        candidates: impl Iterator<Item = (usize, &'c CertInfo)>,
        cert: &CertInfo,
    ) -> Option<(usize, &'c CertInfo)> {
        let mut best: Option<(usize, &'c CertInfo)> = None;
        for (i, candidate) in candidates {
            if !Self::issued(cert, candidate) {
                continue;
            }
            if self.time_ok(candidate) {
                return Some((i, candidate));
            }
            if best.is_none_or(|(_, b)| candidate.not_after > b.not_after) {
                best = Some((i, candidate));
            }
        }
        best
    }

    /// The trust store's issuer of `cert` (`X509_STORE_CTX_get1_issuer`), borrowed from the
    /// store.
    fn trusted_issuer(&self, cert: &CertInfo) -> Option<&'a CertInfo> {
        let store: &'a Store = self.store;
        let named = store.certs.iter().filter(|c| c.subject == cert.issuer);
        self.best_issuer(named.enumerate(), cert).map(|(_, c)| c)
    }

    /// `build_chain`.
    fn build_chain(&mut self, untrusted: Vec<CertInfo>) -> bool {
        // The peer's certificates not yet in the chain, each with whether it equals one that
        // is: `get0_best_issuer_sk`'s `no_dup` test (`sk_X509_contains`), kept up to date as
        // the chain grows instead of searched for every candidate at every step, which
        // would cost candidates × depth comparisons per step. The chain only changes
        // otherwise once a trusted certificate joins it, and from then on the peer's
        // certificates are no longer searched.
        let mut untrusted: Vec<(CertInfo, bool)> = untrusted
            .into_iter()
            .map(|c| {
                let in_chain = c.der == self.chain[0].der;
                (c, in_chain)
            })
            .collect();
        let mut search = S_UNTRUSTED;
        let mut may_alternate = false;
        if self.flags & flag::TRUSTED_FIRST != 0 {
            search |= S_TRUSTED;
        } else if self.flags & flag::NO_ALT_CHAINS == 0 {
            may_alternate = true;
        }
        let max_depth = self.max_depth();
        let mut trust = Trust::Untrusted;
        let mut alt_untrusted = 0usize;
        while search != 0 {
            let num = self.chain.len();
            self.error_depth = num - 1;
            if search & S_TRUSTED != 0 {
                let i = if search & S_ALTERNATE != 0 {
                    alt_untrusted
                } else {
                    num
                };
                let issuer = if num > max_depth {
                    None
                } else {
                    self.trusted_issuer(&self.chain[i - 1])
                };
                if let Some(issuer) = issuer {
                    let curr = &self.chain[i - 1];
                    let self_signed = curr.self_signed;
                    let is_curr = curr.der == issuer.der;
                    if search & S_ALTERNATE != 0 {
                        search &= !S_ALTERNATE;
                        self.chain.truncate(i);
                        self.num_untrusted = i;
                    }
                    let len = self.chain.len();
                    let added = if !self_signed {
                        // Grow the chain by the trusted issuer.
                        self.chain.push(issuer.clone());
                        Some(len)
                    } else if !is_curr {
                        // A self-signed certificate mimicking a trust anchor's name.
                        None
                    } else {
                        // The peer's self-signed certificate is the trust anchor itself.
                        self.num_untrusted = len - 1;
                        self.chain[len - 1] = issuer.clone();
                        Some(len - 1)
                    };
                    if let Some(at) = added {
                        search &= !S_UNTRUSTED;
                        trust = self.check_trust(at);
                        if trust != Trust::Untrusted {
                            break;
                        }
                        if !self_signed {
                            continue;
                        }
                    }
                }
                if search & S_UNTRUSTED == 0 {
                    if search & S_ALTERNATE != 0 {
                        alt_untrusted -= 1;
                        if alt_untrusted > 0 {
                            continue;
                        }
                    }
                    if !may_alternate || search & S_ALTERNATE != 0 || self.num_untrusted < 2 {
                        break;
                    }
                    search |= S_ALTERNATE;
                    alt_untrusted = self.num_untrusted - 1;
                }
            }
            if search & S_UNTRUSTED != 0 {
                let num = self.chain.len();
                let curr = &self.chain[num - 1];
                let found = if curr.self_signed || num > max_depth {
                    None
                } else {
                    // A self-issued leaf may be its own issuer.
                    let dup_ok = curr.self_issued && num == 1;
                    let candidates = untrusted
                        .iter()
                        .enumerate()
                        .filter(|(_, (_, in_chain))| dup_ok || !in_chain)
                        .map(|(i, (c, _))| (i, c));
                    self.best_issuer(candidates, curr).map(|(i, _)| i)
                };
                match found {
                    None => {
                        search &= !S_UNTRUSTED;
                        search |= S_TRUSTED;
                    }
                    Some(at) => {
                        let (issuer, _) = untrusted.remove(at);
                        for (c, in_chain) in &mut untrusted {
                            *in_chain |= c.der == issuer.der;
                        }
                        self.chain.push(issuer);
                        self.num_untrusted += 1;
                    }
                }
            }
        }
        let num = self.chain.len();
        if num <= max_depth && trust == Trust::Untrusted && num == self.num_untrusted {
            trust = self.check_trust(num);
        }
        match trust {
            Trust::Trusted => true,
            Trust::Untrusted => {
                match self.error {
                    x509_v::OK => {}
                    x509_v::ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD
                    | x509_v::ERR_CERT_NOT_YET_VALID
                    | x509_v::ERR_ERROR_IN_CERT_NOT_AFTER_FIELD
                    | x509_v::ERR_CERT_HAS_EXPIRED => return false,
                    e => return self.fail(num - 1, e),
                }
                if !self.check(num > max_depth, num - 1, x509_v::ERR_CERT_CHAIN_TOO_LONG) {
                    return false;
                }
                if self.chain[num - 1].self_signed {
                    let err = if num == 1 {
                        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                    } else {
                        x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
                    };
                    return self.fail(num - 1, err);
                }
                let err = if self.num_untrusted < num {
                    x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT
                } else {
                    x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
                };
                self.fail(num - 1, err)
            }
        }
    }

    /// `check_trust` from position `from`: a self-signed certificate from the store
    /// (OpenSSL's compatibility trust, as no certificate here carries explicit trust
    /// settings) makes the chain trusted; with `X509_V_FLAG_PARTIAL_CHAIN` any certificate
    /// from the store does, and so does a leaf that is itself in the store.
    fn check_trust(&mut self, from: usize) -> Trust {
        let num = self.chain.len();
        if self.chain[from..]
            .iter()
            .any(|c| c.self_signed && !c.invalid)
        {
            return Trust::Trusted;
        }
        let partial = self.flags & flag::PARTIAL_CHAIN != 0;
        if from < num {
            return if partial {
                Trust::Trusted
            } else {
                Trust::Untrusted
            };
        }
        if partial {
            let leaf = &self.chain[0];
            if let Some(stored) = self
                .store
                .certs
                .iter()
                .find(|c| c.subject == leaf.subject && c.der == leaf.der)
            {
                self.chain[0] = stored.clone();
                self.num_untrusted = 0;
                return Trust::Trusted;
            }
        }
        Trust::Untrusted
    }

    /// `check_extensions`: per certificate, unhandled critical extensions, CA status,
    /// strict-mode rules, purpose and path length.
    fn check_extensions(&mut self) -> bool {
        let num = self.chain.len();
        let strict = self.flags & flag::X509_STRICT != 0;
        let mut plen: u64 = 0;
        for i in 0..num {
            // What is checked is read first, the callback told after.
            let x = &self.chain[i];
            let unhandled = self.flags & flag::IGNORE_CRITICAL == 0 && x.unhandled_critical;
            // Every certificate above the leaf must be a CA (qssl takes no proxy
            // certificates, which OpenSSL refuses by default too).
            let ret = x.check_ca();
            let bad_ca = if i == 0 {
                strict && ret != 1 && ret != 0
            } else {
                ret == 0 || ((i + 1 < num || strict) && ret != 1)
            };
            let strict_rules = (strict && num > 1).then(|| strict_rules(x, i, num));
            let purpose_ok = self.purpose_ok(x, i > 0);
            let path_too_long = i > 1 && x.path_len.is_some_and(|p| plen > u64::from(p));
            if i > 0 && !x.self_issued {
                plen += 1;
            }
            if !self.check(unhandled, i, x509_v::ERR_UNHANDLED_CRITICAL_EXTENSION)
                || !self.check(bad_ca, i, x509_v::ERR_INVALID_CA)
            {
                return false;
            }
            if let Some(rules) = strict_rules
                && !rules
                    .into_iter()
                    .all(|(cond, err)| self.check(cond, i, err))
            {
                return false;
            }
            if !self.check(!purpose_ok, i, x509_v::ERR_INVALID_PURPOSE)
                || !self.check(path_too_long, i, x509_v::ERR_PATH_LENGTH_EXCEEDED)
            {
                return false;
            }
        }
        true
    }

    /// `check_purpose`: whether the certificate fits the purpose (as a CA above the leaf);
    /// a certificate that cannot be judged passes unless in strict mode.
    fn purpose_ok(&self, x: &CertInfo, ca: bool) -> bool {
        match purpose_check(x, self.params.purpose, ca) {
            Some(ok) => ok,
            None => self.flags & flag::X509_STRICT == 0,
        }
    }

    /// `check_auth_level`: the issuers' keys and the signatures below the anchor are strong
    /// enough for the security level.
    fn check_auth_level(&mut self) -> bool {
        if self.params.auth_level == 0 {
            return true;
        }
        let num = self.chain.len();
        for i in 0..num {
            if !self.check(
                i > 0 && !self.key_level_ok(i),
                i,
                x509_v::ERR_CA_KEY_TOO_SMALL,
            ) {
                return false;
            }
            let weak = i + 1 < num && self.chain[i].signature_bits < self.min_bits();
            if !self.check(weak, i, x509_v::ERR_CA_MD_TOO_WEAK) {
                return false;
            }
        }
        true
    }

    fn min_bits(&self) -> u32 {
        let level = self.params.auth_level.clamp(1, 5);
        MIN_BITS[level as usize - 1]
    }

    /// Whether the key of the certificate at `depth` is strong enough (`check_key_level`).
    fn key_level_ok(&self, depth: usize) -> bool {
        self.params.auth_level == 0 || self.chain[depth].key_bits >= self.min_bits()
    }

    /// `check_id`: the expected host names, e-mail address and IP address, each failure
    /// reported at depth 0.
    fn check_id(&mut self) -> bool {
        let (leaf, params) = (&self.chain[0], self.params);
        let host_mismatch = !params.hosts.is_empty()
            && !params
                .hosts
                .iter()
                .any(|h| host_is_checkable(h) && match_host(leaf, h, params.host_flags).is_some());
        let email_mismatch = params.email.as_ref().is_some_and(|e| !match_email(leaf, e));
        let ip_mismatch = params.ip.as_ref().is_some_and(|ip| !match_ip(leaf, ip));
        self.check(host_mismatch, 0, x509_v::ERR_HOSTNAME_MISMATCH)
            && self.check(email_mismatch, 0, x509_v::ERR_EMAIL_MISMATCH)
            && self.check(ip_mismatch, 0, x509_v::ERR_IP_ADDRESS_MISMATCH)
    }

    /// `ossl_x509_check_cert_time` at `depth`, telling the callback.
    fn check_time(&mut self, depth: usize) -> bool {
        if self.flags & flag::USE_CHECK_TIME == 0 && self.flags & flag::NO_CHECK_TIME != 0 {
            return true;
        }
        let cert = &self.chain[depth];
        let (before, after) = (cert.not_before, cert.not_after);
        // OpenSSL counts the last second of the validity period as expired.
        self.check(self.now < before, depth, x509_v::ERR_CERT_NOT_YET_VALID)
            && self.check(self.now >= after, depth, x509_v::ERR_CERT_HAS_EXPIRED)
    }

    /// `internal_verify`: from the top of the chain down, each certificate's issuer may
    /// sign, its signature verifies and it is within its validity period; then the
    /// callback is told it passed. An untrusted top that did not sign itself is not checked
    /// (without a partial chain); if it is the leaf, its signature cannot be verified.
    fn internal_verify(&mut self) -> bool {
        let mut n = self.chain.len() - 1;
        let mut xi = n;
        let mut xs = n;
        let top = &self.chain[n];
        if !(top.subject == top.issuer && Self::issued(top, top))
            && self.flags & flag::PARTIAL_CHAIN == 0
        {
            if n > 0 {
                n -= 1;
                xs = n;
            } else if !self.fail(0, x509_v::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
                return false;
            }
        }
        loop {
            let check_ss = self.flags & flag::CHECK_SS_SIGNATURE != 0 && self.chain[xi].self_signed;
            if xs != xi || check_ss {
                let issuer_depth = if xs == xi { n } else { n + 1 };
                let (issuer, subject) = (&self.chain[xi], &self.chain[xs]);
                let allowed = if xs == xi && !issuer.ca {
                    x509_v::OK
                } else {
                    signing_allowed(issuer, subject)
                };
                if !self.check(allowed != x509_v::OK, issuer_depth, allowed) {
                    return false;
                }
                let (issuer, subject) = (&self.chain[xi], &self.chain[xs]);
                if !issuer.has_usable_key() {
                    if !self.fail(issuer_depth, x509_v::ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY) {
                        return false;
                    }
                } else if !subject.signed_by(issuer)
                    && !self.fail(n, x509_v::ERR_CERT_SIGNATURE_FAILURE)
                {
                    return false;
                }
            }
            if !self.check_time(n) {
                return false;
            }
            self.error_depth = n;
            if !(self.callback)(true, &self.chain, n, &mut self.error) {
                return false;
            }
            if n == 0 {
                return true;
            }
            n -= 1;
            xi = xs;
            xs = n;
        }
    }

    /// `check_name_constraints`: each certificate (but self-issued CAs) against the name
    /// constraints of every CA above it.
    fn check_name_constraints(&mut self) -> bool {
        let num = self.chain.len();
        for i in (0..num).rev() {
            if i != 0 && self.chain[i].self_issued {
                continue;
            }
            for j in (i + 1..num).rev() {
                let x = &self.chain[i];
                let Some((permitted, excluded)) = &self.chain[j].name_constraints else {
                    continue;
                };
                let flags = self.params.host_flags;
                let check_cn = i == 0
                    && flags & super::check_flag::NEVER_CHECK_SUBJECT == 0
                    && (flags & super::check_flag::ALWAYS_CHECK_SUBJECT != 0
                        || x.alt_names.as_ref().is_none_or(|n| n.dns.is_empty()));
                let rv = check_constraints(x, permitted, excluded, check_cn);
                if !self.check(rv != x509_v::OK, i, rv) {
                    return false;
                }
            }
        }
        true
    }
}

/// The `X509_V_FLAG_X509_STRICT` rules of `check_extensions` for the certificate `x` at
/// depth `i` of a chain of `num`: each rule's failure condition and error, in OpenSSL's
/// order.
fn strict_rules(x: &CertInfo, i: usize, num: usize) -> [(bool, i64); 15] {
    let ca = x.ca && x.bcons;
    [
        (
            x.path_len.is_some() && !ca,
            x509_v::ERR_PATHLEN_INVALID_FOR_NON_CA,
        ),
        (
            x.path_len.is_some() && x.key_usage.is_none_or(|k| k & ku::KEY_CERT_SIGN == 0),
            x509_v::ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN,
        ),
        (ca && !x.bcons_critical, x509_v::ERR_CA_BCONS_NOT_CRITICAL),
        (
            ca && x.key_usage.is_none(),
            x509_v::ERR_CA_CERT_MISSING_KEY_USAGE,
        ),
        (
            !ca && x.key_usage.is_some_and(|k| k & ku::KEY_CERT_SIGN != 0),
            x509_v::ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA,
        ),
        (x.issuer_empty, x509_v::ERR_ISSUER_NAME_EMPTY),
        (
            (ca || x.alt_names.is_none()) && x.subject_empty,
            x509_v::ERR_SUBJECT_NAME_EMPTY,
        ),
        (
            x.subject_empty && x.alt_names.is_some() && !x.san_critical,
            x509_v::ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL,
        ),
        (
            x.alt_names.as_ref().is_some_and(|n| n.count == 0),
            x509_v::ERR_EMPTY_SUBJECT_ALT_NAME,
        ),
        (
            !x.signature_algorithms_agree,
            x509_v::ERR_SIGNATURE_ALGORITHM_INCONSISTENCY,
        ),
        (
            x.akid.is_some() && x.akid_critical,
            x509_v::ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL,
        ),
        (
            x.skid.is_some() && x.skid_critical,
            x509_v::ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL,
        ),
        (
            x.version >= 3 && i + 1 < num && x.akid.as_ref().is_none_or(|a| a.key_id.is_none()),
            x509_v::ERR_MISSING_AUTHORITY_KEY_IDENTIFIER,
        ),
        (
            x.version >= 3 && ca && x.skid.is_none(),
            x509_v::ERR_MISSING_SUBJECT_KEY_IDENTIFIER,
        ),
        (
            x.version < 3 && x.extension_count > 0,
            x509_v::ERR_EXTENSIONS_REQUIRE_VERSION_3,
        ),
    ]
}

/// `ossl_x509_signing_allowed`: an issuer with key usage must allow certificate signing.
fn signing_allowed(issuer: &CertInfo, _subject: &CertInfo) -> i64 {
    if issuer.rejects_key_usage(ku::KEY_CERT_SIGN) {
        x509_v::ERR_KEYUSAGE_NO_CERTSIGN
    } else {
        x509_v::OK
    }
}

/// `X509_check_purpose(x, purpose, ca)`: `Some(fits)`, or `None` when the certificate's
/// extensions are invalid (OpenSSL's -1).
fn purpose_check(x: &CertInfo, purpose: Purpose, ca: bool) -> Option<bool> {
    if x.invalid {
        return None;
    }
    let ssl_ca = || {
        let r = x.check_ca();
        r != 0 && (r != 5 || x.ns_cert_type.is_some_and(|t| t & ns::SSL_CA != 0))
    };
    Some(match purpose {
        Purpose::Any => true,
        Purpose::SslClient => {
            if x.rejects_ext_key_usage(xku::SSL_CLIENT) {
                false
            } else if ca {
                ssl_ca()
            } else {
                !x.rejects_key_usage(ku::DIGITAL_SIGNATURE | ku::KEY_AGREEMENT)
                    && !x.rejects_ns_type(ns::SSL_CLIENT)
            }
        }
        Purpose::SslServer => {
            if x.rejects_ext_key_usage(xku::SSL_SERVER | xku::SGC) {
                false
            } else if ca {
                ssl_ca()
            } else {
                !x.rejects_ns_type(ns::SSL_SERVER)
                    && !x.rejects_key_usage(
                        ku::DIGITAL_SIGNATURE | ku::KEY_ENCIPHERMENT | ku::KEY_AGREEMENT,
                    )
            }
        }
    })
}
