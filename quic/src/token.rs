//! Address-validation tokens carried by Retry packets (RFC 9000 §8.1.2).
//!
//! A token is sealed with AES-256-GCM under a key only the server knows. It binds the client's
//! address, the connection ID the client first chose (the server must echo it in
//! `original_destination_connection_id`), the Retry's source connection ID, and the time of
//! issue, so a token is useless from another address, after its lifetime, or once altered.
//! Times are durations since an epoch the caller chooses (the endpoint's creation), keeping
//! this module free of clocks.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::cid::ConnectionId;
use crate::coding::{Reader, Writer};

/// Tag that marks the token format, so other token kinds can be told apart later.
const RETRY_TOKEN_KIND: u8 = 1;
/// Largest token this module produces or accepts.
pub const MAX_TOKEN_LEN: usize = 128;
/// AES-GCM tag length.
const TAG_LEN: usize = 16;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token of ours, altered, sealed under another key, or issued for another client
    /// address (the address is part of what is authenticated, so these look alike).
    Invalid,
    /// Older than its lifetime (or from the future).
    Expired,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenError::Invalid => "invalid token",
            TokenError::Expired => "token expired",
        })
    }
}

impl std::error::Error for TokenError {}

/// What a valid Retry token vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryTokenContents {
    /// The destination connection ID of the client's first Initial.
    pub original_dcid: ConnectionId,
    /// The source connection ID of the Retry packet.
    pub retry_scid: ConnectionId,
}

/// The server's token key.
pub struct TokenKey(LessSafeKey);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

/// The associated data binding a token to an address: the IP and port in a fixed form.
fn address_aad(addr: &SocketAddr) -> [u8; 18] {
    let mut out = [0u8; 18];
    let ip = match addr.ip() {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    };
    out[..16].copy_from_slice(&ip.octets());
    out[16..].copy_from_slice(&addr.port().to_be_bytes());
    out
}

impl TokenKey {
    /// A key from 32 secret bytes.
    pub fn new(secret: &[u8; 32]) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, secret)
            .unwrap_or_else(|_| unreachable!("AES-256 takes a 32-byte key"));
        TokenKey(LessSafeKey::new(key))
    }

    /// Seals a Retry token for `client`. `nonce` must be unpredictable and never reused with
    /// this key (the caller draws it from its RNG); `issued` is the current time since the
    /// epoch. Returns the token bytes.
    pub fn seal_retry(
        &self,
        client: &SocketAddr,
        contents: &RetryTokenContents,
        issued: Duration,
        nonce: [u8; NONCE_LEN],
    ) -> Vec<u8> {
        let mut plain = [0u8; 1 + 8 + 1 + 20 + 1 + 20];
        let mut w = Writer::new(&mut plain);
        let written = (|| {
            w.put_u8(RETRY_TOKEN_KIND)?;
            w.put_slice(&(issued.as_millis() as u64).to_be_bytes())?;
            w.put_u8(contents.original_dcid.len() as u8)?;
            w.put_slice(&contents.original_dcid)?;
            w.put_u8(contents.retry_scid.len() as u8)?;
            w.put_slice(&contents.retry_scid)?;
            Ok::<_, crate::coding::BufferTooSmall>(w.position())
        })()
        .unwrap_or_else(|_| unreachable!("the buffer fits the largest contents"));
        let mut token = Vec::with_capacity(NONCE_LEN + written + TAG_LEN);
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&plain[..written]);
        let tag = self
            .0
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(address_aad(client)),
                &mut token[NONCE_LEN..],
            )
            .unwrap_or_else(|_| unreachable!("a short token always seals"));
        token.extend_from_slice(tag.as_ref());
        token
    }

    /// Checks a Retry token presented by `client` at time `now` (since the epoch), accepting it
    /// only within `lifetime` of its issue.
    pub fn open_retry(
        &self,
        client: &SocketAddr,
        token: &[u8],
        now: Duration,
        lifetime: Duration,
    ) -> Result<RetryTokenContents, TokenError> {
        if token.len() < NONCE_LEN + TAG_LEN || token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&token[..NONCE_LEN]);
        let mut body = token[NONCE_LEN..].to_vec();
        let plain = self
            .0
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(address_aad(client)),
                &mut body,
            )
            .map_err(|_| TokenError::Invalid)?;
        let mut r = Reader::new(plain);
        let parse = |r: &mut Reader<'_>| -> Option<(u64, RetryTokenContents)> {
            if r.u8().ok()? != RETRY_TOKEN_KIND {
                return None;
            }
            let issued = u64::from_be_bytes(r.array().ok()?);
            let original_dcid = ConnectionId::read_with_len(r).ok()??;
            let retry_scid = ConnectionId::read_with_len(r).ok()??;
            r.is_empty().then_some((
                issued,
                RetryTokenContents {
                    original_dcid,
                    retry_scid,
                },
            ))
        };
        let (issued, contents) = parse(&mut r).ok_or(TokenError::Invalid)?;
        let now_ms = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
        let lifetime_ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
        if issued > now_ms || now_ms - issued > lifetime_ms {
            return Err(TokenError::Expired);
        }
        Ok(contents)
    }
}

