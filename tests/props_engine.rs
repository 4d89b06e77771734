//! The property engine (`mapi_spi_runtime::props`): every type through one MAPI block and back,
//! `GetProps` / `GetPropList` / `SetProps` / `DeleteProps` on a `PropertyBag` with
//! `IPropData`'s access rules, 8-bit and Unicode text in both directions, and the results in
//! MAPI memory: one block each, freed by one `MAPIFreeBuffer`, nothing leaked when an
//! allocation fails.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::props::{PropRef, PropValue as WireProp, ValueRef, WireProperty};
use mapi_spi_runtime::alloc::testing::{HostCalls, probe};
use mapi_spi_runtime::alloc::{AllocatorSet, RootBuf};
use mapi_spi_runtime::codes::{
    MAPI_E_BAD_CHARWIDTH, MAPI_E_CORRUPT_DATA, MAPI_E_INVALID_PARAMETER, MAPI_E_INVALID_TYPE,
    MAPI_E_NO_ACCESS, MAPI_E_NOT_ENOUGH_MEMORY, MAPI_E_NOT_FOUND, MAPI_W_ERRORS_RETURNED, S_OK,
};
use mapi_spi_runtime::props::bag::{
    IPROP_CLEAN, IPROP_DIRTY, IPROP_READONLY, IPROP_READWRITE, PropsBlock, problems_block,
    props_block_by, props_block_of,
};
use mapi_spi_runtime::props::encoding::{VERSION, decode_props, encode_props};
use mapi_spi_runtime::props::value::{props_block, props_from_raw, tags_from_raw};
use mapi_spi_runtime::props::{ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{FILETIME, SPropProblem, SPropProblemArray, SPropTagArray};
use mapi_spi_runtime::{GUID, HRESULT};
use proptest::prelude::*;

const T0: FILETIME = FILETIME {
    dwLowDateTime: 0xD53E_8000,
    dwHighDateTime: 0x01D9_ABCD,
};

/// One value of every type, single- and multi-valued, on IDs 0x6001 up.
fn every_type() -> Vec<Property> {
    let guid = GUID::from_u128(0x00020329_0000_0000_c000_000000000046);
    let values = vec![
        PropValue::Null,
        PropValue::I2(i16::MIN),
        PropValue::Long(0xFFFF_FFFE),
        PropValue::R4(-0.5),
        PropValue::Double(1e-300),
        PropValue::Currency(-12_345_678),
        PropValue::AppTime(45_000.25),
        PropValue::Error(MAPI_E_NOT_FOUND),
        PropValue::Boolean(true),
        PropValue::Boolean(false),
        PropValue::Object,
        PropValue::I8(-5_000_000_000),
        PropValue::String8(b"IPF.Note \x80\xe9\x81".to_vec()),
        PropValue::Unicode("Boîte de réception 📬".into()),
        PropValue::Unicode(String::new().into()),
        PropValue::SysTime(T0),
        PropValue::Clsid(guid),
        PropValue::Binary(vec![0, 1, 2, 0, 255]),
        PropValue::Binary(Vec::new()),
        PropValue::MvI2(vec![-1, 0, i16::MAX]),
        PropValue::MvLong(vec![1, u32::MAX]),
        PropValue::MvR4(vec![1.5, -2.25]),
        PropValue::MvDouble(vec![f64::MAX, -0.0]),
        PropValue::MvCurrency(vec![i64::MIN, 10_000]),
        PropValue::MvAppTime(vec![0.5]),
        PropValue::MvSysTime(vec![T0, FILETIME::default()]),
        PropValue::MvString8(vec![b"IPM".to_vec(), Vec::new(), b"\xff\xfe".to_vec()]),
        PropValue::MvUnicode(vec!["Rouge".into(), "Priorité 📌".into()]),
        PropValue::MvBinary(vec![vec![9; 24], Vec::new()]),
        PropValue::MvClsid(vec![guid, GUID::zeroed()]),
        PropValue::MvI8(vec![i64::MAX, -1, 0]),
    ];
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| Property::new(0x6001 + i as u16, v))
        .collect()
}

/// Reads back a block of `count` properties.
fn read(block: &RootBuf, count: usize) -> Vec<Property> {
    // SAFETY: every block read here was built by the engine with `count` values.
    unsafe { props_from_raw(block.as_ptr().cast(), count as u32) }.unwrap()
}

/// Runs `body` with a counting set and checks that whatever it built was freed, each result
/// by one `MAPIFreeBuffer` call (`frees`), with no root left.
fn freed_by<R>(frees: u32, body: impl FnOnce(&AllocatorSet) -> R) -> (R, HostCalls) {
    let (result, calls) = probe(None, |set| body(&set));
    assert_eq!(calls.free_buffer, frees, "one MAPIFreeBuffer per result");
    assert_eq!(calls.live_roots, 0, "and that freed everything");
    (result, calls)
}

/// Hands a block over as a provider does, then frees it as the host does.
fn host_free(set: &AllocatorSet, raw: *mut c_void) {
    // SAFETY: `raw` is a root of `set`, handed over and not used again.
    unsafe { set.free(raw) };
}

#[test]
fn every_type_survives_one_block_and_one_free() {
    let props = every_type();
    let ((), calls) = freed_by(1, |set| {
        let block = props_block(set, &props).unwrap();
        assert_eq!(read(&block, props.len()), props);
        host_free(set, block.into_raw());
    });
    assert_eq!((calls.allocate_buffer, calls.allocate_more), (1, 0));
}

fn bag_with(props: &[(u32, PropValue)]) -> PropertyBag {
    let mut bag = PropertyBag::new();
    for (tag, value) in props {
        bag.insert(
            Property::for_tag(*tag, value.clone()),
            PropAccess::READ_WRITE,
        )
        .unwrap();
    }
    bag
}

fn sample_bag() -> PropertyBag {
    bag_with(&[
        (PR_DISPLAY_NAME_W, PropValue::Unicode("Boîte €".into())),
        (
            PR_SUBJECT_A,
            PropValue::String8(b"caf\xe9 \x93ok\x94".to_vec()),
        ),
        (PR_CONTENT_COUNT, PropValue::Long(42)),
        (
            PR_SERVICE_SUPPORT_FILES,
            PropValue::MvString8(vec![b"a.dll".to_vec(), b"\xe9.dll".to_vec()]),
        ),
        (PR_MESSAGE_ATTACHMENTS, PropValue::Object),
        (PR_CREATION_TIME, PropValue::SysTime(T0)),
    ])
}

