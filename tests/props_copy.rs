//! `IMAPIProp::CopyTo` and `CopyProps` from the property engine's object, through the raw
//! vtable: exclusions and inclusions, `MAPI_NOREPLACE`, `MAPI_MOVE`, values too large for
//! `GetProps`, named properties translated between two stores' maps, problems from the
//! destination, and bad input.

use std::sync::Arc;

use mapi_spi_runtime::alloc::{AllocatorSet, native};
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::{MAPI_MOVE, MAPI_NOREPLACE};
use mapi_spi_runtime::interfaces::{IMAPIProp, IMAPITable};
use mapi_spi_runtime::props::names::{NamedProperties, PS_PUBLIC_STRINGS, PropName};
use mapi_spi_runtime::props::{
    ObjectAccess, PropAccess, PropValue, Property, PropertyBag, PropertyObject,
};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{SPropProblemArray, SPropTagArray};
use mapi_spi_runtime::{ComObject, GUID, HRESULT, Interface};

/// The tests count the process's native host buffers: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn object(
    props: &[(u32, PropValue, PropAccess)],
    names: Option<&Arc<NamedProperties>>,
) -> ComObject<PropertyObject> {
    let mut bag = PropertyBag::new();
    for (tag, value, access) in props {
        bag.insert(Property::for_tag(*tag, value.clone()), *access)
            .unwrap();
    }
    let mut object = PropertyObject::new(bag, AllocatorSet::native());
    if let Some(names) = names {
        object = object.with_names(names.clone());
    }
    ComObject::new(object)
}

fn sample() -> ComObject<PropertyObject> {
    let rw = PropAccess::READ_WRITE;
    let source = object(
        &[
            (PR_SUBJECT_W, PropValue::Unicode("Hello".into()), rw),
            (PR_BODY_W, PropValue::Unicode("Body".into()), rw),
            (PR_IMPORTANCE, PropValue::Long(2), rw),
            (PR_ATTACH_DATA_BIN, PropValue::Binary(vec![9; 5000]), rw),
        ],
        None,
    );
    source.bag_mut().set_size_limit(Some(1024));
    source
}

fn tag_array(tags: &[u32]) -> Vec<u32> {
    [&[tags.len() as u32][..], tags].concat()
}

/// The problems a call returned, as (index, tag, code); the array freed.
fn take_problems(problems: *mut SPropProblemArray) -> Vec<(u32, u32, HRESULT)> {
    // SAFETY: NULL or an array in the native allocator's memory.
    let read = unsafe { SPropProblemArray::problems(problems) }
        .map(|p| {
            p.iter()
                .map(|p| (p.ulIndex, p.ulPropTag, HRESULT(p.scode)))
                .collect()
        })
        .unwrap_or_default();
    // SAFETY: ours to free.
    unsafe { AllocatorSet::native().free(problems.cast()) };
    read
}

fn copy_to(
    from: &IMAPIProp,
    exclude_iids: &[GUID],
    exclude: Option<&[u32]>,
    to: &IMAPIProp,
    flags: u32,
) -> (HRESULT, Vec<(u32, u32, HRESULT)>) {
    let mut exclude = exclude.map(tag_array);
    let exclude_ptr = exclude.as_mut().map_or(core::ptr::null_mut(), |t| {
        t.as_mut_ptr().cast::<SPropTagArray>()
    });
    let mut problems = core::ptr::null_mut();
    // SAFETY: the arguments of a client's CopyTo.
    let hr = unsafe {
        (from.vtable().CopyTo)(
            from.as_raw(),
            exclude_iids.len() as u32,
            exclude_iids.as_ptr(),
            exclude_ptr,
            0,
            core::ptr::null_mut(),
            &IMAPIProp::IID,
            to.as_raw(),
            flags,
            &mut problems,
        )
    };
    (hr, take_problems(problems))
}

