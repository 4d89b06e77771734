//! `IMAPIProp::OpenProperty` on the property engine's object, and the `IStream` it hands out,
//! driven through the raw vtables as a client drives them: reading, writing, seeking, sizes,
//! `Commit` and `Revert`, `Clone`, `CopyTo`, `Stat`, text in both widths, access rules, and
//! bad input.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::{AllocatorSet, native};
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::interfaces::{IMAPIProp, IStream};
use mapi_spi_runtime::props::value::props_from_raw;
use mapi_spi_runtime::props::{self, ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{LARGE_INTEGER, SPropValue, STATSTG, ULARGE_INTEGER};
use mapi_spi_runtime::{GUID, HRESULT, IUnknown, Interface};

const BODY: &str = "Grüße from the stream\r\n";

/// The tests count the process's native host buffers: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn object(access: ObjectAccess) -> IMAPIProp {
    let mut bag = PropertyBag::new();
    let props = [
        (
            PR_BODY_W,
            PropValue::Unicode(BODY.into()),
            PropAccess::READ_WRITE,
        ),
        (
            PR_SUBJECT_A,
            PropValue::String8(b"Caf\xe9".to_vec()),
            PropAccess::READ_WRITE,
        ),
        (
            PR_ENTRYID,
            PropValue::Binary(vec![1, 2, 3, 4, 5]),
            PropAccess::READ_ONLY,
        ),
        (PR_OBJECT_TYPE, PropValue::Long(5), PropAccess::READ_ONLY),
    ];
    for (tag, value, access) in props {
        bag.insert(Property::for_tag(tag, value), access).unwrap();
    }
    bag.set_object_access(access);
    props::object::create(bag, AllocatorSet::native())
}

/// `OpenProperty` through the vtable.
fn open(prop: &IMAPIProp, tag: u32, iid: &GUID, flags: u32) -> Result<IStream, HRESULT> {
    let mut raw = core::ptr::NonNull::<c_void>::dangling().as_ptr();
    // SAFETY: a live object, a GUID and an out-pointer.
    let hr = unsafe { (prop.vtable().OpenProperty)(prop.as_raw(), tag, iid, 0, flags, &mut raw) };
    if hr.is_err() {
        assert!(raw.is_null(), "a failed OpenProperty leaves NULL");
        return Err(hr);
    }
    // SAFETY: a new IStream reference.
    Ok(unsafe { IStream::from_raw(raw) })
}

fn read_all(stream: &IStream) -> (HRESULT, Vec<u8>) {
    let mut buffer = vec![0u8; 4096];
    let mut read = 0u32;
    // SAFETY: a buffer of 4096 bytes and an out-pointer.
    let hr = unsafe { stream.Read(buffer.as_mut_ptr().cast(), 4096, &mut read) };
    buffer.truncate(read as usize);
    (hr, buffer)
}

fn write(stream: &IStream, bytes: &[u8]) -> HRESULT {
    let mut written = 7u32;
    // SAFETY: `bytes` readable for its length.
    let hr = unsafe { stream.Write(bytes.as_ptr().cast(), bytes.len() as u32, &mut written) };
    if hr.is_ok() {
        assert_eq!(written as usize, bytes.len());
    } else {
        assert_eq!(written, 0, "nothing written on failure");
    }
    hr
}

fn seek(stream: &IStream, by: i64, origin: u32) -> Result<u64, HRESULT> {
    let mut position = ULARGE_INTEGER { QuadPart: 99 };
    // SAFETY: an out-pointer.
    let hr = unsafe { stream.Seek(LARGE_INTEGER { QuadPart: by }, origin, &mut position) };
    if hr.is_err() {
        Err(hr)
    } else {
        Ok(position.QuadPart)
    }
}

fn stat(stream: &IStream) -> STATSTG {
    // SAFETY: STATSTG is plain data; all-zero is valid.
    let mut stat: STATSTG = unsafe { core::mem::zeroed() };
    // SAFETY: an out-pointer.
    assert_eq!(unsafe { stream.Stat(&mut stat, STATFLAG_NONAME) }, S_OK);
    stat
}

