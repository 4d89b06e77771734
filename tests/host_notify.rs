//! The host support object's notification engine (`Subscribe`, `Unsubscribe`, `Notify`), through
//! raw vtable calls as a provider makes them: sinks hear the events of their key and mask only,
//! keep one reference while subscribed, may unsubscribe from inside `OnNotify`, and bad input
//! is refused.
#![allow(non_snake_case)]

use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::{fnevNewMail, fnevObjectCreated, fnevObjectDeleted};
use mapi_spi_runtime::host::{HostSupport, SupportLog, SupportOptions};
use mapi_spi_runtime::interfaces::{IMAPIAdviseSink, IMAPIAdviseSinkImpl, IMAPISupport};
use mapi_spi_runtime::types::{NOTIFICATION, NOTIFKEY};
use mapi_spi_runtime::{ComObject, HRESULT, Object, mapi_object};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// Records the event types it hears; optionally unsubscribes a connection from inside.
#[mapi_object(IMAPIAdviseSink)]
struct Recorder {
    events: Mutex<Vec<u32>>,
    unsubscribe: Mutex<Option<(IMAPISupport, usize)>>,
}

impl IMAPIAdviseSinkImpl for Recorder {
    unsafe fn OnNotify(
        this: &Object<Self>,
        cNotif: u32,
        lpNotifications: *mut NOTIFICATION,
    ) -> u32 {
        for i in 0..cNotif as usize {
            // SAFETY: `cNotif` notifications, valid for the call.
            let event = unsafe { (*lpNotifications.add(i)).ulEventType };
            this.events.lock().unwrap().push(event);
        }
        let unsubscribe = this.unsubscribe.lock().unwrap().take();
        if let Some((support, connection)) = unsubscribe {
            // Re-entrant: the support object holds no lock while a sink runs.
            // SAFETY: a live support object.
            assert_eq!(unsafe { support.Unsubscribe(connection) }, S_OK);
        }
        0
    }
}

fn recorder() -> (ComObject<Recorder>, IMAPIAdviseSink) {
    let rec = ComObject::new(Recorder {
        events: Mutex::new(Vec::new()),
        unsubscribe: Mutex::new(None),
    });
    let sink = rec.to_interface();
    (rec, sink)
}

/// A NOTIFKEY holding `bytes`, `u32`-aligned.
fn key(bytes: &[u8]) -> Vec<u32> {
    let mut key = vec![0u32; 1 + bytes.len().div_ceil(4)];
    key[0] = bytes.len() as u32;
    for (i, b) in bytes.iter().enumerate() {
        key[1 + i / 4] |= u32::from(*b) << (8 * (i % 4));
    }
    key
}

fn support() -> (Arc<SupportLog>, ComObject<HostSupport>, IMAPISupport) {
    let log = Arc::new(SupportLog::default());
    let object = HostSupport::create(
        &log,
        AllocatorSet::native(),
        SupportOptions::default(),
        "notify.dll",
    );
    let support = object.to_interface();
    (log, object, support)
}

fn subscribe(support: &IMAPISupport, k: &[u8], mask: u32, sink: &IMAPIAdviseSink) -> usize {
    let mut k = key(k);
    let mut connection = 0;
    // SAFETY: a valid key, sink and out-pointer.
    let hr = unsafe {
        support.Subscribe(
            k.as_mut_ptr().cast::<NOTIFKEY>(),
            mask,
            0,
            Some(sink),
            &mut connection,
        )
    };
    assert_eq!(hr, S_OK);
    assert_ne!(connection, 0);
    connection
}

fn notify(support: &IMAPISupport, k: &[u8], events: &[u32]) -> HRESULT {
    let mut k = key(k);
    let mut notifications: Vec<NOTIFICATION> = events
        .iter()
        .map(|&event| {
            // SAFETY: an all-zero notification (integers and NULL pointers) is valid.
            let mut n: NOTIFICATION = unsafe { core::mem::zeroed() };
            n.ulEventType = event;
            n
        })
        .collect();
    let mut flags = 7;
    // SAFETY: a valid key, `events.len()` notifications, a writable flags word.
    let hr = unsafe {
        support.Notify(
            k.as_mut_ptr().cast::<NOTIFKEY>(),
            notifications.len() as u32,
            notifications.as_mut_ptr(),
            &mut flags,
        )
    };
    if hr == S_OK {
        assert_eq!(flags, 0);
    }
    hr
}

