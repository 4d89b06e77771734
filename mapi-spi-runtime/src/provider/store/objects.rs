//! The COM objects of the lifecycle: the provider object (`IMSProvider`), and per open store a
//! store object (`IMsgStore`) and a logon object (`IMSLogon`) sharing one [`StoreShared`]. Both
//! contain the provider's own store object (a [`MessageStore`]) and pass it every call they do
//! not answer themselves, through `forward`: nothing here restates a store method.
//!
//! Store and logon are two objects with two reference counts, not one object with two
//! interfaces: MAPI holds the logon until the support object's `Release`, which the store's own
//! final `Release` triggers, so one count would never reach zero. They are one allocation,
//! though, with their shared state, the store's [`StoreContext`] and the provider's store object
//! (a [`Pair`] whose kept part is the context and whose hosted object is the provider's store, as
//! a C store keeps them): the objects and the shared state go when both counts reached zero and
//! the registry let go of the store; the provider's store object when its own count does; the
//! context and the block go with the last of those and of the [`StoreRef`]s (the provider's
//! objects may hold one, or its store object, longer).
//!
//! Shutdown of one store (reference doc §8.3):
//! 1. `IMsgStore::StoreLogoff` saves its flags;
//! 2. the store's last `Release` calls `IMAPISupport::StoreLogoffTransports` with them (or
//!    `LOGOFF_ABORT`) and then `Release`s the support object: each exactly once, because the
//!    support reference is taken out of its slot first;
//! 3. inside that `Release`, MAPI calls `IMSLogon::Logoff` (removes the store from the registry
//!    and invalidates it: idempotent) and then `IMSLogon::Release`.
//!
//! No lock is held while MAPI or provider code runs.
//!
//! A logoff never runs the provider's [`MessageStore::logoff`] while a call into that store runs
//! (on another thread, or further up this one's stack): each call is admitted by the store's
//! `CallGate`, the logoff closes it (later calls get `MAPI_E_INVALID_OBJECT`), and whichever
//! ends last, the logoff or the last call admitted before it, runs the provider's logoff. Nothing
//! blocks: waiting in `Logoff` for a call that waits for MAPI could deadlock.
#![allow(non_snake_case, clippy::too_many_arguments)]

use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use windows_core::{GUID, HRESULT, Interface};

use super::identity;
use super::message_store::{EntryIdBuf, MessageStore, StoreContext, StoreRef, SupportSlot};
use super::registry::{Registered, Registry, StoreKey};
use super::spool::SpoolKeys;
use super::{LogonRequest, SpoolSecurity, StoreLogon, StoreProvider};
use crate::alloc::{AllocatorSet, RootBuf};
use crate::codes::{
    MAPI_E_CALL_FAILED, MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_INVALID_OBJECT,
    MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT, S_OK,
};
use crate::com::abi::guard;
use crate::com::interface::same_iid;
use crate::com::object::interface_slot;
use crate::com::{
    CallEnd, CallGuard, ComObject, First, Forward, MethodName, Object, Pair, PairRef, Parts,
    Second, Shared,
};
use crate::flags::{LOGOFF_ABORT, MAPI_UNICODE, MDB_NO_DIALOG};
use crate::interfaces::ole::Malloc;
use crate::interfaces::{
    IMAPIAdviseSink, IMAPIProp, IMAPIPropImpl, IMAPIProviderShutdown, IMAPIProviderShutdownImpl,
    IMAPISupport, IMSLogon, IMSLogonImpl, IMSProvider, IMSProviderImpl, IMsgStore, IMsgStoreImpl,
};
use crate::provider::{LastError, ProviderContext, ProviderError, ProviderResult, no_error_info};
use crate::sync::{CallGate, lock};
use crate::types::{LPTSTR, MAPIERROR};
use mapi_spi_macros::mapi_object;

/// Set in `StoreShared::saved_logoff_flags` above the 32 bits of the flags `StoreLogoff` saved.
const LOGOFF_SAVED: u64 = 1 << 32;

/// What a store and its logon object share: the third part of their [`Pair`], whose kept part
/// is the store's context.
pub struct StoreShared<S: MessageStore> {
    /// The context in this very block, as a view ([`StoreRef::view`]): the pair's own hold on it
    /// outlives this state, so it takes no count of its own.
    cx: ManuallyDrop<StoreRef>,
    /// The provider's store object, which answers everything the runtime does not.
    inner: ComObject<S>,
    /// `inner` as `IMsgStore`, the interface calls are forwarded to: a view of `inner`'s
    /// reference, which lives as long (no count of its own to take and give back per logon).
    inner_store: ManuallyDrop<IMsgStore>,
    /// `inner` as `IMSLogon`, where the provider's store implements it: a view as `inner_store`
    /// is, found as QueryInterface would find it, without calling it.
    inner_logon: Option<ManuallyDrop<IMSLogon>>,
    /// The provider object's session: the registry to leave at logoff, and whether MAPI is gone.
    session: Arc<Session<S>>,
    /// Admits the calls into the store until the first logoff, after which every method answers
    /// `MAPI_E_INVALID_OBJECT`; the provider's [`MessageStore::logoff`] runs once no admitted
    /// call is running, by whoever is last: the logoff, or the call that ends after it.
    gate: CallGate,
    /// `StoreLogoff`'s flags, with `LOGOFF_SAVED` once it ran: an atomic, not a lock.
    saved_logoff_flags: AtomicU64,
}

