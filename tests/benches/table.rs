//! The table engine against the cheapest way of doing the same work by hand, side by side:
//!
//! - `query_rows`: `QueryRows` of 10,000 rows x 8 columns (and `FreeProws`) next to building
//!   the same row set with the runtime's builder (`alloc::props::rows`) from the same values;
//! - `sort`: `SortTable` of 100,000 rows by a string column, from the order the rows were
//!   added (`engine`), next to `slice::sort_by` of the same strings in that order, twice:
//!   copied into a compact list (`_strings`), and borrowed where rows built as the table's
//!   keep them (`_rows`, the same memory layout as the engine reads); and `SortTable` with the
//!   order the view already has (`engine_same_order`, which needs no sort);
//! - `restrict`: `Restrict` with a `CONTENT` `FL_SUBSTRING | FL_IGNORECASE` restriction over
//!   100,000 rows next to a hand-written loop (lowercase, then `contains`) over the same
//!   values, again over a compact list of strings and over rows of properties;
//! - `seek`: `SeekRow` to the middle and `QueryPosition`, at 1,000 and 100,000 rows (flat);
//! - `change`: a row modified (and moved in the sort order) with 10 open sorted views, at
//!   1,000 and 100,000 rows.
//!
//! Run: `cargo bench -p mapi-spi-tests --bench table`.

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::alloc::props::{PropValue as WireProp, rows as build_rows};
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::interfaces::IMAPITable;
use mapi_spi_runtime::props::value::props_block;
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::table::TableData;
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::*;
use mapi_spi_runtime::{Interface, codes::S_OK};
use std::hint::black_box;

const NUM: u32 = prop_tag(PT_LONG, 0x6601);
const NAME: u32 = prop_tag(PT_UNICODE, 0x6602);
const SUBJECT: u32 = prop_tag(PT_UNICODE, 0x6603);
const TIME: u32 = prop_tag(PT_SYSTIME, 0x6604);
const READ: u32 = prop_tag(PT_BOOLEAN, 0x6605);
const SIZE: u32 = prop_tag(PT_I8, 0x6606);
const ENTRY: u32 = prop_tag(PT_BINARY, 0x6607);
const COLUMNS: [u32; 8] = [PR_INSTANCE_KEY, NUM, NAME, SUBJECT, TIME, READ, SIZE, ENTRY];

const WORDS: [&str; 8] = [
    "Invoice", "meeting", "REPORT", "lunch", "Budget", "draft", "Travel", "notes",
];

/// Row `i`: 8 columns, two of them text of 20-30 characters in mixed case.
fn row(i: u32) -> Vec<Property> {
    // A cheap scramble so that sorting has work to do.
    let s = i.wrapping_mul(2_654_435_761);
    vec![
        Property::for_tag(PR_INSTANCE_KEY, PropValue::Binary(i.to_le_bytes().to_vec())),
        Property::for_tag(NUM, PropValue::Long(s % 1000)),
        Property::for_tag(
            NAME,
            PropValue::Unicode(
                format!(
                    "{} {:08x} {}",
                    WORDS[(s % 8) as usize],
                    s,
                    WORDS[(i % 8) as usize]
                )
                .into(),
            ),
        ),
        Property::for_tag(
            SUBJECT,
            PropValue::Unicode(format!("RE: message number {i}").into()),
        ),
        Property::for_tag(
            TIME,
            PropValue::SysTime(FILETIME {
                dwLowDateTime: s,
                dwHighDateTime: 0x01D9_0000,
            }),
        ),
        Property::for_tag(READ, PropValue::Boolean(s.is_multiple_of(3))),
        Property::for_tag(SIZE, PropValue::I8(i64::from(s))),
        Property::for_tag(ENTRY, PropValue::Binary(vec![(i % 251) as u8; 16])),
    ]
}

fn table(rows: u32) -> (TableData, Vec<Vec<Property>>) {
    let table = TableData::new(PR_INSTANCE_KEY, COLUMNS.to_vec(), AllocatorSet::native()).unwrap();
    let all: Vec<Vec<Property>> = (0..rows).map(row).collect();
    table.replace_rows(all.clone()).unwrap();
    (table, all)
}

