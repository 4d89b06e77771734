//! Adversarial calls: random sequences of calls with random arguments (flags, counts, tags, entry
//! IDs, spool security, NULL where the contract allows it) through the raw vtables of the sample
//! store (`sample_store::MSProviderInit`, linked in: its provider, store and logon objects, and
//! the property object its store forwards to) and of the host's support object, as a careless or
//! hostile C caller would make them. Each call must answer one of the codes its method documents
//! (reference doc §3, §6 and the pages it cites), nothing may leak, and afterwards the provider
//! still opens a store and answers `GetProps`.
//!
//! `.ci/asan` runs these under AddressSanitizer too, which sees a bad read or write behind any of
//! them; `PROPTEST_CASES` sets how many sequences run (default 64, a few seconds).

use core::ffi::c_void;
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::alloc::native;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::{MAPI_FOLDER, MAPI_MESSAGE, MAPI_UNICODE, MDB_NO_DIALOG};
use mapi_spi_runtime::host::{HostSupport, Session, SupportLog, SupportOptions};
use mapi_spi_runtime::interfaces::{IMAPIProp, IStream};
use mapi_spi_runtime::interfaces::{IMAPISupport, IMSLogon, IMSProvider, IMsgStore};
use mapi_spi_runtime::provider::text::decode;
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{
    MAPI_ERROR_VERSION, MAPIERROR, MAPIUID, SPropProblemArray, SPropTagArray, SPropValue,
};
use mapi_spi_runtime::{ComObject, HRESULT, IUnknown, Interface};
use proptest::prelude::*;
use sample_store::store_entry_id;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Codes any method may answer: success, the generic failure, and running out of memory
/// ("MAPI Extended Errors"; reference doc §3.8).
const ANY: &[HRESULT] = &[S_OK, MAPI_E_CALL_FAILED, MAPI_E_NOT_ENOUGH_MEMORY];

/// `IMSProvider::Logon` (§3.4, §3.8): the documented failures of a logon, a malformed or
/// foreign entry ID, and NULL where an argument is required.
const LOGON: &[HRESULT] = &[
    MAPI_W_ERRORS_RETURNED,
    MAPI_E_LOGON_FAILED,
    MAPI_E_UNCONFIGURED,
    MAPI_E_FAILONEPROVIDER,
    MAPI_E_USER_CANCEL,
    MAPI_E_UNKNOWN_CPID,
    MAPI_E_UNKNOWN_LCID,
    MAPI_E_INVALID_ENTRYID,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_INTERFACE_NOT_SUPPORTED,
];
/// `IMSProvider::SpoolerLogon` (§3.5): as `Logon`; forged or altered spool security fails the
/// logon.
const SPOOLER_LOGON: &[HRESULT] = LOGON;
/// Every method of a store (or logon object) once its logon object was logged off: "any call on
/// an object stubbed by `MakeInvalid`" (§3.8).
const INVALIDATED: HRESULT = MAPI_E_INVALID_OBJECT;
/// `IMSLogon::OpenStatusEntry`: the sample store leaves it out, so its default; a NULL
/// out-pointer.
const LOGON_METHODS: &[HRESULT] = &[MAPI_E_NO_SUPPORT, MAPI_E_INVALID_PARAMETER];
/// `OpenEntry` (`IMsgStore` and `IMSLogon`), answered by the runtime's store over the sample
/// store's folders: an ID of another provider or store, crafted, or naming nothing any more;
/// `MAPI_MODIFY` refused, unknown flags, NULL out-pointers, an interface the object has not.
const OPEN_ENTRY: &[HRESULT] = &[
    MAPI_E_UNKNOWN_ENTRYID,
    MAPI_E_INVALID_ENTRYID,
    MAPI_E_NOT_FOUND,
    MAPI_E_NO_ACCESS,
    MAPI_E_UNKNOWN_FLAGS,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_INTERFACE_NOT_SUPPORTED,
];
/// `CompareEntryIDs` (`IMsgStore` and `IMSLogon`): IDs that are not the store's, reserved flags.
const COMPARE_ENTRY_IDS: &[HRESULT] = &[
    MAPI_E_UNKNOWN_ENTRYID,
    MAPI_E_INVALID_ENTRYID,
    MAPI_E_UNKNOWN_FLAGS,
    MAPI_E_INVALID_PARAMETER,
];
/// `Advise` and `Unadvise` (`IMSLogon`): a NULL sink or connection, an event mask or ID that is
/// not one, and what the host's support object answers to `Subscribe` and `Unsubscribe`.
const ADVISE: &[HRESULT] = &[
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_UNKNOWN_FLAGS,
    MAPI_E_UNKNOWN_ENTRYID,
    MAPI_E_INVALID_ENTRYID,
    MAPI_E_NO_SUPPORT,
    MAPI_E_NOT_FOUND,
];
/// `IMSLogon::Logoff` (§6.2): always `S_OK`.
const LOGOFF: &[HRESULT] = &[];
/// `IMSProvider::CompareStoreIDs` (§3.6): `S_OK`; a malformed ID.
const COMPARE_STORE_IDS: &[HRESULT] = &[MAPI_E_INVALID_ENTRYID, MAPI_E_INVALID_PARAMETER];
/// `IMAPIProp::GetProps`: `MAPI_W_ERRORS_RETURNED` for a tag without a value; bad flags.
const GET_PROPS: &[HRESULT] = &[
    MAPI_W_ERRORS_RETURNED,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_UNKNOWN_FLAGS,
    MAPI_E_BAD_CHARWIDTH,
];
/// `IMAPIProp::GetPropList`.
const GET_PROP_LIST: &[HRESULT] = &[MAPI_E_INVALID_PARAMETER, MAPI_E_UNKNOWN_FLAGS];
/// `IMAPIProp::SetProps` and `DeleteProps` on a read-only store.
const CHANGE_PROPS: &[HRESULT] = &[
    MAPI_E_NO_ACCESS,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_COMPUTED,
    MAPI_E_UNEXPECTED_TYPE,
    MAPI_E_NO_SUPPORT,
];
/// `IMAPIProp::OpenProperty`: a stream over a property the store has, or why not (§6.2; the
/// property engine's `OpenProperty`).
const OPEN_PROPERTY: &[HRESULT] = &[
    MAPI_E_NOT_FOUND,
    MAPI_E_NO_ACCESS,
    MAPI_E_NO_SUPPORT,
    MAPI_E_INTERFACE_NOT_SUPPORTED,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_UNKNOWN_FLAGS,
];
/// `IMAPIProp::GetIDsFromNames`: the sample store keeps no named properties.
const GET_IDS_FROM_NAMES: &[HRESULT] = &[
    MAPI_W_ERRORS_RETURNED,
    MAPI_E_NO_SUPPORT,
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_UNKNOWN_FLAGS,
];
/// `IMAPIProp::GetLastError`.
const GET_LAST_ERROR: &[HRESULT] = &[MAPI_E_BAD_CHARWIDTH, MAPI_E_INVALID_PARAMETER];
/// `IMsgStore::StoreLogoff`.
const STORE_LOGOFF: &[HRESULT] = &[MAPI_E_INVALID_PARAMETER];
/// `IMAPISupport::WrapStoreEntryID`, `GetMemAllocRoutines`, `SetProviderUID`,
/// `OpenProfileSection` (no profile in this session: not supported).
const SUPPORT: &[HRESULT] = &[
    MAPI_E_INVALID_PARAMETER,
    MAPI_E_NO_SUPPORT,
    MAPI_E_NOT_FOUND,
];

