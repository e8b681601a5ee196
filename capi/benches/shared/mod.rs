//! What the C benchmarks share: building a program of `benches/c/` against one library and
//! running it there, and the CPU time of the programs run.

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
