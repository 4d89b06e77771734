//! The builders of `alloc::builders` and `alloc::props`: each result is laid out as the
//! Windows headers say, freed by the host with a single `MAPIFreeBuffer`, made with as few
//! host calls as documented, and an allocation failure injected at any of its calls returns
//! the error and leaks nothing.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::builders::{self, ErrorInfo};
use mapi_spi_runtime::alloc::props::{self, PropValue, Value};
use mapi_spi_runtime::alloc::testing::{HostCalls, probe};
use mapi_spi_runtime::alloc::{AllocatorSet, RootBuf, native};
use mapi_spi_runtime::codes::{
    MAPI_E_INVALID_PARAMETER, MAPI_E_NO_ACCESS, MAPI_E_NOT_ENOUGH_MEMORY, MAPI_E_NOT_FOUND,
};
use mapi_spi_runtime::flags::MAPI_UNICODE;
use mapi_spi_runtime::tags::{PT_ERROR, prop_tag};
use mapi_spi_runtime::types::{
    ENTRYID, FILETIME, MAPI_ERROR_VERSION, MAPIERROR, SBinary, SPropProblem, SPropProblemArray,
    SPropTagArray, SPropValue,
};
use mapi_spi_runtime::{GUID, Result};

/// Reads a NUL-terminated UTF-16 string.
unsafe fn utf16(p: *const u16) -> String {
    let mut units = Vec::new();
    let mut at = p;
    loop {
        let unit = unsafe { at.read_unaligned() };
        if unit == 0 {
            return String::from_utf16(&units).unwrap();
        }
        units.push(unit);
        at = unsafe { at.add(1) };
    }
}

/// Reads a NUL-terminated 8-bit string.
unsafe fn string8(p: *const u8) -> Vec<u8> {
    unsafe { core::ffi::CStr::from_ptr(p.cast()) }
        .to_bytes()
        .to_vec()
}

/// Builds with a counting set, hands the result over as a provider would, checks it with
/// `check`, and frees it as the host does: one `MAPIFreeBuffer`. Returns the calls made.
fn build_and_free(
    build: impl Fn(&AllocatorSet) -> Result<RootBuf>,
    check: impl Fn(*mut c_void),
) -> HostCalls {
    let ((), calls) = probe(None, |set| {
        let raw = build(&set).unwrap().into_raw();
        check(raw);
        unsafe { set.free(raw) };
    });
    assert_eq!(
        calls.free_buffer, 1,
        "the host frees the result with one call"
    );
    assert_eq!(calls.live_roots, 0, "and that frees everything");
    calls
}

/// Fails each allocation call `build` makes in turn: every time, the builder returns
/// `MAPI_E_NOT_ENOUGH_MEMORY` and leaves no root behind.
fn fails_cleanly_at_every_call<T>(build: impl Fn(&AllocatorSet) -> Result<T>) {
    let ((), calls) = probe(None, |set| drop(build(&set).unwrap()));
    assert_eq!(calls.live_roots, 0, "dropping the result frees all of it");
    assert!(calls.allocations() > 0);
    for n in 1..=calls.allocations() {
        let (result, failed) = probe(Some(n), |set| build(&set).map(drop));
        assert_eq!(
            result.unwrap_err().code(),
            MAPI_E_NOT_ENOUGH_MEMORY,
            "call {n}"
        );
        assert_eq!(failed.allocations(), n, "stopped at the failed call {n}");
        assert_eq!(failed.live_roots, 0, "nothing leaked when call {n} failed");
    }
}

#[test]
fn unicode_and_8_bit_strings() {
    let calls = build_and_free(
        |set| builders::unicode(set, "Boîte 📬"),
        |p| {
            assert_eq!(unsafe { utf16(p.cast()) }, "Boîte 📬");
        },
    );
    assert_eq!(calls.allocations(), 1);
    let calls = build_and_free(
        |set| builders::string8(set, b"Inbox\xe9"),
        |p| {
            assert_eq!(unsafe { string8(p.cast()) }, b"Inbox\xe9");
        },
    );
    assert_eq!(calls.allocations(), 1);
    let set = AllocatorSet::native();
    assert_eq!(builders::unicode(&set, "").unwrap().len(), 2);
    assert_eq!(
        builders::unicode(&set, "📬").unwrap().len(),
        6,
        "a surrogate pair and NUL"
    );
    for error in [
        builders::unicode(&set, "a\0b").unwrap_err(),
        builders::string8(&set, b"a\0b").unwrap_err(),
    ] {
        assert_eq!(
            error.code(),
            MAPI_E_INVALID_PARAMETER,
            "an inner NUL would cut the string"
        );
    }
}

