//! A small MAPI address book provider: one read-only directory of a few messaging users, built
//! on the runtime's engines (tables for the hierarchy and the contents, property objects for
//! containers and users). It shows that `#[mapi_object]` and the SPI declarations of mapi-spi
//! serve the address book SPI as they serve message stores.
//!
//! - [`ABProviderInit`] is the entry point MAPI looks up by name in the DLL; it keeps MAPI's
//!   allocators, which the tables and property objects answer with.
//! - [`SampleProvider`] implements `IABProvider`: `Logon` keeps (AddRefs) the support object,
//!   registers [`SAMPLE_AB_UID`] with `SetProviderUID` and returns a [`SampleLogon`].
//! - [`SampleLogon`] implements `IABLogon`: `Logoff` (releases the support object),
//!   `CompareEntryIDs` (byte comparison), `PrepareRecips` (nothing to add), and `OpenEntry`: the
//!   root container (an empty entry ID), whose hierarchy table lists the directory; the
//!   directory, whose contents table lists its users; and each user, an `IMailUser`. Entry IDs
//!   of another provider are `MAPI_E_UNKNOWN_ENTRYID`, malformed ones of ours
//!   `MAPI_E_INVALID_ENTRYID`. Every other method answers the interface's default,
//!   `MAPI_E_NO_SUPPORT` (templates, notifications, the status object, the one-off table, and
//!   creating or deleting entries in the read-only directory).
//! - The logon and the containers keep the last failure of their own methods ([`LastError`]),
//!   which their `GetLastError` describes (a container's property calls are its property
//!   object's, which describes theirs).
#![allow(non_snake_case)]

use core::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mapi_spi_runtime::codes::{
    MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_INVALID_ENTRYID, MAPI_E_INVALID_PARAMETER,
    MAPI_E_NO_SUPPORT, MAPI_E_UNKNOWN_ENTRYID, S_OK,
};
use mapi_spi_runtime::com::{Forward, InterfaceOut, MethodName};
use mapi_spi_runtime::flags::{
    AB_RECIPIENTS, AB_SUBCONTAINERS, AB_UNMODIFIABLE, CONVENIENT_DEPTH, DT_GLOBAL, DT_MAILUSER,
    MAPI_ABCONT, MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS, MAPI_MAILUSER, MAPI_UNICODE,
};
use mapi_spi_runtime::interfaces::{
    IABContainer, IABContainerImpl, IABLogon, IABLogonImpl, IABProvider, IABProviderImpl,
    IMAPIContainerImpl, IMAPIProp, IMAPIPropImpl, IMAPISupport, IMAPITable, IMailUser,
    IMailUserImpl,
};
use mapi_spi_runtime::props::object::{check_flags, null};
use mapi_spi_runtime::props::{self, ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use mapi_spi_runtime::provider::entry::negotiate_version;
use mapi_spi_runtime::provider::{LastError, ProviderError, ProviderResult};
use mapi_spi_runtime::table::TableData;
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{
    ADRLIST, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER, LPTSTR, MAPIERROR, MAPIUID,
    SPropTagArray,
};
use mapi_spi_runtime::{
    AllocatorSet, ComObject, GUID, HRESULT, IUnknown, Interface, Object, mapi_object,
};

/// The `MAPIUID` this provider registers with `IMAPISupport::SetProviderUID`: entry IDs whose
/// bytes 4..20 hold it are routed to this provider.
pub const SAMPLE_AB_UID: MAPIUID = MAPIUID {
    ab: [
        0x5A, 0x3C, 0x91, 0x0E, 0x27, 0x64, 0x4B, 0x1D, 0x8F, 0x02, 0xC6, 0x7A, 0x19, 0xD4, 0x55,
        0xB3,
    ],
};

/// `ABPROVIDERINIT`: writes `CURRENT_SPI_VERSION` to `*lpulProviderVer`, refuses a MAPI older
/// than that with `MAPI_E_VERSION` and NULL out-pointers or allocators with
/// `MAPI_E_INVALID_PARAMETER`, and returns a new provider object (one per call, as MAPI expects)
/// through `*lppABProvider`, keeping the allocators. `lpMalloc` is not needed.
///
/// # Safety
///
/// Called by MAPI: `lpulProviderVer` and `lppABProvider` are NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ABProviderInit(
    _hInstance: *mut c_void,
    _lpMalloc: *mut c_void,
    lpAllocateBuffer: LPALLOCATEBUFFER,
    lpAllocateMore: LPALLOCATEMORE,
    lpFreeBuffer: LPFREEBUFFER,
    _ulFlags: u32,
    ulMAPIVer: u32,
    lpulProviderVer: *mut u32,
    lppABProvider: *mut *mut c_void,
) -> HRESULT {
    // The checks every entry point starts with: NULL out-pointers, our version out, MAPI's version.
    // SAFETY: MAPI passes NULL or writable locations.
    if let Err(hr) = unsafe { negotiate_version(ulMAPIVer, lpulProviderVer, lppABProvider) } {
        return hr;
    }
    // SAFETY: MAPI's allocators keep their contract while the DLL is loaded.
    let allocators =
        match unsafe { AllocatorSet::new(lpAllocateBuffer, lpAllocateMore, lpFreeBuffer) } {
            Ok(allocators) => allocators,
            Err(error) => return error.code(),
        };
    let provider: IABProvider = ComObject::new(SampleProvider {
        shut_down: AtomicBool::new(false),
        allocators,
    })
    .into_interface();
    // SAFETY: checked non-NULL above; the reference is handed to MAPI.
    unsafe { lppABProvider.write(provider.into_raw()) };
    S_OK
}

