//! What a TLS object tells OpenSSL's info callback and `SSL_get_state`: the handshake state
//! under OpenSSL's number and names, as far as rustls lets qssl tell it, and the events a call
//! produced (handshake start and end, progress, the end of a handshake call, alerts).
//!
//! rustls runs a flight of handshake messages at a time and does not say which message it is
//! at, so the states reported are those OpenSSL is in between flights: before the handshake,
//! the client after its hello (`TLS_ST_CW_CLNT_HELLO`) and, in TLS 1.2, after its finished
//! message (`TLS_ST_CW_FINISHED`), the server waiting for the client's last flight (TLS 1.3:
//! `TLS_ST_EARLY_DATA`; TLS 1.2: `TLS_ST_SW_SRVR_DONE`, or `TLS_ST_SW_FINISHED` when
//! resuming), and done (`TLS_ST_OK`). Anything else in between is `TLS_ST_CR_SRVR_HELLO`.

use std::sync::Arc;

/// `SSL_CB_LOOP`.
pub const CB_LOOP: i32 = 0x01;
/// `SSL_CB_EXIT`.
pub const CB_EXIT: i32 = 0x02;
/// `SSL_CB_READ`.
pub const CB_READ: i32 = 0x04;
/// `SSL_CB_WRITE`.
pub const CB_WRITE: i32 = 0x08;
/// `SSL_CB_HANDSHAKE_START`.
pub const CB_HANDSHAKE_START: i32 = 0x10;
/// `SSL_CB_HANDSHAKE_DONE`.
pub const CB_HANDSHAKE_DONE: i32 = 0x20;
/// `SSL_CB_ALERT`.
pub const CB_ALERT: i32 = 0x4000;
/// `SSL_ST_CONNECT`: the event is a client's.
pub const ST_CONNECT: i32 = 0x1000;
/// `SSL_ST_ACCEPT`: the event is a server's.
pub const ST_ACCEPT: i32 = 0x2000;

/// A handshake state (`OSSL_HANDSHAKE_STATE`), with OpenSSL's number as discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeState {
    /// `TLS_ST_BEFORE`: nothing done yet (a server also while the ClientHello arrives).
    Before = 0,
    /// `TLS_ST_OK`: the handshake is complete.
    Ok = 1,
    /// `TLS_ST_CR_SRVR_HELLO`: a client reading the server's flight.
    ClientReadServerHello = 3,
    /// `TLS_ST_CW_CLNT_HELLO`: a client that sent its hello and waits for the answer.
    ClientWroteHello = 13,
    /// `TLS_ST_CW_FINISHED`: a TLS 1.2 client that sent its finished message.
    ClientWroteFinished = 20,
    /// `TLS_ST_SW_SRVR_DONE`: a TLS 1.2 server that sent its flight.
    ServerWroteDone = 29,
    /// `TLS_ST_SW_SESSION_TICKET`: a TLS 1.3 server as its handshake ends (its tickets go
    /// out with it).
    ServerWroteTicket = 37,
    /// `TLS_ST_SW_FINISHED`: a TLS 1.2 server resuming, after its finished message.
    ServerWroteFinished = 40,
    /// `TLS_ST_EARLY_DATA`: a TLS 1.3 server that sent its flight.
    EarlyData = 50,
}

impl HandshakeState {
    /// OpenSSL's number for the state (`SSL_get_state`).
    pub fn number(self) -> i32 {
        self as i32
    }

    /// `SSL_state_string_long`'s text for the state.
    pub fn long_name(self) -> &'static str {
        match self {
            HandshakeState::Before => "before SSL initialization",
            HandshakeState::Ok => "SSL negotiation finished successfully",
            HandshakeState::ClientReadServerHello => "SSLv3/TLS read server hello",
            HandshakeState::ClientWroteHello => "SSLv3/TLS write client hello",
            HandshakeState::ClientWroteFinished | HandshakeState::ServerWroteFinished => {
                "SSLv3/TLS write finished"
            }
            HandshakeState::ServerWroteDone => "SSLv3/TLS write server done",
            HandshakeState::ServerWroteTicket => "SSLv3/TLS write session ticket",
            HandshakeState::EarlyData => "TLSv1.3 early data",
        }
    }

    /// `SSL_state_string`'s short name for the state.
    pub fn short_name(self) -> &'static str {
        match self {
            HandshakeState::Before => "PINIT",
            HandshakeState::Ok => "SSLOK",
            HandshakeState::ClientReadServerHello => "TRSH",
            HandshakeState::ClientWroteHello => "TWCH",
            HandshakeState::ClientWroteFinished | HandshakeState::ServerWroteFinished => "TWFIN",
            HandshakeState::ServerWroteDone => "TWSD",
            HandshakeState::ServerWroteTicket => "TWST",
            HandshakeState::EarlyData => "TED",
        }
    }
}

/// One call of the info callback: `where` (`SSL_CB_*` bits), `ret`, and the state the
/// object was in when it happened (what `SSL_get_state` answers inside the callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoEvent {
    /// `SSL_CB_*` bits, with `SSL_ST_CONNECT` or `SSL_ST_ACCEPT` for loop and exit events.
    pub where_: i32,
    /// 1 for start, done and loop; the call's result for exit; `level << 8 | description`
    /// for alerts.
    pub ret: i32,
    /// The handshake state at the event.
    pub state: HandshakeState,
}

/// Called with a TLS object's info events once the call that produced them has let go of
/// the object (so the callback may call back into it).
pub type InfoHook = Arc<dyn Fn(&InfoEvent) + Send + Sync>;