#[test]
fn binaries_and_entry_ids() {
    let bytes = [0u8, 1, 2, 255];
    let calls = build_and_free(
        |set| builders::binary(set, &bytes),
        |p| {
            assert_eq!(
                unsafe { core::slice::from_raw_parts(p.cast::<u8>(), 4) },
                bytes
            );
        },
    );
    assert_eq!(calls.allocations(), 1);
    assert!(
        builders::binary(&AllocatorSet::native(), &[])
            .unwrap()
            .is_empty()
    );

    let ab = [7u8; 20];
    let set = AllocatorSet::native();
    let id = builders::entry_id(&set, [0x80, 0, 0, 0], &ab).unwrap();
    assert_eq!(id.len(), 24, "CbNewENTRYID(20)");
    let raw = id.into_raw().cast::<ENTRYID>();
    unsafe {
        assert_eq!((*raw).abFlags, [0x80, 0, 0, 0]);
        assert_eq!(core::slice::from_raw_parts((*raw).ab.as_ptr(), 20), ab);
        set.free(raw.cast());
    }
}

#[test]
fn prop_tag_arrays() {
    let tags = [0x3001_001F, 0x0FFF_0102, 0x3602_0003];
    let calls = build_and_free(
        |set| builders::prop_tags(set, &tags),
        |p| {
            let array = p.cast::<SPropTagArray>();
            unsafe {
                assert_eq!((*array).cValues, 3);
                let got = core::slice::from_raw_parts((*array).aulPropTag.as_ptr(), 3);
                assert_eq!(got, tags);
            }
        },
    );
    assert_eq!(calls.allocations(), 1);
    let empty = builders::prop_tags(&AllocatorSet::native(), &[]).unwrap();
    assert_eq!(empty.len(), 4);
}

