//! Hostile and malformed certificates through `qssl::x509::verify::verify_chain`: loops,
//! chains deeper than the limit, a thousand candidate issuers of one name, names times name
//! constraints past OpenSSL's limit, truncated and bit-flipped DER, and 64 KiB names. Each
//! gets the result OpenSSL 3.5's `X509_verify_cert` gives (checked with its `openssl verify`
//! on the same certificates), and the costly ones finish quickly: their wall-clock bounds
//! are generous guards only, the result is the assertion.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use qssl::x509::Certificate;
use qssl::x509::verify::{ChainVerification, Store, VerifyParams, verify_chain, x509_v};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, GeneralSubtree, IsCa, Issuer,
    KeyIdMethod, KeyPair, NameConstraints, SanType, SerialNumber, date_time_ymd,
};

/// The guard on each costly verification: far above what they take (milliseconds), so that
/// only unbounded work trips it.
const GUARD: Duration = Duration::from_secs(5);

/// A certificate's parameters and key, to issue certificates with, and its DER.
struct Cert {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

impl Cert {
    /// A self-signed certificate of `params`.
    fn self_signed(params: CertificateParams) -> Cert {
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Cert { params, key, der }
    }

    /// A certificate of `params` with a new key, issued by `self`.
    fn issue(&self, params: CertificateParams) -> Cert {
        self.issue_with_key(params, KeyPair::generate().unwrap())
    }

    /// A certificate of `params` with `key`, issued by `self`.
    fn issue_with_key(&self, params: CertificateParams, key: KeyPair) -> Cert {
        let der = sign(&params, &key, &self.params, &self.key);
        Cert { params, key, der }
    }
}

/// The DER of a certificate of `params` for `key`, issued by the certificate of
/// `issuer_params` with `issuer_key`.
fn sign(
    params: &CertificateParams,
    key: &KeyPair,
    issuer_params: &CertificateParams,
    issuer_key: &KeyPair,
) -> Vec<u8> {
    let issuer = Issuer::from_params(issuer_params, issuer_key);
    params.signed_by(key, &issuer).unwrap().der().to_vec()
}

/// A subject named `cn`, serial number `serial`.
fn named(cn: &str, serial: u64) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.serial_number = Some(SerialNumber::from(serial));
    params
}

/// A CA named `cn`.
fn ca(cn: &str, serial: u64) -> CertificateParams {
    let mut params = named(cn, serial);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
}

/// An end-entity certificate's parameters, valid for `dns`.
fn end_entity(dns: &[String]) -> CertificateParams {
    let mut params = named("leaf", 1);
    params.subject_alt_names = dns
        .iter()
        .map(|d| SanType::DnsName(d.as_str().try_into().unwrap()))
        .collect();
    params
}

/// A store trusting `certs`.
fn store(certs: &[&Cert]) -> Store {
    let mut store = Store::new();
    for cert in certs {
        assert!(store.add_der(&cert.der).unwrap());
    }
    store
}

/// The time now, in seconds since the epoch.
fn now() -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(now.as_secs()).unwrap()
}

/// Verifies `leaf` with `untrusted` (after the leaf, as in a certificate message) against
/// `store` now: the outcome and how long it took.
fn verify(
    leaf: &[u8],
    untrusted: &[&[u8]],
    store: &Store,
    params: &VerifyParams,
) -> (ChainVerification, Duration) {
    let presented = std::iter::once(leaf).chain(untrusted.iter().copied());
    let start = Instant::now();
    let outcome = verify_chain(leaf, presented, store, params, now()).unwrap();
    (outcome, start.elapsed())
}

/// Asserts the outcome failed with `error` at `depth`.
#[track_caller]
fn assert_fails(outcome: &ChainVerification, error: i64, depth: usize) {
    assert!(!outcome.ok, "{outcome:?}");
    assert_eq!(
        (outcome.error, outcome.error_depth),
        (error, depth),
        "chain of {}",
        outcome.chain.len()
    );
}

/// Asserts a costly verification took less than [`GUARD`], and reports how long it took.
#[track_caller]
fn assert_quick(what: &str, took: Duration) {
    eprintln!("{what}: {took:?}");
    assert!(took < GUARD, "{what} took {took:?}");
}