#[test]
fn get_props_answers_each_tag_in_order_with_errors_for_what_is_missing() {
    let bag = sample_bag();
    let tags = [
        PR_CONTENT_COUNT,
        PR_COMMENT_W,                               // missing
        change_prop_type(PR_CONTENT_COUNT, PT_I8),  // there, but not with this type
        change_prop_type(PR_CONTENT_COUNT, 0x0999), // no such type
        change_prop_type(PR_DISPLAY_NAME_W, PT_UNSPECIFIED),
        PR_CREATION_TIME,
        PR_MESSAGE_ATTACHMENTS,
    ];
    let ((), calls) = freed_by(1, |set| {
        let block = bag.get_props_block(set, Some(&tags), false).unwrap();
        assert_eq!((block.count, block.code), (7, MAPI_W_ERRORS_RETURNED));
        let array = block.array.as_ref().unwrap();
        let got = read(array, 7);
        let expected = vec![
            Property::for_tag(PR_CONTENT_COUNT, PropValue::Long(42)),
            Property::error(PR_COMMENT_W, MAPI_E_NOT_FOUND),
            Property::error(PR_CONTENT_COUNT, MAPI_E_NOT_FOUND),
            Property::error(PR_CONTENT_COUNT, MAPI_E_INVALID_TYPE),
            // PT_UNSPECIFIED without MAPI_UNICODE: 8-bit.
            Property::for_tag(
                PR_DISPLAY_NAME_A,
                PropValue::String8(b"Bo\xeete \x80".to_vec()),
            ),
            Property::for_tag(PR_CREATION_TIME, PropValue::SysTime(T0)),
            Property::for_tag(PR_MESSAGE_ATTACHMENTS, PropValue::Object),
        ];
        assert_eq!(got, expected);
        // The error entries keep the requested ID, typed PT_ERROR.
        assert_eq!(got[1].tag(), change_prop_type(PR_COMMENT_W, PT_ERROR));
        let (count, raw) = block.into_raw();
        assert_eq!(count, 7);
        host_free(set, raw.cast());
    });
    assert_eq!(calls.allocations(), 1, "the whole answer is one allocation");
    // Everything found: S_OK.
    let fetched = bag.get_props(Some(&[PR_CONTENT_COUNT]), true).unwrap();
    assert_eq!(fetched.code(), S_OK);
    // An empty list is an invalid parameter (cValues 0).
    let error = bag.get_props(Some(&[]), true).unwrap_err();
    assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
}

