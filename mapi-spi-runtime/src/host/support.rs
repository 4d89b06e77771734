//! A support object that behaves like MAPI's, for hosts, tests and the harness.
//!
//! [`HostSupport`] implements what MAPI's support object offers a message store that the
//! runtime's stores rely on (`GetMemAllocRoutines`, `SetProviderUID`, `ModifyStatusRow`,
//! `WrapStoreEntryID`, `StoreLogoffTransports`, `OpenProfileSection`, and the notification
//! engine: `Subscribe`, `Unsubscribe`, `Notify`) and leaves every other method to the interface's
//! defaults: `MAPI_E_NO_SUPPORT` (logged), as MAPI does for methods that do not apply, and no
//! error information from `GetLastError`. Like MAPI's, one is made
//! per `Logon`; when the provider gives up its reference, the support object calls
//! `IMSLogon::Logoff` and then `Release` on the store's logon object (reference doc §8.3).
//! Everything it sees is counted in a shared [`SupportLog`].
#![allow(non_snake_case, clippy::too_many_arguments)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use windows_core::HRESULT;

use super::profile::Profile;
use crate::alloc::{AllocatorSet, builders};
use crate::codes::{
    MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT, MAPI_E_NOT_ENOUGH_MEMORY, MAPI_E_NOT_FOUND, S_OK,
};
use crate::com::{ComObject, Forward, InterfaceOut, MethodName, Object};
use crate::flags::LOGOFF_COMPLETE;
use crate::flags::{MAPI_STATUS, MAPI_STORE_PROVIDER};
use crate::interfaces::{IMAPIAdviseSink, IMAPISupport, IMAPISupportImpl, IMSLogon, IProfSect};
use crate::props::value::props_from_raw;
use crate::props::{PropValue, Property};
use crate::sync::lock;
use crate::table::TableData;
use crate::table::notify::Sink;
use crate::tags::{
    PR_DISPLAY_NAME_W, PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_PROVIDER_DISPLAY_W, PR_RESOURCE_TYPE,
    PR_STATUS_CODE, prop_id,
};
use crate::types::{
    ENTRYID, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER, MAPIUID, NOTIFICATION, NOTIFKEY,
    SPropValue,
};
use mapi_spi_macros::mapi_object;

/// The UID MAPI puts in the entry IDs it wraps ([MS-OXCDATA] Store Object EntryID).
pub const STORE_WRAP_UID: MAPIUID = MAPIUID {
    ab: [
        0x38, 0xA1, 0xBB, 0x10, 0x05, 0xE5, 0x10, 0x1A, 0xA1, 0xBB, 0x08, 0x00, 0x2B, 0x2A, 0x56,
        0xC2,
    ],
};

/// The provider's own ID inside an entry ID this host's `WrapStoreEntryID` wrapped (`None`:
/// not one of ours). MAPI's side does this when it opens a store from a profile.
pub fn unwrap_store_entry_id(wrapped: &[u8]) -> Option<&[u8]> {
    // Flags (4), the store-wrap UID (16), version and flag bytes (2), then the DLL name.
    let name_start = 4 + 16 + 2;
    if wrapped.len() <= name_start || wrapped[4..20] != STORE_WRAP_UID.ab {
        return None;
    }
    let nul = wrapped[name_start..].iter().position(|&b| b == 0)?;
    Some(&wrapped[name_start + nul + 1..])
}