/// A fixed permutation of `0..n` (the peer's order should not help the search).
fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

#[test]
fn two_cas_issuing_each_other_end_the_chain() {
    let root = Cert::self_signed(ca("Root", 1));
    // A is issued by B and B by A: the chain climbs leaf, A, B, then finds no issuer of B
    // that is not already in it, nor one in the store.
    let (a_params, a_key) = (ca("Loop A", 2), KeyPair::generate().unwrap());
    let (b_params, b_key) = (ca("Loop B", 3), KeyPair::generate().unwrap());
    let a = Cert {
        der: sign(&a_params, &a_key, &b_params, &b_key),
        params: a_params,
        key: a_key,
    };
    let b = Cert {
        der: sign(&b_params, &b_key, &a.params, &a.key),
        params: b_params,
        key: b_key,
    };
    let leaf = a.issue(end_entity(&["example.com".into()]));
    let store = store(&[&root]);
    let params = VerifyParams::default();

    let (outcome, _) = verify(&leaf.der, &[&a.der, &b.der], &store, &params);
    assert_fails(&outcome, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 2);
    assert_eq!(outcome.chain, [&leaf.der[..], &a.der, &b.der]);

    // The same two sent over and over change nothing: a copy of a certificate in the chain
    // is no issuer.
    let copies: Vec<&[u8]> = (0..200).flat_map(|_| [&a.der[..], &b.der[..]]).collect();
    let (outcome, took) = verify(&leaf.der, &copies, &store, &params);
    assert_fails(&outcome, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 2);
    assert_quick("400 copies of a two-CA loop", took);

    // Sixty distinct certificates of each name unroll the loop until the depth limit.
    let a_keys = KeyPair::generate().unwrap();
    let b_keys = KeyPair::generate().unwrap();
    let unrolled: Vec<Vec<u8>> = (0..60u64)
        .flat_map(|k| {
            let a = ca("Loop A", 100 + k);
            let b = ca("Loop B", 200 + k);
            [
                sign(&a, &a_keys, &b, &b_keys),
                sign(&b, &b_keys, &a, &a_keys),
            ]
        })
        .collect();
    let presented: Vec<&[u8]> = unrolled.iter().map(Vec::as_slice).collect();
    let (outcome, took) = verify(&leaf.der, &presented, &store, &params);
    assert_fails(&outcome, x509_v::ERR_CERT_CHAIN_TOO_LONG, 101);
    assert_eq!(outcome.chain.len(), 102);
    assert_quick("a two-name loop of 120 certificates", took);
}

#[test]
fn a_chain_deeper_than_the_limit_fails_at_the_limit() {
    let root = Cert::self_signed(ca("Root", 1));
    let mut cas: Vec<Cert> = Vec::new();
    for k in 1..=150u64 {
        let issuer = cas.last().unwrap_or(&root);
        let next = issuer.issue(ca(&format!("Intermediate {k}"), k + 1));
        cas.push(next);
    }
    let leaf = cas[149].issue(end_entity(&["example.com".into()]));
    let presented: Vec<&[u8]> = shuffled(cas.len())
        .into_iter()
        .map(|i| cas[i].der.as_slice())
        .collect();
    let store = store(&[&root]);

    // The default depth (100): the chain stops growing past 101 CAs.
    let (outcome, took) = verify(&leaf.der, &presented, &store, &VerifyParams::default());
    assert_fails(&outcome, x509_v::ERR_CERT_CHAIN_TOO_LONG, 101);
    assert_eq!(outcome.chain.len(), 102);
    assert_eq!(outcome.chain[101], cas[49].der);
    assert_quick("150 intermediates, depth 100", took);

    // A depth one short of the chain fails at that depth plus one.
    let params = VerifyParams {
        depth: Some(149),
        ..VerifyParams::default()
    };
    let (outcome, _) = verify(&leaf.der, &presented, &store, &params);
    assert_fails(&outcome, x509_v::ERR_CERT_CHAIN_TOO_LONG, 150);

    // Deep enough, the whole chain verifies: 151 signatures.
    let params = VerifyParams {
        depth: Some(150),
        ..VerifyParams::default()
    };
    let (outcome, took) = verify(&leaf.der, &presented, &store, &params);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.chain.len(), 152);
    assert_eq!(outcome.chain[151], root.der);
    assert_quick("150 intermediates, depth 150, verified", took);
}

