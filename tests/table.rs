//! The table engine driven through its raw `IMAPITable` vtable, as a client drives it: every
//! method, every restriction type, sorting, bookmarks, notifications to an advise sink, bad
//! input (which changes nothing), results freed as `FreeProws` frees them, and a property test
//! of `Restrict` + `SortTable` against a plain Rust filter and sort.
#![allow(non_snake_case)]

use std::any::Any;
use std::sync::Mutex;

use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::alloc::testing::probe;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::interfaces::{IMAPIAdviseSink, IMAPIAdviseSinkImpl, IMAPITable};
use mapi_spi_runtime::props::value::{props_block, props_from_raw, tags_from_raw};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::table::{SubObjects, TableData};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::*;
use mapi_spi_runtime::{ComObject, HRESULT, Interface, Object, mapi_object};
use proptest::prelude::*;

const KEY: u32 = PR_INSTANCE_KEY;
const NUM: u32 = prop_tag(PT_LONG, 0x6601);
const NAME: u32 = prop_tag(PT_UNICODE, 0x6602);
const FLAGS: u32 = prop_tag(PT_LONG, 0x6603);
const EXTRA: u32 = prop_tag(PT_LONG, 0x6604);
const KEYWORDS: u32 = prop_tag(PT_MV_UNICODE, 0x6605);
const BLOB: u32 = prop_tag(PT_BINARY, 0x6606);

fn key(k: u8) -> PropValue {
    PropValue::Binary(vec![k])
}

fn row(k: u8, num: u32, name: &str) -> Vec<Property> {
    vec![
        Property::for_tag(KEY, key(k)),
        Property::for_tag(NUM, PropValue::Long(num)),
        Property::for_tag(NAME, PropValue::Unicode(name.into())),
    ]
}

/// A table of five rows: keys 1..=5 with numbers 30, 10, 20, 10, 50.
fn sample(allocators: AllocatorSet) -> TableData {
    let table = TableData::new(KEY, vec![KEY, NUM, NAME], allocators).unwrap();
    for (k, num, name) in [
        (1, 30, "Charlie"),
        (2, 10, "alpha"),
        (3, 20, "Bravo"),
        (4, 10, "delta"),
        (5, 50, "Écho"),
    ] {
        table.modify_row(row(k, num, name)).unwrap();
    }
    table
}

/// An `SPropTagArray` of `N` tags, as a client lays one out.
#[repr(C)]
struct Tags<const N: usize> {
    count: u32,
    tags: [u32; N],
}

fn tags<const N: usize>(tags: [u32; N]) -> Tags<N> {
    Tags {
        count: N as u32,
        tags,
    }
}

impl<const N: usize> Tags<N> {
    fn ptr(&mut self) -> *mut SPropTagArray {
        (self as *mut Self).cast()
    }
}

/// Reads a row set as `FreeProws` sees it, then frees it the same way: each row's
/// properties, then the set.
fn take_rows(set: *mut SRowSet, allocators: &AllocatorSet) -> Vec<Vec<Property>> {
    let rows = unsafe { SRowSet::rows(set) }.unwrap();
    let read = rows
        .iter()
        .map(|r| {
            let props = unsafe { props_from_raw(r.lpProps, r.cValues) }.unwrap();
            unsafe { allocators.free(r.lpProps.cast()) };
            props
        })
        .collect();
    unsafe { allocators.free(set.cast()) };
    read
}

fn query(t: &IMAPITable, count: i32, flags: u32) -> Result<Vec<Vec<Property>>, HRESULT> {
    query_in(t, count, flags, &AllocatorSet::native())
}

/// `QueryRows`, the result freed with `allocators` (a probe's, to count the frees).
fn query_in(
    t: &IMAPITable,
    count: i32,
    flags: u32,
    allocators: &AllocatorSet,
) -> Result<Vec<Vec<Property>>, HRESULT> {
    let mut set = core::ptr::null_mut();
    let hr = unsafe { (t.vtable().QueryRows)(t.as_raw(), count, flags, &mut set) };
    if hr.is_err() {
        assert!(set.is_null());
        return Err(hr);
    }
    Ok(take_rows(set, allocators))
}

/// The key bytes of each row of a result (the key is its first column by default).
fn keys(rows: &[Vec<Property>]) -> Vec<u8> {
    rows.iter()
        .map(
            |r| match &r.iter().find(|p| p.tag() == KEY).unwrap().value {
                PropValue::Binary(b) => b[0],
                other => panic!("key {other:?}"),
            },
        )
        .collect()
}

/// Every row from the beginning.
fn all_keys(t: &IMAPITable) -> Vec<u8> {
    assert_eq!(seek(t, BOOKMARK_BEGINNING, 0).0, S_OK);
    keys(&query(t, 1000, 0).unwrap())
}

fn seek(t: &IMAPITable, origin: BOOKMARK, count: i32) -> (HRESULT, i32) {
    let mut sought = 12345;
    let hr = unsafe { (t.vtable().SeekRow)(t.as_raw(), origin, count, &mut sought) };
    (hr, sought)
}

fn position(t: &IMAPITable) -> (u32, u32, u32) {
    let (mut row, mut num, mut den) = (0, 0, 0);
    let hr = unsafe { (t.vtable().QueryPosition)(t.as_raw(), &mut row, &mut num, &mut den) };
    assert_eq!(hr, S_OK);
    (row, num, den)
}

fn count(t: &IMAPITable) -> u32 {
    let mut n = 0;
    assert_eq!(
        unsafe { (t.vtable().GetRowCount)(t.as_raw(), 0, &mut n) },
        S_OK
    );
    n
}

// ---------------------------------------------------------------------------------------------
// Restrictions as a client builds them: a Rust description turned into linked C structures.

enum R {
    And(Vec<R>),
    Or(Vec<R>),
    Not(Box<R>),
    Content(u32, u32, PropValue),
    Prop(u32, u32, PropValue),
    Compare(u32, u32, u32),
    BitMask(u32, u32, u32),
    Size(u32, u32, u32),
    Exist(u32),
    Sub(u32, Box<R>),
    Comment(Option<Box<R>>),
    Raw(u32),
}

fn build(r: &R, keep: &mut Vec<Box<dyn Any>>) -> SRestriction {
    // SAFETY: all-zero is a valid restriction union.
    let mut out: SRestriction = unsafe { core::mem::zeroed() };
    let value = |tag: u32, v: &PropValue, keep: &mut Vec<Box<dyn Any>>| {
        let block = props_block(
            &AllocatorSet::native(),
            [&Property::for_tag(tag, v.clone())],
        )
        .unwrap();
        let ptr = block.as_ptr().cast::<SPropValue>();
        keep.push(Box::new(block));
        ptr
    };
    let list = |items: &[R], keep: &mut Vec<Box<dyn Any>>| {
        let built: Vec<SRestriction> = items.iter().map(|i| build(i, keep)).collect();
        let ptr = built.as_ptr().cast_mut();
        keep.push(Box::new(built));
        (items.len() as u32, ptr)
    };
    let boxed = |inner: &R, keep: &mut Vec<Box<dyn Any>>| {
        let mut b = Box::new(build(inner, keep));
        let ptr: *mut SRestriction = &mut *b;
        keep.push(b);
        ptr
    };
    match r {
        R::And(items) => {
            out.rt = RES_AND;
            let (cRes, lpRes) = list(items, keep);
            out.res.resAnd = SAndRestriction { cRes, lpRes };
        }
        R::Or(items) => {
            out.rt = RES_OR;
            let (cRes, lpRes) = list(items, keep);
            out.res.resOr = SOrRestriction { cRes, lpRes };
        }
        R::Not(inner) => {
            out.rt = RES_NOT;
            out.res.resNot = SNotRestriction {
                ulReserved: 0,
                lpRes: boxed(inner, keep),
            };
        }
        R::Content(fuzzy, tag, v) => {
            out.rt = RES_CONTENT;
            out.res.resContent = SContentRestriction {
                ulFuzzyLevel: *fuzzy,
                ulPropTag: *tag,
                lpProp: value(*tag, v, keep),
            };
        }
        R::Prop(relop, tag, v) => {
            out.rt = RES_PROPERTY;
            out.res.resProperty = SPropertyRestriction {
                relop: *relop,
                ulPropTag: *tag,
                lpProp: value(*tag, v, keep),
            };
        }
        R::Compare(relop, a, b) => {
            out.rt = RES_COMPAREPROPS;
            out.res.resCompareProps = SComparePropsRestriction {
                relop: *relop,
                ulPropTag1: *a,
                ulPropTag2: *b,
            };
        }
        R::BitMask(rel, tag, mask) => {
            out.rt = RES_BITMASK;
            out.res.resBitMask = SBitMaskRestriction {
                relBMR: *rel,
                ulPropTag: *tag,
                ulMask: *mask,
            };
        }
        R::Size(relop, tag, cb) => {
            out.rt = RES_SIZE;
            out.res.resSize = SSizeRestriction {
                relop: *relop,
                ulPropTag: *tag,
                cb: *cb,
            };
        }
        R::Exist(tag) => {
            out.rt = RES_EXIST;
            out.res.resExist = SExistRestriction {
                ulReserved1: 0,
                ulPropTag: *tag,
                ulReserved2: 0,
            };
        }
        R::Sub(object, inner) => {
            out.rt = RES_SUBRESTRICTION;
            out.res.resSub = SSubRestriction {
                ulSubObject: *object,
                lpRes: boxed(inner, keep),
            };
        }
        R::Comment(inner) => {
            out.rt = RES_COMMENT;
            let note = value(PR_DISPLAY_NAME_W, &PropValue::Unicode("why".into()), keep);
            out.res.resComment = SCommentRestriction {
                cValues: 1,
                lpRes: inner
                    .as_ref()
                    .map_or(core::ptr::null_mut(), |i| boxed(i, keep)),
                lpProp: note,
            };
        }
        R::Raw(rt) => out.rt = *rt,
    }
    out
}

fn restrict(t: &IMAPITable, r: Option<&R>) -> HRESULT {
    let mut keep = Vec::new();
    let mut raw = r.map(|r| build(r, &mut keep));
    let ptr = raw.as_mut().map_or(core::ptr::null_mut(), |r| r as *mut _);
    unsafe { (t.vtable().Restrict)(t.as_raw(), ptr, 0) }
}

fn find(t: &IMAPITable, r: &R, origin: BOOKMARK, flags: u32) -> HRESULT {
    let mut keep = Vec::new();
    let mut raw = build(r, &mut keep);
    unsafe { (t.vtable().FindRow)(t.as_raw(), &mut raw, origin, flags) }
}

/// The keys a restriction leaves.
fn restricted(t: &IMAPITable, r: &R) -> Vec<u8> {
    assert_eq!(restrict(t, Some(r)), S_OK);
    all_keys(t)
}

/// An `SSortOrderSet` of `N` keys.
#[repr(C)]
struct Sorts<const N: usize> {
    cSorts: u32,
    cCategories: u32,
    cExpanded: u32,
    aSort: [SSortOrder; N],
}

fn sort<const N: usize>(t: &IMAPITable, keys: [(u32, u32); N], categories: u32) -> HRESULT {
    sort_categorized(t, keys, categories, 0)
}

/// `SortTable` with `categories` categories, the first `expanded` levels expanded.
fn sort_categorized<const N: usize>(
    t: &IMAPITable,
    keys: [(u32, u32); N],
    categories: u32,
    expanded: u32,
) -> HRESULT {
    let mut set = Sorts {
        cSorts: N as u32,
        cCategories: categories,
        cExpanded: expanded,
        aSort: keys.map(|(tag, order)| SSortOrder {
            ulPropTag: tag,
            ulOrder: order,
        }),
    };
    unsafe { (t.vtable().SortTable)(t.as_raw(), (&mut set as *mut Sorts<N>).cast(), 0) }
}

fn bookmark(t: &IMAPITable) -> BOOKMARK {
    let mut b = 0;
    assert_eq!(
        unsafe { (t.vtable().CreateBookmark)(t.as_raw(), &mut b) },
        S_OK
    );
    b
}

// ---------------------------------------------------------------------------------------------
// An advise sink that records what it is told.

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    event: u32,
    index: Property,
    prior: Property,
    row: Vec<Property>,
}

#[mapi_object(IMAPIAdviseSink)]
struct Recorder {
    seen: Mutex<Vec<Seen>>,
}

impl IMAPIAdviseSinkImpl for Recorder {
    unsafe fn OnNotify(
        this: &Object<Self>,
        cNotif: u32,
        lpNotifications: *mut NOTIFICATION,
    ) -> u32 {
        for i in 0..cNotif as usize {
            let n = unsafe { &*lpNotifications.add(i) };
            assert_eq!(n.ulEventType, fnevTableModified);
            let tab = unsafe { n.info.tab };
            let seen = Seen {
                event: tab.ulTableEvent,
                index: unsafe { Property::from_raw(&tab.propIndex) }.unwrap(),
                prior: unsafe { Property::from_raw(&tab.propPrior) }.unwrap(),
                row: unsafe { props_from_raw(tab.row.lpProps, tab.row.cValues) }.unwrap(),
            };
            this.seen.lock().unwrap().push(seen);
        }
        0
    }
}

fn recorder() -> (ComObject<Recorder>, IMAPIAdviseSink) {
    let rec = ComObject::new(Recorder {
        seen: Mutex::new(Vec::new()),
    });
    let sink = rec.clone().into_interface();
    (rec, sink)
}

fn advise(t: &IMAPITable, sink: &IMAPIAdviseSink) -> usize {
    let mut connection = 0;
    let hr = unsafe {
        (t.vtable().Advise)(
            t.as_raw(),
            fnevTableModified,
            sink.as_raw(),
            &mut connection,
        )
    };
    assert_eq!(hr, S_OK);
    connection
}

fn taken(rec: &Recorder) -> Vec<Seen> {
    core::mem::take(&mut *rec.seen.lock().unwrap())
}

fn null() -> Property {
    Property::for_tag(PR_NULL, PropValue::Null)
}

// ---------------------------------------------------------------------------------------------

