//! The interop runner's network scenarios (quic-network-simulator's `sim/scenarios`), as
//! the runner sets them up for each test case.

use std::time::Duration;

/// Drop or corruption of UDP datagrams at a rate, per direction, with a cap on how many in
/// a row (the simulator's drop-rate and corrupt-rate error models).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorRate {
    /// Percent of datagrams towards the server.
    pub to_server: u8,
    /// Percent of datagrams towards the client.
    pub to_client: u8,
    /// After this many in a row, the next datagram passes (`None`: no cap).
    pub burst: Option<u32>,
}

/// Everything dropped, both ways, from `on` after the start for `off`, `repeat` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blackhole {
    /// Time passing before each outage.
    pub on: Duration,
    /// Length of each outage.
    pub off: Duration,
    /// How many outages.
    pub repeat: u32,
}

/// A NAT in front of the client that moves each mapping to a new port (and address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebind {
    /// When the first move happens, after the start.
    pub first: Duration,
    /// Time between moves.
    pub every: Duration,
    /// Whether the address changes too (`--rebind-addr`).
    pub addr: bool,
}

/// One scenario: the point-to-point link and at most one error model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// One-way delay.
    pub delay: Duration,
    /// Link rate in bits per second.
    pub bandwidth: u64,
    /// Datagrams the queue in front of the link holds (one more is on the device).
    pub queue: usize,
    /// Random drops.
    pub drop: Option<ErrorRate>,
    /// Random corruption of one byte among the first 50 (Version Negotiation exempt).
    pub corrupt: Option<ErrorRate>,
    /// Outages.
    pub blackhole: Option<Blackhole>,
    /// Datagrams dropped by their index (from 1) towards the server and towards the client.
    pub droplist: Option<(Vec<u64>, Vec<u64>)>,
    /// Port (and address) changes of the client.
    pub rebind: Option<Rebind>,
    /// The largest datagram (UDP payload) the link carries; larger ones are dropped (a
    /// path MTU; the runner's scenarios have none).
    pub mtu: Option<usize>,
    /// Every datagram arrives with its ECN field cleared (a middlebox bleaching the marks;
    /// not one of the runner's scenarios).
    pub clear_ecn: bool,
    /// A bulk TCP flow competes for the link towards the client (the runner's iperf pair in
    /// crosstraffic, emulated: `relay::cross`).
    pub cross_traffic: bool,
}

impl Default for Scenario {
    /// The runner's default: `simple-p2p --delay=15ms --bandwidth=10Mbps --queue=25`.
    fn default() -> Self {
        Scenario {
            delay: Duration::from_millis(15),
            bandwidth: 10_000_000,
            queue: 25,
            drop: None,
            corrupt: None,
            blackhole: None,
            droplist: None,
            rebind: None,
            mtu: None,
            clear_ecn: false,
            cross_traffic: false,
        }
    }
}

impl Scenario {
    /// The scenario the runner uses for the test case `name` (every test the runner lists;
    /// `None` for a name it does not have).
    pub fn for_test(name: &str) -> Option<Scenario> {
        let rate = |r: u8| ErrorRate {
            to_server: r,
            to_client: r,
            burst: Some(3),
        };
        let rebind = |addr: bool| Rebind {
            first: Duration::from_secs(1),
            every: Duration::from_secs(5),
            addr,
        };
        let base = Scenario::default();
        Some(match name {
            "handshake"
            | "transfer"
            | "chacha20"
            | "multiplexing"
            | "retry"
            | "resumption"
            | "zerortt"
            | "http3"
            | "keyupdate"
            | "ecn"
            | "ipv6"
            | "v2"
            | "connectionmigration"
            | "goodput" => base,
            "crosstraffic" => Scenario {
                cross_traffic: true,
                ..base
            },
            "longrtt" => Scenario {
                delay: Duration::from_millis(750),
                ..base
            },
            "blackhole" => Scenario {
                blackhole: Some(Blackhole {
                    on: Duration::from_secs(5),
                    off: Duration::from_secs(2),
                    repeat: 1,
                }),
                ..base
            },
            "amplificationlimit" => Scenario {
                droplist: Some((vec![2, 3, 4, 5, 6, 7], Vec::new())),
                ..base
            },
            "handshakeloss" => Scenario {
                drop: Some(rate(30)),
                ..base
            },
            "transferloss" => Scenario {
                drop: Some(rate(2)),
                ..base
            },
            "handshakecorruption" => Scenario {
                corrupt: Some(rate(30)),
                ..base
            },
            "transfercorruption" => Scenario {
                corrupt: Some(rate(2)),
                ..base
            },
            "rebind-port" => Scenario {
                rebind: Some(rebind(false)),
                ..base
            },
            "rebind-addr" => Scenario {
                rebind: Some(rebind(true)),
                ..base
            },
            _ => return None,
        })
    }
}
