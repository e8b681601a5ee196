//! qlog traces of connections, in the form OpenSSL writes them and qvis reads them: qlog 0.3
//! (draft-ietf-quic-qlog-main-schema-05 and draft-ietf-quic-qlog-quic-events-04) as JSON-SEQ
//! (RFC 7464), one record per event, each opened by the record separator 0x1e.
//!
//! The transport stays free of I/O: a connection hands each finished record to a
//! [`QlogSink`], which the caller makes per connection through a [`QlogConfig`] (the `qssl`
//! crate writes `QLOGDIR/{odcid}_{client|server}.sqlog` files with it). A [`QlogFilter`]
//! (OpenSSL's `OSSL_QFILTER` syntax) chooses the event types; with no configuration nothing
//! is formatted at all.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use crate::cid::ConnectionId;
use crate::frame::{CloseKind, Frame};
use crate::stream_id::Side;

/// Where a connection's qlog records go.
pub trait QlogSink: Send {
    /// Takes one complete JSON-SEQ record (separator, JSON text, newline).
    fn write_record(&mut self, record: &[u8]);
}

/// Makes the sink of each new connection, from its side and original destination connection
/// ID; `None` leaves the connection untraced.
pub type QlogMaker = dyn Fn(Side, &ConnectionId) -> Option<Box<dyn QlogSink>> + Send + Sync;

/// Tracing for the connections of a configuration: the sink maker and the filter.
#[derive(Clone)]
pub struct QlogConfig {
    /// Makes each connection's sink.
    pub make: Arc<QlogMaker>,
    /// The event types written.
    pub filter: QlogFilter,
}

impl fmt::Debug for QlogConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QlogConfig")
            .field("filter", &self.filter)
            .finish_non_exhaustive()
    }
}

/// Why a filter specification was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QlogFilterError(pub String);

impl fmt::Display for QlogFilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad qlog filter term {:?}", self.0)
    }
}

impl std::error::Error for QlogFilterError {}

/// One term of a filter: enable or disable, a category (`None`: all) and an event name in it
/// (`None`: all).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    enable: bool,
    category: Option<String>,
    name: Option<String>,
}

/// Which event types are written: OpenSSL's `OSSL_QFILTER` terms (`*`, `-*`,
/// `+transport:*`, `-transport:packet_received`, ...), applied in order over "all enabled".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QlogFilter {
    terms: Vec<Term>,
}

impl QlogFilter {
    /// Every event type.
    pub fn all() -> Self {
        QlogFilter::default()
    }

    /// Parses a space-separated filter specification (empty: every event type).
    pub fn parse(spec: &str) -> Result<Self, QlogFilterError> {
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let mut terms = Vec::new();
        for word in spec.split_ascii_whitespace() {
            let bad = || QlogFilterError(word.to_owned());
            let (enable, rest) = match word.as_bytes()[0] {
                b'-' => (false, &word[1..]),
                b'+' => (true, &word[1..]),
                _ => (true, word),
            };
            let part = |s: &str| -> Result<Option<String>, QlogFilterError> {
                match s {
                    "*" => Ok(None),
                    s if name_ok(s) => Ok(Some(s.to_owned())),
                    _ => Err(bad()),
                }
            };
            let (category, name) = match rest.split_once(':') {
                None if rest == "*" => (None, None),
                None => return Err(bad()),
                Some((c, n)) => (part(c)?, part(n)?),
            };
            if category.is_none() && name.is_some() {
                return Err(bad());
            }
            terms.push(Term {
                enable,
                category,
                name,
            });
        }
        Ok(QlogFilter { terms })
    }

    /// Whether the event type `category:name` is written.
    pub fn enabled(&self, event: &str) -> bool {
        let (category, name) = event.split_once(':').unwrap_or((event, ""));
        self.terms.iter().fold(true, |on, t| {
            let matches = t.category.as_deref().is_none_or(|c| c == category)
                && t.name.as_deref().is_none_or(|n| n == name);
            if matches { t.enable } else { on }
        })
    }
}

/// A connection's trace.
pub(crate) struct Qlog {
    sink: Box<dyn QlogSink>,
    filter: QlogFilter,
    start: Instant,
    /// The time of the last event.
    last: Instant,
}

impl fmt::Debug for Qlog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Qlog").finish_non_exhaustive()
    }
}

impl Qlog {
    /// A trace for the connection of `side` with original destination connection ID `odcid`
    /// starting at `now`, its header written; `None` when `config` makes no sink for it.
    pub(crate) fn start(
        config: &QlogConfig,
        side: Side,
        odcid: &ConnectionId,
        now: Instant,
    ) -> Option<Self> {
        let sink = (config.make)(side, odcid)?;
        let mut qlog = Qlog {
            sink,
            filter: config.filter.clone(),
            start: now,
            last: now,
        };
        let vantage = match side {
            Side::Client => "client",
            Side::Server => "server",
        };
        qlog.record(&json!({
            "qlog_version": "0.3",
            "qlog_format": "JSON-SEQ",
            "title": "qssl qlog",
            "trace": {
                "common_fields": {
                    "time_format": "relative",
                    "reference_time": 0,
                    "protocol_type": ["QUIC"],
                    "group_id": odcid.to_string(),
                },
                "vantage_point": { "type": vantage, "name": "qssl" },
            },
        }));
        Some(qlog)
    }

    /// Writes the event `name` at `now` (`None`: at the last event's time) if the filter lets
    /// it through; `data` is only made then.
    pub(crate) fn event(&mut self, now: Option<Instant>, name: &str, data: impl FnOnce() -> Value) {
        if let Some(now) = now {
            self.last = self.last.max(now);
        }
        if !self.filter.enabled(name) {
            return;
        }
        let ms = self
            .last
            .saturating_duration_since(self.start)
            .as_secs_f64()
            * 1000.0;
        self.record(&json!({ "time": ms, "name": name, "data": data() }));
    }