#[test]
fn pt_unspecified_and_the_null_list_follow_mapi_unicode() {
    let bag = sample_bag();
    let unspecified = |tag| change_prop_type(tag, PT_UNSPECIFIED);
    for unicode in [true, false] {
        let tags = [
            unspecified(PR_SUBJECT_A),
            unspecified(PR_SERVICE_SUPPORT_FILES),
        ];
        let fetched = bag.get_props(Some(&tags), unicode).unwrap();
        let types: Vec<u32> = fetched.props.iter().map(|p| prop_type(p.tag())).collect();
        if unicode {
            assert_eq!(types, [PT_UNICODE, PT_MV_UNICODE]);
            assert_eq!(
                fetched.props[0].value,
                PropValue::Unicode("café “ok”".into())
            );
            assert_eq!(
                fetched.props[1].value,
                PropValue::MvUnicode(vec!["a.dll".into(), "é.dll".into()])
            );
        } else {
            assert_eq!(types, [PT_STRING8, PT_MV_STRING8]);
        }
        // NULL list: every property, in ID order, text by the flag.
        let all = bag.get_props(None, unicode).unwrap();
        assert_eq!(all.code(), S_OK);
        let ids: Vec<u16> = all.props.iter().map(|p| p.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!((ids.len(), &ids), (6, &sorted));
        let text = if unicode { PT_UNICODE } else { PT_STRING8 };
        for p in &all.props {
            if p.value.is_text() {
                assert_eq!(prop_type(p.tag()) & !MV_FLAG, text, "{:#x}", p.tag());
            }
        }
    }
    // An empty bag answers a NULL list with no values and a NULL array.
    let ((), _) = freed_by(0, |set| {
        let block = PropertyBag::new().get_props_block(set, None, true).unwrap();
        assert_eq!((block.count, block.code), (0, S_OK));
        assert_eq!(block.into_raw(), (0, core::ptr::null_mut()));
    });
}

/// What a `GetProps` block holds: its code and its values, read back.
fn answered(block: PropsBlock) -> (HRESULT, Vec<Property>) {
    let code = block.code;
    let values = block
        .array
        .as_ref()
        .map_or(Vec::new(), |a| read(a, block.count as usize));
    (code, values)
}

#[test]
fn borrowed_values_are_answered_as_a_bag_of_them_answers() {
    // Every type a bag holds, and text only one width can hold.
    let mut bag = sample_bag();
    let extra = [PropValue::Unicode("日本 📬".into())];
    let storable = every_type().into_iter().chain(
        extra
            .into_iter()
            .enumerate()
            .map(|(i, v)| Property::new(0x7001 + i as u16, v)),
    );
    for prop in storable {
        if !matches!(prop.value, PropValue::Null | PropValue::Error(_)) {
            bag.insert(prop, PropAccess::READ_ONLY).unwrap();
        }
    }
    // As kept in an object's fields: values borrowing what the bag holds.
    let values: Vec<WireProp<'_>> = bag
        .iter()
        .map(|p| WireProp::new(p.id, p.value.as_value()))
        .collect();
    let borrowed: Vec<PropRef<'_>> = values.iter().map(WireProperty::wire).collect();
    let width = |tag, text| change_prop_type(tag, (prop_type(tag) & MV_FLAG) | text);
    let mut lists: Vec<Vec<u32>> = vec![
        // Missing, of a type no property has, and of no MAPI type (8), missing or not.
        vec![
            PR_BODY_W,
            change_prop_type(PR_CONTENT_COUNT, PT_BINARY),
            0x6001_0008,
            0x6002_0008,
        ],
    ];
    // Missing under every type, asked as no MAPI type (8) and as one.
    lists.push(vec![0x7FF0_0008, PR_BODY_W]);
    for p in bag.iter() {
        let tag = p.tag();
        lists.push(vec![tag, change_prop_type(tag, PT_UNSPECIFIED)]);
        if p.value.is_text() {
            lists.push(vec![width(tag, PT_UNICODE), width(tag, PT_STRING8)]);
        }
    }
    // Many at once, as kept or missing: of the usual kinds (no GUID, no multi-valued value)
    // up to 16 tags, the most the usual answer takes, and one more; and all of them.
    let usual: Vec<u32> = bag
        .iter()
        .map(Property::tag)
        .filter(|&tag| prop_type(tag) & MV_FLAG == 0 && prop_type(tag) != PT_CLSID)
        .chain([PR_BODY_W])
        .collect();
    assert!(usual.len() >= 16, "enough for a list of 16");
    lists.push(usual.iter().copied().rev().take(16).collect());
    lists.push(usual.iter().copied().cycle().take(17).collect());
    lists.push(bag.iter().map(Property::tag).collect());
    let ((), calls) = probe(None, |set| {
        let set = &set;
        for unicode in [false, true] {
            let all = props_block_of(set, &borrowed, None, unicode).unwrap();
            let expected = bag.get_props_block(set, None, unicode).unwrap();
            assert_eq!(answered(all), answered(expected), "unicode {unicode}");
            for tags in &lists {
                let ours = props_block_of(set, &borrowed, Some(tags), unicode).unwrap();
                let bags = bag.get_props_block(set, Some(tags), unicode).unwrap();
                assert_eq!(
                    answered(ours),
                    answered(bags),
                    "{tags:x?}, unicode {unicode}"
                );
            }
            let empty = props_block_of(set, &borrowed, Some(&[]), unicode).unwrap_err();
            assert_eq!(empty.code(), MAPI_E_INVALID_PARAMETER);
            // The same properties named by tag and read with a `match`: the same answers, for
            // the first 8, 16 and 32 of them (what the others ask is missing there).
            answered_by::<8>(set, &borrowed, &lists, unicode);
            answered_by::<16>(set, &borrowed, &lists, unicode);
            answered_by::<32>(set, &borrowed, &lists, unicode);
        }
    });
    assert_eq!(calls.live_roots, 0, "every block freed");
    // The answers checked above include the errors each kind of request gets.
    let ((), calls) = probe(None, |set| {
        let set = &set;
        let block = props_block_of(set, &borrowed, Some(&lists[0]), true).unwrap();
        let (code, values) = answered(block);
        assert_eq!(code, MAPI_W_ERRORS_RETURNED);
        let errors: Vec<_> = values.iter().map(|p| p.value.clone()).collect();
        assert_eq!(
            errors,
            [
                PropValue::Error(MAPI_E_NOT_FOUND),
                PropValue::Error(MAPI_E_NOT_FOUND),
                PropValue::Error(MAPI_E_INVALID_TYPE),
                PropValue::Error(MAPI_E_INVALID_TYPE)
            ]
        );
        let unrepresentable = width(0x7001_001F, PT_STRING8);
        let block = props_block_of(set, &borrowed, Some(&[unrepresentable]), false).unwrap();
        let (_, values) = answered(block);
        assert_eq!(values[0].value, PropValue::Error(MAPI_E_BAD_CHARWIDTH));
    });
    assert_eq!(calls.live_roots, 0, "every block freed");
}

/// `props_block_by` over the first `N` of `props` answers each of `lists`, a NULL and an empty
/// list as `props_block_of` over them does; it reads a value only for a tag it keeps (any other
/// panics here).
fn answered_by<const N: usize>(
    set: &AllocatorSet,
    props: &[PropRef<'_>],
    lists: &[Vec<u32>],
    unicode: bool,
) {
    let props: &[PropRef<'_>; N] = props[..N].try_into().unwrap();
    let kept: [u32; N] = props.map(|p| p.tag());
    let value = |tag| {
        let prop = props.iter().find(|p| p.tag() == tag);
        prop.expect("a tag `kept` names").value
    };
    let lists = lists.iter().map(Vec::as_slice);
    answers_by_as_of(set, &kept, value, props, lists, unicode);
}

/// `props_block_by` over `kept` and `value` answers each of `lists`, a NULL and an empty list as
/// `props_block_of` over `props` does.
fn answers_by_as_of<'a, 'l, const N: usize>(
    set: &AllocatorSet,
    kept: &[u32; N],
    value: impl Fn(u32) -> ValueRef<'a> + Copy,
    props: &[PropRef<'a>],
    lists: impl IntoIterator<Item = &'l [u32]>,
    unicode: bool,
) {
    let by = |tags| props_block_by(set, kept, value, tags, unicode);
    let of = |tags| props_block_of(set, props, tags, unicode);
    assert_eq!(answered(by(None).unwrap()), answered(of(None).unwrap()));
    for tags in lists {
        let (ours, theirs) = (by(Some(tags)).unwrap(), of(Some(tags)).unwrap());
        assert_eq!(
            answered(ours),
            answered(theirs),
            "{tags:x?}, unicode {unicode}"
        );
    }
    assert_eq!(by(Some(&[])).unwrap_err().code(), MAPI_E_INVALID_PARAMETER);
}

/// A property `props_block_by` keeps whose value is of another type than its tag (an error for
/// one that is missing, 8-bit text under a Unicode tag) is answered by the value's type, as
/// `props_block_of` answers it.
#[test]
fn props_block_by_answers_a_value_by_its_own_type() {
    let kept = [PR_RECORD_KEY, PR_DISPLAY_NAME_W, PR_COMMENT_W];
    let props = [
        PropRef::for_tag(PR_RECORD_KEY, ValueRef::Binary(&[7])),
        PropRef::for_tag(PR_DISPLAY_NAME_W, ValueRef::Error(MAPI_E_NOT_FOUND)),
        PropRef::for_tag(PR_COMMENT_W, ValueRef::String8(b"Note")),
    ];
    let value = |tag| match tag {
        PR_RECORD_KEY => props[0].value,
        PR_DISPLAY_NAME_W => props[1].value,
        _ => props[2].value,
    };
    let lists: [&[u32]; 4] = [
        &[PR_RECORD_KEY, PR_DISPLAY_NAME_W],
        &[PR_COMMENT_W, PR_RECORD_KEY],
        &[PR_DISPLAY_NAME_A, PR_COMMENT_A],
        &[change_prop_type(PR_DISPLAY_NAME_W, PT_ERROR)],
    ];
    let ((), calls) = probe(None, |set| {
        for unicode in [false, true] {
            answers_by_as_of(&set, &kept, value, &props, lists, unicode);
        }
    });
    assert_eq!(calls.live_roots, 0, "every block freed");
}

/// `props_block_by` answers the usual request from `value` alone (once to measure, once to
/// write each value: no list of every property made), answers the others as `props_block_of`
/// does, and never hands out a block whose values are not the ones it measured, when `value`
/// answers twice differently.
#[test]
fn props_block_by_reads_each_value_where_it_writes_it() {
    let id = 0x6601;
    let kept = [
        prop_tag(PT_UNICODE, id),
        prop_tag(PT_LONG, id + 1),
        prop_tag(PT_BINARY, id + 2),
    ];
    let props = [
        PropRef::for_tag(kept[0], ValueRef::Unicode("first")),
        PropRef::for_tag(kept[1], ValueRef::Long(7)),
        PropRef::for_tag(kept[2], ValueRef::Binary(b"key")),
    ];
    let calls = core::cell::Cell::new(0);
    let value = |tag| {
        calls.set(calls.get() + 1);
        props.iter().find(|p| p.tag() == tag).unwrap().value
    };
    let ((), host) = probe(None, |set| {
        let exact = [kept[2], kept[0], PR_BODY_W];
        let ours = props_block_by(&set, &kept, value, Some(&exact), true).unwrap();
        assert_eq!(
            calls.get(),
            4,
            "two values, each read to measure and to write"
        );
        let theirs = props_block_of(&set, &props, Some(&exact), true).unwrap();
        assert_eq!(answered(ours), answered(theirs));
        // Kept as another type, in the other width, of no type given, and as kept.
        let lists: [&[u32]; 4] = [
            &[prop_tag(PT_LONG, id), kept[1]],
            &[prop_tag(PT_STRING8, id)],
            &[prop_tag(PT_UNSPECIFIED, id), kept[2]],
            &[kept[1], kept[0]],
        ];
        for unicode in [false, true] {
            answers_by_as_of(&set, &kept, value, &props, lists, unicode);
        }
        // A value longer when written than when measured: a panic, not a block whose text
        // runs into the bytes after it.
        let reads = core::cell::Cell::new(0);
        let growing = |tag| {
            reads.set(reads.get() + 1);
            match tag {
                PR_DISPLAY_NAME_W if reads.get() > 2 => ValueRef::Unicode("names"),
                PR_DISPLAY_NAME_W => ValueRef::Unicode("name"),
                _ => ValueRef::Binary(b"key bytes"),
            }
        };
        let both = [PR_DISPLAY_NAME_W, PR_RECORD_KEY];
        let kept = [PR_RECORD_KEY, PR_DISPLAY_NAME_W];
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            props_block_by(&set, &kept, growing, Some(&both), true)
        }));
        let panic = outcome.expect_err("written as measured, or not at all");
        assert_eq!(
            panic.downcast_ref::<&str>(),
            Some(&"the values written are the ones measured"),
            "refused by the check after the writes, not by a write out of bounds"
        );
    });
    assert_eq!(
        host.live_roots, 0,
        "every block freed, the one a panic left too"
    );
}

/// `props_block_of`'s usual answer (a short list of properties kept or missing), and
/// `props_block_by`'s, refuse what the general builder refuses, text with a NUL inside, before
/// allocating; and when MAPI's block cannot be had they answer the allocator's error and leak
/// nothing.
#[test]
fn the_usual_answer_fails_as_the_general_one_does() {
    let key = [1u8, 2, 3];
    let with_nul = [
        PropRef::for_tag(PR_RECORD_KEY, ValueRef::Binary(&key)),
        PropRef::for_tag(PR_DISPLAY_NAME_W, ValueRef::Unicode("In\0box")),
    ];
    let tags = [PR_RECORD_KEY, PR_DISPLAY_NAME_W, PR_BODY_W];
    // `props_block_by` over the same properties.
    let kept = [PR_RECORD_KEY, PR_DISPLAY_NAME_W];
    fn value_in<'a>(props: &'a [PropRef<'a>]) -> impl Fn(u32) -> ValueRef<'a> + Copy {
        move |tag| props.iter().find(|p| p.tag() == tag).unwrap().value
    }
    let ((), calls) = probe(None, |set| {
        for unicode in [false, true] {
            let error = props_block_of(&set, &with_nul, Some(&tags), unicode).unwrap_err();
            assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
            let value = value_in(&with_nul);
            let error = props_block_by(&set, &kept, value, Some(&tags), unicode).unwrap_err();
            assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
        }
    });
    assert_eq!(calls.allocate_buffer, 0, "refused before allocating");
    let props = [
        PropRef::for_tag(PR_RECORD_KEY, ValueRef::Binary(&key)),
        PropRef::for_tag(PR_DISPLAY_NAME_W, ValueRef::Unicode("Inbox")),
    ];
    let ((), calls) = probe(Some(1), |set| {
        let error = props_block_of(&set, &props, Some(&tags), true).unwrap_err();
        assert_eq!(error.code(), MAPI_E_NOT_ENOUGH_MEMORY);
    });
    assert_eq!(calls.live_roots, 0, "nothing left behind");
    let ((), calls) = probe(Some(1), |set| {
        let value = value_in(&props);
        let error = props_block_by(&set, &kept, value, Some(&tags), true).unwrap_err();
        assert_eq!(error.code(), MAPI_E_NOT_ENOUGH_MEMORY);
    });
    assert_eq!(calls.live_roots, 0, "nothing left behind");
}

#[test]
fn text_converts_both_ways_and_never_silently_loses_characters() {
    // Every byte, 0x81 and other bytes unassigned in Windows-1252 included, reads as Unicode
    // and comes back unchanged.
    let all_bytes: Vec<u8> = (1..=255).collect();
    let bag = bag_with(&[
        (PR_SUBJECT_A, PropValue::String8(all_bytes.clone())),
        (PR_BODY_W, PropValue::Unicode("€ naïve “quotes” ™".into())),
        (PR_COMMENT_W, PropValue::Unicode("日本語 📌".into())),
        (
            PR_SERVICE_DELETE_FILES,
            PropValue::MvUnicode(vec!["ok".into(), "Ω".into()]),
        ),
    ]);
    let fetched = bag.get_props(Some(&[PR_SUBJECT_W]), true).unwrap();
    let PropValue::Unicode(text) = &fetched.props[0].value else {
        panic!("{:?}", fetched.props[0]);
    };
    assert_eq!(text.chars().count(), 255);
    assert!(text.starts_with('\u{1}') && text.contains('€') && text.contains('\u{81}'));
    let back = bag_with(&[(PR_SUBJECT_W, PropValue::Unicode(text.clone()))]);
    let eight = back.get_props(Some(&[PR_SUBJECT_A]), false).unwrap();
    assert_eq!(eight.props[0].value, PropValue::String8(all_bytes));

    // Unicode that Windows-1252 can hold converts exactly; what it cannot is an error entry.
    let tags = [
        PR_BODY_A,
        PR_COMMENT_A,
        change_prop_type(PR_SERVICE_DELETE_FILES, PT_MV_STRING8),
    ];
    let fetched = bag.get_props(Some(&tags), false).unwrap();
    assert_eq!(fetched.code(), MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        fetched.props[0].value,
        PropValue::String8(b"\x80 na\xefve \x93quotes\x94 \x99".to_vec())
    );
    assert_eq!(
        *fetched.props[1],
        Property::error(PR_COMMENT_A, MAPI_E_BAD_CHARWIDTH)
    );
    assert_eq!(
        *fetched.props[2],
        Property::error(PR_SERVICE_DELETE_FILES, MAPI_E_BAD_CHARWIDTH)
    );
    // With MAPI_UNICODE the same property reads as it is.
    let wide = bag.get_props(Some(&[PR_COMMENT_W]), false).unwrap();
    assert_eq!(wide.props[0].value, PropValue::Unicode("日本語 📌".into()));
    // A NULL list without MAPI_UNICODE reports the one that cannot be 8-bit as an error.
    let all = bag.get_props(None, false).unwrap();
    assert!(all.errors_returned);
    // Single- and multi-valued text do not convert into each other.
    let shape = bag.get_props(Some(&[change_prop_type(PR_BODY_W, PT_MV_UNICODE)]), true);
    assert_eq!(
        *shape.unwrap().props[0],
        Property::error(PR_BODY_W, MAPI_E_NOT_FOUND)
    );
}

#[test]
fn values_over_the_size_limit_are_not_enough_memory_errors() {
    let mut bag = bag_with(&[
        (PR_RTF_COMPRESSED, PropValue::Binary(vec![7; 5000])),
        (PR_ENTRYID, PropValue::Binary(vec![1; 16])),
        // 3000 characters: 3001 bytes as 8-bit, 6002 as UTF-16.
        (PR_BODY_A, PropValue::String8(vec![b'x'; 3000])),
    ]);
    bag.set_size_limit(Some(4096));
    let tags = [PR_RTF_COMPRESSED, PR_ENTRYID, PR_BODY_A, PR_BODY_W];
    let fetched = bag.get_props(Some(&tags), true).unwrap();
    assert_eq!(fetched.code(), MAPI_W_ERRORS_RETURNED);
    let got: Vec<Property> = fetched.props.into_iter().map(|p| p.into_owned()).collect();
    assert_eq!(
        got[0],
        Property::error(PR_RTF_COMPRESSED, MAPI_E_NOT_ENOUGH_MEMORY)
    );
    assert_eq!(got[1].value, PropValue::Binary(vec![1; 16]));
    assert_eq!(got[2].value, PropValue::String8(vec![b'x'; 3000]));
    assert_eq!(got[3], Property::error(PR_BODY_W, MAPI_E_NOT_ENOUGH_MEMORY));
    // The one-block answer applies the limit alike, to the value in the width answered.
    let ((), calls) = probe(None, |set| {
        let block = bag.get_props_block(&set, Some(&tags), true).unwrap();
        assert_eq!(answered(block), (MAPI_W_ERRORS_RETURNED, got));
    });
    assert_eq!(calls.live_roots, 0);
    bag.set_size_limit(None);
    assert_eq!(bag.get_props(Some(&tags), true).unwrap().code(), S_OK);
}

/// The tags of an `SPropTagArray` block.
fn tags_of(block: &RootBuf) -> Vec<u32> {
    // SAFETY: the block is an `SPropTagArray` built by `prop_list_block`.
    unsafe { tags_from_raw(block.as_ptr().cast::<SPropTagArray>()) }.unwrap()
}

#[test]
fn get_prop_list_types_text_by_mapi_unicode() {
    let bag = sample_bag();
    let ((), _) = freed_by(2, |set| {
        let wide = bag.prop_list_block(set, true).unwrap();
        assert_eq!(
            tags_of(&wide),
            [
                PR_SUBJECT_W,
                PR_MESSAGE_ATTACHMENTS,
                PR_DISPLAY_NAME_W,
                PR_CREATION_TIME,
                PR_CONTENT_COUNT,
                change_prop_type(PR_SERVICE_SUPPORT_FILES, PT_MV_UNICODE),
            ]
        );
        host_free(set, wide.into_raw());
        // An empty object: an array of no tags, not NULL.
        let empty = PropertyBag::new().prop_list_block(set, false).unwrap();
        assert_eq!(tags_of(&empty), []);
        host_free(set, empty.into_raw());
    });
    let narrow = bag.get_prop_list(false);
    assert!(narrow.contains(&PR_SUBJECT_A) && narrow.contains(&PR_DISPLAY_NAME_A));
    assert!(narrow.contains(&PR_SERVICE_SUPPORT_FILES));
    // SAFETY: NULL is checked before any read.
    assert_eq!(unsafe { tags_from_raw(core::ptr::null()) }, None);
}

/// The problems of an `SPropProblemArray` block.
fn problems_of(block: &RootBuf) -> Vec<(u32, u32, HRESULT)> {
    let array = block.as_ptr().cast::<SPropProblemArray>();
    // SAFETY: the block is an `SPropProblemArray` of `cProblem` problems from
    // `problems_block`, on the native allocator (aligned for it).
    unsafe {
        let count = (*array).cProblem as usize;
        (0..count)
            .map(|i| {
                let p: SPropProblem = (*array).aProblem.as_ptr().add(i).read();
                (p.ulIndex, p.ulPropTag, HRESULT(p.scode))
            })
            .collect()
    }
}

#[test]
fn set_props_reports_read_only_properties_as_problems_and_sets_the_rest() {
    let mut bag = sample_bag();
    bag.set_prop_access(&[PR_CONTENT_COUNT], &[IPROP_READONLY | IPROP_CLEAN])
        .unwrap();
    let new = [
        Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("new".into())),
        Property::for_tag(PR_CONTENT_COUNT, PropValue::Long(1)),
        Property::for_tag(PR_IMPORTANCE, PropValue::Long(2)),
        Property::for_tag(PR_COMMENT_W, PropValue::Unicode("a\0b".into())),
        Property::new(0x6100, PropValue::MvLong(Vec::new())),
    ];
    let problems = bag.set_props(&new).unwrap();
    let ((), _) = freed_by(1, |set| {
        let block = problems_block(set, &problems).unwrap().unwrap();
        assert_eq!(
            problems_of(&block),
            [
                (1, PR_CONTENT_COUNT, MAPI_E_NO_ACCESS),
                (3, PR_COMMENT_W, MAPI_E_INVALID_PARAMETER),
                (4, prop_tag(PT_MV_LONG, 0x6100), MAPI_E_INVALID_PARAMETER),
            ]
        );
        host_free(set, block.into_raw());
        assert!(
            problems_block(set, &[]).unwrap().is_none(),
            "no problem: NULL"
        );
    });
    // The property changed type and is dirty; the read-only one is unchanged.
    assert_eq!(bag.get(0x0037), Some(&PropValue::Unicode("new".into())));
    assert_eq!(bag.get(0x3602), Some(&PropValue::Long(42)));
    assert_eq!(bag.get(0x0017), Some(&PropValue::Long(2)));
    assert_eq!(bag.get(0x3004), None);
    let access = bag.prop_access(Some(&[
        PR_SUBJECT_W,
        PR_CONTENT_COUNT,
        PR_IMPORTANCE,
        PR_BODY_W,
    ]));
    assert_eq!(
        access,
        [
            (PR_SUBJECT_W, IPROP_READWRITE | IPROP_DIRTY),
            (PR_CONTENT_COUNT, IPROP_READONLY | IPROP_CLEAN),
            (PR_IMPORTANCE, IPROP_READWRITE | IPROP_DIRTY),
            (PR_BODY_W, 0),
        ]
    );
}

#[test]
fn set_props_refuses_whole_calls_before_changing_anything() {
    let mut bag = sample_bag();
    let before = bag.clone();
    let ok = Property::for_tag(PR_IMPORTANCE, PropValue::Long(2));
    for bad in [
        Property::new(0x6000, PropValue::Null),
        Property::new(0x6000, PropValue::Object),
        Property::new(0x6000, PropValue::Error(MAPI_E_NOT_FOUND)),
        Property::new(0, PropValue::Long(1)),
        Property::new(0xFFFF, PropValue::Long(1)),
    ] {
        let error = bag.set_props(&[ok.clone(), bad]).unwrap_err();
        assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
    }
    assert_eq!(
        bag.set_props(&[]).unwrap_err().code(),
        MAPI_E_INVALID_PARAMETER
    );
    bag.set_object_access(ObjectAccess::ReadOnly);
    assert_eq!(bag.set_props(&[ok]).unwrap_err().code(), MAPI_E_NO_ACCESS);
    assert_eq!(
        bag.delete_props(&[PR_CONTENT_COUNT]).unwrap_err().code(),
        MAPI_E_NO_ACCESS
    );
    bag.set_object_access(ObjectAccess::ReadWrite);
    assert_eq!(bag, before);
}

#[test]
fn delete_props_ignores_types_and_missing_properties() {
    let mut bag = sample_bag();
    bag.set_prop_access(&[PR_CREATION_TIME], &[IPROP_READONLY | IPROP_CLEAN])
        .unwrap();
    let problems = bag
        .delete_props(&[
            change_prop_type(PR_DISPLAY_NAME_W, PT_UNSPECIFIED),
            PR_COMMENT_W,
            PR_CREATION_TIME,
            PR_SUBJECT_W,
        ])
        .unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (
            problems[0].ulIndex,
            problems[0].ulPropTag,
            HRESULT(problems[0].scode)
        ),
        (2, PR_CREATION_TIME, MAPI_E_NO_ACCESS)
    );
    assert_eq!(bag.get(0x3001), None);
    assert_eq!(
        bag.get(0x0037),
        None,
        "PR_SUBJECT_A deleted through its _W tag"
    );
    assert_eq!(bag.get(0x3007), Some(&PropValue::SysTime(T0)));
    assert_eq!(
        bag.delete_props(&[]).unwrap_err().code(),
        MAPI_E_INVALID_PARAMETER
    );
}

