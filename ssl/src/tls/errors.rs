//! rustls failures as OpenSSL reports them: an `SSL_R_*` reason on the error queue.

use rustls::{Error, InvalidMessage, PeerIncompatible};

use crate::error::{SslError, ssl_r};

/// The OpenSSL reason for a TLS failure of this side's handshake or record layer.
pub(crate) fn reason(err: &Error) -> i32 {
    match err {
        Error::AlertReceived(alert) => ssl_r::SSL_AD_REASON_OFFSET + i32::from(u8::from(*alert)),
        Error::InvalidCertificate(_) => ssl_r::CERTIFICATE_VERIFY_FAILED,
        Error::NoCertificatesPresented => ssl_r::PEER_DID_NOT_RETURN_A_CERTIFICATE,
        Error::DecryptError => ssl_r::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
        Error::NoApplicationProtocol => ssl_r::NO_APPLICATION_PROTOCOL,
        Error::PeerSentOversizedRecord => ssl_r::EXCESSIVE_MESSAGE_SIZE,
        Error::InvalidMessage(InvalidMessage::InvalidContentType)
        | Error::InvalidMessage(InvalidMessage::UnknownProtocolVersion) => {
            ssl_r::WRONG_VERSION_NUMBER
        }
        Error::InvalidMessage(InvalidMessage::MessageTooLarge) => ssl_r::EXCESSIVE_MESSAGE_SIZE,
        Error::InvalidMessage(InvalidMessage::MessageTooShort) => ssl_r::LENGTH_TOO_SHORT,
        Error::InvalidMessage(_) => ssl_r::BAD_PACKET,
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            ssl_r::UNEXPECTED_MESSAGE
        }
        Error::PeerIncompatible(p) => match p {
            PeerIncompatible::NoCipherSuitesInCommon => ssl_r::NO_SHARED_CIPHER,
            PeerIncompatible::NoKxGroupsInCommon => ssl_r::NO_SHARED_GROUPS,
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::SupportedVersionsExtensionRequired => ssl_r::UNSUPPORTED_PROTOCOL,
            PeerIncompatible::NoSignatureSchemesInCommon
            | PeerIncompatible::NoCertificateRequestSignatureSchemesInCommon => {
                ssl_r::NO_SUITABLE_SIGNATURE_ALGORITHM
            }
            _ => ssl_r::SSL_HANDSHAKE_FAILURE,
        },
        Error::PeerMisbehaved(_) => ssl_r::BAD_PACKET,
        _ => ssl_r::SSL_HANDSHAKE_FAILURE,
    }
}

/// The error raised for a TLS failure, with rustls' description as data.
#[track_caller]
pub(crate) fn tls_failure(err: &Error) -> SslError {
    SslError::ssl(reason(err)).with_data(err.to_string())
}
