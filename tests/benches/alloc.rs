//! Building and freeing a `GetProps`-style result (8 values: 3 strings, 2 binaries,
//! 3 integers), with this crate's native allocator and, side by side, a baseline allocator
//! written here the way Wine's mapi32 does it: one `malloc(header + cb)` per block, the header
//! a "next" pointer, `MAPIAllocateMore` appending at the end of the root's chain and
//! `MAPIFreeBuffer` walking it.
//!
//! Three ways of building the result, each with both allocators:
//! - `builder`: `alloc::props::props`, one `MAPIAllocateBuffer` for everything;
//! - `per-value`: a root for the `SPropValue` array and one `MAPIAllocateMore` per string or
//!   binary, as hand-written providers commonly do;
//! - `blocks-only`: the host calls of `per-value` without writing the values, which isolates
//!   the allocator's own cost.
//!
//! Run: `cargo bench -p mapi-spi-tests --bench alloc`. It prints the host calls per result,
//! criterion's times, and a summary of both allocators timed in alternation (the fairest
//! comparison on a shared machine).

use core::ffi::c_void;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mapi_spi_runtime::alloc::props::{self, PropValue, Value};
use mapi_spi_runtime::alloc::testing::probe;
use mapi_spi_runtime::alloc::{AllocatorSet, RootBuf};
use mapi_spi_runtime::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_ENOUGH_MEMORY, S_OK};
use mapi_spi_runtime::types::{PV, SBinary, SPropValue};
use mapi_spi_runtime::{HRESULT, Result};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The baseline: Wine's mapi32 allocator layout, over the C heap.
mod baseline {
    use super::*;

    unsafe extern "C" {
        fn malloc(size: usize) -> *mut c_void;
        fn free(block: *mut c_void);
    }

    /// Each block: `[ next block | caller's bytes ]`.
    type Header = *mut c_void;
    const HEADER: usize = size_of::<Header>();

    unsafe fn new_block(cb: u32) -> *mut Header {
        let block = unsafe { malloc(HEADER + cb as usize) }.cast::<Header>();
        if !block.is_null() {
            unsafe { block.write(core::ptr::null_mut()) };
        }
        block
    }