#[test]
fn query_rows_reads_forward_and_backward_with_one_allocation_per_row() {
    let ((), calls) = probe(None, |set| {
        let table = sample(set);
        let t = table.view();
        let rows = query_in(&t, 2, 0, &set).unwrap();
        assert_eq!(keys(&rows), [1, 2]);
        assert_eq!(rows[0][1], Property::for_tag(NUM, PropValue::Long(30)));
        assert_eq!(position(&t), (2, 2, 5));
        assert_eq!(keys(&query_in(&t, 2, TBL_NOADVANCE, &set).unwrap()), [3, 4]);
        assert_eq!(position(&t).0, 2);
        assert_eq!(keys(&query_in(&t, 10, 0, &set).unwrap()), [3, 4, 5]);
        assert!(query_in(&t, 10, 0, &set).unwrap().is_empty());
        // Backward: the rows before the cursor, in table order; the cursor on the first.
        assert_eq!(keys(&query_in(&t, -2, 0, &set).unwrap()), [4, 5]);
        assert_eq!(position(&t).0, 3);
        assert_eq!(
            keys(&query_in(&t, -10, TBL_NOADVANCE, &set).unwrap()),
            [1, 2, 3]
        );
        assert_eq!(position(&t).0, 3);
        assert_eq!(keys(&query_in(&t, -10, 0, &set).unwrap()), [1, 2, 3]);
        assert!(query_in(&t, -1, 0, &set).unwrap().is_empty());
    });
    assert_eq!(calls.live_roots, 0, "every row and set freed: {calls:?}");
    // One block per row and one per set, nothing else, for the reads above.
    let (_, calls) = probe(None, |set| {
        let table = sample(set);
        let t = table.view();
        drop(query_in(&t, 5, 0, &set).unwrap());
    });
    assert_eq!((calls.allocate_buffer, calls.allocate_more), (6, 0));
}

#[test]
fn query_rows_refuses_bad_input_and_leaves_the_cursor() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 1).0, S_OK);
    assert_eq!(query(&t, 0, 0).unwrap_err(), MAPI_E_INVALID_PARAMETER);
    assert_eq!(query(&t, 1, 0x10).unwrap_err(), MAPI_E_UNKNOWN_FLAGS);
    let hr = unsafe { (t.vtable().QueryRows)(t.as_raw(), 1, 0, core::ptr::null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(position(&t).0, 1);
    // A failed allocation returns the error, leaks nothing and leaves the cursor.
    for n in 1..=3 {
        let ((), calls) = probe(Some(n), |set| {
            let table = sample(set);
            let t = table.view();
            assert_eq!(
                query_in(&t, 2, 0, &set).unwrap_err(),
                MAPI_E_NOT_ENOUGH_MEMORY
            );
            assert_eq!(position(&t).0, 0);
        });
        assert_eq!(calls.live_roots, 0);
    }
}

#[test]
fn columns_missing_from_a_row_are_not_found_errors_and_text_follows_the_column() {
    let table = sample(AllocatorSet::native());
    table
        .modify_row(vec![
            Property::for_tag(KEY, key(9)),
            Property::for_tag(EXTRA, PropValue::Long(7)),
        ])
        .unwrap();
    let t = table.view();
    let mut cols = tags([KEY, PR_DISPLAY_NAME_A, EXTRA, prop_tag(PT_STRING8, 0x6602)]);
    assert_eq!(
        unsafe { (t.vtable().SetColumns)(t.as_raw(), cols.ptr(), 0) },
        S_OK
    );
    let rows = query(&t, 10, 0).unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[0][1],
        Property::error(PR_DISPLAY_NAME_A, MAPI_E_NOT_FOUND)
    );
    assert_eq!(rows[0][2], Property::error(EXTRA, MAPI_E_NOT_FOUND));
    assert_eq!(rows[4][3].value, PropValue::String8(b"\xc9cho".to_vec()));
    assert_eq!(rows[5][2], Property::for_tag(EXTRA, PropValue::Long(7)));
    // QueryColumns: the view's columns, or every column with TBL_ALL_COLUMNS.
    let allocators = AllocatorSet::native();
    let mut out = core::ptr::null_mut();
    assert_eq!(
        unsafe { (t.vtable().QueryColumns)(t.as_raw(), 0, &mut out) },
        S_OK
    );
    assert_eq!(unsafe { tags_from_raw(out) }.unwrap(), cols.tags);
    unsafe { allocators.free(out.cast()) };
    let hr = unsafe { (t.vtable().QueryColumns)(t.as_raw(), TBL_ALL_COLUMNS, &mut out) };
    assert_eq!(hr, S_OK);
    assert_eq!(
        unsafe { tags_from_raw(out) }.unwrap(),
        [KEY, NUM, NAME, EXTRA]
    );
    unsafe { allocators.free(out.cast()) };
    // Bad input changes nothing.
    let mut empty = tags::<0>([]);
    let mut two_mvi = tags([
        KEYWORDS | MV_INSTANCE,
        prop_tag(PT_MV_LONG | MV_INSTANCE, 0x6608),
    ]);
    let mut single_mvi = tags([prop_tag(PT_LONG | MV_INSTANCE, 0x6608)]);
    let mut unspecified_mv = tags([prop_tag(MV_FLAG | PT_BOOLEAN, 0x6607)]);
    for (ptr, flags, code) in [
        (core::ptr::null_mut(), 0, MAPI_E_INVALID_PARAMETER),
        (empty.ptr(), 0, MAPI_E_INVALID_PARAMETER),
        (two_mvi.ptr(), 0, MAPI_E_TOO_COMPLEX),
        (single_mvi.ptr(), 0, MAPI_E_INVALID_PARAMETER),
        (unspecified_mv.ptr(), 0, MAPI_E_INVALID_PARAMETER),
        (cols.ptr(), 0x100, MAPI_E_UNKNOWN_FLAGS),
    ] {
        assert_eq!(
            unsafe { (t.vtable().SetColumns)(t.as_raw(), ptr, flags) },
            code
        );
    }
    assert_eq!(
        unsafe { (t.vtable().QueryColumns)(t.as_raw(), 0, &mut out) },
        S_OK
    );
    assert_eq!(unsafe { tags_from_raw(out) }.unwrap(), cols.tags);
    unsafe { allocators.free(out.cast()) };
    // A PR_NULL placeholder column reads as PR_NULL.
    let mut placeholder = tags([PR_NULL, KEY]);
    assert_eq!(
        unsafe { (t.vtable().SetColumns)(t.as_raw(), placeholder.ptr(), 0) },
        S_OK
    );
    assert_eq!(all_keys(&t).len(), 6);
    let first = query(&t, -100, 0).unwrap().remove(0);
    assert_eq!(first[0], Property::for_tag(PR_NULL, PropValue::Null));
    let hr = unsafe { (t.vtable().QueryColumns)(t.as_raw(), 0, core::ptr::null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(
        unsafe { (t.vtable().QueryColumns)(t.as_raw(), 4, &mut out) },
        MAPI_E_UNKNOWN_FLAGS
    );
}

#[test]
fn seeking_counts_positions_and_clamps_at_the_ends() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    assert_eq!(count(&t), 5);
    assert_eq!(position(&t), (0, 0, 5));
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 3), (S_OK, 3));
    assert_eq!(seek(&t, BOOKMARK_CURRENT, -1), (S_OK, -1));
    assert_eq!(position(&t).0, 2);
    assert_eq!(seek(&t, BOOKMARK_CURRENT, 10), (S_OK, 3));
    assert_eq!(seek(&t, BOOKMARK_END, -2), (S_OK, -2));
    assert_eq!(keys(&query(&t, 5, 0).unwrap()), [4, 5]);
    assert_eq!(seek(&t, BOOKMARK_END, -10), (S_OK, -5));
    // lplRowsSought may be NULL.
    let hr =
        unsafe { (t.vtable().SeekRow)(t.as_raw(), BOOKMARK_BEGINNING, 1, core::ptr::null_mut()) };
    assert_eq!(hr, S_OK);
    assert_eq!(position(&t).0, 1);
    assert_eq!(seek(&t, 999_999, 1).0, MAPI_E_INVALID_BOOKMARK);
    assert_eq!(position(&t).0, 1);
    // SeekRowApprox: a fraction of the way.
    assert_eq!(
        unsafe { (t.vtable().SeekRowApprox)(t.as_raw(), 3, 5) },
        S_OK
    );
    assert_eq!(position(&t).0, 3);
    assert_eq!(
        unsafe { (t.vtable().SeekRowApprox)(t.as_raw(), 1, 1) },
        S_OK
    );
    assert_eq!(position(&t).0, 5);
    assert_eq!(
        unsafe { (t.vtable().SeekRowApprox)(t.as_raw(), 1, 0) },
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(position(&t).0, 5);
    // Bad out-pointers and flags.
    let mut n = 0;
    let v = t.vtable();
    unsafe {
        assert_eq!((v.GetRowCount)(t.as_raw(), 1, &mut n), MAPI_E_UNKNOWN_FLAGS);
        assert_eq!(
            (v.GetRowCount)(t.as_raw(), 0, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        let null = core::ptr::null_mut();
        assert_eq!(
            (v.QueryPosition)(t.as_raw(), null, &mut n, &mut n),
            MAPI_E_INVALID_PARAMETER
        );
    }
    // An empty view's denominator is 1.
    assert_eq!(restrict(&t, Some(&R::Exist(EXTRA))), S_OK);
    assert_eq!(position(&t), (0, 0, 1));
}

#[test]
fn bookmarks_follow_their_rows_and_report_moves() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 2).0, S_OK);
    let on_3 = bookmark(&t);
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 3).0, S_OK);
    let on_4 = bookmark(&t);
    assert_eq!(seek(&t, BOOKMARK_END, 0).0, S_OK);
    let at_end = bookmark(&t);
    assert_eq!(seek(&t, on_3, 0), (S_OK, 0));
    assert_eq!(keys(&query(&t, 1, 0).unwrap()), [3]);
    // A modified row keeps its bookmark; a row added before it moves its position.
    table.modify_row(row(3, 21, "Bravo!")).unwrap();
    table.modify_row(row(0, 1, "zero")).unwrap();
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 0).0, S_OK);
    assert_eq!(seek(&t, on_3, 0).0, S_OK);
    assert_eq!(position(&t).0, 2);
    // Deleting the row: the bookmark goes to the next row and says so, once.
    table.delete_row(&key(3)).unwrap();
    assert_eq!(seek(&t, on_3, 0).0, MAPI_W_POSITION_CHANGED);
    assert_eq!(keys(&query(&t, 1, TBL_NOADVANCE).unwrap()), [4]);
    assert_eq!(seek(&t, on_3, 0).0, S_OK);
    assert_eq!(seek(&t, on_4, 1), (S_OK, 1));
    assert_eq!(seek(&t, at_end, -1), (S_OK, -1));
    // Bad bookmarks: never made, freed, from another view.
    let other = table.view();
    assert_eq!(seek(&other, BOOKMARK_BEGINNING, 1).0, S_OK);
    let foreign = bookmark(&other);
    assert_eq!(seek(&t, foreign, 0).0, MAPI_E_INVALID_BOOKMARK);
    assert_eq!(
        unsafe { (t.vtable().FreeBookmark)(t.as_raw(), foreign) },
        MAPI_E_INVALID_BOOKMARK
    );
    assert_eq!(unsafe { (t.vtable().FreeBookmark)(t.as_raw(), on_4) }, S_OK);
    assert_eq!(seek(&t, on_4, 0).0, MAPI_E_INVALID_BOOKMARK);
    assert_eq!(
        unsafe { (t.vtable().FreeBookmark)(t.as_raw(), BOOKMARK_CURRENT) },
        S_OK
    );
    let hr = unsafe { (t.vtable().CreateBookmark)(t.as_raw(), core::ptr::null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    // Restrict and SortTable discard every bookmark.
    assert_eq!(restrict(&t, None), S_OK);
    assert_eq!(seek(&t, at_end, 0).0, MAPI_E_INVALID_BOOKMARK);
    let again = bookmark(&t);
    assert_eq!(sort(&t, [(NUM, TABLE_SORT_ASCEND)], 0), S_OK);
    assert_eq!(seek(&t, again, 0).0, MAPI_E_INVALID_BOOKMARK);
}

#[test]
fn find_row_searches_both_ways_from_any_origin() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    let ten = R::Prop(RELOP_EQ, NUM, PropValue::Long(10));
    assert_eq!(find(&t, &ten, BOOKMARK_BEGINNING, 0), S_OK);
    assert_eq!(position(&t).0, 1);
    // From the current row (inclusive) forward; backward starts before the origin.
    assert_eq!(find(&t, &ten, BOOKMARK_CURRENT, 0), S_OK);
    assert_eq!(position(&t).0, 1);
    assert_eq!(seek(&t, BOOKMARK_CURRENT, 1).0, S_OK);
    assert_eq!(find(&t, &ten, BOOKMARK_CURRENT, 0), S_OK);
    assert_eq!(position(&t).0, 3);
    assert_eq!(find(&t, &ten, BOOKMARK_CURRENT, DIR_BACKWARD), S_OK);
    assert_eq!(position(&t).0, 1);
    assert_eq!(find(&t, &ten, BOOKMARK_END, DIR_BACKWARD), S_OK);
    assert_eq!(position(&t).0, 3);
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 4).0, S_OK);
    let mark = bookmark(&t);
    assert_eq!(find(&t, &ten, mark, DIR_BACKWARD), S_OK);
    assert_eq!(position(&t).0, 3);
    // Not found leaves the cursor; bad input changes nothing.
    let none = R::Prop(RELOP_GT, NUM, PropValue::Long(100));
    assert_eq!(find(&t, &none, BOOKMARK_BEGINNING, 0), MAPI_E_NOT_FOUND);
    assert_eq!(position(&t).0, 3);
    assert_eq!(
        find(&t, &ten, BOOKMARK_BEGINNING, 0x8),
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(find(&t, &ten, 777_777, 0), MAPI_E_INVALID_BOOKMARK);
    assert_eq!(
        find(&t, &R::Raw(99), BOOKMARK_BEGINNING, 0),
        MAPI_E_INVALID_PARAMETER
    );
    let hr = unsafe { (t.vtable().FindRow)(t.as_raw(), core::ptr::null_mut(), 0, 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(position(&t).0, 3);
    // A bookmark whose row went: found from where it was, with the warning.
    table.delete_row(&key(5)).unwrap();
    assert_eq!(find(&t, &ten, mark, DIR_BACKWARD), MAPI_W_POSITION_CHANGED);
}

/// Recipients and attachments as a message store keeps them: by the message's key, each a
/// list of rows; shared with the test so that it can change them.
#[derive(Clone, Default)]
struct Messages(std::sync::Arc<Mutex<std::collections::HashMap<u8, SubRows>>>);

#[derive(Clone, Default)]
struct SubRows {
    recipients: Vec<Vec<Property>>,
    attachments: Vec<Vec<Property>>,
}

impl SubObjects for Messages {
    fn sub_rows(&self, row: &[Property], object: u32) -> Vec<Vec<Property>> {
        let Some(PropValue::Binary(k)) = row.iter().find(|p| p.tag() == KEY).map(|p| &p.value)
        else {
            return Vec::new();
        };
        let messages = self.0.lock().unwrap();
        let Some(sub) = messages.get(&k[0]) else {
            return Vec::new();
        };
        match object {
            PR_MESSAGE_RECIPIENTS => sub.recipients.clone(),
            PR_MESSAGE_ATTACHMENTS => sub.attachments.clone(),
            other => panic!("asked for sub-object {other:#x}"),
        }
    }
}

fn recipient(name: &str) -> Vec<Property> {
    vec![Property::for_tag(
        PR_DISPLAY_NAME_W,
        PropValue::Unicode(name.into()),
    )]
}

fn attachment(size: u32) -> Vec<Property> {
    vec![Property::for_tag(PR_ATTACH_SIZE, PropValue::Long(size))]
}

#[test]
fn sub_restrictions_ask_the_provider_for_recipients_and_attachments() {
    let messages = Messages::default();
    {
        let mut m = messages.0.lock().unwrap();
        m.insert(
            1,
            SubRows {
                recipients: vec![recipient("Alice"), recipient("Bob")],
                attachments: vec![attachment(500)],
            },
        );
        m.insert(
            2,
            SubRows {
                recipients: vec![recipient("Carol")],
                attachments: vec![attachment(5000), attachment(10)],
            },
        );
        m.insert(3, SubRows::default());
        // 4 and 5 have no entry at all: no recipients, no attachments.
    }
    let table = TableData::new(KEY, vec![KEY, NUM, NAME], AllocatorSet::native())
        .unwrap()
        .with_sub_objects(messages.clone());
    for (k, num, name) in [
        (1, 30, "a"),
        (2, 10, "b"),
        (3, 20, "c"),
        (4, 10, "d"),
        (5, 50, "e"),
    ] {
        table.modify_row(row(k, num, name)).unwrap();
    }
    let t = table.view();
    let bob = R::Sub(
        PR_MESSAGE_RECIPIENTS,
        Box::new(R::Content(
            FL_SUBSTRING | FL_IGNORECASE,
            PR_DISPLAY_NAME_W,
            PropValue::Unicode("BO".into()),
        )),
    );
    assert_eq!(
        restricted(&t, &bob),
        [1],
        "any one recipient matching is enough"
    );
    let big = R::Sub(
        PR_MESSAGE_ATTACHMENTS,
        Box::new(R::Prop(RELOP_GT, PR_ATTACH_SIZE, PropValue::Long(1000))),
    );
    assert_eq!(restricted(&t, &big), [2]);
    // Combined with the row's own columns, negated, and on messages with no sub-objects.
    let any_recipient = R::Sub(PR_MESSAGE_RECIPIENTS, Box::new(R::Exist(PR_DISPLAY_NAME_W)));
    assert_eq!(restricted(&t, &any_recipient), [1, 2]);
    assert_eq!(
        restricted(
            &t,
            &R::Not(Box::new(R::Sub(
                PR_MESSAGE_RECIPIENTS,
                Box::new(R::Exist(PR_DISPLAY_NAME_W))
            )))
        ),
        [3, 4, 5]
    );
    assert_eq!(
        restricted(
            &t,
            &R::Or(vec![
                R::Prop(RELOP_EQ, NUM, PropValue::Long(50)),
                R::Sub(PR_MESSAGE_ATTACHMENTS, Box::new(R::And(vec![]))),
            ])
        ),
        [1, 2, 5]
    );
    // A change is evaluated again with the provider's sub-objects at that time.
    assert_eq!(restrict(&t, Some(&bob)), S_OK);
    messages.0.lock().unwrap().insert(
        4,
        SubRows {
            recipients: vec![recipient("Bob Two")],
            attachments: Vec::new(),
        },
    );
    table.modify_row(row(4, 11, "d")).unwrap();
    assert_eq!(all_keys(&t), [1, 4]);
    // FindRow too.
    assert_eq!(restrict(&t, None), S_OK);
    assert_eq!(find(&t, &big, BOOKMARK_BEGINNING, 0), S_OK);
    assert_eq!(position(&t).0, 1);
    assert_eq!(find(&t, &bob, BOOKMARK_END, DIR_BACKWARD), S_OK);
    assert_eq!(position(&t).0, 3);
    // Bad sub-object restrictions change nothing.
    assert_eq!(restrict(&t, Some(&bob)), S_OK);
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 1).0, S_OK);
    let nested = R::Sub(PR_MESSAGE_RECIPIENTS, Box::new(bob));
    let other = R::Sub(PR_ENTRYID, Box::new(R::Exist(PR_DISPLAY_NAME_W)));
    for (r, code) in [
        (&nested, MAPI_E_TOO_COMPLEX),
        (&other, MAPI_E_INVALID_PARAMETER),
    ] {
        assert_eq!(restrict(&t, Some(r)), code);
        assert_eq!(find(&t, r, BOOKMARK_BEGINNING, 0), code);
        assert_eq!(position(&t).0, 1);
        assert_eq!(all_keys(&t), [1, 4]);
        assert_eq!(seek(&t, BOOKMARK_BEGINNING, 1).0, S_OK);
    }
    // Without a provider of sub-objects, the docs' answer for tables that do not support them.
    let plain = sample(AllocatorSet::native()).view();
    assert_eq!(restrict(&plain, Some(&any_recipient)), MAPI_E_TOO_COMPLEX);
    assert_eq!(
        find(&plain, &any_recipient, BOOKMARK_BEGINNING, 0),
        MAPI_E_TOO_COMPLEX
    );
    assert_eq!(all_keys(&plain), [1, 2, 3, 4, 5]);
}