#[test]
fn access_flags_follow_ipropdata() {
    for bad in [
        0,
        IPROP_READWRITE,
        IPROP_CLEAN,
        IPROP_READONLY | IPROP_READWRITE | IPROP_CLEAN,
        IPROP_READWRITE | IPROP_CLEAN | IPROP_DIRTY,
        IPROP_READWRITE | IPROP_CLEAN | 0x100,
    ] {
        let error = PropAccess::from_flags(bad).unwrap_err();
        assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER, "{bad:#x}");
    }
    for flags in [
        IPROP_READONLY | IPROP_CLEAN,
        IPROP_READONLY | IPROP_DIRTY,
        IPROP_READWRITE | IPROP_CLEAN,
        IPROP_READWRITE | IPROP_DIRTY,
    ] {
        assert_eq!(PropAccess::from_flags(flags).unwrap().flags(), flags);
    }
    assert_eq!(
        ObjectAccess::from_flags(IPROP_READONLY).unwrap(),
        ObjectAccess::ReadOnly
    );
    assert_eq!(
        ObjectAccess::from_flags(IPROP_READWRITE).unwrap().flags(),
        IPROP_READWRITE
    );
    assert!(ObjectAccess::from_flags(IPROP_READONLY | IPROP_DIRTY).is_err());

    // Property access can change on a read-only object; bad flags change nothing.
    let mut bag = sample_bag();
    bag.set_object_access(ObjectAccess::ReadOnly);
    let tags = [PR_CONTENT_COUNT, PR_SUBJECT_W];
    let error = bag
        .set_prop_access(&tags, &[IPROP_READONLY | IPROP_DIRTY, IPROP_READONLY])
        .unwrap_err();
    assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
    assert_eq!(
        bag.prop_access(Some(&tags))[0].1,
        IPROP_READWRITE | IPROP_CLEAN
    );
    bag.set_prop_access(
        &tags,
        &[IPROP_READONLY | IPROP_DIRTY, IPROP_READONLY | IPROP_CLEAN],
    )
    .unwrap();
    assert_eq!(
        bag.prop_access(Some(&tags))[0].1,
        IPROP_READONLY | IPROP_DIRTY
    );
    assert!(
        bag.set_prop_access(&tags, &[IPROP_READONLY | IPROP_DIRTY])
            .is_err()
    );
    // Unknown tags are ignored.
    bag.set_prop_access(&[PR_BODY_W], &[IPROP_READONLY | IPROP_CLEAN])
        .unwrap();
    assert_eq!(bag.prop_access(None).len(), 6);

    // HrGetPropAccess's two out-parameters: two blocks, one MAPIFreeBuffer each.
    let ((), calls) = freed_by(2, |set| {
        let (tag_array, flags) = bag.prop_access_blocks(set, Some(&tags)).unwrap();
        assert_eq!(tags_of(&tag_array), tags);
        // SAFETY: two ULONGs from the native allocator (aligned for them).
        let got = unsafe { core::slice::from_raw_parts(flags.as_ptr().cast::<u32>(), 2) };
        assert_eq!(
            got,
            [IPROP_READONLY | IPROP_DIRTY, IPROP_READONLY | IPROP_CLEAN]
        );
        host_free(set, tag_array.into_raw());
        host_free(set, flags.into_raw());
    });
    assert_eq!(calls.allocations(), 2);
}