/// What a provider object shares with its open stores. A store holds it until it goes (one
/// count, where a weak registry and a shared flag took three per logon and two more at logoff);
/// the registry's hold on the store ends when the store closes, and `Shutdown` closes them all.
struct Session<S: MessageStore> {
    registry: Registry<PairRef<StoreShared<S>>>,
    /// Set for the whole session by `DoFastShutdown`: no call into MAPI any more.
    mapi_gone: AtomicBool,
}

impl<S: MessageStore> StoreShared<S> {
    /// Where the calls the runtime does not answer go: `MAPI_E_INVALID_OBJECT` once the store is
    /// logged off, else the provider's store (`to`), or the defaults where it has no such
    /// interface.
    fn forward<'a, I>(&'a self, to: Option<&'a I>) -> Forward<'a, I> {
        let Some(admitted) = self.admit() else {
            return Forward::Fail(MAPI_E_INVALID_OBJECT);
        };
        match to {
            Some(to) => Forward::Guarded(to, admitted),
            None => Forward::Defaults,
        }
    }

    /// Runs a method of the runtime's own, or answers `MAPI_E_INVALID_OBJECT` once the store is
    /// logged off.
    fn call(&self, method: impl FnOnce() -> HRESULT) -> HRESULT {
        let Some(_admitted) = self.admit() else {
            return MAPI_E_INVALID_OBJECT;
        };
        method()
    }

    /// Admits a call through the gate, unless the store is logged off: the guard leaves it when
    /// dropped, even by a panic's unwinding.
    fn admit(&self) -> Option<CallGuard<'_>> {
        self.gate.enter().then(|| CallGuard::new(self))
    }

    /// As [`Self::call`], for a call passed on to the provider's `method`
    /// (`"IMsgStore::OpenEntry"`): a bare failure is kept as the forwarded calls' are
    /// ([`CallEnd::failed`]).
    fn forwarded(&self, method: &'static str, call: impl FnOnce() -> HRESULT) -> HRESULT {
        let Some(admitted) = self.admit() else {
            return MAPI_E_INVALID_OBJECT;
        };
        let code = call();
        admitted.returned(method, code);
        code
    }

    /// `GetLastError` on the store or the logon object, when `hResult` is the code of the
    /// store's last failure: its description when it came with one ([`StoreContext::fail`], or
    /// the runtime's own failures); else the description of the provider's object (`provider`:
    /// its own `GetLastError`, which may describe the failure of an object it forwards to, such
    /// as a property object), when it gives one; else, for a forwarded call that failed with a
    /// bare code, the method and the code. `S_OK` with NULL for any other code (unless the
    /// provider's object describes it).
    fn get_last_error(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
        provider: impl FnOnce() -> HRESULT,
    ) -> HRESULT {
        self.call(|| {
            let cell = &self.cx.last_error;
            let ours = || {
                // SAFETY: `lppMAPIError` is the caller's, NULL or writable.
                unsafe { cell.get_last_error(hResult, ulFlags, &self.cx.allocators, lppMAPIError) }
            };
            if lppMAPIError.is_null() || cell.explains(hResult) {
                return ours();
            }
            // SAFETY: not NULL (checked) and writable (the caller's contract): NULL until the
            // provider writes a description.
            unsafe { lppMAPIError.write(core::ptr::null_mut()) };
            let answer = provider();
            // SAFETY: as above; the provider left NULL or its own MAPIERROR there.
            let described = !unsafe { lppMAPIError.read() }.is_null();
            if !described && cell.describes(hResult) {
                ours()
            } else {
                answer
            }
        })
    }

    /// Gives up the store's support reference, once (a teardown comes here up to four times):
    /// with `StoreLogoffTransports` first when the store itself is going away. The Release
    /// follows, unless a `StoreContext::support` on another thread is taking a reference at
    /// that moment: then its end releases it.
    fn release_support(&self, logoff_transports: bool) {
        // After DoFastShutdown the process is exiting: not even Release goes to MAPI.
        let forget = self.session.mapi_gone.load(Ordering::Acquire);
        self.cx.support.give_up(forget, |support| {
            if !logoff_transports {
                return;
            }
            let saved = self.saved_logoff_flags.load(Ordering::Acquire);
            let mut flags = if saved & LOGOFF_SAVED != 0 {
                saved as u32
            } else {
                LOGOFF_ABORT
            };
            // The result only tells which transports finished; nothing is left to do either way.
            // SAFETY: a valid in/out flags pointer; `support` is the store's live reference.
            let _ = unsafe { support.StoreLogoffTransports(&mut flags) };
        });
    }

    /// Closes the store without calling MAPI: out of the registry, invalid from now on, and the
    /// provider's [`MessageStore::logoff`], once. Idempotent.
    #[inline]
    fn close(&self) {
        // A store's teardown closes it up to three times (IMSLogon::Logoff, the last Release
        // of each object): only the first has anything to do (a close racing it on another
        // thread does it again, harmlessly), and the others are this load alone, inlined where
        // they are made, without the frame the work below sets up.
        if self.gate.is_closed() {
            return;
        }
        self.close_now();
    }

    /// [`Self::close`]'s work, the first time.
    #[inline(never)]
    fn close_now(&self) {
        let now = self.gate.close();
        // Never the block's last hold: the caller's object or handle holds it too.
        drop(self.session.registry.remove(self));
        if now {
            store_logoff(&self.inner);
        }
    }

    /// `IMSLogon::Logoff`, and the end of any path that closes the store: [`Self::close`], then
    /// the support reference goes, even if the provider's logoff panicked. Idempotent.
    fn logoff(&self) {
        self.close();
        self.release_support(false);
    }
}

