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
use mapi_spi_runtime::flags::CURRENT_SPI_VERSION;
use mapi_spi_runtime::host::{HostSupport, SupportLog, SupportOptions};
use mapi_spi_runtime::interfaces::{IABLogon, IABProvider, IMAPISupport, IMSLogon};
use mapi_spi_runtime::types::{ENTRYID, MAPIERROR};
use mapi_spi_runtime::{AllocatorSet, GUID, HRESULT, Interface};
use sample_ab::{ABProviderInit, SAMPLE_AB_UID};
use windows_core::IUnknown_Vtbl;

type ProviderVtbl = <IABProvider as Interface>::Vtable;
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

/// `ABProviderInit` as MAPI calls it.
unsafe fn init(ulMAPIVer: u32, ver: *mut u32, provider: *mut *mut c_void) -> HRESULT {
    unsafe {
        ABProviderInit(
            null_mut(),
            null_mut(),
            None,
            None,
            None,
            0,
            ulMAPIVer,
            ver,
            provider,
        )
    }
}

#[test]
fn the_entry_point_checks_the_version_and_its_out_pointers() {
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
        let hr = (lv.OpenEntry)(logon, 0, null_mut(), null_mut(), 0, &mut obj_type, &mut unk);
        assert_eq!((hr, obj_type, unk), (MAPI_E_NO_SUPPORT, 0, null_mut()));
        let mut id = [0u8, 0, 0, 0, 1, 2, 3];
        let eid = id.as_mut_ptr().cast::<ENTRYID>();
        let hr = (lv.OpenEntry)(logon, 7, eid, null_mut(), 0, &mut obj_type, &mut unk);
        assert_eq!(hr, MAPI_E_UNKNOWN_ENTRYID);
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
