//! [`AttachObject`]: the runtime's `IAttach`, an attachment of a message object's working copy
//! ([`super::message`]).
//!
//! An attachment object works on its own copy of the attachment: its properties (a
//! [`PropertyObject`]: `PR_ATTACH_DATA_BIN` and other large values as streams through
//! `OpenProperty`) and its embedded message. Its `SaveChanges` commits into the message's
//! working copy (the attachment table shows it from then on); the store sees it when the
//! message is saved, as the `CreateAttach` page says. `Release` without `SaveChanges` discards
//! its changes.
//!
//! The runtime owns `PR_ATTACH_NUM` (the attachment's number in the open message),
//! `PR_OBJECT_TYPE`, `PR_ACCESS_LEVEL` and `PR_ATTACH_SIZE` (computed at open and at
//! `SaveChanges`). `PR_RECORD_KEY` is made when an attachment without one is opened or
//! created, and saved with it: stable from the message's next save on. Clients' writes to
//! these are `MAPI_E_COMPUTED` problems ([`super::computed`]), as on messages and folders;
//! the call goes on with their other properties.
//!
//! An embedded message (`ATTACH_EMBEDDED_MSG`) is `OpenProperty(PR_ATTACH_DATA_OBJ,
//! IID_IMessage)`: a message object whose `SaveChanges` commits into this attachment's copy
//! (`MAPI_CREATE` makes a new one, replacing any).

#![allow(non_snake_case)]

use core::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLockWriteGuard};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use super::computed;
use super::message::{
    COMPONENT, MessageCore, MessageObject, SAVE_FLAGS, attachment_row, attachment_size, bag_of,
    clear_out, id_of, invalid, long_size, read_only, set_owned,
};
use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_NOT_FOUND, MAPI_E_OBJECT_DELETED, S_OK};
use crate::com::{ComObject, Forward, MethodName, Object};
use crate::flags::{
    ATTACH_EMBEDDED_MSG, KEEP_OPEN_READWRITE, MAPI_ATTACH, MAPI_BEST_ACCESS, MAPI_CREATE,
    MAPI_DEFERRED_ERRORS, MAPI_MODIFY,
};
use crate::interfaces::{IAttach, IAttachImpl, IMAPIProp, IMAPIPropImpl, IMessage};
use crate::props::object::check_flags;
use crate::props::{ObjectAccess, PropAccess, PropValue, Property, PropertyBag, PropertyObject};
use crate::provider::store::content::{Attachment, Message};
use crate::provider::{LastError, ProviderError, ProviderResult};
use crate::sync::lock;
use crate::tags::*;
use crate::types::{MAPIERROR, SPropProblemArray, SPropTagArray, SPropValue};
use mapi_spi_macros::mapi_object;

/// The properties the runtime sets on an attachment and never stores.
const OWNED: &[u32] = &[PR_ATTACH_NUM, PR_OBJECT_TYPE, PR_ACCESS_LEVEL];

/// The properties the runtime sets on an attachment, stored or not: clients' writes to them
/// are `MAPI_E_COMPUTED` problems.
const COMPUTED: &[u32] = &[
    PR_ATTACH_NUM,
    PR_OBJECT_TYPE,
    PR_ACCESS_LEVEL,
    PR_ATTACH_SIZE,
    PR_RECORD_KEY,
];

/// An attachment's working copy, besides its properties.
struct AttachState {
    writable: bool,
    /// Created and not yet saved into the message.
    new: bool,
    /// The embedded message, as last saved into the attachment.
    embedded: Option<Message>,
}

/// What an attachment object and the embedded message opened from it share.
pub(crate) struct AttachCore {
    pub(super) parent: Arc<MessageCore>,
    num: u32,
    props: ComObject<PropertyObject>,
    props_itf: IMAPIProp,
    state: Mutex<AttachState>,
    last_error: LastError,
}

/// The runtime's `IAttach`; see the module documentation.
#[mapi_object(IAttach)]
pub(crate) struct AttachObject {
    core: Arc<AttachCore>,
}

/// A record key no other attachment has: the time and a counter of this process.
fn new_record_key() -> Vec<u8> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let count = NEXT.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64);
    [now.to_le_bytes(), count.to_le_bytes()].concat()
}

impl AttachObject {
    /// Attachment `num` of `parent`'s working copy, `attachment` as it is there (or empty for
    /// a `new` one).
    pub(super) fn open(
        parent: &Arc<MessageCore>,
        num: u32,
        attachment: Attachment,
        writable: bool,
        new: bool,
    ) -> IAttach {
        let owned: Vec<u16> = OWNED.iter().map(|&tag| id_of(tag)).collect();
        let mut bag = bag_of(
            attachment
                .props
                .into_iter()
                .filter(|p| !owned.contains(&p.id) && p.value.prop_type() != PT_OBJECT),
        );
        if bag.get(id_of(PR_RECORD_KEY)).is_none() {
            set_owned(&mut bag, PR_RECORD_KEY, PropValue::Binary(new_record_key()));
        }
        let model = &parent.model;
        let props = ComObject::new(
            PropertyObject::new(bag, *model.cx.allocators()).with_names(model.names.clone()),
        );
        let core = Arc::new(AttachCore {
            parent: parent.clone(),
            num,
            props_itf: props.to_interface(),
            props,
            state: Mutex::new(AttachState {
                writable,
                new,
                embedded: attachment.embedded.map(|message| *message),
            }),
            last_error: LastError::new(COMPONENT),
        });
        core.refresh(&lock(&core.state));
        ComObject::new(AttachObject { core }).into_interface()
    }
}