#[test]
fn every_restriction_type_filters_as_the_docs_say() {
    let table = sample(AllocatorSet::native());
    table
        .modify_row(vec![
            Property::for_tag(KEY, key(6)),
            Property::for_tag(NUM, PropValue::Long(10)),
            Property::for_tag(FLAGS, PropValue::Long(0b101)),
            Property::for_tag(EXTRA, PropValue::Long(10)),
            Property::for_tag(
                KEYWORDS,
                PropValue::MvUnicode(vec!["red".into(), "Blue".into()]),
            ),
            Property::for_tag(BLOB, PropValue::Binary(vec![1, 2, 3, 4])),
        ])
        .unwrap();
    let t = table.view();
    let text = |s: &str| PropValue::Unicode(s.into());
    use R::*;
    // CONTENT: full string, substring, prefix; case; loose; 8-bit needles on Unicode columns.
    assert_eq!(
        restricted(&t, &Content(FL_FULLSTRING, NAME, text("alpha"))),
        [2]
    );
    assert_eq!(
        restricted(&t, &Content(FL_FULLSTRING, NAME, text("ALPHA"))),
        [] as [u8; 0]
    );
    assert_eq!(
        restricted(
            &t,
            &Content(FL_FULLSTRING | FL_IGNORECASE, NAME, text("ALPHA"))
        ),
        [2]
    );
    assert_eq!(
        restricted(&t, &Content(FL_SUBSTRING | FL_IGNORECASE, NAME, text("a"))),
        [1, 2, 3, 4]
    );
    assert_eq!(
        restricted(&t, &Content(FL_SUBSTRING, NAME, text("a"))),
        [1, 2, 3, 4]
    );
    assert_eq!(
        restricted(&t, &Content(FL_SUBSTRING, NAME, text("ha"))),
        [1, 2]
    );
    assert_eq!(
        restricted(&t, &Content(FL_SUBSTRING, NAME, text("lph"))),
        [2]
    );
    assert_eq!(
        restricted(&t, &Content(FL_PREFIX | FL_LOOSE, NAME, text("d"))),
        [4]
    );
    assert_eq!(
        restricted(&t, &Content(FL_PREFIX | FL_IGNORECASE, NAME, text("éc"))),
        [5]
    );
    let string8 = PropValue::String8(b"\xc9CHO".to_vec());
    let name8 = prop_tag(PT_STRING8, 0x6602);
    assert_eq!(
        restricted(&t, &Content(FL_FULLSTRING | FL_IGNORECASE, name8, string8)),
        [5]
    );
    assert_eq!(
        restricted(
            &t,
            &Content(FL_SUBSTRING, BLOB, PropValue::Binary(vec![2, 3]))
        ),
        [6]
    );
    assert_eq!(
        restricted(&t, &Content(FL_PREFIX, BLOB, PropValue::Binary(vec![2]))),
        [] as [u8; 0]
    );
    assert_eq!(
        restricted(
            &t,
            &Content(FL_FULLSTRING | FL_IGNORECASE, KEYWORDS, text("blue"))
        ),
        [6]
    );
    // PROPERTY with each operator, and MVI_FLAG matching any value.
    let ten = PropValue::Long(10);
    assert_eq!(
        restricted(&t, &Prop(RELOP_LT, NUM, PropValue::Long(20))),
        [2, 4, 6]
    );
    assert_eq!(
        restricted(&t, &Prop(RELOP_LE, NUM, PropValue::Long(20))),
        [2, 3, 4, 6]
    );
    assert_eq!(
        restricted(&t, &Prop(RELOP_GT, NUM, PropValue::Long(20))),
        [1, 5]
    );
    assert_eq!(
        restricted(&t, &Prop(RELOP_GE, NUM, PropValue::Long(20))),
        [1, 3, 5]
    );
    assert_eq!(restricted(&t, &Prop(RELOP_EQ, NUM, ten.clone())), [2, 4, 6]);
    assert_eq!(restricted(&t, &Prop(RELOP_NE, NUM, ten.clone())), [1, 3, 5]);
    assert_eq!(restricted(&t, &Prop(RELOP_LT, NAME, text("a"))), [1, 3]);
    let red = Prop(RELOP_EQ, KEYWORDS | MV_INSTANCE, text("red"));
    assert_eq!(restricted(&t, &red), [6]);
    // AND, OR, NOT, empty AND and OR.
    let small = || Prop(RELOP_LT, NUM, PropValue::Long(25));
    let has_l = || Content(FL_SUBSTRING | FL_IGNORECASE, NAME, text("l"));
    assert_eq!(restricted(&t, &And(vec![small(), has_l()])), [2, 4]);
    assert_eq!(
        restricted(
            &t,
            &Or(vec![Prop(RELOP_EQ, NUM, PropValue::Long(50)), has_l()])
        ),
        [1, 2, 4, 5]
    );
    assert_eq!(restricted(&t, &Not(Box::new(small()))), [1, 5]);
    assert_eq!(restricted(&t, &And(vec![])), [1, 2, 3, 4, 5, 6]);
    assert_eq!(restricted(&t, &Or(vec![])), [] as [u8; 0]);
    // COMPAREPROPS, BITMASK, SIZE, EXIST, COMMENT.
    assert_eq!(restricted(&t, &Compare(RELOP_EQ, NUM, EXTRA)), [6]);
    assert_eq!(restricted(&t, &BitMask(BMR_NEZ, FLAGS, 0b100)), [6]);
    assert_eq!(restricted(&t, &BitMask(BMR_EQZ, FLAGS, 0b010)), [6]);
    // Unicode: two bytes per unit and the NUL ("Charlie" 16, "alpha" 12, "Écho" 10).
    assert_eq!(restricted(&t, &Size(RELOP_GT, NAME, 12)), [1]);
    assert_eq!(restricted(&t, &Size(RELOP_LT, NAME, 12)), [5]);
    assert_eq!(restricted(&t, &Size(RELOP_EQ, BLOB, 4)), [6]);
    assert_eq!(restricted(&t, &Exist(FLAGS)), [6]);
    assert_eq!(
        restricted(&t, &Not(Box::new(Exist(prop_tag(PT_STRING8, 0x6602))))),
        [6]
    );
    assert_eq!(restricted(&t, &Comment(Some(Box::new(Exist(BLOB))))), [6]);
    assert_eq!(restricted(&t, &Comment(None)).len(), 6);
    // NULL clears.
    assert_eq!(restrict(&t, None), S_OK);
    assert_eq!(count(&t), 6);
}

