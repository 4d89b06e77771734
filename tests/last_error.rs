//! `GetLastError` on the objects the runtime builds, through raw vtable calls: the store object,
//! the logon object and a property object each describe the last failed call on them (message,
//! component, low-level code, context) in the width `MAPI_UNICODE` asks for, allocated with
//! MAPI's allocator; `S_OK` with NULL when the code asked about is not the last error's.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::alloc::testing::probe;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::com::{Forward, MethodName};
use mapi_spi_runtime::flags::{
    MAPI_UNICODE, RELOP_RE, RES_EXIST, RES_PROPERTY, RES_SUBRESTRICTION,
};
use mapi_spi_runtime::host::{HostSupport, Session, SupportLog, SupportOptions};
use mapi_spi_runtime::interfaces::{
    IMAPIProp, IMAPIPropImpl, IMAPISupport, IMAPITable, IMSLogon, IMsgStore, IMsgStoreImpl,
};
use mapi_spi_runtime::props::{self, ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use mapi_spi_runtime::provider::store::{
    KeyBytes, LogonRequest, MessageStore, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::text::decode;
use mapi_spi_runtime::provider::{ProviderContext, ProviderError, ProviderResult};
use mapi_spi_runtime::table::TableData;
use mapi_spi_runtime::tags::{
    PR_DISPLAY_NAME_W, PR_INSTANCE_KEY, PR_MESSAGE_RECIPIENTS, PT_LONG, change_prop_type, prop_tag,
};
use mapi_spi_runtime::types::{
    BOOKMARK_END, ENTRYID, MAPIERROR, SExistRestriction, SPropTagArray, SPropValue,
    SPropertyRestriction, SRestriction, SRestriction_res, SSubRestriction,
};
use mapi_spi_runtime::{GUID, HRESULT, Interface, Object, mapi_object};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

const COMPONENT: &str = "Last error test";
/// The component of a property object's errors.
const PROPERTY_OBJECT: &str = "mapi-spi property object";
/// What the store's `OpenEntry` fails with, kept by `StoreContext::fail`.
const NO_ENTRY: &str = "no such entry in this store";

struct Provider;

/// A store whose `OpenEntry` always fails, through its context, and whose properties are a
/// read-only property object.
#[mapi_object(IMsgStore)]
struct Store {
    context: StoreRef,
    props: IMAPIProp,
}

impl MessageStore for Store {}

impl IMAPIPropImpl for Store {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }
}

impl IMsgStoreImpl for Store {
    unsafe fn OpenEntry(
        this: &Object<Self>,
        _: &[u8],
        _: *const GUID,
        _: u32,
        _: *mut u32,
        _: *mut *mut c_void,
    ) -> HRESULT {
        let error = ProviderError::new(MAPI_E_NOT_FOUND, NO_ENTRY)
            .with_low_level_error(0x57)
            .with_context(3);
        this.context.fail(error)
    }
}

impl StoreProvider for Provider {
    type Store = Store;
    const COMPONENT: &'static str = COMPONENT;

    fn create(_: &ProviderContext) -> ProviderResult<Self> {
        Ok(Provider)
    }

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
        Ok(entry_id.into())
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: StoreRef,
    ) -> ProviderResult<StoreLogon<Store>> {
        Ok(StoreLogon {
            store: Store {
                context,
                props: props::object::create(read_only_bag(), *request.allocators),
            },
            spool_security: Vec::new().into(),
        })
    }

    fn spooler_logon(&self, _: &LogonRequest<'_>, _: &[u8]) -> ProviderResult<()> {
        Ok(())
    }
}

mapi_spi_runtime::ms_provider_init!(Provider);

fn read_only_bag() -> PropertyBag {
    let mut bag = PropertyBag::new();
    let name = Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode("Store".into()));
    bag.insert(name, PropAccess::READ_ONLY).unwrap();
    bag.set_object_access(ObjectAccess::ReadOnly);
    bag
}

/// The `GetLastError` slot of `IMAPIProp` and `IMSLogon` (slot 3 of both).
type GetLastError =
    unsafe extern "system" fn(*mut c_void, HRESULT, u32, *mut *mut MAPIERROR) -> HRESULT;

