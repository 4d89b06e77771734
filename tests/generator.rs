//! What the generator adds to a declaration, driven through raw vtable calls as a C caller makes
//! them: default bodies (interface-wide and per method), delegation with `forward`, `#[bytes]`
//! parameters seen as slices, `#[out(IFoo)]` interface out-parameters seen as `InterfaceOut`,
//! and generic objects.
#![allow(non_snake_case)]

use core::ffi::c_void;
use mapi_spi_runtime::codes::{MAPI_E_INVALID_OBJECT, MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT};
use mapi_spi_runtime::com::InterfaceOut;
use mapi_spi_runtime::com::{Forward, MethodName};
use mapi_spi_runtime::{
    ComObject, HRESULT, IUnknown, Interface, Object, mapi_interface, mapi_object,
};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[mapi_interface("3C7E2B10-55A1-4E0B-8C2D-7A9F0B1C2D01", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IThing: IUnknown {
    /// Counted bytes, seen by implementers and callers as `&[u8]`.
    fn Open(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut u8,
        ulFlags: u32,
        #[out] lpulObjType: *mut u32,
        #[out] lppUnk: *mut *mut c_void,
    ) -> HRESULT;
    #[default(7)]
    fn Count(&self) -> u32;
    #[required]
    fn Name(&self, #[out] lpulName: *mut u32) -> HRESULT;
    /// An interface out-parameter: `ulFlags` says how `Parent` answers (see `CHILD_*`).
    fn Child(&self, ulFlags: u32, #[out(IThing)] lppChild: *mut *mut c_void) -> HRESULT;
}

/// Implements only what it must: everything else answers the declared defaults.
#[mapi_object(IThing)]
struct Minimal {
    forwarded: Mutex<Vec<MethodName>>,
}

impl IThingImpl for Minimal {
    fn forward(this: &Object<Self>, method: MethodName) -> Forward<'_, IThing> {
        this.forwarded.lock().unwrap().push(method);
        Forward::Defaults
    }

    unsafe fn Name(_: &Object<Self>, lpulName: *mut u32) -> HRESULT {
        unsafe { lpulName.write(1) };
        HRESULT(0)
    }
}

/// Implements `Open` and records what it was given.
#[mapi_object(IThing)]
struct Opener {
    seen: Mutex<Vec<Vec<u8>>>,
}

impl IThingImpl for Opener {
    unsafe fn Open(
        this: &Object<Self>,
        lpEntryID: &[u8],
        ulFlags: u32,
        lpulObjType: *mut u32,
        _lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        this.seen.lock().unwrap().push(lpEntryID.to_vec());
        unsafe { lpulObjType.write(ulFlags + 1) };
        HRESULT(0)
    }

    unsafe fn Name(_: &Object<Self>, lpulName: *mut u32) -> HRESULT {
        unsafe { lpulName.write(2) };
        HRESULT(0)
    }
}

/// Forwards what it leaves out to `inner`, or fails everything once `closed`.
#[mapi_object(IThing)]
struct Wrapper<T: Send + Sync + 'static> {
    inner: IThing,
    closed: std::sync::atomic::AtomicBool,
    owned: bool,
    tag: T,
}

impl<T: Send + Sync + 'static> IThingImpl for Wrapper<T> {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IThing> {
        if this.closed.load(std::sync::atomic::Ordering::Relaxed) {
            Forward::Fail(MAPI_E_INVALID_OBJECT)
        } else if this.owned {
            Forward::Owned(this.inner.clone())
        } else {
            Forward::To(&this.inner)
        }
    }

    unsafe fn Name(_: &Object<Self>, lpulName: *mut u32) -> HRESULT {
        unsafe { lpulName.write(3) };
        HRESULT(0)
    }
}

/// A child object that counts how many of its kind are alive.
#[mapi_object(IThing)]
struct Child {
    live: std::sync::Arc<AtomicUsize>,
}

