//! The sending and receiving stream state machines of RFC 9000 §3.1 and §3.2, and the checks
//! of §19 on which frames may name which streams.
//!
//! The machines hold no data; the connection feeds them events (application actions, frames
//! sent, received and acknowledged) and asks them what is allowed. The final size is tracked
//! here too, since it is part of the receiving state ("Size Known", "Reset Recvd").

use crate::error::{TransportError, TransportErrorCode};
use crate::stream_id::{Dir, Side, StreamId};

use super::check_final_size;

/// States of the sending part of a stream (RFC 9000 §3.1, Figure 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendState {
    /// Created; data may be buffered but nothing has been sent.
    Ready,
    /// STREAM or STREAM_DATA_BLOCKED frames have been sent.
    Send,
    /// A STREAM frame with FIN has been sent; only retransmissions remain.
    DataSent,
    /// A RESET_STREAM has been sent.
    ResetSent,
    /// All data and the FIN were acknowledged (terminal).
    DataRecvd,
    /// The RESET_STREAM was acknowledged (terminal).
    ResetRecvd,
}

/// States of the receiving part of a stream (RFC 9000 §3.2, Figure 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvState {
    /// Receiving data; the final size is not known yet.
    Recv,
    /// A FIN arrived, so the final size is known; data is still missing.
    SizeKnown,
    /// Every byte up to the final size has arrived.
    DataRecvd,
    /// A RESET_STREAM arrived.
    ResetRecvd,
    /// The application has read all data (terminal).
    DataRead,
    /// The application has been told of the reset (terminal).
    ResetRead,
}

/// The sending part of a stream: its state and the application error codes of the
/// RESET_STREAM sent and of a STOP_SENDING received.
#[derive(Debug, Clone)]
pub struct SendPart {
    state: SendState,
    reset_code: Option<u64>,
    stop_sending_code: Option<u64>,
}

impl Default for SendPart {
    fn default() -> Self {
        Self::new()
    }
}

impl SendPart {
    /// A sending part in "Ready": opened by the application, or created along with the
    /// receiving part of a bidirectional stream the peer opened.
    pub fn new() -> Self {
        SendPart {
            state: SendState::Ready,
            reset_code: None,
            stop_sending_code: None,
        }
    }

    /// The current state.
    pub fn state(&self) -> SendState {
        self.state
    }

    /// Whether new STREAM frames (or STREAM_DATA_BLOCKED) may be sent: "Ready" or "Send".
    pub fn can_send_new_data(&self) -> bool {
        matches!(self.state, SendState::Ready | SendState::Send)
    }

    /// Whether stream data may be (re)transmitted: "Ready", "Send" or "Data Sent".
    pub fn can_retransmit(&self) -> bool {
        matches!(
            self.state,
            SendState::Ready | SendState::Send | SendState::DataSent
        )
    }

    /// A STREAM frame was sent, with FIN if `fin`: "Ready" → "Send", and with FIN on to
    /// "Data Sent". Returns false, changing nothing, where STREAM frames may not be sent
    /// ("Reset Sent" and the terminal states); a FIN-less retransmission in "Data Sent" is
    /// fine.
    pub fn on_stream_sent(&mut self, fin: bool) -> bool {
        match self.state {
            SendState::Ready | SendState::Send => {
                self.state = if fin {
                    SendState::DataSent
                } else {
                    SendState::Send
                };
                true
            }
            SendState::DataSent => true,
            _ => false,
        }
    }

    /// A STREAM_DATA_BLOCKED frame was sent: "Ready" → "Send". Returns false, changing
    /// nothing, outside "Ready" and "Send".
    pub fn on_blocked_sent(&mut self) -> bool {
        if self.can_send_new_data() {
            self.state = SendState::Send;
            true
        } else {
            false
        }
    }

    /// Every byte and the FIN were acknowledged: "Data Sent" → "Data Recvd". Returns whether
    /// that happened.
    pub fn on_all_acked(&mut self) -> bool {
        self.transition(SendState::DataSent, SendState::DataRecvd)
    }

    /// The application resets the stream with `error_code`: "Ready", "Send" or "Data Sent" →
    /// "Reset Sent". Returns true if a RESET_STREAM is to be sent; false, changing nothing,
    /// once reset or terminal.
    pub fn reset(&mut self, error_code: u64) -> bool {
        if self.can_retransmit() {
            self.state = SendState::ResetSent;
            self.reset_code = Some(error_code);
            true
        } else {
            false
        }
    }