/// Whether `hr` is in `ANY` or `documented`.
fn documented(hr: HRESULT, documented: &[HRESULT]) -> bool {
    ANY.contains(&hr) || documented.contains(&hr)
}

/// Store names: some name one store in other cases, `Default` is what a logon without an ID
/// opens.
const NAMES: &[&str] = &["Default", "Inbox", "INBOX", "Archive"];

/// An entry ID argument.
#[derive(Clone, Debug)]
enum Id {
    Store(usize),
    /// cb = 0, lpEntryID = NULL: the provider's default store, or "no ID".
    Empty,
    /// Random bytes: malformed, or a foreign provider's.
    Bytes(Vec<u8>),
    /// A store ID cut short.
    Truncated(usize, usize),
}

impl Id {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Id::Store(name) => store_entry_id(NAMES[*name]),
            Id::Empty => Vec::new(),
            Id::Bytes(bytes) => bytes.clone(),
            Id::Truncated(name, len) => {
                let mut id = store_entry_id(NAMES[*name]);
                id.truncate(*len % id.len());
                id
            }
        }
    }
}

fn id() -> impl Strategy<Value = Id> {
    prop_oneof![
        4 => (0..NAMES.len()).prop_map(Id::Store),
        1 => Just(Id::Empty),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Id::Bytes),
        1 => (0..NAMES.len(), any::<usize>()).prop_map(|(n, len)| Id::Truncated(n, len)),
    ]
}

/// Flags: mostly the documented ones, sometimes any bits.
fn flags() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => Just(0u32),
        2 => Just(MAPI_UNICODE),
        1 => Just(MDB_NO_DIALOG),
        1 => any::<u32>(),
    ]
}

/// The `hResult` a `GetLastError` asks about: mostly codes the calls here fail with, so that
/// the error is described now and then, sometimes any.
fn asked_code() -> impl Strategy<Value = HRESULT> {
    prop_oneof![
        3 => proptest::sample::select(vec![
            MAPI_E_INVALID_PARAMETER,
            MAPI_E_NO_ACCESS,
            MAPI_E_UNKNOWN_FLAGS,
            MAPI_E_NO_SUPPORT,
            MAPI_E_NOT_FOUND,
        ]),
        1 => any::<i32>().prop_map(HRESULT),
    ]
}

/// A tag the store has, lacks, or never could have.
fn prop_tag_strategy() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(PR_DISPLAY_NAME_W),
        Just(PR_DISPLAY_NAME_A),
        Just(PR_STORE_ENTRYID),
        Just(PR_SUBJECT_W),
        any::<u32>(),
    ]
}

/// A tag array: NULL, or tags the store has, lacks, or never could have.
fn tags() -> impl Strategy<Value = Option<Vec<u32>>> {
    proptest::option::of(proptest::collection::vec(prop_tag_strategy(), 0..6))
}

