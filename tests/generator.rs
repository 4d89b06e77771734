//! What the generator adds to a declaration, driven through raw vtable calls as a C caller makes
//! them: default bodies (interface-wide and per method), delegation with `forward`, `#[bytes]`
//! parameters seen as slices, and generic objects.
#![allow(non_snake_case)]

use core::ffi::c_void;
use mapi_spi_runtime::codes::{MAPI_E_INVALID_OBJECT, MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT};
use mapi_spi_runtime::com::{Forward, MethodName};
use mapi_spi_runtime::{
    ComObject, HRESULT, IUnknown, Interface, Object, mapi_interface, mapi_object,
};
use std::sync::Mutex;

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
