//! The sample address book provider (`examples/sample-ab`) driven as MAPI drives it: the entry
//! point, then `IABProvider` and `IABLogon` through raw vtable calls with the host's support
//! object (`mapi_spi_runtime::host::HostSupport`), checking results, out-parameters and that
//! every reference is given back.
#![allow(non_snake_case)]

use core::ffi::c_void;
use core::ptr::null_mut;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use mapi_spi_runtime::codes::{
    MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT, MAPI_E_UNKNOWN_ENTRYID, MAPI_E_VERSION, S_OK,
};
use mapi_spi_runtime::flags::{CURRENT_SPI_VERSION, MAPI_ABCONT, MAPI_UNICODE};
use mapi_spi_runtime::host::{HostSupport, SupportLog, SupportOptions};
use mapi_spi_runtime::interfaces::{IABLogon, IABProvider, IMAPISupport, IMSLogon};
use mapi_spi_runtime::types::{ENTRYID, MAPIERROR};
use mapi_spi_runtime::{AllocatorSet, GUID, HRESULT, Interface};
use sample_ab::{ABProviderInit, COMPONENT, SAMPLE_AB_UID};
use windows_core::IUnknown_Vtbl;

type ProviderVtbl = <IABProvider as Interface>::Vtable;

/// The tests count the process's native host buffers: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}
type LogonVtbl = <IABLogon as Interface>::Vtable;

unsafe fn vtbl<'a, V>(p: *mut c_void) -> &'a V {
    unsafe { &**(p as *mut *const V) }
}

/// The reference count of a COM object, read with an AddRef/Release pair through its vtable.
unsafe fn ref_count(p: *mut c_void) -> u32 {
    unsafe { (vtbl::<IUnknown_Vtbl>(p).AddRef)(p) };
    unsafe { release(p) }
}

unsafe fn release(p: *mut c_void) -> u32 {
    unsafe { (vtbl::<IUnknown_Vtbl>(p).Release)(p) }
}

unsafe fn query(p: *mut c_void, iid: &GUID) -> (HRESULT, *mut c_void) {
    let mut out = null_mut();
    let hr = unsafe { (vtbl::<IUnknown_Vtbl>(p).QueryInterface)(p, iid, &mut out) };
    (hr, out)
}

/// What a `GetLastError` call (`ask`, given the out-pointer) answered: its code, and the
/// `MAPIERROR`'s message and component read in the width `unicode` says, then freed.
fn last_error(
    unicode: bool,
    ask: impl FnOnce(*mut *mut MAPIERROR) -> HRESULT,
) -> (HRESULT, Option<(String, String)>) {
    use mapi_spi_runtime::provider::text::decode;
    let mut block = null_mut::<MAPIERROR>();
    let answer = ask(&mut block);
    if block.is_null() {
        return (answer, None);
    }
    // SAFETY: a MAPIERROR from the native allocator, in the width asked for; freed once.
    unsafe {
        let text = |s| decode(s, unicode).unwrap();
        let read = (text((*block).lpszError), text((*block).lpszComponent));
        AllocatorSet::native().free(block.cast());
        (answer, Some(read))
    }
}

/// `ABProviderInit` as MAPI calls it.
unsafe fn init(ulMAPIVer: u32, ver: *mut u32, provider: *mut *mut c_void) -> HRESULT {
    let allocators = AllocatorSet::native();
    unsafe {
        ABProviderInit(
            null_mut(),
            null_mut(),
            allocators.allocate_buffer_fn(),
            allocators.allocate_more_fn(),
            allocators.free_buffer_fn(),
            0,
            ulMAPIVer,
            ver,
            provider,
        )
    }
}

