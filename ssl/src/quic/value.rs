//! The generic value API (`SSL_get_value_uint`, `SSL_set_value_uint`): stream counts, the idle
//! timeout, the event handling mode and stream write-buffer figures.

use std::sync::atomic::Ordering;
use std::time::Duration;

use qssl_quic::Dir;

use super::object::Ssl;
use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};

/// `SSL_VALUE_CLASS_GENERIC`.
pub const VALUE_CLASS_GENERIC: u32 = 0;
/// `SSL_VALUE_CLASS_FEATURE_REQUEST`: what this side asks for.
pub const VALUE_CLASS_FEATURE_REQUEST: u32 = 1;
/// `SSL_VALUE_CLASS_FEATURE_PEER_REQUEST`: what the peer asked for.
pub const VALUE_CLASS_FEATURE_PEER_REQUEST: u32 = 2;
/// `SSL_VALUE_CLASS_FEATURE_NEGOTIATED`: what is in force.
pub const VALUE_CLASS_FEATURE_NEGOTIATED: u32 = 3;

/// `SSL_VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL`: bidirectional streams this side may still open.
pub const VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL: u32 = 1;
/// `SSL_VALUE_QUIC_STREAM_BIDI_REMOTE_AVAIL`: bidirectional streams the peer may still open.
pub const VALUE_QUIC_STREAM_BIDI_REMOTE_AVAIL: u32 = 2;
/// `SSL_VALUE_QUIC_STREAM_UNI_LOCAL_AVAIL`.
pub const VALUE_QUIC_STREAM_UNI_LOCAL_AVAIL: u32 = 3;
/// `SSL_VALUE_QUIC_STREAM_UNI_REMOTE_AVAIL`.
pub const VALUE_QUIC_STREAM_UNI_REMOTE_AVAIL: u32 = 4;
/// `SSL_VALUE_QUIC_IDLE_TIMEOUT`, in milliseconds (0: none).
pub const VALUE_QUIC_IDLE_TIMEOUT: u32 = 5;
/// `SSL_VALUE_EVENT_HANDLING_MODE`.
pub const VALUE_EVENT_HANDLING_MODE: u32 = 6;
/// `SSL_VALUE_STREAM_WRITE_BUF_SIZE`.
pub const VALUE_STREAM_WRITE_BUF_SIZE: u32 = 7;
/// `SSL_VALUE_STREAM_WRITE_BUF_USED`.
pub const VALUE_STREAM_WRITE_BUF_USED: u32 = 8;
/// `SSL_VALUE_STREAM_WRITE_BUF_AVAIL`.
pub const VALUE_STREAM_WRITE_BUF_AVAIL: u32 = 9;

/// `SSL_VALUE_EVENT_HANDLING_MODE_INHERIT`: the parent's mode (implicit for a connection).
pub const EVENT_HANDLING_MODE_INHERIT: u64 = 0;
/// `SSL_VALUE_EVENT_HANDLING_MODE_IMPLICIT`: I/O calls handle events.
pub const EVENT_HANDLING_MODE_IMPLICIT: u64 = 1;
/// `SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT`: only `handle_events` (and blocking calls) do.
pub const EVENT_HANDLING_MODE_EXPLICIT: u64 = 2;

#[track_caller]
fn unsupported(reason: i32) -> SslError {
    SslError::ssl(reason).raise()
}

impl Ssl {
    /// Whether non-blocking calls on this object leave event handling to the application.
    pub(crate) fn explicit_events(&self) -> bool {
        self.obj.explicit_events()
    }