/// What the support objects of one session saw, shared with the host.
#[derive(Default, Debug)]
pub struct SupportLog {
    /// Support objects alive: MAPI's reference plus the provider's, if kept.
    pub live: AtomicUsize,
    /// `StoreLogoffTransports` calls, with the flags each got.
    pub logoff_transports: Mutex<Vec<u32>>,
    /// `SetProviderUID` calls.
    pub provider_uids: Mutex<Vec<MAPIUID>>,
    /// `ModifyStatusRow` calls.
    pub status_rows: AtomicUsize,
    /// `IMSLogon::Logoff` calls the support objects made from their final `Release`.
    pub logoffs: AtomicUsize,
    /// `WrapStoreEntryID` calls that returned a buffer.
    pub wrapped: AtomicUsize,
    /// Methods called that this support object does not support.
    pub unsupported: Mutex<Vec<&'static str>>,
    /// The session's status table, as MAPI keeps it from `ModifyStatusRow`: one row per logon
    /// that set one (keyed by `PR_INSTANCE_KEY`), removed when its support object goes.
    pub status: OnceLock<TableData>,
    /// The next status row's instance key.
    next_instance: AtomicUsize,
    /// Set by the host after `DoFastShutdown`: the process is exiting.
    pub exited: AtomicBool,
    /// Calls into support objects (any method, or the final `Release`) after `exited`.
    pub calls_after_exit: AtomicUsize,
    /// The session's notification engine: what `Subscribe` registered, in connection order.
    subscriptions: Mutex<Vec<Subscription>>,
    /// The last connection number given out (the first is 1: 0 is no connection).
    last_connection: AtomicUsize,
    /// `OnNotify` calls made by `Notify`.
    pub notifications: AtomicUsize,
}

/// One `Subscribe`: a sink advised on a key for some events.
struct Subscription {
    connection: usize,
    key: Vec<u8>,
    event_mask: u32,
    sink: Sink,
}

impl core::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Subscription")
            .field("connection", &self.connection)
            .field("key", &self.key)
            .field("event_mask", &self.event_mask)
            .finish_non_exhaustive()
    }
}

impl SupportLog {
    /// The status table, made on first use with `allocators` (the session's).
    fn status_table(&self, allocators: AllocatorSet) -> Option<&TableData> {
        if let Some(table) = self.status.get() {
            return Some(table);
        }
        let columns = vec![
            PR_INSTANCE_KEY,
            PR_DISPLAY_NAME_W,
            PR_PROVIDER_DISPLAY_W,
            PR_RESOURCE_TYPE,
            PR_STATUS_CODE,
            PR_OBJECT_TYPE,
        ];
        let table = TableData::new(PR_INSTANCE_KEY, columns, allocators).ok()?;
        Some(self.status.get_or_init(|| table))
    }

    /// The number of live subscriptions (a store that logs off should leave none).
    pub fn subscriptions(&self) -> usize {
        lock(&self.subscriptions).len()
    }

