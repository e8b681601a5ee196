//! The relay's link model against the runner's scenarios, without sockets: rate, delay,
//! queue, drop-rate and corrupt-rate with their bursts, outages and drop lists.

use std::time::{Duration, Instant};

use qssl_interop::relay::link::{Fate, Link, LinkConfig};
use qssl_interop::relay::scenario::{Blackhole, Scenario};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn link(config: LinkConfig, start: Instant) -> Link {
    Link::new(config, start, ChaCha8Rng::seed_from_u64(7))
}

fn default_link(start: Instant) -> Link {
    let s = Scenario::default();
    link(
        LinkConfig {
            delay: s.delay,
            bandwidth: s.bandwidth,
            queue: s.queue,
            ..LinkConfig::default()
        },
        start,
    )
}

#[test]
fn the_default_link_serialises_at_10_mbit_then_delays_15_ms() {
    let t0 = Instant::now();
    let mut l = default_link(t0);
    // 1472 bytes of UDP payload are 1500 on the wire: 1.2 ms each at 10 Mbit/s.
    for _ in 0..3 {
        assert_eq!(l.arrive(t0, 0, vec![0; 1472]), Fate::Forwarded);
    }
    let due = |l: &Link| l.next_due().unwrap() - t0;
    assert_eq!(
        due(&l),
        Duration::from_micros(1200) + Duration::from_millis(15)
    );
    assert!(l.pop_due(t0 + Duration::from_micros(16_200)).is_some());
    assert_eq!(
        due(&l),
        Duration::from_micros(2400) + Duration::from_millis(15)
    );
    assert!(l.pop_due(t0 + Duration::from_micros(17_300)).is_none());
}

#[test]
fn a_full_queue_drops_from_the_tail() {
    let t0 = Instant::now();
    let mut l = default_link(t0);
    let fates: Vec<Fate> = (0..40).map(|_| l.arrive(t0, 0, vec![0; 1472])).collect();
    let kept = fates.iter().filter(|f| **f == Fate::Forwarded).count();
    // The queue of 25 and the datagram on the device.
    assert_eq!(kept, 26);
    assert!(fates[26..].iter().all(|f| *f == Fate::QueueFull));
}

#[test]
fn drop_rate_keeps_to_its_rate_and_burst() {
    let t0 = Instant::now();
    let mut l = link(
        LinkConfig {
            drop: Some((30, Some(3))),
            ..LinkConfig::default()
        },
        t0,
    );
    let fates: Vec<Fate> = (0..20_000).map(|_| l.arrive(t0, 0, vec![1; 100])).collect();
    let lost = fates.iter().filter(|f| **f == Fate::Lost).count();
    // Spared after three in a row, so a little under 30%.
    assert!((5_000..6_200).contains(&lost), "{lost} lost");
    let longest = fates
        .split(|f| *f != Fate::Lost)
        .map(<[Fate]>::len)
        .max()
        .unwrap();
    assert_eq!(longest, 3);
}

#[test]
fn corruption_changes_one_of_the_first_50_bytes_and_spares_version_negotiation() {
    let t0 = Instant::now();
    let mut l = link(
        LinkConfig {
            corrupt: Some((100, None)),
            ..LinkConfig::default()
        },
        t0,
    );
    for _ in 0..200 {
        assert_eq!(l.arrive(t0, 0, vec![0x40; 1200]), Fate::Corrupted);
        let (_, got) = l.pop_due(t0).unwrap();
        let changed: Vec<usize> = (0..got.len()).filter(|i| got[*i] != 0x40).collect();
        assert_eq!(changed.len(), 1);
        assert!(changed[0] < 50);
    }
    let mut vn = vec![0u8; 40];
    vn[0] = 0x80;
    assert_eq!(l.arrive(t0, 0, vn.clone()), Fate::Forwarded);
    assert_eq!(l.pop_due(t0).unwrap().1, vn);
}

