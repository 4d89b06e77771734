//! Listing a 10,000-message Maildir folder, side by side in one run:
//! - `MAPI first open`: what the target is about, as a client does it: on a store just
//!   logged on (in-process, with a profile; a fresh logon each iteration, its index file
//!   removed before, so no index is kept), `OpenEntry` of the Inbox, `GetContentsTable`,
//!   `SetColumns` with 6 columns, `QueryRows` until no row is left, each row set freed as
//!   `FreeProws` frees it, the table and folder released;
//! - `MAPI first open after re-logon`: the same on a store logged on again after a logoff
//!   that wrote the folder's index file (files unchanged: each is only `stat`ed);
//! - `MAPI second open`: the same on a store that already did it (index and table kept, files
//!   unchanged);
//! - `StoreContent first` / `again`: the provider's own part, `MaildirContent::messages`, on a
//!   store opened anew (names read, every file's headers parsed and kept in its index) and on the
//!   same store again (the index reused);
//! - `StoreContent first after re-logon`: on a store opened anew beside the index file an
//!   earlier one flushed (names read, the file decoded, every message file `stat`ed, none read);
//! - `headers floor`: the reference: only reading each file and parsing all its
//!   headers with the same MIME crate (`mail-parser`, its default parser), nothing kept. The
//!   listing's parser decodes only the headers a row shows and skips the others (`Received`
//!   and the like), so it does less parsing than the floor; and it reads of each file about
//!   what the header blocks it has read need (`mime::HeaderReader`: one `read` of 1 KiB for
//!   these messages' 0.6 KiB blocks), where the floor reads each file whole (3 KiB).
//!
//! What a client gets (the MAPI row sets) is freed inside the timing, as a client pays for it;
//! what the store keeps (its index, its table, the store itself: closed between iterations) is
//! freed outside it, and so are `messages`' answers: the runtime keeps those rows in its table.
//!
//! It also prints the memory kept per message (heap bytes still allocated, counted by a
//! global allocator wrapper): by the provider's index after a first listing whose answer is
//! dropped, and by the whole store (index and contents table) after a first MAPI open; and,
//! before the timings, the ratio measured with the two taken in turns (`MAPI first
//! open`, then `headers floor`, `LISTING_ALTERNATE` times, 10 unless set): the fastest of each,
//! and the median of the rounds' own ratios; a shared machine's load skews both less than
//! criterion's figures, taken seconds apart, and the median least.
//!
//! Run: `cargo bench -p maildir-store --bench listing`.
//!
//! Instructions, which the machine's load does not change: run the built binary (the path
//! `cargo bench --no-run` prints) as `LISTING_ALTERNATE=0 valgrind --tool=callgrind
//! --dump-before=listing::open_and_read --dump-after=listing::open_and_read BINARY --bench
//! nomatch` (no benchmark and no ratio: only the untimed setup, which lists once of each kind)
//! and read each part's `summary:` line: each part a `--dump-after` writes is one open, the
//! first a first open (no index file), the second a second logon's beside the index file the
//! first wrote. The floor: `--toggle-collect=listing::parse_headers_only` (with
//! `LISTING_ALTERNATE=0` too), whose one call is then the setup's. (A toggle on `open_and_read`
//! would sum both opens into one figure.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mail_parser::MessageParser;
use maildir_store::index_file::INDEX_FILE;
use maildir_store::maildir::INFO_SEPARATOR;
use maildir_store::{MSProviderInit, MaildirContent, SERVICE, ServiceEntry};
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::S_OK;
use mapi_spi_runtime::flags::{
    LOGOFF_ORDERLY, MAPI_STORE_PROVIDER, MAPI_UNICODE, MDB_NO_DIALOG, MSG_SERVICE_CONFIGURE,
};
use mapi_spi_runtime::host::client::{open_entry, receive_folder};
use mapi_spi_runtime::host::service::call_service_entry;
use mapi_spi_runtime::host::{Profile, Session, SupportOptions};
use mapi_spi_runtime::interfaces::{IMAPIFolder, IMAPITable, IMsgStore};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::store::content::StoreContent;
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::SRowSet;
use mapi_spi_runtime::{HRESULT, Interface};