    /// The RESET_STREAM was acknowledged: "Reset Sent" → "Reset Recvd". Returns whether that
    /// happened.
    pub fn on_reset_acked(&mut self) -> bool {
        self.transition(SendState::ResetSent, SendState::ResetRecvd)
    }

    /// A STOP_SENDING arrived with `error_code`. Records the code (the first one) and resets
    /// the stream with it (RFC 9000 §3.5: required in "Ready" and "Send"; done at once in
    /// "Data Sent" too). Returns true if a RESET_STREAM is to be sent.
    pub fn on_stop_sending(&mut self, error_code: u64) -> bool {
        self.stop_sending_code.get_or_insert(error_code);
        self.reset(error_code)
    }

    /// The error code of the RESET_STREAM sent, if any.
    pub fn reset_code(&self) -> Option<u64> {
        self.reset_code
    }

    /// The error code of the STOP_SENDING received, if any.
    pub fn stop_sending_code(&self) -> Option<u64> {
        self.stop_sending_code
    }

    /// Whether the part is in a terminal state ("Data Recvd" or "Reset Recvd").
    pub fn is_terminal(&self) -> bool {
        matches!(self.state, SendState::DataRecvd | SendState::ResetRecvd)
    }

    fn transition(&mut self, from: SendState, to: SendState) -> bool {
        let applies = self.state == from;
        if applies {
            self.state = to;
        }
        applies
    }
}

/// The receiving part of a stream: its state, the final size once known, the highest offset
/// received, and the application error codes of a RESET_STREAM received and of the
/// STOP_SENDING sent.
///
/// Errors carry no frame type; the connection, which knows the frame, fills it in.
#[derive(Debug, Clone)]
pub struct RecvPart {
    state: RecvState,
    final_size: Option<u64>,
    max_offset: u64,
    reset_code: Option<u64>,
    stop_sending_code: Option<u64>,
}

impl Default for RecvPart {
    fn default() -> Self {
        Self::new()
    }
}

impl RecvPart {
    /// A receiving part in "Recv".
    pub fn new() -> Self {
        RecvPart {
            state: RecvState::Recv,
            final_size: None,
            max_offset: 0,
            reset_code: None,
            stop_sending_code: None,
        }
    }

    /// The current state.
    pub fn state(&self) -> RecvState {
        self.state
    }

    /// The final size, once known from a FIN or a RESET_STREAM.
    pub fn final_size(&self) -> Option<u64> {
        self.final_size
    }

    /// The highest offset received plus one (the final size after a reset).
    pub fn max_offset(&self) -> u64 {
        self.max_offset
    }

    /// A STREAM frame arrived with data ending at `end`, with FIN if `fin`. Checks the final
    /// size (RFC 9000 §4.5, in every state): `FINAL_SIZE_ERROR` if `end` passes a known final
    /// size, if `fin` changes it, or if `fin` puts it below data already received. A FIN moves
    /// "Recv" to "Size Known".
    ///
    /// Returns whether to buffer the data: true in "Recv" and "Size Known"; once all data has
    /// arrived or the stream was reset, the frame is checked and discarded.
    pub fn on_stream(&mut self, end: u64, fin: bool) -> Result<bool, TransportError> {
        check_final_size(&mut self.final_size, &mut self.max_offset, end, fin)?;
        if fin && self.state == RecvState::Recv {
            self.state = RecvState::SizeKnown;
        }
        Ok(matches!(self.state, RecvState::Recv | RecvState::SizeKnown))
    }

    /// Every byte up to the final size is now buffered: "Size Known" → "Data Recvd". Returns
    /// whether that happened. (After a reset, late data is discarded and the stream stays in
    /// "Reset Recvd", the optional transition of Figure 3 not being taken.)
    pub fn on_all_received(&mut self) -> bool {
        self.transition(RecvState::SizeKnown, RecvState::DataRecvd)
    }

