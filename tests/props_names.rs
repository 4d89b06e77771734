//! Named properties on the property engine's object: `GetIDsFromNames` and `GetNamesFromIDs`
//! through the raw vtable, as a client calls them, with a map shared by a store's objects.

use std::sync::Arc;

use mapi_spi_runtime::alloc::{AllocatorSet, native};
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::{MAPI_CREATE, MAPI_NO_IDS, MAPI_NO_STRINGS};
use mapi_spi_runtime::interfaces::IMAPIProp;
use mapi_spi_runtime::props::names::{
    NameKind, NamedProperties, PS_MAPI, PS_PUBLIC_STRINGS, PropName,
};
use mapi_spi_runtime::props::{PropertyBag, PropertyObject};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{MAPINAMEID, MAPINAMEID_Kind, MNID_ID, MNID_STRING, SPropTagArray};
use mapi_spi_runtime::{ComObject, GUID, HRESULT, Interface};

const PS_CUSTOM: GUID = GUID::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);

/// The tests count the process's native host buffers: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn object(names: Option<&Arc<NamedProperties>>) -> IMAPIProp {
    let mut object = PropertyObject::new(PropertyBag::new(), AllocatorSet::native());
    if let Some(names) = names {
        object = object.with_names(names.clone());
    }
    ComObject::new(object).into_interface()
}

/// A caller's `MAPINAMEID`s, with the GUIDs and strings they point to.
struct Names {
    guids: Vec<GUID>,
    strings: Vec<Vec<u16>>,
    names: Vec<MAPINAMEID>,
    pointers: Vec<*mut MAPINAMEID>,
}

impl Names {
    fn new(list: &[(GUID, NameKind)]) -> Box<Self> {
        let mut this = Box::new(Names {
            guids: list.iter().map(|(g, _)| *g).collect(),
            strings: list
                .iter()
                .map(|(_, k)| match k {
                    NameKind::String(s) => s.encode_utf16().chain([0]).collect(),
                    NameKind::Id(_) => Vec::new(),
                })
                .collect(),
            names: Vec::new(),
            pointers: Vec::new(),
        });
        for (i, (_, kind)) in list.iter().enumerate() {
            let lpguid = &mut this.guids[i] as *mut GUID;
            let name = match kind {
                NameKind::Id(id) => MAPINAMEID {
                    lpguid,
                    ulKind: MNID_ID,
                    Kind: MAPINAMEID_Kind { lID: *id },
                },
                NameKind::String(_) => MAPINAMEID {
                    lpguid,
                    ulKind: MNID_STRING,
                    Kind: MAPINAMEID_Kind {
                        lpwstrName: this.strings[i].as_mut_ptr(),
                    },
                },
            };
            this.names.push(name);
        }
        this.pointers = this
            .names
            .iter_mut()
            .map(|n| n as *mut MAPINAMEID)
            .collect();
        this
    }
}

fn ids(prop: &IMAPIProp, names: Option<&mut Names>, flags: u32) -> (HRESULT, Vec<u32>) {
    let (count, pointers) = match names {
        Some(names) => (names.pointers.len() as u32, names.pointers.as_mut_ptr()),
        None => (0, core::ptr::null_mut()),
    };
    let mut tags = core::ptr::null_mut::<SPropTagArray>();
    // SAFETY: `count` names and an out-pointer.
    let hr = unsafe {
        (prop.vtable().GetIDsFromNames)(prop.as_raw(), count, pointers, flags, &mut tags)
    };
    if hr.is_err() {
        return (hr, Vec::new());
    }
    // SAFETY: the returned array, then freed.
    let read = unsafe { SPropTagArray::tags(tags) }.unwrap().to_vec();
    // SAFETY: ours to free.
    unsafe { AllocatorSet::native().free(tags.cast()) };
    (hr, read)
}

/// `GetNamesFromIDs`: the code, the names (None for a NULL entry), and the tags it returned
/// when asked for every name.
fn names(
    prop: &IMAPIProp,
    tags: Option<&[u32]>,
    set: Option<GUID>,
    flags: u32,
) -> (HRESULT, Vec<Option<PropName>>, Option<Vec<u32>>) {
    let mut array: Vec<u32> = tags.map_or(Vec::new(), |t| [&[t.len() as u32][..], t].concat());
    let mut tags_ptr = if tags.is_some() {
        array.as_mut_ptr().cast::<SPropTagArray>()
    } else {
        core::ptr::null_mut()
    };
    let mut set = set;
    let set_ptr = set
        .as_mut()
        .map_or(core::ptr::null_mut(), |g| g as *mut GUID);
    let (mut count, mut names) = (0u32, core::ptr::null_mut::<*mut MAPINAMEID>());
    // SAFETY: an in/out tag array pointer, a GUID or NULL, out-pointers.
    let hr = unsafe {
        (prop.vtable().GetNamesFromIDs)(
            prop.as_raw(),
            &mut tags_ptr,
            set_ptr,
            flags,
            &mut count,
            &mut names,
        )
    };
    if hr.is_err() {
        return (hr, Vec::new(), None);
    }
    let read = (0..count as usize)
        // SAFETY: `count` entries, each NULL or a MAPINAMEID in the block.
        .map(|i| unsafe { PropName::from_raw(names.add(i).read()) })
        .collect();
    let allocators = AllocatorSet::native();
    // SAFETY: ours to free.
    unsafe { allocators.free(names.cast()) };
    let returned = tags.is_none().then(|| {
        // SAFETY: the array GetNamesFromIDs allocated, then freed.
        let tags = unsafe { SPropTagArray::tags(tags_ptr) }.unwrap().to_vec();
        unsafe { allocators.free(tags_ptr.cast()) };
        tags
    });
    (hr, read, returned)
}

