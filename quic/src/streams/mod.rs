//! Streams (RFC 9000 §2-4): data buffers, the stream state machines and flow control.
//!
//! The pieces are independent and hold no references to each other; the connection combines
//! them per stream and per connection:
//! - [`RecvBuf`]: reassembly of received data (a stream's, or CRYPTO data per encryption
//!   level), with the final-size rules and a bound on buffered data.
//! - [`SendBuf`]: outgoing data kept until acknowledged, lost data first, FIN handling.
//! - [`SendPart`], [`RecvPart`]: the states of §3.1 and §3.2, and [`check_frame`] for the
//!   direction and opening rules of §19.
//! - [`SendCredit`], [`RecvWindow`], [`StreamLimits`]: flow control of data (§4.1, §4.2)
//!   and of stream counts (§4.6).
//!
//! Errors carry no frame type: the connection, which knows the frame being processed, fills
//! it in.

mod flow;
mod range_set;
mod recv_buf;
mod send_buf;
mod state;

pub use flow::{RecvWindow, SendCredit, StreamLimits};
pub use recv_buf::{MAX_CRYPTO_SPANS, MAX_STREAM_SPANS, RecvBuf};
pub use send_buf::{SendBuf, SendChunk};
pub use state::{RecvPart, RecvState, SendPart, SendState, StreamFrameKind, check_frame};

use crate::error::{TransportError, TransportErrorCode};

/// Applies the final-size rules of RFC 9000 §4.5 to data ending at `end` (a FIN there if
/// `fin`), given the final size known so far and the highest offset received so far, and
/// updates both. Unchanged on error.
fn check_final_size(
    final_size: &mut Option<u64>,
    max_received: &mut u64,
    end: u64,
    fin: bool,
) -> Result<(), TransportError> {
    let reason = match *final_size {
        Some(size) if end > size => Some("data beyond the final size"),
        Some(size) if fin && end != size => Some("final size changed"),
        None if fin && end < *max_received => Some("final size below data received"),
        _ => None,
    };
    if let Some(reason) = reason {
        return Err(final_size_error(reason));
    }
    if fin {
        *final_size = Some(end);
    }
    *max_received = (*max_received).max(end);
    Ok(())
}

/// A `FINAL_SIZE_ERROR` with `reason`.
fn final_size_error(reason: &'static str) -> TransportError {
    TransportError::new(TransportErrorCode::FINAL_SIZE_ERROR, reason)
}
