//! The per-thread error queue, its packing and its strings, checked against OpenSSL 3.5's
//! behaviour (`crypto/err/*.c`, `test/errtest.c`, the ERR man pages).
//!
//! Every test runs on its own thread, so each starts with an empty queue of its own.

use std::io;

use qssl::error::{
    self, ERR_LIB_BIO, ERR_LIB_SSL, ERR_LIB_SYS, ERR_LIB_USER, ERR_TXT_MALLOCED, ERR_TXT_STRING,
    ErrorRecord, QUEUE_CAPACITY, SslError, bio_r, err_r, ssl_r,
};
use qssl_bio::BioError;

/// `EPERM`, 1 on every platform qssl builds for.
const EPERM: i32 = 1;

#[test]
fn packs_library_and_reason_like_err_pack() {
    let code = error::pack(ERR_LIB_SSL, ssl_r::STREAM_COUNT_LIMITED);
    assert_eq!(code, (20 << 23) | 411);
    assert_eq!(code, 0x0A00_019B);
    assert_eq!(error::lib_of(code), ERR_LIB_SSL);
    assert_eq!(error::reason_of(code), ssl_r::STREAM_COUNT_LIMITED);
    assert!(!error::is_system_error(code));

    assert_eq!(error::pack(ERR_LIB_BIO, bio_r::NON_FATAL), 0x1000_0070);
    // Both fields are masked, as ERR_PACK masks them.
    assert_eq!(error::pack(0x1FF, -1), 0x7FFF_FFFF);
}

#[test]
fn generic_reasons_carry_their_flag_bits() {
    assert_eq!(err_r::INTERNAL_ERROR, 0xC0103);
    assert_eq!(err_r::OPERATION_FAIL, 0xC0107);
    assert_eq!(err_r::PASSED_NULL_PARAMETER, 0xC0102);
    assert_eq!(err_r::PASSED_INVALID_ARGUMENT, 0x80106);

    let code = error::pack(ERR_LIB_USER, err_r::INTERNAL_ERROR);
    assert_eq!(code, 0x400C_0103);
    assert_eq!(error::lib_of(code), ERR_LIB_USER);
    assert_eq!(error::reason_of(code), err_r::INTERNAL_ERROR);
    assert!(error::is_fatal_error(code) && error::is_common_error(code));

    let invalid = error::pack(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT);
    assert!(!error::is_fatal_error(invalid) && error::is_common_error(invalid));
    let specific = error::pack(ERR_LIB_SSL, ssl_r::NO_STREAM);
    assert!(!error::is_fatal_error(specific) && !error::is_common_error(specific));
}

#[test]
fn system_errors_pack_the_errno_under_the_system_flag() {
    let code = error::pack(ERR_LIB_SYS, EPERM);
    assert_eq!(code, 0x8000_0001);
    assert!(error::is_system_error(code));
    assert_eq!(error::lib_of(code), ERR_LIB_SYS);
    // ERR_GET_REASON of a system error is the errno itself, all 31 bits of it.
    assert_eq!(error::reason_of(code), EPERM);
    let big = error::pack(ERR_LIB_SYS, 0x7FFF_FFFF);
    assert_eq!(error::reason_of(big), 0x7FFF_FFFF);
    assert_eq!(error::lib_of(big), ERR_LIB_SYS);
    assert!(!error::is_fatal_error(big) && !error::is_common_error(big));
}

#[test]
fn queue_is_first_in_first_out() {
    assert_eq!(error::peek_error(), 0);
    assert_eq!(error::get_error(), 0);
    error::raise(ERR_LIB_SSL, ssl_r::NO_STREAM);
    error::raise(ERR_LIB_BIO, bio_r::NON_FATAL);
    error::raise(ERR_LIB_SYS, EPERM);
    let (first, second, third) = (
        error::pack(ERR_LIB_SSL, ssl_r::NO_STREAM),
        error::pack(ERR_LIB_BIO, bio_r::NON_FATAL),
        error::pack(ERR_LIB_SYS, EPERM),
    );

    assert_eq!(error::error_count(), 3);
    assert_eq!(error::peek_error(), first);
    assert_eq!(error::peek_last_error(), third);
    assert_eq!(error::error_count(), 3, "peeking leaves the queue alone");
    assert_eq!(error::get_error(), first);
    assert_eq!(error::peek_error(), second);
    assert_eq!(error::get_error(), second);
    assert_eq!(error::get_error(), third);
    assert_eq!(error::get_error(), 0);
    assert_eq!(error::peek_last_error(), 0);
}