/// A new reference to the store object of `shared`, unless it is gone or going (its count
/// reached zero).
fn upgrade<S: MessageStore>(shared: &PairRef<StoreShared<S>>) -> Option<IMsgStore> {
    shared.first().try_to_interface()
}

/// The store object's last `Release` and the logon object's, in the §8.3 order.
impl<S: MessageStore> Shared for StoreShared<S> {
    type First = StoreObject<S>;
    type Second = LogonObject<S>;
    type Kept = StoreContext;
    type Hosted = S;

    /// `StoreLogoffTransports` and the support object's `Release`, inside which MAPI re-enters
    /// `IMSLogon::Logoff`; then the logoff, if MAPI did not. The support reference is given up
    /// by then, so the close is all of the logoff that is left.
    fn first_released(&self) {
        self.release_support(true);
        self.close();
    }

    /// MAPI calls Logoff before the final Release; a host that does not still closes the store.
    fn second_released(&self) {
        self.logoff();
    }
}

impl<S: MessageStore> Registered for StoreShared<S> {
    fn key(&self) -> &StoreKey {
        &self.cx.store_key
    }
}

/// The end of a call admitted by the gate: the last one out after a logoff runs the provider's.
/// A forwarded call that fails without keeping a description ([`StoreContext::fail`]) is kept
/// as the store's last error by its method and code (`LastError::fail_unexplained`).
impl<S: MessageStore> CallEnd for StoreShared<S> {
    fn end(&self) {
        if self.gate.leave() {
            store_logoff(&self.inner);
        }
    }

    fn started(&self) -> u64 {
        self.cx.last_error.explained()
    }

    fn failed(&self, started: u64, method: &'static str, code: HRESULT) {
        self.cx.last_error.fail_unexplained(started, method, code);
    }
}

/// The provider's [`MessageStore::logoff`], a panic in it reported and stopped here, so that the
/// cleanup after it still runs.
fn store_logoff<S: MessageStore>(store: &Object<S>) {
    let _ = crate::com::abi::guard::<S, _>("MessageStore::logoff", || S::logoff(store));
}

/// The `IMsgStore` object of an open store: the first of its pair, whose last `Release` is
/// [`StoreShared::first_released`].
#[mapi_object(IMsgStore, home = First<StoreShared<S>>)]
pub struct StoreObject<S: MessageStore>(PhantomData<S>);

impl<S: MessageStore> StoreObject<S> {
    fn shared(this: &Object<Self>) -> &StoreShared<S> {
        Pair::first_shared(this)
    }
}

/// The `IMSLogon` object of an open store, held by MAPI: the second of its pair.
#[mapi_object(IMSLogon, home = Second<StoreShared<S>>)]
pub struct LogonObject<S: MessageStore>(PhantomData<S>);

impl<S: MessageStore> LogonObject<S> {
    fn shared(this: &Object<Self>) -> &StoreShared<S> {
        Pair::second_shared(this)
    }
}

impl<S: MessageStore> IMAPIPropImpl for StoreObject<S> {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        let shared = Self::shared(this);
        shared.forward(Some(&shared.inner_store))
    }

    /// The store's last failure, else the provider's `IMAPIProp::GetLastError`.
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        let shared = Self::shared(this);
        let inner = &shared.inner_store;
        shared.get_last_error(hResult, ulFlags, lppMAPIError, || {
            // SAFETY: the caller's arguments, passed on under the same contract.
            unsafe { inner.GetLastError(hResult, ulFlags, lppMAPIError) }
        })
    }
}

impl<S: MessageStore> IMsgStoreImpl for StoreObject<S> {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMsgStore> {
        let shared = Self::shared(this);
        shared.forward(Some(&shared.inner_store))
    }

    /// Saves the flags for `StoreLogoffTransports` at the final `Release`; a later call
    /// overwrites them.
    unsafe fn StoreLogoff(this: &Object<Self>, lpulFlags: *mut u32) -> HRESULT {
        let shared = Self::shared(this);
        if lpulFlags.is_null() {
            return no_logoff_flags(&shared.cx);
        }
        // No provider code runs here, so the call needs no turn through the gate (two atomic
        // operations): a logged-off store is told by the gate's state alone.
        if shared.gate.is_closed() {
            return MAPI_E_INVALID_OBJECT;
        }
        // SAFETY: not NULL, and readable by the method's contract.
        let flags = unsafe { lpulFlags.read() };
        shared
            .saved_logoff_flags
            .store(LOGOFF_SAVED | u64::from(flags), Ordering::Release);
        S_OK
    }
}

