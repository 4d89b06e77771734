//! A whole store session as a client sees it, side by side: mapi-spi's runtime with two
//! providers written with it, and a hand-written C store of the same protocol (`c_store.c`),
//! all driven through the host's support object and native allocators as MAPI would: `Logon`
//! with a fresh support object, `GetProps` of 4 properties, `StoreLogoff`, `Release` (which
//! calls `StoreLogoffTransports` and releases the support object, whose `Release` logs the
//! store off). And `CompareStoreIDs` of two equal 24-byte store IDs.
//!
//! The contenders:
//! - "mapi-spi bare store" ([`bare_store`]): the runtime against C for the same work. The
//!   store serves the C store's 8 properties and nothing else; the runtime adds what the C
//!   store does not do: it seals the spool security (HMAC-SHA-256: two SHA-256 blocks the first
//!   time a provider object seals a payload under its key; a logon that seals the same bytes
//!   again, as each session here does, copies the MAC the provider object kept), keeps
//!   the store and logon objects apart from the provider's store object, and guards every
//!   call against logoff.
//! - "mapi-spi sample store": the sample store, a whole `ContentStore` over an in-memory
//!   store of folders and messages (its contents kept per store key for the session, so a
//!   logon makes the store object model, not the content). More than the C store does.
//! - "hand-written C": see `c_store.c`.
//!
//! Before timing anything, one session of each is counted (allocator calls, support object
//! calls) and the counts must be equal: all make the same calls into the host.
//!
//! Run: `cargo bench -p mapi-spi-tests --bench session`. The bench profile inherits the
//! workspace's release profile, as a provider DLL is built: the runtime, the providers and the
//! host in one optimisation unit (`lto = "fat"`, one codegen unit); the C store is its own
//! translation unit at `-O3`.
//!
//! Instruction counts, which stay steady on a busy machine where wall-clock times do not:
//! `SESSIONS=N CONTENDER=<name> valgrind --tool=callgrind <bench binary>` runs N sessions of that
//! contender and nothing else (no criterion); the count for N less the count for 0 is N sessions.
//! `COMPARES=N` in place of `SESSIONS=N` makes N `CompareStoreIDs` calls the same way. With
//! `--cache-sim=yes`, callgrind also simulates a 32 KiB L1 instruction cache's misses (`I1mr`),
//! which the code of one session (host, runtime and provider) about fills. Where the linker put
//! each function moves a contender's wall time by several percent from one build to the next (the
//! C store's too, whose code is the same in every build), so one build's ratio carries the luck
//! of its layout: `tests/benches/session-layouts.sh` builds this bench once, links it in many
//! layouts and prints the median of their ratios. The misses callgrind simulates for a layout do
//! not tell its wall time: with `--I1=32768,8,64` on each of the 48 layouts of one sweep (the
//! script's `target/layouts/session-SEED`, against its `ratios` file), the C store's fastest
//! round followed them with a correlation of 0.27 (a slope of 0.16 ns per simulated miss) and the
//! bare store's not at all, on an AMD EPYC; instruction counts are the figure that moves with
//! the code, with one exception callgrind does not count: a read of a value the session has just
//! written in parts, in wider parts than it was written, waits for the writes to reach the cache
//! (4 to 8 ns each there). `tests/benches/session-stlf.sh` counts such reads per session from a
//! valgrind trace, for each contender, and names where the runtime's stores make more of them than
//! the C store.
//!
//! Wall-clock rounds, side by side in one process: `ROUNDS=N <bench binary>` runs N rounds, each
//! timing `BATCH` sessions (20,000 unless set) of every contender in turn, and prints each
//! contender's fastest and median round and their ratios to the C store's. On a shared machine a
//! neighbour's load slows some rounds; the fastest round of each is the steadiest figure.
//! `PHASES=1` with `ROUNDS=N` times each client call of the session apart as well (Logon with the
//! support object's making, GetProps, StoreLogoff, Release), and prints each call's fastest round
//! per contender next to the C store's: where a contender's extra time goes. Each call's figure
//! includes one clock read (the same for every contender), and the clock reads make the sessions
//! of that run slower than the others.
use core::ffi::c_void;
use criterion::{Criterion, criterion_group};
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::alloc::malloc::NativeMalloc;
use mapi_spi_runtime::alloc::testing::{HostCalls, probe};
use mapi_spi_runtime::flags::{CURRENT_SPI_VERSION, LOGOFF_ORDERLY, MAPI_UNICODE};
use mapi_spi_runtime::host::{HostSupport, SupportLog, SupportOptions};
use mapi_spi_runtime::interfaces::{IMAPISupport, IMSLogon, IMSProvider, IMsgStore};
use mapi_spi_runtime::provider::entry::MSPROVIDERINIT;
use mapi_spi_runtime::tags::{PR_DISPLAY_NAME_W, PR_ENTRYID, PR_RECORD_KEY, PR_STORE_SUPPORT_MASK};
use mapi_spi_runtime::types::{SPropTagArray, SPropValue};
use mapi_spi_runtime::{HRESULT, Interface};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

