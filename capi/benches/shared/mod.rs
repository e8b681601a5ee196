//! What the C benchmarks share: building a program of `benches/c/` against qssl and against
//! the reference OpenSSL, running it on its library, starting its server, and the CPU time
//! of the programs run and of this process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A program of `benches/c/` built against one library, and where that library is.
pub(crate) struct CProgram {
    bin: PathBuf,
    libs: PathBuf,
}

/// Builds `benches/c/<source>` into `dir` as `name`, against the headers in `include` and
/// the libssl/libcrypto in `libs`.
pub(crate) fn build(
    source: &str,
    dir: &Path,
    name: &str,
    include: &Path,
    libs: PathBuf,
) -> CProgram {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = dir.join(name);
    let status = Command::new("cc")
        .args(["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&bin)
        .arg(manifest.join("benches/c").join(source))
        .arg(format!("-I{}", include.display()))
        .arg(format!("-L{}", libs.display()))
        .arg(format!("-Wl,-rpath,{}", libs.display()))
        .args(["-lssl", "-lcrypto", "-lpthread", "-ldl"])
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success(), "building {source} as {name} failed");
    CProgram { bin, libs }
}

/// `benches/c/<source>` built twice into `CARGO_TARGET_TMPDIR/<stem>`: on qssl's headers
/// and libraries, and on the reference OpenSSL 3.5's; (qssl's, OpenSSL's).
pub(crate) fn build_both(source: &str, stem: &str) -> (CProgram, CProgram) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(stem);
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let qssl = build(
        source,
        &dir,
        &format!("{stem}_qssl"),
        &manifest.join("include"),
        crate::common::qssl_libs(),
    );
    let reference = crate::common::reference();
    let openssl = build(
        source,
        &dir,
        &format!("{stem}_openssl"),
        &reference.join("include"),
        reference.join("lib"),
    );
    (qssl, openssl)
}

impl CProgram {
    /// The program, run on its own library.
    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env("LD_LIBRARY_PATH", &self.libs);
        cmd
    }
}

/// Starts `server`'s server mode for `connections` connections with the certificate and
/// key of `c` (and the further arguments `extra`); returns the process and its port, read
/// from its first line (`listening on <port>`). Whatever else it prints is read and dropped.
pub(crate) fn start_server(
    server: &CProgram,
    c: &qssl_tests::identity::Identity,
    connections: usize,
    extra: &[&str],
) -> (Child, String) {
    let mut child = server
        .command()
        .arg("server")
        .arg(&c.cert)
        .arg(&c.key)
        .arg(connections.to_string())
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("server did not start: {line:?}"))
        .to_owned();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, port)
}

/// The user + system CPU time of this process's finished children.
pub(crate) fn children_cpu() -> Duration {
    rusage_cpu(libc::RUSAGE_CHILDREN)
}

/// The user + system CPU time `getrusage(who)` reports, to the microsecond
/// (`libc::RUSAGE_SELF`: this process's, all its threads).
pub(crate) fn rusage_cpu(who: libc::c_int) -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; it was zeroed, so it is initialised
    // even if the call failed.
    let usage = unsafe {
        libc::getrusage(who, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
