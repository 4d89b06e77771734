//! `PropertyObject`, the property bag as an `IMAPIProp` COM object, driven through its raw
//! vtable as a client drives it: results in MAPI memory, the bag's access rules, and bad input.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::{
    MAPI_E_INVALID_PARAMETER, MAPI_E_NO_ACCESS, MAPI_E_UNKNOWN_FLAGS, MAPI_W_ERRORS_RETURNED, S_OK,
};
use mapi_spi_runtime::flags::{KEEP_OPEN_READWRITE, MAPI_UNICODE};
use mapi_spi_runtime::interfaces::IMAPIProp;
use mapi_spi_runtime::props::value::props_from_raw;
use mapi_spi_runtime::props::{self, ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{SPropProblemArray, SPropTagArray, SPropValue};
use mapi_spi_runtime::{HRESULT, Interface};

/// An `SPropTagArray` of `N` tags, as a client lays one out.
#[repr(C)]
struct Tags<const N: usize> {
    count: u32,
    tags: [u32; N],
}

impl<const N: usize> Tags<N> {
    fn new(tags: [u32; N]) -> Self {
        Tags {
            count: N as u32,
            tags,
        }
    }
    fn as_ptr(&mut self) -> *mut SPropTagArray {
        (self as *mut Self).cast()
    }
}

fn object(access: ObjectAccess) -> (IMAPIProp, AllocatorSet) {
    let allocators = AllocatorSet::native();
    let mut bag = PropertyBag::new();
    bag.insert(
        Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode("Boîte".into())),
        PropAccess::READ_WRITE,
    )
    .unwrap();
    bag.insert(
        Property::for_tag(PR_OBJECT_TYPE, PropValue::Long(1)),
        PropAccess::READ_ONLY,
    )
    .unwrap();
    bag.set_object_access(access);
    (props::object::create(bag, allocators), allocators)
}

/// `GetProps` through the vtable: the code and the values read back (the block freed).
fn get(prop: &IMAPIProp, tags: *mut SPropTagArray, flags: u32) -> (HRESULT, Vec<Property>) {
    let allocators = AllocatorSet::native();
    let (mut count, mut values) = (7u32, core::ptr::null_mut::<SPropValue>());
    let hr =
        unsafe { (prop.vtable().GetProps)(prop.as_raw(), tags, flags, &mut count, &mut values) };
    if hr.is_err() {
        return (hr, Vec::new());
    }
    let read = unsafe { props_from_raw(values, count) }.unwrap();
    unsafe { allocators.free(values.cast()) };
    (hr, read)
}

/// `SetProps` through the vtable: the code and the problems' (index, tag, code).
fn set(prop: &IMAPIProp, values: &[Property]) -> (HRESULT, Vec<(u32, u32, i32)>) {
    let allocators = AllocatorSet::native();
    let block = props::value::props_block(&allocators, values).unwrap();
    let mut problems: *mut SPropProblemArray = core::ptr::dangling_mut();
    let hr = unsafe {
        (prop.vtable().SetProps)(
            prop.as_raw(),
            values.len() as u32,
            block.as_ptr().cast(),
            &mut problems,
        )
    };
    if hr.is_err() {
        // Left as the caller set it: nothing to free.
        assert_eq!(problems, core::ptr::dangling_mut());
        return (hr, Vec::new());
    }
    let listed = unsafe { SPropProblemArray::problems(problems) }
        .map(|p| {
            p.iter()
                .map(|p| (p.ulIndex, p.ulPropTag, p.scode))
                .collect()
        })
        .unwrap_or_default();
    unsafe { allocators.free(problems.cast()) };
    (hr, listed)
}