unsafe extern "C" {
    fn c_store_MSProviderInit(
        hInstance: *mut c_void,
        lpMalloc: *mut c_void,
        lpAllocateBuffer: mapi_spi_runtime::alloc::LPALLOCATEBUFFER,
        lpAllocateMore: mapi_spi_runtime::alloc::LPALLOCATEMORE,
        lpFreeBuffer: mapi_spi_runtime::alloc::LPFREEBUFFER,
        ulFlags: u32,
        ulMAPIVer: u32,
        lpulProviderVer: *mut u32,
        lppMSProvider: *mut *mut c_void,
    ) -> HRESULT;
}

#[path = "session/bare_store.rs"]
mod bare_store;

const DLL_NAME: &str = "bench_store.dll";

/// The tags a client reads first from a store it opened, as an `SPropTagArray`.
static TAGS: [u32; 5] = [
    4,
    PR_DISPLAY_NAME_W,
    PR_ENTRYID,
    PR_RECORD_KEY,
    PR_STORE_SUPPORT_MASK,
];

/// A sample store entry ID of 24 bytes: flags, the provider's UID, version 1, a 3-byte name.
fn entry_id() -> Vec<u8> {
    sample_store::store_entry_id("Box")
}

/// The contender the others are measured against.
const C_STORE: &str = "hand-written C";

struct Contender {
    name: &'static str,
    init: MSPROVIDERINIT,
}

fn contenders() -> [Contender; 3] {
    [
        Contender {
            name: "mapi-spi bare store",
            init: bare_store::bare_store_MSProviderInit,
        },
        Contender {
            name: "mapi-spi sample store",
            init: sample_store::MSProviderInit,
        },
        Contender {
            name: C_STORE,
            init: c_store_MSProviderInit,
        },
    ]
}

/// `MSProviderInit` with `allocators`, as MAPI calls it.
fn provider(init: MSPROVIDERINIT, allocators: AllocatorSet, malloc: *mut c_void) -> IMSProvider {
    let (mut version, mut provider) = (0, core::ptr::null_mut());
    // SAFETY: live allocators and IMalloc, valid out-pointers.
    let hr = unsafe {
        init(
            core::ptr::null_mut(),
            malloc,
            allocators.allocate_buffer_fn(),
            allocators.allocate_more_fn(),
            allocators.free_buffer_fn(),
            0,
            CURRENT_SPI_VERSION,
            &mut version,
            &mut provider,
        )
    };
    assert!(hr.is_ok() && !provider.is_null(), "MSProviderInit: {hr:?}");
    // SAFETY: MSProviderInit returned a new IMSProvider reference.
    unsafe { IMSProvider::from_raw(provider) }
}

fn shutdown(provider: IMSProvider) {
    let mut reserved = 0;
    // SAFETY: a valid reserved-flags pointer.
    let hr = unsafe { provider.Shutdown(&mut reserved) };
    assert!(hr.is_ok());
}

