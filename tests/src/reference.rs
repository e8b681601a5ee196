//! The reference OpenSSL 3.5, built from the openssl-src package by
//! `scripts/reference-openssl.sh` (once, cached under `target/`): its install prefix and its
//! `openssl` command.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The reference OpenSSL's install prefix (`bin/openssl`, `include/`, `lib/`).
pub fn prefix() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/reference-openssl.sh");
        let out = Command::new(&script)
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(out.status.success(), "scripts/reference-openssl.sh failed");
        let text = String::from_utf8_lossy(&out.stdout);
        PathBuf::from(text.lines().last().unwrap_or_default().trim())
    })
    .clone()
}

/// The reference `openssl` command.
pub fn openssl_command() -> Command {
    let mut cmd = Command::new(prefix().join("bin/openssl"));
    cmd.env("LD_LIBRARY_PATH", prefix().join("lib"));
    cmd
}
