//! Filter chains (`BIO_push` / `BIO_pop`): filters stacked in front of a source/sink BIO.

use super::{StreamBio, StreamFilter};
use crate::error::BioError;
use crate::poll::PollDescriptor;

/// A stack of filters in front of a source/sink BIO, used as one BIO. Data written enters the
/// top filter and reaches the sink last; reads travel the other way.
#[derive(Debug)]
pub struct BioChain {
    /// Filters, top first.
    filters: Vec<Box<dyn StreamFilter>>,
    sink: Box<dyn StreamBio>,
}

/// The chain from one filter down: what that filter sees as `next`.
#[derive(Debug)]
struct ChainTail<'a> {
    filters: &'a mut [Box<dyn StreamFilter>],
    sink: &'a mut dyn StreamBio,
}

/// The top of a chain tail: a filter with the rest of the chain behind it, or the sink alone.
enum Top<'a> {
    Filter(&'a mut dyn StreamFilter, ChainTail<'a>),
    Sink(&'a mut dyn StreamBio),
}

impl ChainTail<'_> {
    fn top(&mut self) -> Top<'_> {
        match self.filters.split_first_mut() {
            Some((top, rest)) => Top::Filter(
                top.as_mut(),
                ChainTail {
                    filters: rest,
                    sink: &mut *self.sink,
                },
            ),
            None => Top::Sink(&mut *self.sink),
        }
    }
}

impl StreamBio for ChainTail<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        match self.top() {
            Top::Filter(f, mut next) => f.read(&mut next, buf),
            Top::Sink(s) => s.read(buf),
        }
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        match self.top() {
            Top::Filter(f, mut next) => f.write(&mut next, buf),
            Top::Sink(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> Result<(), BioError> {
        match self.top() {
            Top::Filter(f, mut next) => f.flush(&mut next),
            Top::Sink(s) => s.flush(),
        }
    }

    fn pending(&self) -> usize {
        chain_pending(self.filters, &*self.sink)
    }

    fn wpending(&self) -> usize {
        chain_wpending(self.filters, &*self.sink)
    }

    fn eof(&self) -> bool {
        chain_eof(self.filters, &*self.sink)
    }

    fn rpoll_descriptor(&self) -> PollDescriptor {
        self.sink.rpoll_descriptor()
    }

    fn wpoll_descriptor(&self) -> PollDescriptor {
        self.sink.wpoll_descriptor()
    }
}

/// The first filter's non-zero input count from the top, else the sink's pending bytes:
/// OpenSSL's rule for `BIO_pending` on a chain.
fn chain_pending(filters: &[Box<dyn StreamFilter>], sink: &dyn StreamBio) -> usize {
    filters
        .iter()
        .map(|f| f.buffered_in())
        .find(|&n| n > 0)
        .unwrap_or_else(|| sink.pending())
}

/// The same rule for `BIO_wpending`, with output counts.
fn chain_wpending(filters: &[Box<dyn StreamFilter>], sink: &dyn StreamBio) -> usize {
    filters
        .iter()
        .map(|f| f.buffered_out())
        .find(|&n| n > 0)
        .unwrap_or_else(|| sink.wpending())
}

/// A chain is at EOF when no filter holds input and the sink is at EOF.
fn chain_eof(filters: &[Box<dyn StreamFilter>], sink: &dyn StreamBio) -> bool {
    filters.iter().all(|f| f.buffered_in() == 0) && sink.eof()
}

impl BioChain {
    /// A chain with no filters yet.
    pub fn new(sink: Box<dyn StreamBio>) -> Self {
        BioChain {
            filters: Vec::new(),
            sink,
        }
    }

    /// Puts `filter` on top of the chain (`BIO_push(filter, chain)`).
    pub fn push(&mut self, filter: Box<dyn StreamFilter>) {
        self.filters.insert(0, filter);
    }

    /// Takes the top filter off the chain (`BIO_pop`), without flushing it.
    pub fn pop(&mut self) -> Option<Box<dyn StreamFilter>> {
        if self.filters.is_empty() {
            None
        } else {
            Some(self.filters.remove(0))
        }
    }

    /// Number of filters in the chain.
    pub fn len(&self) -> usize {
        self.filters.len()
    }

    /// Whether the chain has no filters.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The source/sink at the bottom.
    pub fn sink(&self) -> &dyn StreamBio {
        self.sink.as_ref()
    }

    /// The source/sink at the bottom, mutably.
    pub fn sink_mut(&mut self) -> &mut dyn StreamBio {
        self.sink.as_mut()
    }

    fn tail(&mut self) -> ChainTail<'_> {
        ChainTail {
            filters: &mut self.filters,
            sink: self.sink.as_mut(),
        }
    }
}

impl StreamBio for BioChain {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        self.tail().read(buf)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        self.tail().write(buf)
    }

    fn flush(&mut self) -> Result<(), BioError> {
        self.tail().flush()
    }

    fn pending(&self) -> usize {
        chain_pending(&self.filters, &*self.sink)
    }

    fn wpending(&self) -> usize {
        chain_wpending(&self.filters, &*self.sink)
    }

    fn eof(&self) -> bool {
        chain_eof(&self.filters, &*self.sink)
    }

    fn rpoll_descriptor(&self) -> PollDescriptor {
        self.sink.rpoll_descriptor()
    }

    fn wpoll_descriptor(&self) -> PollDescriptor {
        self.sink.wpoll_descriptor()
    }
}
