//! The calling thread's error queue and its marks.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};

use super::codes::*;
use super::record::*;
use super::strings::*;

/// The calling thread's id as `ERR_print_errors` prints it: 16 upper-case hex digits.
///
/// OpenSSL prints the bytes of `pthread_self()`; qssl numbers threads in the order they first
/// ask, which keeps the format without needing the platform id.
pub fn thread_id_hex() -> String {
    let id = THREAD_ID.try_with(|id| *id).unwrap_or(0);
    id.to_ne_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Adds a record to the calling thread's queue, dropping the oldest when the queue is full.
pub fn push(record: ErrorRecord) {
    with_queue(|queue| {
        if queue.len() >= QUEUE_CAPACITY {
            queue.pop_front();
        }
        queue.push_back(Slot { record, marks: 0 });
    });
}

/// `ERR_raise(lib, reason)`, located at the caller.
#[track_caller]
pub fn raise(lib: i32, reason: i32) {
    push_here(lib, reason, None);
}

/// `ERR_raise_data(lib, reason, ...)`, located at the caller; the text is cut to
/// `ERR_MAX_DATA_SIZE - 1` bytes as OpenSSL's formatting buffer does.
#[track_caller]
pub fn raise_data(lib: i32, reason: i32, data: impl Into<String>) {
    push_here(lib, reason, Some(record_data(data.into())));
}

/// Record data as OpenSSL's formatting buffer keeps it: at most `ERR_MAX_DATA_SIZE - 1` bytes.
pub(super) fn record_data(data: String) -> String {
    truncated(data, ERR_MAX_DATA_SIZE)
}

/// Pushes a record for `lib` and `reason` located at the caller of the public function.
#[track_caller]
fn push_here(lib: i32, reason: i32, data: Option<String>) {
    let location = Location::caller();
    push(ErrorRecord {
        code: pack(lib, reason),
        file: Some(Cow::Borrowed(location.file())),
        line: location.line(),
        func: None,
        data,
    });
}

/// `ERR_new`: opens an empty record (code 0) for [`set_debug`] and [`set_error`] to fill.
pub fn new_entry() {
    push(ErrorRecord::new(0));
}

/// `ERR_set_debug`: sets the newest record's location. Does nothing on an empty queue.
pub fn set_debug(file: Option<Cow<'static, str>>, line: u32, func: Option<Cow<'static, str>>) {
    with_last(|slot| {
        slot.record.file = file.filter(|f| !f.is_empty());
        slot.record.line = line;
        slot.record.func = func.filter(|f| !f.is_empty());
    });
}

/// `ERR_set_error`: sets the newest record's code and replaces its data (cut like
/// [`raise_data`]). Does nothing on an empty queue.
pub fn set_error(lib: i32, reason: i32, data: Option<String>) {
    with_last(|slot| {
        slot.record.code = pack(lib, reason);
        slot.record.data = data.map(record_data);
    });
}

/// `ERR_add_error_data`: appends text to the newest record's data. Does nothing on an empty
/// queue (OpenSSL writes it to a slot no reader sees).
pub fn add_error_data(text: &str) {
    with_last(|slot| {
        slot.record
            .data
            .get_or_insert_with(String::new)
            .push_str(text)
    });
}

/// `ERR_get_error`: removes the oldest record and returns its code; 0 when the queue is empty.
pub fn get_error() -> u32 {
    get_error_all().map_or(0, |record| record.code)
}

/// `ERR_peek_error`: the oldest record's code, left on the queue; 0 when empty.
pub fn peek_error() -> u32 {
    with_queue(|queue| queue.front().map(|slot| slot.record.code))
        .flatten()
        .unwrap_or(0)
}

/// `ERR_peek_last_error`: the newest record's code, left on the queue; 0 when empty.
pub fn peek_last_error() -> u32 {
    with_queue(|queue| queue.back().map(|slot| slot.record.code))
        .flatten()
        .unwrap_or(0)
}

/// `ERR_get_error_all`: removes and returns the oldest record.
pub fn get_error_all() -> Option<ErrorRecord> {
    with_queue(|queue| queue.pop_front().map(|slot| slot.record)).flatten()
}

/// `ERR_peek_error_all`: a copy of the oldest record.
pub fn peek_error_all() -> Option<ErrorRecord> {
    with_queue(|queue| queue.front().map(|slot| slot.record.clone())).flatten()
}

/// `ERR_peek_last_error_all`: a copy of the newest record.
pub fn peek_last_error_all() -> Option<ErrorRecord> {
    with_queue(|queue| queue.back().map(|slot| slot.record.clone())).flatten()
}

/// `ERR_clear_error`: empties the calling thread's queue, marks included.
pub fn clear_error() {
    with_queue(VecDeque::clear);
}

/// Records on the calling thread's queue.
pub fn error_count() -> usize {
    with_queue(|queue| queue.len()).unwrap_or(0)
}

/// `ERR_set_mark`: marks the newest record. Returns false, setting nothing, on an empty queue.
pub fn set_mark() -> bool {
    with_last(|slot| slot.marks += 1).is_some()
}

/// `ERR_pop_to_mark`: removes records newer than the last mark, then that mark. Returns false
/// when there was no mark, in which case the whole queue has been removed.
pub fn pop_to_mark() -> bool {
    with_queue(|queue| {
        while queue.back().is_some_and(|slot| slot.marks == 0) {
            queue.pop_back();
        }
        match queue.back_mut() {
            Some(slot) => {
                slot.marks -= 1;
                true
            }
            None => false,
        }
    })
    .unwrap_or(false)
}

/// `ERR_clear_last_mark`: removes the last mark and keeps every record. False if none.
pub fn clear_last_mark() -> bool {
    with_queue(
        |queue| match queue.iter_mut().rev().find(|slot| slot.marks > 0) {
            Some(slot) => {
                slot.marks -= 1;
                true
            }
            None => false,
        },
    )
    .unwrap_or(false)
}

/// `ERR_count_to_mark`: records newer than the last mark (all of them if there is none).
pub fn count_to_mark() -> usize {
    with_queue(|queue| {
        queue
            .iter()
            .rev()
            .take_while(|slot| slot.marks == 0)
            .count()
    })
    .unwrap_or(0)
}

/// `ERR_print_errors_cb`: removes records oldest first and hands each [`error_line`] to
/// `callback`, stopping early (after that record) when it returns false.
pub fn print_errors_cb(mut callback: impl FnMut(&str) -> bool) {
    let thread_id = thread_id_hex();
    while let Some(record) = get_error_all() {
        if !callback(&error_line(&thread_id, &record)) {
            break;
        }
    }
}

/// `ERR_print_errors`: writes every record, oldest first, emptying the queue. On a write error
/// the records not yet written stay queued.
pub fn print_errors<W: Write + ?Sized>(out: &mut W) -> io::Result<()> {
    let mut result = Ok(());
    print_errors_cb(|line| {
        result = out.write_all(line.as_bytes());
        result.is_ok()
    });
    result
}

/// A queue record and the marks set on it.
#[derive(Debug)]
struct Slot {
    record: ErrorRecord,
    marks: u32,
}

thread_local! {
    static QUEUE: RefCell<VecDeque<Slot>> = const { RefCell::new(VecDeque::new()) };
    static THREAD_ID: u64 = NEXT_THREAD_ID.fetch_add(1, Ordering::Relaxed);
}

static NEXT_THREAD_ID: AtomicU64 = AtomicU64::new(1);

/// Runs `f` on the calling thread's queue; `None` once the thread's storage is torn down.
fn with_queue<R>(f: impl FnOnce(&mut VecDeque<Slot>) -> R) -> Option<R> {
    QUEUE
        .try_with(|queue| queue.try_borrow_mut().ok().map(|mut q| f(&mut q)))
        .ok()
        .flatten()
}

/// Runs `f` on the newest slot; `None` if the queue is empty.
fn with_last<R>(f: impl FnOnce(&mut Slot) -> R) -> Option<R> {
    with_queue(|queue| queue.back_mut().map(f)).flatten()
}
