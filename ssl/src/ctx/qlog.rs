//! qlog files, as OpenSSL writes them: with `QLOGDIR` set, every QUIC connection of a context
//! made from then on writes `QLOGDIR/{odcid}_{client|server}.sqlog` (the original destination
//! connection ID in lower-case hex), with the event types `OSSL_QFILTER` selects (all when
//! unset or empty; an invalid filter turns tracing off, as in OpenSSL).
//! [`SslCtx::set_qlog_dir`] does the same from Rust.

use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use qssl_quic::qlog::{QlogConfig, QlogFilter, QlogSink};
use qssl_quic::{ConnectionId, Side};

use super::SslCtx;
use crate::error::{ERR_LIB_SSL, SslError, err_r};

/// A trace file, written a record (one line) at a time.
struct FileSink(LineWriter<File>);

impl QlogSink for FileSink {
    fn write_record(&mut self, record: &[u8]) {
        // A trace that cannot be written is given up quietly: tracing never fails the
        // connection.
        let _ = self.0.write_all(record);
    }
}

/// Tracing into files under `dir` with `filter`.
fn files_under(dir: PathBuf, filter: QlogFilter) -> QlogConfig {
    QlogConfig {
        make: Arc::new(move |side: Side, odcid: &ConnectionId| {
            let vantage = match side {
                Side::Client => "client",
                Side::Server => "server",
            };
            let file = File::create(dir.join(format!("{odcid}_{vantage}.sqlog"))).ok()?;
            Some(Box::new(FileSink(LineWriter::new(file))) as Box<dyn QlogSink>)
        }),
        filter,
    }
}

/// The tracing `QLOGDIR` and `OSSL_QFILTER` ask for, if any.
pub(crate) fn from_env() -> Option<QlogConfig> {
    let dir = std::env::var_os("QLOGDIR").filter(|d| !d.is_empty())?;
    let filter = QlogFilter::parse(&std::env::var("OSSL_QFILTER").unwrap_or_default()).ok()?;
    Some(files_under(PathBuf::from(dir), filter))
}

impl SslCtx {
    /// Traces every QUIC connection made from this context from now on into
    /// `dir/{odcid}_{client|server}.sqlog`, with the event types `filter` selects (OpenSSL's
    /// `OSSL_QFILTER` syntax; empty: all), as `QLOGDIR` does; `None` stops tracing.
    /// `ERR_R_PASSED_INVALID_ARGUMENT` for a bad filter.
    #[track_caller]
    pub fn set_qlog_dir(&mut self, dir: Option<&Path>, filter: &str) -> Result<(), SslError> {
        let filter = QlogFilter::parse(filter).map_err(|e| {
            SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data(e.to_string())
                .raise()
        })?;
        self.connection_config_mut().qlog = dir.map(|d| files_under(d.to_path_buf(), filter));
        Ok(())
    }
}