impl Child {
    fn spawn(live: &std::sync::Arc<AtomicUsize>) -> IThing {
        live.fetch_add(1, Ordering::SeqCst);
        ComObject::new(Child { live: live.clone() }).into_interface()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl IThingImpl for Child {
    unsafe fn Name(_: &Object<Self>, lpulName: *mut u32) -> HRESULT {
        unsafe { lpulName.write(4) };
        HRESULT(0)
    }
}

/// `Child` hands out a child and succeeds.
const CHILD_OK: u32 = 0;
/// `Child` hands out a child, then fails.
const CHILD_FAIL: u32 = 1;
/// `Child` hands out a child, then panics.
const CHILD_PANIC: u32 = 2;
/// `Child` hands out two children, the first replaced by the second.
const CHILD_TWICE: u32 = 3;
/// `Child` hands out its own object, as the interface the caller asks for (`IUnknown`).
const CHILD_QUERIED: u32 = 4;

/// Implements `Child`, counting its calls.
#[mapi_object(IThing)]
struct Parent {
    live: std::sync::Arc<AtomicUsize>,
    calls: AtomicUsize,
}

impl IThingImpl for Parent {
    unsafe fn Name(_: &Object<Self>, lpulName: *mut u32) -> HRESULT {
        unsafe { lpulName.write(5) };
        HRESULT(0)
    }

    unsafe fn Child(
        this: &Object<Self>,
        ulFlags: u32,
        mut lppChild: InterfaceOut<'_, IThing>,
    ) -> HRESULT {
        this.calls.fetch_add(1, Ordering::SeqCst);
        lppChild.set(Child::spawn(&this.live));
        match ulFlags {
            CHILD_OK => HRESULT(0),
            CHILD_FAIL => MAPI_E_NO_SUPPORT,
            CHILD_PANIC => panic!("a panic after handing out a child"),
            CHILD_TWICE => {
                lppChild.set(Child::spawn(&this.live));
                HRESULT(0)
            }
            _ => {
                let unknown: IThing = this.to_interface();
                lppChild.set_queried(&unknown, &IUnknown::IID)
            }
        }
    }
}

/// `Child` through the raw vtable.
unsafe fn raw_child(thing: &IThing, flags: u32, slot: *mut *mut c_void) -> HRESULT {
    unsafe { (thing.vtable().Child)(thing.as_raw(), flags, slot) }
}

/// `Open` through the raw vtable, with a count and pointer as a C caller passes them.
unsafe fn raw_open(
    thing: &IThing,
    cb: u32,
    id: *mut u8,
    obj_type: &mut u32,
    unk: &mut *mut c_void,
) -> HRESULT {
    unsafe { (thing.vtable().Open)(thing.as_raw(), cb, id, 41, obj_type, unk) }
}

fn garbage() -> (u32, *mut c_void) {
    (0xDEAD_BEEF, 0x1234 as *mut c_void)
}

#[test]
fn methods_left_out_answer_their_defaults_and_clear_out_parameters() {
    let thing: IThing = ComObject::new(Minimal {
        forwarded: Mutex::default(),
    })
    .into_interface();
    let (mut obj_type, mut unk) = garbage();
    let hr = unsafe {
        raw_open(
            &thing,
            3,
            b"abc".as_ptr().cast_mut(),
            &mut obj_type,
            &mut unk,
        )
    };
    assert_eq!(hr, MAPI_E_NO_SUPPORT);
    assert_eq!(
        (obj_type, unk),
        (0, core::ptr::null_mut()),
        "out-parameters cleared"
    );
    assert_eq!(
        unsafe { (thing.vtable().Count)(thing.as_raw()) },
        7,
        "a per-method default"
    );
    let mut name = 0;
    assert_eq!(unsafe { thing.Name(&mut name) }, HRESULT(0));
    assert_eq!(name, 1);
    let object = unsafe { Object::<Minimal>::from_slot::<0>(thing.as_raw()) };
    assert_eq!(
        *object.forwarded.lock().unwrap(),
        [MethodName("Open"), MethodName("Count")],
        "forward hears of every defaulted call, by name"
    );
}

#[test]
fn bytes_parameters_arrive_as_slices_and_null_with_a_count_never_reaches_the_implementer() {
    let opener = ComObject::new(Opener {
        seen: Mutex::default(),
    });
    let thing: IThing = opener.to_interface();
    let (mut obj_type, mut unk) = garbage();
    unsafe {
        assert_eq!(
            raw_open(
                &thing,
                3,
                b"abc".as_ptr().cast_mut(),
                &mut obj_type,
                &mut unk
            ),
            HRESULT(0)
        );
        assert_eq!(obj_type, 42);
        assert_eq!(
            raw_open(&thing, 0, core::ptr::null_mut(), &mut obj_type, &mut unk),
            HRESULT(0)
        );
        let (mut obj_type, mut unk) = garbage();
        assert_eq!(
            raw_open(&thing, 5, core::ptr::null_mut(), &mut obj_type, &mut unk),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            (obj_type, unk),
            (0, core::ptr::null_mut()),
            "out-parameters cleared"
        );
        // The caller side takes the slice and passes its length.
        assert_eq!(thing.Open(b"xy", 0, &mut obj_type, &mut unk), HRESULT(0));
    }
    assert_eq!(
        *opener.seen.lock().unwrap(),
        [b"abc".to_vec(), Vec::new(), b"xy".to_vec()]
    );
}

#[test]
fn forward_passes_what_an_object_leaves_out_to_another_object_or_fails_it() {
    for owned in [false, true] {
        let opener = ComObject::new(Opener {
            seen: Mutex::default(),
        });
        let wrapper = ComObject::new(Wrapper {
            inner: opener.to_interface(),
            closed: Default::default(),
            owned,
            tag: "generic",
        });
        assert_eq!(wrapper.tag, "generic");
        let thing: IThing = wrapper.to_interface();
        let (mut obj_type, mut unk) = garbage();
        unsafe {
            assert_eq!(
                raw_open(
                    &thing,
                    2,
                    b"id".as_ptr().cast_mut(),
                    &mut obj_type,
                    &mut unk
                ),
                HRESULT(0)
            );
            assert_eq!(obj_type, 42, "answered by the inner object");
            assert_eq!(
                (thing.vtable().Count)(thing.as_raw()),
                7,
                "the inner object's default"
            );
            let mut name = 0;
            assert_eq!(thing.Name(&mut name), HRESULT(0));
            assert_eq!(name, 3, "what the wrapper implements stays its own");
        }
        assert_eq!(*opener.seen.lock().unwrap(), [b"id".to_vec()]);

        wrapper
            .closed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let (mut obj_type, mut unk) = garbage();
        unsafe {
            assert_eq!(
                raw_open(
                    &thing,
                    2,
                    b"id".as_ptr().cast_mut(),
                    &mut obj_type,
                    &mut unk
                ),
                MAPI_E_INVALID_OBJECT
            );
            assert_eq!((obj_type, unk), (0, core::ptr::null_mut()));
            assert_eq!(
                (thing.vtable().Count)(thing.as_raw()),
                7,
                "not an HRESULT: its default"
            );
        }
        drop(thing);
        drop(wrapper);
        assert_eq!(
            opener.ref_count(),
            1,
            "the inner object's references are balanced"
        );
    }
}

#[test]
fn a_generic_object_answers_query_interface_like_any_other() {
    let inner: IThing = ComObject::new(Minimal {
        forwarded: Mutex::default(),
    })
    .into_interface();
    let wrapper: IThing = ComObject::new(Wrapper {
        inner,
        closed: Default::default(),
        owned: false,
        tag: 5u64,
    })
    .into_interface();
    let unknown: IUnknown = wrapper.cast().unwrap();
    let again: IThing = unknown.cast().unwrap();
    assert_eq!(again, wrapper);
}

#[test]
fn interface_out_parameters_hand_out_one_reference_or_nothing() {
    let live = std::sync::Arc::new(AtomicUsize::new(0));
    let parent = ComObject::new(Parent {
        live: live.clone(),
        calls: AtomicUsize::new(0),
    });
    let thing: IThing = parent.to_interface();
    unsafe {
        // A NULL slot never reaches the implementer.
        assert_eq!(
            raw_child(&thing, CHILD_OK, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(parent.calls.load(Ordering::SeqCst), 0);

        // Success: the caller owns the one reference `set` moved into the slot.
        let mut slot = garbage().1;
        assert_eq!(raw_child(&thing, CHILD_OK, &mut slot), HRESULT(0));
        let child = IThing::from_raw(slot);
        assert_eq!(live.load(Ordering::SeqCst), 1);
        let object = Object::<Child>::from_slot::<0>(child.as_raw());
        assert_eq!(object.ref_count(), 1, "no AddRef beyond the caller's");
        let mut name = 0;
        assert_eq!(child.Name(&mut name), HRESULT(0));
        assert_eq!(name, 4);
        drop(child);
        assert_eq!(live.load(Ordering::SeqCst), 0);

        // Failure and panic: the slot is NULL and the child released.
        for flags in [CHILD_FAIL, CHILD_PANIC] {
            let mut slot = garbage().1;
            let hr = raw_child(&thing, flags, &mut slot);
            assert!(hr.is_err(), "{hr:?}");
            assert!(slot.is_null(), "cleared after {flags}");
            assert_eq!(live.load(Ordering::SeqCst), 0, "released after {flags}");
        }

        // A second `set` releases the first child.
        let mut slot = garbage().1;
        assert_eq!(raw_child(&thing, CHILD_TWICE, &mut slot), HRESULT(0));
        assert_eq!(live.load(Ordering::SeqCst), 1);
        drop(IThing::from_raw(slot));
        assert_eq!(live.load(Ordering::SeqCst), 0);

        // `set_queried` hands out the interface asked for.
        let mut slot = garbage().1;
        assert_eq!(raw_child(&thing, CHILD_QUERIED, &mut slot), HRESULT(0));
        assert_eq!(slot, parent.as_unknown_ptr());
        drop(IUnknown::from_raw(slot));
        assert_eq!(parent.calls.load(Ordering::SeqCst), 5);
    }
    drop(thing);
    assert_eq!(
        parent.ref_count(),
        1,
        "every reference handed out came back"
    );

    // Left out, the slot is NULL with the default's code; forwarded, the target fills it, and a
    // failure of the target leaves it NULL.
    let minimal: IThing = ComObject::new(Minimal {
        forwarded: Mutex::default(),
    })
    .into_interface();
    let wrapper: IThing = ComObject::new(Wrapper {
        inner: parent.to_interface(),
        closed: Default::default(),
        owned: false,
        tag: (),
    })
    .into_interface();
    unsafe {
        let mut slot = garbage().1;
        assert_eq!(raw_child(&minimal, CHILD_OK, &mut slot), MAPI_E_NO_SUPPORT);
        assert!(slot.is_null());
        assert_eq!(raw_child(&wrapper, CHILD_OK, &mut slot), HRESULT(0));
        assert_eq!(live.load(Ordering::SeqCst), 1);
        drop(IThing::from_raw(slot));
        let mut slot = garbage().1;
        assert_eq!(
            raw_child(&wrapper, CHILD_FAIL, &mut slot),
            MAPI_E_NO_SUPPORT
        );
        assert!(slot.is_null());
    }
    assert_eq!(live.load(Ordering::SeqCst), 0);
    drop(wrapper);
    assert_eq!(parent.ref_count(), 1);
}
