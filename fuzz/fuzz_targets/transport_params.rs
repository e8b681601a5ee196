//! Transport parameters from either side: decoding never panics, and whatever decodes
//! re-encodes to something that decodes to the same parameters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_quic::{Side, TransportParameters};

fuzz_target!(|input: &[u8]| {
    for sender in [Side::Client, Side::Server] {
        if let Ok(params) = TransportParameters::decode(input, sender) {
            let encoded = params.to_vec();
            assert_eq!(encoded.len(), params.encoded_len());
            let again = TransportParameters::decode(&encoded, sender)
                .expect("re-encoded parameters decode");
            assert_eq!(again, params);
        }
    }
});