#[test]
fn full_queue_drops_the_oldest() {
    // OpenSSL's ring has 16 slots and keeps one free, so 15 records survive.
    assert_eq!(QUEUE_CAPACITY, 15);
    for reason in 1..=16 {
        error::raise(ERR_LIB_USER, reason);
    }
    assert_eq!(error::error_count(), QUEUE_CAPACITY);
    assert_eq!(error::peek_error(), error::pack(ERR_LIB_USER, 2));
    assert_eq!(error::peek_last_error(), error::pack(ERR_LIB_USER, 16));
    for reason in 2..=16 {
        assert_eq!(error::get_error(), error::pack(ERR_LIB_USER, reason));
    }
    assert_eq!(error::get_error(), 0);
}

#[test]
fn clear_empties_queue_and_marks() {
    error::raise(ERR_LIB_SSL, ssl_r::NO_STREAM);
    assert!(error::set_mark());
    error::raise(ERR_LIB_SSL, ssl_r::STREAM_RESET);
    error::clear_error();
    assert_eq!(error::error_count(), 0);
    assert_eq!(error::peek_error(), 0);
    assert!(!error::pop_to_mark());
    assert!(!error::clear_last_mark());
}

/// OpenSSL's `test/errtest.c` `test_marks`, step for step.
#[test]
fn marks_behave_like_openssl() {
    let malloc_fail = error::pack(ERR_LIB_USER, err_r::MALLOC_FAILURE);
    let internal = error::pack(ERR_LIB_USER, err_r::INTERNAL_ERROR);
    let should_not = error::pack(ERR_LIB_USER, err_r::SHOULD_NOT_HAVE_BEEN_CALLED);
    let raise = |code: u32| error::raise(ERR_LIB_USER, error::reason_of(code));

    raise(malloc_fail);
    assert!(error::set_mark());
    assert!(error::pop_to_mark());
    assert_eq!(error::peek_last_error(), malloc_fail);
    assert!(error::set_mark());
    assert!(error::clear_last_mark());
    assert_eq!(error::peek_last_error(), malloc_fail);

    // Popping errors.
    assert!(error::set_mark());
    raise(internal);
    assert_eq!(error::peek_last_error(), internal);
    assert!(error::pop_to_mark());
    assert_eq!(error::peek_last_error(), malloc_fail);

    // Nested marks on the same record.
    assert!(error::set_mark());
    assert!(error::set_mark());
    raise(internal);
    assert!(error::pop_to_mark());
    assert!(error::pop_to_mark());
    assert_eq!(error::peek_last_error(), malloc_fail);

    // Nested marks on different records.
    assert!(error::set_mark());
    raise(should_not);
    assert!(error::set_mark());
    raise(internal);
    assert_eq!(error::count_to_mark(), 1);
    assert!(error::pop_to_mark());
    assert_eq!(error::peek_last_error(), should_not);
    assert!(error::pop_to_mark());
    assert_eq!(error::peek_last_error(), malloc_fail);

    // Clearing a mark keeps the records.
    assert!(error::set_mark());
    raise(should_not);
    assert!(error::clear_last_mark());
    assert_eq!(error::peek_last_error(), should_not);

    // No mark left: popping removes everything and fails.
    assert!(!error::pop_to_mark());
    assert_eq!(error::peek_last_error(), 0);

    // Clearing without a mark fails and keeps the record.
    raise(malloc_fail);
    assert!(!error::clear_last_mark());
    assert_eq!(error::get_error(), malloc_fail);
    assert_eq!(error::peek_last_error(), 0);

    // A mark on an empty queue is not set...
    assert!(!error::set_mark());

    raise(malloc_fail);
    assert!(error::set_mark());
    raise(internal);
    raise(should_not);
    assert_eq!(error::count_to_mark(), 2);
    // ...but popping and clearing past several records works.
    assert!(error::pop_to_mark());
    assert_eq!(error::peek_last_error(), malloc_fail);

    assert!(error::set_mark());
    raise(internal);
    raise(should_not);
    assert!(error::clear_last_mark());
    assert_eq!(error::peek_last_error(), should_not);
    assert_eq!(error::error_count(), 3);
}

#[test]
fn mark_on_empty_queue_then_pop_removes_everything_new() {
    assert!(!error::set_mark());
    error::raise(ERR_LIB_SSL, ssl_r::NO_STREAM);
    assert!(!error::pop_to_mark());
    assert_eq!(error::error_count(), 0);
}