#[test]
fn bad_restrictions_are_refused_and_change_nothing() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    let kept = R::Prop(RELOP_EQ, NUM, PropValue::Long(10));
    assert_eq!(restricted(&t, &kept), [2, 4]);
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 1).0, S_OK);
    let text = PropValue::Unicode("x".into());
    use R::*;
    let cases: Vec<(R, HRESULT)> = vec![
        (Raw(11), MAPI_E_INVALID_PARAMETER),
        (Raw(0xFFFF_FFFF), MAPI_E_INVALID_PARAMETER),
        (Prop(9, NUM, PropValue::Long(1)), MAPI_E_INVALID_PARAMETER),
        (Prop(RELOP_RE, NAME, text.clone()), MAPI_E_TOO_COMPLEX),
        // The value's type must be the column's.
        (
            Prop(RELOP_EQ, NUM, PropValue::I8(1)),
            MAPI_E_INVALID_PARAMETER,
        ),
        (
            Content(FL_SUBSTRING, NUM, PropValue::Long(1)),
            MAPI_E_INVALID_PARAMETER,
        ),
        (Content(7, NAME, text.clone()), MAPI_E_INVALID_PARAMETER),
        (
            Content(FL_SUBSTRING | 0x0100_0000, NAME, text.clone()),
            MAPI_E_INVALID_PARAMETER,
        ),
        (
            Content(FL_SUBSTRING | FL_IGNORENONSPACE, NAME, text.clone()),
            MAPI_E_TOO_COMPLEX,
        ),
        (Compare(RELOP_EQ, NUM, NAME), MAPI_E_INVALID_PARAMETER),
        (BitMask(2, FLAGS, 1), MAPI_E_INVALID_PARAMETER),
        (BitMask(BMR_EQZ, NAME, 1), MAPI_E_INVALID_PARAMETER),
        (Size(RELOP_RE, NAME, 1), MAPI_E_INVALID_PARAMETER),
        (
            Sub(PR_MESSAGE_RECIPIENTS, Box::new(Exist(NUM))),
            MAPI_E_TOO_COMPLEX,
        ),
        (
            Sub(PR_MESSAGE_RECIPIENTS, Box::new(Raw(42))),
            MAPI_E_INVALID_PARAMETER,
        ),
        // Only recipients and attachments are sub-objects.
        (
            Sub(PR_DISPLAY_NAME_W, Box::new(Exist(NUM))),
            MAPI_E_INVALID_PARAMETER,
        ),
        // Deep inside a tree, the whole call is refused.
        (
            And(vec![Exist(NUM), Or(vec![Not(Box::new(Raw(77)))])]),
            MAPI_E_INVALID_PARAMETER,
        ),
    ];
    for (r, code) in cases {
        assert_eq!(restrict(&t, Some(&r)), code);
        assert_eq!(position(&t).0, 1, "cursor kept");
    }
    // A NOT without its restriction, and an AND whose list is NULL.
    let mut not: SRestriction = unsafe { core::mem::zeroed() };
    not.rt = RES_NOT;
    let mut and: SRestriction = unsafe { core::mem::zeroed() };
    and.rt = RES_AND;
    and.res.resAnd = SAndRestriction {
        cRes: 2,
        lpRes: core::ptr::null_mut(),
    };
    for raw in [&mut not, &mut and] {
        let hr = unsafe { (t.vtable().Restrict)(t.as_raw(), raw, 0) };
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    }
    assert_eq!(
        unsafe { (t.vtable().Restrict)(t.as_raw(), core::ptr::null_mut(), 4) },
        MAPI_E_UNKNOWN_FLAGS
    );
    // Too deep a tree (or a cycle) is too complex rather than a stack overflow.
    let cycle: *mut SRestriction = Box::into_raw(Box::new(unsafe { core::mem::zeroed() }));
    unsafe {
        (*cycle).rt = RES_NOT;
        (*cycle).res.resNot = SNotRestriction {
            ulReserved: 0,
            lpRes: cycle,
        };
        assert_eq!(
            (t.vtable().Restrict)(t.as_raw(), cycle, 0),
            MAPI_E_TOO_COMPLEX
        );
        drop(Box::from_raw(cycle));
    }
    assert_eq!(position(&t).0, 1);
    assert_eq!(all_keys(&t), [2, 4]);
}

