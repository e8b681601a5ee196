//! quinn behind the QUIC interop runner's endpoint contract, read exactly as qssl's own
//! endpoint reads it (`qssl_interop::endpoint::Setup`): `ROLE`, `TESTCASE`, `REQUESTS`,
//! `SSLKEYLOGFILE` and the directories. It is the quinn peer of qssl's local interop
//! runner; exit code 127 means a test case it does not support, 1 a failed run.
#![allow(clippy::print_stdout)] // The connection lines are the run's log.

mod client;
mod server;
mod tls;

use std::process::ExitCode;

use qssl_interop::endpoint::{Case, EXIT_UNSUPPORTED, Role, Setup};

fn main() -> ExitCode {
    let setup = match Setup::from_vars(|name| std::env::var(name).ok()) {
        Ok(setup) => setup,
        Err(why) => {
            eprintln!("quinn-interop-endpoint: {why}");
            return ExitCode::from(1);
        }
    };
    // HTTP/3 is qssl's own endpoint's; this one speaks hq-interop only. quinn speaks QUIC
    // v1 only (no v2, no compatible version negotiation).
    let Some(case) = setup.case.filter(|c| !matches!(c, Case::Http3 | Case::V2)) else {
        eprintln!(
            "quinn-interop-endpoint: test case {:?} is not supported",
            std::env::var("TESTCASE").unwrap_or_default()
        );
        return ExitCode::from(EXIT_UNSUPPORTED);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("quinn-interop-endpoint: a runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = match setup.role {
        Role::Server => runtime
            .block_on(server::run(&setup, case))
            .map(|()| Vec::new()),
        Role::Client => runtime.block_on(client::run(&setup, case)),
    };
    match result {
        Ok(log) => {
            for line in log {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("quinn-interop-endpoint: {case:?} failed: {why}");
            ExitCode::from(1)
        }
    }
}