/// A call on a logon object.
#[derive(Clone, Debug)]
enum LogonCall {
    GetLastError {
        hr: HRESULT,
        flags: u32,
    },
    OpenEntry {
        id: Id,
        flags: u32,
    },
    CompareEntryIds {
        a: Id,
        b: Id,
    },
    /// With a NULL sink.
    Advise {
        id: Id,
        mask: u32,
    },
    Unadvise(usize),
    OpenStatusEntry {
        flags: u32,
    },
    /// What MAPI calls at `IMAPISession::Logoff`: the store is invalid from then on.
    Logoff,
}

fn logon_call() -> impl Strategy<Value = LogonCall> {
    prop_oneof![
        2 => (asked_code(), flags()).prop_map(|(hr, flags)| LogonCall::GetLastError { hr, flags }),
        1 => (id(), flags()).prop_map(|(id, flags)| LogonCall::OpenEntry { id, flags }),
        1 => (id(), id()).prop_map(|(a, b)| LogonCall::CompareEntryIds { a, b }),
        1 => (id(), any::<u32>()).prop_map(|(id, mask)| LogonCall::Advise { id, mask }),
        1 => any::<usize>().prop_map(LogonCall::Unadvise),
        1 => flags().prop_map(|flags| LogonCall::OpenStatusEntry { flags }),
        1 => Just(LogonCall::Logoff),
    ]
}