/// How long one Retry-token key seals tokens before a fresh one replaces it (at least the
/// tokens' lifetime, so the key kept from before a rotation opens every token still valid).
pub const TOKEN_KEY_PERIOD: Duration = Duration::from_secs(600);
/// Tokens one key seals at most: random 96-bit nonces stay far from colliding (NIST SP
/// 800-38D allows 2^32 per key).
pub const TOKEN_KEY_MAX_SEALS: u64 = 1 << 24;

/// An endpoint's Retry-token keys: the one tokens are sealed with, replaced by a fresh key
/// from the endpoint's generator every period or after a number of tokens, and the one
/// before it, so that a token issued just before a rotation still opens after it.
pub struct RotatingTokenKey {
    current: TokenKey,
    previous: Option<TokenKey>,
    /// When `current` was made (since the epoch), and how many tokens it sealed.
    since: Duration,
    seals: u64,
    period: Duration,
    max_seals: u64,
}

impl std::fmt::Debug for RotatingTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingTokenKey")
            .field("since", &self.since)
            .field("seals", &self.seals)
            .finish_non_exhaustive()
    }
}

impl RotatingTokenKey {
    /// Keys drawn from `rng` starting at `now` (since the epoch), rotated every `period` or
    /// after `max_seals` tokens.
    pub fn new(
        rng: &mut impl rand_core::Rng,
        now: Duration,
        period: Duration,
        max_seals: u64,
    ) -> Self {
        RotatingTokenKey {
            current: fresh_key(rng),
            previous: None,
            since: now,
            seals: 0,
            period,
            max_seals,
        }
    }

    /// Seals a Retry token for `client` at `now` (since the epoch), first rotating the key
    /// if it is due; the nonce comes from `rng`.
    pub fn seal_retry(
        &mut self,
        rng: &mut impl rand_core::Rng,
        client: &SocketAddr,
        contents: &RetryTokenContents,
        now: Duration,
    ) -> Vec<u8> {
        if now.saturating_sub(self.since) >= self.period || self.seals >= self.max_seals {
            self.previous = Some(std::mem::replace(&mut self.current, fresh_key(rng)));
            self.since = now;
            self.seals = 0;
        }
        self.seals += 1;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        self.current.seal_retry(client, contents, now, nonce)
    }

    /// Opens a Retry token with the current key or the one before it (see
    /// [`TokenKey::open_retry`]).
    pub fn open_retry(
        &self,
        client: &SocketAddr,
        token: &[u8],
        now: Duration,
        lifetime: Duration,
    ) -> Result<RetryTokenContents, TokenError> {
        match self.current.open_retry(client, token, now, lifetime) {
            Err(TokenError::Invalid) => match &self.previous {
                Some(previous) => previous.open_retry(client, token, now, lifetime),
                None => Err(TokenError::Invalid),
            },
            done => done,
        }
    }
}

/// A token key from 32 bytes of `rng`.
fn fresh_key(rng: &mut impl rand_core::Rng) -> TokenKey {
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    TokenKey::new(&secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents() -> RetryTokenContents {
        RetryTokenContents {
            original_dcid: ConnectionId::new(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap(),
            retry_scid: ConnectionId::new(&[9; 20]).unwrap(),
        }
    }

    const LIFE: Duration = Duration::from_secs(10);

    #[test]
    fn round_trip() {
        let key = TokenKey::new(&[7; 32]);
        let client: SocketAddr = "192.0.2.1:4433".parse().unwrap();
        let t = key.seal_retry(&client, &contents(), Duration::from_secs(100), [3; 12]);
        assert!(t.len() <= MAX_TOKEN_LEN);
        let got = key
            .open_retry(&client, &t, Duration::from_secs(105), LIFE)
            .unwrap();
        assert_eq!(got, contents());
    }

    #[test]
    fn refused_tokens() {
        let key = TokenKey::new(&[7; 32]);
        let client: SocketAddr = "[2001:db8::1]:4433".parse().unwrap();
        let t = key.seal_retry(&client, &contents(), Duration::from_secs(100), [3; 12]);
        let at = Duration::from_secs(101);
        // Another address (even another port).
        let other: SocketAddr = "[2001:db8::1]:4434".parse().unwrap();
        assert_eq!(
            key.open_retry(&other, &t, at, LIFE),
            Err(TokenError::Invalid)
        );
        // Another key.
        let other_key = TokenKey::new(&[8; 32]);
        assert_eq!(
            other_key.open_retry(&client, &t, at, LIFE),
            Err(TokenError::Invalid)
        );
        // Any flipped bit.
        for i in 0..t.len() {
            let mut bad = t.clone();
            bad[i] ^= 0x10;
            assert_eq!(
                key.open_retry(&client, &bad, at, LIFE),
                Err(TokenError::Invalid)
            );
        }
        // Too old, or from the future.
        assert_eq!(
            key.open_retry(&client, &t, Duration::from_secs(111), LIFE),
            Err(TokenError::Expired)
        );
        assert_eq!(
            key.open_retry(&client, &t, Duration::from_secs(99), LIFE),
            Err(TokenError::Expired)
        );
        // Garbage and truncations.
        for len in 0..t.len() {
            assert!(key.open_retry(&client, &t[..len], at, LIFE).is_err());
        }
        assert!(key.open_retry(&client, &[0; 200], at, LIFE).is_err());
    }
}
