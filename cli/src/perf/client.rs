//! `qssl perf client`: a transfer over parallel streams, or a run of short connections,
//! with rates and the CPU time they cost.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use qssl::ctx::Method;
use qssl::quic::poll::{
    POLL_EVENT_EC, POLL_EVENT_ER, POLL_EVENT_EW, POLL_EVENT_R, POLL_EVENT_W, PollItem, poll,
};
use qssl::quic::{STREAM_FLAG_NO_BLOCK, Ssl, WRITE_FLAG_CONCLUDE};
use qssl::{ErrorCode, IoError};

use super::{ALPN, ZEROS};
use crate::args::{Global, PerfClient};
use crate::common::{Target, client_ctx, cpu_time};
use crate::connect::{self, Peer};
use crate::failure::{Failure, Outcome};

/// Bytes each connection of the handshake workload asks for and sends.
const SMALL: u64 = 1024;
/// One GiB, the unit of CPU cost.
const GIB: f64 = (1u64 << 30) as f64;

/// Runs `qssl perf client`.
pub(crate) fn run(global: &Global, args: &PerfClient) -> Outcome {
    let target = Target::parse(&args.target)?;
    let peer = Peer {
        addr: target.resolve(global)?,
        name: args.servername.clone().unwrap_or(target.host),
    };
    let ctx = client_ctx(global, Method::QuicClient, &args.trust, Some(ALPN))?;
    let bar = |len: u64, template: &str| {
        let target = if args.no_progress {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(len), target);
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    };
    match args.handshakes {
        Some(n) => {
            let bar = bar(
                u64::from(n),
                "[{bar:40}] {pos}/{len} connections {per_sec} ETA {eta}",
            );
            let cpu = cpu_time();
            let started = Instant::now();
            for _ in 0..n {
                let conn = connect::quic(global, &ctx, &peer)?;
                let mut flows = vec![Flow::open(&conn, SMALL, SMALL)?];
                transfer(&conn, &mut flows, global.timeout(), &ProgressBar::hidden())?;
                connect::close_quic(global, &conn, true);
                bar.inc(1);
            }
            bar.finish_and_clear();
            let (elapsed, cpu) = (started.elapsed(), cpu_time().saturating_sub(cpu));
            println!(
                "{n} connections in {:.2} s: {:.1} handshakes/s, CPU {:.2} ms per connection",
                elapsed.as_secs_f64(),
                f64::from(n) / elapsed.as_secs_f64().max(1e-9),
                cpu.as_secs_f64() * 1e3 / f64::from(n.max(1)),
            );
        }
        None => {
            let streams = u64::from(args.streams.max(1));
            let total = args.download + args.upload;
            let bar = bar(
                total,
                "[{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            );
            let conn = connect::quic(global, &ctx, &peer)?;
            let cpu = cpu_time();
            let started = Instant::now();
            let mut flows = (0..streams)
                .map(|i| {
                    // The remainder goes to the first stream.
                    let share = |all: u64| all / streams + if i == 0 { all % streams } else { 0 };
                    Flow::open(&conn, share(args.download), share(args.upload))
                })
                .collect::<Outcome<Vec<_>>>()?;
            transfer(&conn, &mut flows, global.timeout(), &bar)?;
            let (elapsed, cpu) = (started.elapsed(), cpu_time().saturating_sub(cpu));
            bar.finish_and_clear();
            connect::close_quic(global, &conn, false);
            let secs = elapsed.as_secs_f64().max(1e-9);
            for (what, bytes) in [("download", args.download), ("upload", args.upload)] {
                if bytes > 0 {
                    println!(
                        "{what}: {bytes} bytes over {streams} streams in {secs:.2} s: \
                         {:.1} MB/s ({:.2} Gbit/s)",
                        bytes as f64 / secs / 1e6,
                        bytes as f64 * 8.0 / secs / 1e9
                    );
                }
            }
            println!(
                "CPU: {:.2} s, {:.2} s per GiB moved",
                cpu.as_secs_f64(),
                cpu.as_secs_f64() * GIB / (total.max(1) as f64)
            );
        }
    }
    Ok(())
}

/// One perf stream of the client.
struct Flow {
    stream: Ssl,
    /// The request: the size field, then the upload.
    header: [u8; 8],
    header_sent: usize,
    upload_left: u64,
    sent_all: bool,
    expected: u64,
    received: u64,
    done: bool,
}

impl Flow {
    /// A stream of `conn` asking for `download` bytes and sending `upload`.
    fn open(conn: &Ssl, download: u64, upload: u64) -> Outcome<Flow> {
        let stream = conn
            .new_stream(STREAM_FLAG_NO_BLOCK)
            .map_err(|e| Failure::new(format!("opening a stream: {e}")))?;
        Ok(Flow {
            stream,
            header: download.to_be_bytes(),
            header_sent: 0,
            upload_left: upload,
            sent_all: false,
            expected: download,
            received: 0,
            done: false,
        })
    }

    /// Sends what fits; returns the upload bytes sent.
    fn send(&mut self) -> Result<u64, IoError> {
        let mut uploaded = 0;
        while !self.sent_all {
            let (data, last) = if self.header_sent < 8 {
                (&self.header[self.header_sent..], self.upload_left == 0)
            } else {
                let n = self.upload_left.min(ZEROS.len() as u64);
                (&ZEROS[..n as usize], n == self.upload_left)
            };
            let len = data.len();
            let flags = if last { WRITE_FLAG_CONCLUDE } else { 0 };
            match self.stream.write_ex2(data, flags) {
                Ok(n) => {
                    if self.header_sent < 8 {
                        self.header_sent += n;
                    } else {
                        self.upload_left -= n as u64;
                        uploaded += n as u64;
                    }
                    self.sent_all = last && n == len;
                }
                Err(e) if e.is_retry() => break,
                Err(e) => return Err(e),
            }
        }
        Ok(uploaded)
    }

    /// Reads what arrived; returns the bytes read.
    fn recv(&mut self, buf: &mut [u8]) -> Result<u64, IoError> {
        let mut got = 0;
        while !self.done {
            match self.stream.read(buf) {
                Ok(n) => got += n as u64,
                Err(e) if e.code() == ErrorCode::ZeroReturn => self.done = true,
                Err(e) if e.is_retry() => break,
                Err(e) => return Err(e),
            }
        }
        self.received += got;
        Ok(got)
    }
}

/// Runs `flows` on `conn` until each has sent its request and received its answer; a
/// connection silent for `idle` fails the run.
fn transfer(conn: &Ssl, flows: &mut [Flow], idle: Duration, bar: &ProgressBar) -> Outcome {
    let mut buf = vec![0u8; crate::service::CHUNK];
    let mut last_progress = Instant::now();
    loop {
        for f in flows.iter_mut() {
            let moved = f
                .send()
                .and_then(|up| Ok(up + f.recv(&mut buf)?))
                .map_err(|e| Failure::new(format!("transfer: {e}")))?;
            if moved > 0 {
                bar.inc(moved);
                last_progress = Instant::now();
            }
        }
        if let Some(f) = flows.iter().find(|f| f.done && f.received != f.expected) {
            return Err(Failure::new(format!(
                "a stream got {} bytes, not the {} asked for",
                f.received, f.expected
            )));
        }
        if flows.iter().all(|f| f.done && f.sent_all) {
            return Ok(());
        }
        if let Ok(Some(info)) = conn.conn_close_info() {
            return Err(Failure::new(format!(
                "the connection closed: code {:#x} {}",
                info.error_code,
                String::from_utf8_lossy(&info.reason)
            )));
        }
        if last_progress.elapsed() > idle {
            return Err(Failure::new(format!("nothing moved for {idle:?}")));
        }
        let mut items = vec![PollItem {
            ssl: Some(conn),
            events: POLL_EVENT_EC,
            revents: 0,
        }];
        items.extend(
            flows
                .iter()
                .filter(|f| !(f.done && f.sent_all))
                .map(|f| PollItem {
                    ssl: Some(&f.stream),
                    events: if f.sent_all {
                        0
                    } else {
                        POLL_EVENT_W | POLL_EVENT_EW
                    } | if f.done {
                        0
                    } else {
                        POLL_EVENT_R | POLL_EVENT_ER
                    },
                    revents: 0,
                }),
        );
        poll(&mut items, Some(Duration::from_millis(100)), 0)
            .map_err(|e| Failure::new(format!("waiting: {e}")))?;
    }
}