/// The `NAME` column of `rows` as a compact list of strings (copied one after the other).
fn names(rows: &[Vec<Property>]) -> Vec<String> {
    rows.iter()
        .map(|r| match &r[2].value {
            PropValue::Unicode(s) => s.to_string(),
            _ => unreachable!(),
        })
        .collect()
}

/// Frees a row set as `FreeProws` does.
fn free_rows(set: *mut SRowSet, allocators: &AllocatorSet) {
    for r in unsafe { SRowSet::rows(set) }.unwrap() {
        unsafe { allocators.free(r.lpProps.cast()) };
    }
    unsafe { allocators.free(set.cast()) };
}

fn query_rows(c: &mut Criterion) {
    let allocators = AllocatorSet::native();
    let (table, all) = table(10_000);
    let view = table.view();
    let mut group = c.benchmark_group("query_rows_10000x8");
    group.bench_function("engine", |b| {
        b.iter(|| unsafe {
            let hr = (view.vtable().SeekRow)(
                view.as_raw(),
                BOOKMARK_BEGINNING,
                0,
                core::ptr::null_mut(),
            );
            assert_eq!(hr, S_OK);
            let mut set = core::ptr::null_mut();
            let hr = (view.vtable().QueryRows)(view.as_raw(), 10_000, 0, &mut set);
            assert_eq!(hr, S_OK);
            free_rows(black_box(set), &allocators);
        })
    });
    group.bench_function("builders", |b| {
        b.iter(|| {
            let wire: Vec<Vec<WireProp<'_>>> = all
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|p| WireProp::new(p.id, p.value.as_value()))
                        .collect()
                })
                .collect();
            let set = build_rows(&allocators, &wire).unwrap();
            free_rows(black_box(set.into_raw()), &allocators);
        })
    });
    group.finish();
}

#[repr(C)]
struct OneSort {
    c_sorts: u32,
    c_categories: u32,
    c_expanded: u32,
    sort: SSortOrder,
}

