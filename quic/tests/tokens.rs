//! Retry-token keys rotate: a key seals for a period or a number of tokens, the key before
//! it still opens what it sealed, and the one before that is gone.

use std::net::SocketAddr;
use std::time::Duration;

use qssl_quic::ConnectionId;
use qssl_quic::token::{RetryTokenContents, RotatingTokenKey, TokenError};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const PERIOD: Duration = Duration::from_secs(600);
/// Longer than any test's clock: only the keys decide.
const LIFETIME: Duration = Duration::from_secs(1 << 30);

fn contents() -> RetryTokenContents {
    RetryTokenContents {
        original_dcid: ConnectionId::new(&[1; 8]).unwrap(),
        retry_scid: ConnectionId::new(&[2; 8]).unwrap(),
    }
}

fn client() -> SocketAddr {
    "192.0.2.7:4433".parse().unwrap()
}

#[test]
fn a_key_is_replaced_every_period_and_its_tokens_open_for_one_more() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut keys = RotatingTokenKey::new(&mut rng, Duration::ZERO, PERIOD, u64::MAX);
    let at = |s: u64| Duration::from_secs(s);
    let first = keys.seal_retry(&mut rng, &client(), &contents(), at(599));
    // The period is over: the next token is sealed under a new key.
    let second = keys.seal_retry(&mut rng, &client(), &contents(), at(600));
    assert_eq!(
        keys.open_retry(&client(), &first, at(601), LIFETIME),
        Ok(contents())
    );
    assert_eq!(
        keys.open_retry(&client(), &second, at(601), LIFETIME),
        Ok(contents())
    );
    // Another period: the first key is gone, the second is the one before.
    let third = keys.seal_retry(&mut rng, &client(), &contents(), at(1200));
    assert_eq!(
        keys.open_retry(&client(), &first, at(1201), LIFETIME),
        Err(TokenError::Invalid)
    );
    assert_eq!(
        keys.open_retry(&client(), &second, at(1201), LIFETIME),
        Ok(contents())
    );
    assert_eq!(
        keys.open_retry(&client(), &third, at(1201), LIFETIME),
        Ok(contents())
    );
}

#[test]
fn a_key_is_replaced_after_its_share_of_tokens() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut keys = RotatingTokenKey::new(&mut rng, Duration::ZERO, PERIOD, 3);
    let now = Duration::from_secs(1);
    let tokens: Vec<Vec<u8>> = (0..7)
        .map(|_| keys.seal_retry(&mut rng, &client(), &contents(), now))
        .collect();
    // Three per key: tokens 0-2 (first key) are gone, 3-5 (the key before) and 6 open.
    let opens: Vec<bool> = tokens
        .iter()
        .map(|t| keys.open_retry(&client(), t, now, LIFETIME).is_ok())
        .collect();
    assert_eq!(opens, [false, false, false, true, true, true, true]);
}

#[test]
fn keys_come_from_the_generator() {
    // Two endpoints with different seeds cannot open each other's tokens.
    let mut rng_a = ChaCha8Rng::seed_from_u64(3);
    let mut rng_b = ChaCha8Rng::seed_from_u64(4);
    let mut a = RotatingTokenKey::new(&mut rng_a, Duration::ZERO, PERIOD, u64::MAX);
    let b = RotatingTokenKey::new(&mut rng_b, Duration::ZERO, PERIOD, u64::MAX);
    let now = Duration::from_secs(1);
    let t = a.seal_retry(&mut rng_a, &client(), &contents(), now);
    assert_eq!(
        b.open_retry(&client(), &t, now, LIFETIME),
        Err(TokenError::Invalid)
    );
    assert_eq!(a.open_retry(&client(), &t, now, LIFETIME), Ok(contents()));
}
