//! Fast shutdown (`IMAPIProviderShutdown` on the provider object) as Outlook drives it at exit:
//! `QueryFastShutdown`, `NotifyProcessShutdown`, `DoFastShutdown`, then every reference dropped
//! with no `Logoff` and no `Shutdown`. Each open store is flushed, then the provider; no call
//! goes into MAPI afterwards (the host counts any, the final `Release` of a support object
//! included); logons after the warning are refused; a provider that cannot do it says so and
//! gets the usual shutdown.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::MDB_NO_DIALOG;
use mapi_spi_runtime::host::{Session, SupportOptions};
use mapi_spi_runtime::interfaces::{
    IMAPIPropImpl, IMAPIProviderShutdown, IMsgStore, IMsgStoreImpl,
};
use mapi_spi_runtime::provider::store::{
    KeyBytes, LogonRequest, MessageStore, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderError, ProviderResult};
use mapi_spi_runtime::{Interface, Object, mapi_object};

mod caught_panics;

static SERIAL: Mutex<()> = Mutex::new(());
static STORE_FLUSHES: AtomicUsize = AtomicUsize::new(0);
static PROVIDER_FLUSHES: AtomicUsize = AtomicUsize::new(0);
static SUPPORTS_FAST_SHUTDOWN: AtomicBool = AtomicBool::new(true);
/// Makes the provider's own flush (`fast_shutdown`) panic.
static PROVIDER_FLUSH_PANICS: AtomicBool = AtomicBool::new(false);

fn serial() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    STORE_FLUSHES.store(0, Ordering::SeqCst);
    PROVIDER_FLUSHES.store(0, Ordering::SeqCst);
    SUPPORTS_FAST_SHUTDOWN.store(true, Ordering::SeqCst);
    PROVIDER_FLUSH_PANICS.store(false, Ordering::SeqCst);
    guard
}

/// Store IDs are names; a store named "unflushable" fails its flush, one named "panicky"
/// panics in it.
struct FlushProvider;

#[mapi_object(IMsgStore)]
struct FlushStore {
    name: Vec<u8>,
}

impl IMAPIPropImpl for FlushStore {}
impl IMsgStoreImpl for FlushStore {}

impl MessageStore for FlushStore {
    fn flush(this: &Object<Self>) -> ProviderResult<()> {
        STORE_FLUSHES.fetch_add(1, Ordering::SeqCst);
        if this.name == b"unflushable" {
            return Err(ProviderError::new(MAPI_E_DISK_ERROR, "the disk is full"));
        }
        if this.name == b"panicky" {
            panic!("flush panics");
        }
        Ok(())
    }
}

impl StoreProvider for FlushProvider {
    type Store = FlushStore;
    const COMPONENT: &'static str = "Flush provider";

    fn create(_: &ProviderContext) -> ProviderResult<Self> {
        Ok(FlushProvider)
    }

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
        Ok(entry_id.into())
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        _: StoreRef,
    ) -> ProviderResult<StoreLogon<FlushStore>> {
        Ok(StoreLogon {
            store: FlushStore {
                name: request.entry_id.to_vec(),
            },
            spool_security: request.entry_id.to_vec().into(),
        })
    }

    fn spooler_logon(&self, _: &LogonRequest<'_>, _: &[u8]) -> ProviderResult<()> {
        Ok(())
    }

    fn supports_fast_shutdown(&self) -> bool {
        SUPPORTS_FAST_SHUTDOWN.load(Ordering::SeqCst)
    }

    fn fast_shutdown(&self) -> ProviderResult<()> {
        PROVIDER_FLUSHES.fetch_add(1, Ordering::SeqCst);
        if PROVIDER_FLUSH_PANICS.load(Ordering::SeqCst) {
            panic!("the provider's flush panics");
        }
        Ok(())
    }
}

mapi_spi_runtime::ms_provider_init!(FlushProvider);

fn session() -> Session {
    // SAFETY: MSProviderInit is this file's, from ms_provider_init!.
    unsafe { Session::in_process(MSProviderInit, "flush.dll", SupportOptions::default()) }
        .expect("MSProviderInit")
}

#[test]
fn stores_and_provider_are_flushed_and_nothing_calls_mapi_afterwards() {
    let _serial = serial();
    let mut session = session();
    let a = session.logon(b"a", MDB_NO_DIALOG).expect("logon a");
    let b = session.logon(b"b", MDB_NO_DIALOG).expect("logon b");
    let spooler = session
        .spooler_logon(b"a", &a.spool_security, MDB_NO_DIALOG)
        .expect("spooler logon");
    let report = session.fast_shutdown(vec![a.store, b.store, spooler.store]);
    assert_eq!(
        STORE_FLUSHES.load(Ordering::SeqCst),
        2,
        "each open store once"
    );
    assert_eq!(PROVIDER_FLUSHES.load(Ordering::SeqCst), 1);
    assert!(report.fast_shutdown);
    assert_eq!(report.calls_after_fast_shutdown, 0, "{report}");
    // The provider's references are kept on purpose: releasing them would call MAPI.
    assert_eq!(report.support_objects, 2, "{report}");
    assert_eq!(report.malloc_references, 1, "{report}");
    assert!(report.is_clean(), "{report}");
}