// Checked at compile time: the entry point has the `ABPROVIDERINIT` type.
const _: mapi_spi_runtime::provider::entry::ABProviderInit = ABProviderInit;

/// The provider object: one per `ABProviderInit` call.
#[mapi_object(IABProvider)]
pub struct SampleProvider {
    shut_down: AtomicBool,
    allocators: AllocatorSet,
}

impl IABProviderImpl for SampleProvider {
    unsafe fn Shutdown(this: &Object<Self>, _lpulFlags: *mut u32) -> HRESULT {
        this.shut_down.store(true, Ordering::SeqCst);
        S_OK
    }

    unsafe fn Logon(
        this: &Object<Self>,
        lpMAPISup: Option<&IMAPISupport>,
        _ulUIParam: usize,
        _lpszProfileName: LPTSTR,
        _ulFlags: u32,
        lpulpcbSecurity: *mut u32,
        lppbSecurity: *mut *mut u8,
        lppMAPIError: *mut *mut MAPIERROR,
        mut lppABLogon: InterfaceOut<'_, IABLogon>,
    ) -> HRESULT {
        let Some(support) = lpMAPISup else {
            return MAPI_E_INVALID_PARAMETER;
        };
        // SAFETY: optional out-parameters, written when given: no security blob, no error.
        unsafe {
            if !lpulpcbSecurity.is_null() {
                lpulpcbSecurity.write(0);
            }
            if !lppbSecurity.is_null() {
                lppbSecurity.write(core::ptr::null_mut());
            }
            if !lppMAPIError.is_null() {
                lppMAPIError.write(core::ptr::null_mut());
            }
        }
        let mut uid = SAMPLE_AB_UID;
        // SAFETY: `uid` lives across the call; MAPI copies it.
        let hr = unsafe { support.SetProviderUID(&mut uid, 0) };
        if hr.is_err() {
            return hr;
        }
        // Cloning the borrowed pointer is the AddRef MAPI requires; the logon keeps it until
        // `Logoff` or its last Release.
        let directory = match Directory::new(this.allocators) {
            Ok(directory) => Arc::new(directory),
            Err(error) => return error.code(),
        };
        let logon: IABLogon = ComObject::new(SampleLogon {
            support: Mutex::new(Some(support.clone())),
            directory,
            last_error: LastError::new(COMPONENT),
        })
        .into_interface();
        lppABLogon.set(logon);
        S_OK
    }
}