impl AttachCore {
    /// The runtime's properties, brought up to date with `state`.
    fn refresh(&self, state: &AttachState) {
        let size = attachment_size(&self.snapshot(state));
        let mut bag = self.props.bag_mut();
        set_owned(&mut bag, PR_ATTACH_NUM, PropValue::Long(self.num));
        set_owned(&mut bag, PR_OBJECT_TYPE, PropValue::Long(MAPI_ATTACH));
        let access_level = if state.writable { MAPI_MODIFY } else { 0 };
        set_owned(&mut bag, PR_ACCESS_LEVEL, PropValue::Long(access_level));
        set_owned(&mut bag, PR_ATTACH_SIZE, long_size(size));
        if state.embedded.is_some() {
            // PR_ATTACH_DATA_OBJ shares its ID with PR_ATTACH_DATA_BIN: the data is the
            // message now.
            let _ = bag.insert(
                Property::for_tag(PR_ATTACH_DATA_OBJ, PropValue::Object),
                PropAccess::READ_ONLY,
            );
        }
        bag.set_object_access(if state.writable {
            ObjectAccess::ReadWrite
        } else {
            ObjectAccess::ReadOnly
        });
    }

    /// The attachment as the message keeps it.
    fn snapshot(&self, state: &AttachState) -> Attachment {
        let owned: Vec<u16> = OWNED.iter().map(|&tag| id_of(tag)).collect();
        let props = self
            .props
            .bag()
            .iter()
            .filter(|p| !owned.contains(&p.id) && p.value.prop_type() != PT_OBJECT)
            .cloned()
            .collect();
        Attachment {
            props,
            embedded: state.embedded.clone().map(Box::new),
        }
    }

    /// An embedded message's `SaveChanges`: `message` becomes the attachment's.
    pub(super) fn commit_embedded(&self, message: Message) -> ProviderResult<()> {
        let mut state = lock(&self.state);
        if !state.writable {
            return Err(read_only());
        }
        state.embedded = Some(message);
        {
            let mut bag = self.props.bag_mut();
            if bag.get(id_of(PR_ATTACH_METHOD)).is_none() {
                let method =
                    Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG));
                let _ = bag.insert(method, PropAccess::READ_WRITE);
            }
        }
        self.refresh(&state);
        Ok(())
    }

    /// `SaveChanges`: the attachment joins (or replaces its old self in) the message's
    /// working copy. `MAPI_E_OBJECT_DELETED` when `DeleteAttach` removed it meanwhile,
    /// `MAPI_E_NO_ACCESS` when the message is no longer writable.
    fn save(&self, flags: u32) -> ProviderResult<HRESULT> {
        check_flags(flags, SAVE_FLAGS)?;
        let mut state = lock(&self.state);
        if !state.writable {
            return Err(read_only());
        }
        self.refresh(&state);
        let mut attachment = self.snapshot(&state);
        attachment.props.retain(|p| p.id != id_of(PR_ATTACH_SIZE));
        let size = attachment_size(&attachment);
        attachment
            .props
            .push(Property::for_tag(PR_ATTACH_SIZE, long_size(size)));
        {
            let parent = &self.parent;
            let mut working = parent.working();
            if !working.writable {
                return Err(read_only());
            }
            if !state.new && !working.attachments.contains_key(&self.num) {
                return Err(ProviderError::new(
                    MAPI_E_OBJECT_DELETED,
                    format!("attachment {} was deleted from the message", self.num),
                ));
            }
            let row = attachment_row(self.num, &attachment);
            working.attachments.insert(self.num, attachment);
            // A row the engine refuses stays out of the table; the attachment is kept.
            let _ = parent.attachment_table.modify_row(row);
            parent.refresh(&working);
        }
        state.new = false;
        state.writable = flags & KEEP_OPEN_READWRITE != 0;
        self.refresh(&state);
        Ok(S_OK)
    }

    /// Runs a method's `body`, keeping a failure for `GetLastError`.
    fn answer(&self, body: impl FnOnce() -> ProviderResult<HRESULT>) -> HRESULT {
        self.last_error.answer(body())
    }

    /// `OpenProperty(PR_ATTACH_DATA_OBJ)`: the embedded message.
    fn open_embedded(self: &Arc<Self>, iid: Option<&GUID>, flags: u32) -> ProviderResult<IMessage> {
        check_flags(
            flags,
            MAPI_MODIFY | MAPI_CREATE | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS,
        )?;
        let iid = iid.ok_or_else(|| invalid("OpenProperty: lpiid is NULL"))?;
        if ![IMessage::IID, IMAPIProp::IID, IUnknown::IID].contains(iid) {
            return Err(ProviderError::new(
                MAPI_E_INTERFACE_NOT_SUPPORTED,
                "PR_ATTACH_DATA_OBJ opens as IMessage (OLE storages are not supported)",
            ));
        }
        let state = lock(&self.state);
        let wants_write = flags & (MAPI_MODIFY | MAPI_CREATE) != 0;
        if wants_write && !state.writable {
            return Err(read_only());
        }
        let message = if flags & MAPI_CREATE != 0 {
            None
        } else {
            let embedded = state.embedded.clone().ok_or_else(|| {
                ProviderError::new(MAPI_E_NOT_FOUND, "the attachment has no embedded message")
            })?;
            Some(embedded)
        };
        let writable = wants_write || (flags & MAPI_BEST_ACCESS != 0 && state.writable);
        drop(state);
        Ok(MessageObject::embedded(self, message, writable))
    }
}

