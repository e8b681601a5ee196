//! Building and running the C programs of `tests/c/` in the three ways qssl must match
//! OpenSSL: (a) built against qssl's headers and run on qssl's libraries; (b) built and linked
//! against the reference OpenSSL 3.5, then run with qssl's `libssl.so.3`/`libcrypto.so.3`
//! swapped in through `LD_LIBRARY_PATH`; (c) built and run on the reference OpenSSL 3.5.
#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

/// How a C program is built and which library it runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Mode {
    /// (a) qssl's headers and libraries.
    Qssl,
    /// (b) built against OpenSSL 3.5, run on qssl's libraries.
    Swapped,
    /// (c) built and run on OpenSSL 3.5.
    Reference,
}

/// The three modes, qssl first.
pub(crate) const MODES: [Mode; 3] = [Mode::Qssl, Mode::Swapped, Mode::Reference];

/// The repository's top directory.
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs one of the repository's scripts and returns the directory it prints last.
fn script_dir(script: &str, args: &[&str]) -> PathBuf {
    let out = Command::new(repo().join("scripts").join(script))
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("running scripts/{script}: {e}"));
    assert!(out.status.success(), "scripts/{script} failed");
    let text = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(text.lines().last().unwrap_or_default().trim())
}

/// `target/<profile>`, the profile these tests were built with.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// qssl's C libraries (`libssl.so.3`, `libcrypto.so.3`, `libqssl.so.0`, the static archives
/// and pkg-config files), made by `scripts/c-libs.sh` for this test run's profile. The script
/// builds the crate's static archive first: `cargo test` builds only the rlib the Rust tests
/// link, so the archive would otherwise be the last `cargo build`'s.
pub(crate) fn qssl_libs() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let profile = profile_dir();
        let debug = profile.file_name().is_some_and(|p| p == "debug");
        script_dir("c-libs.sh", if debug { &["--debug"] } else { &[] })
    })
    .clone()
}

/// The reference OpenSSL 3.5's install prefix (`bin/openssl`, `include/`, `lib/`), built from
/// the openssl-src package by `scripts/reference-openssl.sh` (cached under `target/`).
pub(crate) fn reference() -> PathBuf {
    qssl_tests::reference::prefix()
}

/// The reference `openssl` command.
pub(crate) fn openssl_command() -> Command {
    qssl_tests::reference::openssl_command()
}

/// The source of a test program.
pub(crate) fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(name)
}

/// Compiles `name` with `cc` and extra arguments into a scratch directory; returns the binary.
fn compile(name: &str, out: &str, args: &[String]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-programs");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join(out);
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&bin)
        .arg(source(name))
        .args(args)
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success(), "compiling {name} failed");
    bin
}

/// The binary of `name` for `mode`, compiled once per test process: against qssl's headers
/// and libraries for [`Mode::Qssl`], against OpenSSL 3.5's otherwise (the same binary serves
/// [`Mode::Swapped`] and [`Mode::Reference`]).
pub(crate) fn binary(name: &str, mode: Mode) -> PathBuf {
    static BINARIES: OnceLock<Mutex<HashMap<(String, bool), PathBuf>>> = OnceLock::new();
    let on_qssl = mode == Mode::Qssl;
    let key = (name.to_owned(), on_qssl);
    // Held while compiling: two tests building the same program at once would have one
    // run the file while the other's linker rewrites it (ETXTBSY).
    let mut map = BINARIES.get_or_init(Default::default).lock().unwrap();
    if let Some(bin) = map.get(&key) {
        return bin.clone();
    }
    let (include, lib, suffix) = if on_qssl {
        let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
        (include, qssl_libs(), "qssl")
    } else {
        (
            reference().join("include"),
            reference().join("lib"),
            "openssl",
        )
    };
    let bin = compile(
        name,
        &format!("{name}.{suffix}"),
        &[
            format!("-I{}", include.display()),
            format!("-L{}", lib.display()),
            "-lssl".to_owned(),
            "-lcrypto".to_owned(),
        ],
    );
    map.insert(key, bin.clone());
    bin
}

