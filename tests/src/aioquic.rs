//! The aioquic hq-interop peer (`interop/peers/aioquic_hq.py`, with aioquic installed from
//! PyPI by the test command): a server started in the background, and the client's command.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The peer's script.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/peers/aioquic_hq.py")
}

/// An aioquic hq-interop server on loopback, killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts a server on 127.0.0.1 with an ephemeral port, serving the files of `root` with
    /// the certificate and key in the PEM files `cert` and `key`.
    pub fn start(cert: &Path, key: &Path, root: &Path) -> Server {
        let mut child = Command::new("python3")
            .arg(script())
            .args(["server", "--host", "127.0.0.1", "--port", "0", "--cert"])
            .arg(cert)
            .arg("--key")
            .arg(key)
            .arg("--root")
            .arg(root)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aioquic (installed by scripts/test.sh)");
        let stdout = child.stdout.take().expect("piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server's first line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected aioquic server output {line:?}"));
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The client's command: fetches `files` from `port` on 127.0.0.1 into `out`, trusting the
/// PEM certificate `ca`, giving up after `timeout_secs`.
pub fn client(port: u16, ca: &Path, out: &Path, timeout_secs: u32, files: &[&str]) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(script())
        .args(["client", "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg("--ca")
        .arg(ca)
        .arg("--out")
        .arg(out)
        .args(["--timeout", &timeout_secs.to_string()])
        .args(files);
    cmd
}