/// `StoreLogoff`'s answer to a NULL `lpulFlags`, out of line: inline, building the error made
/// every call set up a stack frame for it.
#[cold]
#[inline(never)]
fn no_logoff_flags(cx: &StoreContext) -> HRESULT {
    cx.fail(ProviderError::new(
        MAPI_E_INVALID_PARAMETER,
        "StoreLogoff: lpulFlags is NULL",
    ))
}

/// `IMSLogon` methods that `IMsgStore` has too are answered by the provider's `IMsgStore`; the
/// others by its `IMSLogon`, where it implements one, or by their defaults.
impl<S: MessageStore> IMSLogonImpl for LogonObject<S> {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMSLogon> {
        let shared = Self::shared(this);
        shared.forward(shared.inner_logon.as_deref())
    }

    /// The store's last failure (the logon's methods reach the same store methods as the
    /// store object's), else the provider's `IMSLogon::GetLastError`, where it has one.
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        let shared = Self::shared(this);
        shared.get_last_error(hResult, ulFlags, lppMAPIError, || {
            match shared.inner_logon.as_deref() {
                // SAFETY: the caller's arguments, passed on under the same contract.
                Some(inner) => unsafe { inner.GetLastError(hResult, ulFlags, lppMAPIError) },
                // SAFETY: `lppMAPIError` is the caller's, not NULL (checked) and writable.
                None => unsafe { no_error_info(lppMAPIError) },
            }
        })
    }

    /// Removes the store from the registry, invalidates it (a client still holding it gets
    /// `MAPI_E_INVALID_OBJECT`) and releases the support object if the store still held it.
    unsafe fn Logoff(this: &Object<Self>, _lpulFlags: *mut u32) -> HRESULT {
        Self::shared(this).logoff();
        S_OK
    }

    unsafe fn OpenEntry(
        this: &Object<Self>,
        lpEntryID: &[u8],
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulObjType: *mut u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        let shared = Self::shared(this);
        // SAFETY: the caller's arguments, passed on under the same contract.
        shared.forwarded("IMsgStore::OpenEntry", || unsafe {
            shared
                .inner_store
                .OpenEntry(lpEntryID, lpInterface, ulFlags, lpulObjType, lppUnk)
        })
    }

    unsafe fn CompareEntryIDs(
        this: &Object<Self>,
        lpEntryID1: &[u8],
        lpEntryID2: &[u8],
        ulFlags: u32,
        lpulResult: *mut u32,
    ) -> HRESULT {
        let shared = Self::shared(this);
        // SAFETY: the caller's arguments, passed on under the same contract.
        shared.forwarded("IMsgStore::CompareEntryIDs", || unsafe {
            shared
                .inner_store
                .CompareEntryIDs(lpEntryID1, lpEntryID2, ulFlags, lpulResult)
        })
    }

    unsafe fn Advise(
        this: &Object<Self>,
        lpEntryID: &[u8],
        ulEventMask: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        lpulConnection: *mut usize,
    ) -> HRESULT {
        let shared = Self::shared(this);
        // SAFETY: the caller's arguments, passed on under the same contract.
        shared.forwarded("IMsgStore::Advise", || unsafe {
            shared
                .inner_store
                .Advise(lpEntryID, ulEventMask, lpAdviseSink, lpulConnection)
        })
    }

    unsafe fn Unadvise(this: &Object<Self>, ulConnection: usize) -> HRESULT {
        let shared = Self::shared(this);
        // SAFETY: the caller's argument, passed on under the same contract.
        shared.forwarded("IMsgStore::Unadvise", || unsafe {
            shared.inner_store.Unadvise(ulConnection)
        })
    }
}

/// The `IMSProvider` object `MSProviderInit` returns: one per MAPI session.
#[mapi_object(IMSProvider, IMAPIProviderShutdown)]
pub struct ProviderObject<P: StoreProvider> {
    provider: P,
    allocators: AllocatorSet,
    /// The registry of open stores and the fast-shutdown flag, which the stores share.
    session: Arc<Session<P::Store>>,
    /// `lpMalloc`, AddRef'd at init; released once, at `Shutdown` or when the object goes.
    malloc: Mutex<Malloc>,
    shut_down: AtomicBool,
    /// `IMAPIProviderShutdown` progress.
    /// A `FastShutdown`, an atomic: every logon reads it.
    fast_shutdown: AtomicU8,
    /// The profile's spool security key, keyed for the HMAC once for the session's logons, and
    /// its last seal.
    spool_keys: SpoolKeys,
}

/// Where `IMAPIProviderShutdown`'s sequence stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum FastShutdown {
    Running,
    /// `NotifyProcessShutdown`: new logons are refused.
    Notified,
    /// `DoFastShutdown` returned.
    Done,
}