fn sort(c: &mut Criterion) {
    let (table, all) = table(100_000);
    let view = table.view();
    let names = names(&all);
    let mut group = c.benchmark_group("sort_100000_by_string");
    group.sample_size(10);
    let mut order = OneSort {
        c_sorts: 1,
        c_categories: 0,
        c_expanded: 0,
        sort: SSortOrder {
            ulPropTag: NAME,
            ulOrder: TABLE_SORT_ASCEND,
        },
    };
    // Each sort starts from the rows in the order they were added (an empty sort order, not
    // timed), which is the order of `names`: the same work as the baselines'.
    let mut unsorted = OneSort {
        c_sorts: 0,
        ..order
    };
    group.bench_function("engine", |b| {
        b.iter_batched(
            || unsafe {
                let hr = (view.vtable().SortTable)(
                    view.as_raw(),
                    (&mut unsorted as *mut OneSort).cast(),
                    0,
                );
                assert_eq!(hr, S_OK);
            },
            |()| unsafe {
                let hr = (view.vtable().SortTable)(
                    view.as_raw(),
                    (&mut order as *mut OneSort).cast(),
                    0,
                );
                assert_eq!(hr, S_OK);
            },
            BatchSize::PerIteration,
        )
    });
    // The order the view already has, again (clients re-apply their sort order).
    group.bench_function("engine_same_order", |b| {
        b.iter(|| unsafe {
            let hr =
                (view.vtable().SortTable)(view.as_raw(), (&mut order as *mut OneSort).cast(), 0);
            assert_eq!(hr, S_OK);
        })
    });
    group.bench_function("slice_sort_by_strings", |b| {
        b.iter_batched(
            || names.iter().map(String::as_str).collect::<Vec<&str>>(),
            |mut refs| {
                // `sort_by` with the comparator spelled out: the baseline.
                #[allow(clippy::unnecessary_sort_by)]
                refs.sort_by(|a, b| a.cmp(b));
                black_box(refs)
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("slice_sort_by_rows", |b| {
        b.iter_batched(
            // The same keys, where rows keep them: borrowed from rows built as the table's.
            || {
                all.iter()
                    .map(|r| match &r[2].value {
                        PropValue::Unicode(s) => s.as_str(),
                        _ => unreachable!(),
                    })
                    .collect::<Vec<&str>>()
            },
            |mut refs| {
                #[allow(clippy::unnecessary_sort_by)]
                refs.sort_by(|a, b| a.cmp(b));
                black_box(refs)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn restrict(c: &mut Criterion) {
    let (table, all) = table(100_000);
    let view = table.view();
    let names = names(&all);
    let needle = "report";
    let value = props_block(
        &AllocatorSet::native(),
        [&Property::for_tag(NAME, PropValue::Unicode(needle.into()))],
    )
    .unwrap();
    let mut res = SRestriction {
        rt: RES_CONTENT,
        res: SRestriction_res {
            resContent: SContentRestriction {
                ulFuzzyLevel: FL_SUBSTRING | FL_IGNORECASE,
                ulPropTag: NAME,
                lpProp: value.as_ptr().cast(),
            },
        },
    };
    let mut group = c.benchmark_group("restrict_100000_content_substring_ignorecase");
    group.sample_size(20);
    group.bench_function("engine", |b| {
        b.iter(|| unsafe {
            let hr = (view.vtable().Restrict)(view.as_raw(), &mut res, 0);
            assert_eq!(hr, S_OK);
        })
    });
    group.bench_function("hand_loop_strings", |b| {
        b.iter(|| {
            let matching: Vec<usize> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.to_lowercase().contains(needle))
                .map(|(i, _)| i)
                .collect();
            black_box(matching)
        })
    });
    group.bench_function("hand_loop_rows", |b| {
        b.iter(|| {
            let matching: Vec<usize> = all
                .iter()
                .enumerate()
                .filter(|(_, row)| {
                    row.iter().any(|p| {
                        p.tag() == NAME
                            && matches!(&p.value, PropValue::Unicode(n) if n.to_lowercase().contains(needle))
                    })
                })
                .map(|(i, _)| i)
                .collect();
            black_box(matching)
        })
    });
    group.finish();
}

fn sorted_views(table: &TableData, n: usize) -> Vec<IMAPITable> {
    (0..n)
        .map(|_| {
            let view = table.view();
            let mut order = OneSort {
                c_sorts: 1,
                c_categories: 0,
                c_expanded: 0,
                sort: SSortOrder {
                    ulPropTag: NAME,
                    ulOrder: TABLE_SORT_ASCEND,
                },
            };
            let hr = unsafe {
                (view.vtable().SortTable)(view.as_raw(), (&mut order as *mut OneSort).cast(), 0)
            };
            assert_eq!(hr, S_OK);
            view
        })
        .collect()
}

fn seek_and_change(c: &mut Criterion) {
    let mut seek = c.benchmark_group("seek_middle_and_query_position");
    for rows in [1_000u32, 100_000] {
        let (table, _) = table(rows);
        let view = table.view();
        seek.bench_with_input(BenchmarkId::from_parameter(rows), &rows, |b, &rows| {
            b.iter(|| unsafe {
                let v = view.vtable();
                let _ = (v.SeekRow)(
                    view.as_raw(),
                    BOOKMARK_BEGINNING,
                    (rows / 2) as i32,
                    core::ptr::null_mut(),
                );
                let (mut r, mut n, mut d) = (0, 0, 0);
                let _ = (v.QueryPosition)(view.as_raw(), &mut r, &mut n, &mut d);
                black_box(r)
            })
        });
    }
    seek.finish();
    let mut change = c.benchmark_group("modify_row_10_sorted_views");
    for rows in [1_000u32, 100_000] {
        let (table, _) = table(rows);
        let _views = sorted_views(&table, 10);
        let mut flip = false;
        change.bench_with_input(BenchmarkId::from_parameter(rows), &rows, |b, _| {
            b.iter(|| {
                // Row 7 moves between the start and the end of every view's order.
                flip = !flip;
                let mut r = row(7);
                r[2].value = PropValue::Unicode(if flip { "AAAA" } else { "zzzz" }.into());
                table.modify_row(r).unwrap();
            })
        });
    }
    change.finish();
}

criterion_group!(benches, query_rows, sort, restrict, seek_and_change);
criterion_main!(benches);