#[test]
fn names_get_ids_once_shared_by_the_store_and_read_back() {
    let _serial = serial();
    let buffers = native::live_buffers();
    let map = Arc::new(NamedProperties::new());
    let (message, folder) = (object(Some(&map)), object(Some(&map)));
    let list = [
        (PS_PUBLIC_STRINGS, NameKind::String("Keywords".into())),
        (PS_CUSTOM, NameKind::Id(0x8501)),
        (PS_MAPI, NameKind::Id(0x0037)),
    ];
    let mut names_in = Names::new(&list);

    // Unknown names without MAPI_CREATE: PT_ERROR with ID 0; PS_MAPI is answered.
    let (hr, tags) = ids(&message, Some(&mut names_in), 0);
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        tags,
        [prop_tag(PT_ERROR, 0), prop_tag(PT_ERROR, 0), 0x0037_0000]
    );

    // MAPI_CREATE gives IDs from 0x8000, typed PT_UNSPECIFIED; the other object of the store
    // sees the same.
    let (hr, tags) = ids(&message, Some(&mut names_in), MAPI_CREATE);
    assert_eq!(
        (hr, tags.as_slice()),
        (S_OK, &[0x8000_0000, 0x8001_0000, 0x0037_0000][..])
    );
    assert_eq!(ids(&folder, Some(&mut names_in), 0).1, tags);
    // NULL: every name the map holds.
    assert_eq!(
        ids(&folder, None, 0),
        (S_OK, vec![0x8000_0000, 0x8001_0000])
    );

    // Back to names: unknown IDs are NULL entries; MAPI IDs are PS_MAPI names.
    let (hr, read, _) = names(
        &folder,
        Some(&[0x8001_0003, 0x9000_0003, 0x0037_001F]),
        None,
        0,
    );
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        read,
        [
            Some(PropName::id(PS_CUSTOM, 0x8501)),
            None,
            Some(PropName::id(PS_MAPI, 0x37))
        ]
    );
    // Every name, and their tags; filtered by set and kind.
    let (hr, read, tags) = names(&message, None, None, 0);
    assert_eq!(hr, S_OK);
    assert_eq!(read.len(), 2);
    assert_eq!(
        read[0],
        Some(PropName::string(PS_PUBLIC_STRINGS, "Keywords"))
    );
    assert_eq!(tags, Some(vec![0x8000_0000, 0x8001_0000]));
    let (_, read, tags) = names(&message, None, Some(PS_CUSTOM), 0);
    assert_eq!((read.len(), tags), (1, Some(vec![0x8001_0000])));
    assert_eq!(names(&message, None, None, MAPI_NO_STRINGS).1.len(), 1);
    assert_eq!(names(&message, None, None, MAPI_NO_IDS).1.len(), 1);
    assert_eq!(
        names(&message, None, None, MAPI_NO_IDS | MAPI_NO_STRINGS)
            .1
            .len(),
        0
    );
    drop((message, folder, names_in));
    assert_eq!(
        native::live_buffers(),
        buffers,
        "every result freed with one FreeBuffer"
    );
}

#[test]
fn bad_names_and_bad_calls() {
    let _serial = serial();
    let map = Arc::new(NamedProperties::new());
    let prop = object(Some(&map));
    let mut names_in = Names::new(&[
        (PS_MAPI, NameKind::String("not in PS_MAPI".into())),
        (PS_MAPI, NameKind::Id(0x9000)),
        (PS_PUBLIC_STRINGS, NameKind::String("ok".into())),
        (PS_PUBLIC_STRINGS, NameKind::Id(1)),
    ]);
    names_in.names[3].ulKind = 7; // an unknown kind
    names_in.names[2].lpguid = core::ptr::null_mut(); // no property set
    let mut with_null = Names::new(&[(PS_PUBLIC_STRINGS, NameKind::Id(5))]);
    with_null.pointers.push(core::ptr::null_mut());
    let (hr, tags) = ids(&prop, Some(&mut names_in), MAPI_CREATE);
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    assert!(
        tags.iter().all(|&t| t == prop_tag(PT_ERROR, 0)),
        "{tags:X?}"
    );
    let (hr, tags) = ids(&prop, Some(&mut with_null), MAPI_CREATE);
    assert_eq!(
        (hr, tags),
        (
            MAPI_W_ERRORS_RETURNED,
            vec![0x8000_0000, prop_tag(PT_ERROR, 0)]
        )
    );

    // NULL names with MAPI_CREATE, a count without names, unknown flags, NULL out-pointers.
    assert_eq!(ids(&prop, None, MAPI_CREATE).0, MAPI_E_INVALID_PARAMETER);
    let mut tags = core::ptr::null_mut();
    // SAFETY: deliberate bad arguments.
    unsafe {
        let get = prop.vtable().GetIDsFromNames;
        assert_eq!(
            get(prop.as_raw(), 2, core::ptr::null_mut(), 0, &mut tags),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            get(
                prop.as_raw(),
                0,
                core::ptr::null_mut(),
                0,
                core::ptr::null_mut()
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            get(prop.as_raw(), 0, core::ptr::null_mut(), 0x10, &mut tags),
            MAPI_E_UNKNOWN_FLAGS
        );
    }
    let empty: &[u32] = &[];
    assert_eq!(
        names(&prop, Some(empty), None, 0).0,
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(names(&prop, None, None, 0x10).0, MAPI_E_UNKNOWN_FLAGS);

    // An object without a name map does not support named properties.
    let plain = object(None);
    assert_eq!(ids(&plain, None, 0).0, MAPI_E_NO_SUPPORT);
    assert_eq!(names(&plain, None, None, 0).0, MAPI_E_NO_SUPPORT);
}