impl<P: StoreProvider> ProviderObject<P> {
    pub(crate) fn new(provider: P, context: &ProviderContext, malloc: Malloc) -> Self {
        Self {
            provider,
            allocators: context.allocators,
            session: Arc::new(Session {
                registry: Registry::default(),
                mapi_gone: AtomicBool::new(false),
            }),
            malloc: Mutex::new(malloc),
            shut_down: AtomicBool::new(false),
            fast_shutdown: AtomicU8::new(FastShutdown::Running as u8),
            spool_keys: SpoolKeys::default(),
        }
    }

    /// How many stores are open in this session.
    pub fn open_stores(&self) -> usize {
        self.session.registry.len()
    }

    /// Gives up the IMalloc reference, once; after `DoFastShutdown` without calling MAPI.
    fn release_malloc(&self) {
        let malloc = core::mem::take(&mut *lock(&self.malloc));
        if self.session.mapi_gone.load(Ordering::Acquire) {
            core::mem::forget(malloc);
        }
    }
}

impl<P: StoreProvider> Drop for ProviderObject<P> {
    fn drop(&mut self) {
        self.release_malloc();
    }
}

/// Fast shutdown, as "Fast Shutdown Overview" and the `IMAPIProviderShutdown` pages describe
/// it: Outlook asks, warns, then lets each provider save before the process exits with no
/// `Logoff` or `Shutdown`. After `DoFastShutdown` the runtime makes no call into MAPI: support
/// objects and the IMalloc are left as they are (not released) when MAPI's references go.
impl<P: StoreProvider> IMAPIProviderShutdownImpl for ProviderObject<P> {
    /// `S_OK` unless the provider says it cannot ([`StoreProvider::supports_fast_shutdown`]):
    /// then `MAPI_E_NO_SUPPORT`, and Outlook waits for the usual logoff.
    unsafe fn QueryFastShutdown(this: &Object<Self>) -> HRESULT {
        if this.provider.supports_fast_shutdown() {
            S_OK
        } else {
            MAPI_E_NO_SUPPORT
        }
    }

    /// From here on new logons are refused (`MAPI_E_CALL_FAILED`): the process is ending.
    unsafe fn NotifyProcessShutdown(this: &Object<Self>) -> HRESULT {
        // Only from Running: a later stage stays.
        let _ = this.fast_shutdown.compare_exchange(
            FastShutdown::Running as u8,
            FastShutdown::Notified as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        S_OK
    }

    /// Flushes every open store ([`MessageStore::flush`]), then the provider
    /// ([`StoreProvider::fast_shutdown`]); every step runs even if an earlier one failed, and
    /// the first failure is the answer. Once is enough: a second call answers `S_OK`.
    unsafe fn DoFastShutdown(this: &Object<Self>) -> HRESULT {
        if this
            .fast_shutdown
            .swap(FastShutdown::Done as u8, Ordering::AcqRel)
            == FastShutdown::Done as u8
        {
            return S_OK;
        }
        this.session.mapi_gone.store(true, Ordering::Release);
        // Each step under its own guard: a panic in one is reported and the others still run.
        let mut first_error = None;
        let mut note = |outcome: Option<ProviderResult<()>>| match outcome {
            Some(Ok(())) => {}
            Some(Err(error)) => {
                first_error.get_or_insert(error.code);
            }
            None => {
                first_error.get_or_insert(MAPI_E_CALL_FAILED);
            }
        };
        for shared in this.session.registry.snapshot() {
            note(guard::<P::Store, _>("MessageStore::flush", || {
                P::Store::flush(&shared.inner)
            }));
        }
        note(guard::<P, _>("StoreProvider::fast_shutdown", || {
            this.provider.fast_shutdown()
        }));
        match first_error {
            Some(code) if code.is_err() => code,
            _ => S_OK,
        }
    }
}

/// Writes `value` through an optional out-pointer.
///
/// # Safety
///
/// `out` is NULL or valid for a write of `T`.
unsafe fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: not NULL, so writable (this function's contract).
        unsafe { out.write(value) };
    }
}

/// The arguments `Logon` and `SpoolerLogon` share, as MAPI passed them (after the NULL checks).
struct LogonCall<'a> {
    support: &'a IMAPISupport,
    ui_param: usize,
    profile_name: LPTSTR,
    entry_id: &'a [u8],
    flags: u32,
    interface: Option<&'a GUID>,
    spooler: bool,
    lppMAPIError: *mut *mut MAPIERROR,
}

/// What the two logon entry points take, after the checks.
struct LogonArgs<'r, 'a> {
    request: &'r LogonRequest<'a>,
    lppMAPIError: *mut *mut MAPIERROR,
    lppMSLogon: *mut *mut c_void,
    lppMDB: *mut *mut c_void,
}

/// The interface a logon hands the store out as: NULL means `IMsgStore`; otherwise any IID the
/// store object's QueryInterface answers.
fn store_interface<S: MessageStore>(requested: Option<&GUID>) -> Result<GUID, HRESULT> {
    match requested {
        None => Ok(IMsgStore::IID),
        Some(iid) => store_answers::<S>(*iid),
    }
}

/// [`store_interface`] for an IID MAPI names. Out of line: the chain of IID tests would sit in
/// the middle of the usual logon's path, which asks for the default.
#[inline(never)]
fn store_answers<S: MessageStore>(iid: GUID) -> Result<GUID, HRESULT> {
    match interface_slot::<StoreObject<S>>(&iid) {
        Some(_) => Ok(iid),
        None => Err(MAPI_E_INTERFACE_NOT_SUPPORTED),
    }
}

