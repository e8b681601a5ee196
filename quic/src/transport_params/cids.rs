//! Authenticating connection IDs through transport parameters (RFC 9000 §7.3).

use crate::cid::ConnectionId;
use crate::error::TransportError;

use super::TransportParameters;

impl TransportParameters {
    /// Checks the peer's connection ID parameters against the IDs seen in packets (RFC 9000
    /// §7.3); any missing, unexpected or mismatching value is a `TRANSPORT_PARAMETER_ERROR`.
    ///
    /// - `expected_initial_source`: the Source Connection ID of the peer's Initial packets;
    ///   initial_source_connection_id must be present and equal.
    /// - `expected_original_dcid`: for a server's parameters, the Destination Connection ID of
    ///   the client's first Initial packet, which original_destination_connection_id must
    ///   equal; `None` for a client's parameters, which must not carry it.
    /// - `expected_retry_source`: the Source Connection ID of the Retry packet the client
    ///   processed, which retry_source_connection_id must equal; `None` if there was no Retry
    ///   (or for a client's parameters), and then the parameter must be absent.
    pub fn validate_cids(
        &self,
        expected_initial_source: &ConnectionId,
        expected_original_dcid: Option<&ConnectionId>,
        expected_retry_source: Option<&ConnectionId>,
    ) -> Result<(), TransportError> {
        match &self.initial_source_connection_id {
            None => {
                return Err(TransportError::transport_parameter(
                    "missing initial_source_connection_id",
                ));
            }
            Some(cid) if cid != expected_initial_source => {
                return Err(TransportError::transport_parameter(
                    "initial_source_connection_id does not match the peer's Initial packets",
                ));
            }
            Some(_) => {}
        }
        check(
            expected_original_dcid,
            self.original_destination_connection_id.as_ref(),
            [
                "missing original_destination_connection_id",
                "unexpected original_destination_connection_id",
                "original_destination_connection_id does not match the client's first Initial",
            ],
        )?;
        check(
            expected_retry_source,
            self.retry_source_connection_id.as_ref(),
            [
                "missing retry_source_connection_id after a Retry",
                "retry_source_connection_id without a Retry",
                "retry_source_connection_id does not match the Retry packet",
            ],
        )
    }
}

/// Compares one parameter with what it should be; `reasons` are for a missing, an unexpected
/// and a mismatching value.
fn check(
    expected: Option<&ConnectionId>,
    received: Option<&ConnectionId>,
    [missing, unexpected, mismatch]: [&'static str; 3],
) -> Result<(), TransportError> {
    let reason = match (expected, received) {
        (None, None) => return Ok(()),
        (Some(e), Some(r)) if e == r => return Ok(()),
        (Some(_), None) => missing,
        (None, Some(_)) => unexpected,
        (Some(_), Some(_)) => mismatch,
    };
    Err(TransportError::transport_parameter(reason))
}