#[test]
fn the_entry_point_checks_the_version_and_its_out_pointers() {
    let _serial = serial();
    unsafe {
        let (mut ver, mut provider) = (0u32, core::ptr::dangling_mut::<c_void>());
        assert_eq!(
            init(CURRENT_SPI_VERSION - 1, &mut ver, &mut provider),
            MAPI_E_VERSION
        );
        assert_eq!(
            ver, CURRENT_SPI_VERSION,
            "the provider's version is reported anyway"
        );
        assert!(provider.is_null());

        assert_eq!(
            init(CURRENT_SPI_VERSION, null_mut(), &mut provider),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            init(CURRENT_SPI_VERSION, &mut ver, null_mut()),
            MAPI_E_INVALID_PARAMETER
        );

        // A newer MAPI is accepted; each call makes a new provider object.
        let mut second = null_mut();
        assert_eq!(init(CURRENT_SPI_VERSION + 1, &mut ver, &mut provider), S_OK);
        assert_eq!(init(CURRENT_SPI_VERSION, &mut ver, &mut second), S_OK);
        assert!(!provider.is_null() && !second.is_null() && provider != second);
        let (hr, same) = query(provider, &IABProvider::IID);
        assert_eq!(hr, S_OK);
        assert_eq!(same, provider);
        assert_eq!(release(same), 1);
        let (hr, none) = query(provider, &IMSLogon::IID);
        assert_eq!(hr.0 as u32, 0x8000_4002, "E_NOINTERFACE");
        assert!(none.is_null());
        assert_eq!(release(provider), 0);
        assert_eq!(release(second), 0);
    }
}