/// `MAPIERROR::lpszComponent` of the provider's errors.
pub const COMPONENT: &str = "Sample address book";

/// The logon object of one session.
#[mapi_object(IABLogon)]
pub struct SampleLogon {
    /// The support object, AddRef'd at logon, released at `Logoff` (or with the object).
    support: Mutex<Option<IMAPISupport>>,
    directory: Arc<Directory>,
    last_error: LastError,
}

impl IABLogonImpl for SampleLogon {
    /// The last failure of the logon's methods, when `hResult` is its code.
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        let allocators = &this.directory.allocators;
        // SAFETY: the caller's out-pointer, NULL or writable.
        unsafe {
            this.last_error
                .get_last_error(hResult, ulFlags, allocators, lppMAPIError)
        }
    }

    /// Releases the support object (once; the flags are reserved).
    unsafe fn Logoff(this: &Object<Self>, _ulFlags: u32) -> HRESULT {
        let support = this.support.lock().ok().and_then(|mut s| s.take());
        drop(support);
        S_OK
    }

    /// The root container (an empty ID), the directory, or one of its users.
    unsafe fn OpenEntry(
        this: &Object<Self>,
        lpEntryID: &[u8],
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulObjType: *mut u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        // SAFETY: MAPI's arguments, passed on.
        let opened = unsafe {
            open_entry(
                &this.directory,
                lpEntryID,
                lpInterface,
                ulFlags,
                lpulObjType,
                lppUnk,
            )
        };
        this.last_error.answer(opened)
    }

    /// Byte comparison: TRUE (1) when both IDs have the same bytes.
    unsafe fn CompareEntryIDs(
        this: &Object<Self>,
        lpEntryID1: &[u8],
        lpEntryID2: &[u8],
        _ulFlags: u32,
        lpulResult: *mut u32,
    ) -> HRESULT {
        if lpulResult.is_null() {
            return this.last_error.fail(null("CompareEntryIDs", "lpulResult"));
        }
        // SAFETY: checked non-NULL.
        unsafe { lpulResult.write(u32::from(lpEntryID1 == lpEntryID2)) };
        S_OK
    }

    /// No entries of this provider can be in the list: nothing to add.
    unsafe fn PrepareRecips(
        _this: &Object<Self>,
        _ulFlags: u32,
        _lpPropTagArray: *mut SPropTagArray,
        _lpRecipList: *mut ADRLIST,
    ) -> HRESULT {
        S_OK
    }
}

/// The directory's users: display name and SMTP address.
pub const USERS: &[(&str, &str)] = &[
    ("Ada Lovelace", "ada@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Édouard Lucas", "edouard@example.org"),
];

/// The kinds of object an entry ID of ours names (the byte after the UID).
const KIND_DIRECTORY: u8 = 1;
const KIND_USER: u8 = 2;
/// `abFlags` (4) + UID (16): where the kind is.
const KIND_AT: usize = 20;

/// The entry ID of the directory container.
pub fn directory_entry_id() -> Vec<u8> {
    entry_id(KIND_DIRECTORY, 0)
}

/// The entry ID of user `index` of [`USERS`].
pub fn user_entry_id(index: u16) -> Vec<u8> {
    entry_id(KIND_USER, index)
}

fn entry_id(kind: u8, index: u16) -> Vec<u8> {
    let mut id = vec![0u8; 4];
    id.extend_from_slice(&SAMPLE_AB_UID.ab);
    id.push(kind);
    id.extend_from_slice(&index.to_le_bytes());
    id
}

/// What an entry ID names: `None` for the root (empty).
enum Entry {
    Directory,
    User(usize),
}

