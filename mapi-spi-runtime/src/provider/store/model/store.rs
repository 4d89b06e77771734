//! [`ContentStore`]: the runtime's message store over a provider's [`StoreContent`]. A provider
//! whose store is its content, and nothing more, writes `type Store = ContentStore` and
//! returns [`ContentStore::new`] from its logon.
#![allow(non_snake_case)]

use core::ffi::c_void;
use core::mem::ManuallyDrop;
use std::sync::Arc;
use windows_core::{GUID, HRESULT};

use super::Model;
use super::open::{check_flags, open_entry};
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_FOUND, S_OK};
use crate::com::{ComObject, Forward, MethodName, Object};
use crate::flags::*;
use crate::interfaces::{IMAPIAdviseSink, IMAPIProp, IMAPIPropImpl, IMsgStore, IMsgStoreImpl};
use crate::props::object::null;
use crate::props::value::tags_in;
use crate::props::{self, ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use crate::provider::store::content::{SpecialFolder, StoreContent};
use crate::provider::store::entry_id::{EntryIds, ObjectKind};
use crate::provider::store::identity::client_entry_id;
use crate::provider::store::{LogonRequest, MessageStore, StoreRef};
use crate::provider::{ProviderError, ProviderResult, text};
use crate::tags::*;
use crate::types::{ENTRYID, LPTSTR, MAPIUID, SPropTagArray, SPropValue};
use mapi_spi_macros::mapi_object;

/// The support mask of a store that gives none (`PR_STORE_SUPPORT_MASK` among its
/// properties): what the runtime's objects do for every store. A read-only store gives its
/// own, with `STORE_READONLY`.
pub const DEFAULT_SUPPORT_MASK: u32 = STORE_ENTRYID_UNIQUE
    | STORE_MODIFY_OK
    | STORE_CREATE_OK
    | STORE_ATTACH_OK
    | STORE_NOTIFY_OK
    | STORE_MV_PROPS_OK
    | STORE_RESTRICTION_OK
    | STORE_SORT_OK
    | STORE_CATEGORIZE_OK
    | STORE_UNICODE_OK;

/// The special folders the store's properties name, with their `PR_VALID_FOLDER_MASK` bit.
const SPECIAL: [(SpecialFolder, u32, u32); 4] = [
    (
        SpecialFolder::IpmSubtree,
        PR_IPM_SUBTREE_ENTRYID,
        FOLDER_IPM_SUBTREE_VALID,
    ),
    (
        SpecialFolder::Outbox,
        PR_IPM_OUTBOX_ENTRYID,
        FOLDER_IPM_OUTBOX_VALID,
    ),
    (
        SpecialFolder::DeletedItems,
        PR_IPM_WASTEBASKET_ENTRYID,
        FOLDER_IPM_WASTEBASKET_VALID,
    ),
    (
        SpecialFolder::SentItems,
        PR_IPM_SENTMAIL_ENTRYID,
        FOLDER_IPM_SENTMAIL_VALID,
    ),
];

/// Whether `tag` names one of the properties [`special_props`] makes (by ID, as `GetProps`
/// matches tags).
fn is_special(tag: u32) -> bool {
    let id = prop_id(tag);
    id == prop_id(PR_VALID_FOLDER_MASK)
        || SPECIAL
            .iter()
            .any(|&(_, special, _)| id == prop_id(special))
}

/// The store's special-folder properties as the content names the folders now: the entry ID
/// of each [`SPECIAL`] folder the store has, and `PR_VALID_FOLDER_MASK` with their bits (and
/// the Inbox's, which `GetReceiveFolder` answers).
fn special_props(model: &Model) -> Vec<Property> {
    let special_id = |which| {
        let key = model.content.special_folder(which)?;
        model.ids.mint(ObjectKind::Folder, &key, false)
    };
    let mut props = Vec::new();
    let mut valid = 0;
    for (which, tag, bit) in SPECIAL {
        if let Some(id) = special_id(which) {
            props.push(Property::for_tag(tag, PropValue::Binary(id)));
            valid |= bit;
        }
    }
    if special_id(SpecialFolder::Inbox).is_some() {
        valid |= FOLDER_IPM_INBOX_VALID;
    }
    props.push(Property::for_tag(
        PR_VALID_FOLDER_MASK,
        PropValue::Long(valid),
    ));
    props
}

/// A message store over a provider's [`StoreContent`]: the runtime's store object
/// (`IMsgStore`), whose `OpenEntry` opens the runtime's folder objects (`IMAPIFolder`), all of
/// them sharing one store object model.
///
/// Its properties are the provider's (`PR_DISPLAY_NAME_W`, `PR_PROVIDER_DISPLAY_W`,
/// `PR_MDB_PROVIDER`, `PR_STORE_SUPPORT_MASK`, ...) and the runtime's, read-only:
/// `PR_ENTRYID` and `PR_STORE_ENTRYID` (the store's entry ID as MAPI wraps it),
/// `PR_RECORD_KEY` and `PR_STORE_RECORD_KEY` (the store key), `PR_STORE_SUPPORT_MASK` (the
/// provider's, else [`DEFAULT_SUPPORT_MASK`]), `PR_OBJECT_TYPE`, `PR_MDB_PROVIDER` (the
/// provider's MAPIUID unless it gives one), and from [`StoreContent::special_folder`] at
/// their first read and again after a folder is deleted or moved (a special folder deleted is no longer
/// named):
/// `PR_IPM_SUBTREE_ENTRYID`, `PR_IPM_OUTBOX_ENTRYID`, `PR_IPM_WASTEBASKET_ENTRYID`,
/// `PR_IPM_SENTMAIL_ENTRYID` and `PR_VALID_FOLDER_MASK` (with the Inbox's bit:
/// `GetReceiveFolder` answers it).
///
/// Left at their defaults, `MAPI_E_NO_SUPPORT`, as the `IMsgStore` pages allow:
/// `SetReceiveFolder` and `GetReceiveFolderTable` (the receive folder is the provider's
/// Inbox), and the spooler's `AbortSubmit`, `GetOutgoingQueue`, `SetLockState`, `FinishedMsg`
/// and `NotifyNewMail` (no transport).
#[mapi_object(IMsgStore)]
pub struct ContentStore {
    model: Arc<Model>,
    props: ComObject<props::PropertyObject>,
    /// `props` as the interface `IMAPIProp` calls are passed to: a view of `props`'s reference,
    /// which lives as long (no count of its own to take and give back per object).
    props_interface: ManuallyDrop<IMAPIProp>,
}

impl ContentStore {
    /// The store `request` logs on to (`context`'s), holding `content`: `uid` is the MAPIUID
    /// the provider registers with `SetProviderUID` (before this, in its logon); the entry IDs
    /// of its folders and messages carry the store's canonical key ([`EntryIds`],
    /// [`StoreContext::store_key`](crate::provider::store::StoreContext::store_key)). `props`
    /// are the provider's store properties (`PR_DISPLAY_NAME_W` at least); those the runtime owns
    /// are replaced (see the type).
    ///
    /// `MAPI_E_INVALID_PARAMETER` for a store key longer than 65535 bytes, or a property the
    /// property engine cannot hold.
    pub fn new(
        request: &LogonRequest<'_>,
        context: StoreRef,
        uid: MAPIUID,
        content: Arc<dyn StoreContent>,
        mut props: Vec<Property>,
    ) -> ProviderResult<Self> {
        let ids = EntryIds::new(uid, context.store_key()).ok_or_else(|| {
            ProviderError::new(MAPI_E_INVALID_PARAMETER, "the store key is too long")
        })?;
        let entry_id =
            client_entry_id(request.support, *request.allocators, context.entry_id())?.to_vec();
        let given = |tag: u32| props.iter().find(|p| p.tag() == tag).map(|p| &p.value);
        let support_mask = match given(PR_STORE_SUPPORT_MASK) {
            Some(PropValue::Long(mask)) => *mask,
            _ => DEFAULT_SUPPORT_MASK,
        };
        // The provider's PR_MDB_PROVIDER, when it gives one, is moved out of `props` (whose
        // copy the bag would drop as one of the runtime's), not copied.
        let given_uid = props.iter().position(|p| p.tag() == PR_MDB_PROVIDER);
        let mdb_provider = match given_uid.map(|at| props.swap_remove(at).value) {
            Some(PropValue::Binary(uid)) => uid,
            _ => uid.ab.to_vec(),
        };
        let names = Model::kept_names(&*content)?;
        let model = Model::new(context, content, names, ids, entry_id.clone(), support_mask);
        let store_key = model.cx.store_key();
        let binary = |tag, bytes: Vec<u8>| Property::for_tag(tag, PropValue::Binary(bytes));
        let long = |tag, value| Property::for_tag(tag, PropValue::Long(value));
        // In ID order, which the bag appends without a search.
        let owned = [
            binary(PR_RECORD_KEY, store_key.to_vec()),
            binary(PR_STORE_RECORD_KEY, store_key.to_vec()),
            binary(PR_STORE_ENTRYID, entry_id.clone()),
            long(PR_OBJECT_TYPE, MAPI_STORE),
            binary(PR_ENTRYID, entry_id),
            long(PR_STORE_SUPPORT_MASK, support_mask),
            binary(PR_MDB_PROVIDER, mdb_provider),
        ];
        // The special folders' properties are made at the first read that asks for them (see
        // `refresh`): a logon that reads none does not mint their entry IDs.
        let mut bag = PropertyBag::with_capacity(props.len() + owned.len());
        let owned_ids = owned.each_ref().map(|p| p.id);
        let theirs = |p: &Property| !owned_ids.contains(&p.id) && !is_special(p.tag());
        for prop in owned {
            bag.insert(prop, PropAccess::READ_ONLY)?;
        }
        for prop in props.into_iter().filter(theirs) {
            bag.insert(prop, PropAccess::READ_ONLY)?;
        }
        bag.set_object_access(ObjectAccess::ReadOnly);
        let props = ComObject::new(
            props::PropertyObject::new(bag, *model.cx.allocators()).with_names(model.names.clone()),
        );
        // SAFETY: kept beside `props` in this object, whose reference it views until the
        // object goes (the view itself is never dropped).
        let props_interface = unsafe { props.interface_view::<IMAPIProp>() };
        Ok(Self {
            model,
            props,
            props_interface,
        })
    }

    /// Brings the special-folder properties up to date, when a read may see them (`asked`)
    /// and a folder was deleted or moved since they were last made (others' changes
    /// included), or they were never made: only then can they differ, and a `GetProps`
    /// otherwise costs nothing but its result.
    fn refresh(&self, asked: bool) {
        self.model.apply_changes();
        if !asked || !self.model.take_folders_changed() {
            return;
        }
        let mut bag = self.props.bag_mut();
        for (_, tag, _) in SPECIAL {
            bag.remove(prop_id(tag) as u16);
        }
        for prop in special_props(&self.model) {
            // Entry IDs and a mask: values the bag always holds.
            let _ = bag.insert(prop, PropAccess::READ_ONLY);
        }
    }

    /// The code of `result`, a failure kept as the store's last error.
    fn answer(&self, result: Result<HRESULT, ProviderError>) -> HRESULT {
        result.unwrap_or_else(|error| self.model.cx.fail(error))
    }
}

/// At logoff the subscriptions the store's clients left end, and the objects opened from the
/// store become invalid (`MAPI_E_INVALID_OBJECT`); they hold the model until their clients
/// release them, and send nothing any more.
impl MessageStore for ContentStore {
    /// Ends the clients' subscriptions, then lets the content save what it keeps (the
    /// named-property map if it grew, [`StoreContent::save_names`], then
    /// [`StoreContent::flush`]); a failure to save is the content's to live with (logoff
    /// cannot fail), so it is dropped here.
    fn logoff(this: &Object<Self>) {
        this.model.unadvise_all();
        this.model.close();
        let _ = this.model.keep_names();
        let _ = this.model.content.flush();
    }

    /// The named-property map if it grew ([`StoreContent::save_names`]), then the content's
    /// [`StoreContent::flush`]: both tried, a failure of either answered (the flush's first).
    fn flush(this: &Object<Self>) -> ProviderResult<()> {
        let names = this.model.keep_names();
        this.model.content.flush().and(names)
    }
}

impl IMAPIPropImpl for ContentStore {
    /// Of the other methods, those that read property values (`CopyTo`, `CopyProps`,
    /// `OpenProperty`) may read the special folders' too; the rest (`GetLastError`,
    /// `SaveChanges`, the writes a read-only bag refuses, the name mappings) read none.
    fn forward(this: &Object<Self>, method: MethodName) -> Forward<'_, IMAPIProp> {
        if matches!(method.0, "CopyTo" | "CopyProps" | "OpenProperty") {
            this.refresh(true);
        }
        Forward::To(&this.props_interface)
    }

    /// The properties, the special folders' as the content names them now.
    unsafe fn GetProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        lpcValues: *mut u32,
        lppPropArray: *mut *mut SPropValue,
    ) -> HRESULT {
        // SAFETY: the caller's tag array, NULL or `cValues` tags, alive for the call.
        let asked = match unsafe { tags_in(lpPropTagArray) } {
            None => true,
            Some(tags) => tags.iter().any(|&tag| is_special(tag)),
        };
        this.refresh(asked);
        // SAFETY: the caller's arguments, passed on.
        unsafe {
            this.props_interface
                .GetProps(lpPropTagArray, ulFlags, lpcValues, lppPropArray)
        }
    }

    /// The properties, the special folders' as the content names them now.
    unsafe fn GetPropList(
        this: &Object<Self>,
        ulFlags: u32,
        lppPropTagArray: *mut *mut SPropTagArray,
    ) -> HRESULT {
        this.refresh(true);
        // SAFETY: the caller's arguments, passed on.
        unsafe { this.props_interface.GetPropList(ulFlags, lppPropTagArray) }
    }
}