impl IMAPIPropImpl for AttachObject {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.core.props_itf)
    }

    /// The last failure of the attachment's own methods when `hResult` is its code, else the
    /// property object's.
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        let core = &this.core;
        let allocators = core.parent.model.cx.allocators();
        // SAFETY: the caller's out-pointer, NULL or writable.
        unsafe {
            core.last_error.get_last_error_or(
                &core.props_itf,
                hResult,
                ulFlags,
                allocators,
                lppMAPIError,
            )
        }
    }

    /// The property engine's `SetProps`, but each of the runtime's properties is a
    /// `MAPI_E_COMPUTED` problem; `MAPI_E_NO_ACCESS` on an attachment open read-only.
    unsafe fn SetProps(
        this: &Object<Self>,
        cValues: u32,
        lpPropArray: *mut SPropValue,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let core = &this.core;
        // SAFETY: the caller's arguments, under SetProps's contract.
        core.answer(|| unsafe { computed::set_props(&**core, cValues, lpPropArray, lppProblems) })
    }

    /// The property engine's `DeleteProps`, but each of the runtime's properties is a
    /// `MAPI_E_COMPUTED` problem; `MAPI_E_NO_ACCESS` on an attachment open read-only.
    unsafe fn DeleteProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let core = &this.core;
        // SAFETY: the caller's arguments, under DeleteProps's contract.
        core.answer(|| unsafe { computed::delete_props(&**core, lpPropTagArray, lppProblems) })
    }

    /// Commits into the message's working copy; see the module documentation.
    unsafe fn SaveChanges(this: &Object<Self>, ulFlags: u32) -> HRESULT {
        this.core.answer(|| this.core.save(ulFlags))
    }

    /// `PR_ATTACH_DATA_OBJ` with `IID_IMessage`: the embedded message (`MAPI_CREATE`: a new
    /// one; `MAPI_E_NOT_FOUND` without it when there is none, `MAPI_E_NO_ACCESS` for write
    /// access to a read-only attachment, `MAPI_E_INTERFACE_NOT_SUPPORTED` for another
    /// interface). Every other property as the property object opens it (streams).
    unsafe fn OpenProperty(
        this: &Object<Self>,
        ulPropTag: u32,
        lpiid: *const GUID,
        ulInterfaceOptions: u32,
        ulFlags: u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        let core = &this.core;
        if prop_id(ulPropTag) != prop_id(PR_ATTACH_DATA_OBJ) || prop_type(ulPropTag) != PT_OBJECT {
            // SAFETY: the caller's arguments, passed on under the same contract.
            return unsafe {
                core.props_itf
                    .OpenProperty(ulPropTag, lpiid, ulInterfaceOptions, ulFlags, lppUnk)
            };
        }
        core.answer(|| {
            // SAFETY: the caller's out-pointer, NULL or writable.
            unsafe { clear_out(lppUnk) }?;
            // SAFETY: NULL or a GUID (the caller's contract).
            let message = core.open_embedded(unsafe { lpiid.as_ref() }, ulFlags)?;
            // SAFETY: checked non-NULL; the new reference is the caller's.
            unsafe { lppUnk.write(message.into_raw()) };
            Ok(S_OK)
        })
    }
}

impl IAttachImpl for AttachObject {}

impl computed::SharedBag for AttachCore {
    fn is_computed(tag: u32) -> bool {
        COMPUTED.iter().any(|&c| id_of(c) == id_of(tag))
    }

    fn writable(&self) -> bool {
        lock(&self.state).writable
    }

    fn allocators(&self) -> &AllocatorSet {
        self.parent.model.cx.allocators()
    }

    fn bag_mut(&self) -> RwLockWriteGuard<'_, PropertyBag> {
        self.props.bag_mut()
    }
}
