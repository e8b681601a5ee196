//! `qssl fetch`: downloads files over hq-interop or HTTP/3, one connection per server and
//! every file of a server over parallel streams, with a progress bar per file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use qssl::ctx::Method;
use qssl_bio::UdpBio;
use qssl_interop::endpoint::Request;
use qssl_interop::hq::{Download, Progress};

use crate::args::{Fetch, Global};
use crate::common::{Target, client_ctx};
use crate::failure::{Context, Failure, Outcome};

/// How long one connection's downloads may take in all; a stalled connection ends sooner,
/// by the idle timeout (-timeout).
const FETCH_LIMIT: Duration = Duration::from_secs(24 * 3600);

/// Runs `qssl fetch`.
pub(crate) fn run(global: &Global, args: &Fetch) -> Outcome {
    let requests = args
        .urls
        .iter()
        .map(|u| Request::parse(u).map_err(Failure::new))
        .collect::<Outcome<Vec<_>>>()?;
    std::fs::create_dir_all(&args.out_dir).context(format_args!("{}", args.out_dir.display()))?;
    // One connection per server, in the order the servers first appear.
    let mut servers: Vec<((String, u16), Vec<String>)> = Vec::new();
    for r in requests {
        let key = (r.host, r.port);
        match servers.iter_mut().find(|(k, _)| *k == key) {
            Some((_, names)) => names.push(r.name),
            None => servers.push((key, vec![r.name])),
        }
    }
    let bars = Bars::new(!args.no_progress);
    for ((host, port), names) in servers {
        fetch_from(global, args, &Target { host, port }, &names, &bars)?;
    }
    Ok(())
}

/// Downloads `names` from one server over one connection.
fn fetch_from(
    global: &Global,
    args: &Fetch,
    target: &Target,
    names: &[String],
    bars: &Arc<Bars>,
) -> Outcome {
    let server = target.resolve(global)?;
    let alpn = if args.h3 { "h3" } else { "hq-interop" };
    let ctx = client_ctx(global, Method::QuicClient, &args.trust, Some(alpn))?;
    let local = std::net::SocketAddr::new(
        if server.is_ipv4() {
            std::net::Ipv4Addr::UNSPECIFIED.into()
        } else {
            std::net::Ipv6Addr::UNSPECIFIED.into()
        },
        0,
    );
    let socket = UdpBio::bind(local).context("a UDP socket")?;
    for name in names {
        bars.add(name);
    }
    let progress: Arc<dyn Progress> = bars.clone();
    let download = Download {
        server,
        server_name: &target.host,
        names,
        out_dir: &args.out_dir,
        session: None,
        early_data: false,
        progress: Some(progress),
    };
    let started = Instant::now();
    tracing::debug!(%server, files = names.len(), alpn, "fetching");
    let fetched = if args.h3 {
        qssl_interop::http3::fetch(&ctx, socket, &download, FETCH_LIMIT)
    } else {
        qssl_interop::hq::fetch(&ctx, socket, &download, FETCH_LIMIT).and_then(|(files, conn)| {
            qssl_interop::hq::close(&conn)?;
            Ok((files, conn))
        })
    };
    let (files, _conn) = fetched.map_err(|e| {
        bars.abandon();
        Failure::new(format!("{}:{}: {e}", target.host, target.port))
    })?;
    let elapsed = started.elapsed();
    let mut total = 0u64;
    for (name, size) in &files {
        let path = args.out_dir.join(name);
        let on_disk = std::fs::metadata(&path)
            .context(format_args!("{}", path.display()))?
            .len();
        if on_disk != *size {
            return Err(Failure::new(format!(
                "{}: {on_disk} bytes on disk, {size} received",
                path.display()
            )));
        }
        total += size;
        eprintln!("{}: {size} bytes", path.display());
    }
    eprintln!(
        "{} files, {total} bytes in {:.2} s ({:.1} MB/s)",
        files.len(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
    );
    Ok(())
}

/// A progress bar per file: bytes and rate, and with a known size a bar and an ETA. Drawn
/// on standard error when it is a terminal.
#[derive(Debug)]
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    /// Bars, drawn unless `show` is false.
    fn new(show: bool) -> Arc<Bars> {
        let target = if show {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Arc::new(Bars {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ProgressBar>> {
        self.bars.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A bar for `name`, size unknown.
    fn add(&self, name: &str) {
        let bar = self.multi.add(ProgressBar::no_length());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:24!} {bytes:>11} {binary_bytes_per_sec:>13} {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(name.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        self.lock().insert(name.to_owned(), bar);
    }

    /// Leaves every bar as it is, marked unfinished.
    fn abandon(&self) {
        for bar in self.lock().values() {
            bar.abandon();
        }
    }
}

impl Progress for Bars {
    fn sized(&self, name: &str, size: u64) {
        if let Some(bar) = self.lock().get(name) {
            bar.set_length(size);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:24!} [{bar:30}] {bytes:>11}/{total_bytes:<11} \
                     {binary_bytes_per_sec:>13} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
        }
    }

    fn received(&self, name: &str, bytes: u64) {
        if let Some(bar) = self.lock().get(name) {
            bar.inc(bytes);
        }
    }

    fn finished(&self, name: &str) {
        if let Some(bar) = self.lock().get(name) {
            bar.finish();
        }
    }
}