/// The System allocator, counting the bytes live while `COUNTING` is on (off while timing, so
/// the count costs the timed code nothing but a load).
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

// SAFETY: every call is forwarded to `System` with the caller's arguments unchanged; the
// counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from `System.alloc` with `layout` (through `alloc` above).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MESSAGES: usize = 10_000;

/// A Maildir with `MESSAGES` messages of a few KiB in its Inbox (half in `new/`, half read in
/// `cur/`), with encoded words, several recipients and a body.
fn generate() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("maildir-store-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(40);
    for n in 0..MESSAGES {
        let message = format!(
            "Return-Path: <sender{n}@example.org>\r\n\
             Received: from mx.example.org by mail.example.com; Tue, 14 Nov 2023 22:13:21 +0100\r\n\
             From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller_{n}?= <sender{n}@example.org>\r\n\
             To: Anna Schmidt <anna@example.com>, bob@example.com\r\n\
             Cc: \"Carla Rossi\" <carla@example.it>\r\n\
             Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?= number {n}\r\n\
             Date: Tue, 14 Nov 2023 22:13:21 +0100\r\n\
             Message-ID: <bench.{n}@example.org>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\
             \r\n{body}\r\n"
        );
        let unique = format!("{}.M{n}P1.bench", 1_700_000_000 + n);
        let path = if n % 2 == 0 {
            dir.join("new").join(unique)
        } else {
            dir.join("cur").join(format!("{unique}{INFO_SEPARATOR}2,S"))
        };
        fs::write(path, message).unwrap();
    }
    dir
}

/// What the floor does: every file read, its headers parsed, nothing kept.
fn parse_headers_only(dir: &Path) -> usize {
    let parser = MessageParser::new();
    let mut parsed = 0;
    for sub in ["new", "cur"] {
        for entry in fs::read_dir(dir.join(sub)).unwrap() {
            let bytes = fs::read(entry.unwrap().path()).unwrap();
            if let Some(message) = parser.parse_headers(&bytes) {
                black_box(message.subject());
                parsed += 1;
            }
        }
    }
    parsed
}

/// The Maildir store's `path` setting (PT_UNICODE, in the provider's private range).
const PATH: u32 = 0x6600_001F;

/// The 6 columns of the target: what a message list shows.
const COLUMNS: [u32; 6] = [
    PR_ENTRYID,
    PR_SUBJECT_W,
    PR_SENDER_NAME_W,
    PR_MESSAGE_DELIVERY_TIME,
    PR_MESSAGE_SIZE,
    PR_MESSAGE_FLAGS,
];

/// A session whose profile has the Maildir store configured on `dir`, the provider in-process.
fn session(dir: &Path) -> (Profile, Session) {
    let profile = Profile::new(AllocatorSet::native());
    let service = profile.add_service(&SERVICE);
    let section = service.provider(MAPI_STORE_PROVIDER).unwrap();
    let path = Property::for_tag(PATH, PropValue::Unicode(dir.to_str().unwrap().into()));
    // SAFETY: ServiceEntry is the crate's MSGSERVICEENTRY.
    let configured = unsafe {
        call_service_entry(
            ServiceEntry,
            &profile,
            &service,
            MSG_SERVICE_CONFIGURE,
            0,
            &[path],
            AllocatorSet::native(),
            &Default::default(),
        )
    };
    assert_eq!(configured.code, S_OK, "{:?}", configured.error);
    // SAFETY: the crate's MSProviderInit.
    let session = unsafe {
        Session::in_process(
            MSProviderInit,
            "maildir_store.dll",
            SupportOptions::default(),
        )
    }
    .unwrap()
    .with_profile(&profile, section);
    (profile, session)
}

/// A new logon of the profile's store (not one kept open: its index would be reused).
fn logon(session: &mut Session) -> IMsgStore {
    let opened = session.logon(&[], MDB_NO_DIALOG).unwrap();
    assert!(opened.new_logon);
    opened.store
}