impl<P: StoreProvider> ProviderObject<P> {
    /// Reports `error` as [`ProviderError::report`] does, with this provider's allocators and
    /// component name. Cold: the paths that fail a logon go out of the way of the one that
    /// succeeds, which then spans fewer cache lines.
    #[cold]
    #[inline(never)]
    fn fail(
        &self,
        error: ProviderError,
        unicode: bool,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        // SAFETY: every caller passes the lppMAPIError MAPI gave it: NULL or writable.
        unsafe { error.report(P::COMPONENT, &self.allocators, unicode, lppMAPIError) }
    }

    /// Fails a logon whose provider store is made but not registered: the provider's logoff
    /// (guarded: a panic there is reported, and the logon still answers why it failed), then
    /// `error` as [`Self::fail`] reports it. Cold, as `fail` is.
    #[cold]
    #[inline(never)]
    fn abandon(
        &self,
        inner: &Object<P::Store>,
        error: ProviderError,
        unicode: bool,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        store_logoff(inner);
        self.fail(error, unicode, lppMAPIError)
    }

    /// Decodes a logon call into a [`LogonRequest`] naming its store (the provider's default for
    /// a logon without an entry ID) and runs `body` with it; a failure to name one is reported
    /// as `fail` reports it. The request is made once, in place: `body` adjusts it if it must.
    fn with_request(
        &self,
        call: LogonCall<'_>,
        body: impl FnOnce(&mut LogonRequest<'_>) -> HRESULT,
    ) -> HRESULT {
        let unicode = call.flags & MAPI_UNICODE != 0;
        if self.fast_shutdown.load(Ordering::Acquire) != FastShutdown::Running as u8 {
            let error = ProviderError::new(MAPI_E_CALL_FAILED, "the process is shutting down");
            return self.fail(error, unicode, call.lppMAPIError);
        }
        let mut request = LogonRequest {
            support: call.support,
            ui_param: call.ui_param,
            profile_name: call.profile_name,
            entry_id: call.entry_id,
            flags: call.flags,
            interface: call.interface,
            unicode,
            allocators: &self.allocators,
            spooler: call.spooler,
            section: Default::default(),
        };
        // A logon that names its store, the usual one, goes straight on.
        let default_id;
        if request.entry_id.is_empty() {
            default_id = match self.default_entry_id(&request) {
                Ok(id) => id,
                Err(error) => return self.fail(error, unicode, call.lppMAPIError),
            };
            request.entry_id = &default_id;
        }
        body(&mut request)
    }

    /// For a logon without an entry ID, the one a previous logon recorded in the profile
    /// ([`identity`]), else the one the provider chooses ([`StoreProvider::default_entry_id`]).
    // Out of line: most logons name their store.
    #[inline(never)]
    fn default_entry_id(&self, request: &LogonRequest<'_>) -> Result<Vec<u8>, ProviderError> {
        if let Some(recorded) = identity::recorded_entry_id(request)? {
            return Ok(recorded);
        }
        match self.provider.default_entry_id(request)? {
            id if id.is_empty() => Err(ProviderError::new(
                MAPI_E_CALL_FAILED,
                "the provider's default store entry ID is empty",
            )),
            id => Ok(id),
        }
    }

    /// Hands `store` to the caller as the requested interface. The logon object is not handed
    /// out again (`*lppMSLogon = NULL`): MAPI already holds it. Cold: a logon usually opens a
    /// store that is not open yet.
    #[cold]
    #[inline(never)]
    fn hand_back(&self, store: &IMsgStore, args: &LogonArgs<'_, '_>, interface: GUID) -> HRESULT {
        let mut out = core::ptr::null_mut();
        // SAFETY: a valid IID and out-pointer.
        let hr = unsafe { store.query(&interface, &mut out) };
        if hr.is_ok() {
            // SAFETY: `lppMDB` is not NULL (checked by Logon) and writable; `lppMSLogon` NULL or
            // writable.
            unsafe {
                args.lppMDB.write(out);
                put(args.lppMSLogon, core::ptr::null_mut());
            }
        }
        hr
    }

    /// The part `Logon` and `SpoolerLogon` share once the arguments are checked: the
    /// already-open path, or a fresh logon registered in this session.
    fn open(
        &self,
        args: LogonArgs<'_, '_>,
        spool_out: Option<(*mut u32, *mut *mut u8)>,
    ) -> HRESULT {
        let unicode = args.request.unicode;
        let interface = match store_interface::<P::Store>(args.request.interface) {
            Ok(interface) => interface,
            Err(hr) => return hr,
        };
        let key = match self.provider.store_key(args.request.entry_id) {
            Ok(key) => self.session.registry.key(key),
            Err(error) => return self.fail(error, unicode, args.lppMAPIError),
        };
        // The store open under this key, if it is alive: marked as the spooler's for a
        // SpoolerLogon.
        if let Some(store) = self.session.registry.lookup_with(&key, |shared| {
            if args.request.spooler {
                shared.cx.spooler.store(true, Ordering::Release);
            }
            upgrade(shared)
        }) {
            return self.hand_back(&store, &args, interface);
        }

        // The context goes in the block of the store and logon objects, made before them: the
        // provider's logon gets it, and its store object goes in the block too.
        let mut reserved = Pair::<StoreShared<P::Store>>::reserve(|| StoreContext {
            entry_id: EntryIdBuf::from_slice(args.request.entry_id),
            store_key: key,
            flags: args.request.flags,
            allocators: self.allocators,
            // Set once the logon succeeds: the store's one reference on its support object
            // (released in §8.3 order).
            support: SupportSlot::new(),
            spooler: AtomicBool::new(args.request.spooler),
            last_error: LastError::new(P::COMPONENT),
        });
        // SAFETY: used while `reserved` lives, then kept in the shared state `create` moves into
        // its block.
        let cx = StoreRef::view(unsafe { reserved.kept_view() });
        let StoreLogon {
            store,
            spool_security,
        } = match self.provider.logon(args.request, StoreRef(reserved.kept())) {
            Ok(opened) => opened,
            Err(error) => return self.fail(error, unicode, args.lppMAPIError),
        };
        let (reserved, inner) = reserved.host(store);
        // SAFETY: kept beside `inner` (in `StoreShared`), which holds the reference it views.
        let inner_store = unsafe { inner.interface_view::<IMsgStore>() };
        // Read once for the record and the spool security (each read is a call).
        let store_key = cx.store_key();
        let recorded = identity::record_logon(args.request, &inner_store, store_key);
        if let Err(error) = recorded {
            return self.abandon(&inner, error, unicode, args.lppMAPIError);
        }
        // Allocated before anything is registered, so that failing here leaves nothing behind.
        let spool_block: Option<(*mut u32, *mut *mut u8, RootBuf)> = match spool_out {
            Some((cb, lpb)) if !cb.is_null() && !lpb.is_null() => {
                let payload = match &spool_security {
                    SpoolSecurity::StoreKey => store_key,
                    SpoolSecurity::Bytes(bytes) => bytes,
                };
                let sealed = self
                    .spool_keys
                    .seal(args.request, &self.allocators, payload);
                match sealed {
                    Ok(block) => Some((cb, lpb, block)),
                    Err(error) => return self.abandon(&inner, error, unicode, args.lppMAPIError),
                }
            }
            _ => None,
        };
        cx.support.set(args.request.support.clone());
        let shared = StoreShared {
            cx,
            // SAFETY: kept beside `inner`, as `inner_store` is.
            inner_logon: unsafe { inner.query_view() },
            inner_store,
            inner,
            session: self.session.clone(),
            gate: CallGate::new(),
            saved_logoff_flags: AtomicU64::new(0),
        };
        // The logon object only for a caller that takes it.
        let Parts {
            shared,
            first: store_object,
            second: logon_object,
        } = reserved.create(
            shared,
            StoreObject(PhantomData),
            LogonObject(PhantomData),
            !args.lppMSLogon.is_null(),
        );

        // The store already registered wins a race only while it is alive: the upgrade, under
        // the registry's lock, is the check.
        let registered = self.session.registry.insert_unless(shared, upgrade);
        if let Err(existing) = registered {
            // Ours closes quietly (its spool security block is freed with `spool_block`).
            Pair::first_shared(&*store_object).release_support(false);
            drop(logon_object);
            drop(store_object);
            return self.hand_back(&existing, &args, interface);
        }
        let store: IMsgStore = store_object.into_interface();

        // Asked as IMsgStore (as usual), the reference in hand is the answer: no QueryInterface.
        let out = if same_iid(&interface, &IMsgStore::IID) {
            store.into_raw()
        } else {
            let mut out = core::ptr::null_mut();
            // SAFETY: a valid IID and out-pointer.
            let hr = unsafe { store.query(&interface, &mut out) };
            debug_assert!(
                hr.is_ok(),
                "store_interface() admits only what a store answers"
            );
            out
        };
        // SAFETY: `lppMDB` is not NULL (checked by Logon) and writable, the others NULL or writable
        // (checked here); each reference or block written goes to MAPI.
        unsafe {
            args.lppMDB.write(out);
            if let Some(logon) = logon_object {
                let logon: IMSLogon = logon.into_interface();
                args.lppMSLogon.write(logon.into_raw());
            }
            if let Some((cb, lpb, block)) = spool_block {
                cb.write(block.len() as u32);
                lpb.write(block.into_raw().cast());
            }
        }
        S_OK
    }
}

impl<P: StoreProvider> IMSProviderImpl for ProviderObject<P> {
    /// Closes every store still open, lets the provider clean up, and releases the IMalloc
    /// reference; each step runs whatever the provider's code did in the one before (a panic
    /// there is reported and goes no further).
    ///
    /// The docs (IMSProvider::Shutdown) say MAPI releases every logon object of the provider
    /// before calling Shutdown, so a store still open here belongs to a host that did not; and a
    /// provider makes no call into MAPI's objects at this point. So a store left open is only
    /// closed on the Rust side: invalidated (a client still holding it gets
    /// `MAPI_E_INVALID_OBJECT`) and given its [`MessageStore::logoff`]; its support object is not
    /// called here, but keeps the store's reference until the store's own teardown (its last
    /// `Release`, or its logon object's) releases it in the usual order.
    unsafe fn Shutdown(this: &Object<Self>, _lpulFlags: *mut u32) -> HRESULT {
        if this.shut_down.swap(true, Ordering::AcqRel) {
            return S_OK;
        }
        for shared in this.session.registry.drain() {
            shared.close();
        }
        let _ =
            crate::com::abi::guard::<P, _>("StoreProvider::shutdown", || this.provider.shutdown());
        this.release_malloc();
        S_OK
    }