/// What a `MAPIERROR` said.
#[derive(Debug, PartialEq, Eq)]
struct Described {
    error: String,
    component: String,
    low_level_error: u32,
    context: u32,
}

/// `GetLastError(hr, flags)` through `slot` on `this`: the answer, and the `MAPIERROR` read in
/// the width asked for and freed with MAPI's `MAPIFreeBuffer`.
fn last_error(
    slot: GetLastError,
    this: *mut c_void,
    hr: HRESULT,
    flags: u32,
) -> (HRESULT, Option<Described>) {
    last_error_in(&AllocatorSet::native(), slot, this, hr, flags)
}

/// [`last_error`] of an object allocating from `allocators`, which free the `MAPIERROR`.
fn last_error_in(
    allocators: &AllocatorSet,
    slot: GetLastError,
    this: *mut c_void,
    hr: HRESULT,
    flags: u32,
) -> (HRESULT, Option<Described>) {
    let mut block = core::ptr::dangling_mut::<MAPIERROR>();
    // SAFETY: a live object of the interface `slot` belongs to, a valid out-pointer.
    let answer = unsafe { slot(this, hr, flags, &mut block) };
    if block.is_null() {
        return (answer, None);
    }
    let unicode = flags & MAPI_UNICODE != 0;
    // SAFETY: a MAPIERROR allocated with the host's allocator, its strings in the width asked
    // for; freed once, after the reads.
    unsafe {
        let error = &*block;
        let described = Described {
            error: decode(error.lpszError, unicode).unwrap(),
            component: decode(error.lpszComponent, unicode).unwrap(),
            low_level_error: error.ulLowLevelError,
            context: error.ulContext,
        };
        allocators.free(block.cast());
        (answer, Some(described))
    }
}

fn described(error: &str, component: &str, low_level_error: u32, context: u32) -> Described {
    Described {
        error: error.to_owned(),
        component: component.to_owned(),
        low_level_error,
        context,
    }
}

/// A session with the test provider, and one store opened as MAPI opens it: the store, the
/// logon object (kept by the support object too, which logs it off at its release).
struct Opened {
    session: Session,
    /// The support objects' log, to check that they are all released.
    log: Arc<SupportLog>,
    store: IMsgStore,
    logon: IMSLogon,
    /// Held while the test runs: a session's leak report counts the host buffers of the whole
    /// process.
    _serial: MutexGuard<'static, ()>,
}