#[test]
fn sort_table_orders_by_several_keys_both_ways() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    assert_eq!(sort(&t, [(NUM, TABLE_SORT_ASCEND)], 0), S_OK);
    // Ties keep the order the rows were added in.
    assert_eq!(all_keys(&t), [2, 4, 3, 1, 5]);
    assert_eq!(
        sort(
            &t,
            [(NUM, TABLE_SORT_ASCEND), (NAME, TABLE_SORT_DESCEND)],
            0
        ),
        S_OK
    );
    assert_eq!(all_keys(&t), [4, 2, 3, 1, 5]);
    assert_eq!(sort(&t, [(NAME, TABLE_SORT_ASCEND)], 0), S_OK);
    assert_eq!(
        all_keys(&t),
        [3, 1, 2, 4, 5],
        "ordinal: upper case first, É last"
    );
    // Rows lacking the column sort last ascending, first descending.
    table
        .modify_row(vec![Property::for_tag(KEY, key(7))])
        .unwrap();
    assert_eq!(sort(&t, [(NUM, TABLE_SORT_DESCEND)], 0), S_OK);
    assert_eq!(all_keys(&t), [7, 5, 1, 3, 2, 4]);
    // A new or changed row goes to its place.
    table.modify_row(row(8, 25, "x")).unwrap();
    table.modify_row(row(5, 0, "Écho")).unwrap();
    assert_eq!(all_keys(&t), [7, 1, 8, 3, 2, 4, 5]);
    // QuerySortOrder gives the keys back.
    let mut out = core::ptr::null_mut();
    assert_eq!(
        unsafe { (t.vtable().QuerySortOrder)(t.as_raw(), &mut out) },
        S_OK
    );
    let set = unsafe { &*out };
    assert_eq!(
        (set.cSorts, set.cCategories, set.aSort[0]),
        (
            1,
            0,
            SSortOrder {
                ulPropTag: NUM,
                ulOrder: TABLE_SORT_DESCEND
            }
        )
    );
    unsafe { AllocatorSet::native().free(out.cast()) };
    // Bad sort orders change nothing.
    for (hr, expected) in [
        (sort(&t, [(NAME, 7)], 0), MAPI_E_INVALID_PARAMETER),
        (
            sort(&t, [(prop_tag(PT_OBJECT, 0x6610), TABLE_SORT_ASCEND)], 0),
            MAPI_E_INVALID_PARAMETER,
        ),
        (
            sort(&t, [(NAME, TABLE_SORT_ASCEND)], 2),
            MAPI_E_INVALID_PARAMETER,
        ),
        // Aggregate and combined keys need a category before them.
        (
            sort(&t, [(NAME, TABLE_SORT_CATEG_MAX)], 0),
            MAPI_E_INVALID_PARAMETER,
        ),
        (
            sort(&t, [(NAME, TABLE_SORT_COMBINE)], 1),
            MAPI_E_INVALID_PARAMETER,
        ),
        (
            sort(
                &t,
                [(
                    prop_tag(PT_UNICODE | MV_INSTANCE, 0x6605),
                    TABLE_SORT_ASCEND,
                )],
                0,
            ),
            MAPI_E_INVALID_PARAMETER,
        ),
    ] {
        assert_eq!(hr, expected);
    }
    let hr = unsafe { (t.vtable().SortTable)(t.as_raw(), core::ptr::null_mut(), 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(all_keys(&t), [7, 1, 8, 3, 2, 4, 5]);
    // An empty sort order is the order of addition (a changed row keeps its place).
    assert_eq!(sort(&t, [], 0), S_OK);
    assert_eq!(all_keys(&t), [1, 2, 3, 4, 5, 7, 8]);
}

#[test]
fn every_open_view_sees_changes_and_its_sinks_are_told() {
    let table = sample(AllocatorSet::native());
    let (a, b) = (table.view(), table.view());
    assert_eq!(sort(&b, [(NUM, TABLE_SORT_ASCEND)], 0), S_OK);
    assert_eq!(
        restrict(&b, Some(&R::Prop(RELOP_LT, NUM, PropValue::Long(40)))),
        S_OK
    );
    let (rec_a, sink_a) = recorder();
    let (rec_b, sink_b) = recorder();
    let conn_a = advise(&a, &sink_a);
    advise(&b, &sink_b);
    let index = |k| Property::for_tag(KEY, key(k));
    // Added: after row 5 in a; between 4 (10) and 3 (20) in b.
    table.modify_row(row(6, 15, "new")).unwrap();
    let added = |prior| Seen {
        event: TABLE_ROW_ADDED,
        index: index(6),
        prior,
        row: row(6, 15, "new"),
    };
    assert_eq!(taken(&rec_a), [added(index(5))]);
    assert_eq!(taken(&rec_b), [added(index(4))]);
    assert_eq!(all_keys(&a), [1, 2, 3, 4, 5, 6]);
    assert_eq!(all_keys(&b), [2, 4, 6, 3, 1]);
    // Modified: in b it moves to the front; it leaves b's restriction later.
    table.modify_row(row(6, 1, "new")).unwrap();
    assert_eq!(taken(&rec_a)[0].event, TABLE_ROW_MODIFIED);
    let seen = taken(&rec_b);
    assert_eq!(
        (seen[0].event, &seen[0].prior),
        (TABLE_ROW_MODIFIED, &null())
    );
    table.modify_row(row(6, 99, "new")).unwrap();
    assert_eq!(taken(&rec_a)[0].event, TABLE_ROW_MODIFIED);
    let seen = taken(&rec_b);
    assert_eq!(
        (seen[0].event, &seen[0].index, seen[0].row.len()),
        (TABLE_ROW_DELETED, &index(6), 0)
    );
    // A change to a row b does not show tells b nothing.
    table.modify_row(row(6, 98, "new")).unwrap();
    assert_eq!(taken(&rec_a).len(), 1);
    assert!(taken(&rec_b).is_empty());
    // Deleted.
    table.delete_row(&key(2)).unwrap();
    assert_eq!(taken(&rec_a)[0].event, TABLE_ROW_DELETED);
    assert_eq!(taken(&rec_b)[0].index, index(2));
    assert_eq!(
        table.delete_row(&key(2)).unwrap_err().code(),
        MAPI_E_NOT_FOUND
    );
    // Reload: one TABLE_RELOAD each, views rebuilt under their restriction and order.
    table
        .replace_rows(vec![row(1, 5, "a"), row(2, 45, "b"), row(3, 1, "c")])
        .unwrap();
    assert_eq!(taken(&rec_a)[0].event, TABLE_RELOAD);
    assert_eq!(taken(&rec_b)[0].event, TABLE_RELOAD);
    assert_eq!(all_keys(&b), [3, 1]);
    // Unadvise stops notifications; unknown connections are not found.
    assert_eq!(unsafe { (a.vtable().Unadvise)(a.as_raw(), conn_a) }, S_OK);
    assert_eq!(
        unsafe { (a.vtable().Unadvise)(a.as_raw(), conn_a) },
        MAPI_E_NOT_FOUND
    );
    table.modify_row(row(4, 2, "d")).unwrap();
    assert!(taken(&rec_a).is_empty());
    assert_eq!(taken(&rec_b).len(), 1);
    // Changes from other threads reach the views too.
    std::thread::scope(|s| {
        for k in 10..20 {
            let table = table.clone();
            s.spawn(move || table.modify_row(row(k, 3, "t")).unwrap());
        }
    });
    assert_eq!(taken(&rec_b).len(), 10);
    assert_eq!(count(&b), 13);
    // Bad Advise input.
    let mut c = 0;
    let v = a.vtable();
    unsafe {
        assert_eq!(
            (v.Advise)(a.as_raw(), fnevTableModified, core::ptr::null_mut(), &mut c),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            (v.Advise)(a.as_raw(), fnevObjectCreated, sink_a.as_raw(), &mut c),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            (v.Advise)(
                a.as_raw(),
                fnevTableModified,
                sink_a.as_raw(),
                core::ptr::null_mut()
            ),
            MAPI_E_INVALID_PARAMETER
        );
    }
    // Closing a view releases its sinks, and the table forgets it.
    drop(b);
    table.modify_row(row(4, 3, "d")).unwrap();
    assert!(taken(&rec_b).is_empty());
    drop(sink_b);
    assert_eq!(rec_b.ref_count(), 1);
}

#[test]
fn rows_a_provider_gives_are_checked() {
    let table = TableData::new(KEY, vec![KEY], AllocatorSet::native()).unwrap();
    let invalid = |props| table.modify_row(props).unwrap_err().code();
    assert_eq!(
        invalid(vec![Property::for_tag(NUM, PropValue::Long(1))]),
        MAPI_E_INVALID_PARAMETER
    );
    let bad_text = vec![
        Property::for_tag(KEY, key(1)),
        Property::for_tag(NAME, PropValue::Unicode("a\0b".into())),
    ];
    assert_eq!(invalid(bad_text), MAPI_E_INVALID_PARAMETER);
    assert_eq!(table.row_count(), 0);
    let dup = table.replace_rows(vec![row(1, 1, "a"), row(1, 2, "b")]);
    assert_eq!(dup.unwrap_err().code(), MAPI_E_INVALID_PARAMETER);
    let boolean_index = TableData::new(prop_tag(PT_BOOLEAN, 1), vec![], AllocatorSet::native());
    assert_eq!(boolean_index.unwrap_err().code(), MAPI_E_INVALID_TYPE);
    table.modify_row(row(1, 1, "a")).unwrap();
    table.modify_row(row(1, 2, "b")).unwrap();
    assert_eq!(table.row(&key(1)).unwrap(), row(1, 2, "b"));
    // A bad row after good ones, or a duplicate, fails the whole replacement: nothing changes.
    let bad_last = vec![
        row(2, 1, "c"),
        row(3, 1, "d"),
        vec![Property::for_tag(NUM, PropValue::Long(1))],
    ];
    assert_eq!(
        table.replace_rows(bad_last).unwrap_err().code(),
        MAPI_E_INVALID_PARAMETER
    );
    let dup_last = vec![row(2, 1, "c"), row(3, 1, "d"), row(2, 5, "e")];
    assert_eq!(
        table.replace_rows(dup_last).unwrap_err().code(),
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(table.rows(), [row(1, 2, "b")]);
}

#[test]
fn common_columns_read_restrict_sort_find_and_notify_as_each_rows_own() {
    const STORE: u32 = prop_tag(PT_BINARY, 0x6607);
    let common = vec![
        Property::for_tag(STORE, PropValue::Binary(vec![7, 7])),
        Property::for_tag(NUM, PropValue::Long(25)),
    ];
    let table =
        TableData::new_with_common(KEY, vec![KEY, NUM, STORE], common, AllocatorSet::native())
            .unwrap();
    // Row 2 has its own number, which replaces the common one; the others show 25.
    let own = |k: u8, name: &str| {
        vec![
            Property::for_tag(KEY, key(k)),
            Property::for_tag(NAME, PropValue::Unicode(name.into())),
        ]
    };
    table.modify_row(own(1, "a")).unwrap();
    table.modify_row(row(2, 10, "b")).unwrap();
    table.modify_row(own(3, "c")).unwrap();
    let t = table.view();
    let shown = |k: u8, num: u32| {
        vec![
            Property::for_tag(KEY, key(k)),
            Property::for_tag(NUM, PropValue::Long(num)),
            Property::for_tag(STORE, PropValue::Binary(vec![7, 7])),
        ]
    };
    assert_eq!(
        query(&t, 10, 0).unwrap(),
        [shown(1, 25), shown(2, 10), shown(3, 25)]
    );
    // The rows a provider reads back are the ones it gave.
    assert_eq!(table.row(&key(1)).unwrap(), own(1, "a"));
    assert_eq!(table.rows()[1], row(2, 10, "b"));
    assert_eq!(
        table.count_rows(|r| r.value(NUM) == Some(&PropValue::Long(25))),
        2
    );
    // Restricted, sorted and found by a common value as by an own one.
    let store_is = |bytes: Vec<u8>| R::Prop(RELOP_EQ, STORE, PropValue::Binary(bytes));
    assert_eq!(restricted(&t, &store_is(vec![7, 7])), [1, 2, 3]);
    assert_eq!(restricted(&t, &store_is(vec![7])), Vec::<u8>::new());
    assert_eq!(
        restricted(&t, &R::Prop(RELOP_GT, NUM, PropValue::Long(20))),
        [1, 3]
    );
    assert_eq!(restrict(&t, None), S_OK);
    assert_eq!(sort(&t, [(NUM, TABLE_SORT_DESCEND)], 0), S_OK);
    assert_eq!(all_keys(&t), [1, 3, 2]);
    assert_eq!(sort(&t, [(STORE, TABLE_SORT_ASCEND)], 0), S_OK);
    assert_eq!(all_keys(&t), [1, 2, 3]);
    let num_is = |n| R::Prop(RELOP_EQ, NUM, PropValue::Long(n));
    assert_eq!(find(&t, &num_is(25), BOOKMARK_BEGINNING, 0), S_OK);
    assert_eq!(keys(&query(&t, 1, TBL_NOADVANCE).unwrap()), [1]);
    assert_eq!(seek(&t, BOOKMARK_CURRENT, 1).0, S_OK);
    assert_eq!(find(&t, &num_is(25), BOOKMARK_CURRENT, 0), S_OK);
    assert_eq!(keys(&query(&t, 1, TBL_NOADVANCE).unwrap()), [3]);
    // Every column, the common ones included.
    let mut all = core::ptr::null_mut();
    let hr = unsafe { (t.vtable().QueryColumns)(t.as_raw(), TBL_ALL_COLUMNS, &mut all) };
    assert_eq!(hr, S_OK);
    let columns = unsafe { tags_from_raw(all) }.unwrap();
    assert_eq!(columns, [KEY, NUM, STORE, NAME]);
    unsafe { AllocatorSet::native().free(all.cast()) };
    // A new row's notification shows them.
    let (rec, sink) = recorder();
    advise(&t, &sink);
    table.modify_row(own(4, "d")).unwrap();
    assert_eq!(
        taken(&rec),
        [Seen {
            event: TABLE_ROW_ADDED,
            index: Property::for_tag(KEY, key(4)),
            prior: Property::for_tag(KEY, key(3)),
            row: shown(4, 25),
        }]
    );
    // The index column cannot be common, nor a value no QueryRows could return.
    let refused = |common| {
        TableData::new_with_common(KEY, vec![KEY], common, AllocatorSet::native())
            .unwrap_err()
            .code()
    };
    assert_eq!(
        refused(vec![Property::for_tag(KEY, key(1))]),
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        refused(vec![Property::for_tag(
            NAME,
            PropValue::Unicode("a\0b".into())
        )]),
        MAPI_E_INVALID_PARAMETER
    );
}

#[test]
fn rows_placed_after_another_show_there_in_unsorted_views_and_say_so_in_their_notifications() {
    let table = TableData::new(KEY, vec![KEY, NUM, NAME], AllocatorSet::native()).unwrap();
    let t = table.view();
    let by_num = table.view();
    assert_eq!(sort(&by_num, [(NUM, TABLE_SORT_DESCEND)], 0), S_OK);
    let (rec, sink) = recorder();
    advise(&t, &sink);
    // The table's order as a plain list, and the view's as its notifications tell it.
    let mut expected: Vec<u8> = Vec::new();
    let mut told: Vec<Vec<Property>> = Vec::new();
    let mut reloads = 0;
    let mut place = |k: u8, prior: Option<u8>, expected: &mut Vec<u8>| {
        table
            .insert_row_after(row(k, u32::from(k % 3), "r"), prior.map(key).as_ref())
            .unwrap();
        expected.retain(|&e| e != k);
        let at = prior.map_or(0, |p| expected.iter().position(|&e| e == p).unwrap() + 1);
        expected.insert(at, k);
        let seen = taken(&rec);
        if seen[0].event == TABLE_RELOAD {
            // The rows numbered anew, then the row's own notification; the view, read now,
            // shows both.
            reloads += 1;
            assert_eq!(seen.len(), 2);
            assert_eq!(seen[1].index, Property::for_tag(KEY, key(k)));
            told = snapshot(&t);
        } else {
            replay(&mut told, seen);
        }
        assert_eq!(keys(&told), *expected);
    };
    // A subtree growing (each after the last placed), first places, scattered ones, moves of
    // rows already there, and many at the front, which runs out of room.
    let mut seed = 12345u64;
    let mut last = None;
    for k in 1..=150u8 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = (seed >> 33) as usize;
        let prior = match pick % 4 {
            _ if k > 120 => None,
            0 => None,
            1 | 2 => last,
            _ => expected.get(pick % expected.len().max(1)).copied(),
        };
        place(k, prior, &mut expected);
        if k % 10 == 0 {
            let moved = expected[pick % expected.len()];
            let prior = Some(expected[(pick / 7) % expected.len()]).filter(|&p| p != moved);
            place(moved, prior, &mut expected);
        }
        last = Some(k);
    }
    assert!(reloads > 0, "the front ran out of room");
    assert_eq!(all_keys(&t), expected);
    assert_eq!(all_keys(&table.view()), expected);
    // A sorted view orders by its keys, then by the table's order.
    let mut by_num_expected = expected.clone();
    by_num_expected.sort_by_key(|&k| core::cmp::Reverse(k % 3));
    assert_eq!(all_keys(&by_num), by_num_expected);
    // A prior no row has: nothing changes.
    assert_eq!(
        table
            .insert_row_after(row(200, 1, "r"), Some(&key(201)))
            .unwrap_err()
            .code(),
        MAPI_E_NOT_FOUND
    );
    assert_eq!(all_keys(&t), expected);
    assert!(taken(&rec).is_empty());
}

#[test]
fn status_abort_wait_and_categories() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    let v = t.vtable();
    let (mut status, mut kind) = (99, 99);
    unsafe {
        assert_eq!((v.GetStatus)(t.as_raw(), &mut status, &mut kind), S_OK);
        assert_eq!((status, kind), (TBLSTAT_COMPLETE, TBLTYPE_DYNAMIC));
        assert_eq!(
            (v.GetStatus)(t.as_raw(), core::ptr::null_mut(), &mut kind),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!((v.Abort)(t.as_raw()), S_OK);
        status = 99;
        assert_eq!(
            (v.WaitForCompletion)(t.as_raw(), 0, 1000, &mut status),
            S_OK
        );
        assert_eq!(status, TBLSTAT_COMPLETE);
        assert_eq!(
            (v.WaitForCompletion)(t.as_raw(), 0, 0, core::ptr::null_mut()),
            S_OK
        );
        assert_eq!(
            (v.WaitForCompletion)(t.as_raw(), 2, 0, &mut status),
            MAPI_E_UNKNOWN_FLAGS
        );
        let mut key = [1u8];
        let (mut rows, mut more) = (core::ptr::null_mut(), 0);
        // Without categories there is no heading row to expand or collapse.
        let hr = (v.ExpandRow)(t.as_raw(), 1, key.as_mut_ptr(), 10, 0, &mut rows, &mut more);
        assert_eq!(hr, MAPI_E_NOT_FOUND);
        let hr = (v.CollapseRow)(t.as_raw(), 1, key.as_mut_ptr(), 0, &mut more);
        assert_eq!(hr, MAPI_E_NOT_FOUND);
        let (mut cb, mut state, mut location) = (0, core::ptr::null_mut(), 0);
        let hr = (v.GetCollapseState)(t.as_raw(), 0, 1, key.as_mut_ptr(), &mut cb, &mut state);
        assert_eq!(hr, MAPI_E_NO_SUPPORT);
        let hr = (v.SetCollapseState)(t.as_raw(), 0, 1, key.as_mut_ptr(), &mut location);
        assert_eq!(hr, MAPI_E_NO_SUPPORT);
        // The last failure is described (tests/last_error.rs reads what it says).
        let mut err = core::ptr::null_mut();
        assert_eq!(
            (v.GetLastError)(t.as_raw(), MAPI_E_NO_SUPPORT, 0, &mut err),
            S_OK
        );
        assert!(!err.is_null());
        AllocatorSet::native().free(err.cast());
    }
}

// ---------------------------------------------------------------------------------------------
// Restrict and SortTable against a plain Rust filter and sort.

#[derive(Clone, Debug)]
struct Model {
    num: Option<u32>,
    name: Option<String>,
    /// Its recipients' display names (kept by the row in `RECIPIENTS`, for [`RecipientsColumn`]).
    recipients: Vec<String>,
}

/// A private column holding the names the model's recipients have.
const RECIPIENTS: u32 = prop_tag(PT_MV_UNICODE, 0x6610);

/// Sub-objects read from the row itself: one recipient row per value of `RECIPIENTS`.
struct RecipientsColumn;

impl SubObjects for RecipientsColumn {
    fn sub_rows(&self, row: &[Property], object: u32) -> Vec<Vec<Property>> {
        match row.iter().find(|p| p.tag() == RECIPIENTS).map(|p| &p.value) {
            Some(PropValue::MvUnicode(names)) if object == PR_MESSAGE_RECIPIENTS => {
                names.iter().map(|n| recipient(n)).collect()
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
enum Cond {
    NumRel(u32, u32),
    NameHas(String, bool),
    NamePrefix(String),
    HasNum,
    RecipientHas(String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    fn holds(&self, m: &Model) -> bool {
        match self {
            Cond::NumRel(relop, v) => m.num.is_some_and(|n| match *relop {
                RELOP_LT => n < *v,
                RELOP_LE => n <= *v,
                RELOP_GT => n > *v,
                RELOP_GE => n >= *v,
                RELOP_EQ => n == *v,
                _ => n != *v,
            }),
            Cond::NameHas(s, ignore) => m.name.as_ref().is_some_and(|n| {
                if *ignore {
                    n.to_lowercase().contains(&s.to_lowercase())
                } else {
                    n.contains(s.as_str())
                }
            }),
            Cond::NamePrefix(s) => m.name.as_ref().is_some_and(|n| n.starts_with(s.as_str())),
            Cond::HasNum => m.num.is_some(),
            Cond::RecipientHas(s) => m.recipients.iter().any(|r| r.contains(s.as_str())),
            Cond::Not(c) => !c.holds(m),
            Cond::And(all) => all.iter().all(|c| c.holds(m)),
            Cond::Or(any) => any.iter().any(|c| c.holds(m)),
        }
    }

    fn raw(&self) -> R {
        match self {
            Cond::NumRel(relop, v) => R::Prop(*relop, NUM, PropValue::Long(*v)),
            Cond::NameHas(s, ignore) => R::Content(
                FL_SUBSTRING | if *ignore { FL_IGNORECASE } else { 0 },
                NAME,
                PropValue::Unicode(s.as_str().into()),
            ),
            Cond::NamePrefix(s) => {
                R::Content(FL_PREFIX, NAME, PropValue::Unicode(s.as_str().into()))
            }
            Cond::HasNum => R::Exist(NUM),
            Cond::RecipientHas(s) => R::Sub(
                PR_MESSAGE_RECIPIENTS,
                Box::new(R::Content(
                    FL_SUBSTRING,
                    PR_DISPLAY_NAME_W,
                    PropValue::Unicode(s.as_str().into()),
                )),
            ),
            Cond::Not(c) => R::Not(Box::new(c.raw())),
            Cond::And(all) => R::And(all.iter().map(Cond::raw).collect()),
            Cond::Or(any) => R::Or(any.iter().map(Cond::raw).collect()),
        }
    }
}

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (0u32..6, 0u32..20).prop_map(|(r, v)| Cond::NumRel(r, v)),
        ("[aAbBé]{1,2}", any::<bool>()).prop_map(|(s, i)| Cond::NameHas(s, i)),
        "[aAbBé]{1,2}".prop_map(Cond::NamePrefix),
        Just(Cond::HasNum),
        "[aAbBé]{1,2}".prop_map(Cond::RecipientHas),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Cond::And),
            prop::collection::vec(inner, 0..3).prop_map(Cond::Or),
        ]
    })
}

fn model() -> impl Strategy<Value = Model> {
    (
        prop::option::of(0u32..20),
        // Some names share a first 15 to 17 bytes, so that sorting compares past them (and
        // an `é` may straddle the 16th byte).
        prop::option::of((0usize..4, "[aAbBéÉ]{0,4}")),
        prop::collection::vec("[aAbBé]{0,3}", 0..3),
    )
        .prop_map(|(num, name, recipients)| Model {
            num,
            name: name.map(|(long, tail)| {
                let shared = [
                    "",
                    "subject: the sa",
                    "subject: the sam",
                    "subject: the same",
                ];
                format!("{}{tail}", shared[long])
            }),
            recipients,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn restrict_and_sort_match_a_plain_filter_and_sort(
        rows in prop::collection::vec(model(), 0..24),
        condition in prop::option::of(cond()),
        keys in prop::collection::vec((any::<bool>(), any::<bool>()), 0..3),
        common in prop::option::of(model()),
    ) {
        // With common columns, a row without its own number or name shows the common one:
        // restricted and sorted as if it were the row's own.
        let shared: Vec<Property> = common.iter().flat_map(|c| {
            c.num.map(|n| Property::for_tag(NUM, PropValue::Long(n))).into_iter()
                .chain(c.name.clone().map(|n| Property::for_tag(NAME, PropValue::Unicode(n.into()))))
        }).collect();
        let table = TableData::new_with_common(KEY, vec![KEY], shared, AllocatorSet::native())
            .unwrap()
            .with_sub_objects(RecipientsColumn);
        let shown: Vec<Model> = rows.iter().map(|m| Model {
            num: m.num.or(common.as_ref().and_then(|c| c.num)),
            name: m.name.clone().or(common.as_ref().and_then(|c| c.name.clone())),
            recipients: m.recipients.clone(),
        }).collect();
        for (k, m) in rows.iter().enumerate() {
            let mut props = vec![Property::for_tag(KEY, key(k as u8))];
            props.extend(m.num.map(|n| Property::for_tag(NUM, PropValue::Long(n))));
            props.extend(m.name.clone().map(|n| Property::for_tag(NAME, PropValue::Unicode(n.into()))));
            if !m.recipients.is_empty() {
                props.push(Property::for_tag(RECIPIENTS, PropValue::MvUnicode(m.recipients.clone())));
            }
            table.modify_row(props).unwrap();
        }
        let t = table.view();
        prop_assert_eq!(restrict(&t, condition.as_ref().map(Cond::raw).as_ref()), S_OK);
        let mut set = Sorts::<3> { cSorts: keys.len() as u32, cCategories: 0, cExpanded: 0, aSort: [SSortOrder::default(); 3] };
        for (i, (by_name, descending)) in keys.iter().enumerate() {
            set.aSort[i] = SSortOrder {
                ulPropTag: if *by_name { NAME } else { NUM },
                ulOrder: if *descending { TABLE_SORT_DESCEND } else { TABLE_SORT_ASCEND },
            };
        }
        let hr = unsafe { (t.vtable().SortTable)(t.as_raw(), (&mut set as *mut Sorts<3>).cast(), 0) };
        prop_assert_eq!(hr, S_OK);

        let rows = shown;
        let mut expected: Vec<usize> = (0..rows.len())
            .filter(|&k| condition.as_ref().is_none_or(|c| c.holds(&rows[k])))
            .collect();
        expected.sort_by(|&x, &y| {
            for (by_name, descending) in &keys {
                // Missing last ascending: `None` ordered after every `Some`.
                let order = if *by_name {
                    let v = |k: usize| rows[k].name.clone().map_or((1, String::new()), |n| (0, n));
                    v(x).cmp(&v(y))
                } else {
                    let v = |k: usize| rows[k].num.map_or((1, 0), |n| (0, n));
                    v(x).cmp(&v(y))
                };
                let order = if *descending { order.reverse() } else { order };
                if order.is_ne() {
                    return order;
                }
            }
            core::cmp::Ordering::Equal
        });
        let expected: Vec<u8> = expected.into_iter().map(|k| k as u8).collect();
        prop_assert_eq!(all_keys(&t), expected);
    }
}

/// A sink that reads its view from inside `OnNotify`, as clients do.
#[mapi_object(IMAPIAdviseSink)]
struct CallsBack {
    view: Mutex<Option<IMAPITable>>,
    counts: Mutex<Vec<u32>>,
}

impl IMAPIAdviseSinkImpl for CallsBack {
    unsafe fn OnNotify(this: &Object<Self>, _: u32, _: *mut NOTIFICATION) -> u32 {
        let view = this.view.lock().unwrap().clone();
        if let Some(view) = view {
            // Re-entrant calls on the view and on the table: no lock is held.
            this.counts.lock().unwrap().push(count(&view));
            assert_eq!(keys(&query(&view, 1, TBL_NOADVANCE).unwrap()).len(), 1);
        }
        0
    }
}

#[test]
fn a_sink_may_call_its_table_back_while_notified() {
    let table = sample(AllocatorSet::native());
    let t = table.view();
    let sink = ComObject::new(CallsBack {
        view: Mutex::new(Some(t.clone())),
        counts: Mutex::new(Vec::new()),
    });
    advise(&t, &sink.clone().into_interface());
    table.modify_row(row(6, 1, "six")).unwrap();
    table.delete_row(&key(1)).unwrap();
    assert_eq!(*sink.counts.lock().unwrap(), [6, 5]);
    // The sink held the view: break the cycle so both go.
    *sink.view.lock().unwrap() = None;
}

#[test]
fn notifications_are_built_in_two_blocks_freed_after_the_sinks_return() {
    let (rec, sink) = recorder();
    let ((), calls) = probe(None, |set| {
        let table = sample(set);
        let t = table.view();
        advise(&t, &sink);
        table.modify_row(row(6, 1, "six")).unwrap();
        table.delete_row(&key(6)).unwrap();
    });
    assert_eq!(taken(&rec).len(), 2);
    // Index and prior in one block, the row in another; a deletion has no row.
    assert_eq!((calls.allocate_buffer, calls.allocate_more), (3, 0));
    assert_eq!(calls.live_roots, 0);
    // An allocation failure reaches the sink as TABLE_ERROR with the error.
    let ((), _) = probe(Some(1), |set| {
        let table = TableData::new(KEY, vec![KEY], set).unwrap();
        let t = table.view();
        advise(&t, &sink);
        table.modify_row(row(1, 1, "one")).unwrap();
    });
    let seen = taken(&rec);
    assert_eq!(seen[0].event, TABLE_ERROR);
}

#[test]
fn views_read_while_other_threads_change_rows() {
    let table = TableData::new(KEY, vec![KEY, NUM], AllocatorSet::native()).unwrap();
    let views: Vec<IMAPITable> = (0..3).map(|_| table.view()).collect();
    assert_eq!(sort(&views[1], [(NUM, TABLE_SORT_DESCEND)], 0), S_OK);
    let (rec, sink) = recorder();
    advise(&views[2], &sink);
    std::thread::scope(|s| {
        for writer in 0..2u8 {
            let table = table.clone();
            s.spawn(move || {
                for i in 0..200u8 {
                    let k = writer * 100 + i % 100;
                    table.modify_row(row(k, u32::from(i), "w")).unwrap();
                    if i % 3 == 0 {
                        let _ = table.delete_row(&key(k));
                    }
                }
            });
        }
        for view in &views {
            s.spawn(move || {
                for _ in 0..200 {
                    let rows = query(view, 7, 0).unwrap();
                    assert!(rows.len() <= 7);
                    let (row, _, den) = position(view);
                    assert!(row <= den, "the cursor is within the view");
                    if rows.is_empty() {
                        assert_eq!(seek(view, BOOKMARK_BEGINNING, 0).0, S_OK);
                    }
                }
            });
        }
    });
    // Every view agrees with the table at the end.
    let n = table.row_count() as u32;
    for view in &views {
        assert_eq!(count(view), n);
    }
    assert!(!taken(&rec).is_empty());
    drop(sink);
}

/// The values of `tag` in each row of a result.
fn column(rows: &[Vec<Property>], index: usize) -> Vec<PropValue> {
    rows.iter().map(|r| r[index].value.clone()).collect()
}

#[test]
fn an_instance_column_shows_one_row_per_value() {
    let table = TableData::new(KEY, vec![KEY], AllocatorSet::native()).unwrap();
    let words = |k: u8, words: &[&str]| {
        let mut props = vec![Property::for_tag(KEY, key(k))];
        if !words.is_empty() {
            let words = words.iter().map(|w| w.to_string()).collect();
            props.push(Property::for_tag(KEYWORDS, PropValue::MvUnicode(words)));
        }
        props
    };
    table.modify_row(words(1, &["red", "blue"])).unwrap();
    table.modify_row(words(2, &["green"])).unwrap();
    table.modify_row(words(3, &[])).unwrap();
    let t = table.view();
    let mvi = KEYWORDS | MV_INSTANCE;
    let mut cols = tags([KEY, mvi]);
    assert_eq!(
        unsafe { (t.vtable().SetColumns)(t.as_raw(), cols.ptr(), 0) },
        S_OK
    );
    let rows = query(&t, 10, 0).unwrap();
    // Each instance its own key (the row's, then the instance number), the value under the
    // single-valued tag; a row without values shows once, the column not found.
    assert_eq!(
        column(&rows, 0),
        [
            PropValue::Binary(vec![1, 0, 0, 0, 0]),
            PropValue::Binary(vec![1, 1, 0, 0, 0]),
            PropValue::Binary(vec![2, 0, 0, 0, 0]),
            PropValue::Binary(vec![3, 0, 0, 0, 0]),
        ]
    );
    let text = |s: &str| PropValue::Unicode(s.into());
    assert_eq!(rows[0][1].tag(), prop_tag(PT_UNICODE, 0x6605));
    assert_eq!(
        column(&rows, 1),
        [
            text("red"),
            text("blue"),
            text("green"),
            PropValue::Error(MAPI_E_NOT_FOUND)
        ]
    );
    // Sorted by the instance column: each instance by its value.
    assert_eq!(sort(&t, [(mvi, TABLE_SORT_ASCEND)], 0), S_OK);
    assert_eq!(all_keys(&t), [1, 2, 1, 3]);
    // Restrictions look at the table row: both instances of row 1 show.
    let red = R::Prop(RELOP_EQ, mvi, text("red"));
    assert_eq!(restricted(&t, &red), [1, 1]);
    assert_eq!(find(&t, &R::Exist(KEYWORDS), BOOKMARK_BEGINNING, 0), S_OK);
    assert_eq!(restrict(&t, None), S_OK);
    // Changes reach each instance: one changed, one gone, one new.
    let (rec, sink) = recorder();
    advise(&t, &sink);
    table.modify_row(words(1, &["red", "amber"])).unwrap();
    let events: Vec<(u32, PropValue)> = taken(&rec)
        .into_iter()
        .map(|seen| (seen.event, seen.index.value))
        .collect();
    assert_eq!(
        events,
        [
            (TABLE_ROW_MODIFIED, PropValue::Binary(vec![1, 0, 0, 0, 0])),
            (TABLE_ROW_MODIFIED, PropValue::Binary(vec![1, 1, 0, 0, 0])),
        ]
    );
    assert_eq!(all_keys(&t), [1, 2, 1, 3]);
    table.modify_row(words(1, &["red"])).unwrap();
    let events: Vec<u32> = taken(&rec).into_iter().map(|seen| seen.event).collect();
    assert_eq!(events, [TABLE_ROW_MODIFIED, TABLE_ROW_DELETED]);
    table.delete_row(&key(2)).unwrap();
    assert_eq!(taken(&rec)[0].event, TABLE_ROW_DELETED);
    assert_eq!(count(&t), 2);
    // A second instance column is too complex, and changes nothing.
    let other = prop_tag(PT_MV_LONG | MV_INSTANCE, 0x6608);
    assert_eq!(
        sort(&t, [(other, TABLE_SORT_ASCEND)], 0),
        MAPI_E_TOO_COMPLEX
    );
    assert_eq!(count(&t), 2);
    // Without the instance column in the columns or the sort order, one row per table row.
    assert_eq!(sort(&t, [], 0), S_OK);
    let mut plain = tags([KEY, KEYWORDS]);
    assert_eq!(
        unsafe { (t.vtable().SetColumns)(t.as_raw(), plain.ptr(), 0) },
        S_OK
    );
    assert_eq!(all_keys(&t), [1, 3]);
}

/// Expands (`true`) or collapses the heading `key`: the code, and the rows returned and the
/// row count (expansion), or the rows removed (collapse).
fn toggle(
    t: &IMAPITable,
    key: &[u8],
    expand: bool,
    count: u32,
) -> (HRESULT, Vec<Vec<Property>>, u32) {
    let mut key = key.to_vec();
    let mut n = 0;
    unsafe {
        if expand {
            let mut set = core::ptr::null_mut();
            let hr = (t.vtable().ExpandRow)(
                t.as_raw(),
                key.len() as u32,
                key.as_mut_ptr(),
                count,
                0,
                &mut set,
                &mut n,
            );
            let rows = if set.is_null() {
                Vec::new()
            } else {
                take_rows(set, &AllocatorSet::native())
            };
            (hr, rows, n)
        } else {
            let hr =
                (t.vtable().CollapseRow)(t.as_raw(), key.len() as u32, key.as_mut_ptr(), 0, &mut n);
            (hr, Vec::new(), n)
        }
    }
}

fn long(rows: &[Vec<Property>], index: usize) -> Vec<u32> {
    rows.iter()
        .map(|r| match r[index].value {
            PropValue::Long(v) => v,
            _ => u32::MAX,
        })
        .collect()
}

#[test]
fn categorized_views_group_rows_under_headings() {
    let table = TableData::new(KEY, vec![KEY], AllocatorSet::native()).unwrap();
    for (k, num, name, read) in [
        (1, 10, "a", Some(true)),
        (2, 10, "b", Some(false)),
        (3, 20, "c", Some(false)),
        (4, 20, "d", Some(true)),
        (5, 30, "e", None),
    ] {
        let mut props = row(k, num, name);
        props.extend(read.map(|r| {
            Property::for_tag(
                PR_MESSAGE_FLAGS,
                PropValue::Long(if r { MSGFLAG_READ } else { 0 }),
            )
        }));
        table.modify_row(props).unwrap();
    }
    let t = table.view();
    let mut cols = tags([
        KEY,
        NUM,
        NAME,
        PR_ROW_TYPE,
        PR_DEPTH,
        PR_CONTENT_COUNT,
        PR_CONTENT_UNREAD,
    ]);
    assert_eq!(
        unsafe { (t.vtable().SetColumns)(t.as_raw(), cols.ptr(), 0) },
        S_OK
    );
    // One category (NUM), expanded; rows by NAME descending inside.
    assert_eq!(
        sort_categorized(
            &t,
            [(NUM, TABLE_SORT_ASCEND), (NAME, TABLE_SORT_DESCEND)],
            1,
            1
        ),
        S_OK
    );
    let rows = query(&t, 100, 0).unwrap();
    let (e, l) = (TBL_EXPANDED_CATEGORY, TBL_LEAF_ROW);
    assert_eq!(long(&rows, 3), [e, l, l, e, l, l, e, l]);
    assert_eq!(long(&rows, 4), [0, 1, 1, 0, 1, 1, 0, 1]);
    assert_eq!(long(&rows, 1), [10, 10, 10, 20, 20, 20, 30, 30]);
    let headings = [0, 3, 6].map(|at| rows[at].clone());
    assert_eq!(long(&headings, 5), [2, 2, 1]);
    assert_eq!(long(&headings, 6), [1, 1, 0]);
    assert_eq!(
        headings[0][2].value,
        PropValue::Error(MAPI_E_NOT_FOUND),
        "no NAME on a heading"
    );
    let key_of = |row: &Vec<Property>| match &row[0].value {
        PropValue::Binary(k) => k.clone(),
        other => panic!("{other:?}"),
    };
    let (h10, h20) = (key_of(&headings[0]), key_of(&headings[1]));
    assert_eq!(
        keys(&[
            rows[1].clone(),
            rows[2].clone(),
            rows[4].clone(),
            rows[5].clone(),
            rows[7].clone()
        ]),
        [2, 1, 4, 3, 5]
    );
    // Collapse, expand (a row at a time), and bad keys.
    assert_eq!(toggle(&t, &h20, false, 0), (S_OK, Vec::new(), 2));
    assert_eq!(count(&t), 6);
    assert_eq!(
        long(&query(&t, -100, 0).unwrap(), 3),
        [e, l, l, TBL_COLLAPSED_CATEGORY, e, l]
    );
    assert_eq!(toggle(&t, &h20, false, 0).2, 0, "already collapsed");
    let (hr, got, more) = toggle(&t, &h20, true, 1);
    assert_eq!((hr, keys(&got), more), (S_OK, vec![4], 2));
    assert_eq!(position(&t).0, 5, "after the rows returned");
    assert_eq!(count(&t), 8);
    assert_eq!(toggle(&t, b"nope", true, 1).0, MAPI_E_NOT_FOUND);
    assert_eq!(toggle(&t, b"nope", false, 0).0, MAPI_E_NOT_FOUND);
    let mut k = h10.clone();
    let mut n = 0;
    let hr =
        unsafe { (t.vtable().CollapseRow)(t.as_raw(), k.len() as u32, k.as_mut_ptr(), 1, &mut n) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let hr = unsafe { (t.vtable().CollapseRow)(t.as_raw(), 4, core::ptr::null_mut(), 0, &mut n) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(count(&t), 8);
    // The collapse state saved and restored, with the row it marks.
    assert_eq!(toggle(&t, &h10, false, 0).2, 2);
    let (mut cb, mut state) = (0, core::ptr::null_mut());
    let mut k20 = h20.clone();
    let hr = unsafe {
        (t.vtable().GetCollapseState)(
            t.as_raw(),
            0,
            k20.len() as u32,
            k20.as_mut_ptr(),
            &mut cb,
            &mut state,
        )
    };
    assert_eq!(hr, S_OK);
    let saved = unsafe { core::slice::from_raw_parts(state, cb as usize) }.to_vec();
    unsafe { AllocatorSet::native().free(state.cast()) };
    assert_eq!(toggle(&t, &h10, true, 0).2, 2);
    assert_eq!(count(&t), 8);
    let mut saved_copy = saved.clone();
    let mut location = 0;
    let hr = unsafe {
        (t.vtable().SetCollapseState)(
            t.as_raw(),
            0,
            saved_copy.len() as u32,
            saved_copy.as_mut_ptr(),
            &mut location,
        )
    };
    assert_eq!(hr, S_OK);
    assert_eq!(count(&t), 6);
    assert_eq!(seek(&t, location, 0).0, S_OK);
    assert_eq!(
        position(&t).0,
        1,
        "the heading of 20, after the collapsed 10"
    );
    let mut garbage = vec![9u8; 3];
    let hr = unsafe {
        (t.vtable().SetCollapseState)(t.as_raw(), 0, 3, garbage.as_mut_ptr(), &mut location)
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(count(&t), 6);
    // QuerySortOrder keeps the categories.
    let mut out = core::ptr::null_mut();
    assert_eq!(
        unsafe { (t.vtable().QuerySortOrder)(t.as_raw(), &mut out) },
        S_OK
    );
    assert_eq!(
        unsafe { ((*out).cSorts, (*out).cCategories, (*out).cExpanded) },
        (2, 1, 1)
    );
    unsafe { AllocatorSet::native().free(out.cast()) };
    // A change lays the view out again and tells its sinks what changed, row by row.
    let (rec, sink) = recorder();
    advise(&t, &sink);
    table.modify_row(row(6, 20, "f")).unwrap();
    assert_eq!(
        taken(&rec).into_iter().map(|s| s.event).collect::<Vec<_>>(),
        [TABLE_ROW_MODIFIED, TABLE_ROW_ADDED],
        "the heading's count, then the new row"
    );
    assert_eq!(count(&t), 7);
    table.delete_row(&key(5)).unwrap();
    assert_eq!(count(&t), 5, "the heading of 30 goes with its last row");
    // No expanded level: headings only. Restrictions filter the rows under them.
    assert_eq!(sort_categorized(&t, [(NUM, TABLE_SORT_ASCEND)], 1, 0), S_OK);
    assert_eq!(
        long(&query(&t, 100, 0).unwrap(), 3),
        [TBL_COLLAPSED_CATEGORY, TBL_COLLAPSED_CATEGORY]
    );
    assert_eq!(
        restrict(&t, Some(&R::Prop(RELOP_EQ, NUM, PropValue::Long(20)))),
        S_OK
    );
    let rows = query(&t, 100, 0).unwrap();
    assert_eq!((long(&rows, 1), long(&rows, 5)), (vec![20], vec![3]));
}

/// The table of the combined and aggregated category tests: NUM is the category, EXTRA the
/// aggregated column (row 5 has none).
fn categories_sample() -> TableData {
    let table = TableData::new(KEY, vec![KEY], AllocatorSet::native()).unwrap();
    for (k, num, name, extra) in [
        (1, 10, "a", Some(5)),
        (2, 10, "b", Some(50)),
        (3, 20, "a", Some(30)),
        (4, 20, "a", Some(1)),
        (5, 30, "c", None),
    ] {
        let mut props = row(k, num, name);
        props.extend(extra.map(|e| Property::for_tag(EXTRA, PropValue::Long(e))));
        table.modify_row(props).unwrap();
    }
    table
}

/// Columns KEY, NUM, NAME, EXTRA, PR_ROW_TYPE, PR_DEPTH, PR_CONTENT_COUNT.
fn categories_columns(t: &IMAPITable) {
    let mut cols = tags([
        KEY,
        NUM,
        NAME,
        EXTRA,
        PR_ROW_TYPE,
        PR_DEPTH,
        PR_CONTENT_COUNT,
    ]);
    assert_eq!(
        unsafe { (t.vtable().SetColumns)(t.as_raw(), cols.ptr(), 0) },
        S_OK
    );
}

fn text(rows: &[Vec<Property>], index: usize) -> Vec<String> {
    rows.iter()
        .map(|r| match &r[index].value {
            PropValue::Unicode(s) => s.to_string(),
            _ => "-".into(),
        })
        .collect()
}

#[test]
fn combined_categories_make_one_heading_per_pair_of_values() {
    let table = categories_sample();
    let t = table.view();
    categories_columns(&t);
    assert_eq!(
        sort_categorized(
            &t,
            [(NUM, TABLE_SORT_ASCEND), (NAME, TABLE_SORT_COMBINE)],
            2,
            1
        ),
        S_OK
    );
    let rows = query(&t, 100, 0).unwrap();
    let (e, l) = (TBL_EXPANDED_CATEGORY, TBL_LEAF_ROW);
    assert_eq!(long(&rows, 4), [e, l, e, l, e, l, l, e, l]);
    assert_eq!(long(&rows, 5), [0, 1, 0, 1, 0, 1, 1, 0, 1], "one level");
    assert_eq!(long(&rows, 1), [10, 10, 10, 10, 20, 20, 20, 30, 30]);
    assert_eq!(
        text(&rows, 2),
        ["a", "a", "b", "b", "a", "a", "a", "c", "c"]
    );
    let headings: Vec<_> = [0, 2, 4, 7].map(|at| rows[at].clone()).into();
    assert_eq!(long(&headings, 6), [1, 1, 2, 1]);
    // Descending joins in the direction of the category it joins.
    assert_eq!(
        sort_categorized(
            &t,
            [(NUM, TABLE_SORT_DESCEND), (NAME, TABLE_SORT_COMBINE)],
            2,
            0
        ),
        S_OK
    );
    let rows = query(&t, 100, 0).unwrap();
    assert_eq!(long(&rows, 1), [30, 20, 10, 10]);
    assert_eq!(text(&rows, 2), ["c", "a", "b", "a"]);
    // QuerySortOrder gives the combination back.
    let mut out = core::ptr::null_mut();
    assert_eq!(
        unsafe { (t.vtable().QuerySortOrder)(t.as_raw(), &mut out) },
        S_OK
    );
    assert_eq!(
        unsafe {
            (
                (*out).cSorts,
                (*out).cCategories,
                (*out.cast::<Sorts<2>>()).aSort[1].ulOrder,
            )
        },
        (2, 2, TABLE_SORT_COMBINE)
    );
    unsafe { AllocatorSet::native().free(out.cast()) };
}

#[test]
fn aggregate_keys_order_headings_by_the_largest_or_smallest_value_of_their_rows() {
    let table = categories_sample();
    let t = table.view();
    categories_columns(&t);
    // Conversations by their latest message: headings by MAX(EXTRA), rows by EXTRA descending.
    let by_max = |t: &IMAPITable| {
        sort_categorized(
            t,
            [
                (NUM, TABLE_SORT_ASCEND),
                (EXTRA, TABLE_SORT_CATEG_MAX),
                (EXTRA, TABLE_SORT_DESCEND),
            ],
            1,
            1,
        )
    };
    assert_eq!(by_max(&t), S_OK);
    let rows = query(&t, 100, 0).unwrap();
    let (e, l) = (TBL_EXPANDED_CATEGORY, TBL_LEAF_ROW);
    assert_eq!(long(&rows, 4), [e, l, l, e, l, l, e, l]);
    assert_eq!(long(&rows, 1), [20, 20, 20, 10, 10, 10, 30, 30]);
    assert_eq!(
        keys(&[
            rows[1].clone(),
            rows[2].clone(),
            rows[4].clone(),
            rows[5].clone(),
            rows[7].clone()
        ]),
        [3, 4, 2, 1, 5]
    );
    // A heading shows its aggregate; none for a category whose rows lack the column.
    assert_eq!(
        [0, 3, 6].map(|at| rows[at][3].value.clone()),
        [
            PropValue::Long(30),
            PropValue::Long(50),
            PropValue::Error(MAPI_E_NOT_FOUND)
        ]
    );
    // A change that raises a category's maximum moves its heading.
    table
        .modify_row({
            let mut r = row(4, 20, "a");
            r.push(Property::for_tag(EXTRA, PropValue::Long(100)));
            r
        })
        .unwrap();
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 0).0, S_OK);
    let rows = query(&t, 100, 0).unwrap();
    assert_eq!(long(&rows, 1), [10, 10, 10, 20, 20, 20, 30, 30]);
    assert_eq!(long(&rows[3..4], 3), [100]);
    // The minimum, counted among the categories (as some clients count it), descending.
    assert_eq!(
        sort_categorized(
            &t,
            [(NUM, TABLE_SORT_DESCEND), (EXTRA, TABLE_SORT_CATEG_MIN)],
            2,
            0
        ),
        S_OK
    );
    let rows = query(&t, 100, 0).unwrap();
    assert_eq!(long(&rows, 4), [TBL_COLLAPSED_CATEGORY; 3]);
    assert_eq!(
        long(&rows, 1),
        [30, 20, 10],
        "none first descending, then the minimum 30, then 5"
    );
    let mut out = core::ptr::null_mut();
    assert_eq!(
        unsafe { (t.vtable().QuerySortOrder)(t.as_raw(), &mut out) },
        S_OK
    );
    assert_eq!(
        unsafe {
            (
                (*out).cCategories,
                (*out).cExpanded,
                (*out.cast::<Sorts<2>>()).aSort[1],
            )
        },
        (
            2,
            0,
            SSortOrder {
                ulPropTag: EXTRA,
                ulOrder: TABLE_SORT_CATEG_MIN
            }
        )
    );
    unsafe { AllocatorSet::native().free(out.cast()) };
    // Misplaced aggregate or combined keys are refused, with nothing changed.
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 1).0, S_OK);
    let bad = [
        sort_categorized(&t, [(EXTRA, TABLE_SORT_CATEG_MAX)], 1, 0),
        sort_categorized(
            &t,
            [
                (NUM, TABLE_SORT_ASCEND),
                (NAME, TABLE_SORT_ASCEND),
                (EXTRA, TABLE_SORT_CATEG_MAX),
            ],
            1,
            0,
        ),
        sort_categorized(
            &t,
            [
                (NUM, TABLE_SORT_ASCEND),
                (EXTRA, TABLE_SORT_CATEG_MAX),
                (NAME, TABLE_SORT_COMBINE),
            ],
            3,
            0,
        ),
        sort_categorized(
            &t,
            [
                (NUM, TABLE_SORT_ASCEND),
                (EXTRA, TABLE_SORT_CATEG_MAX),
                (EXTRA, TABLE_SORT_CATEG_MIN),
            ],
            1,
            0,
        ),
        sort_categorized(
            &t,
            [(NUM, TABLE_SORT_ASCEND), (NAME, TABLE_SORT_COMBINE)],
            1,
            0,
        ),
    ];
    assert_eq!(bad, [MAPI_E_INVALID_PARAMETER; 5]);
    assert_eq!(position(&t).0, 1);
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 0).0, S_OK);
    assert_eq!(long(&query(&t, 100, 0).unwrap(), 1), [30, 20, 10]);
}