#[test]
fn outages_and_drop_lists_follow_the_clock_and_the_count() {
    let t0 = Instant::now();
    let mut l = link(
        LinkConfig {
            blackhole: Some(Blackhole {
                on: Duration::from_secs(5),
                off: Duration::from_secs(2),
                repeat: 1,
            }),
            droplist: vec![2, 3],
            ..LinkConfig::default()
        },
        t0,
    );
    let at = |s: f64| t0 + Duration::from_secs_f64(s);
    assert_eq!(l.arrive(at(0.0), 0, vec![1]), Fate::Forwarded);
    assert_eq!(l.arrive(at(0.1), 0, vec![2]), Fate::Listed);
    assert_eq!(l.arrive(at(0.2), 0, vec![3]), Fate::Listed);
    assert_eq!(l.arrive(at(4.9), 0, vec![4]), Fate::Forwarded);
    assert_eq!(l.arrive(at(5.0), 0, vec![5]), Fate::Blackholed);
    assert_eq!(l.arrive(at(6.9), 0, vec![6]), Fate::Blackholed);
    assert_eq!(l.arrive(at(7.0), 0, vec![7]), Fate::Forwarded);
    // One outage only.
    assert_eq!(l.arrive(at(12.5), 0, vec![8]), Fate::Forwarded);
}

#[test]
fn every_runner_test_has_its_scenario() {
    for name in [
        "handshake",
        "transfer",
        "longrtt",
        "chacha20",
        "multiplexing",
        "retry",
        "resumption",
        "zerortt",
        "http3",
        "blackhole",
        "keyupdate",
        "ecn",
        "amplificationlimit",
        "handshakeloss",
        "transferloss",
        "handshakecorruption",
        "transfercorruption",
        "ipv6",
        "v2",
        "rebind-port",
        "rebind-addr",
        "connectionmigration",
        "goodput",
        "crosstraffic",
    ] {
        assert!(Scenario::for_test(name).is_some(), "{name}");
    }
    assert_eq!(
        Scenario::for_test("longrtt").unwrap().delay,
        Duration::from_millis(750)
    );
    assert!(Scenario::for_test("nonsense").is_none());
}

/// Offers a datagram every 2.4 ms (half the link's rate) for ten seconds on a default link,
/// with or without the competing flow; how many got through, and the largest queueing delay
/// one of them saw.
fn half_rate_offered(cross_traffic: bool) -> (usize, Duration) {
    let t0 = Instant::now();
    let s = Scenario::default();
    let mut l = link(
        LinkConfig {
            delay: s.delay,
            bandwidth: s.bandwidth,
            queue: s.queue,
            cross_traffic,
            ..LinkConfig::default()
        },
        t0,
    );
    let (mut delivered, mut worst) = (0, Duration::ZERO);
    let mut sent_at = std::collections::HashMap::new();
    for i in 0..4166usize {
        let now = t0 + Duration::from_micros(2400 * i as u64);
        while let Some((id, _)) = l.pop_due(now) {
            delivered += 1;
            worst = worst.max(now - sent_at[&id] - s.delay);
        }
        if l.arrive(now, i, vec![0; 1472]) == Fate::Forwarded {
            sent_at.insert(i, now);
        }
    }
    (delivered, worst)
}

#[test]
fn a_competing_tcp_flow_takes_capacity_and_fills_the_queue() {
    // Alone, half the rate gets through untouched.
    let (alone, alone_delay) = half_rate_offered(false);
    assert!(alone >= 4150, "{alone}");
    assert!(alone_delay < Duration::from_millis(3), "{alone_delay:?}");
    // With the flow, the queue stands full (a full queue is 30 ms at 10 Mbit/s) and drops
    // some of what is offered.
    let (shared, shared_delay) = half_rate_offered(true);
    assert!(shared < alone, "{shared} of {alone}");
    assert!(shared_delay > Duration::from_millis(15), "{shared_delay:?}");
}