/// What a client does to list folder `id`: `OpenEntry`, `GetContentsTable`, `SetColumns` with
/// [`COLUMNS`], `QueryRows` until no row is left, each row set freed as `FreeProws` frees it
/// (every row's values, then the set), the table and folder released. Answers the rows read.
fn open_and_read(store: &IMsgStore, id: &[u8]) -> usize {
    let (_, object) = open_entry(store, id, 0).unwrap();
    let folder: IMAPIFolder = object.cast().unwrap();
    let mut raw = null_mut();
    // SAFETY: a live folder and a valid out-pointer.
    HRESULT::ok(unsafe { folder.GetContentsTable(MAPI_UNICODE, &mut raw) }).unwrap();
    // SAFETY: on success, a new reference to an IMAPITable.
    let table = unsafe { IMAPITable::from_raw(raw) };
    let mut columns = [COLUMNS.len() as u32; COLUMNS.len() + 1];
    columns[1..].copy_from_slice(&COLUMNS);
    // SAFETY: a live table and an SPropTagArray (the count, then the tags).
    HRESULT::ok(unsafe { table.SetColumns(columns.as_mut_ptr().cast(), 0) }).unwrap();
    let allocators = AllocatorSet::native();
    let mut read = 0;
    loop {
        let mut set = null_mut::<SRowSet>();
        // SAFETY: a live table and a valid out-pointer.
        HRESULT::ok(unsafe { table.QueryRows(i32::MAX, 0, &mut set) }).unwrap();
        // SAFETY: the row set QueryRows returned: each row's values one buffer, the set
        // another, each freed once, after the last read.
        let fetched = unsafe {
            let rows = SRowSet::rows(set).unwrap_or_default();
            for row in rows {
                black_box(row.cValues);
                allocators.free(row.lpProps.cast());
            }
            allocators.free(set.cast());
            rows.len()
        };
        if fetched == 0 {
            return read;
        }
        read += fetched;
    }
}

/// The time of `iterations` [`open_and_read`]s of folder `id`, each on a new logon made after
/// `before` (the logon and its logoff outside the timing).
fn fresh_opens(session: &mut Session, id: &[u8], iterations: u64, before: impl Fn()) -> Duration {
    let mut timed = Duration::ZERO;
    for _ in 0..iterations {
        before();
        let fresh = logon(session);
        let start = Instant::now();
        black_box(open_and_read(&fresh, id));
        timed += start.elapsed();
        assert_eq!(session.close_store(fresh, LOGOFF_ORDERLY), S_OK);
    }
    timed
}