#[test]
fn sinks_hear_their_key_and_events_only() {
    let (log, _object, support) = support();
    let (a, sink_a) = recorder();
    let (b, sink_b) = recorder();
    subscribe(
        &support,
        b"folder-1",
        fnevObjectCreated | fnevObjectDeleted,
        &sink_a,
    );
    subscribe(&support, b"folder-2", fnevObjectCreated, &sink_b);

    assert_eq!(
        notify(&support, b"folder-1", &[fnevObjectCreated, fnevNewMail]),
        S_OK
    );
    assert_eq!(notify(&support, b"folder-2", &[fnevObjectDeleted]), S_OK);
    assert_eq!(notify(&support, b"folder-", &[fnevObjectCreated]), S_OK);
    assert_eq!(*a.events.lock().unwrap(), [fnevObjectCreated]);
    assert!(b.events.lock().unwrap().is_empty());
    assert_eq!(log.notifications.load(Ordering::SeqCst), 1);
}

#[test]
fn unsubscribe_releases_the_sink_and_stops_delivery() {
    let (log, _object, support) = support();
    let (a, sink_a) = recorder();
    let connection = subscribe(&support, b"k", fnevObjectCreated, &sink_a);
    assert_eq!(log.subscriptions(), 1);
    drop(sink_a);
    // The support object's reference keeps the sink alive.
    assert_eq!(notify(&support, b"k", &[fnevObjectCreated]), S_OK);
    assert_eq!(a.events.lock().unwrap().len(), 1);
    // SAFETY: a live support object.
    assert_eq!(unsafe { support.Unsubscribe(connection) }, S_OK);
    // SAFETY: as above.
    assert_eq!(unsafe { support.Unsubscribe(connection) }, MAPI_E_NOT_FOUND);
    assert_eq!(log.subscriptions(), 0);
    assert_eq!(notify(&support, b"k", &[fnevObjectCreated]), S_OK);
    assert_eq!(a.events.lock().unwrap().len(), 1);
}

#[test]
fn a_sink_may_unsubscribe_itself_while_notified() {
    let (_log, _object, support) = support();
    let (a, sink_a) = recorder();
    let connection = subscribe(&support, b"k", fnevObjectCreated, &sink_a);
    *a.unsubscribe.lock().unwrap() = Some((support.clone(), connection));
    assert_eq!(notify(&support, b"k", &[fnevObjectCreated]), S_OK);
    assert_eq!(notify(&support, b"k", &[fnevObjectCreated]), S_OK);
    assert_eq!(a.events.lock().unwrap().len(), 1);
}

#[test]
fn bad_input_is_refused() {
    let (log, _object, support) = support();
    let (_a, sink) = recorder();
    let mut k = key(b"k");
    let mut connection = 0;
    let key_ptr = k.as_mut_ptr().cast::<NOTIFKEY>();
    // SAFETY: each call passes one NULL or zero where a value is required, the rest valid.
    unsafe {
        assert_eq!(
            support.Subscribe(
                core::ptr::null_mut(),
                fnevObjectCreated,
                0,
                Some(&sink),
                &mut connection
            ),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            support.Subscribe(key_ptr, fnevObjectCreated, 0, None, &mut connection),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            support.Subscribe(key_ptr, 0, 0, Some(&sink), &mut connection),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            support.Subscribe(
                key_ptr,
                fnevObjectCreated,
                0,
                Some(&sink),
                core::ptr::null_mut()
            ),
            MAPI_E_INVALID_PARAMETER
        );
        let mut flags = 0;
        assert_eq!(
            support.Notify(key_ptr, 1, core::ptr::null_mut(), &mut flags),
            MAPI_E_INVALID_PARAMETER
        );
    }
    assert_eq!(notify(&support, b"k", &[]), MAPI_E_INVALID_PARAMETER);
    assert_eq!(log.subscriptions(), 0);
}