    /// Whether events of `name` are written (to skip collecting what they would carry).
    pub(crate) fn wants(&self, name: &str) -> bool {
        self.filter.enabled(name)
    }

    fn record(&mut self, value: &Value) {
        let mut out = vec![0x1e];
        out.extend_from_slice(value.to_string().as_bytes());
        out.push(b'\n');
        self.sink.write_record(&out);
    }
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A frame as qlog describes it.
pub(crate) fn frame(frame: &Frame<'_>) -> Value {
    match frame {
        Frame::Padding { len } => json!({ "frame_type": "padding", "length": len }),
        Frame::Ping => json!({ "frame_type": "ping" }),
        Frame::Ack(ack) => {
            let ranges: Vec<[u64; 2]> = ack.ranges().map(|r| [*r.start(), *r.end()]).collect();
            json!({ "frame_type": "ack", "acked_ranges": ranges })
        }
        Frame::ResetStream {
            id,
            error_code,
            final_size,
        } => json!({
            "frame_type": "reset_stream",
            "stream_id": id.varint().get(),
            "error_code": error_code,
            "final_size": final_size,
        }),
        Frame::StopSending { id, error_code } => json!({
            "frame_type": "stop_sending",
            "stream_id": id.varint().get(),
            "error_code": error_code,
        }),
        Frame::Crypto(c) => {
            json!({ "frame_type": "crypto", "offset": c.offset, "length": c.data.len() })
        }
        Frame::NewToken { token } => {
            json!({ "frame_type": "new_token", "token": { "raw": { "length": token.len() } } })
        }
        Frame::Stream(s) => json!({
            "frame_type": "stream",
            "stream_id": s.id.varint().get(),
            "offset": s.offset,
            "length": s.data.len(),
            "fin": s.fin,
        }),
        Frame::MaxData { max } => json!({ "frame_type": "max_data", "maximum": max }),
        Frame::MaxStreamData { id, max } => json!({
            "frame_type": "max_stream_data",
            "stream_id": id.varint().get(),
            "maximum": max,
        }),
        Frame::MaxStreams { dir, max } => json!({
            "frame_type": "max_streams",
            "stream_type": stream_type(*dir),
            "maximum": max,
        }),
        Frame::DataBlocked { limit } => json!({ "frame_type": "data_blocked", "limit": limit }),
        Frame::StreamDataBlocked { id, limit } => json!({
            "frame_type": "stream_data_blocked",
            "stream_id": id.varint().get(),
            "limit": limit,
        }),
        Frame::StreamsBlocked { dir, limit } => json!({
            "frame_type": "streams_blocked",
            "stream_type": stream_type(*dir),
            "limit": limit,
        }),
        Frame::NewConnectionId(n) => json!({
            "frame_type": "new_connection_id",
            "sequence_number": n.sequence,
            "retire_prior_to": n.retire_prior_to,
            "connection_id": hex(&n.id),
        }),
        Frame::RetireConnectionId { sequence } => json!({
            "frame_type": "retire_connection_id",
            "sequence_number": sequence,
        }),
        Frame::PathChallenge(data) => {
            json!({ "frame_type": "path_challenge", "data": hex(data) })
        }
        Frame::PathResponse(data) => json!({ "frame_type": "path_response", "data": hex(data) }),
        Frame::ConnectionClose(c) => {
            let (space, trigger) = match c.kind {
                CloseKind::Transport { frame_type } => ("transport", Some(frame_type)),
                CloseKind::Application => ("application", None),
            };
            json!({
                "frame_type": "connection_close",
                "error_space": space,
                "raw_error_code": c.error_code,
                "reason": String::from_utf8_lossy(c.reason),
                "trigger_frame_type": trigger,
            })
        }
        Frame::HandshakeDone => json!({ "frame_type": "handshake_done" }),
        Frame::Datagram(d) => json!({ "frame_type": "datagram", "length": d.data.len() }),
        // The names and fields of the qlog ACK frequency extension.
        Frame::AckFrequency(f) => json!({
            "frame_type": "ack_frequency",
            "sequence_number": f.sequence,
            "ack_eliciting_threshold": f.ack_eliciting_threshold,
            "request_max_ack_delay": f.request_max_ack_delay,
            "reordering_threshold": f.reordering_threshold,
        }),
        Frame::ImmediateAck => json!({ "frame_type": "immediate_ack" }),
    }
}

fn stream_type(dir: crate::stream_id::Dir) -> &'static str {
    match dir {
        crate::stream_id::Dir::Bi => "bidirectional",
        crate::stream_id::Dir::Uni => "unidirectional",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_apply_in_order() {
        let f = QlogFilter::parse("").unwrap();
        assert!(f.enabled("transport:packet_sent"));
        let f = QlogFilter::parse("-* transport:packet_sent").unwrap();
        assert!(f.enabled("transport:packet_sent"));
        assert!(!f.enabled("transport:packet_received"));
        let f = QlogFilter::parse("* -transport:packet_received").unwrap();
        assert!(f.enabled("recovery:packet_lost"));
        assert!(!f.enabled("transport:packet_received"));
        let f = QlogFilter::parse("-* connectivity:* +transport:parameters_set").unwrap();
        assert!(f.enabled("connectivity:connection_closed"));
        assert!(f.enabled("transport:parameters_set"));
        assert!(!f.enabled("recovery:metrics_updated"));
        for bad in ["foo", "*:bar", "a:b:c", "-", "tr@nsport:*", "+:x"] {
            assert!(QlogFilter::parse(bad).is_err(), "{bad}");
        }
    }
}