#[test]
fn a_clients_set_props_array_is_read_then_set() {
    let props = every_type();
    let storable: Vec<Property> = props
        .into_iter()
        .filter(|p| {
            !matches!(
                p.value,
                PropValue::Null | PropValue::Object | PropValue::Error(_)
            )
        })
        .collect();
    let ((), _) = freed_by(1, |set| {
        // The client's array, as it would pass it to SetProps.
        let block = props_block(set, &storable).unwrap();
        let input = read(&block, storable.len());
        drop(block);
        let mut bag = PropertyBag::new();
        let problems = bag.set_props(&input).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        // Every type comes back exactly as set.
        let tags: Vec<u32> = storable.iter().map(Property::tag).collect();
        let fetched = bag.get_props(Some(&tags), true).unwrap();
        assert_eq!(fetched.code(), S_OK);
        let got: Vec<Property> = fetched.props.into_iter().map(|p| p.into_owned()).collect();
        assert_eq!(got, storable);
    });
}

/// Fails each allocation `build` makes in turn: the error comes back and nothing is left.
fn fails_cleanly_at_every_allocation<T>(
    build: impl Fn(&AllocatorSet) -> mapi_spi_runtime::Result<T>,
) {
    let ((), calls) = probe(None, |set| drop(build(&set).unwrap()));
    assert_eq!(calls.live_roots, 0);
    assert!(calls.allocations() > 0);
    for n in 1..=calls.allocations() {
        let (result, failed) = probe(Some(n), |set| build(&set).map(drop));
        assert_eq!(
            result.unwrap_err().code(),
            MAPI_E_NOT_ENOUGH_MEMORY,
            "call {n}"
        );
        assert_eq!(failed.live_roots, 0, "nothing leaked when call {n} failed");
    }
}