/// `MAPI_E_UNKNOWN_ENTRYID` for another provider's ID, `MAPI_E_INVALID_ENTRYID` for a
/// malformed one of ours.
fn parse(id: &[u8]) -> ProviderResult<Option<Entry>> {
    if id.is_empty() {
        return Ok(None);
    }
    if id.len() < KIND_AT || id[4..KIND_AT] != SAMPLE_AB_UID.ab {
        return Err(ProviderError::new(
            MAPI_E_UNKNOWN_ENTRYID,
            "OpenEntry: the entry ID is not this address book's (another UID)",
        ));
    }
    let (kind, rest) = (id.get(KIND_AT), &id[(KIND_AT + 1).min(id.len())..]);
    let index = <[u8; 2]>::try_from(rest).map(u16::from_le_bytes);
    match (kind, index) {
        (Some(&KIND_DIRECTORY), Ok(0)) if id[..4] == [0; 4] => Ok(Some(Entry::Directory)),
        (Some(&KIND_USER), Ok(i)) if id[..4] == [0; 4] && usize::from(i) < USERS.len() => {
            Ok(Some(Entry::User(usize::from(i))))
        }
        _ => Err(ProviderError::new(
            MAPI_E_INVALID_ENTRYID,
            "OpenEntry: the entry ID has this address book's UID but names no entry of it",
        )),
    }
}

/// The session's directory: the root's hierarchy table and the directory's contents table,
/// tables of the runtime's engine that every view of a client reads.
pub struct Directory {
    allocators: AllocatorSet,
    hierarchy: TableData,
    contents: TableData,
    /// The directory's own hierarchy: no subcontainers.
    no_containers: TableData,
}

fn text(tag: u32, s: &str) -> Property {
    Property::for_tag(tag, PropValue::Unicode(s.into()))
}

fn binary(tag: u32, bytes: &[u8]) -> Property {
    Property::for_tag(tag, PropValue::Binary(bytes.to_vec()))
}

fn long(tag: u32, n: u32) -> Property {
    Property::for_tag(tag, PropValue::Long(n))
}

impl Directory {
    fn new(allocators: AllocatorSet) -> mapi_spi_runtime::Result<Self> {
        let container_columns = vec![PR_ENTRYID, PR_DISPLAY_NAME_W, PR_DEPTH, PR_CONTAINER_FLAGS];
        let hierarchy = TableData::new(PR_INSTANCE_KEY, container_columns.clone(), allocators)?;
        hierarchy.modify_row(Self::directory_props(true))?;
        let user_columns = vec![
            PR_ENTRYID,
            PR_DISPLAY_NAME_W,
            PR_EMAIL_ADDRESS_W,
            PR_ADDRTYPE_W,
            PR_DISPLAY_TYPE,
            PR_OBJECT_TYPE,
        ];
        let contents = TableData::new(PR_INSTANCE_KEY, user_columns, allocators)?;
        for index in 0..USERS.len() {
            contents.modify_row(Self::user_props(index))?;
        }
        Ok(Self {
            allocators,
            hierarchy,
            contents,
            no_containers: TableData::new(PR_INSTANCE_KEY, container_columns, allocators)?,
        })
    }

    /// The directory's properties, as its row in the root's hierarchy table (`row`) or as the
    /// container's own.
    fn directory_props(row: bool) -> Vec<Property> {
        let id = directory_entry_id();
        let mut props = vec![
            binary(PR_ENTRYID, &id),
            binary(PR_RECORD_KEY, &id),
            text(PR_DISPLAY_NAME_W, "Sample directory"),
            long(PR_OBJECT_TYPE, MAPI_ABCONT),
            long(PR_DISPLAY_TYPE, DT_GLOBAL),
            long(PR_CONTAINER_FLAGS, AB_RECIPIENTS | AB_UNMODIFIABLE),
        ];
        if row {
            props.push(binary(PR_INSTANCE_KEY, &id));
            props.push(long(PR_DEPTH, 0));
        }
        props
    }

