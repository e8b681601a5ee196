//! OpenSSL's error queue: packed error codes, per-thread queue, reason strings.
//!
//! Every failing qssl call leaves one or more records on the calling thread's queue, exactly where
//! an OpenSSL caller looks for them (`ERR_get_error`, `ERR_peek_last_error`, `ERR_print_errors`).
//! The safe API also returns the same code as an [`SslError`].
//!
//! **Packing** (`include/openssl/err.h`). An OpenSSL error is `lib << 23 | reason`, with the
//! library in 8 bits and the reason in 23; the top bits of the reason carry flags, so every
//! `ERR_R_*` generic reason is already combined with [`ERR_RFLAG_COMMON`] (and
//! [`ERR_RFLAG_FATAL`] for the fatal ones): `ERR_R_INTERNAL_ERROR` is `0xC0103`. A system error
//! is [`ERR_SYSTEM_FLAG`] with the `errno` in the low 31 bits; its library is [`ERR_LIB_SYS`].
//!
//! **Queue** (`crypto/err/err.c`, `err_mark.c`, `err_blocks.c`). OpenSSL keeps a ring of
//! [`ERR_NUM_ERRORS`] (16) slots whose `top == bottom` state means empty, so it holds at most
//! [`QUEUE_CAPACITY`] (15) records; a new record beyond that drops the oldest. Marks count on the
//! record that was newest when `set_mark` was called; `set_mark` on an empty queue sets nothing,
//! and a later `pop_to_mark` then empties the queue and reports failure, as OpenSSL does.
//!
//! **Strings.** Library names are `ERR_str_libraries` (`crypto/err/err.c`); reason texts are the
//! compiled `*_str_reasons` arrays (`ssl/ssl_err.c`, `crypto/bio/bio_err.c`, the generic table in
//! `err.c`), which differ from `crypto/err/openssl.txt` for a few BIO entries: BIO_R_NON_FATAL is
//! "non-fatal or transient error" and BIO_R_PEER_ADDR_NOT_AVAILABLE is 151, not 114. System
//! errors render through the OS's `strerror`. Unknown codes render as `lib(N)` / `reason(N)`.

mod codes;
mod queue;
mod record;
mod strings;

pub use codes::*;
pub use queue::*;
pub use record::*;
pub use strings::*;