/// The binary of `name` built against qssl with AddressSanitizer (`-fsanitize=address`),
/// compiled once per test process.
pub(crate) fn sanitized_binary(name: &str) -> PathBuf {
    static BINARIES: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    // Held while compiling, as in `binary`.
    let mut map = BINARIES.get_or_init(Default::default).lock().unwrap();
    if let Some(bin) = map.get(name) {
        return bin.clone();
    }
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let bin = compile(
        name,
        &format!("{name}.asan"),
        &[
            "-fsanitize=address".to_owned(),
            "-fno-omit-frame-pointer".to_owned(),
            "-g".to_owned(),
            format!("-I{}", include.display()),
            format!("-L{}", qssl_libs().display()),
            "-lssl".to_owned(),
            "-lcrypto".to_owned(),
        ],
    );
    map.insert(name.to_owned(), bin.clone());
    bin
}

/// The directory `mode`'s programs load their libraries from.
pub(crate) fn runtime_libs(mode: Mode) -> PathBuf {
    match mode {
        Mode::Qssl | Mode::Swapped => qssl_libs(),
        Mode::Reference => reference().join("lib"),
    }
}

/// A command running `name` in `mode`.
pub(crate) fn command(name: &str, mode: Mode) -> Command {
    let mut cmd = Command::new(binary(name, mode));
    cmd.env("LD_LIBRARY_PATH", runtime_libs(mode));
    cmd
}

/// Checks that a program succeeded and that the loader had nothing to say about the
/// libraries (no `no version information available` or missing-symbol warnings); returns its
/// standard output.
pub(crate) fn checked(what: &str, mode: Mode, out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} ({mode:?}) failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        !stderr.contains("version information") && !stderr.contains("symbol lookup error"),
        "{what} ({mode:?}): the loader complained:\n{stderr}"
    );
    stdout
}

/// Runs `name` in `mode` with `args`; returns its output.
pub(crate) fn run(name: &str, mode: Mode, args: &[&Path]) -> String {
    let out = command(name, mode).args(args).output().unwrap();
    checked(name, mode, out)
}

/// Runs `name` in all three modes and checks that they print the same; returns that output.
pub(crate) fn run_same_in_all_modes(name: &str, args: &[&Path]) -> String {
    run_in_all_modes_with_differences(name, args, &[])
}

/// Runs `name` in all three modes and checks that they print the same but for `differences`:
/// known differences between qssl and OpenSSL 3.5 (each listed in the README), as pairs of
/// the line qssl prints and the line OpenSSL prints instead. Returns qssl's output.
pub(crate) fn run_in_all_modes_with_differences(
    name: &str,
    args: &[&Path],
    differences: &[(&str, &str)],
) -> String {
    let [ours, swapped, mut reference] = MODES.map(|mode| run(name, mode, args));
    for (qssl_line, openssl_line) in differences {
        let openssl_line = format!("{openssl_line}\n");
        assert!(
            reference.contains(&openssl_line),
            "{name}: OpenSSL 3.5 no longer prints {openssl_line:?}:\n{reference}"
        );
        reference = reference.replace(&openssl_line, &format!("{qssl_line}\n"));
    }
    assert_eq!(
        ours, reference,
        "{name}: built on qssl's headers, qssl prints what OpenSSL 3.5 prints"
    );
    assert_eq!(
        swapped, reference,
        "{name}: built against OpenSSL 3.5, qssl swapped in prints what OpenSSL 3.5 prints"
    );
    ours
}

/// A server program running in the background, with its first line of output (which names
/// its port) already read.
pub(crate) struct Server {
    child: std::process::Child,
    mode: Mode,
    /// The UDP or TCP port it listens on.
    pub(crate) port: u16,
}

impl Server {
    /// Starts `name` in `mode` and reads the port from its first line
    /// (`listening on <port>...`).
    pub(crate) fn start(name: &str, mode: Mode, args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = command(name, mode)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split(',').next())
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("server did not start: {line:?}"));
        Server { child, mode, port }
    }

    /// Waits for the server to finish; returns the rest of its output.
    pub(crate) fn finish(self) -> String {
        let mode = self.mode;
        checked("server", mode, self.child.wait_with_output().unwrap())
    }
}