#[test]
fn a_thousand_candidate_issuers_of_one_name() {
    let root = Cert::self_signed(ca("Root", 1));
    let store = store(&[&root]);
    let params = VerifyParams::default();

    // 999 expired CAs named like the leaf's issuer, sent before the one valid: the first
    // valid candidate is the issuer, and the chain verifies.
    let hub = ca("Hub CA", 2);
    let decoy_key = KeyPair::generate().unwrap();
    let mut candidates: Vec<Vec<u8>> = (0..999u64)
        .map(|k| {
            let mut params = ca("Hub CA", 1000 + k);
            params.not_before = date_time_ymd(1990, 1, 1);
            params.not_after = date_time_ymd(2000, 1, 1);
            sign(&params, &decoy_key, &root.params, &root.key)
        })
        .collect();
    let hub = root.issue(hub);
    candidates.push(hub.der.clone());
    let leaf = hub.issue(end_entity(&["example.com".into()]));
    let presented: Vec<&[u8]> = candidates.iter().map(Vec::as_slice).collect();
    let (outcome, took) = verify(&leaf.der, &presented, &store, &params);
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.chain, [&leaf.der[..], &hub.der, &root.der]);
    assert_quick("999 expired candidates before the issuer", took);

    // A thousand self-issued CAs of one name whose key identifiers chain each to the other
    // half: every step of the chain looks at all of them, until the depth limit.
    let (x_key, y_key) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
    let half = |id: u8, serial: u64| {
        let mut params = ca("Hub CA", serial);
        params.key_identifier_method = KeyIdMethod::PreSpecified(vec![id; 20]);
        params.use_authority_key_identifier_extension = true;
        params
    };
    let (x, y) = (half(b'x', 1), half(b'y', 2));
    let hubs: Vec<Vec<u8>> = (0..1000u64)
        .map(|k| {
            if k % 2 == 0 {
                sign(&half(b'x', 10 + k), &x_key, &y, &y_key)
            } else {
                sign(&half(b'y', 10 + k), &y_key, &x, &x_key)
            }
        })
        .collect();
    let mut leaf_params = end_entity(&["example.com".into()]);
    leaf_params.use_authority_key_identifier_extension = true;
    let leaf = sign(&leaf_params, &decoy_key, &x, &x_key);
    let presented: Vec<&[u8]> = hubs.iter().map(Vec::as_slice).collect();
    let (outcome, took) = verify(&leaf, &presented, &store, &params);
    assert_fails(&outcome, x509_v::ERR_CERT_CHAIN_TOO_LONG, 101);
    assert_eq!(outcome.chain.len(), 102);
    assert_quick("1000 same-name candidates, 101 steps", took);
}

#[test]
fn names_times_constraints_past_openssls_limit_are_refused() {
    // A trust anchor permitting 1000 DNS subtrees.
    let mut root_params = ca("Constrained Root", 1);
    root_params.name_constraints = Some(NameConstraints {
        permitted_subtrees: (0..1000)
            .map(|k| GeneralSubtree::DnsName(format!("d{k}.example")))
            .collect(),
        excluded_subtrees: Vec::new(),
    });
    let root = Cert::self_signed(root_params);
    let store = store(&[&root]);
    let params = VerifyParams::default();

    // 10 000 names (and the common name) against 1000 constraints: over 2^20 comparisons,
    // refused unchecked with X509_V_ERR_UNSPECIFIED at the leaf.
    let names: Vec<String> = (0..10_000)
        .map(|k| format!("h{k}.d{}.example", k % 1000))
        .collect();
    let leaf = root.issue(end_entity(&names));
    let (outcome, took) = verify(&leaf.der, &[], &store, &params);
    assert_fails(&outcome, x509_v::ERR_UNSPECIFIED, 0);
    assert_quick("10 000 names x 1000 constraints", took);

    // 1000 names (and the common name) against 1000 constraints stay under the limit: each
    // name is checked, and each is permitted.
    let leaf = root.issue(end_entity(&names[..1000]));
    let (outcome, took) = verify(&leaf.der, &[], &store, &params);
    assert!(outcome.ok, "{outcome:?}");
    assert_quick("1000 names x 1000 constraints, checked", took);

    // The last of them outside the permitted subtrees is found.
    let mut outside = names[..1000].to_vec();
    outside[999] = "h999.elsewhere.example".into();
    let leaf = root.issue(end_entity(&outside));
    let (outcome, _) = verify(&leaf.der, &[], &store, &params);
    assert_fails(&outcome, x509_v::ERR_PERMITTED_VIOLATION, 0);
}

