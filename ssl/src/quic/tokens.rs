//! Address-validation tokens clients keep between connections (RFC 9000 §8.1.3): what a
//! server gave in NEW_TOKEN frames, per server, in the context, so the context's next client
//! connection to that server presents one and skips the Retry round trip. Each token is
//! used once; the store is bounded.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Servers a context keeps tokens for at most (the oldest goes first).
pub const MAX_TOKEN_SERVERS: usize = 256;
/// Tokens kept per server at most (the newest are kept).
pub const MAX_TOKENS_PER_SERVER: usize = 4;

/// A context's tokens, by server.
#[derive(Debug, Default)]
pub struct TokenStore {
    inner: Mutex<Servers>,
}

#[derive(Debug, Default)]
struct Servers {
    tokens: HashMap<String, VecDeque<Vec<u8>>>,
    /// Servers in the order they were first given a token.
    order: VecDeque<String>,
}

impl TokenStore {
    /// Keeps `token` from `server` (its name or address and port, as the client reached it).
    pub fn insert(&self, server: &str, token: Vec<u8>) {
        let mut s = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !s.tokens.contains_key(server) {
            if s.order.len() >= MAX_TOKEN_SERVERS
                && let Some(oldest) = s.order.pop_front()
            {
                s.tokens.remove(&oldest);
            }
            s.order.push_back(server.to_owned());
        }
        let list = s.tokens.entry(server.to_owned()).or_default();
        if list.len() >= MAX_TOKENS_PER_SERVER {
            list.pop_front();
        }
        list.push_back(token);
    }

    /// Takes the newest token kept for `server`: a token is presented once.
    pub fn take(&self, server: &str) -> Option<Vec<u8>> {
        let mut s = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = s.tokens.get_mut(server)?;
        let token = list.pop_back();
        if list.is_empty() {
            s.tokens.remove(server);
            s.order.retain(|o| o != server);
        }
        token
    }

    /// Tokens kept, over all servers.
    pub fn len(&self) -> usize {
        let s = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.tokens.values().map(VecDeque::len).sum()
    }

    /// Whether no token is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_once_each_and_bounded() {
        let store = TokenStore::default();
        for i in 0..6u8 {
            store.insert("a:443", vec![i]);
        }
        assert_eq!(store.len(), MAX_TOKENS_PER_SERVER);
        assert_eq!(store.take("a:443"), Some(vec![5]));
        assert_eq!(store.take("a:443"), Some(vec![4]));
        assert_eq!(store.take("b:443"), None);
        for i in 0..(MAX_TOKEN_SERVERS + 10) {
            store.insert(&format!("s{i}:443"), vec![1]);
        }
        assert!(store.len() <= MAX_TOKEN_SERVERS * MAX_TOKENS_PER_SERVER);
        assert_eq!(store.take("s0:443"), None, "the oldest server went");
        assert_eq!(
            store.take(&format!("s{}:443", MAX_TOKEN_SERVERS + 9)),
            Some(vec![1])
        );
    }
}