/// The class `GetReceiveFolder` names as the one whose receive folder answers `class`: the
/// Inbox is set for `IPM` and, as the default, for `""`, so `IPM` and its subclasses
/// (`IPM.Note`) answer `IPM`, and any other class `""`. Classes compare case-insensitively,
/// as MAPI compares them.
fn explicit_class(class: &str) -> &'static str {
    let upper = class.to_ascii_uppercase();
    if upper == "IPM" || upper.starts_with("IPM.") {
        "IPM"
    } else {
        ""
    }
}

impl IMsgStoreImpl for ContentStore {
    /// `Model::advise`: the support object's `Subscribe`, for the store (no entry ID), a folder
    /// or a message.
    unsafe fn Advise(
        this: &Object<Self>,
        lpEntryID: &[u8],
        ulEventMask: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        lpulConnection: *mut usize,
    ) -> HRESULT {
        this.answer((|| {
            let Some(sink) = lpAdviseSink else {
                return Err(null("Advise", "lpAdviseSink"));
            };
            if lpulConnection.is_null() {
                return Err(null("Advise", "lpulConnection"));
            }
            let connection = this.model.advise(lpEntryID, ulEventMask, sink)?;
            // SAFETY: checked non-NULL.
            unsafe { lpulConnection.write(connection) };
            Ok(S_OK)
        })())
    }

