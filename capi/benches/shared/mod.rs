//! What the C benchmarks share: building a program of `benches/c/` against qssl and against
//! the reference OpenSSL and running it on its library, and the CPU time of the programs run.

use std::path::{Path, PathBuf};
use std::process::Command;
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

/// The user + system CPU time of this process's finished children.
pub(crate) fn children_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; it was zeroed, so it is initialised
    // even if the call failed.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