/// Applies table notifications in turn to a client's copy of a view's rows (found by their
/// first column, the index), as a client keeping a list in step does.
fn replay(model: &mut Vec<Vec<Property>>, seen: Vec<Seen>) {
    let find =
        |model: &Vec<Vec<Property>>, index: &Property| model.iter().position(|r| r[0] == *index);
    for s in seen {
        match s.event {
            TABLE_ROW_DELETED => {
                let at = find(model, &s.index).expect("a deleted row was shown");
                model.remove(at);
            }
            TABLE_ROW_ADDED | TABLE_ROW_MODIFIED => {
                match find(model, &s.index) {
                    Some(at) => {
                        assert_eq!(s.event, TABLE_ROW_MODIFIED);
                        model.remove(at);
                    }
                    None => assert_eq!(s.event, TABLE_ROW_ADDED),
                }
                let at = if s.prior.tag() == PR_NULL {
                    0
                } else {
                    find(model, &s.prior).expect("the prior row is shown") + 1
                };
                model.insert(at, s.row);
            }
            other => panic!("event {other}"),
        }
    }
}

/// Every row of the view, from the beginning, the cursor put back.
fn snapshot(t: &IMAPITable) -> Vec<Vec<Property>> {
    let (at, _, _) = position(t);
    assert_eq!(seek(t, BOOKMARK_BEGINNING, 0).0, S_OK);
    let rows = query(t, 1000, 0).unwrap();
    assert_eq!(seek(t, BOOKMARK_BEGINNING, at as i32).0, S_OK);
    rows
}

