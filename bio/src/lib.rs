//! BIO objects for qssl: the I/O layer beneath the QUIC transport and TLS.
//!
//! This crate is the only part of qssl that touches sockets. It offers OpenSSL's BIO model as a
//! safe Rust API:
//!
//! - [`BioAddr`]: socket addresses (`BIO_ADDR`).
//! - [`DatagramBio`]: datagram I/O with `BIO_sendmmsg`/`BIO_recvmmsg` semantics and the datagram
//!   controls (MTU, no-truncation, capabilities, local addresses, poll descriptors), implemented
//!   by [`UdpBio`] (`BIO_s_datagram`), [`DgramPairEnd`] (`BIO_s_dgram_pair`) and [`DgramMem`]
//!   (`BIO_s_dgram_mem`).
//! - [`StreamBio`]: byte streams for TLS over TCP, implemented by [`MemBio`] (`BIO_s_mem`),
//!   [`SocketBio`] (`BIO_s_socket`) and [`StreamPairEnd`] (`BIO_new_bio_pair`), with
//!   [`BufferFilter`] (`BIO_f_buffer`) stacked in a [`BioChain`].
//! - [`PollDescriptor`] and [`poll::wait`], through which the layers above block, and
//!   [`reactor::Reactor`] (mio), which waits on registered descriptors.
//! - [`BioError`], which says whether an error is transient ([`BioError::is_non_fatal`]) and
//!   which OpenSSL library and reason code it is.
//!
//! Only the system-call parts ([`UdpBio`]'s batched I/O, socket options, `poll`) use `unsafe`;
//! the reactor's system calls are mio's.

pub mod addr;
pub mod dgram;
pub mod error;
mod handle;
pub mod poll;
pub mod reactor;
pub mod stream;
mod sys;

pub use addr::BioAddr;
pub use dgram::{
    Batching, DatagramBio, DgramCaps, DgramMem, DgramPairEnd, MAX_SEGMENTS, RecvMsg, SendMsg,
    UdpBio, new_dgram_pair,
};
pub use error::BioError;
pub use poll::{PollDescriptor, PollItem};
pub use stream::{
    AcceptBio, BioChain, BufferFilter, DEFAULT_PAIR_BUF_LEN, FileBio, MemBio, SocketBio, StreamBio,
    StreamFilter, StreamPairEnd, new_bio_pair,
};
