//! The provider lifecycle (MSProviderInit, Logon, SpoolerLogon, CompareStoreIDs, the store/logon
//! pair, Shutdown) driven through the vtables as MAPI drives it, with the host harness's
//! MAPI-like support object: it counts live support objects and `StoreLogoffTransports` calls,
//! and calls `IMSLogon::Logoff` re-entrantly from its final `Release`.
//!
//! The tests share the process-wide count of native host buffers, so they run one at a time.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::alloc::malloc::NativeMalloc;
use mapi_spi_runtime::alloc::native;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::{CURRENT_SPI_VERSION, MAPI_UNICODE, MDB_NO_DIALOG};
use mapi_spi_runtime::host::{HostSupport, Profile, SupportLog, SupportOptions};
use mapi_spi_runtime::interfaces::{
    IMAPIProp, IMAPIPropImpl, IMSLogon, IMSProvider, IMsgStore, IMsgStoreImpl,
};
use mapi_spi_runtime::interfaces::{IMAPISupport, IMAPISupportVtbl};
use mapi_spi_runtime::provider::store::{
    KeyBytes, LogonRequest, MessageStore, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::text::decode;
use mapi_spi_runtime::provider::{ProviderContext, ProviderError, ProviderResult};
use mapi_spi_runtime::types::{ENTRYID, LPTSTR, MAPIERROR, SPropTagArray, SPropValue};
use mapi_spi_runtime::{ComObject, GUID, HRESULT, IUnknown, Interface, Object, mapi_object};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::new(());
static STORES_ALIVE: AtomicUsize = AtomicUsize::new(0);
static STORE_LOGOFFS: AtomicUsize = AtomicUsize::new(0);
/// Makes the test provider's `shutdown` panic.
static PANIC_ON_SHUTDOWN: AtomicBool = AtomicBool::new(false);
/// The context of the store "reentrant", kept by the test provider's logon.
static REENTRANT_CONTEXT: Mutex<Option<StoreRef>> = Mutex::new(None);
/// The contexts kept by the test provider's logons of stores named "kept...".
static KEPT_CONTEXTS: Mutex<Vec<StoreRef>> = Mutex::new(Vec::new());
/// The flags of the test provider's last fresh logon.
static LOGON_FLAGS: AtomicU32 = AtomicU32::new(0);
/// The profile name and interface the test provider's last fresh logon read from its request.
static LOGON_NAMING: Mutex<Option<(Option<String>, Option<GUID>)>> = Mutex::new(None);

mod caught_panics;

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

const LOGOFF_ORDERLY: u32 = 0x2;
const LOGOFF_ABORT: u32 = 0x8;
/// `MSProviderInit` flags that make the test provider's `create` panic.
const PANIC_ON_CREATE: u32 = 0xDEAD;
/// A logon flag (not MAPI's) that makes the test provider's `default_entry_id` panic.
const PANIC_ON_DEFAULT: u32 = 0x0100_0000;

/// Store IDs are names; they compare case-insensitively. "locked" refuses logon with a message,
/// "busy" without one, "panic" panics, "key panic" panics in `store_key`, "warning" is refused
/// there with a warning code, the spool security "panic" panics in `spooler_logon`, a store whose
/// ID starts with "fragile" panics in its logoff, one whose ID ends with "unreadable" refuses
/// `GetProps` with `MAPI_E_NO_ACCESS` (so a logon cannot record it in a profile), one whose ID
/// starts with "kept" has its context kept in `KEPT_CONTEXTS` ("kept locked" is then refused), an
/// ID with a NUL is malformed; there is no default store.
struct TestProvider;

#[mapi_object(IMsgStore)]
struct TestStore {
    fragile: bool,
    unreadable: bool,
}

/// `Unadvise` of this connection waits, once it has said so in `IN_SLOW_CALL`, for `GO_ON`.
const SLOW_CONNECTION: usize = 42;
static IN_SLOW_CALL: AtomicBool = AtomicBool::new(false);
static GO_ON: AtomicBool = AtomicBool::new(false);

/// A test store answers every `IMAPIProp` method but `GetProps` of an unreadable store, and every
/// `IMsgStore` method but `Unadvise`, with its default.
impl IMAPIPropImpl for TestStore {
    unsafe fn GetProps(
        this: &Object<Self>,
        _: *mut SPropTagArray,
        _: u32,
        count: *mut u32,
        values: *mut *mut SPropValue,
    ) -> HRESULT {
        if count.is_null() || values.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: not NULL, and writable by the method's contract.
        unsafe {
            count.write(0);
            values.write(core::ptr::null_mut());
        }
        if this.unreadable {
            MAPI_E_NO_ACCESS
        } else {
            MAPI_E_NO_SUPPORT
        }
    }
}
impl IMsgStoreImpl for TestStore {
    unsafe fn Unadvise(_: &Object<Self>, connection: usize) -> HRESULT {
        if connection == SLOW_CONNECTION {
            IN_SLOW_CALL.store(true, Ordering::SeqCst);
            while !GO_ON.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            IN_SLOW_CALL.store(false, Ordering::SeqCst);
        }
        S_OK
    }
}

impl TestStore {
    fn new(id: &[u8]) -> Self {
        STORES_ALIVE.fetch_add(1, Ordering::SeqCst);
        TestStore {
            fragile: id.starts_with(b"fragile"),
            unreadable: id.ends_with(b"unreadable"),
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        STORES_ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

impl MessageStore for TestStore {
    fn logoff(this: &Object<Self>) {
        assert!(
            !IN_SLOW_CALL.load(Ordering::SeqCst),
            "logoff while a call into the store runs"
        );
        STORE_LOGOFFS.fetch_add(1, Ordering::SeqCst);
        if this.fragile {
            panic!("a fragile store's logoff panics");
        }
    }
}

impl StoreProvider for TestProvider {
    type Store = TestStore;
    const COMPONENT: &'static str = "Test provider";

    fn create(context: &ProviderContext) -> ProviderResult<Self> {
        if context.flags == PANIC_ON_CREATE {
            panic!("create was asked to panic");
        }
        Ok(TestProvider)
    }

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
        match entry_id {
            b"key panic" => panic!("store_key panics"),
            b"warning" => {
                return Err(ProviderError::new(
                    MAPI_W_ERRORS_RETURNED,
                    "a warning is no answer",
                ));
            }
            _ => {}
        }
        if entry_id.is_empty() || entry_id.contains(&0) {
            return Err(ProviderError::new(
                MAPI_E_INVALID_ENTRYID,
                "malformed store entry ID",
            ));
        }
        Ok(entry_id.iter().map(u8::to_ascii_lowercase).collect())
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: StoreRef,
    ) -> ProviderResult<StoreLogon<TestStore>> {
        LOGON_FLAGS.store(request.flags, Ordering::SeqCst);
        *LOGON_NAMING.lock().unwrap() = Some((request.profile_name(), request.interface.copied()));
        if request.entry_id == b"reentrant" {
            *REENTRANT_CONTEXT.lock().unwrap() = Some(context.clone());
        }
        if request.entry_id.to_ascii_lowercase().starts_with(b"kept") {
            KEPT_CONTEXTS.lock().unwrap().push(context.clone());
        }
        match request.entry_id {
            b"locked" | b"kept locked" => Err(ProviderError::new(
                MAPI_E_LOGON_FAILED,
                "the store is locked",
            )),
            b"panic" => panic!("logon panics"),
            b"busy" => Err(MAPI_E_BUSY.into()),
            // Genuine spool security that makes `spooler_logon` panic.
            b"spooler panic" => Ok(StoreLogon {
                store: TestStore::new(b"spooler panic"),
                spool_security: b"panic".to_vec().into(),
            }),
            id => Ok(StoreLogon {
                store: TestStore::new(id),
                spool_security: [b"spool:", &id.to_ascii_lowercase()[..]].concat().into(),
            }),
        }
    }

    fn default_entry_id(&self, request: &LogonRequest<'_>) -> ProviderResult<Vec<u8>> {
        if request.flags & PANIC_ON_DEFAULT != 0 {
            panic!("default_entry_id panics");
        }
        Err(ProviderError::new(
            MAPI_E_UNCONFIGURED,
            "no store is configured in the profile",
        ))
    }

    fn spooler_logon(&self, request: &LogonRequest<'_>, spool: &[u8]) -> ProviderResult<()> {
        if spool == b"panic" {
            panic!("spooler_logon panics");
        }
        if spool == [b"spool:", &self.store_key(request.entry_id)?[..]].concat() {
            Ok(())
        } else {
            Err(ProviderError::new(
                MAPI_E_LOGON_FAILED,
                "forged spool security",
            ))
        }
    }

    fn shutdown(&self) {
        if PANIC_ON_SHUTDOWN.load(Ordering::SeqCst) {
            panic!("shutdown panics");
        }
    }
}

mapi_spi_runtime::ms_provider_init!(TestProvider);

// The three IMSProvider methods that take counted entry IDs, through the raw vtable as MAPI calls
// them: the typed caller methods take slices, which cannot express a NULL pointer with a count.

#[allow(clippy::too_many_arguments)]
unsafe fn raw_logon(
    provider: &IMSProvider,
    support: Option<&IMAPISupport>,
    ui_param: usize,
    profile: LPTSTR,
    cb_entry_id: u32,
    entry_id: *mut ENTRYID,
    flags: u32,
    interface: *const GUID,
    cb_spool: *mut u32,
    spool: *mut *mut u8,
    error: *mut *mut MAPIERROR,
    logon: *mut *mut c_void,
    store: *mut *mut c_void,
) -> HRESULT {
    let support = support.map_or(core::ptr::null_mut(), Interface::as_raw);
    // SAFETY: the caller's arguments, passed as MAPI passes them.
    unsafe {
        (provider.vtable().Logon)(
            provider.as_raw(),
            support,
            ui_param,
            profile,
            cb_entry_id,
            entry_id,
            flags,
            interface,
            cb_spool,
            spool,
            error,
            logon,
            store,
        )
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn raw_spooler_logon(
    provider: &IMSProvider,
    support: Option<&IMAPISupport>,
    ui_param: usize,
    profile: LPTSTR,
    cb_entry_id: u32,
    entry_id: *mut ENTRYID,
    flags: u32,
    interface: *const GUID,
    cb_spool: u32,
    spool: *mut u8,
    error: *mut *mut MAPIERROR,
    logon: *mut *mut c_void,
    store: *mut *mut c_void,
) -> HRESULT {
    let support = support.map_or(core::ptr::null_mut(), Interface::as_raw);
    // SAFETY: the caller's arguments, passed as MAPI passes them.
    unsafe {
        (provider.vtable().SpoolerLogon)(
            provider.as_raw(),
            support,
            ui_param,
            profile,
            cb_entry_id,
            entry_id,
            flags,
            interface,
            cb_spool,
            spool,
            error,
            logon,
            store,
        )
    }
}

unsafe fn raw_compare_store_ids(
    provider: &IMSProvider,
    cb1: u32,
    id1: *mut ENTRYID,
    cb2: u32,
    id2: *mut ENTRYID,
    flags: u32,
    result: *mut u32,
) -> HRESULT {
    // SAFETY: the caller's arguments, passed as MAPI passes them.
    unsafe {
        (provider.vtable().CompareStoreIDs)(provider.as_raw(), cb1, id1, cb2, id2, flags, result)
    }
}

/// A host: native allocators, a counted IMalloc, and the support objects' log.
struct Host {
    allocators: AllocatorSet,
    malloc: ComObject<NativeMalloc>,
    log: Arc<SupportLog>,
    buffers_at_start: usize,
}

/// What one Logon returned.
struct Logon {
    hr: HRESULT,
    /// The store (asked as another interface by `Host::logon_as`, only released).
    store: Option<IMsgStore>,
    logon: Option<IMSLogon>,
    spool: Vec<u8>,
    error: Option<String>,
    /// The support object given to this Logon (the host's reference).
    support: ComObject<HostSupport>,
}

impl Host {
    fn new() -> Self {
        Host {
            allocators: AllocatorSet::native(),
            malloc: NativeMalloc::new_object(),
            log: Arc::default(),
            buffers_at_start: native::live_buffers(),
        }
    }

    unsafe fn init_raw(
        &self,
        flags: u32,
        version: u32,
        ver_out: *mut u32,
        provider_out: *mut *mut c_void,
    ) -> HRESULT {
        unsafe {
            MSProviderInit(
                core::ptr::null_mut(),
                self.malloc.as_unknown_ptr(),
                self.allocators.allocate_buffer_fn(),
                self.allocators.allocate_more_fn(),
                self.allocators.free_buffer_fn(),
                flags,
                version,
                ver_out,
                provider_out,
            )
        }
    }

    fn init(&self) -> IMSProvider {
        let (mut version, mut provider) = (0, core::ptr::null_mut());
        let hr = unsafe { self.init_raw(0, CURRENT_SPI_VERSION, &mut version, &mut provider) };
        assert_eq!((hr, version), (S_OK, CURRENT_SPI_VERSION));
        unsafe { IMSProvider::from_raw(provider) }
    }

    fn support(&self) -> ComObject<HostSupport> {
        HostSupport::create(
            &self.log,
            self.allocators,
            SupportOptions::default(),
            "test.dll",
        )
    }

    /// `Logon` with every out-parameter, as Outlook's MAPI passes them; `unicode` asks for a
    /// UTF-16 MAPIERROR.
    fn logon(&self, provider: &IMSProvider, id: &[u8], unicode: bool) -> Logon {
        self.logon_with(self.support(), provider, id, unicode)
    }

    /// [`Self::logon`] with `support` (one with a profile, say).
    fn logon_with(
        &self,
        support: ComObject<HostSupport>,
        provider: &IMSProvider,
        id: &[u8],
        unicode: bool,
    ) -> Logon {
        let flags = if unicode { MAPI_UNICODE } else { 0 };
        let unnamed = (core::ptr::null_mut(), core::ptr::null());
        self.logon_as(support, provider, id, flags, unnamed)
    }

    /// [`Self::logon_with`] with `flags`, and the profile name and IID as MAPI passes them.
    fn logon_as(
        &self,
        support: ComObject<HostSupport>,
        provider: &IMSProvider,
        id: &[u8],
        flags: u32,
        (profile, interface): (LPTSTR, *const GUID),
    ) -> Logon {
        let (mut cb, mut spool, mut error, mut logon, mut store) = (
            0u32,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        );
        let hr = unsafe {
            raw_logon(
                provider,
                Some(&support.to_interface()),
                0,
                profile,
                id.len() as u32,
                id.as_ptr().cast_mut().cast(),
                flags,
                interface,
                &mut cb,
                &mut spool,
                &mut error,
                &mut logon,
                &mut store,
            )
        };
        let result = Logon {
            hr,
            store: (!store.is_null()).then(|| unsafe { IMsgStore::from_raw(store) }),
            logon: (!logon.is_null()).then(|| unsafe { IMSLogon::from_raw(logon) }),
            spool: self.take(spool, cb),
            error: self.take_error(error, flags & MAPI_UNICODE != 0),
            support,
        };
        if let Some(logon) = &result.logon {
            result.support.attach_logon(logon.clone());
        }
        result
    }

    fn spooler_logon(&self, provider: &IMSProvider, id: &[u8], spool: &[u8]) -> Logon {
        let support = self.support();
        let (mut error, mut logon, mut store) = (
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        );
        let hr = unsafe {
            raw_spooler_logon(
                provider,
                Some(&support.to_interface()),
                0,
                core::ptr::null_mut(),
                id.len() as u32,
                id.as_ptr().cast_mut().cast(),
                0,
                core::ptr::null(),
                spool.len() as u32,
                spool.as_ptr().cast_mut(),
                &mut error,
                &mut logon,
                &mut store,
            )
        };
        let result = Logon {
            hr,
            store: (!store.is_null()).then(|| unsafe { IMsgStore::from_raw(store) }),
            logon: (!logon.is_null()).then(|| unsafe { IMSLogon::from_raw(logon) }),
            spool: Vec::new(),
            error: self.take_error(error, false),
            support,
        };
        if let Some(logon) = &result.logon {
            result.support.attach_logon(logon.clone());
        }
        result
    }

    fn take(&self, data: *mut u8, len: u32) -> Vec<u8> {
        if data.is_null() {
            return Vec::new();
        }
        let bytes = unsafe { core::slice::from_raw_parts(data, len as usize) }.to_vec();
        unsafe { self.allocators.free(data.cast()) };
        bytes
    }

    /// A MAPIERROR's message and component, checked and freed with one FreeBuffer.
    fn take_error(&self, error: *mut MAPIERROR, unicode: bool) -> Option<String> {
        let error = unsafe { error.as_ref() }?;
        let read = |text: *mut c_void| unsafe { decode(text, unicode) }.unwrap_or_default();
        assert_eq!(read(error.lpszComponent), "Test provider");
        let message = read(error.lpszError);
        unsafe {
            self.allocators
                .free(core::ptr::from_ref(error).cast_mut().cast())
        };
        Some(message)
    }

    fn transports(&self) -> Vec<u32> {
        self.log.logoff_transports.lock().unwrap().clone()
    }

    /// Nothing left: host buffers, IMalloc references and blocks, support objects, stores.
    fn assert_balanced(&self) {
        assert_eq!(
            native::live_buffers(),
            self.buffers_at_start,
            "host buffers"
        );
        assert_eq!(self.malloc.ref_count(), 1, "IMalloc references");
        assert_eq!(self.malloc.live_blocks(), 0, "IMalloc blocks");
        assert_eq!(self.log.live.load(Ordering::SeqCst), 0, "support objects");
        assert_eq!(STORES_ALIVE.load(Ordering::SeqCst), 0, "stores");
    }
}

fn shutdown(provider: IMSProvider) {
    let mut reserved = 0;
    assert_eq!(unsafe { provider.Shutdown(&mut reserved) }, S_OK);
}

fn get_props(store: &IMsgStore) -> HRESULT {
    let (mut count, mut values) = (0, core::ptr::null_mut());
    unsafe { store.GetProps(core::ptr::null_mut(), 0, &mut count, &mut values) }
}

#[test]
fn ms_provider_init_rejects_bad_input_and_leaks_nothing() {
    let _serial = serial();
    let host = Host::new();
    let (mut version, mut provider) = (0u32, core::ptr::null_mut());
    unsafe {
        assert_eq!(
            host.init_raw(0, CURRENT_SPI_VERSION, core::ptr::null_mut(), &mut provider),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            host.init_raw(0, CURRENT_SPI_VERSION, &mut version, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        // An older MAPI: MAPI_E_VERSION, and our version is still reported.
        provider = core::ptr::dangling_mut();
        assert_eq!(
            host.init_raw(0, 0x0001_0008, &mut version, &mut provider),
            MAPI_E_VERSION
        );
        assert_eq!(
            (version, provider),
            (CURRENT_SPI_VERSION, core::ptr::null_mut())
        );
        // A newer MAPI is fine.
        assert_eq!(
            host.init_raw(0, CURRENT_SPI_VERSION + 1, &mut version, &mut provider),
            S_OK
        );
        IMSProvider::from_raw(provider);
        // NULL allocators.
        let hr = MSProviderInit(
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            host.allocators.allocate_buffer_fn(),
            None,
            host.allocators.free_buffer_fn(),
            0,
            CURRENT_SPI_VERSION,
            &mut version,
            &mut provider,
        );
        assert_eq!(
            (hr, provider),
            (MAPI_E_INVALID_PARAMETER, core::ptr::null_mut())
        );
        // A panic in the provider's create: E_FAIL, no unwinding, nothing kept.
        assert_eq!(
            host.init_raw(
                PANIC_ON_CREATE,
                CURRENT_SPI_VERSION,
                &mut version,
                &mut provider
            ),
            MAPI_E_CALL_FAILED
        );
        assert!(provider.is_null());
    }
    host.assert_balanced();
}

#[test]
fn one_provider_object_per_init_each_keeping_imalloc_until_shutdown() {
    let _serial = serial();
    let host = Host::new();
    let first = host.init();
    let second = host.init();
    assert_ne!(
        first.cast::<IUnknown>().unwrap(),
        second.cast::<IUnknown>().unwrap(),
        "a new object per session"
    );
    assert_eq!(
        host.malloc.ref_count(),
        3,
        "each provider object AddRef'd IMalloc once"
    );
    shutdown(first.clone());
    assert_eq!(host.malloc.ref_count(), 2, "Shutdown released it");
    shutdown(first.clone());
    assert_eq!(host.malloc.ref_count(), 2, "exactly once");
    drop(first);
    drop(second); // released without Shutdown: the object's end releases it
    host.assert_balanced();
    // A NULL IMalloc (mapi4linux) is fine.
    let (mut version, mut provider) = (0, core::ptr::null_mut());
    let hr = unsafe {
        MSProviderInit(
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            host.allocators.allocate_buffer_fn(),
            host.allocators.allocate_more_fn(),
            host.allocators.free_buffer_fn(),
            0,
            CURRENT_SPI_VERSION,
            &mut version,
            &mut provider,
        )
    };
    assert_eq!(hr, S_OK);
    drop(unsafe { IMSProvider::from_raw(provider) });
    host.assert_balanced();
}

#[test]
fn orderly_close_calls_store_logoff_transports_once_then_releases_support_once() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let logoffs_before = STORE_LOGOFFS.load(Ordering::SeqCst);
    let opened = host.logon(&provider, b"Inbox", false);
    assert_eq!(opened.hr, S_OK);
    // What the provider returned, sealed by the runtime: prefix, payload, HMAC-SHA-256.
    assert_eq!(opened.spool.len(), 16 + 11 + 32);
    assert_eq!(&opened.spool[16..27], b"spool:inbox");
    assert_eq!(
        opened.support.ref_count(),
        2,
        "the host's reference and the store's one"
    );
    let store = opened.store.unwrap();
    drop(opened.support);
    drop(opened.logon); // MAPI keeps its logon reference inside the support object
    let mut flags = LOGOFF_ORDERLY;
    assert_eq!(unsafe { store.StoreLogoff(&mut flags) }, S_OK);
    assert!(
        host.transports().is_empty(),
        "StoreLogoff only saves the flags"
    );
    drop(store);
    assert_eq!(host.transports(), [LOGOFF_ORDERLY]);
    assert_eq!(
        host.log.logoffs.load(Ordering::SeqCst),
        1,
        "Logoff re-entered from the support object's Release"
    );
    assert_eq!(
        STORE_LOGOFFS.load(Ordering::SeqCst) - logoffs_before,
        1,
        "the store's hook, once"
    );
    assert_eq!(host.log.live.load(Ordering::SeqCst), 0, "support released");
    assert_eq!(
        STORES_ALIVE.load(Ordering::SeqCst),
        0,
        "the store's state dropped"
    );
    // The store left the registry: the next Logon opens it afresh.
    let again = host.logon(&provider, b"INBOX", false);
    assert!(again.logon.is_some());
    drop(again);
    shutdown(provider);
    host.assert_balanced();
}

/// The provider's handles on a store's context outlive what it was made for: a logon that failed
/// after keeping one, and a store released for good. Each still reads its context; the last
/// handle frees it (and the block of the store's objects: the leak checkers tell).
#[test]
fn a_context_kept_by_the_provider_outlives_a_failed_logon_and_the_released_store() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let refused = host.logon(&provider, b"kept locked", false);
    assert_eq!(refused.hr, MAPI_E_LOGON_FAILED);
    drop(refused);
    let opened = host.logon(&provider, b"Kept", false);
    assert_eq!(opened.hr, S_OK);
    drop(opened);
    assert_eq!(STORES_ALIVE.load(Ordering::SeqCst), 0, "the store is gone");
    assert_eq!(host.log.live.load(Ordering::SeqCst), 0, "support released");
    let kept = core::mem::take(&mut *KEPT_CONTEXTS.lock().unwrap());
    let keys: Vec<&[u8]> = kept.iter().map(|cx| cx.store_key()).collect();
    assert_eq!(keys, [&b"kept locked"[..], &b"kept"[..]]);
    assert_eq!(kept[1].entry_id(), b"Kept");
    assert!(
        kept.iter().all(|cx| cx.support().is_none()),
        "no support reference: never kept, or given up"
    );
    drop(kept);
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn a_store_released_without_store_logoff_gets_logoff_abort() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    drop(host.logon(&provider, b"Inbox", false));
    assert_eq!(host.transports(), [LOGOFF_ABORT]);
    drop(provider);
    host.assert_balanced();
}

/// A client's last `Release` of the store while MAPI still holds the support object (its
/// `Release` does not re-enter `Logoff` then): that Release closes the store itself, once.
#[test]
fn a_store_released_while_mapi_holds_its_support_object_is_closed_by_that_release() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let logoffs_before = STORE_LOGOFFS.load(Ordering::SeqCst);
    let Logon {
        store,
        logon,
        support,
        ..
    } = host.logon(&provider, b"Inbox", false);
    let logon = logon.unwrap();
    drop(store);
    assert_eq!(host.transports(), [LOGOFF_ABORT]);
    assert_eq!(support.ref_count(), 1, "the store's reference released");
    assert_eq!(
        host.log.logoffs.load(Ordering::SeqCst),
        0,
        "no Logoff from MAPI yet"
    );
    assert_eq!(
        STORE_LOGOFFS.load(Ordering::SeqCst) - logoffs_before,
        1,
        "the store's hook ran at its last Release"
    );
    let mut reserved = 0;
    assert_eq!(unsafe { logon.Logoff(&mut reserved) }, S_OK);
    drop(logon);
    assert_eq!(
        STORE_LOGOFFS.load(Ordering::SeqCst) - logoffs_before,
        1,
        "once: Logoff and the logon's Release find it closed"
    );
    assert_eq!(host.transports(), [LOGOFF_ABORT], "and call nothing more");
    // The store left the registry at that Release: the next Logon opens it afresh.
    let again = host.logon(&provider, b"INBOX", false);
    assert!(again.logon.is_some());
    drop((again, support));
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn a_second_logon_hands_back_the_open_store_without_a_new_support_reference() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let first = host.logon(&provider, b"Inbox", false);
    let second = host.logon(&provider, b"INBOX", false);
    assert_eq!(second.hr, S_OK);
    assert!(second.logon.is_none(), "*lppMSLogon = NULL");
    assert!(second.spool.is_empty(), "no spooler data the second time");
    assert_eq!(
        second.support.ref_count(),
        1,
        "no AddRef of the second support object"
    );
    let (a, b) = (
        first.store.as_ref().unwrap(),
        second.store.as_ref().unwrap(),
    );
    assert_eq!(
        a.cast::<IUnknown>().unwrap(),
        b.cast::<IUnknown>().unwrap(),
        "the same store"
    );
    // The open store through another of its interfaces, and one it does not have.
    let prop: IMAPIProp = a.cast().unwrap();
    drop(prop);
    let support = host.support();
    let (mut store, mut logon) = (core::ptr::null_mut(), core::ptr::null_mut());
    let hr = unsafe {
        raw_logon(
            &provider,
            Some(&support.to_interface()),
            0,
            core::ptr::null_mut(),
            5,
            b"Inbox".as_ptr().cast_mut().cast(),
            0,
            &IMSLogon::IID,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            &mut logon,
            &mut store,
        )
    };
    assert_eq!(
        (hr, store),
        (MAPI_E_INTERFACE_NOT_SUPPORTED, core::ptr::null_mut())
    );
    drop((first, second, support));
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn logoff_invalidates_a_store_a_client_still_holds() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let opened = host.logon(&provider, b"Inbox", false);
    let store = opened.store.clone().unwrap();
    assert_eq!(
        get_props(&store),
        MAPI_E_NO_SUPPORT,
        "alive: the store's own answer"
    );
    // Session logoff: MAPI calls Logoff, then releases the logon object, while a client keeps
    // the store.
    let logon = opened.logon.clone().unwrap();
    let mut reserved = 0;
    assert_eq!(unsafe { logon.Logoff(&mut reserved) }, S_OK);
    drop(opened);
    drop(logon);
    assert_eq!(
        host.log.live.load(Ordering::SeqCst),
        0,
        "Logoff released the support object"
    );
    assert_eq!(get_props(&store), MAPI_E_INVALID_OBJECT);
    let mut flags = 0;
    assert_eq!(
        unsafe { store.StoreLogoff(&mut flags) },
        MAPI_E_INVALID_OBJECT
    );
    // AddRef and Release still work.
    let extra = store.clone();
    drop(extra);
    drop(store);
    assert!(
        host.transports().is_empty(),
        "no support object left to call"
    );
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn shutdown_with_a_store_still_open_and_the_store_outliving_its_provider() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let opened = host.logon(&provider, b"Inbox", false);
    let store = opened.store.clone().unwrap();
    drop(opened);
    shutdown(provider.clone());
    assert_eq!(host.malloc.ref_count(), 1, "IMalloc released at Shutdown");
    assert_eq!(
        host.log.live.load(Ordering::SeqCst),
        1,
        "the open store's support object not called at Shutdown (the docs' order)"
    );
    drop(provider);
    assert_eq!(
        get_props(&store),
        MAPI_E_INVALID_OBJECT,
        "invalidated by Shutdown"
    );
    drop(store);
    assert_eq!(
        host.transports(),
        [LOGOFF_ABORT],
        "released by the store's teardown"
    );
    host.assert_balanced();
}

#[test]
fn a_store_used_after_its_provider_object_was_released() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let opened = host.logon(&provider, b"Inbox", false);
    let store = opened.store.clone().unwrap();
    drop(opened);
    drop(provider); // released without Shutdown
    assert_eq!(get_props(&store), MAPI_E_NO_SUPPORT, "still alive");
    let mut flags = LOGOFF_ORDERLY;
    assert_eq!(unsafe { store.StoreLogoff(&mut flags) }, S_OK);
    drop(store);
    assert_eq!(host.transports(), [LOGOFF_ORDERLY]);
    host.assert_balanced();
}

#[test]
fn logon_rejects_bad_input_with_errors_and_leaks_nothing() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let support = host.support();
    let sup = Some(support.to_interface());
    let (mut store, mut logon) = (core::ptr::null_mut(), core::ptr::null_mut());
    unsafe {
        // NULL support object, NULL lppMDB, NULL entry ID with a size.
        let id = b"Inbox".as_ptr().cast_mut().cast();
        assert_eq!(
            raw_logon(
                &provider,
                None,
                0,
                core::ptr::null_mut(),
                5,
                id,
                0,
                core::ptr::null(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                &mut logon,
                &mut store
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            raw_logon(
                &provider,
                sup.as_ref(),
                0,
                core::ptr::null_mut(),
                5,
                id,
                0,
                core::ptr::null(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                &mut logon,
                core::ptr::null_mut()
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            raw_logon(
                &provider,
                sup.as_ref(),
                0,
                core::ptr::null_mut(),
                5,
                core::ptr::null_mut(),
                0,
                core::ptr::null(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                &mut logon,
                &mut store
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert!(store.is_null() && logon.is_null());
    }
    drop((sup, support));
    // A malformed ID, no ID without a configured store, and a refused logon, with MAPIERRORs
    // in both widths.
    let malformed = host.logon(&provider, b"\0", true);
    assert_eq!(
        (malformed.hr, malformed.error.as_deref()),
        (MAPI_E_INVALID_ENTRYID, Some("malformed store entry ID"))
    );
    let unconfigured = host.logon(&provider, b"", true);
    assert_eq!(
        (unconfigured.hr, unconfigured.error.as_deref()),
        (
            MAPI_E_UNCONFIGURED,
            Some("no store is configured in the profile")
        ),
        "MAPI runs the service entry and retries, instead of disabling the service"
    );
    assert!(unconfigured.store.is_none() && unconfigured.logon.is_none());
    let refused = host.logon(&provider, b"locked", false);
    assert_eq!(
        (refused.hr, refused.error.as_deref()),
        (MAPI_E_LOGON_FAILED, Some("the store is locked"))
    );
    let refused_unicode = host.logon(&provider, b"locked", true);
    assert_eq!(
        refused_unicode.error.as_deref(),
        Some("the store is locked")
    );
    assert!(refused_unicode.store.is_none() && refused.logon.is_none() && refused.spool.is_empty());
    // A panic in the provider's logon: E_FAIL, nothing kept.
    let panicked = host.logon(&provider, b"panic", false);
    assert_eq!(panicked.hr, MAPI_E_CALL_FAILED);
    // An error without a message still gets a MAPIERROR, naming the code.
    let unnamed = host.logon(&provider, b"busy", false);
    assert_eq!(
        (unnamed.hr, unnamed.error.as_deref()),
        (MAPI_E_BUSY, Some("MAPI_E_BUSY"))
    );
    drop((
        malformed,
        unconfigured,
        refused,
        refused_unicode,
        panicked,
        unnamed,
    ));
    assert_eq!(
        host.log.live.load(Ordering::SeqCst),
        0,
        "no support reference kept by a failed Logon"
    );
    // mapi4linux passes NULL for the spool security, the MAPIERROR and the logon object.
    let support = host.support();
    let mut store = core::ptr::null_mut();
    let hr = unsafe {
        raw_logon(
            &provider,
            Some(&support.to_interface()),
            0,
            core::ptr::null_mut(),
            5,
            b"Inbox".as_ptr().cast_mut().cast(),
            0,
            core::ptr::null(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            &mut store,
        )
    };
    assert_eq!(hr, S_OK);
    drop(support);
    let store = unsafe { IMsgStore::from_raw(store) };
    assert_eq!(
        get_props(&store),
        MAPI_E_NO_SUPPORT,
        "no logon object, and the store still works"
    );
    drop(store);
    assert_eq!(host.transports(), [LOGOFF_ABORT]);
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn spooler_logon_accepts_the_spool_security_and_refuses_forgeries() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let opened = host.logon(&provider, b"Inbox", false);
    let spooler = host.spooler_logon(&provider, b"inbox", &opened.spool);
    assert_eq!(spooler.hr, S_OK);
    assert_eq!(
        spooler.store.as_ref().unwrap().cast::<IUnknown>().unwrap(),
        opened.store.as_ref().unwrap().cast::<IUnknown>().unwrap(),
        "the spooler gets the open store"
    );
    assert_eq!(spooler.support.ref_count(), 1, "no new support reference");
    // Bytes the runtime did not seal, or sealed and then altered: refused before the provider
    // sees them.
    let mut altered = opened.spool.clone();
    *altered.last_mut().unwrap() ^= 1;
    for forged in [&b"spool:inbox"[..], &altered] {
        let forged = host.spooler_logon(&provider, b"Inbox", forged);
        assert_eq!(
            (forged.hr, forged.error.as_deref()),
            (
                MAPI_E_LOGON_FAILED,
                Some("the spool security is not genuine")
            )
        );
        assert!(forged.store.is_none() && forged.logon.is_none());
        assert_eq!(forged.support.ref_count(), 1, "no reference kept");
    }
    // Genuine, but another store's: the provider refuses it.
    let archive = host.logon(&provider, b"Archive", false);
    let other = host.spooler_logon(&provider, b"Inbox", &archive.spool);
    assert_eq!(
        (other.hr, other.error.as_deref()),
        (MAPI_E_LOGON_FAILED, Some("forged spool security"))
    );
    let archive_spool = archive.spool.clone();
    drop(archive);
    // A size with a NULL pointer.
    let support = host.support();
    let mut store = core::ptr::null_mut();
    let hr = unsafe {
        raw_spooler_logon(
            &provider,
            Some(&support.to_interface()),
            0,
            core::ptr::null_mut(),
            5,
            b"Inbox".as_ptr().cast_mut().cast(),
            0,
            core::ptr::null(),
            4,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            &mut store,
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    drop((opened, spooler, other, support));
    // The spooler first (the store was closed, or another process opened it): a full logon
    // without UI, although the spooler's flags (0 here) did not say so.
    let fresh = host.spooler_logon(&provider, b"Archive", &archive_spool);
    assert_eq!(fresh.hr, S_OK);
    assert!(fresh.logon.is_some());
    assert_eq!(
        LOGON_FLAGS.load(Ordering::SeqCst) & MDB_NO_DIALOG,
        MDB_NO_DIALOG,
        "the provider's logon told not to show UI"
    );
    drop(fresh);
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn the_provider_reads_the_profile_name_and_interface_mapi_passed() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let wide: Vec<u16> = "Outlook \u{e9}t\u{e9}\0".encode_utf16().collect();
    let narrow = b"Outlook\0";
    // Malformed: a byte that is not UTF-8, a lone surrogate. Replaced, never trusted.
    let bad_narrow = b"Out\xFFlook\0";
    let bad_wide: [u16; 4] = [u16::from(b'O'), 0xD800, u16::from(b'k'), 0];
    let prop = IMAPIProp::IID;
    /// A logon's profile name and IID as MAPI passes them, and what the provider should read.
    struct Case {
        profile: LPTSTR,
        flags: u32,
        interface: *const GUID,
        name: Option<&'static str>,
        iid: Option<GUID>,
    }
    let cases = [
        Case {
            profile: wide.as_ptr().cast_mut().cast(),
            flags: MAPI_UNICODE,
            interface: &prop,
            name: Some("Outlook \u{e9}t\u{e9}"),
            iid: Some(prop),
        },
        Case {
            profile: narrow.as_ptr().cast_mut().cast(),
            flags: 0,
            interface: core::ptr::null(),
            name: Some("Outlook"),
            iid: None,
        },
        Case {
            profile: bad_narrow.as_ptr().cast_mut().cast(),
            flags: 0,
            interface: core::ptr::null(),
            name: Some("Out\u{fffd}look"),
            iid: None,
        },
        Case {
            profile: bad_wide.as_ptr().cast_mut().cast(),
            flags: MAPI_UNICODE,
            interface: core::ptr::null(),
            name: Some("O\u{fffd}k"),
            iid: None,
        },
        Case {
            profile: core::ptr::null_mut(),
            flags: MAPI_UNICODE,
            interface: core::ptr::null(),
            name: None,
            iid: None,
        },
    ];
    for Case {
        profile,
        flags,
        interface,
        name,
        iid,
    } in cases
    {
        // The store as `interface` asks: released through IUnknown's slot, which every
        // interface of the store object shares.
        let named = host.logon_as(
            host.support(),
            &provider,
            b"Named",
            flags,
            (profile, interface),
        );
        assert_eq!(named.hr, S_OK);
        let seen = LOGON_NAMING.lock().unwrap().take();
        assert_eq!(seen, Some((name.map(String::from), iid)));
    }
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn compare_store_ids_works_before_any_logon_and_never_crashes() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let compare = |a: &[u8], b: &[u8]| {
        let mut result = 7;
        let hr = unsafe {
            raw_compare_store_ids(
                &provider,
                a.len() as u32,
                a.as_ptr().cast_mut().cast(),
                b.len() as u32,
                b.as_ptr().cast_mut().cast(),
                0,
                &mut result,
            )
        };
        (hr, result)
    };
    assert_eq!(compare(b"Inbox", b"INBOX"), (S_OK, 1));
    assert_eq!(compare(b"Inbox", b"Archive"), (S_OK, 0));
    // An empty ID names no store: never the same, never an error.
    assert_eq!(compare(b"Inbox", b""), (S_OK, 0));
    assert_eq!(compare(b"", b""), (S_OK, 0));
    assert_eq!(compare(b"\0", b"Inbox"), (MAPI_E_INVALID_ENTRYID, 0));
    // A warning from the provider is not an answer: a failure, the result still written.
    assert_eq!(compare(b"warning", b"Inbox"), (MAPI_E_CALL_FAILED, 0));
    let mut result = 7;
    unsafe {
        // NULL with size 0 is an empty ID; NULL with a size is a bad argument.
        assert_eq!(
            raw_compare_store_ids(
                &provider,
                0,
                core::ptr::null_mut(),
                5,
                b"Inbox".as_ptr().cast_mut().cast(),
                0,
                &mut result
            ),
            S_OK
        );
        assert_eq!(
            raw_compare_store_ids(
                &provider,
                9,
                core::ptr::null_mut(),
                5,
                b"Inbox".as_ptr().cast_mut().cast(),
                0,
                &mut result
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            raw_compare_store_ids(
                &provider,
                5,
                b"Inbox".as_ptr().cast_mut().cast(),
                5,
                b"Inbox".as_ptr().cast_mut().cast(),
                0,
                core::ptr::null_mut()
            ),
            MAPI_E_INVALID_PARAMETER
        );
    }
    drop(provider);
    host.assert_balanced();
}

#[test]
fn two_threads_logging_on_and_off_a_thousand_times_each() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let fresh_logons = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for thread in 0..2 {
            let (host, provider, fresh_logons) = (&host, &provider, &fresh_logons);
            scope.spawn(move || {
                for cycle in 0..1_000 {
                    // Both threads open the same store half of the time, racing for it.
                    let id = if cycle % 2 == 0 {
                        b"Shared".to_vec()
                    } else {
                        format!("Own{thread}").into_bytes()
                    };
                    let opened = host.logon(provider, &id, false);
                    assert_eq!(opened.hr, S_OK);
                    if opened.logon.is_some() {
                        fresh_logons.fetch_add(1, Ordering::SeqCst);
                    }
                    let store = opened.store.clone().unwrap();
                    drop(opened);
                    let mut flags = LOGOFF_ORDERLY;
                    let hr = unsafe { store.StoreLogoff(&mut flags) };
                    assert!(hr == S_OK || hr == MAPI_E_INVALID_OBJECT, "{hr:?}");
                    drop(store);
                }
            });
        }
    });
    assert_eq!(
        host.transports().len(),
        fresh_logons.load(Ordering::SeqCst),
        "StoreLogoffTransports once per store opened"
    );
    shutdown(provider);
    host.assert_balanced();
}

/// `Logon` of `id` with `flags`, through the raw vtable, the host's references dropped.
fn raw_logon_hr(host: &Host, provider: &IMSProvider, id: &[u8], flags: u32) -> HRESULT {
    let support = host.support();
    let (mut logon, mut store) = (core::ptr::null_mut(), core::ptr::null_mut());
    let hr = unsafe {
        raw_logon(
            provider,
            Some(&support.to_interface()),
            0,
            core::ptr::null_mut(),
            id.len() as u32,
            id.as_ptr().cast_mut().cast(),
            flags,
            core::ptr::null(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            &mut logon,
            &mut store,
        )
    };
    assert!(logon.is_null() && store.is_null(), "nothing handed out");
    hr
}

#[test]
fn a_panic_in_each_provider_callback_is_caught_reported_and_fails_the_call() {
    let _serial = serial();
    let host = Host::new();
    let (results, caught) = caught_panics::catching(|| {
        let (mut version, mut raw) = (0, core::ptr::null_mut());
        let create =
            unsafe { host.init_raw(PANIC_ON_CREATE, CURRENT_SPI_VERSION, &mut version, &mut raw) };
        let provider = host.init();
        let logon = raw_logon_hr(&host, &provider, b"panic", 0);
        let key = raw_logon_hr(&host, &provider, b"key panic", 0);
        let default = raw_logon_hr(&host, &provider, b"", PANIC_ON_DEFAULT);
        let mut same = 7;
        let compare = unsafe {
            raw_compare_store_ids(
                &provider,
                9,
                b"key panic".as_ptr().cast_mut().cast(),
                5,
                b"Inbox".as_ptr().cast_mut().cast(),
                0,
                &mut same,
            )
        };
        let genuine = host.logon(&provider, b"spooler panic", false);
        let spooler = host
            .spooler_logon(&provider, b"spooler panic", &genuine.spool)
            .hr;
        drop(genuine);
        shutdown(provider);
        [create, logon, key, default, compare, spooler]
    });
    assert_eq!(results, [MAPI_E_CALL_FAILED; 6]);
    assert_eq!(
        caught,
        [
            "StoreProvider::create: create was asked to panic",
            "IMSProvider::Logon: logon panics",
            "IMSProvider::Logon: store_key panics",
            "IMSProvider::Logon: default_entry_id panics",
            "IMSProvider::CompareStoreIDs: store_key panics",
            "IMSProvider::SpoolerLogon: spooler_logon panics",
        ]
    );
    host.assert_balanced();
}

#[test]
fn shutdown_runs_every_step_whatever_the_provider_code_before_it_did() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let logoffs_before = STORE_LOGOFFS.load(Ordering::SeqCst);
    let stores: Vec<IMsgStore> = [&b"fragile one"[..], b"Inbox", b"fragile two"]
        .into_iter()
        .map(|id| host.logon(&provider, id, false).store.unwrap())
        .collect();
    PANIC_ON_SHUTDOWN.store(true, Ordering::SeqCst);
    let (hr, caught) = caught_panics::catching(|| {
        let mut reserved = 0;
        unsafe { provider.Shutdown(&mut reserved) }
    });
    PANIC_ON_SHUTDOWN.store(false, Ordering::SeqCst);
    assert_eq!(hr, S_OK);
    let mut caught_sorted = caught.clone();
    caught_sorted.sort();
    assert_eq!(
        caught_sorted,
        [
            "MessageStore::logoff: a fragile store's logoff panics",
            "MessageStore::logoff: a fragile store's logoff panics",
            "StoreProvider::shutdown: shutdown panics",
        ]
    );
    assert_eq!(
        caught.last().map(String::as_str),
        Some("StoreProvider::shutdown: shutdown panics"),
        "the provider's hook after every store"
    );
    assert_eq!(
        STORE_LOGOFFS.load(Ordering::SeqCst) - logoffs_before,
        3,
        "every store's logoff ran"
    );
    for store in &stores {
        assert_eq!(
            get_props(store),
            MAPI_E_INVALID_OBJECT,
            "every store invalidated"
        );
    }
    assert_eq!(host.malloc.ref_count(), 1, "IMalloc released");
    // No call into MAPI's objects at Shutdown: the support objects keep the stores' references
    // until the stores go.
    assert_eq!(host.log.live.load(Ordering::SeqCst), 3);
    assert!(host.transports().is_empty());
    drop(stores);
    assert_eq!(host.transports(), [LOGOFF_ABORT; 3]);
    drop(provider);
    host.assert_balanced();
}

#[test]
fn logoff_releases_the_support_reference_even_if_the_store_logoff_panics() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let opened = host.logon(&provider, b"fragile", false);
    let logon = opened.logon.clone().unwrap();
    assert_eq!(opened.support.ref_count(), 2, "the host's and the store's");
    let mut reserved = 0;
    let (hr, caught) = caught_panics::catching(|| unsafe { logon.Logoff(&mut reserved) });
    assert_eq!(hr, S_OK);
    assert_eq!(
        caught,
        ["MessageStore::logoff: a fragile store's logoff panics"]
    );
    assert_eq!(
        opened.support.ref_count(),
        1,
        "the store's reference released"
    );
    assert_eq!(
        get_props(opened.store.as_ref().unwrap()),
        MAPI_E_INVALID_OBJECT
    );
    drop((logon, opened));
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn a_logon_that_cannot_record_its_store_fails_with_why_even_if_the_store_logoff_panics() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let profile = Profile::new(host.allocators);
    let support = host.support();
    support.attach_profile(&profile, profile.new_section());
    let logoffs = STORE_LOGOFFS.load(Ordering::SeqCst);
    let (refused, caught) = caught_panics::catching(|| {
        host.logon_with(support, &provider, b"fragile unreadable", false)
    });
    // Why the record failed (the store's GetProps), not the panic's code: the logoff reports it.
    assert_eq!(refused.hr, MAPI_E_NO_ACCESS);
    assert_eq!(
        caught,
        ["MessageStore::logoff: a fragile store's logoff panics"]
    );
    assert_eq!(STORE_LOGOFFS.load(Ordering::SeqCst), logoffs + 1);
    assert!(refused.store.is_none() && refused.logon.is_none() && refused.spool.is_empty());
    assert_eq!(refused.support.ref_count(), 1, "no reference kept");
    drop(refused);
    shutdown(provider);
    host.assert_balanced();
}

#[test]
fn a_store_logoff_waits_for_the_call_into_the_store_that_is_running() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let opened = host.logon(&provider, b"Inbox", false);
    let (store, logon) = (opened.store.clone().unwrap(), opened.logon.clone().unwrap());
    let logoffs_before = STORE_LOGOFFS.load(Ordering::SeqCst);
    GO_ON.store(false, Ordering::SeqCst);
    let ((), caught) = caught_panics::catching(|| {
        std::thread::scope(|scope| {
            let slow = scope.spawn(|| unsafe { store.Unadvise(SLOW_CONNECTION) });
            while !IN_SLOW_CALL.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            let mut reserved = 0;
            assert_eq!(
                unsafe { logon.Logoff(&mut reserved) },
                S_OK,
                "Logoff never blocks"
            );
            assert_eq!(
                STORE_LOGOFFS.load(Ordering::SeqCst),
                logoffs_before,
                "the store's logoff waits for the call running"
            );
            assert_eq!(
                get_props(&store),
                MAPI_E_INVALID_OBJECT,
                "no call admitted after Logoff"
            );
            GO_ON.store(true, Ordering::SeqCst);
            assert_eq!(slow.join().unwrap(), S_OK);
        })
    });
    assert_eq!(caught, Vec::<String>::new());
    assert_eq!(
        STORE_LOGOFFS.load(Ordering::SeqCst) - logoffs_before,
        1,
        "run once, as the call ended"
    );
    drop((store, logon, opened));
    shutdown(provider);
    host.assert_balanced();
}

/// A support object as a C host may write one: its AddRef, once armed, calls back into the store
/// (`StoreContext::support`, which AddRefs this object again). Only the IUnknown slots are its
/// own; the others are the host support's, never called here.
#[repr(C)]
struct ReentrantSupport {
    vtbl: *const IMAPISupportVtbl,
    refs: AtomicU32,
}

static REENTER: Mutex<Option<StoreRef>> = Mutex::new(None);

unsafe extern "system" fn reentrant_query(
    this: *mut c_void,
    iid: *const GUID,
    out: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: QueryInterface's contract: a readable IID and a writable out-pointer.
    unsafe {
        if *iid == IUnknown::IID || *iid == IMAPISupport::IID {
            reentrant_add_ref(this);
            out.write(this);
            S_OK
        } else {
            out.write(core::ptr::null_mut());
            E_NOINTERFACE
        }
    }
}

unsafe extern "system" fn reentrant_add_ref(this: *mut c_void) -> u32 {
    // SAFETY: `this` is a live ReentrantSupport.
    let count = unsafe { &(*this.cast::<ReentrantSupport>()).refs }.fetch_add(1, Ordering::SeqCst);
    let armed = REENTER.lock().unwrap().take();
    if let Some(context) = armed {
        drop(context.support());
    }
    count + 1
}

unsafe extern "system" fn reentrant_release(this: *mut c_void) -> u32 {
    let this = this.cast::<ReentrantSupport>();
    // SAFETY: `this` is a live ReentrantSupport; the last reference frees it.
    unsafe {
        let count = (*this).refs.fetch_sub(1, Ordering::SeqCst) - 1;
        if count == 0 {
            drop(Box::from_raw(this));
        }
        count
    }
}

/// The reentrant support object has no profile (it is no HostSupport: the copied slots other
/// than IUnknown's must not be called on it).
unsafe extern "system" fn reentrant_no_profile(
    _this: *mut c_void,
    _uid: *mut mapi_spi_runtime::types::MAPIUID,
    _flags: u32,
    section: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: the runtime passes a valid out-pointer.
    unsafe { section.write(core::ptr::null_mut()) };
    MAPI_E_NO_SUPPORT
}

#[test]
fn a_support_addref_that_calls_back_into_the_store_does_not_deadlock() {
    let _serial = serial();
    let host = Host::new();
    let provider = host.init();
    let host_support: IMAPISupport = host.support().to_interface();
    // SAFETY: a vtable of fn pointers, copied; its IUnknown slots and the one method a logon
    // calls (OpenProfileSection) are replaced.
    let mut vtbl: IMAPISupportVtbl = unsafe { core::ptr::read(host_support.vtable()) };
    vtbl.OpenProfileSection = reentrant_no_profile;
    vtbl.base__.QueryInterface = reentrant_query;
    vtbl.base__.AddRef = reentrant_add_ref;
    vtbl.base__.Release = reentrant_release;
    // In a static, not leaked: LeakSanitizer (.ci/asan) reports a block nothing points to.
    static VTBL: std::sync::OnceLock<IMAPISupportVtbl> = std::sync::OnceLock::new();
    let vtbl = VTBL.get_or_init(|| vtbl);
    let raw = Box::into_raw(Box::new(ReentrantSupport {
        vtbl,
        refs: AtomicU32::new(1),
    }));
    // SAFETY: a COM object with one reference, which `support` now owns.
    let support = unsafe { IMAPISupport::from_raw(raw.cast()) };
    let id = b"reentrant";
    let (mut logon, mut store) = (core::ptr::null_mut(), core::ptr::null_mut());
    let hr = unsafe {
        raw_logon(
            &provider,
            Some(&support),
            0,
            core::ptr::null_mut(),
            id.len() as u32,
            id.as_ptr().cast_mut().cast(),
            0,
            core::ptr::null(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            &mut logon,
            &mut store,
        )
    };
    assert_eq!(hr, S_OK);
    let (logon, store) = unsafe { (IMSLogon::from_raw(logon), IMsgStore::from_raw(store)) };
    let context = REENTRANT_CONTEXT.lock().unwrap().take().unwrap();
    *REENTER.lock().unwrap() = Some(context.clone());
    // Once deadlocked: the AddRef ran under the lock its call back takes.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let got = context.support().is_some();
        drop(context);
        let _ = done.send(got);
    });
    let returned = finished.recv_timeout(std::time::Duration::from_secs(10));
    if returned != Ok(true) {
        // The store's teardown would wait for that lock forever too: leave it all behind.
        std::mem::forget((logon, store, support, host_support, provider));
        panic!("StoreContext::support deadlocked: {returned:?}");
    }
    let mut reserved = 0;
    assert_eq!(unsafe { logon.Logoff(&mut reserved) }, S_OK);
    drop((logon, store));
    // SAFETY: `raw` is alive while `support` holds its reference.
    assert_eq!(
        unsafe { &(*raw).refs }.load(Ordering::SeqCst),
        1,
        "only ours left"
    );
    drop((support, host_support));
    shutdown(provider);
    host.assert_balanced();
}
