//! Certificates made the way the interop runner's `certs.sh` makes them, with the `openssl`
//! command: an ECDSA P-256 root (`ca.pem`), a leaf without a common name whose names are
//! all in the subject alternative names (`cert.pem`), and its key as `openssl ecparam`
//! writes it, EC PARAMETERS then an SEC1 private key (`priv.key`). The leaf also names
//! `localhost` for runs on one machine.

use std::path::Path;
use std::process::Command;

/// Writes `ca.pem`, `cert.pem` and `priv.key` (and the files that made them) into `dir`.
pub fn make_runner_certs(dir: &Path) -> Result<(), String> {
    let openssl = |args: &[&str]| -> Result<(), String> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .map_err(|e| format!("the openssl command: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    std::fs::write(
        dir.join("leaf.cnf"),
        "[req]\ndistinguished_name=dn\n[dn]\n[ext]\n\
         subjectAltName=DNS:server,DNS:server4,DNS:server6,DNS:server46,DNS:localhost\n",
    )
    .map_err(|e| format!("{}: {e}", dir.display()))?;
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-out",
        "ca.key",
    ])?;
    openssl(&[
        "req",
        "-x509",
        "-sha256",
        "-nodes",
        "-days",
        "10",
        "-key",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/O=interop runner Root Certificate Authority",
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:100",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ])?;
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-out",
        "priv.key",
    ])?;
    openssl(&[
        "req",
        "-new",
        "-key",
        "priv.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/O=interop runner leaf",
        "-config",
        "leaf.cnf",
    ])?;
    openssl(&[
        "x509",
        "-req",
        "-sha256",
        "-days",
        "10",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-extfile",
        "leaf.cnf",
        "-extensions",
        "ext",
    ])
}