    /// Counts a call into a support object made after `DoFastShutdown`.
    fn note_call(&self) {
        if self.exited.load(Ordering::SeqCst) {
            self.calls_after_exit.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// What a [`HostSupport`] offers beyond the minimum.
#[derive(Clone, Copy, Debug)]
pub struct SupportOptions {
    /// Whether `WrapStoreEntryID` works (`false`: `MAPI_E_NO_SUPPORT`, to test a provider's
    /// fallback).
    pub wrap_store_entry_id: bool,
}

impl Default for SupportOptions {
    fn default() -> Self {
        Self {
            wrap_store_entry_id: true,
        }
    }
}

/// A MAPI-like support object for one store logon.
#[mapi_object(IMAPISupport)]
pub struct HostSupport {
    log: Arc<SupportLog>,
    allocators: AllocatorSet,
    options: SupportOptions,
    /// The provider DLL's name, as MAPI writes it into wrapped store entry IDs.
    dll_name: String,
    /// The logon object `Logon` returned for this support object's store.
    logon: Mutex<Option<IMSLogon>>,
    /// The profile and the caller's own section, for `OpenProfileSection`.
    profile: Mutex<Option<(Profile, MAPIUID)>>,
    /// This logon's row in the status table, once `ModifyStatusRow` made one.
    status_row: Mutex<Option<Vec<u8>>>,
}

impl HostSupport {
    /// A new support object; the caller holds its one reference (`to_interface` gives the
    /// `IMAPISupport` to pass to `Logon`).
    pub fn create(
        log: &Arc<SupportLog>,
        allocators: AllocatorSet,
        options: SupportOptions,
        dll_name: &str,
    ) -> ComObject<HostSupport> {
        log.live.fetch_add(1, Ordering::SeqCst);
        ComObject::new(HostSupport {
            log: log.clone(),
            allocators,
            options,
            dll_name: dll_name.to_owned(),
            logon: Mutex::new(None),
            profile: Mutex::new(None),
            status_row: Mutex::new(None),
        })
    }

    /// Gives `OpenProfileSection` a profile: `own` is the section a NULL UID opens (the
    /// provider's, or the service's for a service entry).
    pub fn attach_profile(&self, profile: &Profile, own: MAPIUID) {
        *lock(&self.profile) = Some((profile.clone(), own));
    }

    /// Records the logon object `Logon` returned for this support object's store, so that the
    /// support object's final release logs that store off as MAPI does.
    pub fn attach_logon(&self, logon: IMSLogon) {
        *lock(&self.logon) = Some(logon);
    }
}

impl Drop for HostSupport {
    fn drop(&mut self) {
        self.log.note_call();
        // The logon's status row goes with it, as MAPI removes it at logoff.
        if let (Some(key), Some(table)) = (lock(&self.status_row).take(), self.log.status.get()) {
            let _ = table.delete_row(&PropValue::Binary(key));
        }
        let logon = lock(&self.logon).take();
        if let Some(logon) = logon {
            // What MAPI does inside the support object's Release (reference doc §8.3).
            let mut reserved = 0;
            // SAFETY: a valid reserved-flags pointer; `logon` is the live IMSLogon MAPI kept.
            let _ = unsafe { logon.Logoff(&mut reserved) };
            self.log.logoffs.fetch_add(1, Ordering::SeqCst);
            drop(logon);
        }
        self.log.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl IMAPISupportImpl for HostSupport {
    /// Every method left out answers `MAPI_E_NO_SUPPORT`, as MAPI does for methods that do not
    /// apply to the provider; its name is logged.
    fn forward(this: &Object<Self>, method: MethodName) -> Forward<'_, IMAPISupport> {
        this.log.note_call();
        lock(&this.log.unsupported).push(method.0);
        Forward::Defaults
    }

    unsafe fn GetMemAllocRoutines(
        this: &Object<Self>,
        lpAllocateBuffer: *mut LPALLOCATEBUFFER,
        lpAllocateMore: *mut LPALLOCATEMORE,
        lpFreeBuffer: *mut LPFREEBUFFER,
    ) -> HRESULT {
        this.log.note_call();
        if lpAllocateBuffer.is_null() || lpAllocateMore.is_null() || lpFreeBuffer.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: the three out-pointers are not NULL, and writable by the method's contract.
        unsafe {
            lpAllocateBuffer.write(this.allocators.allocate_buffer_fn());
            lpAllocateMore.write(this.allocators.allocate_more_fn());
            lpFreeBuffer.write(this.allocators.free_buffer_fn());
        }
        S_OK
    }

    unsafe fn SetProviderUID(
        this: &Object<Self>,
        lpProviderID: *mut MAPIUID,
        _ulFlags: u32,
    ) -> HRESULT {
        this.log.note_call();
        // SAFETY: `lpProviderID` is NULL or readable, by the method's contract.
        let Some(uid) = (unsafe { lpProviderID.as_ref() }) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        lock(&this.log.provider_uids).push(*uid);
        S_OK
    }

    unsafe fn ModifyStatusRow(
        this: &Object<Self>,
        cValues: u32,
        lpColumnVals: *mut SPropValue,
        _ulFlags: u32,
    ) -> HRESULT {
        this.log.note_call();
        if cValues == 0 || lpColumnVals.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: `cValues` values at `lpColumnVals` (the caller's contract).
        let mut row = match unsafe { props_from_raw(lpColumnVals, cValues) } {
            Ok(row) => row,
            Err(error) => return error.code(),
        };
        let key = lock(&this.status_row)
            .get_or_insert_with(|| {
                let n = this.log.next_instance.fetch_add(1, Ordering::SeqCst) as u32;
                n.to_le_bytes().to_vec()
            })
            .clone();
        // What MAPI adds to the provider's columns.
        row.retain(|p| p.id != prop_id(PR_INSTANCE_KEY) as u16);
        row.push(Property::for_tag(PR_INSTANCE_KEY, PropValue::Binary(key)));
        row.push(Property::for_tag(
            PR_OBJECT_TYPE,
            PropValue::Long(MAPI_STATUS),
        ));
        if !row.iter().any(|p| p.id == prop_id(PR_RESOURCE_TYPE) as u16) {
            row.push(Property::for_tag(
                PR_RESOURCE_TYPE,
                PropValue::Long(MAPI_STORE_PROVIDER),
            ));
        }
        let Some(table) = this.log.status_table(this.allocators) else {
            return MAPI_E_NOT_ENOUGH_MEMORY;
        };
        if let Err(error) = table.modify_row(row) {
            return error.code();
        }
        this.log.status_rows.fetch_add(1, Ordering::SeqCst);
        S_OK
    }

    /// Wraps as MAPI does (reference doc §7.9): flags, the store-wrap UID, a version and a flag
    /// byte, the NUL-terminated DLL name, then the provider's own ID; in one MAPI buffer.
    unsafe fn WrapStoreEntryID(
        this: &Object<Self>,
        original: &[u8],
        lpcbWrappedEntry: *mut u32,
        lppWrappedEntry: *mut *mut ENTRYID,
    ) -> HRESULT {
        this.log.note_call();
        if !this.options.wrap_store_entry_id {
            lock(&this.log.unsupported).push("WrapStoreEntryID");
            return MAPI_E_NO_SUPPORT;
        }
        if original.is_empty() || lpcbWrappedEntry.is_null() || lppWrappedEntry.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // The layout `unwrap_store_entry_id` reads.
        let mut wrapped = vec![0u8; 4];
        wrapped.extend_from_slice(&STORE_WRAP_UID.ab);
        wrapped.extend_from_slice(&[0, 0]);
        wrapped.extend(this.dll_name.bytes().chain([0]));
        wrapped.extend_from_slice(original);
        let block = match builders::binary(&this.allocators, &wrapped) {
            Ok(block) => block,
            Err(error) => return error.code(),
        };
        // SAFETY: the two out-pointers are writable by the method's contract (checked not NULL
        // above).
        unsafe {
            lpcbWrappedEntry.write(block.len() as u32);
            lppWrappedEntry.write(block.into_raw().cast());
        }
        this.log.wrapped.fetch_add(1, Ordering::SeqCst);
        S_OK
    }

    /// The caller's own section for a NULL UID, any section of the profile otherwise, as
    /// [`Profile::open`] answers; `MAPI_E_NO_SUPPORT` without a profile.
    unsafe fn OpenProfileSection(
        this: &Object<Self>,
        lpUid: *mut MAPIUID,
        ulFlags: u32,
        mut lppProfileObj: InterfaceOut<'_, IProfSect>,
    ) -> HRESULT {
        this.log.note_call();
        let Some((profile, own)) = lock(&this.profile).clone() else {
            lock(&this.log.unsupported).push("OpenProfileSection");
            return MAPI_E_NO_SUPPORT;
        };
        // SAFETY: NULL or a MAPIUID (MAPI's contract for the caller).
        let uid = unsafe { lpUid.as_ref() }.copied().unwrap_or(own);
        // SAFETY: NULL asks for the standard interface.
        match unsafe { profile.open(&uid, core::ptr::null(), ulFlags) } {
            Ok(section) => {
                lppProfileObj.set(section);
                S_OK
            }
            Err(code) => code,
        }
    }

    unsafe fn StoreLogoffTransports(this: &Object<Self>, lpulFlags: *mut u32) -> HRESULT {
        this.log.note_call();
        if lpulFlags.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: not NULL, and readable by the method's contract.
        let flags = unsafe { lpulFlags.read() };
        lock(&this.log.logoff_transports).push(flags);
        // SAFETY: not NULL, and writable by the method's contract.
        unsafe { lpulFlags.write(LOGOFF_COMPLETE) };
        S_OK
    }

    /// Registers `lpAdviseSink` for the events in `ulEventMask` under `lpKey`, and AddRefs it
    /// until `Unsubscribe`. Keys are compared as bytes; MAPI leaves their meaning to the
    /// provider.
    unsafe fn Subscribe(
        this: &Object<Self>,
        lpKey: *mut NOTIFKEY,
        ulEventMask: u32,
        _ulFlags: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        lpulConnection: *mut usize,
    ) -> HRESULT {
        this.log.note_call();
        // SAFETY: NULL or a NOTIFKEY with `cb` bytes in `ab` (the caller's contract).
        let (Some(key), Some(sink)) = (unsafe { notif_key_bytes(lpKey) }, lpAdviseSink) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        if ulEventMask == 0 || lpulConnection.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        let connection = this.log.last_connection.fetch_add(1, Ordering::SeqCst) + 1;
        lock(&this.log.subscriptions).push(Subscription {
            connection,
            key,
            event_mask: ulEventMask,
            sink: Sink(sink.clone()),
        });
        // SAFETY: checked not NULL; writable by the method's contract.
        unsafe { lpulConnection.write(connection) };
        S_OK
    }

    /// Forgets a subscription and releases its sink (`MAPI_E_NOT_FOUND` for an unknown one).
    unsafe fn Unsubscribe(this: &Object<Self>, ulConnection: usize) -> HRESULT {
        this.log.note_call();
        let removed = {
            let mut subscriptions = lock(&this.log.subscriptions);
            let at = subscriptions
                .iter()
                .position(|s| s.connection == ulConnection);
            at.map(|at| subscriptions.remove(at))
        };
        // The sink is released here, with no lock held: its Release may call back.
        match removed {
            Some(_) => S_OK,
            None => MAPI_E_NOT_FOUND,
        }
    }

    /// Calls `OnNotify` on every sink subscribed under `lpKey` for each notification's event,
    /// synchronously (MAPI may deliver later, from its own thread; a provider cannot tell the
    /// difference, as the notifications are MAPI's copy either way). `*lpulFlags` is 0: no sink
    /// here asks to cancel.
    unsafe fn Notify(
        this: &Object<Self>,
        lpKey: *mut NOTIFKEY,
        cNotification: u32,
        lpNotifications: *mut NOTIFICATION,
        lpulFlags: *mut u32,
    ) -> HRESULT {
        this.log.note_call();
        // SAFETY: NULL or a NOTIFKEY with `cb` bytes in `ab` (the caller's contract).
        let Some(key) = (unsafe { notif_key_bytes(lpKey) }) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        if cNotification == 0 || lpNotifications.is_null() || lpulFlags.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: `cNotification` notifications at `lpNotifications` (the caller's contract).
        let notifications =
            unsafe { core::slice::from_raw_parts_mut(lpNotifications, cNotification as usize) };
        for notification in notifications.iter_mut() {
            // The sinks to call, AddRef'd, so that none goes while it is called and no lock is
            // held while a sink runs (it may Unsubscribe, or notify again).
            let sinks: Vec<Sink> = lock(&this.log.subscriptions)
                .iter()
                .filter(|s| s.key == key && s.event_mask & notification.ulEventType != 0)
                .map(|s| s.sink.clone())
                .collect();
            for sink in sinks {
                // SAFETY: a live sink (we hold a reference) and one valid notification, which
                // the caller keeps valid across this call.
                unsafe { sink.0.OnNotify(1, notification) };
                this.log.notifications.fetch_add(1, Ordering::SeqCst);
            }
        }
        // SAFETY: checked not NULL; writable by the method's contract.
        unsafe { lpulFlags.write(0) };
        S_OK
    }
}

/// The bytes of a `NOTIFKEY` (`None` for NULL).
///
/// # Safety
/// `key` is NULL or points to a `NOTIFKEY` whose `ab` holds `cb` readable bytes.
unsafe fn notif_key_bytes(key: *const NOTIFKEY) -> Option<Vec<u8>> {
    // SAFETY: NULL or a readable NOTIFKEY, by the contract.
    let cb = unsafe { key.as_ref() }?.cb as usize;
    // SAFETY: `ab` starts `cb` readable bytes (the contract); read through the raw pointer so
    // that the length is not limited by the declared one-byte array.
    let ab = unsafe { core::ptr::addr_of!((*key).ab).cast::<u8>() };
    // SAFETY: as above.
    Some(unsafe { core::slice::from_raw_parts(ab, cb) }.to_vec())
}
