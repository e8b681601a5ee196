//! How a subcommand fails: one line saying what went wrong, then, as OpenSSL's tools do,
//! the error queue's lines.

use std::fmt::Display;

/// A failed subcommand.
#[derive(Debug)]
pub(crate) struct Failure {
    what: String,
}

/// What the subcommands return.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

impl Failure {
    /// A failure described by `what`.
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Failure { what: what.into() }
    }

    /// Prints `qssl COMMAND: what` and the thread's error queue (which it empties) to
    /// standard error.
    pub(crate) fn report(&self, command: &str) {
        eprintln!("qssl {command}: {}", self.what);
        let _ = qssl::error::print_errors(&mut std::io::stderr());
    }
}

/// Adds what was being done to an error.
pub(crate) trait Context<T> {
    /// The error as a [`Failure`] whose line starts with `doing`.
    fn context(self, doing: impl Display) -> Outcome<T>;
}

impl<T, E: Display> Context<T> for Result<T, E> {
    fn context(self, doing: impl Display) -> Outcome<T> {
        self.map_err(|e| Failure::new(format!("{doing}: {e}")))
    }
}