    unsafe fn Logon(
        this: &Object<Self>,
        lpMAPISup: Option<&IMAPISupport>,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        entry_id: &[u8],
        ulFlags: u32,
        lpInterface: *const GUID,
        lpcbSpoolSecurity: *mut u32,
        lppbSpoolSecurity: *mut *mut u8,
        lppMAPIError: *mut *mut MAPIERROR,
        lppMSLogon: *mut *mut c_void,
        lppMDB: *mut *mut c_void,
    ) -> HRESULT {
        // SAFETY: each out-pointer is NULL or writable, by Logon's contract.
        unsafe {
            // Out-parameters start out as "nothing returned", so any failure leaves them so.
            put(lpcbSpoolSecurity, 0);
            put(lppbSpoolSecurity, core::ptr::null_mut());
            put(lppMAPIError, core::ptr::null_mut());
            put(lppMSLogon, core::ptr::null_mut());
            put(lppMDB, core::ptr::null_mut());
        }
        let (Some(support), false) = (lpMAPISup, lppMDB.is_null()) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        let call = LogonCall {
            support,
            ui_param: ulUIParam,
            profile_name: lpszProfileName,
            entry_id,
            flags: ulFlags,
            // SAFETY: MAPI's IID pointer, NULL or readable for the call.
            interface: unsafe { lpInterface.as_ref() },
            spooler: false,
            lppMAPIError,
        };
        this.with_request(call, |request| {
            let args = LogonArgs {
                request,
                lppMAPIError,
                lppMSLogon,
                lppMDB,
            };
            this.open(args, Some((lpcbSpoolSecurity, lppbSpoolSecurity)))
        })
    }