    unsafe fn Unadvise(this: &Object<Self>, ulConnection: usize) -> HRESULT {
        this.answer(
            this.model
                .unadvise(ulConnection)
                .map(|()| S_OK)
                .map_err(Into::into),
        )
    }

    /// Whether two entry IDs of this store name one object (a short-term and a long-term ID
    /// of it do); IDs that are not this store's are refused as `OpenEntry` refuses them.
    /// `ulFlags` is reserved: anything but 0 is `MAPI_E_UNKNOWN_FLAGS`.
    unsafe fn CompareEntryIDs(
        this: &Object<Self>,
        lpEntryID1: &[u8],
        lpEntryID2: &[u8],
        ulFlags: u32,
        lpulResult: *mut u32,
    ) -> HRESULT {
        this.answer((|| {
            if lpulResult.is_null() {
                return Err(null("CompareEntryIDs", "lpulResult"));
            }
            check_flags("CompareEntryIDs", ulFlags, 0)?;
            let same = this.model.ids.same(lpEntryID1, lpEntryID2)?;
            // SAFETY: checked non-NULL.
            unsafe { lpulResult.write(u32::from(same)) };
            Ok(S_OK)
        })())
    }

    /// No entry ID opens the root folder; a folder or message ID of this store, that object
    /// (see the folder's `OpenEntry`).
    unsafe fn OpenEntry(
        this: &Object<Self>,
        lpEntryID: &[u8],
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulObjType: *mut u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        // SAFETY: the caller's arguments, passed on under the same contract.
        let opened = unsafe {
            open_entry(
                &this.model,
                lpEntryID,
                lpInterface,
                ulFlags,
                lpulObjType,
                lppUnk,
            )
        };
        this.answer(opened.map(|()| S_OK))
    }