#[test]
fn truncated_and_bit_flipped_certificates_fail_without_panicking() {
    let root = Cert::self_signed(ca("Root", 1));
    let leaf = root.issue(end_entity(&["example.com".into(), "*.example.org".into()]));
    let store = store(&[&root]);
    let mut params = VerifyParams::default();
    params.set_host_or_ip(Some("example.com"));
    let now = now();
    let (outcome, _) = verify(&leaf.der, &[], &store, &params);
    assert!(outcome.ok, "{outcome:?}");

    // Every truncation fails to parse, as d2i_X509 fails.
    for len in 0..leaf.der.len() {
        let cut = &leaf.der[..len];
        assert!(verify_chain(cut, [cut], &store, &params, now).is_err());
        assert!(Certificate::from_der(cut).is_err());
        assert!(Store::new().add_der(cut).is_err());
    }

    // Every single-bit change either fails to parse or fails verification.
    let mut codes = std::collections::BTreeSet::new();
    for bit in 0..leaf.der.len() * 8 {
        let mut flipped = leaf.der.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        match verify_chain(&flipped, [&flipped], &store, &params, now) {
            Ok(outcome) => {
                assert!(!outcome.ok, "bit {bit} flipped still verifies");
                codes.insert(outcome.error);
            }
            Err(_) => {
                codes.insert(-1);
            }
        }
        if let Ok((cert, _)) = Certificate::from_der(&flipped) {
            let _ = cert.check_host("example.com", 0);
        }
    }
    eprintln!("results of bit flips (-1: no parse): {codes:?}");
    assert!(codes.contains(&x509_v::ERR_CERT_SIGNATURE_FAILURE));

    // Changes OpenSSL tells apart. The unsigned outer layers: a primitive or
    // context-specific outer sequence does not parse.
    let der = &leaf.der;
    let with = |at: usize, byte: u8| {
        let mut changed = der.clone();
        changed[at] = byte;
        verify_chain(&changed, [&changed], &store, &params, now)
    };
    assert!(with(0, 0x10).is_err());
    assert!(with(0, 0xb0).is_err());
    // The signature's bit string: unused bits parse, but never verify.
    let sig = (0..der.len())
        .rfind(|&i| der[i] == 0x03 && i + 2 + usize::from(der[i + 1]) == der.len())
        .unwrap();
    for unused in 1..=7 {
        let outcome = with(sig + 2, unused).unwrap();
        assert_fails(&outcome, x509_v::ERR_CERT_SIGNATURE_FAILURE, 0);
    }
    assert!(with(sig + 2, 8).is_err());
    assert!(with(sig, 0x23).is_err(), "a constructed bit string");
    // The outer signature algorithm: the issuer is still found by the signed one, and the
    // unknown algorithm is too weak for the security level.
    let ecdsa_sha256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let outer = der
        .windows(ecdsa_sha256.len())
        .rposition(|w| w == ecdsa_sha256)
        .unwrap();
    assert!(outer > sig - 14, "the outer one");
    let outcome = with(outer + 9, 0x05).unwrap();
    assert_fails(&outcome, x509_v::ERR_CA_MD_TOO_WEAK, 0);
    assert!(with(outer, 0x07).is_err(), "an algorithm that is no OID");
    // The signed algorithm changed: no issuer's key fits it.
    let inner = der
        .windows(ecdsa_sha256.len())
        .position(|w| w == ecdsa_sha256);
    let outcome = with(inner.unwrap() + 9, 0x05).unwrap();
    assert_fails(&outcome, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0);
    // A P-256 point off the curve is no key.
    let point = der
        .windows(4)
        .position(|w| w == [0x03, 0x42, 0x00, 0x04])
        .unwrap()
        + 4;
    let outcome = with(point + 63, der[point + 63] ^ 1).unwrap();
    assert_fails(&outcome, x509_v::ERR_EE_KEY_TOO_SMALL, 0);

    // Hand-made non-certificates: empty, a bare header, a length past the end, nested
    // sequences thousands deep, and indefinite lengths (BER, not DER).
    let mut nested = Vec::new();
    for _ in 0..5000 {
        let len = nested.len();
        let mut header = vec![0x30];
        if len < 0x80 {
            header.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            header.push(0x80 | bytes.len() as u8);
            header.extend(bytes);
        }
        header.append(&mut nested);
        nested = header;
    }
    let indefinite: Vec<u8> = [0x30, 0x80].repeat(10_000);
    let junk: [&[u8]; 5] = [
        &[],
        &[0x30],
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30],
        &nested,
        &indefinite,
    ];
    for der in junk {
        assert!(verify_chain(der, [der], &store, &params, now).is_err());
        assert!(verify_chain(&leaf.der, [der], &store, &params, now).is_err());
        assert!(Certificate::from_der(der).is_err());
    }
}

