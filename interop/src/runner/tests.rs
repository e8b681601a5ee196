//! The interop runner's test cases as the local runner runs them: what each side is told,
//! the files, the network, the time allowed and what the judge checks.

use std::time::Duration;

use super::trace::TraceCheck;

/// How many handshakes a run must show, counted as the runner counts them (distinct source
/// connection IDs of the server's Initial packets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handshakes {
    /// Exactly this many.
    Exactly(usize),
}

/// One test case.
#[derive(Debug, Clone)]
pub struct TestSpec {
    /// The runner's name (also the network scenario's).
    pub name: &'static str,
    /// `TESTCASE` of the server and of the client.
    pub server_case: &'static str,
    /// `TESTCASE` of the client.
    pub client_case: &'static str,
    /// File sizes to serve and fetch.
    pub sizes: Vec<usize>,
    /// Over IPv6 instead of IPv4.
    pub ipv6: bool,
    /// The runner's time limit.
    pub timeout: Duration,
    /// The handshakes the run must show.
    pub handshakes: Handshakes,
    /// Whether the server must send a Retry (`Some(true)`), must not (`Some(false)`), or
    /// either.
    pub retry: Option<bool>,
    /// The checks made on the run's capture.
    pub trace: &'static [TraceCheck],
    /// Certificates in the server's chain (`cert.pem`).
    pub chain: usize,
    /// A measurement: the result is the goodput.
    pub measure_goodput: bool,
    /// Runs of the case, all of which must pass (the runner repeats measurements 5 times).
    pub repetitions: usize,
    /// The server offers a preferred address (a second address of the relay's, passed in
    /// `QSSL_PREFERRED_ADDRESS`).
    pub preferred_address: bool,
    /// The files' names are this long (0: short names).
    pub name_len: usize,
}

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// Every test case the local runner knows, in the runner's order.
pub fn all() -> Vec<TestSpec> {
    let t = |name, server_case, client_case, sizes: Vec<usize>| TestSpec {
        name,
        server_case,
        client_case,
        sizes,
        ipv6: false,
        timeout: Duration::from_secs(60),
        handshakes: Handshakes::Exactly(1),
        retry: None,
        trace: &[],
        chain: 1,
        measure_goodput: false,
        repetitions: 1,
        preferred_address: false,
        name_len: 0,
    };
    vec![
        TestSpec {
            retry: Some(false),
            ..t("handshake", "handshake", "handshake", vec![KIB])
        },
        t(
            "transfer",
            "transfer",
            "transfer",
            vec![2 * MIB, 3 * MIB, 5 * MIB],
        ),
        TestSpec {
            retry: Some(false),
            trace: &[TraceCheck::ClientHelloRepeated],
            ..t("longrtt", "handshake", "handshake", vec![KIB])
        },
        TestSpec {
            trace: &[TraceCheck::ChaCha20],
            ..t("chacha20", "chacha20", "chacha20", vec![3 * MIB])
        },
        TestSpec {
            trace: &[TraceCheck::StreamLimit],
            ..t("multiplexing", "transfer", "transfer", vec![32; 1999])
        },
        TestSpec {
            retry: Some(true),
            trace: &[TraceCheck::RetryToken],
            ..t("retry", "retry", "retry", vec![10 * KIB])
        },
        TestSpec {
            handshakes: Handshakes::Exactly(2),
            trace: &[TraceCheck::Resumed],
            ..t(
                "resumption",
                "resumption",
                "resumption",
                vec![5 * KIB, 10 * KIB],
            )
        },
        TestSpec {
            handshakes: Handshakes::Exactly(2),
            trace: &[TraceCheck::ZeroRtt],
            name_len: 250,
            ..t("zerortt", "zerortt", "zerortt", vec![32; 40])
        },
        t(
            "http3",
            "http3",
            "http3",
            vec![5 * KIB, 10 * KIB, 500 * KIB],
        ),
        TestSpec {
            trace: &[TraceCheck::Amplification],
            chain: 9,
            ..t("amplificationlimit", "transfer", "transfer", vec![5 * KIB])
        },
        t("blackhole", "transfer", "transfer", vec![10 * MIB]),
        TestSpec {
            retry: Some(false),
            trace: &[TraceCheck::KeyUpdate],
            ..t("keyupdate", "transfer", "keyupdate", vec![3 * MIB])
        },
        many_handshakes(t(
            "handshakeloss",
            "multiconnect",
            "multiconnect",
            vec![KIB; 50],
        )),
        t("transferloss", "transfer", "transfer", vec![2 * MIB]),
        many_handshakes(t(
            "handshakecorruption",
            "multiconnect",
            "multiconnect",
            vec![KIB; 50],
        )),
        t("transfercorruption", "transfer", "transfer", vec![2 * MIB]),
        TestSpec {
            ipv6: true,
            ..t("ipv6", "transfer", "transfer", vec![5 * KIB, 10 * KIB])
        },
        TestSpec {
            retry: Some(false),
            trace: &[TraceCheck::Ecn],
            ..t("ecn", "ecn", "ecn", vec![100 * KIB])
        },
        TestSpec {
            trace: &[TraceCheck::V2],
            ..t("v2", "v2", "v2", vec![KIB])
        },
        TestSpec {
            trace: &[TraceCheck::PathValidated { new_address: false }],
            ..t("rebind-port", "transfer", "transfer", vec![10 * MIB])
        },
        TestSpec {
            preferred_address: true,
            trace: &[
                TraceCheck::PathValidated { new_address: false },
                TraceCheck::NewDcidOnNewPath,
            ],
            ..t(
                "connectionmigration",
                "connectionmigration",
                "transfer",
                vec![2 * MIB],
            )
        },
        TestSpec {
            trace: &[TraceCheck::PathValidated { new_address: true }],
            ..t("rebind-addr", "transfer", "transfer", vec![10 * MIB])
        },
        TestSpec {
            measure_goodput: true,
            repetitions: 5,
            ..t("goodput", "transfer", "transfer", vec![10 * MIB])
        },
        TestSpec {
            measure_goodput: true,
            repetitions: 5,
            timeout: Duration::from_secs(180),
            ..t("crosstraffic", "transfer", "transfer", vec![25 * MIB])
        },
    ]
}

/// A test of one handshake per file, with the runner's longer time limit for them.
fn many_handshakes(spec: TestSpec) -> TestSpec {
    TestSpec {
        handshakes: Handshakes::Exactly(spec.sizes.len()),
        timeout: Duration::from_secs(300),
        ..spec
    }
}
