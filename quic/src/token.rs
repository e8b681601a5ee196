//! Address-validation tokens (RFC 9000 §8.1): those Retry packets carry (§8.1.2), and those
//! a server gives its clients in NEW_TOKEN frames for their next connections (§8.1.3).
//!
//! A token is sealed with AES-256-GCM under a key only the server knows, with its kind and
//! time of issue, so it is useless once altered, after its lifetime, or as the other kind. A
//! Retry token binds the client's address and port, the connection ID the client first chose
//! (the server must echo it in `original_destination_connection_id`) and the Retry's source
//! connection ID; a NEW_TOKEN token binds the client's IP address only (its next connection
//! comes from another port), and its nonce identifies it, so the server can refuse a second
//! use. Times are durations since an epoch the caller chooses (the endpoint's creation),
//! keeping this module free of clocks.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::cid::ConnectionId;
use crate::coding::Reader;

/// Tag that marks a Retry token.
const RETRY_TOKEN_KIND: u8 = 1;
/// Tag that marks a NEW_TOKEN token.
const NEW_TOKEN_KIND: u8 = 2;
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

/// The associated data binding a token to an address: the IP and port in a fixed form (port
/// 0 for a token bound to the IP address alone).
fn address_aad(ip: IpAddr, port: u16) -> [u8; 18] {
    let mut out = [0u8; 18];
    let ip = match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    };
    out[..16].copy_from_slice(&ip.octets());
    out[16..].copy_from_slice(&port.to_be_bytes());
    out
}

/// What identifies a NEW_TOKEN token, for refusing its second use: its nonce.
pub type TokenId = [u8; NONCE_LEN];

impl TokenKey {
    /// A key from 32 secret bytes.
    pub fn new(secret: &[u8; 32]) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, secret)
            .unwrap_or_else(|_| unreachable!("AES-256 takes a 32-byte key"));
        TokenKey(LessSafeKey::new(key))
    }

    /// Seals a token of `kind` issued at `issued` carrying `body`, bound to `aad`. `nonce`
    /// must be unpredictable and never reused with this key.
    fn seal(
        &self,
        aad: [u8; 18],
        kind: u8,
        issued: Duration,
        body: &[u8],
        nonce: [u8; NONCE_LEN],
    ) -> Vec<u8> {
        let mut token = Vec::with_capacity(NONCE_LEN + 9 + body.len() + TAG_LEN);
        token.extend_from_slice(&nonce);
        token.push(kind);
        token.extend_from_slice(&(issued.as_millis() as u64).to_be_bytes());
        token.extend_from_slice(body);
        let tag = self
            .0
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut token[NONCE_LEN..],
            )
            .unwrap_or_else(|_| unreachable!("a short token always seals"));
        token.extend_from_slice(tag.as_ref());
        token
    }

    /// Opens a token of `kind` bound to `aad` at `now`, accepted only within `lifetime` of
    /// its issue: its nonce and body.
    fn open(
        &self,
        aad: [u8; 18],
        kind: u8,
        token: &[u8],
        now: Duration,
        lifetime: Duration,
    ) -> Result<(TokenId, Vec<u8>), TokenError> {
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
                Aad::from(aad),
                &mut body,
            )
            .map_err(|_| TokenError::Invalid)?;
        let mut r = Reader::new(plain);
        let (Ok(found), Ok(issued)) = (r.u8(), r.array()) else {
            return Err(TokenError::Invalid);
        };
        if found != kind {
            return Err(TokenError::Invalid);
        }
        let issued = u64::from_be_bytes(issued);
        let now_ms = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
        let lifetime_ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
        if issued > now_ms || now_ms - issued > lifetime_ms {
            return Err(TokenError::Expired);
        }
        Ok((nonce, r.take_rest().to_vec()))
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
        let mut body = Vec::with_capacity(42);
        for cid in [&contents.original_dcid, &contents.retry_scid] {
            body.push(cid.len() as u8);
            body.extend_from_slice(cid);
        }
        let aad = address_aad(client.ip(), client.port());
        self.seal(aad, RETRY_TOKEN_KIND, issued, &body, nonce)
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
        let aad = address_aad(client.ip(), client.port());
        let (_, body) = self.open(aad, RETRY_TOKEN_KIND, token, now, lifetime)?;
        let mut r = Reader::new(&body);
        let mut cid = || ConnectionId::read_with_len(&mut r).ok().flatten();
        match (cid(), cid()) {
            (Some(original_dcid), Some(retry_scid)) if r.is_empty() => Ok(RetryTokenContents {
                original_dcid,
                retry_scid,
            }),
            _ => Err(TokenError::Invalid),
        }
    }

    /// Seals a NEW_TOKEN token for a client at `client` (its IP address counts, not its
    /// port), as [`seal_retry`](Self::seal_retry) does.
    pub fn seal_new_token(
        &self,
        client: IpAddr,
        issued: Duration,
        nonce: [u8; NONCE_LEN],
    ) -> Vec<u8> {
        self.seal(address_aad(client, 0), NEW_TOKEN_KIND, issued, &[], nonce)
    }

    /// Checks a NEW_TOKEN token presented from `client` at `now`, accepting it only within
    /// `lifetime` of its issue; what identifies it.
    pub fn open_new_token(
        &self,
        client: IpAddr,
        token: &[u8],
        now: Duration,
        lifetime: Duration,
    ) -> Result<TokenId, TokenError> {
        let (id, body) = self.open(address_aad(client, 0), NEW_TOKEN_KIND, token, now, lifetime)?;
        if body.is_empty() {
            Ok(id)
        } else {
            Err(TokenError::Invalid)
        }
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

    /// The key to seal with at `now` (since the epoch), rotated first if it is due, and a
    /// nonce for it from `rng`.
    fn sealing(
        &mut self,
        rng: &mut impl rand_core::Rng,
        now: Duration,
    ) -> (&TokenKey, [u8; NONCE_LEN]) {
        if now.saturating_sub(self.since) >= self.period || self.seals >= self.max_seals {
            self.previous = Some(std::mem::replace(&mut self.current, fresh_key(rng)));
            self.since = now;
            self.seals = 0;
        }
        self.seals += 1;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        (&self.current, nonce)
    }

    /// `open` with the current key, or the one before it for a token it does not open.
    fn opening<T>(
        &self,
        open: impl Fn(&TokenKey) -> Result<T, TokenError>,
    ) -> Result<T, TokenError> {
        match open(&self.current) {
            Err(TokenError::Invalid) => self
                .previous
                .as_ref()
                .map_or(Err(TokenError::Invalid), open),
            done => done,
        }
    }

    /// Seals a Retry token for `client` at `now` (since the epoch); the nonce comes from
    /// `rng`.
    pub fn seal_retry(
        &mut self,
        rng: &mut impl rand_core::Rng,
        client: &SocketAddr,
        contents: &RetryTokenContents,
        now: Duration,
    ) -> Vec<u8> {
        let (key, nonce) = self.sealing(rng, now);
        key.seal_retry(client, contents, now, nonce)
    }

    /// Opens a Retry token (see [`TokenKey::open_retry`]).
    pub fn open_retry(
        &self,
        client: &SocketAddr,
        token: &[u8],
        now: Duration,
        lifetime: Duration,
    ) -> Result<RetryTokenContents, TokenError> {
        self.opening(|key| key.open_retry(client, token, now, lifetime))
    }

    /// Seals a NEW_TOKEN token for a client at `client` at `now`.
    pub fn seal_new_token(
        &mut self,
        rng: &mut impl rand_core::Rng,
        client: IpAddr,
        now: Duration,
    ) -> Vec<u8> {
        let (key, nonce) = self.sealing(rng, now);
        key.seal_new_token(client, now, nonce)
    }

    /// Opens a NEW_TOKEN token (see [`TokenKey::open_new_token`]).
    pub fn open_new_token(
        &self,
        client: IpAddr,
        token: &[u8],
        now: Duration,
        lifetime: Duration,
    ) -> Result<TokenId, TokenError> {
        self.opening(|key| key.open_new_token(client, token, now, lifetime))
    }
}