#[test]
fn names_64_kib_long() {
    // Labels of 63 bytes up to 64 KiB, under example.com.
    let long_dns = |first: char| {
        let label: String = std::iter::repeat_n(first, 63).collect();
        let mut name = String::new();
        while name.len() + 64 + ".example.com".len() <= 64 * 1024 {
            name.push_str(&label);
            name.push('.');
        }
        name.push_str("example.com");
        name
    };
    let (long_a, long_b) = (long_dns('a'), long_dns('b'));
    assert!(long_a.len() > 65_000);

    // A trust anchor with a 64 KiB name, permitting only example.com.
    let long_cn: String = std::iter::repeat_n('r', 64 * 1024).collect();
    let mut root_params = ca(&long_cn, 1);
    root_params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: Vec::new(),
    });
    let root = Cert::self_signed(root_params);
    let store = store(&[&root]);

    // A leaf with a 64 KiB common name and a 64 KiB DNS name.
    let mut params = end_entity(std::slice::from_ref(&long_a));
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, &long_b);
    let leaf_cert = root.issue(params);

    let mut verify_params = VerifyParams::default();
    verify_params.set_host_or_ip(Some(&long_a));
    let (outcome, took) = verify(&leaf_cert.der, &[], &store, &verify_params);
    assert!(outcome.ok, "{outcome:?}");
    assert_quick("64 KiB names", took);

    // The common name is not looked at when there are DNS names.
    verify_params.set_host_or_ip(Some(&long_b));
    let (outcome, _) = verify(&leaf_cert.der, &[], &store, &verify_params);
    assert_fails(&outcome, x509_v::ERR_HOSTNAME_MISMATCH, 0);

    // A 64 KiB name outside the permitted subtree.
    let outside = long_a.replace("example.com", "example.net");
    let leaf_cert = root.issue(end_entity(&[outside]));
    let (outcome, _) = verify(&leaf_cert.der, &[], &store, &VerifyParams::default());
    assert_fails(&outcome, x509_v::ERR_PERMITTED_VIOLATION, 0);

    // Without DNS names the common name is constrained when it looks like a host name, and
    // one with an embedded NUL is refused as OpenSSL refuses it.
    let only_cn = |cn: &str| root.issue(named(cn, 7)).der;
    let params = VerifyParams::default();
    let (outcome, _) = verify(&only_cn(&long_b), &[], &store, &params);
    assert!(outcome.ok, "{outcome:?}");
    let (outcome, _) = verify(&only_cn("www.example.net"), &[], &store, &params);
    assert_fails(&outcome, x509_v::ERR_PERMITTED_VIOLATION, 0);
    let (outcome, _) = verify(&only_cn("*.example.net"), &[], &store, &params);
    assert!(outcome.ok, "a wildcard is no host name: {outcome:?}");
    let (outcome, _) = verify(&only_cn("www.example.com\0.evil.net"), &[], &store, &params);
    assert_fails(&outcome, x509_v::ERR_UNSUPPORTED_NAME_SYNTAX, 0);
}
