//! Frames of an arbitrary payload: parsing never panics, the packet-type rules answer for every
//! frame, and every frame that parses re-encodes, in exactly its reported size, to bytes that
//! parse back to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_quic::coding::Writer;
use qssl_quic::{Frame, FrameIter, PacketKind};

fuzz_target!(|payload: &[u8]| {
    for frame in FrameIter::new(payload) {
        let Ok(frame) = frame else { break };
        for kind in [
            PacketKind::Initial,
            PacketKind::ZeroRtt,
            PacketKind::Handshake,
            PacketKind::OneRtt,
        ] {
            let _ = frame.check_allowed(kind);
        }
        let mut buf = vec![0u8; frame.encoded_len()];
        let mut w = Writer::new(&mut buf);
        frame.encode(&mut w).expect("a parsed frame re-encodes");
        assert_eq!(w.position(), buf.len(), "encoded_len is exact");
        let again: Frame<'_> = FrameIter::new(&buf)
            .next()
            .expect("one frame")
            .expect("re-encoded frame parses");
        assert_eq!(again, frame);
    }
});