fn value(prop: &IMAPIProp, tag: u32) -> Option<PropValue> {
    let mut tags = [1u32, tag];
    let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
    // SAFETY: a one-tag array and out-pointers.
    let hr = unsafe {
        prop.GetProps(
            tags.as_mut_ptr().cast(),
            MAPI_UNICODE,
            &mut count,
            &mut values,
        )
    };
    assert!(hr.is_ok());
    // SAFETY: the object returned `count` values in one block of the native allocator.
    let read = unsafe { props_from_raw(values, count) }.unwrap();
    // SAFETY: ours to free.
    unsafe { AllocatorSet::native().free(values.cast()) };
    match &read[0].value {
        PropValue::Error(_) => None,
        value => Some(value.clone()),
    }
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn reading_seeking_and_stat_on_a_read_only_stream() {
    let _serial = serial();
    let buffers = native::live_buffers();
    let prop = object(ObjectAccess::ReadWrite);
    let stream = open(&prop, PR_ENTRYID, &IStream::IID, 0).unwrap();
    assert_eq!(
        read_all(&stream),
        (S_FALSE, vec![1, 2, 3, 4, 5]),
        "fewer than asked: S_FALSE"
    );
    assert_eq!(read_all(&stream), (S_FALSE, vec![]));
    assert_eq!(seek(&stream, 1, STREAM_SEEK_SET), Ok(1));
    let mut two = [0u8; 2];
    // SAFETY: a 2-byte buffer; NULL pcbRead is allowed.
    let hr = unsafe { stream.Read(two.as_mut_ptr().cast(), 2, core::ptr::null_mut()) };
    assert_eq!((hr, two), (S_OK, [2, 3]));
    assert_eq!(seek(&stream, -1, STREAM_SEEK_CUR), Ok(2));
    assert_eq!(seek(&stream, -2, STREAM_SEEK_END), Ok(3));
    assert_eq!(
        seek(&stream, 10, STREAM_SEEK_END),
        Ok(15),
        "past the end is allowed"
    );
    assert_eq!(
        seek(&stream, -1, STREAM_SEEK_SET),
        Err(STG_E_INVALIDFUNCTION)
    );
    assert_eq!(seek(&stream, 0, 7), Err(STG_E_INVALIDFUNCTION));
    assert_eq!(
        seek(&stream, 0, STREAM_SEEK_CUR),
        Ok(15),
        "a failed seek moves nothing"
    );

    let stat = stat(&stream);
    assert_eq!(
        (
            stat.r#type,
            stat.cbSize.QuadPart,
            stat.grfMode,
            stat.pwcsName.is_null()
        ),
        (STGTY_STREAM, 5, STGM_READ, true)
    );
    // SAFETY: NULL out-pointer; an unknown flag.
    unsafe {
        assert_eq!(stream.Stat(core::ptr::null_mut(), 0), STG_E_INVALIDPOINTER);
        let mut stat: STATSTG = core::mem::zeroed();
        assert_eq!(stream.Stat(&mut stat, 9), STG_E_INVALIDFLAG);
    }

    // Read-only: writes and sizes are refused, Commit has nothing to do.
    assert_eq!(write(&stream, b"x"), STG_E_ACCESSDENIED);
    // SAFETY: plain values.
    unsafe {
        assert_eq!(
            stream.SetSize(ULARGE_INTEGER { QuadPart: 1 }),
            STG_E_ACCESSDENIED
        );
        assert_eq!(stream.Commit(STGC_DEFAULT), S_OK);
        let (a, b) = (ULARGE_INTEGER::default(), ULARGE_INTEGER { QuadPart: 1 });
        assert_eq!(stream.LockRegion(a, b, 1), STG_E_INVALIDFUNCTION);
        assert_eq!(stream.UnlockRegion(a, b, 1), STG_E_INVALIDFUNCTION);
    }
    assert_eq!(
        value(&prop, PR_ENTRYID),
        Some(PropValue::Binary(vec![1, 2, 3, 4, 5]))
    );
    drop((stream, prop));
    assert_eq!(native::live_buffers(), buffers);
}

#[test]
fn writes_are_seen_after_commit_and_revert_goes_back() {
    let _serial = serial();
    let prop = object(ObjectAccess::ReadWrite);
    let stream = open(&prop, PR_BODY_W, &IStream::IID, MAPI_MODIFY).unwrap();
    assert_eq!(read_all(&stream).1, utf16(BODY));
    assert_eq!(stat(&stream).grfMode, STGM_READWRITE);

    // Replace the body, with the NUL a writer often adds.
    // SAFETY: plain value.
    assert_eq!(unsafe { stream.SetSize(ULARGE_INTEGER::default()) }, S_OK);
    assert_eq!(seek(&stream, 0, STREAM_SEEK_SET), Ok(0));
    assert_eq!(write(&stream, &utf16("Neu\0")), S_OK);
    assert_eq!(
        value(&prop, PR_BODY_W),
        Some(PropValue::Unicode(BODY.into())),
        "not yet"
    );
    // SAFETY: plain values.
    assert_eq!(unsafe { stream.Commit(STGC_DEFAULT) }, S_OK);
    assert_eq!(
        value(&prop, PR_BODY_W),
        Some(PropValue::Unicode("Neu".into()))
    );

    // More writes, then Revert: back to the committed bytes.
    assert_eq!(write(&stream, &utf16("!!")), S_OK);
    // SAFETY: no arguments.
    assert_eq!(unsafe { stream.Revert() }, S_OK);
    assert_eq!(stat(&stream).cbSize.QuadPart, utf16("Neu\0").len() as u64);

    // Writing past the end fills the gap with zeros.
    assert_eq!(seek(&stream, 2, STREAM_SEEK_END), Ok(10));
    assert_eq!(write(&stream, &[0x41, 0]), S_OK);
    assert_eq!(stat(&stream).cbSize.QuadPart, 12);

    // Text that is not UTF-16 is refused and the property keeps its value.
    // SAFETY: plain values.
    unsafe {
        assert_eq!(stream.SetSize(ULARGE_INTEGER { QuadPart: 3 }), S_OK);
        assert_eq!(stream.Commit(STGC_DEFAULT), MAPI_E_INVALID_PARAMETER);
        assert_eq!(stream.Commit(0x100), STG_E_INVALIDFLAG);
    }
    assert_eq!(
        value(&prop, PR_BODY_W),
        Some(PropValue::Unicode("Neu".into()))
    );
}

#[test]
fn text_in_the_other_width_create_clone_and_copy_to() {
    let _serial = serial();
    let prop = object(ObjectAccess::ReadWrite);
    // An 8-bit subject read as Unicode, and as stored.
    let wide = open(&prop, PR_SUBJECT_W, &IStream::IID, 0).unwrap();
    assert_eq!(read_all(&wide).1, utf16("Café"));
    let narrow = open(&prop, PR_SUBJECT_A, &IStream::IID, 0).unwrap();
    assert_eq!(read_all(&narrow).1, b"Caf\xe9");

    // MAPI_CREATE: a new property, empty until written and committed.
    let created = open(&prop, PR_HTML, &IStream::IID, MAPI_CREATE).unwrap();
    assert_eq!(stat(&created).cbSize.QuadPart, 0);
    assert_eq!(value(&prop, PR_HTML), None);
    assert_eq!(write(&created, b"<p>hi</p>"), S_OK);
    // A clone shares the data and starts at the same position.
    let mut raw = core::ptr::null_mut();
    // SAFETY: an out-pointer.
    assert_eq!(unsafe { created.Clone(&mut raw) }, S_OK);
    // SAFETY: a new IStream reference.
    let clone = unsafe { IStream::from_raw(raw) };
    assert_eq!(seek(&clone, 0, STREAM_SEEK_CUR), Ok(9));
    assert_eq!(write(&clone, b"!"), S_OK);
    assert_eq!(stat(&created).cbSize.QuadPart, 10);
    // SAFETY: no arguments.
    assert_eq!(unsafe { clone.Commit(STGC_DEFAULT) }, S_OK);
    assert_eq!(
        value(&prop, PR_HTML),
        Some(PropValue::Binary(b"<p>hi</p>!".to_vec()))
    );

    // CopyTo: from the start of one stream into another, counting both ways.
    let copy = open(&prop, PR_RTF_COMPRESSED, &IStream::IID, MAPI_CREATE).unwrap();
    assert_eq!(seek(&created, 3, STREAM_SEEK_SET), Ok(3));
    let (mut read, mut written) = (ULARGE_INTEGER::default(), ULARGE_INTEGER::default());
    // SAFETY: a live destination and out-pointers.
    let hr = unsafe {
        created.CopyTo(
            Some(&copy),
            ULARGE_INTEGER { QuadPart: 4 },
            &mut read,
            &mut written,
        )
    };
    assert_eq!((hr, read.QuadPart, written.QuadPart), (S_OK, 4, 4));
    assert_eq!(seek(&copy, 0, STREAM_SEEK_SET), Ok(0));
    assert_eq!(read_all(&copy).1, b"hi</");
    // Into itself (a clone): no deadlock.
    // SAFETY: as above.
    let hr = unsafe {
        created.CopyTo(
            Some(&clone),
            ULARGE_INTEGER { QuadPart: 100 },
            &mut read,
            &mut written,
        )
    };
    assert_eq!((hr, read.QuadPart), (S_OK, 3));
    // SAFETY: a NULL destination.
    let hr = unsafe {
        created.CopyTo(
            None,
            ULARGE_INTEGER { QuadPart: 1 },
            &mut read,
            &mut written,
        )
    };
    assert_eq!(hr, STG_E_INVALIDPOINTER);
}

#[test]
fn access_rules_and_bad_input() {
    let _serial = serial();
    let prop = object(ObjectAccess::ReadWrite);
    let iid = IStream::IID;
    // A read-only property: no write access, best access gives a read-only stream.
    assert_eq!(
        open(&prop, PR_ENTRYID, &iid, MAPI_MODIFY).err(),
        Some(MAPI_E_NO_ACCESS)
    );
    let best = open(&prop, PR_ENTRYID, &iid, MAPI_BEST_ACCESS).unwrap();
    assert_eq!(stat(&best).grfMode, STGM_READ);
    let best = open(&prop, PR_BODY_W, &iid, MAPI_BEST_ACCESS).unwrap();
    assert_eq!(stat(&best).grfMode, STGM_READWRITE);
    // A read-only object.
    let read_only = object(ObjectAccess::ReadOnly);
    assert_eq!(
        open(&read_only, PR_BODY_W, &iid, MAPI_MODIFY).err(),
        Some(MAPI_E_NO_ACCESS)
    );
    assert_eq!(
        open(&read_only, PR_HTML, &iid, MAPI_CREATE).err(),
        Some(MAPI_E_NO_ACCESS)
    );
    assert!(open(&read_only, PR_BODY_W, &iid, 0).is_ok());

    assert_eq!(open(&prop, PR_HTML, &iid, 0).err(), Some(MAPI_E_NOT_FOUND));
    // A property is its tag: the body is no binary.
    assert_eq!(
        open(&prop, change_prop_type(PR_BODY_W, PT_BINARY), &iid, 0).err(),
        Some(MAPI_E_NOT_FOUND)
    );
    assert_eq!(
        open(&prop, PR_OBJECT_TYPE, &iid, 0).err(),
        Some(MAPI_E_INTERFACE_NOT_SUPPORTED)
    );
    assert_eq!(
        open(&prop, PR_BODY_W, &IMAPIProp::IID, 0).err(),
        Some(MAPI_E_INTERFACE_NOT_SUPPORTED)
    );
    assert!(open(&prop, PR_BODY_W, &IUnknown::IID, 0).is_ok());
    assert_eq!(
        open(&prop, change_prop_type(PR_BODY_W, PT_OBJECT), &iid, 0).err(),
        Some(MAPI_E_NO_SUPPORT)
    );
    assert_eq!(
        open(&prop, PR_BODY_W, &iid, 0x1000).err(),
        Some(MAPI_E_UNKNOWN_FLAGS)
    );
    let mut raw = core::ptr::null_mut();
    // SAFETY: NULL IID, then NULL out-pointer.
    unsafe {
        let open = prop.vtable().OpenProperty;
        assert_eq!(
            open(prop.as_raw(), PR_BODY_W, core::ptr::null(), 0, 0, &mut raw),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            open(prop.as_raw(), PR_BODY_W, &iid, 0, 0, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
    }
    // A NULL buffer with a count.
    let stream = open(&prop, PR_BODY_W, &iid, MAPI_MODIFY).unwrap();
    // SAFETY: NULL buffers, which the stream refuses.
    unsafe {
        assert_eq!(
            stream.Read(core::ptr::null_mut(), 4, core::ptr::null_mut()),
            STG_E_INVALIDPOINTER
        );
        assert_eq!(
            stream.Write(core::ptr::null(), 4, core::ptr::null_mut()),
            STG_E_INVALIDPOINTER
        );
    }
}

#[test]
fn a_value_too_large_for_get_props_is_served_by_the_stream() {
    let _serial = serial();
    let mut bag = PropertyBag::new();
    let large = vec![7u8; 10_000];
    bag.insert(
        Property::for_tag(PR_ATTACH_DATA_BIN, PropValue::Binary(large.clone())),
        PropAccess::READ_WRITE,
    )
    .unwrap();
    bag.set_size_limit(Some(1024));
    let prop = props::object::create(bag, AllocatorSet::native());
    let mut tags = [1u32, PR_ATTACH_DATA_BIN];
    let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
    // SAFETY: a one-tag array and out-pointers.
    let hr = unsafe { prop.GetProps(tags.as_mut_ptr().cast(), 0, &mut count, &mut values) };
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    // SAFETY: one value, then freed.
    unsafe {
        assert_eq!((*values).Value.err, MAPI_E_NOT_ENOUGH_MEMORY.0);
        AllocatorSet::native().free(values.cast());
    }
    let stream = open(&prop, PR_ATTACH_DATA_BIN, &IStream::IID, 0).unwrap();
    let mut buffer = vec![0u8; 20_000];
    let mut read = 0;
    // SAFETY: a large enough buffer.
    let hr = unsafe { stream.Read(buffer.as_mut_ptr().cast(), 20_000, &mut read) };
    assert_eq!(hr, S_FALSE);
    assert_eq!(&buffer[..read as usize], &large[..]);
}

#[test]
fn object_properties_are_opened_by_the_provider() {
    let _serial = serial();
    use mapi_spi_runtime::props::PropertyObject;
    use mapi_spi_runtime::{ComObject, Interface};
    use std::sync::Arc;
    let mut bag = PropertyBag::new();
    let embedded = PR_ATTACH_DATA_OBJ;
    bag.insert(
        Property::for_tag(embedded, PropValue::Object),
        PropAccess::READ_WRITE,
    )
    .unwrap();
    let opener: Arc<props::ObjectOpener> = Arc::new(|tag, iid, _flags| {
        assert_eq!(tag, PR_ATTACH_DATA_OBJ);
        let inner: IMAPIProp = props::object::create(PropertyBag::new(), AllocatorSet::native());
        let mut out = core::ptr::null_mut();
        // SAFETY: a valid IID and out-pointer.
        let hr = unsafe { inner.query(iid, &mut out) };
        if hr.is_err() {
            return Err(hr);
        }
        // SAFETY: a new reference of the asked interface, held as IUnknown.
        Ok(unsafe { IUnknown::from_raw(out) })
    });
    let object = PropertyObject::new(bag, AllocatorSet::native()).with_objects(opener);
    let prop: IMAPIProp = ComObject::new(object).into_interface();
    let mut raw = core::ptr::null_mut();
    // SAFETY: a live object, an IID and an out-pointer.
    let hr = unsafe {
        (prop.vtable().OpenProperty)(prop.as_raw(), embedded, &IMAPIProp::IID, 0, 0, &mut raw)
    };
    assert_eq!(hr, S_OK);
    // SAFETY: the IMAPIProp reference OpenProperty returned.
    drop(unsafe { IMAPIProp::from_raw(raw) });
    let missing = change_prop_type(PR_BODY_W, PT_OBJECT);
    // SAFETY: as above.
    let hr = unsafe {
        (prop.vtable().OpenProperty)(prop.as_raw(), missing, &IMAPIProp::IID, 0, 0, &mut raw)
    };
    assert_eq!((hr, raw), (MAPI_E_NOT_FOUND, core::ptr::null_mut()));
    // SAFETY: as above; the opener refuses an interface the object has not.
    let hr = unsafe {
        (prop.vtable().OpenProperty)(prop.as_raw(), embedded, &IStream::IID, 0, 0, &mut raw)
    };
    assert_eq!(hr, MAPI_E_INTERFACE_NOT_SUPPORTED);
}