/// One session: Logon with a fresh support object, GetProps of `TAGS`, StoreLogoff, Release.
fn session(provider: &IMSProvider, log: &Arc<SupportLog>, allocators: AllocatorSet, id: &[u8]) {
    session_with(provider, log, allocators, id, |_| {});
}

/// The client calls of a session, in order, as `PHASES=1` names them.
const CALLS: [&str; 4] = ["Logon", "GetProps", "StoreLogoff", "Release"];

/// [`session`], calling `ended(i)` as call `i` of [`CALLS`] ends (a no-op inlines away).
#[inline(always)]
fn session_with(
    provider: &IMSProvider,
    log: &Arc<SupportLog>,
    allocators: AllocatorSet,
    id: &[u8],
    mut ended: impl FnMut(usize),
) {
    let support = HostSupport::create(log, allocators, SupportOptions::default(), DLL_NAME);
    let (mut cb_spool, mut spool) = (0u32, core::ptr::null_mut::<u8>());
    let mut error = core::ptr::null_mut();
    let (mut logon, mut store) = (core::ptr::null_mut(), core::ptr::null_mut());
    let hr = {
        let sup: IMAPISupport = support.to_interface();
        // SAFETY: valid arguments and out-pointers, as MAPI passes them.
        unsafe {
            provider.Logon(
                Some(&sup),
                0,
                core::ptr::null_mut(),
                id,
                0,
                core::ptr::null(),
                &mut cb_spool,
                &mut spool,
                &mut error,
                &mut logon,
                &mut store,
            )
        }
    };
    assert!(hr.is_ok() && !store.is_null() && !logon.is_null() && !spool.is_null());
    // SAFETY: the spool security block is the host's, freed once.
    unsafe { allocators.free(spool.cast()) };
    // SAFETY: Logon returned a new IMSLogon reference; MAPI keeps it with the support object.
    support.attach_logon(unsafe { IMSLogon::from_raw(logon) });
    // The host's reference goes; the store keeps its own.
    drop(support);
    // SAFETY: Logon returned a new IMsgStore reference.
    let store = unsafe { IMsgStore::from_raw(store) };
    ended(0);

    let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
    let tags = TAGS.as_ptr().cast_mut().cast::<SPropTagArray>();
    // SAFETY: a valid tag array and out-pointers.
    let hr = unsafe { store.GetProps(tags, MAPI_UNICODE, &mut count, &mut values) };
    assert!(hr == HRESULT(0) && count == 4);
    black_box(values);
    // SAFETY: one block from the host's allocators, freed once.
    unsafe { allocators.free(values.cast()) };
    ended(1);

    let mut flags = LOGOFF_ORDERLY;
    // SAFETY: a valid in/out flags pointer.
    let hr = unsafe { store.StoreLogoff(&mut flags) };
    assert!(hr.is_ok());
    ended(2);
    drop(store);
    ended(3);
}

/// `CompareStoreIDs` of two equal IDs, which must answer "the same store".
fn compare(provider: &IMSProvider, id: &[u8], same: &[u8]) {
    let mut result = 0;
    // SAFETY: two readable IDs and a valid out-pointer.
    let hr = unsafe { provider.CompareStoreIDs(black_box(id), black_box(same), 0, &mut result) };
    assert!(hr.is_ok() && result == 1);
}

/// Empties the log's lists (the counters stay), so that a long run does not grow them.
fn clear(log: &SupportLog) {
    log.logoff_transports.lock().unwrap().clear();
    log.provider_uids.lock().unwrap().clear();
    log.unsupported.lock().unwrap().clear();
}

/// What one session asked of the host.
#[derive(Debug, PartialEq)]
struct HostTrace {
    allocators: HostCalls,
    provider_uids: usize,
    status_rows: usize,
    wrapped: usize,
    logoff_transports: Vec<u32>,
    logoffs: usize,
    unsupported: Vec<&'static str>,
    support_objects_left: usize,
}