#[test]
fn get_props_answers_in_the_width_asked_with_errors_for_what_is_missing() {
    let (prop, _) = object(ObjectAccess::ReadWrite);
    let (hr, all) = get(&prop, core::ptr::null_mut(), MAPI_UNICODE);
    assert_eq!(hr, S_OK);
    let name = all.iter().find(|p| p.tag() == PR_DISPLAY_NAME_W).unwrap();
    assert_eq!(name.value, PropValue::Unicode("Boîte".into()));
    let mut tags = Tags::new([PR_DISPLAY_NAME_A, PR_SUBJECT_W]);
    let (hr, some) = get(&prop, tags.as_ptr(), 0);
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    assert_eq!(some[0].value, PropValue::String8(b"Bo\xeete".to_vec()));
    assert!(matches!(some[1].value, PropValue::Error(_)));
}

#[test]
fn set_and_delete_follow_the_access_rules() {
    let (prop, _) = object(ObjectAccess::ReadWrite);
    let subject = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("Hi".into()));
    let kind = Property::for_tag(PR_OBJECT_TYPE, PropValue::Long(5));
    let (hr, problems) = set(&prop, &[subject, kind]);
    assert_eq!(hr, S_OK);
    assert_eq!(problems, [(1, PR_OBJECT_TYPE, MAPI_E_NO_ACCESS.0)]);
    let mut tags = Tags::new([PR_SUBJECT_W]);
    let (hr, got) = get(&prop, tags.as_ptr(), MAPI_UNICODE);
    assert_eq!(
        (hr, &got[0].value),
        (S_OK, &PropValue::Unicode("Hi".into()))
    );

    let mut problems = core::ptr::null_mut();
    let hr = unsafe { (prop.vtable().DeleteProps)(prop.as_raw(), tags.as_ptr(), &mut problems) };
    assert_eq!((hr, problems), (S_OK, core::ptr::null_mut()));
    assert_eq!(
        get(&prop, tags.as_ptr(), 0).0,
        MAPI_W_ERRORS_RETURNED,
        "deleted"
    );
    assert_eq!(
        unsafe { (prop.vtable().SaveChanges)(prop.as_raw(), KEEP_OPEN_READWRITE) },
        S_OK
    );

    // A read-only object refuses every change and keeps its values.
    let (read_only, _) = object(ObjectAccess::ReadOnly);
    let subject = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("Hi".into()));
    assert_eq!(set(&read_only, &[subject]).0, MAPI_E_NO_ACCESS);
    assert_eq!(get(&read_only, tags.as_ptr(), 0).0, MAPI_W_ERRORS_RETURNED);
}

#[test]
fn bad_input_gets_the_documented_error_and_changes_nothing() {
    let (prop, _) = object(ObjectAccess::ReadWrite);
    let raw = prop.as_raw();
    let vtable = prop.vtable();
    let mut values = core::ptr::null_mut();
    let mut count = 0;
    unsafe {
        assert_eq!(
            (vtable.GetProps)(
                raw,
                core::ptr::null_mut(),
                0,
                core::ptr::null_mut(),
                &mut values
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            (vtable.GetProps)(raw, core::ptr::null_mut(), 0x40, &mut count, &mut values),
            MAPI_E_UNKNOWN_FLAGS
        );
        assert_eq!(
            (vtable.GetPropList)(raw, 0, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            (vtable.SetProps)(raw, 3, core::ptr::null_mut(), core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            (vtable.DeleteProps)(raw, core::ptr::null_mut(), core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!((vtable.SaveChanges)(raw, 0x100), MAPI_E_UNKNOWN_FLAGS);
        // OpenProperty without an interface: refused, with its out-parameter cleared.
        let mut unk = core::ptr::dangling_mut::<c_void>();
        assert_eq!(
            (vtable.OpenProperty)(raw, PR_BODY_W, core::ptr::null(), 0, 0, &mut unk),
            MAPI_E_INVALID_PARAMETER
        );
        assert!(unk.is_null());
    }
    let (hr, all) = get(&prop, core::ptr::null_mut(), MAPI_UNICODE);
    assert_eq!((hr, all.len()), (S_OK, 2), "unchanged");
}