#[test]
fn each_thread_has_its_own_queue() {
    error::raise(ERR_LIB_SSL, ssl_r::NO_STREAM);
    let other = std::thread::spawn(|| {
        let seen = error::peek_error();
        error::raise(ERR_LIB_BIO, bio_r::NON_FATAL);
        (seen, error::error_count())
    })
    .join()
    .expect("thread panicked");
    assert_eq!(other, (0, 1));
    assert_eq!(error::error_count(), 1);
    assert_eq!(
        error::get_error(),
        error::pack(ERR_LIB_SSL, ssl_r::NO_STREAM)
    );
}

#[test]
fn records_keep_location_and_data() {
    let line = line!() + 1;
    error::raise_data(ERR_LIB_SSL, ssl_r::BAD_VALUE, "value 7");
    error::raise(ERR_LIB_SSL, ssl_r::NO_STREAM);

    let record = error::peek_error_all().expect("record");
    assert_eq!(record.code, error::pack(ERR_LIB_SSL, ssl_r::BAD_VALUE));
    assert_eq!(record.file.as_deref(), Some(file!()));
    assert_eq!(record.line, line);
    assert_eq!(record.func, None);
    assert_eq!(record.data.as_deref(), Some("value 7"));
    assert_eq!(record.flags(), ERR_TXT_STRING | ERR_TXT_MALLOCED);
    assert_eq!(error::get_error_all(), Some(record));

    let last = error::peek_last_error_all().expect("record");
    assert_eq!(last.data, None);
    assert_eq!(last.flags(), 0);
    assert_eq!(last.line, line + 1);
    error::clear_error();
    assert_eq!(error::get_error_all(), None);
}

#[test]
fn add_error_data_appends_to_the_newest_record() {
    error::add_error_data("lost");
    assert_eq!(error::error_count(), 0, "no record to attach to");

    error::raise(ERR_LIB_USER, err_r::MALLOC_FAILURE);
    error::add_error_data("hello ");
    error::add_error_data("world");
    let record = error::get_error_all().expect("record");
    assert_eq!(record.data.as_deref(), Some("hello world"));
}

#[test]
fn raise_data_is_cut_to_the_openssl_buffer() {
    error::raise_data(ERR_LIB_USER, 1, "x".repeat(5000));
    let record = error::get_error_all().expect("record");
    assert_eq!(
        record.data.map(|d| d.len()),
        Some(error::ERR_MAX_DATA_SIZE - 1)
    );
}

#[test]
fn ssl_error_raise_cuts_the_record_data_like_raise_data() {
    error::clear_error();
    let err = SslError::new(ERR_LIB_USER, 1)
        .with_data("y".repeat(5000))
        .raise();
    assert_eq!(
        err.data().map(str::len),
        Some(5000),
        "the returned error keeps it"
    );
    let record = error::get_error_all().expect("record");
    assert_eq!(
        record.data.map(|d| d.len()),
        Some(error::ERR_MAX_DATA_SIZE - 1)
    );
}

#[test]
fn new_set_debug_set_error_build_a_record() {
    error::set_error(ERR_LIB_SSL, ssl_r::NO_STREAM, None);
    assert_eq!(error::error_count(), 0, "set_error needs an open record");

    error::new_entry();
    assert_eq!(error::peek_last_error(), 0);
    error::set_debug(
        Some("ssl/quic/quic_impl.c".into()),
        1234,
        Some("qc_new".into()),
    );
    error::set_error(ERR_LIB_SSL, ssl_r::NO_STREAM, Some("stream 4".to_owned()));
    let record = error::get_error_all().expect("record");
    assert_eq!(
        record,
        ErrorRecord {
            code: error::pack(ERR_LIB_SSL, ssl_r::NO_STREAM),
            file: Some("ssl/quic/quic_impl.c".into()),
            line: 1234,
            func: Some("qc_new".into()),
            data: Some("stream 4".to_owned()),
        }
    );

    // Empty strings count as unset, as ERR_set_debug stores them.
    error::new_entry();
    error::set_debug(Some("".into()), 0, Some("".into()));
    let record = error::get_error_all().expect("record");
    assert_eq!((record.file, record.func), (None, None));
}

#[test]
fn library_names_match_openssl() {
    let name = |lib| error::lib_error_string(error::pack(lib, 1));
    assert_eq!(name(ERR_LIB_SSL), Some("SSL routines"));
    assert_eq!(name(ERR_LIB_BIO), Some("BIO routines"));
    assert_eq!(name(ERR_LIB_SYS), Some("system library"));
    assert_eq!(name(error::ERR_LIB_NONE), Some("unknown library"));
    assert_eq!(name(error::ERR_LIB_EVP), Some("digital envelope routines"));
    assert_eq!(name(ERR_LIB_USER), None);
    assert_eq!(error::lib_string(error::pack(ERR_LIB_USER, 1)), "lib(128)");
    assert_eq!(error::lib_string(0), "lib(0)");
}