    fn user_props(index: usize) -> Vec<Property> {
        let (name, address) = USERS[index];
        let id = user_entry_id(index as u16);
        vec![
            binary(PR_ENTRYID, &id),
            binary(PR_RECORD_KEY, &id),
            binary(PR_INSTANCE_KEY, &id),
            binary(
                PR_SEARCH_KEY,
                format!("SMTP:{}\0", address.to_uppercase()).as_bytes(),
            ),
            text(PR_DISPLAY_NAME_W, name),
            text(PR_EMAIL_ADDRESS_W, address),
            text(PR_ADDRTYPE_W, "SMTP"),
            long(PR_DISPLAY_TYPE, DT_MAILUSER),
            long(PR_OBJECT_TYPE, MAPI_MAILUSER),
        ]
    }

    /// A read-only property object over `props`.
    fn props(&self, props: Vec<Property>) -> IMAPIProp {
        let mut bag = PropertyBag::new();
        for prop in props {
            bag.insert(prop, PropAccess::READ_ONLY)
                .expect("a storable value");
        }
        bag.set_object_access(ObjectAccess::ReadOnly);
        props::object::create(bag, self.allocators)
    }
}

/// `OpenEntry` of the logon and of the containers: the object an ID names, as the interface
/// asked for (NULL: the object's own, `IABContainer` or `IMailUser`), with its object type; a
/// failure says what was wrong.
///
/// # Safety
///
/// `lpInterface` is NULL or a GUID; the out-pointers are NULL or writable.
#[allow(non_snake_case)]
unsafe fn open_entry(
    directory: &Arc<Directory>,
    lpEntryID: &[u8],
    lpInterface: *const GUID,
    ulFlags: u32,
    lpulObjType: *mut u32,
    lppUnk: *mut *mut c_void,
) -> ProviderResult<HRESULT> {
    if lpulObjType.is_null() || lppUnk.is_null() {
        return Err(null("OpenEntry", "lpulObjType or lppUnk"));
    }
    // SAFETY: checked non-NULL; writable (the caller's contract). A failure leaves these.
    unsafe {
        lpulObjType.write(0);
        lppUnk.write(core::ptr::null_mut());
    }
    check_flags(ulFlags, MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS)?;
    let entry = parse(lpEntryID)?;
    let (object, object_type): (IUnknown, u32) = match entry {
        None => (
            Container::create(directory, Container::root_props(), Tables::Root),
            MAPI_ABCONT,
        ),
        Some(Entry::Directory) => (
            Container::create(
                directory,
                Directory::directory_props(false),
                Tables::Directory,
            ),
            MAPI_ABCONT,
        ),
        Some(Entry::User(index)) => {
            let user = MailUser {
                props: directory.props(Directory::user_props(index)),
            };
            (ComObject::new(user).into_interface(), MAPI_MAILUSER)
        }
    };
    // SAFETY: NULL or a GUID (the caller's contract).
    let wanted = unsafe { lpInterface.as_ref() };
    let mut out = core::ptr::null_mut();
    let hr = match wanted {
        // SAFETY: a valid out-pointer.
        Some(iid) => unsafe { object.query(iid, &mut out) },
        None => {
            out = object.clone().into_raw();
            S_OK
        }
    };
    if hr.is_err() {
        return Err(ProviderError::new(
            MAPI_E_INTERFACE_NOT_SUPPORTED,
            "OpenEntry: the entry does not implement the interface asked for",
        ));
    }
    // SAFETY: checked non-NULL above; the reference is the caller's.
    unsafe {
        lpulObjType.write(object_type);
        lppUnk.write(out);
    }
    Ok(S_OK)
}

/// Which tables a container shows.
enum Tables {
    /// The root: the directory in its hierarchy, no contents.
    Root,
    /// The directory: its users, no subcontainers.
    Directory,
}