#[test]
fn categorized_views_notify_row_by_row_and_keep_the_cursor_and_bookmarks() {
    let table = categories_sample();
    let t = table.view();
    categories_columns(&t);
    let by_max = [
        (NUM, TABLE_SORT_ASCEND),
        (EXTRA, TABLE_SORT_CATEG_MAX),
        (EXTRA, TABLE_SORT_DESCEND),
    ];
    assert_eq!(sort_categorized(&t, by_max, 1, 1), S_OK);
    let (rec, sink) = recorder();
    advise(&t, &sink);
    let mut model = snapshot(&t);
    assert_eq!(long(&model, 1), [20, 20, 20, 10, 10, 10, 30, 30]);
    // The cursor on row 2 (the first under 10).
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 4).0, S_OK);
    let with_extra = |k, num, extra| {
        let mut r = row(k, num, "x");
        r.push(Property::for_tag(EXTRA, PropValue::Long(extra)));
        r
    };
    let changes: Vec<Box<dyn Fn()>> = vec![
        // The maximum of 20 rises above that of 10: its heading and rows move after 10's.
        Box::new(|| table.modify_row(with_extra(4, 20, 100)).unwrap()),
        // A new category.
        Box::new(|| table.modify_row(with_extra(6, 40, 7)).unwrap()),
        // A category's last row goes, and its heading with it.
        Box::new(|| table.delete_row(&key(5)).unwrap()),
        // A row changes category: both headings change.
        Box::new(|| table.modify_row(with_extra(1, 20, 2)).unwrap()),
    ];
    for change in changes {
        change();
        let seen = taken(&rec);
        assert!(!seen.iter().any(|s| s.event == TABLE_RELOAD));
        replay(&mut model, seen);
        assert_eq!(model, snapshot(&t));
        assert_eq!(
            keys(&query(&t, 1, TBL_NOADVANCE).unwrap()),
            [2],
            "the cursor stays"
        );
    }
    // Headings by their largest EXTRA: 40 (7), 10 (50), 20 (100).
    assert_eq!(long(&model, 1), [40, 40, 10, 10, 20, 20, 20, 20]);
    // Bookmarks last through expansions and collapses, which notify nobody.
    let on_leaf = bookmark(&t);
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 2).0, S_OK);
    let on_heading = bookmark(&t);
    let key_of = |row: &Vec<Property>| match &row[0].value {
        PropValue::Binary(k) => k.clone(),
        other => panic!("{other:?}"),
    };
    let (h40, h10) = (key_of(&model[0]), key_of(&model[2]));
    assert_eq!(toggle(&t, &h40, false, 0), (S_OK, Vec::new(), 1));
    assert_eq!(seek(&t, on_leaf, 0).0, S_OK);
    assert_eq!(position(&t).0, 2);
    assert_eq!(seek(&t, on_heading, 0).0, S_OK);
    assert_eq!(
        position(&t).0,
        1,
        "the heading of 10 moved up with 40 collapsed"
    );
    // A row hidden by a collapse: its heading, with the warning; the bookmark marks it now.
    assert_eq!(toggle(&t, &h10, false, 0).2, 1);
    assert_eq!(seek(&t, on_leaf, 0).0, MAPI_W_POSITION_CHANGED);
    assert_eq!(position(&t).0, 1);
    assert_eq!(toggle(&t, &h10, true, 0).2, 1);
    assert_eq!(seek(&t, on_leaf, 0).0, S_OK);
    assert_eq!(position(&t).0, 1, "still the heading");
    assert!(taken(&rec).is_empty());
    // A row that goes: the heading above it, with the warning.
    assert_eq!(seek(&t, BOOKMARK_BEGINNING, 5).0, S_OK);
    assert_eq!(keys(&query(&t, 1, TBL_NOADVANCE).unwrap()), [3]);
    let on_three = bookmark(&t);
    table.delete_row(&key(3)).unwrap();
    assert_eq!(seek(&t, on_three, 0).0, MAPI_W_POSITION_CHANGED);
    assert_eq!(position(&t).0, 3);
    assert_eq!(long(&query(&t, 1, 0).unwrap(), 4), [TBL_EXPANDED_CATEGORY]);
    // SortTable still discards them, as the docs say.
    assert_eq!(sort_categorized(&t, by_max, 1, 1), S_OK);
    assert_eq!(seek(&t, on_heading, 0).0, MAPI_E_INVALID_BOOKMARK);
}