#[test]
fn reason_strings_match_openssl() {
    let text = |lib, reason| error::reason_error_string(error::pack(lib, reason));
    assert_eq!(
        text(ERR_LIB_SSL, ssl_r::STREAM_COUNT_LIMITED),
        Some("stream count limited")
    );
    assert_eq!(
        text(ERR_LIB_SSL, ssl_r::PROTOCOL_IS_SHUTDOWN),
        Some("protocol is shutdown")
    );
    assert_eq!(
        text(ERR_LIB_SSL, ssl_r::UNSUPPORTED_CONFIG_VALUE_CLASS),
        Some("unsupported config value class")
    );
    assert_eq!(
        text(ERR_LIB_SSL, ssl_r::TLSV1_ALERT_NO_APPLICATION_PROTOCOL),
        Some("tlsv1 alert no application protocol")
    );
    // The compiled BIO texts, not openssl.txt's.
    assert_eq!(
        text(ERR_LIB_BIO, bio_r::NON_FATAL),
        Some("non-fatal or transient error")
    );
    assert_eq!(bio_r::PEER_ADDR_NOT_AVAILABLE, 151);
    assert_eq!(
        text(ERR_LIB_BIO, bio_r::PEER_ADDR_NOT_AVAILABLE),
        Some("peer address not available")
    );
    // Reasons are per library: 112 is a different reason under SSL.
    assert_eq!(text(ERR_LIB_SSL, 112), Some("missing sigalgs extension"));
    // Generic reasons resolve under any library.
    assert_eq!(
        text(ERR_LIB_SSL, err_r::INTERNAL_ERROR),
        Some("internal error")
    );
    assert_eq!(
        text(ERR_LIB_USER, err_r::PASSED_INVALID_ARGUMENT),
        Some("passed invalid argument")
    );
    // Unknown reasons, and every system error, have no registered text.
    assert_eq!(text(ERR_LIB_SSL, 4242), None);
    assert_eq!(text(ERR_LIB_SYS, EPERM), None);
    assert_eq!(
        error::reason_string(error::pack(ERR_LIB_SSL, 4242)),
        "reason(4242)"
    );
}

#[test]
fn system_reason_is_the_os_text() {
    let text = error::reason_string(error::pack(ERR_LIB_SYS, EPERM));
    assert!(!text.contains("os error"), "{text}");
    #[cfg(target_os = "linux")]
    assert_eq!(text, "Operation not permitted");
    assert_eq!(SslError::sys(EPERM).to_string(), text);
}

#[test]
fn error_string_n_formats_and_truncates() {
    let code = error::pack(ERR_LIB_SSL, ssl_r::STREAM_COUNT_LIMITED);
    let full = "error:0A00019B:SSL routines::stream count limited";
    assert_eq!(error::error_string(code), full);
    assert_eq!(error::error_string_n(code, 256), full);
    assert_eq!(error::error_string_n(code, full.len() + 2), full);
    // Filling the buffer switches to the compact form, itself cut to len - 1 bytes.
    assert_eq!(
        error::error_string_n(code, full.len() + 1),
        "err:a00019b:14:0:19b"
    );
    assert_eq!(error::error_string_n(code, 10), "err:a0001");
    assert_eq!(error::error_string_n(code, 1), "");
    assert_eq!(error::error_string_n(code, 0), "");

    assert_eq!(
        error::error_string(error::pack(200, 5)),
        "error:64000005:lib(200)::reason(5)"
    );
    #[cfg(target_os = "linux")]
    assert_eq!(
        error::error_string(error::pack(ERR_LIB_SYS, EPERM)),
        "error:80000001:system library::Operation not permitted"
    );
}

#[test]
fn error_line_matches_the_print_format() {
    let record = ErrorRecord {
        code: error::pack(ERR_LIB_SSL, ssl_r::NO_STREAM),
        file: Some("ssl/quic/quic_impl.c".into()),
        line: 77,
        func: Some("quic_read".into()),
        data: Some("stream 4".to_owned()),
    };
    assert_eq!(
        error::error_line("80FBA5EBBE7F0000", &record),
        "80FBA5EBBE7F0000:error:0A000163:SSL routines:quic_read:no stream:\
         ssl/quic/quic_impl.c:77:stream 4\n"
    );
    let bare = ErrorRecord::new(error::pack(ERR_LIB_BIO, bio_r::NON_FATAL));
    assert_eq!(
        error::error_line("T", &bare),
        "T:error:10000070:BIO routines::non-fatal or transient error::0:\n"
    );
}