/// One call.
#[derive(Clone, Debug)]
enum Op {
    /// `Logon`; `nulls` picks which optional out-parameters are NULL (spool security,
    /// `lppMAPIError`, `lppMSLogon`), and `no_support`/`no_mdb` pass NULL for required ones.
    Logon {
        id: Id,
        flags: u32,
        nulls: [bool; 3],
        no_support: bool,
        no_mdb: bool,
    },
    CompareStoreIds(Id, Id),
    GetProps {
        store: usize,
        tags: Option<Vec<u32>>,
        flags: u32,
        null_count: bool,
    },
    GetPropList {
        store: usize,
        flags: u32,
    },
    /// `OpenProperty` of `tag` as `IStream`, `IMAPIProp` or no interface (NULL).
    OpenProperty {
        store: usize,
        tag: u32,
        iid: Option<bool>,
        flags: u32,
    },
    /// `GetIDsFromNames` of no names (NULL: every name the store has).
    GetIdsFromNames {
        store: usize,
        flags: u32,
    },
    SetProps {
        store: usize,
        tag: u32,
        null_problems: bool,
    },
    DeleteProps {
        store: usize,
        tags: Option<Vec<u32>>,
    },
    GetLastError {
        store: usize,
        hr: HRESULT,
        flags: u32,
        null_out: bool,
    },
    OpenEntry {
        store: usize,
        id: Id,
        flags: u32,
    },
    CompareEntryIds {
        store: usize,
        a: Id,
        b: Id,
    },
    StoreLogoff {
        store: usize,
        flags: u32,
        null_flags: bool,
    },
    /// The client lets a store go.
    Release(usize),
    /// `SpoolerLogon` with the spool security of an earlier logon, or an altered copy (a byte
    /// changed at an index).
    SpoolerLogon {
        logon: usize,
        alter: Option<(usize, u8)>,
        flags: u32,
    },
    /// A call on a logon object MAPI holds.
    OnLogon {
        logon: usize,
        call: LogonCall,
    },
    WrapStoreEntryId {
        id: Id,
        null_out: bool,
    },
    GetMemAllocRoutines {
        nulls: [bool; 3],
    },
    SetProviderUid {
        null_uid: bool,
        flags: u32,
    },
    OpenProfileSection {
        null_uid: bool,
        flags: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let store = 0..4usize;
    let rarely = || proptest::bool::weighted(0.1);
    let logon = (id(), flags(), any::<[bool; 3]>(), rarely(), rarely()).prop_map(
        |(id, flags, nulls, no_support, no_mdb)| Op::Logon {
            id,
            flags,
            nulls,
            no_support,
            no_mdb,
        },
    );
    let get_props =
        (store.clone(), tags(), flags(), rarely()).prop_map(|(store, tags, flags, null_count)| {
            Op::GetProps {
                store,
                tags,
                flags,
                null_count,
            }
        });
    let set_props =
        (store.clone(), any::<u32>(), any::<bool>()).prop_map(|(store, tag, null_problems)| {
            Op::SetProps {
                store,
                tag,
                null_problems,
            }
        });
    let get_last_error = (store.clone(), asked_code(), flags(), rarely()).prop_map(
        |(store, hr, flags, null_out)| Op::GetLastError {
            store,
            hr,
            flags,
            null_out,
        },
    );
    let store_logoff =
        (store.clone(), any::<u32>(), rarely()).prop_map(|(store, flags, null_flags)| {
            Op::StoreLogoff {
                store,
                flags,
                null_flags,
            }
        });
    prop_oneof![
        3 => logon,
        1 => (id(), id()).prop_map(|(a, b)| Op::CompareStoreIds(a, b)),
        3 => get_props,
        1 => (store.clone(), flags()).prop_map(|(store, flags)| Op::GetPropList { store, flags }),
        1 => set_props,
        1 => (store.clone(), prop_tag_strategy(), proptest::option::of(any::<bool>()), flags())
            .prop_map(|(store, tag, iid, flags)| Op::OpenProperty { store, tag, iid, flags }),
        1 => (store.clone(), flags())
            .prop_map(|(store, flags)| Op::GetIdsFromNames { store, flags }),
        1 => (store.clone(), tags()).prop_map(|(store, tags)| Op::DeleteProps { store, tags }),
        2 => get_last_error,
        1 => (store.clone(), id(), flags())
            .prop_map(|(store, id, flags)| Op::OpenEntry { store, id, flags }),
        1 => (store.clone(), id(), id())
            .prop_map(|(store, a, b)| Op::CompareEntryIds { store, a, b }),
        1 => store_logoff,
        1 => store.clone().prop_map(Op::Release),
        1 => (store.clone(), proptest::option::of((any::<usize>(), any::<u8>())), flags())
            .prop_map(|(logon, alter, flags)| Op::SpoolerLogon { logon, alter, flags }),
        3 => (store, logon_call()).prop_map(|(logon, call)| Op::OnLogon { logon, call }),
        1 => (id(), rarely()).prop_map(|(id, null_out)| Op::WrapStoreEntryId { id, null_out }),
        1 => any::<[bool; 3]>().prop_map(|nulls| Op::GetMemAllocRoutines { nulls }),
        1 => (any::<bool>(), any::<u32>())
            .prop_map(|(null_uid, flags)| Op::SetProviderUid { null_uid, flags }),
        1 => (any::<bool>(), flags())
            .prop_map(|(null_uid, flags)| Op::OpenProfileSection { null_uid, flags }),
    ]
}

/// A session with the sample store, and the stores the client holds.
struct Client {
    session: Session,
    allocators: AllocatorSet,
    /// The support objects' log: this test's own, so that the support objects it makes are
    /// counted apart from the session's.
    log: Arc<SupportLog>,
    stores: Vec<IMsgStore>,
    /// The logon objects of fresh logons (MAPI's references; the support objects hold theirs),
    /// with their store's entry ID and spool security.
    logons: Vec<(IMSLogon, Vec<u8>, Vec<u8>)>,
    /// Whether a store was logged off (`IMSLogon::Logoff`, or the client's last `Release` of it,
    /// §8.3): its objects then answer `MAPI_E_INVALID_OBJECT`.
    logged_off: bool,
}

/// Where `hr` is not documented for `method`: a test failure naming both. `invalidated`: a store
/// was logged off, which any method of it may answer.
fn check(
    method: &str,
    hr: HRESULT,
    codes: &[HRESULT],
    invalidated: bool,
) -> Result<(), TestCaseError> {
    prop_assert!(
        documented(hr, codes) || (invalidated && hr == INVALIDATED),
        "{method} answered {}, not one of its documented codes",
        mapi_spi_runtime::host::hresult_name(hr)
    );
    Ok(())
}

/// What `OpenEntry` answered: on success a folder or a message, released here; else nothing.
fn opened(hr: HRESULT, kind: u32, object: *mut c_void) -> Result<(), TestCaseError> {
    if hr.is_ok() {
        prop_assert!(
            !object.is_null() && (kind == MAPI_FOLDER || kind == MAPI_MESSAGE),
            "a folder or a message opened"
        );
        // SAFETY: a new reference OpenEntry returned, ours to release.
        drop(unsafe { IUnknown::from_raw(object) });
    } else {
        prop_assert!(object.is_null(), "nothing opened on failure");
    }
    Ok(())
}

/// A pointer to `value`, or NULL.
fn out<T>(value: &mut T, null: bool) -> *mut T {
    if null { core::ptr::null_mut() } else { value }
}

impl Client {
    fn new() -> Self {
        // SAFETY: the sample store's MSProviderInit, linked into this test.
        let session = unsafe {
            Session::in_process(
                sample_store::MSProviderInit,
                "sample_store.dll",
                SupportOptions::default(),
            )
        }
        .expect("MSProviderInit");
        Client {
            session,
            allocators: AllocatorSet::native(),
            log: Arc::default(),
            stores: Vec::new(),
            logons: Vec::new(),
            logged_off: false,
        }
    }

    fn provider(&self) -> &IMSProvider {
        self.session.provider()
    }

    fn support(&self) -> ComObject<HostSupport> {
        HostSupport::create(
            &self.log,
            self.allocators,
            SupportOptions::default(),
            "sample_store.dll",
        )
    }

    /// The client's store `index` picks (modulo how many it holds), if it holds any.
    fn store(&self, index: usize) -> Option<&IMsgStore> {
        (!self.stores.is_empty()).then(|| &self.stores[index % self.stores.len()])
    }

    /// Copies and frees a block of `len` bytes the provider returned, if any.
    fn take_bytes(&self, block: *mut u8, len: u32) -> Vec<u8> {
        if block.is_null() {
            return Vec::new();
        }
        // SAFETY: `len` bytes the provider returned.
        let bytes = unsafe { core::slice::from_raw_parts(block, len as usize) }.to_vec();
        self.free(block);
        bytes
    }

    /// Frees a host buffer the provider returned, if any.
    fn free<T>(&self, block: *mut T) {
        if !block.is_null() {
            // SAFETY: a block the provider allocated with our allocators, freed once.
            unsafe { self.allocators.free(block.cast()) };
        }
    }