    pub unsafe extern "system" fn allocate_buffer(cb: u32, out: *mut *mut c_void) -> HRESULT {
        if out.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        let block = unsafe { new_block(cb) };
        if block.is_null() {
            unsafe { out.write(core::ptr::null_mut()) };
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        unsafe { out.write(block.add(1).cast()) };
        S_OK
    }

    pub unsafe extern "system" fn allocate_more(
        cb: u32,
        parent: *mut c_void,
        out: *mut *mut c_void,
    ) -> HRESULT {
        if out.is_null() || parent.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // Walk to the last block of the chain, then append.
        let mut last = unsafe { parent.cast::<Header>().sub(1) };
        unsafe {
            while !(*last).is_null() {
                last = (*last).cast();
            }
        }
        let block = unsafe { new_block(cb) };
        if block.is_null() {
            unsafe { out.write(core::ptr::null_mut()) };
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        unsafe {
            last.write(block.cast());
            out.write(block.add(1).cast());
        }
        S_OK
    }

    pub unsafe extern "system" fn free_buffer(root: *mut c_void) -> u32 {
        if root.is_null() {
            return 0;
        }
        let mut block = unsafe { root.cast::<Header>().sub(1) };
        while !block.is_null() {
            let next = unsafe { block.read() };
            unsafe { free(block.cast()) };
            block = next.cast();
        }
        0
    }

    pub fn set() -> AllocatorSet {
        unsafe {
            AllocatorSet::new(
                Some(allocate_buffer),
                Some(allocate_more),
                Some(free_buffer),
            )
        }
        .unwrap()
    }
}

const ENTRY_ID: [u8; 24] = [
    0, 0, 0, 0, 0x38, 0xA1, 0xBB, 0x10, 0x05, 0xE5, 0x10, 0x1A, 0xA1, 0xBB, 0x08, 0x00, 0x2B, 0x2A,
    0x56, 0xC2, 1, 0, 0, 0,
];
const SEARCH_KEY: [u8; 16] = *b"rust-store-key-1";

fn get_props_result() -> Vec<PropValue<'static>> {
    vec![
        PropValue::new(0x3001, Value::Unicode("Boîte de réception".into())),
        PropValue::new(0x3613, Value::Unicode("IPF.Note".into())),
        PropValue::new(
            0x3004,
            Value::Unicode("Messages delivered to this store".into()),
        ),
        PropValue::new(0x0FFF, Value::Binary(ENTRY_ID.as_slice().into())),
        PropValue::new(0x300B, Value::Binary(SEARCH_KEY.as_slice().into())),
        PropValue::new(0x3602, Value::Long(42)),
        PropValue::new(0x3603, Value::Long(3)),
        PropValue::new(0x0E08, Value::I8(1_234_567)),
    ]
}

/// The runtime's builder: one block.
fn build_with_builder(set: &AllocatorSet, values: &[PropValue<'_>]) -> Result<RootBuf> {
    props::props(set, values)
}

/// The hand-written way: the array as the root, one child per string or binary.
fn build_per_value(set: &AllocatorSet, values: &[PropValue<'_>]) -> Result<RootBuf> {
    let root = set.allocate(values.len() * size_of::<SPropValue>())?;
    for (index, prop) in values.iter().enumerate() {
        let mut pv: PV = unsafe { core::mem::zeroed() };
        match &prop.value {
            Value::Unicode(text) => {
                let units = text.encode_utf16().count() + 1;
                let child = root.allocate_more(units * size_of::<u16>())?;
                for (index, unit) in text.encode_utf16().chain([0]).enumerate() {
                    child.write(index * size_of::<u16>(), unit);
                }
                pv.lpszW = child.as_ptr().cast();
            }
            Value::Binary(bytes) => {
                let child = root.allocate_more(bytes.len())?;
                child.write_slice(0, bytes);
                pv.bin = SBinary {
                    cb: bytes.len() as u32,
                    lpb: child.as_ptr(),
                };
            }
            Value::Long(v) => pv.ul = *v,
            Value::I8(v) => pv.li = *v,
            other => unreachable!("not in this workload: {other:?}"),
        }
        let value = SPropValue {
            ulPropTag: prop.tag(),
            dwAlignPad: 0,
            Value: pv,
        };
        root.write(index * size_of::<SPropValue>(), value);
    }
    Ok(root)
}

/// The sizes of the children `build_per_value` allocates for this workload's strings and
/// binaries, in order (checked against the values when the benchmark starts).
const CHILD_SIZES: [usize; 5] = [38, 18, 66, 24, 16];

fn child_sizes(values: &[PropValue<'_>]) -> Vec<usize> {
    values
        .iter()
        .filter_map(|prop| match &prop.value {
            Value::Unicode(text) => Some((text.encode_utf16().count() + 1) * size_of::<u16>()),
            Value::Binary(bytes) => Some(bytes.len()),
            _ => None,
        })
        .collect()
}

/// The blocks of `build_per_value`, left unwritten: the allocator's own cost.
fn blocks_only(set: &AllocatorSet, values: &[PropValue<'_>]) -> Result<RootBuf> {
    let root = set.allocate(values.len() * size_of::<SPropValue>())?;
    for cb in CHILD_SIZES {
        black_box(root.allocate_more(black_box(cb))?.as_ptr());
    }
    Ok(root)
}

type Build = fn(&AllocatorSet, &[PropValue<'_>]) -> Result<RootBuf>;
const STRATEGIES: [(&str, Build); 3] = [
    ("builder", build_with_builder),
    ("per-value", build_per_value),
    ("blocks-only", blocks_only),
];

/// Builds, hands over, and frees as the host does.
fn round_trip(set: &AllocatorSet, build: Build, values: &[PropValue<'_>]) {
    let raw = build(set, black_box(values)).unwrap().into_raw();
    unsafe { set.free(black_box(raw)) };
}

fn report_host_calls(values: &[PropValue<'_>]) {
    for (name, build) in STRATEGIES {
        let ((), calls) = probe(None, |set| round_trip(&set, build, values));
        println!(
            "host calls per result, {name}: {} (MAPIAllocateBuffer {}, MAPIAllocateMore {}, MAPIFreeBuffer {})",
            calls.allocations() + calls.free_buffer,
            calls.allocate_buffer,
            calls.allocate_more,
            calls.free_buffer
        );
    }
}

/// Nanoseconds per result with each allocator: the best of several rounds, the allocators
/// alternating so that both see the same machine load.
fn time_per_result(sets: &[AllocatorSet; 2], build: Build, values: &[PropValue<'_>]) -> [f64; 2] {
    const RESULTS: u32 = 10_000;
    let mut best = [f64::INFINITY; 2];
    for _ in 0..51 {
        for (best, set) in best.iter_mut().zip(sets) {
            let start = Instant::now();
            for _ in 0..RESULTS {
                round_trip(set, build, values);
            }
            *best = best.min(start.elapsed().as_nanos() as f64 / f64::from(RESULTS));
        }
    }
    best
}

fn get_props(c: &mut Criterion) {
    let values = get_props_result();
    assert_eq!(
        child_sizes(&values),
        CHILD_SIZES,
        "blocks-only matches per-value"
    );
    report_host_calls(&values);
    let allocators = [
        ("native", AllocatorSet::native()),
        ("wine-baseline", baseline::set()),
    ];

    let mut group = c.benchmark_group("getprops");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    for (strategy, build) in STRATEGIES {
        for (allocator, set) in &allocators {
            group.bench_function(BenchmarkId::new(strategy, allocator), |b| {
                b.iter(|| round_trip(set, build, &values))
            });
        }
    }
    group.finish();

    println!("summary, ns per result (best of 51 rounds of 10000, allocators alternating):");
    let sets = [allocators[0].1, allocators[1].1];
    let mut times = Vec::new();
    for (strategy, build) in STRATEGIES {
        let [native, baseline] = time_per_result(&sets, build, &values);
        println!(
            "  {strategy:>11}: native {native:6.1}  wine-baseline {baseline:6.1}  baseline/native {:.2}x",
            baseline / native
        );
        times.push([native, baseline]);
    }
    // The runtime's way (its builder over the native allocator) against a provider hosted the
    // Wine way (a block per string or binary, each a malloc).
    let (runtime, wine) = (times[0][0], times[1][1]);
    println!(
        "  runtime (builder, native) {runtime:.1} vs Wine-style (per-value, wine-baseline) {wine:.1}: {:.2}x",
        wine / runtime
    );
}

criterion_group!(benches, get_props);
criterion_main!(benches);