#[test]
fn print_errors_writes_each_record_and_empties_the_queue() {
    let line = line!() + 1;
    error::raise_data(ERR_LIB_SSL, ssl_r::NO_STREAM, "stream 4");
    error::raise(ERR_LIB_SYS, EPERM);
    let mut out = Vec::new();
    error::print_errors(&mut out).expect("write to a Vec");
    assert_eq!(error::error_count(), 0);

    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 2);
    let thread_id = error::thread_id_hex();
    assert_eq!(thread_id.len(), 16);
    assert!(
        thread_id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
    );
    assert_eq!(
        lines[0],
        format!(
            "{thread_id}:error:0A000163:SSL routines::no stream:{}:{line}:stream 4\n",
            file!()
        )
    );
    let system = format!(
        "{thread_id}:error:80000001:system library::{}:{}:{}:\n",
        error::reason_string(error::pack(ERR_LIB_SYS, EPERM)),
        file!(),
        line + 1
    );
    assert_eq!(lines[1], system);
}

#[test]
fn print_errors_cb_can_stop_early() {
    for reason in 1..=3 {
        error::raise(ERR_LIB_USER, reason);
    }
    let mut seen = Vec::new();
    error::print_errors_cb(|line| {
        seen.push(line.to_owned());
        false
    });
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains(":error:40000001:lib(128)::reason(1):"));
    assert_eq!(error::error_count(), 2);
}

#[test]
fn print_errors_stops_on_a_write_error() {
    struct Broken;
    impl io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    error::raise(ERR_LIB_USER, 1);
    error::raise(ERR_LIB_USER, 2);
    assert!(error::print_errors(&mut Broken).is_err());
    assert_eq!(error::peek_error(), error::pack(ERR_LIB_USER, 2));
}

#[test]
fn would_block_bio_error_is_bio_non_fatal() {
    let err = SslError::from(BioError::WouldBlock);
    assert_eq!(err.code(), error::pack(ERR_LIB_BIO, 112));
    assert_eq!((err.lib(), err.reason()), (ERR_LIB_BIO, bio_r::NON_FATAL));
    assert!(!err.is_system());
    assert_eq!(err.data(), None);
    assert_eq!(err.to_string(), "non-fatal or transient error");
    assert!(error::bio_err_is_non_fatal(err.code()));
}

#[test]
fn os_bio_error_is_a_system_error() {
    let err = SslError::from(BioError::Os(EPERM));
    assert!(err.is_system());
    assert_eq!(err.code(), 0x8000_0001);
    assert_eq!((err.lib(), err.reason()), (ERR_LIB_SYS, EPERM));
    assert!(!error::bio_err_is_non_fatal(err.code()));

    // The errno survives whatever its value.
    for errno in [EPERM, 111, 0x7FFF_FFFF] {
        assert_eq!(SslError::from(BioError::Os(errno)).reason(), errno);
    }
}

#[test]
fn detailed_bio_errors_keep_their_text() {
    let err = SslError::from(BioError::Unsupported("sendmmsg"));
    assert_eq!(
        (err.lib(), err.reason()),
        (ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
    );
    assert_eq!(err.data(), Some("unsupported by this BIO: sendmmsg"));
    assert_eq!(
        err.to_string(),
        "unsupported method: unsupported by this BIO: sendmmsg"
    );
}

#[test]
fn ssl_error_raise_puts_it_on_the_queue() {
    let err = SslError::ssl(ssl_r::STREAM_COUNT_LIMITED).with_data("bidi");
    let line = line!() + 1;
    let err = err.raise();
    assert_eq!(error::peek_last_error(), err.code());
    let record = error::get_error_all().expect("record");
    assert_eq!(record.file.as_deref(), Some(file!()));
    assert_eq!(record.line, line);
    assert_eq!(record.data.as_deref(), Some("bidi"));
    assert_eq!(SslError::from(&record), err);
    assert_eq!(err.to_string(), "stream count limited: bidi");

    let bio = SslError::from(BioError::WouldBlock).raise();
    assert!(error::bio_err_is_non_fatal(error::peek_last_error()));
    assert_eq!(error::get_error(), bio.code());
}