    unsafe fn SpoolerLogon(
        this: &Object<Self>,
        lpMAPISup: Option<&IMAPISupport>,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        entry_id: &[u8],
        ulFlags: u32,
        lpInterface: *const GUID,
        spool_security: &[u8],
        lppMAPIError: *mut *mut MAPIERROR,
        lppMSLogon: *mut *mut c_void,
        lppMDB: *mut *mut c_void,
    ) -> HRESULT {
        // SAFETY: each out-pointer is NULL or writable, by SpoolerLogon's contract.
        unsafe {
            put(lppMAPIError, core::ptr::null_mut());
            put(lppMSLogon, core::ptr::null_mut());
            put(lppMDB, core::ptr::null_mut());
        }
        let (Some(support), false) = (lpMAPISup, lppMDB.is_null()) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        let call = LogonCall {
            support,
            ui_param: ulUIParam,
            profile_name: lpszProfileName,
            entry_id,
            flags: ulFlags,
            // SAFETY: MAPI's IID pointer, NULL or readable for the call.
            interface: unsafe { lpInterface.as_ref() },
            spooler: true,
            lppMAPIError,
        };
        this.with_request(call, |request| {
            // Forged or altered data is refused before the provider sees it.
            let genuine = this
                .spool_keys
                .open(request, spool_security)
                .and_then(|payload| this.provider.spooler_logon(request, payload));
            if let Err(error) = genuine {
                return this.fail(error, request.unicode, lppMAPIError);
            }
            // The spooler runs in the background: a store not open yet is logged on to without
            // UI, as `StoreProvider::spooler_logon` promises.
            request.flags |= MDB_NO_DIALOG;
            let args = LogonArgs {
                request,
                lppMAPIError,
                lppMSLogon,
                lppMDB,
            };
            this.open(args, None)
        })
    }

    unsafe fn CompareStoreIDs(
        this: &Object<Self>,
        first: &[u8],
        second: &[u8],
        _ulFlags: u32,
        lpulResult: *mut u32,
    ) -> HRESULT {
        if lpulResult.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // FALSE until the provider answers, so that no outcome leaves the result unwritten. An
        // empty ID names no store (a logon without one means the provider's default): the same
        // store as nothing, and no reason to fail a comparison MAPI makes at any time.
        // SAFETY: not NULL, and writable by the method's contract.
        unsafe { lpulResult.write(0) };
        if first.is_empty() || second.is_empty() {
            return S_OK;
        }
        match this.provider.compare_store_ids(first, second) {
            Ok(same) => {
                // SAFETY: not NULL, and writable by the method's contract.
                unsafe { lpulResult.write(same as u32) };
                S_OK
            }
            // A warning is no answer: passed on, MAPI would read success and a stale result.
            Err(error) if error.code.is_ok() => MAPI_E_CALL_FAILED,
            Err(error) => error.code,
        }
    }
}