#[test]
fn a_failed_allocation_returns_the_error_and_leaks_nothing() {
    let bag = sample_bag();
    let mut full = PropertyBag::new();
    for p in every_type() {
        if !matches!(p.value, PropValue::Null | PropValue::Error(_)) {
            full.insert(p, PropAccess::READ_WRITE).unwrap();
        }
    }
    fails_cleanly_at_every_allocation(|set| bag.get_props_block(set, None, true));
    fails_cleanly_at_every_allocation(|set| full.get_props_block(set, None, false));
    fails_cleanly_at_every_allocation(|set| {
        bag.get_props_block(set, Some(&[PR_SUBJECT_W, PR_BODY_W]), true)
    });
    fails_cleanly_at_every_allocation(|set| bag.prop_list_block(set, true));
    fails_cleanly_at_every_allocation(|set| {
        let problem = SPropProblem {
            ulIndex: 0,
            ulPropTag: PR_SUBJECT_W,
            scode: MAPI_E_NO_ACCESS.0,
        };
        problems_block(set, &[problem])
    });
    fails_cleanly_at_every_allocation(|set| props_block(set, &every_type()));
    fails_cleanly_at_every_allocation(|set| bag.prop_access_blocks(set, None));
}

fn text8() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=255, 0..12)
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 0..12)
        .prop_map(String::from_iter)
}

