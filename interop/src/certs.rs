//! Certificates made the way the interop runner's `certs.sh` makes them, with the `openssl`
//! command: an ECDSA P-256 root (`ca.pem`), a leaf without a common name whose names are
//! all in the subject alternative names (`cert.pem`), and its key as `openssl ecparam`
//! writes it, EC PARAMETERS then an SEC1 private key (`priv.key`). The leaf also names
//! `localhost` for runs on one machine. A longer chain puts intermediates between the root
//! and the leaf.

use std::path::Path;
use std::process::Command;

/// Extra DNS names of the leaf in a long chain, as the runner adds them.
const EXTRA_NAMES: usize = 20;
/// Length of each extra name.
const EXTRA_NAME_LEN: usize = 250;

/// Writes `ca.pem`, `cert.pem` and `priv.key` (and the files that made them) into `dir`.
/// `cert.pem` holds `chain` certificates: the leaf and `chain - 1` intermediates between it
/// and the root, as the runner's `certs.sh` makes them (9 for the amplificationlimit test,
/// whose leaf also gets 20 long extra names).
pub fn make_runner_certs(dir: &Path, chain: usize) -> Result<(), String> {
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
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{}: {e}", dir.display()))
    };
    let mut names = String::from("DNS:server,DNS:server4,DNS:server6,DNS:server46,DNS:localhost");
    if chain > 1 {
        for i in 0..EXTRA_NAMES {
            // Distinct names of lowercase letters, as long as the runner's.
            let label: String = (0..EXTRA_NAME_LEN)
                .map(|j| char::from(b'a' + ((i * 7 + j * 13 + j / 26) % 26) as u8))
                .collect();
            names.push_str(&format!(",DNS:{label}"));
        }
    }
    write(
        "leaf.cnf",
        format!("[req]\ndistinguished_name=dn\n[dn]\n[ext]\nsubjectAltName={names}\n"),
    )?;
    write(
        "ca.cnf",
        "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n".into(),
    )?;
    let genkey = |out: &str| openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-out", out]);
    genkey("ca.key")?;
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
    // Signs `csr` with the certificate and key `issuer` (.pem and .key) into `out`.
    let sign = |csr: &str, issuer: &str, out: &str, extfile: &str, section: &str| {
        openssl(&[
            "x509",
            "-req",
            "-sha256",
            "-days",
            "10",
            "-in",
            csr,
            "-CA",
            &format!("{issuer}.pem"),
            "-CAkey",
            &format!("{issuer}.key"),
            "-CAcreateserial",
            "-out",
            out,
            "-extfile",
            extfile,
            "-extensions",
            section,
        ])
    };
    let mut issuer = String::from("ca");
    let mut intermediates = Vec::new();
    for i in 1..chain.max(1) {
        let name = format!("intermediate{i}");
        genkey(&format!("{name}.key"))?;
        openssl(&[
            "req",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/O=interop runner intermediate {i}"),
            "-config",
            "leaf.cnf",
        ])?;
        sign(
            &format!("{name}.csr"),
            &issuer,
            &format!("{name}.pem"),
            "ca.cnf",
            "ca",
        )?;
        intermediates.push(format!("{name}.pem"));
        issuer = name;
    }
    genkey("priv.key")?;
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
    sign("leaf.csr", &issuer, "leaf.pem", "leaf.cnf", "ext")?;
    // The leaf first, then each intermediate towards the root.
    let mut pem = String::new();
    for file in std::iter::once("leaf.pem".to_string()).chain(intermediates.into_iter().rev()) {
        pem.push_str(
            &std::fs::read_to_string(dir.join(&file)).map_err(|e| format!("{file}: {e}"))?,
        );
    }
    write("cert.pem", pem)
}