#[test]
fn the_sequence_through_the_vtable_refuses_logons_after_the_warning() {
    let _serial = serial();
    let mut session = session();
    let open = session.logon(b"open", MDB_NO_DIALOG).expect("logon");
    let shutdown: IMAPIProviderShutdown = session.provider().cast().expect("the interface");
    // SAFETY: the methods take no arguments.
    unsafe {
        assert_eq!(shutdown.QueryFastShutdown(), S_OK);
        assert_eq!(shutdown.NotifyProcessShutdown(), S_OK);
        assert_eq!(shutdown.NotifyProcessShutdown(), S_OK, "idempotent");
    }
    assert_eq!(
        session.logon(b"late", MDB_NO_DIALOG).err(),
        Some(MAPI_E_CALL_FAILED)
    );
    assert!(
        session
            .transcript()
            .last()
            .unwrap()
            .contains("the process is shutting down"),
        "{:?}",
        session.transcript().last()
    );
    // SAFETY: as above.
    unsafe {
        assert_eq!(shutdown.DoFastShutdown(), S_OK);
        assert_eq!(
            shutdown.DoFastShutdown(),
            S_OK,
            "a second call does nothing"
        );
    }
    assert_eq!(STORE_FLUSHES.load(Ordering::SeqCst), 1);
    assert_eq!(PROVIDER_FLUSHES.load(Ordering::SeqCst), 1);
    drop(shutdown);
    let report = session.fast_shutdown(vec![open.store]);
    assert_eq!(report.calls_after_fast_shutdown, 0, "{report}");
    assert!(report.is_clean(), "{report}");
}

#[test]
fn a_failed_flush_is_reported_and_the_other_steps_still_run() {
    let _serial = serial();
    let mut session = session();
    let bad = session.logon(b"unflushable", MDB_NO_DIALOG).expect("logon");
    let good = session.logon(b"good", MDB_NO_DIALOG).expect("logon");
    let shutdown: IMAPIProviderShutdown = session.provider().cast().expect("the interface");
    // SAFETY: no arguments.
    assert_eq!(unsafe { shutdown.DoFastShutdown() }, MAPI_E_DISK_ERROR);
    assert_eq!(STORE_FLUSHES.load(Ordering::SeqCst), 2);
    assert_eq!(PROVIDER_FLUSHES.load(Ordering::SeqCst), 1);
    drop(shutdown);
    let report = session.fast_shutdown(vec![bad.store, good.store]);
    assert_eq!(report.calls_after_fast_shutdown, 0, "{report}");
}

#[test]
fn panics_in_the_flushes_are_caught_reported_and_the_other_steps_still_run() {
    let _serial = serial();
    PROVIDER_FLUSH_PANICS.store(true, Ordering::SeqCst);
    let mut session = session();
    let panicky = session.logon(b"panicky", MDB_NO_DIALOG).expect("logon");
    let good = session.logon(b"good", MDB_NO_DIALOG).expect("logon");
    let shutdown: IMAPIProviderShutdown = session.provider().cast().expect("the interface");
    // SAFETY: no arguments.
    let (hr, caught) = caught_panics::catching(|| unsafe { shutdown.DoFastShutdown() });
    assert!(hr.is_err(), "{hr:?}");
    assert_eq!(caught.len(), 2, "{caught:?}");
    assert!(caught[0].ends_with(": flush panics"), "{caught:?}");
    assert!(
        caught[1].ends_with(": the provider's flush panics"),
        "{caught:?}"
    );
    assert_eq!(
        STORE_FLUSHES.load(Ordering::SeqCst),
        2,
        "the other store still flushed"
    );
    assert_eq!(
        PROVIDER_FLUSHES.load(Ordering::SeqCst),
        1,
        "and the provider"
    );
    drop(shutdown);
    let report = session.fast_shutdown(vec![panicky.store, good.store]);
    assert_eq!(report.calls_after_fast_shutdown, 0, "{report}");
}

#[test]
fn a_provider_that_cannot_gets_the_usual_shutdown() {
    let _serial = serial();
    SUPPORTS_FAST_SHUTDOWN.store(false, Ordering::SeqCst);
    let mut session = session();
    let open = session.logon(b"open", MDB_NO_DIALOG).expect("logon");
    let shutdown: IMAPIProviderShutdown = session.provider().cast().expect("the interface");
    // SAFETY: no arguments.
    assert_eq!(unsafe { shutdown.QueryFastShutdown() }, MAPI_E_NO_SUPPORT);
    drop(shutdown);
    let report = session.fast_shutdown(vec![open.store]);
    assert!(!report.fast_shutdown);
    assert_eq!(STORE_FLUSHES.load(Ordering::SeqCst), 0);
    assert_eq!(report.support_objects, 0, "{report}");
    assert!(report.is_clean(), "{report}");
}