fn copy_props(from: &IMAPIProp, include: &[u32], to: &IMAPIProp, flags: u32) -> HRESULT {
    let mut include = tag_array(include);
    let mut problems = core::ptr::null_mut();
    // SAFETY: the arguments of a client's CopyProps.
    let hr = unsafe {
        (from.vtable().CopyProps)(
            from.as_raw(),
            include.as_mut_ptr().cast(),
            0,
            core::ptr::null_mut(),
            &IMAPIProp::IID,
            to.as_raw(),
            flags,
            &mut problems,
        )
    };
    assert!(take_problems(problems).is_empty());
    hr
}

fn ids(object: &ComObject<PropertyObject>) -> Vec<u32> {
    object.bag().iter().map(|p| p.tag()).collect()
}

#[test]
fn copy_to_with_exclusions_and_whole_large_values() {
    let _serial = serial();
    let buffers = native::live_buffers();
    let source = sample();
    let dest = object(&[], None);
    let (from, to) = (
        source.to_interface::<IMAPIProp>(),
        dest.to_interface::<IMAPIProp>(),
    );
    let (hr, problems) = copy_to(&from, &[], Some(&[PR_BODY_W]), &to, 0);
    assert_eq!((hr, problems.len()), (S_OK, 0));
    assert_eq!(
        ids(&dest),
        [PR_IMPORTANCE, PR_SUBJECT_W, PR_ATTACH_DATA_BIN]
    );
    assert_eq!(
        dest.bag().get(prop_id(PR_ATTACH_DATA_BIN) as u16),
        Some(&PropValue::Binary(vec![9; 5000])),
        "larger than GetProps would give, copied whole"
    );
    // Excluding IMAPIProp excludes everything.
    let empty = object(&[], None);
    let (hr, _) = copy_to(&from, &[IMAPIProp::IID], None, &empty.to_interface(), 0);
    assert_eq!((hr, ids(&empty).len()), (S_OK, 0));
    // Excluding another interface (a message's recipients) changes nothing here.
    let (hr, _) = copy_to(&from, &[IMAPITable::IID], None, &empty.to_interface(), 0);
    assert_eq!((hr, ids(&empty).len()), (S_OK, 4));
    drop((from, to, source, dest, empty));
    assert_eq!(native::live_buffers(), buffers);
}

#[test]
fn noreplace_move_and_problems() {
    let _serial = serial();
    let source = sample();
    let from: IMAPIProp = source.to_interface();
    let dest = object(
        &[
            (
                PR_SUBJECT_W,
                PropValue::Unicode("Kept".into()),
                PropAccess::READ_WRITE,
            ),
            (PR_IMPORTANCE, PropValue::Long(0), PropAccess::READ_ONLY),
        ],
        None,
    );
    let to: IMAPIProp = dest.to_interface();
    // NOREPLACE: the destination keeps its subject and importance.
    assert_eq!(
        copy_props(&from, &[PR_SUBJECT_W, PR_BODY_W], &to, MAPI_NOREPLACE),
        S_OK
    );
    assert_eq!(
        dest.bag().get(prop_id(PR_SUBJECT_W) as u16),
        Some(&PropValue::Unicode("Kept".into()))
    );
    assert_eq!(
        dest.bag().get(prop_id(PR_BODY_W) as u16),
        Some(&PropValue::Unicode("Body".into()))
    );

    // MOVE: what was copied leaves the source; what the destination refused stays.
    let (hr, problems) = copy_to(&from, &[], Some(&[PR_ATTACH_DATA_BIN]), &to, MAPI_MOVE);
    assert_eq!(hr, S_OK);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].1, problems[0].2),
        (PR_IMPORTANCE, MAPI_E_NO_ACCESS)
    );
    assert_eq!(ids(&source), [PR_IMPORTANCE, PR_ATTACH_DATA_BIN]);
    assert_eq!(
        dest.bag().get(prop_id(PR_SUBJECT_W) as u16),
        Some(&PropValue::Unicode("Hello".into()))
    );

    // A read-only source cannot move; onto itself nothing changes.
    let read_only = sample();
    read_only
        .bag_mut()
        .set_object_access(ObjectAccess::ReadOnly);
    let (hr, _) = copy_to(&read_only.to_interface(), &[], None, &to, MAPI_MOVE);
    assert_eq!(hr, MAPI_E_NO_ACCESS);
    let (hr, _) = copy_to(&from, &[], None, &from, MAPI_MOVE);
    assert_eq!(hr, S_OK);
    assert_eq!(ids(&source), [PR_IMPORTANCE, PR_ATTACH_DATA_BIN]);
}

