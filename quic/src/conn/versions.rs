//! Compatible version negotiation on a connection (RFC 9368 with QUIC v2, RFC 9369): the
//! version_information each side sends, the server's switch to a version the client offered
//! (its Initial packets in the client's version still open), the client's following it, and
//! the checks that keep a Version Negotiation packet or a peer from downgrading the version.
//!
//! rustls fixes a connection's key-derivation labels when its ClientHello is made, so a qssl
//! client takes part in compatible negotiation only when told the version it will end in
//! ([`ConnectionConfig::upgrade_to`](super::ConnectionConfig::upgrade_to)): it starts in
//! `version`, asks for the upgrade, and ends the handshake with VERSION_NEGOTIATION_ERROR if
//! the server answers in its first version instead.

use rustls::quic::Keys;

use super::recv::Drop;
use super::space::SpaceId;
use super::{Connection, Side};
use crate::cid::ConnectionId;
use crate::crypto::initial_keys;
use crate::error::{TransportError, TransportErrorCode};
use crate::packet::PacketKind;
use crate::transport_params::{TransportParameters, VersionInformation};
use crate::version::Version;

/// What a connection knows of versions besides the one in use.
pub(super) struct VersionState {
    /// The version of the client's first Initial packets.
    pub(super) original: Version,
    /// The connection ID the Initial keys derive from.
    pub(super) initial_cid: ConnectionId,
    /// A server that switched: the Initial keys of the original version, for the client's
    /// Initial packets still in it.
    pub(super) original_initial: Option<Keys>,
    /// A client restarted after Version Negotiation: the server's version_information must
    /// show it would have chosen the same version.
    pub(super) after_negotiation: bool,
}

impl std::fmt::Debug for VersionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionState")
            .field("original", &self.original)
            .field("switched", &self.original_initial.is_some())
            .field("after_negotiation", &self.after_negotiation)
            .finish_non_exhaustive()
    }
}

fn negotiation_error(reason: &'static str) -> TransportError {
    TransportError::new(TransportErrorCode::VERSION_NEGOTIATION_ERROR, reason)
}

/// The version_information a side sends: a client's chosen version and the ones it offers
/// (the upgrade it asks for first), a server's chosen version (set again if it switches) and
/// all it speaks.
pub(super) fn version_information(
    side: Side,
    version: Version,
    upgrade_to: Option<Version>,
    versions: &[Version],
) -> VersionInformation {
    let available = match side {
        Side::Client => upgrade_to.into_iter().chain([version]).collect::<Vec<_>>(),
        Side::Server => versions.to_vec(),
    };
    let mut wire: Vec<u32> = Vec::new();
    for v in available {
        if !wire.contains(&v.wire()) {
            wire.push(v.wire());
        }
    }
    VersionInformation {
        chosen: version.wire(),
        available: wire,
    }
}

impl Connection {
    /// Marks a client connection started again after Version Negotiation: the server's
    /// version_information will be checked against downgrades.
    pub(crate) fn after_version_negotiation(&mut self) {
        self.versions.after_negotiation = true;
    }

    /// The version of the client's first Initial packets (the version in use is
    /// [`version`](Self::version); they differ after compatible version negotiation).
    pub fn original_version(&self) -> Version {
        self.versions.original
    }

    /// The Initial keys of `version` for this connection.
    fn initial_keys_for(&self, version: Version) -> Keys {
        initial_keys(version, &self.versions.initial_cid, self.side)
    }

    /// A server switched to `version`: Initial packets go out in it, and the client's in
    /// the original version still open.
    pub(super) fn on_version_changed(&mut self, version: Version) {
        let keys = self.initial_keys_for(version);
        let space = &mut self.spaces[SpaceId::Initial as usize];
        self.versions.original_initial = space.keys.replace(keys);
        self.version = version;
    }

    /// The keys a long-header packet of `version` and `kind` opens with when `version` is not
    /// the one in use; a client follows a server that switched to the version it asked for.
    pub(super) fn other_version(
        &mut self,
        version: Version,
        kind: PacketKind,
    ) -> Result<Option<&Keys>, Drop> {
        match self.side {
            Side::Server => {
                if version == self.versions.original && kind == PacketKind::Initial {
                    return Ok(self.versions.original_initial.as_ref());
                }
                Err(Drop::Packet(crate::error::PacketError::Malformed(
                    "packet of another version",
                )))
            }
            Side::Client => {
                if Some(version) != self.config.upgrade_to || self.peer_scid.is_some() {
                    return Err(Drop::Packet(crate::error::PacketError::Malformed(
                        "packet of another version",
                    )));
                }
                let keys = self.initial_keys_for(version);
                self.spaces[SpaceId::Initial as usize].keys = Some(keys);
                self.version = version;
                Ok(None)
            }
        }
    }

    /// A client asked for an upgrade its TLS keys are committed to: a server answering in
    /// the first version did not switch, and the handshake cannot succeed.
    pub(super) fn check_upgrade_followed(&self, version: Version) -> Result<(), Drop> {
        let committed = self.side == Side::Client
            && self.config.upgrade_to.is_some_and(|u| u != version)
            && self.peer_scid.is_none();
        if committed {
            return Err(Drop::Connection(negotiation_error(
                "the server did not switch to the version asked for",
            )));
        }
        Ok(())
    }

    /// Checks the peer's version_information once the handshake is done (RFC 9368 §4).
    pub(super) fn validate_version_information(
        &self,
        params: &TransportParameters,
    ) -> Result<(), TransportError> {
        let info = params.version_information.as_ref();
        match self.side {
            // The client's chosen version is the one of its first Initial packets.
            Side::Server => match info {
                Some(info) if info.chosen != self.versions.original.wire() => Err(
                    negotiation_error("client's chosen version is not its Initial's version"),
                ),
                _ => Ok(()),
            },
            Side::Client => {
                if let Some(info) = info
                    && info.chosen != self.version.wire()
                {
                    return Err(negotiation_error(
                        "server's chosen version is not the version in use",
                    ));
                }
                if !self.versions.after_negotiation {
                    return Ok(());
                }
                // After Version Negotiation: the server's versions must lead to this one
                // again, or the Version Negotiation packet was forged (downgrade).
                let Some(info) = info else {
                    return Err(negotiation_error(
                        "no version_information after Version Negotiation",
                    ));
                };
                let best = self
                    .config
                    .versions
                    .iter()
                    .find(|v| info.available.contains(&v.wire()));
                if best.is_some_and(|b| *b != self.version) {
                    return Err(negotiation_error(
                        "Version Negotiation led away from a version both speak",
                    ));
                }
                Ok(())
            }
        }
    }
}
