//! The local interop runner: runs qssl's endpoint against each peer, in each role, for each
//! test case, through the relay playing the case's network, and prints one line per run:
//! `CASE PEER ROLE pass|fail|unsupported (reason)`, ROLE being qssl's. With `--matrix` it
//! also writes the results as a Markdown table.
#![allow(clippy::print_stdout)] // The results are the program's output.

use std::path::PathBuf;

use clap::Parser;
use qssl_interop::runner::peers::Peer;
use qssl_interop::runner::{Outcome, Role, run_one, tests};

/// Command-line arguments.
#[derive(Parser, Debug)]
#[command(about = "Runs qssl's interop endpoint against peers through an emulated network")]
struct Args {
    /// Peers, comma-separated: qssl, aioquic.
    #[arg(long, default_value = "qssl,aioquic", value_delimiter = ',')]
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
    /// Write the results as a Markdown matrix to this file.
    #[arg(long)]
    matrix: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let exe = std::env::current_exe().expect("the runner's own path");
    let endpoint = exe.with_file_name("qssl-interop-endpoint");
    let qssl = Peer::Qssl { endpoint };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let peers: Vec<Peer> = args
        .peers
        .iter()
        .map(|p| match p.as_str() {
            "qssl" => qssl.clone(),
            "aioquic" => Peer::Aioquic {
                script: repo.join("peers/aioquic_hq.py"),
            },
            other => panic!("unknown peer {other}"),
        })
        .collect();
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
    let mut results = Vec::new();
    let mut failed = false;
    for spec in &specs {
        for peer in &peers {
            for &role in &roles {
                let outcome = run_one(spec, &qssl, peer, role, &args.work);
                println!("{} {} {} {outcome}", spec.name, peer.name(), role.name());
                failed |= matches!(outcome, Outcome::Fail(_));
                results.push((spec.name, peer.name(), role, outcome));
            }
        }
    }
    if let Some(path) = &args.matrix {
        let text = qssl_interop::runner::matrix(&results);
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