/// NEW_TOKEN tokens an endpoint remembers as used at most: beyond it, until some expire,
/// tokens are refused (the client gets a Retry round trip instead).
pub const MAX_USED_TOKENS: usize = 1 << 16;

/// The NEW_TOKEN tokens already presented and not yet expired, so that each validates an
/// address once (RFC 9000 §8.1.4): a bounded record, never trusted beyond its room.
#[derive(Debug, Default)]
pub struct UsedTokens {
    /// Token to when it expires (since the epoch).
    used: std::collections::HashMap<TokenId, Duration>,
}

impl UsedTokens {
    /// Records the use of token `id`, which expires at `expires` (since the epoch), at `now`:
    /// `true` the first time, `false` for a token seen before or when the record is full.
    pub fn first_use(&mut self, id: TokenId, expires: Duration, now: Duration) -> bool {
        if self.used.len() >= MAX_USED_TOKENS {
            self.used.retain(|_, until| *until > now);
        }
        if self.used.len() >= MAX_USED_TOKENS || self.used.contains_key(&id) {
            return false;
        }
        self.used.insert(id, expires);
        true
    }

    /// Tokens remembered.
    pub fn len(&self) -> usize {
        self.used.len()
    }

    /// Whether no token is remembered.
    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
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
    fn new_tokens_bind_the_ip_address_and_are_not_retry_tokens() {
        let key = TokenKey::new(&[7; 32]);
        let client: SocketAddr = "192.0.2.1:4433".parse().unwrap();
        let at = Duration::from_secs(105);
        let t = key.seal_new_token(client.ip(), Duration::from_secs(100), [5; 12]);
        assert_eq!(key.open_new_token(client.ip(), &t, at, LIFE), Ok([5; 12]));
        let other: SocketAddr = "192.0.2.2:4433".parse().unwrap();
        assert_eq!(
            key.open_new_token(other.ip(), &t, at, LIFE),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            key.open_new_token(client.ip(), &t, Duration::from_secs(111), LIFE),
            Err(TokenError::Expired)
        );
        // Neither kind passes for the other.
        assert!(
            key.open_retry(&"192.0.2.1:0".parse().unwrap(), &t, at, LIFE)
                .is_err()
        );
        let r = key.seal_retry(&client, &contents(), Duration::from_secs(100), [3; 12]);
        assert!(key.open_new_token(client.ip(), &r, at, LIFE).is_err());
    }

    #[test]
    fn each_new_token_counts_once_and_the_record_stays_bounded() {
        let mut used = UsedTokens::default();
        let (now, later) = (Duration::from_secs(1), Duration::from_secs(100));
        assert!(used.first_use([1; 12], later, now));
        assert!(!used.first_use([1; 12], later, now));
        for i in 0..MAX_USED_TOKENS as u32 {
            let mut id = [0; 12];
            id[..4].copy_from_slice(&i.to_be_bytes());
            id[11] = 9;
            used.first_use(id, later, now);
        }
        assert_eq!(used.len(), MAX_USED_TOKENS);
        assert!(!used.first_use([2; 12], later, now), "full: refused");
        // Once they expire there is room again.
        assert!(used.first_use([2; 12], Duration::from_secs(300), Duration::from_secs(200)));
        assert_eq!(used.len(), 1);
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
