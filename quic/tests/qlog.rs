//! qlog traces on the deterministic network simulator, parsed back: a lossy transfer with a
//! key update and a close leaves every event type qssl records in both sides' JSON-SEQ
//! traces, and a filter keeps only what it names.

mod common;
mod sim_nodes;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qssl_quic::conn::ConnectionConfig;
use qssl_quic::qlog::{QlogConfig, QlogFilter, QlogSink};
use qssl_quic::{ConnectionId, Side};
use qssl_tests::sim::Link;
use serde_json::Value;
use sim_nodes::pair;

/// Records written so far, by side.
type Traces = Arc<Mutex<Vec<(Side, String, Vec<u8>)>>>;

struct Memory {
    traces: Traces,
    index: usize,
}

impl QlogSink for Memory {
    fn write_record(&mut self, record: &[u8]) {
        self.traces.lock().unwrap()[self.index]
            .2
            .extend_from_slice(record);
    }
}

fn config(traces: &Traces, filter: &str) -> QlogConfig {
    let traces = traces.clone();
    QlogConfig {
        make: Arc::new(move |side: Side, odcid: &ConnectionId| {
            let mut all = traces.lock().unwrap();
            all.push((side, odcid.to_string(), Vec::new()));
            Some(Box::new(Memory {
                traces: traces.clone(),
                index: all.len() - 1,
            }) as Box<dyn QlogSink>)
        }),
        filter: QlogFilter::parse(filter).unwrap(),
    }
}

/// The JSON-SEQ records of one trace: each starts with 0x1e and is one JSON text.
fn records(bytes: &[u8]) -> Vec<Value> {
    assert_eq!(bytes.first(), Some(&0x1e), "a record separator first");
    bytes
        .split(|b| *b == 0x1e)
        .skip(1)
        .map(|r| serde_json::from_slice(r).expect("each record is JSON"))
        .collect()
}

fn run(filter: &str) -> Vec<(Side, String, Vec<Value>)> {
    let traces: Traces = Arc::default();
    let conn_config = ConnectionConfig {
        key_update_interval: Some(200),
        qlog: Some(config(&traces, filter)),
        ..ConnectionConfig::default()
    };
    let link = Link {
        loss: 0.03,
        ..Link::delay(15)
    };
    let mut sim = pair(9, conn_config, link);
    sim.a.app.requests = vec![1_000_000];
    sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
    assert!(sim.a.app.done());
    sim.a.conn_mut().close(Instant::now(), 0, b"done");
    sim.run_for(Duration::from_secs(2));
    let all = traces.lock().unwrap();
    all.iter()
        .map(|(side, odcid, bytes)| (*side, odcid.clone(), records(bytes)))
        .collect()
}

#[test]
fn a_traced_transfer_records_every_event_type_both_sides() {
    let traces = run("");
    assert_eq!(traces.len(), 2, "one trace per connection");
    let (client_odcid, server_odcid) = (&traces[0].1, &traces[1].1);
    assert_eq!(client_odcid, server_odcid, "named by the original DCID");
    for (side, _, records) in &traces {
        let header = &records[0];
        assert_eq!(header["qlog_version"], "0.3");
        assert_eq!(header["qlog_format"], "JSON-SEQ");
        let vantage = if *side == Side::Client {
            "client"
        } else {
            "server"
        };
        assert_eq!(header["trace"]["vantage_point"]["type"], vantage);
        let names: BTreeSet<&str> = records[1..]
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        for want in [
            "connectivity:connection_started",
            "connectivity:connection_state_updated",
            "connectivity:connection_closed",
            "transport:parameters_set",
            "transport:packet_sent",
            "transport:packet_received",
            "recovery:metrics_updated",
            "recovery:congestion_state_updated",
            "recovery:packet_lost",
            "security:key_updated",
        ] {
            assert!(names.contains(want), "{vantage}: no {want} in {names:?}");
        }
        // Times never go back; packets carry their frames.
        let times: Vec<f64> = records[1..]
            .iter()
            .map(|r| r["time"].as_f64().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let stream_frames = records[1..]
            .iter()
            .filter(|r| {
                r["name"] == "transport:packet_sent" || r["name"] == "transport:packet_received"
            })
            .flat_map(|r| r["data"]["frames"].as_array().unwrap().iter())
            .filter(|f| f["frame_type"] == "stream")
            .count();
        assert!(
            stream_frames > 100,
            "{vantage}: {stream_frames} STREAM frames"
        );
        let owners: BTreeSet<&str> = records[1..]
            .iter()
            .filter(|r| r["name"] == "transport:parameters_set")
            .map(|r| r["data"]["owner"].as_str().unwrap())
            .collect();
        assert_eq!(owners, BTreeSet::from(["local", "remote"]));
        // The client's close went out, and reached the server, as a traced packet.
        let want = if *side == Side::Client {
            "transport:packet_sent"
        } else {
            "transport:packet_received"
        };
        let closes = records[1..]
            .iter()
            .filter(|r| r["name"] == want)
            .flat_map(|r| r["data"]["frames"].as_array().unwrap().iter())
            .filter(|f| f["frame_type"] == "connection_close")
            .count();
        assert!(closes > 0, "{vantage}: no CONNECTION_CLOSE in {want}");
    }
}

#[test]
fn a_filter_keeps_only_what_it_names() {
    let traces = run("-* transport:packet_sent");
    for (_, _, records) in &traces {
        assert!(records.len() > 10);
        assert!(
            records[1..]
                .iter()
                .all(|r| r["name"] == "transport:packet_sent")
        );
    }
}

#[test]
fn path_probes_are_padded_to_1200_bytes() {
    // A client that moves mid-download challenges its new path, the server answers on it
    // and challenges it in turn (RFC 9000 §8.2.1: datagrams with PATH_CHALLENGE or
    // PATH_RESPONSE are expanded to 1200 bytes, unless the anti-amplification limit on an
    // unvalidated address forbids it).
    let traces: Traces = Arc::default();
    let conn_config = ConnectionConfig {
        qlog: Some(config(&traces, "")),
        ..ConnectionConfig::default()
    };
    let mut sim = pair(11, conn_config, Link::delay(10));
    sim.a.app.requests = vec![20_000_000];
    sim.run_for(Duration::from_millis(200));
    assert!(!sim.a.app.done(), "moving mid-download");
    let now = sim.now;
    let server: std::net::SocketAddr = sim_nodes::SERVER.parse().unwrap();
    sim.a.conn_mut().migrate(now, server).unwrap();
    sim.client_seen_as = Some("192.168.1.7:6000".parse().unwrap());
    sim.run_until(Duration::from_secs(30), |c, _| c.app.done());
    let all = traces.lock().unwrap();
    let mut probes = 0;
    for (side, _, bytes) in all.iter() {
        for r in records(bytes).iter().skip(1) {
            if r["name"] != "transport:packet_sent" {
                continue;
            }
            let frames = r["data"]["frames"].as_array().unwrap();
            if frames
                .iter()
                .any(|f| f["frame_type"] == "path_challenge" || f["frame_type"] == "path_response")
            {
                probes += 1;
                assert_eq!(r["data"]["raw"]["length"], 1200, "{side:?}: {r}");
            }
        }
    }
    assert!(probes >= 2, "{probes} path probes traced");
}