fn listing(c: &mut Criterion) {
    let dir = generate();
    let inbox = b"I".to_vec();
    let (_profile, mut session) = session(&dir);
    let inbox_id = {
        let store = logon(&mut session);
        let id = receive_folder(&store, "IPM.Note").unwrap();
        assert_eq!(session.close_store(store, LOGOFF_ORDERLY), S_OK);
        id
    };

    // Counted: what stays allocated after the first listing, its answer dropped (a block
    // freed that was allocated before counting started only lowers the figure by its size:
    // there is none such here, the store being new).
    COUNTING.store(true, Ordering::Relaxed);
    let content = MaildirContent::open(&dir).unwrap();
    assert_eq!(content.messages(&inbox).unwrap().len(), MESSAGES);
    let index = LIVE.load(Ordering::Relaxed);
    COUNTING.store(false, Ordering::Relaxed);
    println!(
        "index of {MESSAGES} messages: {} KiB, {} bytes per message",
        index / 1024,
        index / MESSAGES as isize
    );

    // The same for a store logged on, its Inbox's contents table opened and read: the index
    // and the table it keeps (the session's own small records counted too).
    LIVE.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let measured = logon(&mut session);
    assert_eq!(open_and_read(&measured, &inbox_id), MESSAGES);
    let store = LIVE.load(Ordering::Relaxed);
    COUNTING.store(false, Ordering::Relaxed);
    assert_eq!(session.close_store(measured, LOGOFF_ORDERLY), S_OK);
    println!(
        "store after a first MAPI open: {} KiB, {} bytes per message",
        store / 1024,
        store / MESSAGES as isize
    );
    assert_eq!(parse_headers_only(&dir), MESSAGES);
    let index_file = dir.join(INDEX_FILE);
    let no_index = || {
        let _ = fs::remove_file(&index_file);
    };

    // The target, a ratio: a first open and the floor taken in turns, so that what else
    // the machine does weighs on both alike (criterion times one after the other, seconds
    // apart). Two figures: the fastest of each, and the median of each round's own ratio (a
    // first open and the floor run right after it), which a load that comes and goes within
    // the rounds, weighing on one contender's fastest run and not the other's, skews less.
    let rounds: usize = std::env::var("LISTING_ALTERNATE")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(10);
    if rounds > 0 {
        let (mut open, mut floor) = (Duration::MAX, Duration::MAX);
        let mut ratios = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let opened = fresh_opens(&mut session, &inbox_id, 1, no_index);
            let start = Instant::now();
            assert_eq!(parse_headers_only(&dir), MESSAGES);
            let floored = start.elapsed();
            ratios.push(opened.as_secs_f64() / floored.as_secs_f64());
            open = open.min(opened);
            floor = floor.min(floored);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "MAPI first open / headers floor, taken in turns {rounds} times: the fastest of \
             each {:.2} ms / {:.2} ms = {:.3}; the median of the rounds' ratios {:.3} (from \
             {:.3} to {:.3})",
            open.as_secs_f64() * 1e3,
            floor.as_secs_f64() * 1e3,
            open.as_secs_f64() / floor.as_secs_f64(),
            ratios[rounds / 2],
            ratios[0],
            ratios[rounds - 1]
        );
    }

    let mut group = c.benchmark_group("maildir listing, 10,000 messages");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    // Each logon (and close) outside the timing: a store opened, its folder's contents table
    // opened and read. No other logon of the store may be open meanwhile: the session would
    // hand that one out again.
    group.bench_function("MAPI first open", |b| {
        b.iter_custom(|iterations| {
            // What the last logoff kept: none.
            fresh_opens(&mut session, &inbox_id, iterations, no_index)
        })
    });
    group.bench_function("MAPI first open after re-logon", |b| {
        b.iter_custom(|iterations| {
            // What the last logoff kept.
            fresh_opens(&mut session, &inbox_id, iterations, || {
                assert!(index_file.is_file())
            })
        })
    });
    let kept = logon(&mut session);
    assert_eq!(open_and_read(&kept, &inbox_id), MESSAGES);
    group.bench_function("MAPI second open", |b| {
        b.iter(|| black_box(open_and_read(&kept, &inbox_id)))
    });
    // One answer at a time, freed after its timing: a batch of answers kept until the end of a
    // sample would time the allocator's growth into gigabytes instead of the listing.
    group.bench_function("StoreContent first", |b| {
        b.iter_batched(
            // The index file the MAPI logoffs wrote: none, so that every file is read.
            || {
                let _ = fs::remove_file(&index_file);
            },
            |()| {
                let fresh = MaildirContent::open(&dir).unwrap();
                let rows = fresh.messages(&inbox).unwrap();
                (fresh, rows)
            },
            BatchSize::PerIteration,
        )
    });
    // The index file of a store that listed the folder, for the next case.
    content.flush().unwrap();
    group.bench_function("StoreContent first after re-logon", |b| {
        b.iter_batched(
            || assert!(index_file.is_file()),
            |()| {
                let fresh = MaildirContent::open(&dir).unwrap();
                let rows = fresh.messages(&inbox).unwrap();
                (fresh, rows)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("StoreContent again", |b| {
        b.iter_batched(
            || (),
            |()| content.messages(&inbox).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("headers floor", |b| {
        b.iter(|| black_box(parse_headers_only(&dir)))
    });
    group.finish();
    drop(content);
    assert_eq!(session.close_store(kept, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
    fs::remove_dir_all(&dir).unwrap();
}

criterion_group!(benches, listing);
criterion_main!(benches);