// ---------------------------------------------------------------------------------------------
// Categorized views against a plain grouping, and their notifications replayed.

#[derive(Clone, Debug)]
struct Filed {
    num: Option<u32>,
    name: Option<String>,
    extra: Option<u32>,
}

fn filed() -> impl Strategy<Value = Filed> {
    (
        prop::option::of(0u32..4),
        prop::option::of("[ab]"),
        prop::option::of(0u32..20),
    )
        .prop_map(|(num, name, extra)| Filed { num, name, extra })
}

fn filed_row(k: u8, f: &Filed) -> Vec<Property> {
    let mut props = vec![Property::for_tag(KEY, key(k))];
    props.extend(f.num.map(|n| Property::for_tag(NUM, PropValue::Long(n))));
    props.extend(
        f.name
            .clone()
            .map(|n| Property::for_tag(NAME, PropValue::Unicode(n.into()))),
    );
    props.extend(
        f.extra
            .map(|e| Property::for_tag(EXTRA, PropValue::Long(e))),
    );
    props
}

/// `a` against `b`, a missing value last, the whole reversed when `descending`.
fn present_order<T: Ord>(a: &Option<T>, b: &Option<T>, descending: bool) -> core::cmp::Ordering {
    let order = match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => core::cmp::Ordering::Less,
        (None, Some(_)) => core::cmp::Ordering::Greater,
        (None, None) => core::cmp::Ordering::Equal,
    };
    if descending { order.reverse() } else { order }
}

/// What a categorized view by NUM (joined with NAME when `combine`; headings ordered by the
/// largest or smallest EXTRA when `aggregate` is `Some(max)`), rows by EXTRA, all expanded,
/// shows for `rows` (in the order they were added): per row, the heading's NUM and count, or
/// a leaf's key.
fn plain_layout(
    rows: &[(u8, Filed)],
    descending: bool,
    combine: bool,
    aggregate: Option<bool>,
    rows_descending: bool,
) -> Vec<(bool, Option<u32>, u32)> {
    type Category = (Option<u32>, Option<String>);
    let category = |f: &Filed| -> Category { (f.num, if combine { f.name.clone() } else { None }) };
    let mut groups: Vec<(Category, Vec<&(u8, Filed)>)> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|(c, _)| *c == category(&row.1)) {
            Some((_, members)) => members.push(row),
            None => groups.push((category(&row.1), vec![row])),
        }
    }
    groups.sort_by(|(a, _), (b, _)| {
        present_order(&a.0, &b.0, descending).then_with(|| present_order(&a.1, &b.1, descending))
    });
    if let Some(max) = aggregate {
        let value = |members: &Vec<&(u8, Filed)>| {
            let extras = members.iter().filter_map(|(_, f)| f.extra);
            if max { extras.max() } else { extras.min() }
        };
        groups.sort_by(|(_, a), (_, b)| present_order(&value(a), &value(b), descending));
    }
    let mut shown = Vec::new();
    for (category, mut members) in groups {
        shown.push((true, category.0, members.len() as u32));
        // Stable: ties keep the order of addition.
        members.sort_by(|(_, a), (_, b)| present_order(&a.extra, &b.extra, rows_descending));
        shown.extend(members.iter().map(|(k, f)| (false, f.num, u32::from(*k))));
    }
    shown
}

/// The same from the view: columns KEY, NUM, NAME, EXTRA, PR_ROW_TYPE, PR_DEPTH,
/// PR_CONTENT_COUNT.
fn shown_layout(rows: &[Vec<Property>]) -> Vec<(bool, Option<u32>, u32)> {
    rows.iter()
        .map(|r| {
            let num = match r[1].value {
                PropValue::Long(n) => Some(n),
                _ => None,
            };
            let heading = r[4].value != PropValue::Long(TBL_LEAF_ROW);
            let last = match (&r[6].value, &r[0].value) {
                (PropValue::Long(count), _) if heading => *count,
                (_, PropValue::Binary(k)) => u32::from(k[0]),
                other => panic!("{other:?}"),
            };
            (heading, num, last)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn categorized_views_match_a_plain_grouping_and_notify_every_change(
        rows in prop::collection::vec(filed(), 0..14),
        changes in prop::collection::vec((0u8..16, prop::option::of(filed())), 0..8),
        descending in any::<bool>(),
        combine in any::<bool>(),
        aggregate in prop::option::of(any::<bool>()),
        rows_descending in any::<bool>(),
    ) {
        let table = TableData::new(KEY, vec![KEY], AllocatorSet::native()).unwrap();
        let mut model: Vec<(u8, Filed)> = Vec::new();
        for (k, f) in rows.iter().enumerate() {
            table.modify_row(filed_row(k as u8, f)).unwrap();
            model.push((k as u8, f.clone()));
        }
        let t = table.view();
        categories_columns(&t);
        let direction = if descending { TABLE_SORT_DESCEND } else { TABLE_SORT_ASCEND };
        let mut keys = vec![(NUM, direction)];
        if combine {
            keys.push((NAME, TABLE_SORT_COMBINE));
        }
        let categories = keys.len() as u32;
        if let Some(max) = aggregate {
            keys.push((EXTRA, if max { TABLE_SORT_CATEG_MAX } else { TABLE_SORT_CATEG_MIN }));
        }
        keys.push((EXTRA, if rows_descending { TABLE_SORT_DESCEND } else { TABLE_SORT_ASCEND }));
        let mut set = Sorts::<4> {
            cSorts: keys.len() as u32,
            cCategories: categories,
            cExpanded: 1,
            aSort: [SSortOrder::default(); 4],
        };
        for (at, (tag, order)) in keys.into_iter().enumerate() {
            set.aSort[at] = SSortOrder { ulPropTag: tag, ulOrder: order };
        }
        let hr = unsafe { (t.vtable().SortTable)(t.as_raw(), (&mut set as *mut Sorts<4>).cast(), 0) };
        prop_assert_eq!(hr, S_OK);
        let expect = |model: &[(u8, Filed)]| {
            plain_layout(model, descending, combine, aggregate, rows_descending)
        };
        let mut client = snapshot(&t);
        prop_assert_eq!(shown_layout(&client), expect(&model));
        let (rec, sink) = recorder();
        advise(&t, &sink);
        for (k, change) in changes {
            let at = model.iter().position(|(key, _)| *key == k);
            match (change, at) {
                (Some(f), Some(at)) => {
                    table.modify_row(filed_row(k, &f)).unwrap();
                    model[at].1 = f;
                }
                (Some(f), None) => {
                    table.modify_row(filed_row(k, &f)).unwrap();
                    model.push((k, f));
                }
                (None, Some(at)) => {
                    table.delete_row(&key(k)).unwrap();
                    model.remove(at);
                }
                (None, None) => continue,
            }
            replay(&mut client, taken(&rec));
            let now = snapshot(&t);
            prop_assert_eq!(&client, &now);
            prop_assert_eq!(shown_layout(&now), expect(&model));
        }
    }
}

#[test]
fn a_refresh_runs_before_each_read_and_may_change_the_rows() {
    // A provider whose rows change behind its back: its refresh adds row 6 the first time.
    // (The refresh holds the table, a cycle this test leaves; a store's holds a `Weak`.)
    let allocators = AllocatorSet::native();
    let table = sample(allocators);
    let pending = std::sync::Arc::new(Mutex::new(vec![row(6, 60, "Foxtrot")]));
    let (handle, source) = (table.clone(), pending.clone());
    let table = table.with_refresh(move || {
        for new in source.lock().unwrap().drain(..) {
            // The table's lock is not held here: a change is allowed, and notifies.
            handle.modify_row(new).unwrap();
        }
    });
    let view = table.view();
    let (rec, sink) = recorder();
    advise(&view, &sink);
    // The view was made before the change; its next read sees it, and its sink heard of it.
    assert_eq!(count(&view), 6);
    let seen = taken(&rec);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].event, TABLE_ROW_ADDED);
    assert_eq!(seen[0].index, Property::for_tag(KEY, key(6)));
    // Nothing more to bring: the reads that follow change nothing.
    assert_eq!(all_keys(&view), [1, 2, 3, 4, 5, 6]);
    assert!(taken(&rec).is_empty());
    assert!(pending.lock().unwrap().is_empty());
}
