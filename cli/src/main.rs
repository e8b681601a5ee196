//! `qssl`: a command-line tool on qssl's public Rust API, in the manner of `openssl s_client`
//! and `s_server`, with a downloader, a throughput meter and a certificate maker.
//!
//! - `qssl s_client [-quic] [-alpn ..] host:port`: connects, prints what was negotiated and
//!   copies standard input to the peer and the peer's data to standard output.
//! - `qssl s_server [-quic] -cert .. -key .. [-www DIR]`: echoes, or serves files.
//! - `qssl fetch URL...`: downloads over hq-interop or HTTP/3 with a progress bar.
//! - `qssl perf client|server`: throughput and handshake rates with CPU cost.
//! - `qssl cert NAME...`: a certificate and key for testing.
//!
//! Options are spelt as OpenSSL spells them (`-quic`, `-CAfile`) or with two dashes.

#![forbid(unsafe_code)]
#![allow(
    clippy::print_stdout,
    reason = "a command-line tool: results go to standard output"
)]

mod args;
mod cert;
mod common;
mod connect;
mod failure;
mod fetch;
mod interactive;
mod perf;
mod report;
mod s_client;
mod s_server;
mod service;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(args::openssl_style(std::env::args_os())) {
        Ok(cli) => cli,
        // Help and version go to standard output with success; bad flags to standard error
        // with clap's exit code 2.
        Err(e) => e.exit(),
    };
    common::init_logging(cli.global.verbose);
    let result = match &cli.command {
        Command::SClient(a) => s_client::run(&cli.global, a),
        Command::SServer(a) => s_server::run(&cli.global, a),
        Command::Fetch(a) => fetch::run(&cli.global, a),
        Command::Perf(a) => perf::run(&cli.global, a),
        Command::Cert(a) => cert::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report(cli.command.name());
            ExitCode::FAILURE
        }
    }
}