/// A session's leak report counts the native host buffers of the whole process, which every
/// test here allocates from (`probe` forwards to them too): one test at a time.
static ONE_SESSION_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn open() -> Opened {
    let serial = serial();
    // SAFETY: this file's MSProviderInit, from ms_provider_init!.
    let session =
        unsafe { Session::in_process(MSProviderInit, "last_error.dll", SupportOptions::default()) }
            .expect("MSProviderInit");
    let log = Arc::new(SupportLog::default());
    let support = HostSupport::create(
        &log,
        AllocatorSet::native(),
        SupportOptions::default(),
        "last_error.dll",
    );
    let (mut logon, mut store) = (core::ptr::null_mut(), core::ptr::null_mut());
    let id = b"store";
    let support_interface: IMAPISupport = support.to_interface();
    // SAFETY: MAPI's arguments: a support object, an ID of its length, valid out-pointers.
    let hr = unsafe {
        (session.provider().vtable().Logon)(
            session.provider().as_raw(),
            support_interface.as_raw(),
            0,
            core::ptr::null_mut(),
            id.len() as u32,
            id.as_ptr().cast_mut().cast::<ENTRYID>(),
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
    // SAFETY: new references, which Logon returned.
    let (store, logon) = unsafe { (IMsgStore::from_raw(store), IMSLogon::from_raw(logon)) };
    support.attach_logon(logon.clone());
    Opened {
        session,
        log,
        store,
        logon,
        _serial: serial,
    }
}

impl Opened {
    fn store_last_error(&self, hr: HRESULT, flags: u32) -> (HRESULT, Option<Described>) {
        let slot = self.store.vtable().base__.GetLastError;
        last_error(slot, self.store.as_raw(), hr, flags)
    }

    fn logon_last_error(&self, hr: HRESULT, flags: u32) -> (HRESULT, Option<Described>) {
        last_error(
            self.logon.vtable().GetLastError,
            self.logon.as_raw(),
            hr,
            flags,
        )
    }

    /// `GetProps` of the display name, which succeeds.
    fn get_props(&self) -> HRESULT {
        let tags = [1u32, PR_DISPLAY_NAME_W];
        let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
        // SAFETY: a tag array with its count, valid out-pointers; the result freed once.
        unsafe {
            let hr = (self.store.vtable().base__.GetProps)(
                self.store.as_raw(),
                tags.as_ptr().cast_mut().cast::<SPropTagArray>(),
                0,
                &mut count,
                &mut values,
            );
            AllocatorSet::native().free(values.cast());
            hr
        }
    }

    fn close(self) {
        drop((self.store, self.logon));
        let report = self.session.shutdown();
        assert!(report.is_clean(), "{report}");
        assert_eq!(
            self.log.live.load(Ordering::SeqCst),
            0,
            "support objects alive"
        );
    }
}

#[test]
fn the_store_object_describes_its_own_failure_in_either_width_until_asked_about_another() {
    let opened = open();
    assert_eq!(
        opened.store_last_error(MAPI_E_INVALID_PARAMETER, 0),
        (S_OK, None),
        "nothing failed yet"
    );
    // SAFETY: NULL flags, which the store refuses.
    let hr = unsafe {
        (opened.store.vtable().StoreLogoff)(opened.store.as_raw(), core::ptr::null_mut())
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let expected = described("StoreLogoff: lpulFlags is NULL", COMPONENT, 0, 0);
    for flags in [0, MAPI_UNICODE] {
        let (answer, error) = opened.store_last_error(MAPI_E_INVALID_PARAMETER, flags);
        assert_eq!((answer, error.as_ref()), (S_OK, Some(&expected)));
    }
    // A success in between does not make the failure unknown.
    assert_eq!(opened.get_props(), S_OK);
    assert_eq!(
        opened.store_last_error(MAPI_E_INVALID_PARAMETER, 0),
        (S_OK, Some(expected))
    );
    // Another code: nothing to say about it.
    assert_eq!(opened.store_last_error(MAPI_E_NOT_FOUND, 0), (S_OK, None));
    // SAFETY: NULL, which the contract does not allow; refused.
    let hr = unsafe {
        (opened.store.vtable().base__.GetLastError)(
            opened.store.as_raw(),
            MAPI_E_INVALID_PARAMETER,
            0,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    opened.close();
}

#[test]
fn a_failure_the_provider_reports_through_its_context_is_described_on_logon_and_store() {
    let opened = open();
    let (mut kind, mut object) = (0u32, core::ptr::null_mut());
    let id = [1u8, 2, 3];
    // SAFETY: an ID of its length, valid out-pointers.
    let hr = unsafe {
        (opened.logon.vtable().OpenEntry)(
            opened.logon.as_raw(),
            id.len() as u32,
            id.as_ptr().cast_mut().cast(),
            core::ptr::null(),
            0,
            &mut kind,
            &mut object,
        )
    };
    assert_eq!(hr, MAPI_E_NOT_FOUND);
    let expected = described(NO_ENTRY, COMPONENT, 0x57, 3);
    for flags in [0, MAPI_UNICODE] {
        let (answer, error) = opened.logon_last_error(MAPI_E_NOT_FOUND, flags);
        assert_eq!((answer, error.as_ref()), (S_OK, Some(&expected)));
    }
    // The store object reaches the same store methods: the same last error.
    assert_eq!(
        opened.store_last_error(MAPI_E_NOT_FOUND, MAPI_UNICODE),
        (S_OK, Some(expected))
    );
    assert_eq!(opened.logon_last_error(MAPI_E_CALL_FAILED, 0), (S_OK, None));
    opened.close();
}

#[test]
fn a_property_object_describes_its_failures_directly_and_through_a_store_forwarding_to_it() {
    let opened = open();
    // SetProps on the store goes to its read-only property object.
    // SAFETY: plain data, for which all zeroes is a valid value.
    let mut value: SPropValue = unsafe { core::mem::zeroed() };
    value.ulPropTag = change_prop_type(0x6700_0000, PT_LONG);
    // SAFETY: one value; no problems asked for.
    let hr = unsafe {
        (opened.store.vtable().base__.SetProps)(
            opened.store.as_raw(),
            1,
            &mut value,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_NO_ACCESS);
    // The property object's words, not the runtime's last resort for a bare code
    // ("IMAPIProp::SetProps failed with MAPI_E_NO_ACCESS"): the provider's description wins.
    let expected = described("the properties are read-only", PROPERTY_OBJECT, 0, 0);
    assert_eq!(
        opened.store_last_error(MAPI_E_NO_ACCESS, MAPI_UNICODE),
        (S_OK, Some(expected))
    );
    opened.close();

    // The property object allocates from the host's buffers too, which the next test's leak
    // report counts: still one test at a time (`close` let the session's hold go).
    let _serial = serial();
    let prop = props::object::create(read_only_bag(), AllocatorSet::native());
    let slot = prop.vtable().GetLastError;
    let mut list = core::ptr::null_mut();
    // SAFETY: a valid out-pointer; flags no IMAPIProp method knows.
    let hr = unsafe { (prop.vtable().GetPropList)(prop.as_raw(), 0x10, &mut list) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let expected = described("unknown flags 0x00000010", PROPERTY_OBJECT, 0, 0);
    for flags in [0, MAPI_UNICODE] {
        let (answer, error) = last_error(slot, prop.as_raw(), MAPI_E_UNKNOWN_FLAGS, flags);
        assert_eq!((answer, error.as_ref()), (S_OK, Some(&expected)));
    }
    // SAFETY: NULL out-pointers, which GetProps refuses.
    let hr = unsafe {
        (prop.vtable().GetProps)(
            prop.as_raw(),
            core::ptr::null_mut(),
            0,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let expected = described(
        "GetProps: lpcValues or lppPropArray is NULL",
        PROPERTY_OBJECT,
        0,
        0,
    );
    assert_eq!(
        last_error(slot, prop.as_raw(), MAPI_E_INVALID_PARAMETER, 0),
        (S_OK, Some(expected))
    );
    assert_eq!(
        last_error(slot, prop.as_raw(), MAPI_E_UNKNOWN_FLAGS, 0),
        (S_OK, None),
        "no longer the last error"
    );
    // A failure with no words of the object's own is described by its code's name.
    let mut tags = core::ptr::null_mut();
    // SAFETY: no names, a valid out-pointer; the object has no name map.
    let hr = unsafe {
        (prop.vtable().GetIDsFromNames)(prop.as_raw(), 0, core::ptr::null_mut(), 0, &mut tags)
    };
    assert_eq!(hr, MAPI_E_NO_SUPPORT);
    let expected = described("MAPI_E_NO_SUPPORT", PROPERTY_OBJECT, 0, 0);
    assert_eq!(
        last_error(slot, prop.as_raw(), MAPI_E_NO_SUPPORT, MAPI_UNICODE),
        (S_OK, Some(expected))
    );
}

#[test]
fn a_forwarded_call_failing_with_a_bare_code_is_described_by_its_method_and_code() {
    let opened = open();
    // The test store leaves Unadvise out: its default answers MAPI_E_NO_SUPPORT, with no words.
    // SAFETY: a connection number, which is all Unadvise takes.
    let hr = unsafe { (opened.store.vtable().Unadvise)(opened.store.as_raw(), 5) };
    assert_eq!(hr, MAPI_E_NO_SUPPORT);
    let expected = described(
        "IMsgStore::Unadvise failed with MAPI_E_NO_SUPPORT",
        COMPONENT,
        0,
        0,
    );
    for flags in [0, MAPI_UNICODE] {
        let (answer, error) = opened.store_last_error(MAPI_E_NO_SUPPORT, flags);
        assert_eq!((answer, error.as_ref()), (S_OK, Some(&expected)));
    }
    assert_eq!(
        opened.logon_last_error(MAPI_E_NO_SUPPORT, MAPI_UNICODE),
        (S_OK, Some(expected)),
        "the logon reaches the same store"
    );
    assert_eq!(opened.store_last_error(MAPI_E_NOT_FOUND, 0), (S_OK, None));

    // The logon object passes CompareEntryIDs on to the store's, which is left out too.
    let (id, mut result) = ([1u8], 7u32);
    // SAFETY: two IDs of their length, a valid out-pointer.
    let hr = unsafe {
        (opened.logon.vtable().CompareEntryIDs)(
            opened.logon.as_raw(),
            1,
            id.as_ptr().cast_mut().cast(),
            1,
            id.as_ptr().cast_mut().cast(),
            0,
            &mut result,
        )
    };
    assert_eq!(hr, MAPI_E_NO_SUPPORT);
    let expected = described(
        "IMsgStore::CompareEntryIDs failed with MAPI_E_NO_SUPPORT",
        COMPONENT,
        0,
        0,
    );
    assert_eq!(
        opened.logon_last_error(MAPI_E_NO_SUPPORT, 0),
        (S_OK, Some(expected))
    );
    // SAFETY: NULL, which the contract does not allow; refused.
    let hr = unsafe {
        (opened.logon.vtable().GetLastError)(
            opened.logon.as_raw(),
            MAPI_E_NO_SUPPORT,
            0,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    opened.close();
}

/// The component of a table view's errors.
const TABLE: &str = "mapi-spi table";

/// A table of two rows (`PR_INSTANCE_KEY` and a number), allocating from `allocators`.
fn two_rows(allocators: AllocatorSet) -> TableData {
    let table = TableData::new(PR_INSTANCE_KEY, vec![PR_INSTANCE_KEY, NUMBER], allocators).unwrap();
    for (key, number) in [(1u8, 10), (2, 20)] {
        table
            .modify_row(vec![
                Property::for_tag(PR_INSTANCE_KEY, PropValue::Binary(vec![key])),
                Property::for_tag(NUMBER, PropValue::Long(number)),
            ])
            .unwrap();
    }
    table
}

const NUMBER: u32 = prop_tag(PT_LONG, 0x6601);

/// `Restrict(restriction)` through the raw vtable.
fn restrict(view: &IMAPITable, mut restriction: SRestriction) -> HRESULT {
    // SAFETY: a restriction whose pointers live for the call.
    unsafe { (view.vtable().Restrict)(view.as_raw(), &mut restriction, 0) }
}

#[test]
fn a_table_view_describes_each_failure_it_answers_in_either_width() {
    let _serial = serial();
    let ((), calls) = probe(None, |allocators| {
        let table = two_rows(allocators);
        let view = table.view();
        let slot = view.vtable().GetLastError;
        let ask = |hr, flags| last_error_in(&allocators, slot, view.as_raw(), hr, flags);
        let table_error = |text: &str| Some(described(text, TABLE, 0, 0));
        assert_eq!(
            ask(MAPI_E_TOO_COMPLEX, 0),
            (S_OK, None),
            "nothing failed yet"
        );

        // A relational operator this engine does not evaluate.
        // SAFETY: plain data, for which all zeroes is a valid value (a PT_LONG 0 below).
        let mut value: SPropValue = unsafe { core::mem::zeroed() };
        value.ulPropTag = NUMBER;
        let mut regex = SRestriction {
            rt: RES_PROPERTY,
            res: SRestriction_res {
                resProperty: SPropertyRestriction {
                    relop: RELOP_RE,
                    ulPropTag: NUMBER,
                    lpProp: &mut value,
                },
            },
        };
        assert_eq!(restrict(&view, regex), MAPI_E_TOO_COMPLEX);
        for flags in [0, MAPI_UNICODE] {
            assert_eq!(
                ask(MAPI_E_TOO_COMPLEX, flags),
                (
                    S_OK,
                    table_error("RELOP_RE (a regular expression) is not supported")
                )
            );
        }
        // A condition on recipients, which these rows do not have.
        let recipients = SRestriction {
            rt: RES_SUBRESTRICTION,
            res: SRestriction_res {
                resSub: SSubRestriction {
                    ulSubObject: PR_MESSAGE_RECIPIENTS,
                    lpRes: &mut regex,
                },
            },
        };
        regex.rt = RES_EXIST;
        regex.res.resExist = SExistRestriction {
            ulReserved1: 0,
            ulPropTag: NUMBER,
            ulReserved2: 0,
        };
        assert_eq!(restrict(&view, recipients), MAPI_E_TOO_COMPLEX);
        assert_eq!(
            ask(MAPI_E_TOO_COMPLEX, MAPI_UNICODE),
            (
                S_OK,
                table_error(
                    "RES_SUBRESTRICTION is not supported: this table's rows have no \
                     recipients or attachments to search"
                )
            )
        );

        // A column of no value type.
        let mut columns = [1u32, prop_tag(0x0123, 0x6601)];
        // SAFETY: a tag array with its count.
        let hr =
            unsafe { (view.vtable().SetColumns)(view.as_raw(), columns.as_mut_ptr().cast(), 0) };
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        assert_eq!(
            ask(MAPI_E_INVALID_PARAMETER, 0),
            (
                S_OK,
                table_error("SetColumns: column 0x66010123 has no type a value has")
            )
        );
        assert_eq!(
            ask(MAPI_E_TOO_COMPLEX, 0),
            (S_OK, None),
            "no longer the last error"
        );

        // A sort order no key has.
        let mut sorts = [1u32, 0, 0, NUMBER, 7];
        // SAFETY: an SSortOrderSet of one key, as a client lays it out.
        let hr = unsafe { (view.vtable().SortTable)(view.as_raw(), sorts.as_mut_ptr().cast(), 0) };
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        assert_eq!(
            ask(MAPI_E_INVALID_PARAMETER, MAPI_UNICODE),
            (S_OK, table_error("key 0: unknown ulOrder 7"))
        );

        // A bookmark the view never made.
        let mut sought = 0i32;
        // SAFETY: a valid out-pointer.
        let hr = unsafe { (view.vtable().SeekRow)(view.as_raw(), 0x7777_0000, 1, &mut sought) };
        assert_eq!(hr, MAPI_E_INVALID_BOOKMARK);
        assert_eq!(
            ask(MAPI_E_INVALID_BOOKMARK, 0),
            (
                S_OK,
                table_error(&format!(
                    "bookmark {} is not one of this view's (never made here, or freed)",
                    0x7777_0000usize
                ))
            )
        );

        // A search past the last row.
        // SAFETY: a restriction that lives for the call; from the end, where no row is.
        let hr = unsafe { (view.vtable().FindRow)(view.as_raw(), &mut regex, BOOKMARK_END, 0) };
        assert_eq!(hr, MAPI_E_NOT_FOUND);
        assert_eq!(
            ask(MAPI_E_NOT_FOUND, 0),
            (
                S_OK,
                table_error("FindRow: no row from the origin matches the restriction")
            )
        );

        // A collapse state of a view without categories.
        let (mut size, mut state) = (0u32, core::ptr::null_mut());
        // SAFETY: valid out-pointers, no instance key.
        let hr = unsafe {
            (view.vtable().GetCollapseState)(
                view.as_raw(),
                0,
                0,
                core::ptr::null_mut(),
                &mut size,
                &mut state,
            )
        };
        assert_eq!(hr, MAPI_E_NO_SUPPORT);
        assert_eq!(
            ask(MAPI_E_NO_SUPPORT, 0),
            (
                S_OK,
                table_error(
                    "GetCollapseState: the view has no categories (SortTable with \
                     cCategories makes them)"
                )
            )
        );

        // SAFETY: NULL, which the contract does not allow; refused.
        let hr = unsafe { slot(view.as_raw(), MAPI_E_NO_SUPPORT, 0, core::ptr::null_mut()) };
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    });
    assert_eq!(calls.live_roots, 0, "every MAPIERROR freed");
}