fn f64s() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("NaN is not equal to itself", |f| !f.is_nan())
}

fn f32s() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("NaN is not equal to itself", |f| !f.is_nan())
}

fn filetime() -> impl Strategy<Value = FILETIME> {
    (any::<u32>(), any::<u32>()).prop_map(|(low, high)| FILETIME {
        dwLowDateTime: low,
        dwHighDateTime: high,
    })
}

fn guid() -> impl Strategy<Value = GUID> {
    any::<u128>().prop_map(GUID::from_u128)
}

fn many<T: core::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    proptest::collection::vec(s, 0..5)
}

fn value() -> impl Strategy<Value = PropValue> {
    prop_oneof![
        Just(PropValue::Null),
        Just(PropValue::Object),
        any::<i16>().prop_map(PropValue::I2),
        any::<u32>().prop_map(PropValue::Long),
        f32s().prop_map(PropValue::R4),
        f64s().prop_map(PropValue::Double),
        any::<i64>().prop_map(PropValue::Currency),
        f64s().prop_map(PropValue::AppTime),
        any::<i32>().prop_map(|e| PropValue::Error(HRESULT(e))),
        any::<bool>().prop_map(PropValue::Boolean),
        any::<i64>().prop_map(PropValue::I8),
        text8().prop_map(PropValue::String8),
        text().prop_map(|t| PropValue::Unicode(t.into())),
        filetime().prop_map(PropValue::SysTime),
        guid().prop_map(PropValue::Clsid),
        many(any::<u8>()).prop_map(PropValue::Binary),
        many(any::<i16>()).prop_map(PropValue::MvI2),
        many(any::<u32>()).prop_map(PropValue::MvLong),
        many(f32s()).prop_map(PropValue::MvR4),
        many(f64s()).prop_map(PropValue::MvDouble),
        many(any::<i64>()).prop_map(PropValue::MvCurrency),
        many(f64s()).prop_map(PropValue::MvAppTime),
        many(filetime()).prop_map(PropValue::MvSysTime),
        many(text8()).prop_map(PropValue::MvString8),
        many(text()).prop_map(PropValue::MvUnicode),
        many(many(any::<u8>())).prop_map(PropValue::MvBinary),
        many(guid()).prop_map(PropValue::MvClsid),
        many(any::<i64>()).prop_map(PropValue::MvI8),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        if cfg!(miri) { 4 } else { 256 }
    ))]

    /// Any list of properties survives one block and comes back equal, and the block is one
    /// allocation freed by one call.
    #[test]
    fn random_property_lists_survive_the_round_trip(
        values in proptest::collection::vec((any::<u16>(), value()), 0..16)
    ) {
        let props: Vec<Property> = values.into_iter().map(|(id, v)| Property::new(id, v)).collect();
        let (back, calls) = probe(None, |set| {
            let block = props_block(&set, &props).unwrap();
            let back = read(&block, props.len());
            host_free(&set, block.into_raw());
            back
        });
        prop_assert_eq!(back, props);
        prop_assert_eq!((calls.allocate_buffer, calls.allocate_more), (1, 0));
        prop_assert_eq!((calls.free_buffer, calls.live_roots), (1, 0));
    }

    /// 8-bit text read as Unicode and written back as 8-bit is the same bytes; Unicode that
    /// converts to 8-bit converts back to itself.
    #[test]
    fn text_conversions_are_exact_inverses(bytes in text8(), wide in text()) {
        let bag = bag_with(&[
            (PR_SUBJECT_A, PropValue::String8(bytes.clone())),
            (PR_BODY_W, PropValue::Unicode(wide.clone().into())),
        ]);
        let as_unicode = bag.get_props(Some(&[PR_SUBJECT_W]), true).unwrap();
        let back = bag_with(&[(PR_SUBJECT_W, as_unicode.props[0].value.clone())]);
        let again = back.get_props(Some(&[PR_SUBJECT_A]), false).unwrap();
        prop_assert_eq!(&again.props[0].value, &PropValue::String8(bytes));
        let narrow = bag.get_props(Some(&[PR_BODY_A]), false).unwrap();
        if let PropValue::String8(eight) = &narrow.props[0].value {
            let back = bag_with(&[(PR_BODY_A, PropValue::String8(eight.clone()))]);
            let wide_again = back.get_props(Some(&[PR_BODY_W]), true).unwrap();
            prop_assert_eq!(&wide_again.props[0].value, &PropValue::Unicode(wide.into()));
        } else {
            prop_assert_eq!(&*narrow.props[0], &Property::error(PR_BODY_A, MAPI_E_BAD_CHARWIDTH));
        }
    }
}