    /// A RESET_STREAM arrived with `error_code` and `final_size`. `FINAL_SIZE_ERROR` if the
    /// final size differs from a known one or is below data already received. "Recv" and
    /// "Size Known" → "Reset Recvd", recording the code. In "Data Recvd" the reset is
    /// suppressed (all data is buffered and will be delivered), and later states ignore it.
    ///
    /// Returns whether the reset took effect: then buffered data can be dropped, and the
    /// caller counts `final_size` minus the previous [`RecvPart::max_offset`] toward
    /// connection flow control (and checks the stream's limit).
    pub fn on_reset(&mut self, error_code: u64, final_size: u64) -> Result<bool, TransportError> {
        check_final_size(&mut self.final_size, &mut self.max_offset, final_size, true)?;
        if matches!(self.state, RecvState::Recv | RecvState::SizeKnown) {
            self.state = RecvState::ResetRecvd;
            self.reset_code = Some(error_code);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The application has read all the data: "Data Recvd" → "Data Read". Returns whether
    /// that happened.
    pub fn on_read_all(&mut self) -> bool {
        self.transition(RecvState::DataRecvd, RecvState::DataRead)
    }

    /// The application has been told of the reset: "Reset Recvd" → "Reset Read". Returns
    /// whether that happened.
    pub fn on_reset_read(&mut self) -> bool {
        self.transition(RecvState::ResetRecvd, RecvState::ResetRead)
    }

    /// The application stops reading with `error_code`. Returns true if a STOP_SENDING is to
    /// be sent: the first time, in "Recv" or "Size Known" (RFC 9000 §3.5).
    pub fn stop_sending(&mut self, error_code: u64) -> bool {
        if self.stop_sending_code.is_none()
            && matches!(self.state, RecvState::Recv | RecvState::SizeKnown)
        {
            self.stop_sending_code = Some(error_code);
            true
        } else {
            false
        }
    }

    /// Whether MAX_STREAM_DATA frames are still useful: only in "Recv" (RFC 9000 §3.3), and
    /// not after STOP_SENDING.
    pub fn wants_max_stream_data(&self) -> bool {
        self.state == RecvState::Recv && self.stop_sending_code.is_none()
    }

    /// The error code of the RESET_STREAM received, if it took effect.
    pub fn reset_code(&self) -> Option<u64> {
        self.reset_code
    }

    /// The error code of the STOP_SENDING sent, if any.
    pub fn stop_sending_code(&self) -> Option<u64> {
        self.stop_sending_code
    }

    /// Whether the part is in a terminal state ("Data Read" or "Reset Read").
    pub fn is_terminal(&self) -> bool {
        matches!(self.state, RecvState::DataRead | RecvState::ResetRead)
    }

    fn transition(&mut self, from: RecvState, to: RecvState) -> bool {
        let applies = self.state == from;
        if applies {
            self.state = to;
        }
        applies
    }
}

/// The received frames that name a stream, for [`check_frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFrameKind {
    /// STREAM: for the receiving part.
    Stream,
    /// RESET_STREAM: for the receiving part.
    ResetStream,
    /// STREAM_DATA_BLOCKED: for the receiving part.
    StreamDataBlocked,
    /// STOP_SENDING: for the sending part.
    StopSending,
    /// MAX_STREAM_DATA: for the sending part.
    MaxStreamData,
}

impl StreamFrameKind {
    /// Whether the frame concerns the stream part that the receiver of the frame sends on.
    fn targets_send_part(self) -> bool {
        matches!(self, Self::StopSending | Self::MaxStreamData)
    }
}

/// Checks that a `kind` frame received by endpoint `local` may name stream `id` (RFC 9000
/// §19.4, §19.5, §19.8, §19.10, §19.13), where `local_opened` is the number of streams of
/// `id`'s direction `local` has opened. `STREAM_STATE_ERROR` for:
/// - a frame for the receiving part (STREAM, RESET_STREAM, STREAM_DATA_BLOCKED) of a
///   unidirectional stream `local` opened, which it only sends on;
/// - a frame for the sending part (STOP_SENDING, MAX_STREAM_DATA) of a unidirectional stream
///   the peer opened, which `local` only receives on;
/// - any of them for a stream `local` would open but has not opened yet.
///
/// Limits on the peer's streams are [`StreamLimits::on_peer_stream`]'s job.
///
/// [`StreamLimits::on_peer_stream`]: super::StreamLimits::on_peer_stream
pub fn check_frame(
    local: Side,
    id: StreamId,
    kind: StreamFrameKind,
    local_opened: u64,
) -> Result<(), TransportError> {
    let locally_initiated = id.initiator() == local;
    if id.dir() == Dir::Uni && locally_initiated != kind.targets_send_part() {
        return Err(TransportError::new(
            TransportErrorCode::STREAM_STATE_ERROR,
            if locally_initiated {
                "frame for the receiving part of a send-only stream"
            } else {
                "frame for the sending part of a receive-only stream"
            },
        ));
    }
    if locally_initiated && id.index() >= local_opened {
        return Err(TransportError::new(
            TransportErrorCode::STREAM_STATE_ERROR,
            "frame for a local stream not opened yet",
        ));
    }
    Ok(())
}
