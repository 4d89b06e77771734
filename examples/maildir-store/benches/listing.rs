//! Listing a 10,000-message Maildir folder, side by side in one run:
//! - `first`: a store opened anew lists the folder (reads the names, then every file's
//!   headers, and keeps them in its index);
//! - `again`: the same store lists it again, files unchanged (the index is reused);
//! - `headers floor`: only reading each file and parsing its headers with the same MIME crate
//!   (`mail-parser`), nothing kept: what no listing that parses can beat.
//!
//! The listings' answers (and the fresh store) are dropped outside the timing: the runtime
//! keeps the rows in its table, so freeing them is no part of a listing's cost.
//!
//! It also prints the memory the index keeps per message (heap bytes still allocated after a
//! first listing whose answer is dropped, counted by a global allocator wrapper).
//!
//! Run: `cargo bench -p maildir-store --bench listing`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mail_parser::MessageParser;
use maildir_store::MaildirContent;
use maildir_store::maildir::INFO_SEPARATOR;
use mapi_spi_runtime::provider::store::content::StoreContent;

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

fn listing(c: &mut Criterion) {
    let dir = generate();
    let inbox = b"I".to_vec();

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
    assert_eq!(parse_headers_only(&dir), MESSAGES);

    let mut group = c.benchmark_group("maildir listing, 10,000 messages");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    // One answer at a time, freed after its timing: a batch of answers kept until the end of a
    // sample would time the allocator's growth into gigabytes instead of the listing.
    group.bench_function("first", |b| {
        b.iter_batched(
            || (),
            |()| {
                let fresh = MaildirContent::open(&dir).unwrap();
                let rows = fresh.messages(&inbox).unwrap();
                (fresh, rows)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("again", |b| {
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
    fs::remove_dir_all(&dir).unwrap();
}

criterion_group!(benches, listing);
criterion_main!(benches);
