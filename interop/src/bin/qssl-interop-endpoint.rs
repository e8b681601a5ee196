//! The QUIC interop runner's endpoint for qssl: reads `ROLE`, `TESTCASE` and `REQUESTS`
//! (see `qssl_interop::endpoint`) and serves or downloads; exits 127 for a test case it does
//! not support and 1 when a run fails. A client prints a line about each connection.
#![allow(clippy::print_stdout)] // The connection lines are the run's log.

use std::process::ExitCode;

use qssl_interop::endpoint::{EXIT_UNSUPPORTED, Setup, run};

fn main() -> ExitCode {
    let setup = match Setup::from_vars(|name| std::env::var(name).ok()) {
        Ok(setup) => setup,
        Err(why) => {
            eprintln!("qssl-interop-endpoint: {why}");
            return ExitCode::from(1);
        }
    };
    let Some(case) = setup.case else {
        eprintln!(
            "qssl-interop-endpoint: test case {:?} is not supported",
            std::env::var("TESTCASE").unwrap_or_default()
        );
        return ExitCode::from(EXIT_UNSUPPORTED);
    };
    match run(&setup, case) {
        Ok(log) => {
            for line in log {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qssl-interop-endpoint: {case:?} failed: {e}");
            ExitCode::from(1)
        }
    }
}