fn trace(init: MSPROVIDERINIT) -> HostTrace {
    let malloc = NativeMalloc::new_object();
    let log = Arc::<SupportLog>::default();
    let ((), allocators) = probe(None, |set| {
        let provider = provider(init, set, malloc.as_unknown_ptr());
        session(&provider, &log, set, &entry_id());
        shutdown(provider);
    });
    HostTrace {
        allocators,
        provider_uids: log.provider_uids.lock().unwrap().len(),
        status_rows: log.status_rows.load(Ordering::SeqCst),
        wrapped: log.wrapped.load(Ordering::SeqCst),
        logoff_transports: log.logoff_transports.lock().unwrap().clone(),
        logoffs: log.logoffs.load(Ordering::SeqCst),
        unsupported: log.unsupported.lock().unwrap().clone(),
        support_objects_left: log.live.load(Ordering::SeqCst),
    }
}

/// One session of each contender, traced: all must make the same calls into the host, and leave
/// no buffer behind. Run before either way of timing them.
fn check_same_host_calls() {
    let [first, others @ ..] = contenders();
    let expected = trace(first.init);
    assert_eq!(expected.allocators.live_roots, 0, "no buffer left behind");
    for other in others {
        assert_eq!(
            trace(other.init),
            expected,
            "{} and {} call the host alike",
            other.name,
            first.name
        );
    }
}

fn benches(c: &mut Criterion) {
    check_same_host_calls();

    let allocators = AllocatorSet::native();
    let malloc = NativeMalloc::new_object();
    let log = Arc::<SupportLog>::default();
    let id = entry_id();
    let same = entry_id();
    let contenders = contenders().map(|c| {
        (
            c.name,
            provider(c.init, allocators, malloc.as_unknown_ptr()),
        )
    });

    let mut group = c.benchmark_group("session");
    for (name, provider) in &contenders {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let batch = left.min(1024);
                    let start = Instant::now();
                    for _ in 0..batch {
                        session(provider, &log, allocators, black_box(&id));
                    }
                    spent += start.elapsed();
                    clear(&log);
                    left -= batch;
                }
                spent
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("CompareStoreIDs");
    for (name, provider) in &contenders {
        group.bench_function(*name, |b| b.iter(|| compare(provider, &id, &same)));
    }
    group.finish();

    for (_, provider) in contenders {
        shutdown(provider);
    }
    assert_eq!(
        log.live.load(Ordering::SeqCst),
        0,
        "every support object released"
    );
}

/// `SESSIONS` sessions, or `COMPARES` `CompareStoreIDs` calls, of the contender named
/// `CONTENDER`, if one of them and `CONTENDER` are set (see the module doc).
fn count_only() -> bool {
    let Ok(name) = std::env::var("CONTENDER") else {
        return false;
    };
    let (sessions, compares) = (env_number("SESSIONS"), env_number("COMPARES"));
    if sessions.is_none() && compares.is_none() {
        return false;
    }
    let contender = contenders()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no contender named {name:?}"));
    let allocators = AllocatorSet::native();
    let malloc = NativeMalloc::new_object();
    let log = Arc::<SupportLog>::default();
    let (id, same) = (entry_id(), entry_id());
    let provider = provider(contender.init, allocators, malloc.as_unknown_ptr());
    for done in 0..sessions.unwrap_or(0) {
        session(&provider, &log, allocators, black_box(&id));
        if done % 1024 == 1023 {
            clear(&log);
        }
    }
    for _ in 0..compares.unwrap_or(0) {
        compare(&provider, &id, &same);
    }
    shutdown(provider);
    true
}

/// The number in the environment variable `var`, if it is set.
fn env_number(var: &str) -> Option<usize> {
    let value = std::env::var(var).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{var} is a number")),
    )
}

