//! Walking the frames of a packet payload.

use crate::coding::Reader;
use crate::error::TransportError;

use super::Frame;

/// Iterator over the frames of a decrypted packet payload. Yields each frame, or the first
/// error and then nothing more.
#[derive(Debug, Clone)]
pub struct FrameIter<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> FrameIter<'a> {
    /// An iterator over the frames in `payload`.
    pub fn new(payload: &'a [u8]) -> Self {
        FrameIter {
            r: Reader::new(payload),
            failed: false,
        }
    }
}

impl<'a> Iterator for FrameIter<'a> {
    type Item = Result<Frame<'a>, TransportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let frame = Frame::parse(&mut self.r);
        self.failed = frame.is_err();
        Some(frame)
    }
}

impl std::iter::FusedIterator for FrameIter<'_> {}
