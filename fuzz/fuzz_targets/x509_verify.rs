//! Certificates of arbitrary bytes through the parser, the host, address and e-mail matchers
//! and the verifier (`X509_verify_cert`): the whole input as one certificate, verified alone
//! and against itself as a trust anchor, then split into a small chain. Never panics, and
//! whatever the verifier reports is consistent: success has no error, the chain starts with
//! the leaf and stays within the depth limit, the failure's depth lies in the chain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl::x509::Certificate;
use qssl::x509::verify::{
    ChainVerification, Purpose, Store, VerifyParams, verify_chain, x509_v, x509_v_flag,
};

/// A time inside most certificates' validity (2025-01-01), so that the checks after the
/// time checks are reached.
const NOW: i64 = 1_735_689_600;

fuzz_target!(|data: &[u8]| {
    // The whole input: one certificate, matched against names and verified.
    if let Ok((cert, used)) = Certificate::from_der(data) {
        assert!(used <= data.len());
        let flags = data.last().map_or(0, |b| u32::from(*b & 0x3f));
        let _ = cert.check_host("www.example.com", flags);
        let _ = cert.check_host(".example.com", flags);
        let _ = cert.check_ip(&[192, 0, 2, 1]);
        let _ = cert.check_email("user@example.com");
    }
    let params = VerifyParams::default();
    check(data, &[], &Store::new(), &params);
    let mut trusting_itself = Store::new();
    if trusting_itself.add_der(data).is_ok() {
        check(data, &[data], &trusting_itself, &params);
    }

    // A control byte, then certificates each after a 2-byte length: the leaf, a trusted
    // one, then what the peer sent with the leaf; the last piece is the expected host name.
    let Some((&control, mut rest)) = data.split_first() else {
        return;
    };
    let mut pieces = Vec::new();
    while rest.len() >= 2 && pieces.len() < 8 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        pieces.push(&rest[2..2 + len]);
        rest = &rest[2 + len..];
    }
    let Some((&leaf, others)) = pieces.split_first() else {
        return;
    };
    let mut store = Store::new();
    let untrusted = match others.split_first() {
        Some((trusted, untrusted)) => {
            let _ = store.add_der(trusted);
            untrusted
        }
        None => &[],
    };
    let mut params = VerifyParams {
        depth: Some(usize::from(control & 0x7)),
        purpose: match control >> 6 {
            1 => Purpose::SslServer,
            2 => Purpose::SslClient,
            _ => Purpose::Any,
        },
        ..VerifyParams::default()
    };
    for (bit, flag) in [
        (0x08, x509_v_flag::PARTIAL_CHAIN),
        (0x10, x509_v_flag::X509_STRICT),
        (0x20, x509_v_flag::NO_CHECK_TIME),
    ] {
        if control & bit != 0 {
            params.flags |= flag;
        }
    }
    if let Some(host) = pieces.last().and_then(|p| std::str::from_utf8(p).ok()) {
        params.set_host_or_ip(Some(host));
    }
    check(leaf, untrusted, &store, &params);
});

/// Verifies `leaf` with `untrusted` against `store`, and checks the outcome is consistent.
fn check(leaf: &[u8], untrusted: &[&[u8]], store: &Store, params: &VerifyParams) {
    let presented = std::iter::once(leaf).chain(untrusted.iter().copied());
    let Ok(outcome) = verify_chain(leaf, presented, store, params, NOW) else {
        return;
    };
    let ChainVerification {
        ok,
        error,
        error_depth,
        chain,
    } = &outcome;
    assert_eq!(*ok, *error == x509_v::OK, "{outcome:?}");
    assert!(
        leaf.starts_with(&chain[0]),
        "the chain starts with the leaf"
    );
    assert!(*error_depth < chain.len(), "{outcome:?}");
    let depth = params.depth.unwrap_or(qssl::x509::verify::DEFAULT_DEPTH);
    assert!(chain.len() <= depth + 2, "{outcome:?}");
}
