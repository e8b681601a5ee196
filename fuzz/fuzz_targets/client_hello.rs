//! ClientHello inspection of arbitrary bytes: never panics, and whatever it reports lies
//! inside the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_quic::client_hello::{complete_message_len, parse};

fuzz_target!(|data: &[u8]| {
    if let Some(len) = complete_message_len(data) {
        assert!(len <= data.len());
    }
    if let Ok(info) = parse(data) {
        let range = data.as_ptr_range();
        for name in &info.alpn {
            assert!(!name.is_empty() && range.contains(&name.as_ptr()));
        }
        if let Some(sni) = info.server_name {
            assert!(sni.is_empty() || range.contains(&sni.as_ptr()));
        }
    }
});