    /// `SSL_get_value_uint`.
    #[track_caller]
    pub fn value_uint(&self, class: u32, id: u32) -> Result<u64, SslError> {
        match id {
            VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL..=VALUE_QUIC_STREAM_UNI_REMOTE_AVAIL => {
                if class != VALUE_CLASS_GENERIC {
                    return Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS));
                }
                let key = self.expect_connection()?;
                let st = self.obj.port.lock();
                let dir = if id <= VALUE_QUIC_STREAM_BIDI_REMOTE_AVAIL {
                    Dir::Bi
                } else {
                    Dir::Uni
                };
                let (local, remote) = st.conn(key).map_or((0, 0), |c| c.streams_available(dir));
                Ok(if id % 2 == 1 { local } else { remote })
            }
            VALUE_QUIC_IDLE_TIMEOUT => self.idle_timeout_value(class),
            VALUE_EVENT_HANDLING_MODE => {
                if class != VALUE_CLASS_GENERIC {
                    return Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS));
                }
                Ok(u64::from(self.obj.event_mode.load(Ordering::Relaxed)))
            }
            VALUE_STREAM_WRITE_BUF_SIZE..=VALUE_STREAM_WRITE_BUF_AVAIL => {
                if class != VALUE_CLASS_GENERIC {
                    return Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS));
                }
                let st = self.obj.port.lock();
                let (key, stream) = self.require_stream(&st)?;
                let info = st.conn(key).and_then(|c| c.stream_send_info(stream));
                let Some(info) = info else {
                    return Ok(0);
                };
                let (size, used) = (info.capacity as u64, info.buffered as u64);
                Ok(match id {
                    VALUE_STREAM_WRITE_BUF_SIZE => size,
                    VALUE_STREAM_WRITE_BUF_USED => used,
                    _ => size.saturating_sub(used),
                })
            }
            _ => Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE)),
        }
    }

    /// `SSL_set_value_uint`: the idle timeout (as a feature request, before the connection
    /// starts) and the event handling mode; everything else is read-only. The reasons are
    /// OpenSSL's: a value without a setter is `SSL_R_UNSUPPORTED_CONFIG_VALUE`, the idle
    /// timeout the peer asked for or negotiated `SSL_R_UNSUPPORTED_CONFIG_VALUE_OP`, an unknown
    /// event handling mode `ERR_R_PASSED_INVALID_ARGUMENT`.
    #[track_caller]
    pub fn set_value_uint(&self, class: u32, id: u32, value: u64) -> Result<(), SslError> {
        match id {
            VALUE_QUIC_IDLE_TIMEOUT => {
                let key = self.expect_connection()?;
                match class {
                    VALUE_CLASS_FEATURE_REQUEST => {}
                    VALUE_CLASS_FEATURE_PEER_REQUEST | VALUE_CLASS_FEATURE_NEGOTIATED => {
                        return Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE_OP));
                    }
                    _ => return Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS)),
                }
                super::stream::check_app_code(value)?;
                let mut st = self.obj.port.lock();
                if st.handle(key).is_some() {
                    return Err(unsupported(ssl_r::FEATURE_NOT_RENEGOTIABLE));
                }
                st.endpoint.connection_config_mut().idle_timeout =
                    (value > 0).then(|| Duration::from_millis(value));
                Ok(())
            }
            VALUE_EVENT_HANDLING_MODE => {
                if class != VALUE_CLASS_GENERIC {
                    return Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS));
                }
                if self.is_listener() {
                    return Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE));
                }
                if value > EVENT_HANDLING_MODE_EXPLICIT {
                    return Err(SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                        .with_data(format!("event handling mode {value}"))
                        .raise());
                }
                self.obj.event_mode.store(value as u32, Ordering::Relaxed);
                Ok(())
            }
            // A stream's write-buffer figures: read-only.
            VALUE_STREAM_WRITE_BUF_SIZE..=VALUE_STREAM_WRITE_BUF_AVAIL => {
                Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE))
            }
            // The stream counts and unknown values: connection values, read-only.
            _ => {
                self.expect_connection()?;
                Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE))
            }
        }
    }

    fn idle_timeout_value(&self, class: u32) -> Result<u64, SslError> {
        let key = self.expect_connection()?;
        let st = self.obj.port.lock();
        let ms = |d: Option<Duration>| d.map_or(0, |d| d.as_millis() as u64);
        match class {
            VALUE_CLASS_FEATURE_REQUEST => Ok(ms(st.endpoint.connection_config().idle_timeout)),
            VALUE_CLASS_FEATURE_PEER_REQUEST | VALUE_CLASS_FEATURE_NEGOTIATED => {
                let conn = st
                    .conn(key)
                    .filter(|c| c.is_handshake_complete())
                    .ok_or_else(|| unsupported(ssl_r::FEATURE_NEGOTIATION_NOT_COMPLETE))?;
                let peer = conn
                    .peer_params()
                    .and_then(|p| p.max_idle_timeout_duration());
                if class == VALUE_CLASS_FEATURE_PEER_REQUEST {
                    return Ok(ms(peer));
                }
                let local = st.endpoint.connection_config().idle_timeout;
                Ok(ms(match (local, peer) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }))
            }
            _ => Err(unsupported(ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS)),
        }
    }
}