    /// The Inbox ([`SpecialFolder::Inbox`]) for every class, NULL and `""` included, and in
    /// `lppszExplicitClass` (which may be NULL) the class it is set for: `IPM` for `IPM` and
    /// its subclasses, `""` for the others (see `explicit_class`), in the width
    /// `MAPI_UNICODE` asks for. A store without an Inbox answers `MAPI_E_NOT_FOUND`.
    unsafe fn GetReceiveFolder(
        this: &Object<Self>,
        lpszMessageClass: LPTSTR,
        ulFlags: u32,
        lpcbEntryID: *mut u32,
        lppEntryID: *mut *mut ENTRYID,
        lppszExplicitClass: *mut LPTSTR,
    ) -> HRESULT {
        this.answer((|| {
            if lpcbEntryID.is_null() || lppEntryID.is_null() {
                return Err(null("GetReceiveFolder", "lpcbEntryID or lppEntryID"));
            }
            check_flags("GetReceiveFolder", ulFlags, MAPI_UNICODE)?;
            let unicode = ulFlags & MAPI_UNICODE != 0;
            // SAFETY: the caller's string, NULL or NUL-terminated in the width the flags say.
            let class = unsafe { text::decode(lpszMessageClass, unicode) }.unwrap_or_default();
            let model = &this.model;
            let inbox = model
                .content
                .special_folder(SpecialFolder::Inbox)
                .ok_or_else(|| ProviderError::new(MAPI_E_NOT_FOUND, "the store has no Inbox"))?;
            let id = model.entry_id_of(ObjectKind::Folder, &inbox)?;
            let allocators = model.cx.allocators();
            let id_block = crate::alloc::builders::binary(allocators, &id)?;
            let class_block = if lppszExplicitClass.is_null() {
                None
            } else {
                let explicit = explicit_class(&class);
                Some(if unicode {
                    crate::alloc::builders::unicode(allocators, explicit)?
                } else {
                    crate::alloc::builders::string8(allocators, explicit.as_bytes())?
                })
            };
            // SAFETY: the out-pointers checked non-NULL; the blocks become the caller's.
            unsafe {
                lpcbEntryID.write(id.len() as u32);
                lppEntryID.write(id_block.into_raw().cast());
                if let Some(block) = class_block {
                    lppszExplicitClass.write(block.into_raw().cast());
                }
            }
            Ok(S_OK)
        })())
    }
}
