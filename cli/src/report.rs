//! What a connection negotiated, printed as `openssl s_client` prints it (in full, or in
//! its `-brief` form) to standard error, so standard output carries only the peer's data.

use qssl::ctx::{verify_error_string, x509_v};
use qssl::quic::Ssl;
use qssl::tls::Tls;
use qssl::x509::Certificate;
use rustls::pki_types::CertificateDer;

/// What a connection negotiated.
#[derive(Debug)]
pub(crate) struct Negotiated {
    /// "QUICv1", "QUICv2" or "TLSv1.3", "TLSv1.2".
    pub(crate) protocol: String,
    /// The cipher suite's OpenSSL name.
    pub(crate) cipher: String,
    /// The application protocol, if one was selected.
    pub(crate) alpn: Option<Vec<u8>>,
    /// The peer's certificates, its own first.
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// `SSL_get_verify_result`.
    pub(crate) verify: i64,
    /// The session was resumed.
    pub(crate) reused: bool,
    /// More lines (QUIC's path figures).
    pub(crate) extra: Vec<String>,
}

impl Negotiated {
    /// What the QUIC connection `conn` negotiated.
    pub(crate) fn quic(conn: &Ssl) -> Negotiated {
        let info = conn.connection_info();
        let extra = info.as_ref().map_or_else(Vec::new, |i| {
            vec![format!(
                "Path: RTT {:.1} ms, datagrams of {} bytes, ECN {:?}",
                i.rtt.as_secs_f64() * 1e3,
                i.datagram_size,
                i.ecn
            )]
        });
        Negotiated {
            protocol: conn.version_string().to_owned(),
            cipher: info
                .as_ref()
                .and_then(|i| i.cipher_suite.clone())
                .unwrap_or_else(|| "(NONE)".into()),
            alpn: info.and_then(|i| i.alpn),
            chain: conn.peer_cert_chain().unwrap_or_default(),
            verify: conn.verify_result(),
            reused: conn.session_reused(),
            extra,
        }
    }

    /// What the TLS connection `tls` negotiated.
    pub(crate) fn tls(tls: &Tls) -> Negotiated {
        Negotiated {
            protocol: tls.version_string().to_owned(),
            cipher: tls.cipher_name().unwrap_or("(NONE)").to_owned(),
            alpn: tls.alpn_selected(),
            chain: tls.peer_cert_chain().unwrap_or_default(),
            verify: tls.verify_result(),
            reused: tls.session_reused(),
            extra: Vec::new(),
        }
    }

    /// The verification result as OpenSSL words it.
    fn verify_text(&self) -> String {
        format!("{} ({})", self.verify, verify_error_string(self.verify))
    }

    /// The lines `openssl s_client` prints after connecting to `peer`, or its `-brief` lines.
    pub(crate) fn lines(&self, peer: &str, brief: bool) -> Vec<String> {
        let alpn = self
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let names: Vec<(String, String)> = self
            .chain
            .iter()
            .map(|der| match Certificate::from_der(der) {
                Ok((c, _)) => (c.subject().oneline(256), c.issuer().oneline(256)),
                Err(_) => ("(unreadable)".into(), "(unreadable)".into()),
            })
            .collect();
        if brief {
            let mut lines = vec![
                "CONNECTION ESTABLISHED".to_owned(),
                format!("Protocol version: {}", self.protocol),
                format!("Ciphersuite: {}", self.cipher),
            ];
            if let Some((subject, _)) = names.first() {
                lines.push(format!("Peer certificate: {subject}"));
            }
            lines.push(if self.verify == x509_v::OK {
                "Verification: OK".into()
            } else {
                format!("Verification error: {}", verify_error_string(self.verify))
            });
            if let Some(alpn) = alpn {
                lines.push(format!("ALPN protocol: {alpn}"));
            }
            return lines;
        }
        let mut lines = vec![format!("CONNECTED({peer})"), "---".into()];
        lines.push("Certificate chain".into());
        for (depth, (subject, issuer)) in names.iter().enumerate() {
            lines.push(format!(" {depth} s:{subject}"));
            lines.push(format!("   i:{issuer}"));
        }
        lines.push("---".into());
        lines.push(format!(
            "{}, {}, Cipher is {}",
            if self.reused { "Reused" } else { "New" },
            self.protocol,
            self.cipher
        ));
        lines.push(match alpn {
            Some(alpn) => format!("ALPN protocol: {alpn}"),
            None => "No ALPN negotiated".into(),
        });
        lines.extend(self.extra.iter().cloned());
        lines.push(format!("Verify return code: {}", self.verify_text()));
        lines.push("---".into());
        lines
    }

    /// Prints [`lines`](Self::lines) to standard error.
    pub(crate) fn print(&self, peer: &str, brief: bool) {
        for line in self.lines(peer, brief) {
            eprintln!("{line}");
        }
    }
}

/// The verification result of a failed handshake as a phrase, if it failed there.
pub(crate) fn verify_failure(result: i64) -> Option<String> {
    (result != x509_v::OK).then(|| {
        format!(
            "certificate verify failed: {result} ({})",
            verify_error_string(result)
        )
    })
}