/// An address book container: its properties, and views of the directory's tables.
#[mapi_object(IABContainer)]
struct Container {
    props: IMAPIProp,
    directory: Arc<Directory>,
    tables: Tables,
    last_error: LastError,
}

impl Container {
    fn create(directory: &Arc<Directory>, props: Vec<Property>, tables: Tables) -> IUnknown {
        let container = Container {
            props: directory.props(props),
            directory: directory.clone(),
            tables,
            last_error: LastError::new(COMPONENT),
        };
        ComObject::new(container).into_interface()
    }

    fn root_props() -> Vec<Property> {
        vec![
            binary(PR_ENTRYID, &[]),
            text(PR_DISPLAY_NAME_W, "Sample address book"),
            long(PR_OBJECT_TYPE, MAPI_ABCONT),
            long(PR_CONTAINER_FLAGS, AB_SUBCONTAINERS | AB_UNMODIFIABLE),
        ]
    }

    /// A new view of `table` for an `lppTable` out-parameter.
    #[allow(non_snake_case)]
    fn view(
        table: &TableData,
        ulFlags: u32,
        known: u32,
        mut lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> ProviderResult<HRESULT> {
        check_flags(ulFlags, known)?;
        lppTable.set(table.view());
        Ok(S_OK)
    }
}

impl IMAPIPropImpl for Container {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }

    /// The last failure of the container's methods, else its property object's.
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        let allocators = &this.directory.allocators;
        // SAFETY: the caller's out-pointer, NULL or writable.
        unsafe {
            this.last_error.get_last_error_or(
                &this.props,
                hResult,
                ulFlags,
                allocators,
                lppMAPIError,
            )
        }
    }
}

impl IMAPIContainerImpl for Container {
    /// The directory's users; the root has none (`MAPI_E_NO_SUPPORT`, as for a container
    /// without `AB_RECIPIENTS`).
    unsafe fn GetContentsTable(
        this: &Object<Self>,
        ulFlags: u32,
        lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        let viewed = match this.tables {
            Tables::Root => Err(ProviderError::new(
                MAPI_E_NO_SUPPORT,
                "GetContentsTable: the root container lists containers only",
            )),
            Tables::Directory => Self::view(
                &this.directory.contents,
                ulFlags,
                MAPI_UNICODE | MAPI_DEFERRED_ERRORS,
                lppTable,
            ),
        };
        this.last_error.answer(viewed)
    }

    /// The root lists the directory (one level: `CONVENIENT_DEPTH` shows the same); the
    /// directory has no subcontainers (an empty table).
    unsafe fn GetHierarchyTable(
        this: &Object<Self>,
        ulFlags: u32,
        lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        let table = match this.tables {
            Tables::Root => &this.directory.hierarchy,
            Tables::Directory => &this.directory.no_containers,
        };
        let known = MAPI_UNICODE | MAPI_DEFERRED_ERRORS | CONVENIENT_DEPTH;
        let viewed = Self::view(table, ulFlags, known, lppTable);
        this.last_error.answer(viewed)
    }

    unsafe fn OpenEntry(
        this: &Object<Self>,
        lpEntryID: &[u8],
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulObjType: *mut u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        // SAFETY: MAPI's arguments, passed on.
        let opened = unsafe {
            open_entry(
                &this.directory,
                lpEntryID,
                lpInterface,
                ulFlags,
                lpulObjType,
                lppUnk,
            )
        };
        this.last_error.answer(opened)
    }
}

/// Read-only: creating, copying, deleting entries and resolving names answer the default.
impl IABContainerImpl for Container {}

/// A messaging user of the directory: its properties, read-only.
#[mapi_object(IMailUser)]
struct MailUser {
    props: IMAPIProp,
}

impl IMAPIPropImpl for MailUser {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }
}

impl IMailUserImpl for MailUser {}