#[test]
fn logon_keeps_the_support_object_until_logoff_and_every_reference_is_returned() {
    let _serial = serial();
    let log = Arc::new(SupportLog::default());
    let host = HostSupport::create(
        &log,
        AllocatorSet::native(),
        SupportOptions::default(),
        "sample_ab.dll",
    );
    let support: IMAPISupport = host.to_interface();
    let sup = support.as_raw();
    unsafe {
        let base = ref_count(sup);
        let (mut ver, mut provider) = (0u32, null_mut());
        assert_eq!(init(CURRENT_SPI_VERSION, &mut ver, &mut provider), S_OK);
        let pv: &ProviderVtbl = vtbl(provider);

        // Logon without a support object or without an out-pointer is refused.
        let (mut cb, mut pb, mut error, mut logon) = (
            7u32,
            core::ptr::dangling_mut::<u8>(),
            core::ptr::dangling_mut::<MAPIERROR>(),
            null_mut(),
        );
        let hr = (pv.Logon)(
            provider,
            null_mut(),
            0,
            null_mut(),
            0,
            &mut cb,
            &mut pb,
            &mut error,
            &mut logon,
        );
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        let hr = (pv.Logon)(
            provider,
            sup,
            0,
            null_mut(),
            0,
            &mut cb,
            &mut pb,
            &mut error,
            null_mut(),
        );
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        assert_eq!(ref_count(sup), base, "a refused logon keeps nothing");
        assert!(log.provider_uids.lock().unwrap().is_empty());

        // ulUIParam is pointer-width (ULONG_PTR): pass a window handle that needs 64 bits.
        let hwnd = usize::MAX - 5;
        let hr = (pv.Logon)(
            provider,
            sup,
            hwnd,
            null_mut(),
            0,
            &mut cb,
            &mut pb,
            &mut error,
            &mut logon,
        );
        assert_eq!(hr, S_OK);
        assert!(!logon.is_null());
        assert_eq!(
            (cb, pb, error),
            (0, null_mut(), null_mut()),
            "no security blob, no error"
        );
        assert_eq!(
            ref_count(sup),
            base + 1,
            "the logon AddRefs the support object"
        );
        assert_eq!(*log.provider_uids.lock().unwrap(), vec![SAMPLE_AB_UID]);
        let (hr, same) = query(logon, &IABLogon::IID);
        assert_eq!((hr, same), (S_OK, logon));
        release(same);

        // What a provider without containers answers.
        let lv: &LogonVtbl = vtbl(logon);
        let mut err = core::ptr::dangling_mut::<MAPIERROR>();
        assert_eq!(
            (lv.GetLastError)(logon, MAPI_E_NO_SUPPORT, 0, &mut err),
            S_OK
        );
        assert!(err.is_null());
        let (mut obj_type, mut unk) = (9u32, core::ptr::dangling_mut::<c_void>());
        // The root container: an empty entry ID.
        let hr = (lv.OpenEntry)(logon, 0, null_mut(), null_mut(), 0, &mut obj_type, &mut unk);
        assert_eq!((hr, obj_type), (S_OK, MAPI_ABCONT));
        assert_eq!(release(unk), 0);
        let mut id = [0u8, 0, 0, 0, 1, 2, 3];
        let eid = id.as_mut_ptr().cast::<ENTRYID>();
        let hr = (lv.OpenEntry)(logon, 7, eid, null_mut(), 0, &mut obj_type, &mut unk);
        assert_eq!(hr, MAPI_E_UNKNOWN_ENTRYID);
        // The logon describes its failure, in either width.
        for unicode in [false, true] {
            let flags = if unicode { MAPI_UNICODE } else { 0 };
            let described = last_error(unicode, |out| {
                (lv.GetLastError)(logon, MAPI_E_UNKNOWN_ENTRYID, flags, out)
            });
            let expected = "OpenEntry: the entry ID is not this address book's (another UID)";
            assert_eq!(
                described,
                (S_OK, Some((expected.to_owned(), COMPONENT.to_owned())))
            );
        }
        let other_code = last_error(false, |out| {
            (lv.GetLastError)(logon, MAPI_E_NO_SUPPORT, 0, out)
        });
        assert_eq!(other_code, (S_OK, None));
        assert_eq!(
            (lv.GetLastError)(logon, MAPI_E_UNKNOWN_ENTRYID, 0, null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        let mut other = [0u8, 0, 0, 0, 1, 2, 4];
        let mut result = 7u32;
        let hr = (lv.CompareEntryIDs)(logon, 7, eid, 7, eid, 0, &mut result);
        assert_eq!((hr, result), (S_OK, 1));
        let hr = (lv.CompareEntryIDs)(logon, 7, eid, 7, other.as_mut_ptr().cast(), 0, &mut result);
        assert_eq!((hr, result), (S_OK, 0));
        let mut connection = 0usize;
        assert_eq!(
            (lv.Advise)(logon, 0, null_mut(), 0x2, null_mut(), &mut connection),
            MAPI_E_NO_SUPPORT
        );
        assert_eq!((lv.Unadvise)(logon, usize::MAX), MAPI_E_NO_SUPPORT);
        assert_eq!(
            (lv.OpenStatusEntry)(logon, null_mut(), 0, &mut obj_type, &mut unk),
            MAPI_E_NO_SUPPORT
        );
        assert_eq!((lv.GetOneOffTable)(logon, 0, &mut unk), MAPI_E_NO_SUPPORT);
        let hr = (lv.OpenTemplateID)(
            logon,
            7,
            eid,
            0,
            null_mut(),
            null_mut(),
            &mut unk,
            null_mut(),
        );
        assert_eq!(hr, MAPI_E_NO_SUPPORT);
        assert_eq!((lv.PrepareRecips)(logon, 0, null_mut(), null_mut()), S_OK);
        assert_eq!(ref_count(sup), base + 1, "the calls kept no reference");

        // Logoff gives the support object back, once.
        assert_eq!((lv.Logoff)(logon, 0), S_OK);
        assert_eq!(ref_count(sup), base);
        assert_eq!((lv.Logoff)(logon, 0), S_OK);
        assert_eq!(ref_count(sup), base);
        assert_eq!(release(logon), 0);

        // A logon released without Logoff gives it back too.
        let hr = (pv.Logon)(
            provider,
            sup,
            0,
            null_mut(),
            0,
            &mut cb,
            &mut pb,
            &mut error,
            &mut logon,
        );
        assert_eq!(hr, S_OK);
        assert_eq!(ref_count(sup), base + 1);
        assert_eq!(release(logon), 0);
        assert_eq!(ref_count(sup), base);

        let mut flags = 0u32;
        assert_eq!((pv.Shutdown)(provider, &mut flags), S_OK);
        assert_eq!(release(provider), 0);
    }
    assert!(
        log.unsupported.lock().unwrap().is_empty(),
        "the provider called only what MAPI offers it"
    );
    drop(support);
    assert_eq!(
        log.live.load(Ordering::SeqCst),
        1,
        "the test still holds `host`"
    );
    drop(host);
    assert_eq!(log.live.load(Ordering::SeqCst), 0, "destroyed exactly once");
}

/// The rows of a `QueryRows` result, decoded, the set freed as `FreeProws` does.
fn take_rows(
    rows: *mut mapi_spi_runtime::types::SRowSet,
) -> Vec<Vec<mapi_spi_runtime::props::Property>> {
    use mapi_spi_runtime::props::value::props_from_raw;
    use mapi_spi_runtime::types::SRowSet;
    let allocators = AllocatorSet::native();
    // SAFETY: a row set the table returned, in the native allocator's memory.
    let read = unsafe { SRowSet::rows(rows) }
        .unwrap()
        .iter()
        .map(|row| {
            // SAFETY: each row holds `cValues` values, a block of its own, freed here.
            let props = unsafe { props_from_raw(row.lpProps, row.cValues) }.unwrap();
            unsafe { allocators.free(row.lpProps.cast()) };
            props
        })
        .collect();
    // SAFETY: the set itself, freed last.
    unsafe { allocators.free(rows.cast()) };
    read
}

fn query_rows(
    table: &mapi_spi_runtime::interfaces::IMAPITable,
) -> Vec<Vec<mapi_spi_runtime::props::Property>> {
    let mut rows = null_mut();
    // SAFETY: an out-pointer.
    assert_eq!(unsafe { table.QueryRows(50, 0, &mut rows) }, S_OK);
    take_rows(rows)
}

fn text_of(row: &[mapi_spi_runtime::props::Property], tag: u32) -> String {
    use mapi_spi_runtime::props::PropValue;
    match &row
        .iter()
        .find(|p| p.tag() == tag)
        .expect("the column")
        .value
    {
        PropValue::Unicode(text) => text.to_string(),
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn the_directory_is_browsed_through_engine_tables() {
    let _serial = serial();
    use mapi_spi_runtime::codes::{MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_INVALID_ENTRYID};
    use mapi_spi_runtime::flags::{
        FL_IGNORECASE, FL_SUBSTRING, MAPI_MAILUSER, RES_CONTENT, TABLE_SORT_DESCEND,
    };
    use mapi_spi_runtime::interfaces::{IABContainer, IMAPITable, IMailUser, IMsgStore};
    use mapi_spi_runtime::props::PropValue;
    use mapi_spi_runtime::tags::*;
    use mapi_spi_runtime::types::*;
    use sample_ab::{USERS, directory_entry_id, user_entry_id};

    let buffers = mapi_spi_runtime::alloc::native::live_buffers();
    let log = Arc::new(SupportLog::default());
    let host = HostSupport::create(
        &log,
        AllocatorSet::native(),
        SupportOptions::default(),
        "sample_ab.dll",
    );
    let support: IMAPISupport = host.to_interface();
    let (mut ver, mut raw) = (0u32, null_mut());
    // SAFETY: the entry point as MAPI calls it.
    assert_eq!(
        unsafe { init(CURRENT_SPI_VERSION, &mut ver, &mut raw) },
        S_OK
    );
    // SAFETY: a new IABProvider reference.
    let provider = unsafe { IABProvider::from_raw(raw) };
    let mut logon = null_mut();
    // SAFETY: a support object and out-pointers.
    let hr = unsafe {
        provider.Logon(
            Some(&support),
            0,
            null_mut(),
            0,
            null_mut(),
            null_mut(),
            null_mut(),
            &mut logon,
        )
    };
    assert_eq!(hr, S_OK);
    // SAFETY: a new IABLogon reference.
    let logon = unsafe { IABLogon::from_raw(logon) };
    let open = |id: &[u8], iid: Option<&GUID>| {
        let (mut kind, mut unk) = (0u32, null_mut());
        let iid = iid.map_or(core::ptr::null(), |g| g as *const GUID);
        // SAFETY: the entry ID, an IID or NULL, out-pointers.
        let hr = unsafe { logon.OpenEntry(id, iid, 0, &mut kind, &mut unk) };
        (hr, kind, unk)
    };

    // The root's hierarchy table lists the directory.
    let (hr, kind, root) = open(&[], Some(&IABContainer::IID));
    assert_eq!((hr, kind), (S_OK, mapi_spi_runtime::flags::MAPI_ABCONT));
    // SAFETY: a new IABContainer reference.
    let root = unsafe { IABContainer::from_raw(root) };
    let mut table = null_mut();
    // SAFETY: an out-pointer.
    assert_eq!(
        unsafe { root.GetHierarchyTable(MAPI_UNICODE, &mut table) },
        S_OK
    );
    // SAFETY: a new IMAPITable reference.
    let hierarchy = unsafe { IMAPITable::from_raw(table) };
    let rows = query_rows(&hierarchy);
    assert_eq!(rows.len(), 1);
    assert_eq!(text_of(&rows[0], PR_DISPLAY_NAME_W), "Sample directory");
    let directory_id = directory_entry_id();
    assert!(
        rows[0]
            .iter()
            .any(|p| p.tag() == PR_ENTRYID && p.value == PropValue::Binary(directory_id.clone()))
    );
    // SAFETY: an out-pointer; the root has no recipients.
    assert_eq!(
        unsafe { root.GetContentsTable(0, &mut table) },
        mapi_spi_runtime::codes::MAPI_E_NO_SUPPORT
    );
    // The container describes its own failure (its property object knows nothing of it).
    let slot = root.vtable().base__.base__.GetLastError;
    // SAFETY: the container's IMAPIProp slot, a valid out-pointer.
    let described = last_error(true, |out| unsafe {
        slot(root.as_raw(), MAPI_E_NO_SUPPORT, MAPI_UNICODE, out)
    });
    let expected = "GetContentsTable: the root container lists containers only";
    assert_eq!(
        described,
        (S_OK, Some((expected.to_owned(), COMPONENT.to_owned())))
    );

    // The directory's contents, restricted and sorted by the engine.
    let (hr, _, directory) = open(&directory_id, None);
    assert_eq!(hr, S_OK);
    // SAFETY: the container's own interface, IABContainer.
    let directory = unsafe { IABContainer::from_raw(directory) };
    // SAFETY: an out-pointer.
    assert_eq!(
        unsafe { directory.GetContentsTable(MAPI_UNICODE, &mut table) },
        S_OK
    );
    // SAFETY: a new IMAPITable reference.
    let contents = unsafe { IMAPITable::from_raw(table) };
    assert_eq!(query_rows(&contents).len(), USERS.len());
    let mut needle: Vec<u16> = "GRACE".encode_utf16().chain([0]).collect();
    let mut value = SPropValue {
        ulPropTag: PR_DISPLAY_NAME_W,
        dwAlignPad: 0,
        Value: PV {
            lpszW: needle.as_mut_ptr(),
        },
    };
    let mut restriction = SRestriction {
        rt: RES_CONTENT,
        res: SRestriction_res {
            resContent: SContentRestriction {
                ulFuzzyLevel: FL_SUBSTRING | FL_IGNORECASE,
                ulPropTag: PR_DISPLAY_NAME_W,
                lpProp: &mut value,
            },
        },
    };
    // SAFETY: a restriction alive for the call.
    assert_eq!(unsafe { contents.Restrict(&mut restriction, 0) }, S_OK);
    let found = query_rows(&contents);
    assert_eq!(found.len(), 1);
    assert_eq!(text_of(&found[0], PR_EMAIL_ADDRESS_W), "grace@example.org");
    // SAFETY: NULL clears the restriction; a one-key sort order alive for the call.
    unsafe {
        assert_eq!(contents.Restrict(null_mut(), 0), S_OK);
        let mut order = SSortOrderSet {
            cSorts: 1,
            cCategories: 0,
            cExpanded: 0,
            aSort: [SSortOrder {
                ulPropTag: PR_DISPLAY_NAME_W,
                ulOrder: TABLE_SORT_DESCEND,
            }],
        };
        assert_eq!(contents.SortTable(&mut order, 0), S_OK);
        assert_eq!(contents.SeekRow(0, 0, null_mut()), S_OK);
    }
    let names: Vec<String> = query_rows(&contents)
        .iter()
        .map(|r| text_of(r, PR_DISPLAY_NAME_W))
        .collect();
    assert_eq!(names, ["Édouard Lucas", "Grace Hopper", "Ada Lovelace"]);

    // A user, opened from its row's entry ID through the container.
    let (mut kind, mut unk) = (0u32, null_mut());
    // SAFETY: an entry ID and out-pointers.
    let hr = unsafe { directory.OpenEntry(&user_entry_id(2), null_mut(), 0, &mut kind, &mut unk) };
    assert_eq!((hr, kind), (S_OK, MAPI_MAILUSER));
    // SAFETY: the user's own interface, IMailUser.
    let user = unsafe { IMailUser::from_raw(unk) };
    let mut tags = [1u32, PR_EMAIL_ADDRESS_W];
    let (mut count, mut values) = (0u32, null_mut::<SPropValue>());
    // SAFETY: a tag array and out-pointers.
    assert_eq!(
        unsafe {
            user.GetProps(
                tags.as_mut_ptr().cast(),
                MAPI_UNICODE,
                &mut count,
                &mut values,
            )
        },
        S_OK
    );
    // SAFETY: one value, then freed.
    let read = unsafe { mapi_spi_runtime::props::value::props_from_raw(values, count) }.unwrap();
    unsafe { AllocatorSet::native().free(values.cast()) };
    assert_eq!(
        read[0].value,
        PropValue::Unicode("edouard@example.org".into())
    );

    // Another provider's ID, a malformed one of ours, an interface the object has not.
    let mut foreign = user_entry_id(0);
    foreign[5] ^= 1;
    assert_eq!(open(&foreign, None).0, MAPI_E_UNKNOWN_ENTRYID);
    assert_eq!(open(&user_entry_id(9), None).0, MAPI_E_INVALID_ENTRYID);
    assert_eq!(open(&directory_id[..21], None).0, MAPI_E_INVALID_ENTRYID);
    let (hr, kind, unk) = open(&directory_id, Some(&IMsgStore::IID));
    assert_eq!(
        (hr, kind, unk),
        (MAPI_E_INTERFACE_NOT_SUPPORTED, 0, null_mut())
    );

    drop((user, contents, directory, hierarchy, root));
    // SAFETY: no arguments beyond the reserved flags.
    unsafe {
        assert_eq!(logon.Logoff(0), S_OK);
        let mut reserved = 0;
        assert_eq!(provider.Shutdown(&mut reserved), S_OK);
    }
    drop((logon, provider, support, host));
    assert_eq!(log.live.load(Ordering::SeqCst), 0);
    assert_eq!(
        mapi_spi_runtime::alloc::native::live_buffers(),
        buffers,
        "nothing leaked"
    );
}