/// The C store's entry of `figures` (per contender, by name).
fn of_c_store<T: Copy>(figures: &[(&str, T)]) -> T {
    let (_, figure) = figures
        .iter()
        .find(|(name, _)| *name == C_STORE)
        .expect("the C store is a contender");
    *figure
}

/// `ROUNDS` rounds of `BATCH` sessions of each contender, if `ROUNDS` is set (see the module
/// doc): one contender's batch after another's, so that a slow spell of the machine falls on all.
fn rounds_only() -> bool {
    let Some(rounds) = env_number("ROUNDS") else {
        return false;
    };
    let batch = env_number("BATCH").unwrap_or(20_000).max(1);
    let by_call = std::env::var_os("PHASES").is_some();
    check_same_host_calls();
    let allocators = AllocatorSet::native();
    let malloc = NativeMalloc::new_object();
    let log = Arc::<SupportLog>::default();
    let id = entry_id();
    let mut contenders = contenders().map(|c| {
        let provider = provider(c.init, allocators, malloc.as_unknown_ptr());
        let calls = [(); CALLS.len()].map(|()| Vec::with_capacity(rounds));
        (c.name, provider, Vec::with_capacity(rounds), calls)
    });
    let per_session = |spent: Duration| spent.as_nanos() as f64 / batch as f64;
    for _ in 0..rounds {
        for (_, provider, times, calls) in &mut contenders {
            let mut spent = [Duration::ZERO; CALLS.len()];
            let start = Instant::now();
            if by_call {
                let mut last = start;
                for _ in 0..batch {
                    session_with(provider, &log, allocators, black_box(&id), |call| {
                        let now = Instant::now();
                        spent[call] += now - last;
                        last = now;
                    });
                }
            } else {
                for _ in 0..batch {
                    session(provider, &log, allocators, black_box(&id));
                }
            }
            times.push(per_session(start.elapsed()));
            for (call, spent) in calls.iter_mut().zip(spent) {
                call.push(per_session(spent));
            }
            clear(&log);
        }
    }
    let stats = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        (times[0], times[times.len() / 2])
    };
    let figures: Vec<_> = contenders
        .iter_mut()
        .map(|(name, _, times, _)| (*name, stats(times)))
        .collect();
    let (c_fastest, c_median) = of_c_store(&figures);
    println!("{rounds} rounds of {batch} sessions, ns per session:");
    for (name, (fastest, median)) in figures {
        println!(
            "{name:24} fastest {fastest:7.0} ({:.3}x)  median {median:7.0} ({:.3}x)",
            fastest / c_fastest,
            median / c_median
        );
    }
    if by_call {
        print_calls(
            &contenders
                .each_ref()
                .map(|(name, _, _, calls)| (*name, calls)),
        );
    }
    for (_, provider, _, _) in contenders {
        shutdown(provider);
    }
    assert_eq!(
        log.live.load(Ordering::SeqCst),
        0,
        "every support object released"
    );
    true
}

/// Each client call's fastest round per contender, and the difference to the C store's.
fn print_calls(contenders: &[(&str, &[Vec<f64>; CALLS.len()])]) {
    let fastest = |times: &Vec<f64>| times.iter().copied().fold(f64::INFINITY, f64::min);
    let figures: Vec<(&str, [f64; CALLS.len()])> = contenders
        .iter()
        .map(|(name, calls)| (*name, calls.each_ref().map(fastest)))
        .collect();
    let c_store = of_c_store(&figures);
    println!("each call's fastest round, ns per session (difference to the C store):");
    for (name, calls) in &figures {
        let cells: Vec<String> = CALLS
            .iter()
            .zip(calls.iter().zip(c_store))
            .map(|(call, (ns, c))| format!("{call} {ns:5.0} ({:+4.0})", ns - c))
            .collect();
        println!("{name:24} {}", cells.join("  "));
    }
}

criterion_group!(session_benches, benches);

fn main() {
    if !count_only() && !rounds_only() {
        session_benches();
        Criterion::default().configure_from_args().final_summary();
    }
}