/// Property lists the engine stores (no empty multi-valued property), named IDs among them.
fn storable_props() -> impl Strategy<Value = Vec<Property>> {
    let stored = value().prop_filter("the engine stores it", PropValue::is_storable);
    proptest::collection::vec((any::<u16>(), stored), 0..12).prop_map(|values| {
        values
            .into_iter()
            .map(|(id, v)| Property::new(id, v))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        if cfg!(miri) { 4 } else { 256 }
    ))]

    /// `props::encoding`: every list decodes to itself.
    #[test]
    fn every_list_round_trips_through_the_encoding(props in storable_props()) {
        prop_assert_eq!(decode_props(&encode_props(&props)), Ok(props));
    }

    /// A cut anywhere is corrupt data; a byte changed anywhere is corrupt data or another
    /// list (never a panic); bytes after the list are corrupt data.
    #[test]
    fn damaged_encodings_are_corrupt_data_or_another_list(
        props in storable_props(),
        at in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let bytes = encode_props(&props);
        for cut in 0..bytes.len() {
            prop_assert_eq!(decode_props(&bytes[..cut]), Err(MAPI_E_CORRUPT_DATA));
        }
        let mut changed = bytes.clone();
        changed[at.index(bytes.len())] ^= flip;
        if let Ok(other) = decode_props(&changed) {
            prop_assert_ne!(&encode_props(&other), &bytes);
        }
        let longer = [bytes.as_slice(), &[0]].concat();
        prop_assert_eq!(decode_props(&longer), Err(MAPI_E_CORRUPT_DATA));
    }

    /// Random bytes after the version decode to an error or a list, never a panic.
    #[test]
    fn random_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_props(&[&[VERSION], bytes.as_slice()].concat());
    }
}
