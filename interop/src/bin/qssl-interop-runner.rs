//! The local interop runner: runs qssl's endpoint against each peer, in each role, for each
//! test case, through the relay playing the case's network, and prints one line per run:
//! `CASE PEER ROLE pass|fail|unsupported (reason)`, ROLE being qssl's. With `--matrix` it
//! also writes the results as a Markdown table.
#![allow(clippy::print_stdout)] // The results are the program's output.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use qssl_interop::runner::peers::Peer;
use qssl_interop::runner::{Outcome, Role, run_one, tests};

/// Command-line arguments.
#[derive(Parser, Debug)]
#[command(about = "Runs qssl's interop endpoint against peers through an emulated network")]
struct Args {
    /// Peers, comma-separated: qssl, quinn, openssl, aioquic, ngtcp2.
    #[arg(
        long,
        default_value = "qssl,quinn,openssl,aioquic,ngtcp2",
        value_delimiter = ','
    )]
    peers: Vec<String>,
    /// Test cases, comma-separated (default: all the local runner knows).
    #[arg(long, value_delimiter = ',')]
    cases: Vec<String>,
    /// qssl's roles, comma-separated: client, server.
    #[arg(long, default_value = "client,server", value_delimiter = ',')]
    roles: Vec<String>,
    /// Scratch directory for the runs' files and logs.
    #[arg(long, default_value = "target/interop")]
    work: PathBuf,
    /// Runs at once (each has its own ports, relay and directory; the links are slow
    /// enough that a few share two cores without changing what they measure).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Write the results as a Markdown matrix to this file.
    #[arg(long)]
    matrix: Option<PathBuf>,
    /// A Markdown file added under the matrix: what is known of the failures.
    #[arg(long)]
    notes: Option<PathBuf>,
    /// The implementation in qssl's seat (default qssl): another peer here pairs two peers
    /// with each other, to tell a qssl failure from one the peers share.
    #[arg(long, default_value = "qssl")]
    subject: String,
    /// Where the endpoint programs are (`<peer>-interop-endpoint`; default: beside the
    /// runner).
    #[arg(long)]
    programs: Option<PathBuf>,
}

/// The endpoint program of `name` in `dir`, which must exist.
fn endpoint(dir: &Path, name: &'static str) -> Result<Peer, String> {
    let program = dir.join(format!("{name}-interop-endpoint"));
    if !program.is_file() {
        return Err(format!(
            "no {} (scripts/interop.sh builds it)",
            program.display()
        ));
    }
    Ok(Peer::Endpoint { name, program })
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let programs = args.programs.clone().unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("the runner's own path");
        exe.parent().map(Path::to_path_buf).unwrap_or_default()
    });
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let peer = |name: &str| match name {
        "qssl" => endpoint(&programs, "qssl"),
        "quinn" => endpoint(&programs, "quinn"),
        "openssl" => endpoint(&programs, "openssl"),
        "aioquic" => Ok(Peer::Aioquic {
            script: repo.join("peers/aioquic_hq.py"),
            h3_script: repo.join("peers/aioquic_h3.py"),
        }),
        "ngtcp2" => Ok(Peer::Ngtcp2 {
            client: PathBuf::from("/usr/bin/gtlsclient"),
            server: PathBuf::from("/usr/sbin/gtlsserver"),
        }),
        other => Err(format!("unknown peer {other}")),
    };
    let found: Result<Vec<Peer>, String> = std::iter::once(args.subject.as_str())
        .chain(args.peers.iter().map(String::as_str))
        .map(peer)
        .collect();
    let (qssl, peers) = match found {
        Ok(mut found) => {
            let qssl = found.remove(0);
            (qssl, found)
        }
        Err(why) => {
            eprintln!("qssl-interop-runner: {why}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let roles: Vec<Role> = args
        .roles
        .iter()
        .map(|r| match r.as_str() {
            "client" => Role::Client,
            "server" => Role::Server,
            other => panic!("unknown role {other}"),
        })
        .collect();
    let specs: Vec<tests::TestSpec> = tests::all()
        .into_iter()
        .filter(|t| args.cases.is_empty() || args.cases.iter().any(|c| c == t.name))
        .collect();
    // Every run, in the matrix's order; `jobs` threads take them in turn.
    let mut runs: Vec<(&tests::TestSpec, &Peer, Role)> = Vec::new();
    for spec in &specs {
        for peer in &peers {
            for &role in &roles {
                runs.push((spec, peer, role));
            }
        }
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; runs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(spec, peer, role)) = runs.get(i) else {
                        break;
                    };
                    let outcome = run_one(spec, &qssl, peer, role, &args.work);
                    println!("{} {} {} {outcome}", spec.name, peer.name(), role.name());
                    if let Ok(mut done) = done.lock() {
                        done[i] = Some(outcome);
                    }
                }
            });
        }
    });
    let outcomes = done.into_inner().unwrap_or_default();
    let failed = outcomes.iter().any(|o| matches!(o, Some(Outcome::Fail(_))));
    let results: Vec<_> = runs
        .iter()
        .zip(outcomes)
        .filter_map(|(&(spec, peer, role), o)| Some((spec.name, peer.name(), role, o?)))
        .collect();
    if let Some(path) = &args.matrix {
        let mut text = qssl_interop::runner::matrix(&results);
        if let Some(notes) = &args.notes {
            match std::fs::read_to_string(notes) {
                Ok(notes) => {
                    text.push('\n');
                    text.push_str(&notes);
                }
                Err(e) => {
                    eprintln!("{}: {e}", notes.display());
                    return std::process::ExitCode::FAILURE;
                }
            }
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("{}: {e}", path.display());
            return std::process::ExitCode::FAILURE;
        }
    }
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
