//! Key exchange groups (`SSL_CTX_set1_groups_list`, `SSL_CTX_set1_groups`): which of the
//! provider's groups a context offers and accepts, in which order, for TLS and QUIC alike.
//!
//! OpenSSL's list syntax is taken: names separated by `:` (or `/`, OpenSSL 3.5's tuple
//! separator, read as `:`), case-insensitive, a `?` prefix for a name that may be unknown, a
//! `*` prefix (OpenSSL's key-share marker, which rustls decides for itself: the first group
//! gets the key share), a `-` prefix to remove a group, and `DEFAULT` for the defaults.
//! Groups OpenSSL knows that the *ring* provider has no implementation of (X448, P-521,
//! finite-field and ML-KEM groups) are skipped.

use std::sync::Arc;

use rustls::NamedGroup;
use rustls::crypto::CryptoProvider;

use super::SslCtx;

/// The groups OpenSSL knows, by the names its lists take.
const GROUP_NAMES: &[(&str, NamedGroup)] = &[
    ("X25519", NamedGroup::X25519),
    ("P-256", NamedGroup::secp256r1),
    ("prime256v1", NamedGroup::secp256r1),
    ("secp256r1", NamedGroup::secp256r1),
    ("P-384", NamedGroup::secp384r1),
    ("secp384r1", NamedGroup::secp384r1),
    ("P-521", NamedGroup::secp521r1),
    ("secp521r1", NamedGroup::secp521r1),
    ("X448", NamedGroup::X448),
    ("ffdhe2048", NamedGroup::FFDHE2048),
    ("ffdhe3072", NamedGroup::FFDHE3072),
    ("ffdhe4096", NamedGroup::FFDHE4096),
    ("ffdhe6144", NamedGroup::FFDHE6144),
    ("ffdhe8192", NamedGroup::FFDHE8192),
    ("MLKEM512", NamedGroup::MLKEM512),
    ("MLKEM768", NamedGroup::MLKEM768),
    ("MLKEM1024", NamedGroup::MLKEM1024),
    ("X25519MLKEM768", NamedGroup::X25519MLKEM768),
    ("SecP256r1MLKEM768", NamedGroup::secp256r1MLKEM768),
];

/// The group OpenSSL knows by `name`.
fn group_by_name(name: &str) -> Option<NamedGroup> {
    GROUP_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, g)| g)
}

/// Reads an OpenSSL group list: the groups in order (duplicates dropped), or `None` if a
/// name is unknown (without `?`) or the list is malformed.
fn parse_groups_list(list: &str, defaults: &[NamedGroup]) -> Option<Vec<NamedGroup>> {
    let mut groups: Vec<NamedGroup> = Vec::new();
    if list.trim().is_empty() {
        return Some(groups);
    }
    for token in list.split([':', '/']).map(str::trim) {
        let mut name = token;
        let mut optional = false;
        let mut remove = false;
        loop {
            if let Some(rest) = name.strip_prefix('?') {
                optional = true;
                name = rest;
            } else if let Some(rest) = name.strip_prefix('*') {
                name = rest;
            } else if let Some(rest) = name.strip_prefix('-') {
                remove = true;
                name = rest;
            } else {
                break;
            }
        }
        if name.is_empty() {
            return None;
        }
        let found: Vec<NamedGroup> = if name.eq_ignore_ascii_case("DEFAULT") {
            defaults.to_vec()
        } else {
            match group_by_name(name) {
                Some(g) => vec![g],
                None if optional => continue,
                None => return None,
            }
        };
        for g in found {
            if remove {
                groups.retain(|&x| x != g);
            } else if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    Some(groups)
}

impl SslCtx {
    /// `SSL_CTX_set1_groups_list`: the key exchange groups in OpenSSL's list syntax (see the
    /// module). `false` (and the groups unchanged) if a name is unknown or the list is
    /// malformed; as OpenSSL, nothing is put on the error queue then. An empty list leaves
    /// no group: handshakes then fail.
    pub fn set_groups_list(&mut self, list: &str) -> bool {
        let defaults: Vec<NamedGroup> = self.provider.kx_groups.iter().map(|g| g.name()).collect();
        match parse_groups_list(list, &defaults) {
            Some(groups) => {
                self.tls.groups = Some(groups);
                true
            }
            None => false,
        }
    }

    /// `SSL_CTX_set1_groups`: the key exchange groups by their TLS numbers (`NamedGroup`),
    /// in order of preference; those the provider has no implementation of are skipped.
    pub fn set_groups(&mut self, groups: &[u16]) {
        self.tls.groups = Some(groups.iter().map(|&g| NamedGroup::from(g)).collect());
    }

    /// The provider with the context's groups (its own when none were set).
    pub(crate) fn kx_provider(&self) -> Arc<CryptoProvider> {
        let Some(groups) = &self.tls.groups else {
            return self.provider.clone();
        };
        let kx_groups = groups
            .iter()
            .filter_map(|g| {
                self.provider
                    .kx_groups
                    .iter()
                    .find(|k| k.name() == *g)
                    .copied()
            })
            .collect();
        Arc::new(CryptoProvider {
            kx_groups,
            ..(*self.provider).clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: &[NamedGroup] = &[NamedGroup::X25519, NamedGroup::secp256r1];

    #[test]
    fn lists_read_as_openssl_reads_them() {
        let parse = |l| parse_groups_list(l, DEFAULTS);
        assert_eq!(
            parse("P-256:x25519"),
            Some(vec![NamedGroup::secp256r1, NamedGroup::X25519])
        );
        assert_eq!(
            parse("*prime256v1/secp384r1:P-256"),
            Some(vec![NamedGroup::secp256r1, NamedGroup::secp384r1])
        );
        assert_eq!(parse("?nonsense:X25519"), Some(vec![NamedGroup::X25519]));
        assert_eq!(parse("nonsense"), None);
        assert_eq!(parse("DEFAULT:-X25519"), Some(vec![NamedGroup::secp256r1]));
        assert_eq!(parse("X25519::P-256"), None);
        assert_eq!(parse(" "), Some(vec![]));
    }
}