#[test]
fn named_properties_keep_their_names_across_stores() {
    let _serial = serial();
    let (here, there) = (
        Arc::new(NamedProperties::new()),
        Arc::new(NamedProperties::new()),
    );
    // The destination's map already gave 0x8000 to another name.
    let other = PropName::string(PS_PUBLIC_STRINGS, "Other");
    assert_eq!(there.id_of(&other, true), Some(0x8000));
    let keywords = PropName::string(PS_PUBLIC_STRINGS, "Keywords");
    let id = here.id_of(&keywords, true).unwrap();
    let source = object(
        &[(
            prop_tag(PT_UNICODE, u32::from(id)),
            PropValue::Unicode("red".into()),
            PropAccess::READ_WRITE,
        )],
        Some(&here),
    );
    let dest = object(&[], Some(&there));
    let (hr, problems) = copy_to(&source.to_interface(), &[], None, &dest.to_interface(), 0);
    assert_eq!((hr, problems.len()), (S_OK, 0));
    let id_there = there
        .id_of(&keywords, false)
        .expect("named in the destination's map");
    assert_eq!(id_there, 0x8001);
    assert_eq!(
        dest.bag().get(id_there),
        Some(&PropValue::Unicode("red".into()))
    );

    // A destination without named properties: a problem, nothing copied.
    let plain = object(&[], None);
    let (hr, problems) = copy_to(&source.to_interface(), &[], None, &plain.to_interface(), 0);
    assert_eq!(hr, S_OK);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].2, MAPI_E_UNEXPECTED_ID);
    assert!(ids(&plain).is_empty());
}

#[test]
fn bad_input() {
    let _serial = serial();
    let source = sample();
    let from: IMAPIProp = source.to_interface();
    let dest: IMAPIProp = object(&[], None).to_interface();
    assert_eq!(
        copy_to(&from, &[], None, &dest, 0x8000).0,
        MAPI_E_UNKNOWN_FLAGS
    );
    let mut problems = core::ptr::null_mut();
    // SAFETY: deliberately bad arguments: NULL interface, NULL destination, NULL includes, a
    // count of excluded IIDs without them, a destination that is no IMAPIProp.
    unsafe {
        let copy_to = from.vtable().CopyTo;
        let copy_props = from.vtable().CopyProps;
        let raw = from.as_raw();
        let null = core::ptr::null_mut::<core::ffi::c_void>();
        assert_eq!(
            copy_to(
                raw,
                0,
                core::ptr::null(),
                null.cast(),
                0,
                null.cast(),
                core::ptr::null(),
                dest.as_raw(),
                0,
                &mut problems
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            copy_to(
                raw,
                0,
                core::ptr::null(),
                null.cast(),
                0,
                null.cast(),
                &IMAPIProp::IID,
                null,
                0,
                &mut problems
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            copy_to(
                raw,
                2,
                core::ptr::null(),
                null.cast(),
                0,
                null.cast(),
                &IMAPIProp::IID,
                dest.as_raw(),
                0,
                &mut problems
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            copy_props(
                raw,
                null.cast(),
                0,
                null.cast(),
                &IMAPIProp::IID,
                dest.as_raw(),
                0,
                &mut problems
            ),
            MAPI_E_INVALID_PARAMETER
        );
        let table: IMAPITable =
            mapi_spi_runtime::table::TableData::new(PR_ENTRYID, vec![], AllocatorSet::native())
                .unwrap()
                .view();
        assert_eq!(
            copy_to(
                raw,
                0,
                core::ptr::null(),
                null.cast(),
                0,
                null.cast(),
                &IMAPIProp::IID,
                table.as_raw(),
                0,
                &mut problems
            ),
            MAPI_E_INTERFACE_NOT_SUPPORTED
        );
    }
    assert!(problems.is_null());
}
