//! Key logging: NSS key log lines to a callback and, when `SSLKEYLOGFILE` is set, to that file.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use rustls::{KeyLog, KeyLogFile};

/// The callback `SSL_CTX_set_keylog_callback` installs: called with one NSS key log line
/// (`LABEL <client_random hex> <secret hex>`, no newline) per secret.
pub type KeylogCallback = Arc<dyn Fn(&str) + Send + Sync>;

/// The rustls key log of a context: the callback and/or the `SSLKEYLOGFILE` file.
pub(crate) struct CtxKeyLog {
    callback: Option<KeylogCallback>,
    file: Option<KeyLogFile>,
}

impl CtxKeyLog {
    /// The key log to install: `None` when there is neither a callback nor `SSLKEYLOGFILE`.
    pub(crate) fn for_ctx(callback: Option<&KeylogCallback>) -> Option<Arc<dyn KeyLog>> {
        let file = std::env::var_os("SSLKEYLOGFILE").map(|_| KeyLogFile::new());
        if callback.is_none() && file.is_none() {
            return None;
        }
        Some(Arc::new(CtxKeyLog {
            callback: callback.cloned(),
            file,
        }))
    }
}

/// `label client_random secret` with both values in lower-case hex.
fn nss_line(label: &str, client_random: &[u8], secret: &[u8]) -> String {
    let mut line =
        String::with_capacity(label.len() + 2 + 2 * (client_random.len() + secret.len()));
    line.push_str(label);
    for bytes in [client_random, secret] {
        line.push(' ');
        for b in bytes {
            // Writing to a String cannot fail.
            let _ = write!(line, "{b:02x}");
        }
    }
    line
}

impl KeyLog for CtxKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Some(callback) = &self.callback {
            callback(&nss_line(label, client_random, secret));
        }
        if let Some(file) = &self.file {
            file.log(label, client_random, secret);
        }
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

impl fmt::Debug for CtxKeyLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtxKeyLog")
            .field("callback", &self.callback.is_some())
            .field("file", &self.file.is_some())
            .finish()
    }
}