#[test]
fn prop_problem_arrays() {
    let problems = [
        SPropProblem {
            ulIndex: 0,
            ulPropTag: 0x3001_001F,
            scode: MAPI_E_NO_ACCESS.0,
        },
        SPropProblem {
            ulIndex: 2,
            ulPropTag: 0x0FFF_0102,
            scode: MAPI_E_INVALID_PARAMETER.0,
        },
    ];
    let calls = build_and_free(
        |set| builders::prop_problems(set, &problems),
        |p| {
            let array = p.cast::<SPropProblemArray>();
            unsafe {
                assert_eq!((*array).cProblem, 2);
                let got = core::slice::from_raw_parts((*array).aProblem.as_ptr(), 2);
                assert_eq!(
                    (got[1].ulIndex, got[1].ulPropTag, got[1].scode),
                    (2, 0x0FFF_0102, MAPI_E_INVALID_PARAMETER.0)
                );
                assert_eq!(got[0].scode, MAPI_E_NO_ACCESS.0);
            }
        },
    );
    assert_eq!(calls.allocations(), 1);
    assert_eq!(
        builders::prop_problems(&AllocatorSet::native(), &[])
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn mapi_errors_in_both_character_widths() {
    let info = ErrorInfo {
        error: Some("Disque plein — réessayez"),
        component: Some("Rust store"),
        low_level_error: 112,
        context: 7,
    };
    let calls = build_and_free(
        |set| builders::mapi_error(set, &info, MAPI_UNICODE),
        |p| {
            let error = p.cast::<MAPIERROR>();
            unsafe {
                assert_eq!((*error).ulVersion, MAPI_ERROR_VERSION);
                assert_eq!(utf16((*error).lpszError.cast()), "Disque plein — réessayez");
                assert_eq!(utf16((*error).lpszComponent.cast()), "Rust store");
                assert_eq!(((*error).ulLowLevelError, (*error).ulContext), (112, 7));
            }
        },
    );
    assert_eq!(
        calls.allocations(),
        1,
        "the structure and both strings in one block"
    );
    build_and_free(
        |set| builders::mapi_error(set, &info, 0),
        |p| {
            let error = p.cast::<MAPIERROR>();
            unsafe {
                assert_eq!(
                    string8((*error).lpszError.cast()),
                    b"Disque plein ? r?essayez"
                );
                assert_eq!(string8((*error).lpszComponent.cast()), b"Rust store");
            }
        },
    );
    let bare = ErrorInfo {
        context: 1,
        ..ErrorInfo::default()
    };
    build_and_free(
        |set| builders::mapi_error(set, &bare, MAPI_UNICODE),
        |p| {
            let error = p.cast::<MAPIERROR>();
            unsafe {
                assert!((*error).lpszError.is_null() && (*error).lpszComponent.is_null());
                assert_eq!((*error).ulContext, 1);
            }
        },
    );
}

const GUID_VALUE: GUID = GUID::from_u128(0x00020329_0000_0000_c000_000000000046);

/// A `GetProps` result with one value of every supported type.
fn every_type() -> Vec<PropValue<'static>> {
    vec![
        PropValue::new(0x3001, Value::Unicode("Boîte de réception".into())),
        PropValue::new(0x0E1D, Value::String8(b"IPF.Note".as_slice().into())),
        PropValue::new(0x0FFF, Value::Binary(vec![1, 2, 3, 4, 5].into())),
        PropValue::new(0x3602, Value::Long(0xFFFF_FFFE)),
        PropValue::new(0x0E08, Value::I8(-5_000_000_000)),
        PropValue::new(0x6001, Value::Double(2.5)),
        PropValue::new(0x6002, Value::R4(-0.5)),
        PropValue::new(0x6003, Value::Currency(12_345_678)),
        PropValue::new(0x6004, Value::AppTime(45_000.25)),
        PropValue::new(0x6005, Value::I2(-3)),
        PropValue::new(0x360A, Value::Boolean(true)),
        PropValue::new(
            0x3007,
            Value::SysTime(FILETIME {
                dwLowDateTime: 1,
                dwHighDateTime: 2,
            }),
        ),
        PropValue::new(0x6006, Value::Clsid(GUID_VALUE)),
        PropValue::error(0x3613, MAPI_E_NOT_FOUND),
        PropValue::new(0x3002, Value::Unicode("".into())),
        PropValue::new(0x6007, Value::Binary(Vec::new().into())),
        PropValue::new(0x6008, Value::MvLong(vec![1, 0xFFFF_FFFF, 3].into())),
        PropValue::new(
            0x6009,
            Value::MvString8(vec![b"IPM".as_slice().into(), b"".as_slice().into()]),
        ),
        PropValue::new(
            0x600A,
            Value::MvUnicode(vec!["Rouge".into(), "Priorité 📌".into()]),
        ),
        PropValue::new(
            0x36D8,
            Value::MvBinary(vec![
                vec![9; 24].into(),
                Vec::new().into(),
                vec![1, 2].into(),
            ]),
        ),
        PropValue::new(0x600B, Value::MvUnicode(Vec::new())),
        PropValue::new(0x0001, Value::Null),
        PropValue::new(0x0E13, Value::Object),
        PropValue::new(0x600C, Value::MvI2(vec![-1, 2, 3].into())),
        PropValue::new(0x600D, Value::MvR4(vec![0.5, -2.0].into())),
        PropValue::new(0x600E, Value::MvDouble(vec![1e300, -0.25].into())),
        PropValue::new(0x600F, Value::MvCurrency(vec![i64::MIN, 7].into())),
        PropValue::new(0x6010, Value::MvAppTime(vec![45_000.5].into())),
        PropValue::new(
            0x6011,
            Value::MvSysTime(
                vec![FILETIME {
                    dwLowDateTime: 3,
                    dwHighDateTime: 4,
                }]
                .into(),
            ),
        ),
        PropValue::new(
            0x6012,
            Value::MvClsid(vec![GUID_VALUE, GUID::zeroed()].into()),
        ),
        PropValue::new(0x6013, Value::MvI8(vec![i64::MAX, -1].into())),
    ]
}

/// Checks a multi-valued array of fixed-size values: count, alignment relative to the block,
/// contents.
unsafe fn check_scalars<T: Copy + PartialEq + core::fmt::Debug, U>(
    block: *const SPropValue,
    got: mapi_spi_runtime::types::SArray<U>,
    expected: &[T],
    align: usize,
) {
    assert_eq!(got.cValues as usize, expected.len());
    assert_eq!(
        (got.lp as usize - block as usize) % align,
        0,
        "array alignment"
    );
    for (i, value) in expected.iter().enumerate() {
        assert_eq!(
            unsafe { got.lp.cast::<T>().add(i).read_unaligned() },
            *value
        );
    }
}

/// Checks an `SPropValue` array against the values it was built from.
unsafe fn check_props(array: *const SPropValue, values: &[PropValue<'_>]) {
    let binary = |bin: SBinary, bytes: &[u8]| unsafe {
        assert_eq!(bin.cb as usize, bytes.len());
        if !bytes.is_empty() {
            assert_eq!(core::slice::from_raw_parts(bin.lpb, bytes.len()), bytes);
        }
    };
    // Multi-valued arrays are naturally aligned relative to the block.
    let aligned = |p: *const u8, align: usize| {
        assert_eq!((p as usize - array as usize) % align, 0, "array alignment");
    };
    for (i, expected) in values.iter().enumerate() {
        let got = unsafe { array.add(i).read_unaligned() };
        assert_eq!(got.ulPropTag, expected.tag(), "tag {i}");
        let v = got.Value;
        unsafe {
            match &expected.value {
                Value::Unicode(text) => assert_eq!(utf16(v.lpszW), **text),
                Value::String8(bytes) => assert_eq!(string8(v.lpszA), **bytes),
                Value::Binary(bytes) => binary(v.bin, bytes),
                Value::MvLong(longs) => {
                    assert_eq!(v.MVl.cValues as usize, longs.len());
                    aligned(v.MVl.lp.cast(), align_of::<u32>());
                    let got = core::slice::from_raw_parts(v.MVl.lp.cast::<u32>(), longs.len());
                    assert_eq!(got, &**longs);
                }
                Value::MvString8(strings) => {
                    assert_eq!(v.MVszA.cValues as usize, strings.len());
                    aligned(v.MVszA.lp.cast(), align_of::<*mut u8>());
                    for (i, s) in strings.iter().enumerate() {
                        assert_eq!(string8(v.MVszA.lp.add(i).read_unaligned()), **s);
                    }
                }
                Value::MvUnicode(strings) => {
                    assert_eq!(v.MVszW.cValues as usize, strings.len());
                    aligned(v.MVszW.lp.cast(), align_of::<*mut u16>());
                    for (i, s) in strings.iter().enumerate() {
                        assert_eq!(utf16(v.MVszW.lp.add(i).read_unaligned()), **s);
                    }
                }
                Value::MvBinary(binaries) => {
                    assert_eq!(v.MVbin.cValues as usize, binaries.len());
                    aligned(v.MVbin.lp.cast(), align_of::<SBinary>());
                    for (i, b) in binaries.iter().enumerate() {
                        binary(v.MVbin.lp.add(i).read_unaligned(), b);
                    }
                }
                Value::Long(x) => assert_eq!(v.ul, *x),
                Value::I8(x) => assert_eq!(v.li, *x),
                Value::Double(x) => assert_eq!(v.dbl, *x),
                Value::R4(x) => assert_eq!(v.flt, *x),
                Value::Currency(x) => assert_eq!(v.cur, *x),
                Value::AppTime(x) => assert_eq!(v.at, *x),
                Value::I2(x) => assert_eq!(v.i, *x),
                Value::Boolean(x) => assert_eq!(v.b, u16::from(*x)),
                Value::SysTime(x) => assert_eq!(v.ft, *x),
                Value::Clsid(x) => assert_eq!(v.lpguid.read_unaligned(), *x),
                Value::Error(x) => assert_eq!(v.err, x.0),
                Value::Null | Value::Object => assert_eq!(v.x, 0),
                Value::MvI2(x) => check_scalars(array, v.MVi, x, 2),
                Value::MvR4(x) => check_scalars(array, v.MVflt, x, 4),
                Value::MvDouble(x) => check_scalars(array, v.MVdbl, x, 8),
                Value::MvCurrency(x) => check_scalars(array, v.MVcur, x, 8),
                Value::MvAppTime(x) => check_scalars(array, v.MVat, x, 8),
                Value::MvSysTime(x) => check_scalars(array, v.MVft, x, 8),
                Value::MvClsid(x) => check_scalars(array, v.MVguid, x, 4),
                Value::MvI8(x) => check_scalars(array, v.MVli, x, 8),
            }
        }
    }
}

#[test]
fn a_get_props_result_is_one_block_freed_by_one_call() {
    let values = every_type();
    assert_eq!(values[13].tag(), prop_tag(PT_ERROR, 0x3613));
    let calls = build_and_free(
        |set| props::props(set, &values),
        |p| unsafe {
            check_props(p.cast(), &values);
        },
    );
    assert_eq!(
        (calls.allocate_buffer, calls.allocate_more),
        (1, 0),
        "values, strings and binaries in one MAPIAllocateBuffer"
    );
    // An empty result is still a freeable block.
    build_and_free(|set| props::props(set, &[]), |p| assert!(!p.is_null()));
    let bad = [PropValue::new(1, Value::Unicode("a\0".into()))];
    let error = props::props(&AllocatorSet::native(), &bad).unwrap_err();
    assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
}

#[test]
fn a_row_set_has_one_root_per_row_and_frees_row_by_row() {
    let values = every_type();
    let rows = [&values[..3], &values[3..], &[][..]];
    let ((), calls) = probe(None, |set| {
        let built = props::rows(&set, &rows).unwrap();
        assert_eq!(built.len(), 3);
        let raw = built.into_raw();
        unsafe {
            assert_eq!((*raw).cRows, 3);
            let entries = (*raw).aRow.as_ptr();
            for (i, row) in rows.iter().enumerate() {
                let entry = entries.add(i).read();
                assert_eq!(entry.cValues as usize, row.len());
                check_props(entry.lpProps, row);
                // FreeProws: each row's properties, then the array.
                set.free(entry.lpProps.cast());
            }
            set.free(raw.cast());
        }
    });
    assert_eq!(calls.allocate_buffer, 4, "the array and one root per row");
    assert_eq!(calls.allocate_more, 0);
    assert_eq!((calls.free_buffer, calls.live_roots), (4, 0));
}

#[test]
fn a_dropped_row_set_frees_every_row() {
    let values = every_type();
    let ((), calls) = probe(None, |set| {
        drop(props::rows(&set, &[&values[..2], &values[2..]]).unwrap());
    });
    assert_eq!((calls.allocate_buffer, calls.free_buffer), (3, 3));
    assert_eq!(calls.live_roots, 0);
}

#[test]
fn a_failure_at_any_host_call_returns_the_error_and_leaks_nothing() {
    let values = every_type();
    // Several calls: the row set fails half-way, after some rows were built.
    let rows = [&values[..5], &values[5..9], &values[9..]];
    fails_cleanly_at_every_call(|set| props::rows(set, &rows));
    fails_cleanly_at_every_call(|set| props::props(set, &values));
    let info = ErrorInfo {
        error: Some("e"),
        ..ErrorInfo::default()
    };
    fails_cleanly_at_every_call(|set| builders::mapi_error(set, &info, MAPI_UNICODE));
    fails_cleanly_at_every_call(|set| builders::unicode(set, "x"));
    fails_cleanly_at_every_call(|set| builders::prop_tags(set, &[1, 2]));
    fails_cleanly_at_every_call(|set| builders::prop_problems(set, &[]));
    fails_cleanly_at_every_call(|set| builders::string8(set, b"x"));
    fails_cleanly_at_every_call(|set| builders::binary(set, b"x"));
    fails_cleanly_at_every_call(|set| builders::entry_id(set, [0; 4], b"x"));
    // A provider's own structure: a root and children, failing at the second child.
    fails_cleanly_at_every_call(|set| {
        let root = set.allocate(2 * size_of::<usize>())?;
        for slot in 0..2 {
            let child = root.allocate_more(10)?;
            root.write(slot * size_of::<usize>(), child.as_ptr());
        }
        Ok(root)
    });
}

/// A 32-bit-style host: blocks only 4-aligned (here: 4 bytes past a native block).
mod four_aligned_host {
    use super::*;

    const SKEW: usize = 4;

    pub unsafe extern "system" fn allocate_buffer(
        cb: u32,
        out: *mut *mut c_void,
    ) -> mapi_spi_runtime::HRESULT {
        let hr = unsafe { native::MAPIAllocateBuffer(cb + SKEW as u32, out) };
        if hr.is_ok() {
            unsafe { *out = (*out).cast::<u8>().add(SKEW).cast() };
        }
        hr
    }

    pub unsafe extern "system" fn allocate_more(
        cb: u32,
        root: *mut c_void,
        out: *mut *mut c_void,
    ) -> mapi_spi_runtime::HRESULT {
        let root = unsafe { root.cast::<u8>().sub(SKEW) }.cast();
        let hr = unsafe { native::MAPIAllocateMore(cb + SKEW as u32, root, out) };
        if hr.is_ok() {
            unsafe { *out = (*out).cast::<u8>().add(SKEW).cast() };
        }
        hr
    }

    pub unsafe extern "system" fn free_buffer(p: *mut c_void) -> u32 {
        unsafe { native::MAPIFreeBuffer(p.cast::<u8>().sub(SKEW).cast()) }
    }
}

#[test]
fn eight_byte_values_are_written_correctly_into_a_4_aligned_block() {
    let set = unsafe {
        AllocatorSet::new(
            Some(four_aligned_host::allocate_buffer),
            Some(four_aligned_host::allocate_more),
            Some(four_aligned_host::free_buffer),
        )
    }
    .unwrap();
    let values = every_type();
    let built = props::props(&set, &values).unwrap();
    assert_eq!(
        built.as_ptr() as usize % 8,
        4,
        "the block really is misaligned"
    );
    unsafe { check_props(built.as_ptr().cast(), &values) };
    let child = built.allocate_more(8).unwrap();
    child.write(0, f64::MAX);
    assert_eq!(
        unsafe { child.as_ptr().cast::<f64>().read_unaligned() },
        f64::MAX
    );
}