    /// Checks and frees a `MAPIERROR` a `GetLastError` returned (NULL: nothing to check): the
    /// version MAPI knows, and strings readable in the width `flags` asked for.
    fn take_error(&self, error: *mut MAPIERROR, flags: u32) -> Result<(), TestCaseError> {
        if error.is_null() {
            return Ok(());
        }
        // SAFETY: a MAPIERROR the provider allocated with our allocators, its strings NULL or
        // terminated in the width asked for.
        let (version, text) = unsafe {
            let unicode = flags & MAPI_UNICODE != 0;
            ((*error).ulVersion, decode((*error).lpszError, unicode))
        };
        self.free(error);
        prop_assert_eq!(version, MAPI_ERROR_VERSION);
        prop_assert!(
            text.is_some_and(|text| !text.is_empty()),
            "a MAPIERROR says something"
        );
        Ok(())
    }

    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Logon {
                id,
                flags,
                nulls,
                no_support,
                no_mdb,
            } => self.logon(id, *flags, *nulls, *no_support, *no_mdb)?,
            Op::CompareStoreIds(a, b) => {
                let (a, b) = (a.bytes(), b.bytes());
                let mut same = 2u32;
                // SAFETY: readable IDs of the lengths passed, a writable result.
                let hr = unsafe {
                    (self.provider().vtable().CompareStoreIDs)(
                        self.provider().as_raw(),
                        a.len() as u32,
                        a.as_ptr().cast_mut().cast(),
                        b.len() as u32,
                        b.as_ptr().cast_mut().cast(),
                        0,
                        &mut same,
                    )
                };
                check("CompareStoreIDs", hr, COMPARE_STORE_IDS, false)?;
                prop_assert!(same <= 1, "CompareStoreIDs left its result unwritten");
            }
            Op::GetProps {
                store,
                tags,
                flags,
                null_count,
            } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let array: Option<Vec<u32>> = tags
                    .as_ref()
                    .map(|tags| std::iter::once(tags.len() as u32).chain(tags.iter().copied()))
                    .map(Iterator::collect);
                let lp = array.as_ref().map_or(core::ptr::null_mut(), |a| {
                    a.as_ptr().cast_mut().cast::<SPropTagArray>()
                });
                let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
                // SAFETY: a tag array of its count (or NULL), out-pointers valid or NULL.
                let hr = unsafe {
                    (store.vtable().base__.GetProps)(
                        store.as_raw(),
                        lp,
                        *flags,
                        out(&mut count, *null_count),
                        &mut values,
                    )
                };
                check("GetProps", hr, GET_PROPS, self.logged_off)?;
                if let Some(tags) = tags
                    && hr.is_ok()
                {
                    prop_assert_eq!(count as usize, tags.len(), "one value per tag asked");
                }
                self.free(values);
            }
            Op::GetPropList { store, flags } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let mut list = core::ptr::null_mut::<SPropTagArray>();
                // SAFETY: a valid out-pointer.
                let hr = unsafe {
                    (store.vtable().base__.GetPropList)(store.as_raw(), *flags, &mut list)
                };
                check("GetPropList", hr, GET_PROP_LIST, self.logged_off)?;
                self.free(list);
            }
            Op::OpenProperty {
                store,
                tag,
                iid,
                flags,
            } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let iid = iid.map(|stream| if stream { IStream::IID } else { IMAPIProp::IID });
                let mut object = core::ptr::null_mut();
                // SAFETY: an IID or NULL, a valid out-pointer.
                let hr = unsafe {
                    (store.vtable().base__.OpenProperty)(
                        store.as_raw(),
                        *tag,
                        iid.as_ref().map_or(core::ptr::null(), |iid| iid),
                        0,
                        *flags,
                        &mut object,
                    )
                };
                check("OpenProperty", hr, OPEN_PROPERTY, self.logged_off)?;
                prop_assert_eq!(
                    hr.is_ok(),
                    !object.is_null(),
                    "an object exactly on success"
                );
                if !object.is_null() {
                    // SAFETY: a new reference OpenProperty returned, released here.
                    drop(unsafe { IUnknown::from_raw(object) });
                }
            }
            Op::GetIdsFromNames { store, flags } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let mut tags = core::ptr::null_mut::<SPropTagArray>();
                // SAFETY: no names (NULL, a count of 0), a valid out-pointer.
                let hr = unsafe {
                    (store.vtable().base__.GetIDsFromNames)(
                        store.as_raw(),
                        0,
                        core::ptr::null_mut(),
                        *flags,
                        &mut tags,
                    )
                };
                check("GetIDsFromNames", hr, GET_IDS_FROM_NAMES, self.logged_off)?;
                self.free(tags);
            }
            Op::SetProps {
                store,
                tag,
                null_problems,
            } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                // A value of type PT_LONG under a random tag: its type may not match the tag's.
                // SAFETY: plain data, for which all zeroes is a valid value.
                let mut value: SPropValue = unsafe { core::mem::zeroed() };
                value.ulPropTag = change_prop_type(*tag, PT_LONG);
                value.Value.l = 7;
                let mut problems = core::ptr::null_mut::<SPropProblemArray>();
                // SAFETY: one value; `lppProblems` valid or NULL.
                let hr = unsafe {
                    (store.vtable().base__.SetProps)(
                        store.as_raw(),
                        1,
                        &mut value,
                        out(&mut problems, *null_problems),
                    )
                };
                check("SetProps", hr, CHANGE_PROPS, self.logged_off)?;
                self.free(problems);
            }
            Op::DeleteProps { store, tags } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let array: Option<Vec<u32>> = tags
                    .as_ref()
                    .map(|tags| std::iter::once(tags.len() as u32).chain(tags.iter().copied()))
                    .map(Iterator::collect);
                let lp = array.as_ref().map_or(core::ptr::null_mut(), |a| {
                    a.as_ptr().cast_mut().cast::<SPropTagArray>()
                });
                let mut problems = core::ptr::null_mut::<SPropProblemArray>();
                // SAFETY: a tag array of its count (or NULL), a valid out-pointer.
                let hr = unsafe {
                    (store.vtable().base__.DeleteProps)(store.as_raw(), lp, &mut problems)
                };
                check("DeleteProps", hr, CHANGE_PROPS, self.logged_off)?;
                self.free(problems);
            }
            Op::GetLastError {
                store,
                hr,
                flags,
                null_out,
            } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let mut error = core::ptr::null_mut::<MAPIERROR>();
                // SAFETY: a valid out-pointer, or NULL.
                let answer = unsafe {
                    (store.vtable().base__.GetLastError)(
                        store.as_raw(),
                        *hr,
                        *flags,
                        out(&mut error, *null_out),
                    )
                };
                check("GetLastError", answer, GET_LAST_ERROR, self.logged_off)?;
                self.take_error(error, *flags)?;
            }
            Op::OpenEntry { store, id, flags } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let id = id.bytes();
                let (mut kind, mut object) = (0u32, core::ptr::null_mut::<c_void>());
                // SAFETY: an ID of the length passed (NULL when empty), valid out-pointers.
                let hr = unsafe {
                    (store.vtable().OpenEntry)(
                        store.as_raw(),
                        id.len() as u32,
                        if id.is_empty() {
                            core::ptr::null_mut()
                        } else {
                            id.as_ptr().cast_mut().cast()
                        },
                        core::ptr::null(),
                        *flags,
                        &mut kind,
                        &mut object,
                    )
                };
                check("OpenEntry", hr, OPEN_ENTRY, self.logged_off)?;
                opened(hr, kind, object)?;
            }
            Op::CompareEntryIds { store, a, b } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let (a, b) = (a.bytes(), b.bytes());
                let mut same = 0u32;
                // SAFETY: readable IDs of the lengths passed, a writable result.
                let hr = unsafe {
                    (store.vtable().CompareEntryIDs)(
                        store.as_raw(),
                        a.len() as u32,
                        a.as_ptr().cast_mut().cast(),
                        b.len() as u32,
                        b.as_ptr().cast_mut().cast(),
                        0,
                        &mut same,
                    )
                };
                check("CompareEntryIDs", hr, COMPARE_ENTRY_IDS, self.logged_off)?;
            }
            Op::StoreLogoff {
                store,
                flags,
                null_flags,
            } => {
                let Some(store) = self.store(*store) else {
                    return Ok(());
                };
                let mut flags = *flags;
                // SAFETY: a valid in/out flags pointer, or NULL.
                let hr = unsafe {
                    (store.vtable().StoreLogoff)(store.as_raw(), out(&mut flags, *null_flags))
                };
                check("StoreLogoff", hr, STORE_LOGOFF, self.logged_off)?;
            }
            Op::Release(store) => {
                if !self.stores.is_empty() {
                    let index = store % self.stores.len();
                    self.stores.swap_remove(index);
                    self.logged_off = true;
                }
            }
            Op::SpoolerLogon {
                logon,
                alter,
                flags,
            } => {
                if self.logons.is_empty() {
                    return Ok(());
                }
                let (_, id, mut spool) = self.logons[logon % self.logons.len()].clone();
                if let Some((at, byte)) = *alter
                    && !spool.is_empty()
                {
                    let at = at % spool.len();
                    spool[at] = spool[at].wrapping_add(byte.max(1));
                }
                let support = self.support();
                let sup: IMAPISupport = support.to_interface();
                let (mut error, mut logon, mut store) = (
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                );
                // SAFETY: an ID and a spool security block of the lengths passed, valid
                // out-pointers.
                let hr = unsafe {
                    (self.provider().vtable().SpoolerLogon)(
                        self.provider().as_raw(),
                        sup.as_raw(),
                        0,
                        core::ptr::null_mut(),
                        id.len() as u32,
                        id.as_ptr().cast_mut().cast(),
                        *flags,
                        core::ptr::null(),
                        spool.len() as u32,
                        spool.as_mut_ptr(),
                        &mut error,
                        &mut logon,
                        &mut store,
                    )
                };
                check("SpoolerLogon", hr, SPOOLER_LOGON, false)?;
                prop_assert!(
                    alter.is_none() || hr.is_err(),
                    "altered spool security accepted"
                );
                self.take_logon_results(&support, hr, error, logon, store, id, Vec::new())?;
            }
            Op::OnLogon { logon, call } => {
                if self.logons.is_empty() {
                    return Ok(());
                }
                let logon = self.logons[logon % self.logons.len()].0.clone();
                self.on_logon(&logon, call)?;
            }
            Op::WrapStoreEntryId { id, null_out } => {
                let support = self.support();
                let support: IMAPISupport = support.to_interface();
                let id = id.bytes();
                let (mut cb, mut wrapped) = (0u32, core::ptr::null_mut());
                // SAFETY: an ID of the length passed, out-pointers valid or NULL.
                let hr = unsafe {
                    (support.vtable().WrapStoreEntryID)(
                        support.as_raw(),
                        id.len() as u32,
                        id.as_ptr().cast_mut().cast(),
                        &mut cb,
                        out(&mut wrapped, *null_out),
                    )
                };
                check("IMAPISupport::WrapStoreEntryID", hr, SUPPORT, false)?;
                self.free(wrapped);
            }
            Op::GetMemAllocRoutines { nulls } => {
                let support: IMAPISupport = self.support().to_interface();
                let (mut a, mut m, mut f) = (None, None, None);
                // SAFETY: out-pointers valid or NULL.
                let hr = unsafe {
                    (support.vtable().GetMemAllocRoutines)(
                        support.as_raw(),
                        out(&mut a, nulls[0]),
                        out(&mut m, nulls[1]),
                        out(&mut f, nulls[2]),
                    )
                };
                check("IMAPISupport::GetMemAllocRoutines", hr, SUPPORT, false)?;
            }
            Op::SetProviderUid { null_uid, flags } => {
                let support: IMAPISupport = self.support().to_interface();
                let mut uid = MAPIUID { ab: [7; 16] };
                // SAFETY: a valid UID, or NULL.
                let hr = unsafe {
                    (support.vtable().SetProviderUID)(
                        support.as_raw(),
                        out(&mut uid, *null_uid),
                        *flags,
                    )
                };
                check("IMAPISupport::SetProviderUID", hr, SUPPORT, false)?;
            }
            Op::OpenProfileSection { null_uid, flags } => {
                let support: IMAPISupport = self.support().to_interface();
                let mut uid = MAPIUID { ab: [9; 16] };
                let mut section = core::ptr::null_mut();
                // SAFETY: a valid UID or NULL, a valid out-pointer.
                let hr = unsafe {
                    (support.vtable().OpenProfileSection)(
                        support.as_raw(),
                        out(&mut uid, *null_uid),
                        *flags,
                        &mut section,
                    )
                };
                check("IMAPISupport::OpenProfileSection", hr, SUPPORT, false)?;
                prop_assert!(section.is_null(), "no profile in this session");
            }
        }
        Ok(())
    }

    /// A call on a logon object, through its vtable.
    fn on_logon(&mut self, logon: &IMSLogon, call: &LogonCall) -> Result<(), TestCaseError> {
        let (this, vtbl) = (logon.as_raw(), logon.vtable());
        let invalidated = self.logged_off;
        match call {
            LogonCall::GetLastError { hr, flags } => {
                let mut error = core::ptr::null_mut();
                // SAFETY: a valid out-pointer.
                let answer = unsafe { (vtbl.GetLastError)(this, *hr, *flags, &mut error) };
                check(
                    "IMSLogon::GetLastError",
                    answer,
                    GET_LAST_ERROR,
                    invalidated,
                )?;
                self.take_error(error, *flags)?;
            }
            LogonCall::OpenEntry { id, flags } => {
                let id = id.bytes();
                let (mut kind, mut object) = (0u32, core::ptr::null_mut());
                // SAFETY: an ID of the length passed (NULL when empty), valid out-pointers.
                let hr = unsafe {
                    (vtbl.OpenEntry)(
                        this,
                        id.len() as u32,
                        if id.is_empty() {
                            core::ptr::null_mut()
                        } else {
                            id.as_ptr().cast_mut().cast()
                        },
                        core::ptr::null(),
                        *flags,
                        &mut kind,
                        &mut object,
                    )
                };
                check("IMSLogon::OpenEntry", hr, OPEN_ENTRY, invalidated)?;
                opened(hr, kind, object)?;
            }
            LogonCall::CompareEntryIds { a, b } => {
                let (a, b) = (a.bytes(), b.bytes());
                let mut same = 0u32;
                // SAFETY: readable IDs of the lengths passed, a writable result.
                let hr = unsafe {
                    (vtbl.CompareEntryIDs)(
                        this,
                        a.len() as u32,
                        a.as_ptr().cast_mut().cast(),
                        b.len() as u32,
                        b.as_ptr().cast_mut().cast(),
                        0,
                        &mut same,
                    )
                };
                check(
                    "IMSLogon::CompareEntryIDs",
                    hr,
                    COMPARE_ENTRY_IDS,
                    invalidated,
                )?;
            }
            LogonCall::Advise { id, mask } => {
                let id = id.bytes();
                let mut connection = 0usize;
                // SAFETY: an ID of the length passed, no sink (NULL), a writable connection.
                let hr = unsafe {
                    (vtbl.Advise)(
                        this,
                        id.len() as u32,
                        id.as_ptr().cast_mut().cast(),
                        *mask,
                        core::ptr::null_mut(),
                        &mut connection,
                    )
                };
                check("IMSLogon::Advise", hr, ADVISE, invalidated)?;
            }
            LogonCall::Unadvise(connection) => {
                // SAFETY: any connection number may be passed.
                let hr = unsafe { (vtbl.Unadvise)(this, *connection) };
                check("IMSLogon::Unadvise", hr, ADVISE, invalidated)?;
            }
            LogonCall::OpenStatusEntry { flags } => {
                let (mut kind, mut object) = (0u32, core::ptr::null_mut());
                // SAFETY: valid out-pointers.
                let hr = unsafe {
                    (vtbl.OpenStatusEntry)(this, core::ptr::null(), *flags, &mut kind, &mut object)
                };
                check("IMSLogon::OpenStatusEntry", hr, LOGON_METHODS, invalidated)?;
                prop_assert!(object.is_null(), "the sample store has no status object");
            }
            LogonCall::Logoff => {
                let mut reserved = 0u32;
                // SAFETY: a valid reserved-flags pointer.
                let hr = unsafe { (vtbl.Logoff)(this, &mut reserved) };
                check("IMSLogon::Logoff", hr, LOGOFF, false)?;
                self.logged_off = true;
            }
        }
        Ok(())
    }

    /// What MAPI does with the results of a logon: the MAPIERROR read and freed, the logon
    /// object kept (by the support object too, which releases it with itself), the store handed
    /// to the client.
    #[allow(clippy::too_many_arguments)]
    fn take_logon_results(
        &mut self,
        support: &ComObject<HostSupport>,
        hr: HRESULT,
        error: *mut MAPIERROR,
        logon: *mut c_void,
        store: *mut c_void,
        id: Vec<u8>,
        spool: Vec<u8>,
    ) -> Result<(), TestCaseError> {
        self.take_error(error, 0)?;
        if !logon.is_null() {
            // SAFETY: a new IMSLogon reference.
            let logon = unsafe { IMSLogon::from_raw(logon) };
            support.attach_logon(logon.clone());
            self.logons.push((logon, id, spool));
        }
        prop_assert_eq!(hr.is_ok(), !store.is_null(), "a store exactly on success");
        if !store.is_null() {
            // SAFETY: a new IMsgStore reference.
            self.stores.push(unsafe { IMsgStore::from_raw(store) });
        }
        Ok(())
    }

    /// A raw `Logon`, then what MAPI does with its results: the logon object goes to the support
    /// object (released with it), the store to the client.
    fn logon(
        &mut self,
        id: &Id,
        flags: u32,
        nulls: [bool; 3],
        no_support: bool,
        no_mdb: bool,
    ) -> Result<(), TestCaseError> {
        let support = self.support();
        let sup: IMAPISupport = support.to_interface();
        let id = id.bytes();
        let (mut cb, mut spool, mut error) = (0u32, core::ptr::null_mut(), core::ptr::null_mut());
        let (mut logon, mut store) = (core::ptr::null_mut(), core::ptr::null_mut());
        // SAFETY: an ID of the length passed (NULL when empty), out-pointers valid or NULL.
        let hr = unsafe {
            (self.provider().vtable().Logon)(
                self.provider().as_raw(),
                if no_support {
                    core::ptr::null_mut()
                } else {
                    sup.as_raw()
                },
                0,
                core::ptr::null_mut(),
                id.len() as u32,
                if id.is_empty() {
                    core::ptr::null_mut()
                } else {
                    id.as_ptr().cast_mut().cast()
                },
                flags,
                core::ptr::null(),
                out(&mut cb, nulls[0]),
                out(&mut spool, nulls[0]),
                out(&mut error, nulls[1]),
                out(&mut logon, nulls[2]),
                out(&mut store, no_mdb),
            )
        };
        check("Logon", hr, LOGON, false)?;
        let spool = self.take_bytes(spool, cb);
        self.take_logon_results(&support, hr, error, logon, store, id, spool)
    }

    /// After everything: a fresh logon still opens a store that answers `GetProps`; then the
    /// session ends without leaks.
    fn still_usable_and_clean(mut self) -> Result<(), TestCaseError> {
        self.stores.clear();
        self.logons.clear();
        self.logon(&Id::Store(1), 0, [false; 3], false, false)?;
        let store = self.stores.pop().expect("the fresh logon opened a store");
        let (hr, props) = self
            .session
            .get_props(&store, Some(&[PR_DISPLAY_NAME_W]), 0)
            .map_err(|hr| TestCaseError::fail(format!("GetProps after the sequence: {hr:?}")))?;
        prop_assert_eq!(hr, S_OK);
        prop_assert_eq!(props.len(), 1);
        drop(store);
        let report = self.session.shutdown();
        prop_assert!(report.is_clean(), "{}", report);
        prop_assert_eq!(
            self.log.live.load(Ordering::SeqCst),
            0,
            "support objects left alive"
        );
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    // The only test in this binary: the native allocator counts live buffers per process.
    #[test]
    fn random_calls_answer_documented_codes_leak_nothing_and_leave_the_store_usable(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let buffers_before = native::live_buffers();
        let mut client = Client::new();
        for op in &ops {
            client.run(op)?;
        }
        client.still_usable_and_clean()?;
        prop_assert_eq!(native::live_buffers(), buffers_before, "host buffers leaked");
    }
}
