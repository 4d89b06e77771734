//! COM rules of `#[mapi_object]`, exercised through raw vtable calls as a C caller would make
//! them: QueryInterface identity, reflexivity, symmetry and transitivity across three interfaces
//! and an inheritance chain; NULL handling; reference counts; drop exactly once; panics.

use core::ffi::c_void;
use mapi_spi_runtime::codes::{E_NOINTERFACE, E_POINTER, MAPI_E_CALL_FAILED, S_OK};
use mapi_spi_runtime::{
    ComObject, GUID, HRESULT, IUnknown, Interface, Object, Result, SuccessCode,
    com::{MapiInterface, MapiObject, VtablePtr},
};
use mapi_spi_runtime::{mapi_interface, mapi_object};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use windows_core::IUnknown_Vtbl;

mod caught_panics;

#[mapi_interface("8A1D9C70-1111-4C3A-9E51-7A0B3C2D1E01")]
pub unsafe trait IAnimal: IUnknown {
    fn Legs(&self, #[out] count: *mut u32) -> HRESULT;
}

#[mapi_interface("8A1D9C70-2222-4C3A-9E51-7A0B3C2D1E02")]
pub unsafe trait IDog: IAnimal {
    fn Bark(&self, times: u32) -> Result<SuccessCode>;
}

#[mapi_interface("8A1D9C70-3333-4C3A-9E51-7A0B3C2D1E03")]
pub unsafe trait IPuppy: IDog {
    fn Age(&self) -> u32;
    #[on_panic(-1)]
    fn Mood(&self) -> i32;
}

#[mapi_interface("8A1D9C70-4444-4C3A-9E51-7A0B3C2D1E04")]
pub unsafe trait IPet: IUnknown {
    fn Owner(&self, owner: Option<&IUnknown>, #[out] same: *mut u32) -> Result<()>;
}

#[mapi_interface("8A1D9C70-5555-4C3A-9E51-7A0B3C2D1E05")]
pub unsafe trait IChip: IUnknown {
    fn Serial(&self) -> usize;
}

#[mapi_interface("8A1D9C70-6666-4C3A-9E51-7A0B3C2D1E06")]
pub unsafe trait INeverImplemented: IUnknown {
    fn Nothing(&self) -> HRESULT;
}

/// Three interfaces, the first with a chain of depth three (IPuppy : IDog : IAnimal : IUnknown).
#[mapi_object(IPuppy, IPet, IChip)]
struct Rex {
    barks: AtomicU32,
    drops: &'static AtomicUsize,
}

impl Drop for Rex {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

impl IAnimalImpl for Rex {
    unsafe fn Legs(_: &Object<Self>, count: *mut u32) -> HRESULT {
        if count.is_null() {
            return E_POINTER;
        }
        unsafe { count.write(4) };
        S_OK
    }
}

impl IDogImpl for Rex {
    unsafe fn Bark(this: &Object<Self>, times: u32) -> Result<SuccessCode> {
        if times == 13 {
            unsafe { count_write_then_panic() }
        }
        this.barks.fetch_add(times, Ordering::Relaxed);
        if times > 3 {
            Ok(SuccessCode::ERRORS_RETURNED)
        } else {
            Ok(SuccessCode::S_OK)
        }
    }
}

unsafe fn count_write_then_panic() -> ! {
    panic!("13 barks are unlucky")
}

impl IPuppyImpl for Rex {
    unsafe fn Age(this: &Object<Self>) -> u32 {
        this.barks.load(Ordering::Relaxed)
    }
    unsafe fn Mood(_: &Object<Self>) -> i32 {
        panic!("moody")
    }
}

impl IPetImpl for Rex {
    unsafe fn Owner(this: &Object<Self>, owner: Option<&IUnknown>, same: *mut u32) -> Result<()> {
        let Some(owner) = owner else {
            panic!("no owner")
        };
        let me: IUnknown = this.to_interface();
        unsafe { same.write((me == *owner) as u32) };
        Ok(())
    }
}

impl IChipImpl for Rex {
    unsafe fn Serial(this: &Object<Self>) -> usize {
        this as *const _ as usize
    }
}

/// A new object counting its drops in `drops`; tests that count drops use their own counter,
/// because tests run in parallel.
fn rex_counting(drops: &'static AtomicUsize) -> ComObject<Rex> {
    ComObject::new(Rex {
        barks: AtomicU32::new(0),
        drops,
    })
}

fn rex() -> ComObject<Rex> {
    static UNCOUNTED: AtomicUsize = AtomicUsize::new(0);
    rex_counting(&UNCOUNTED)
}

/// The raw IUnknown slots of an interface pointer.
unsafe fn unknown_vtbl<'a>(p: *mut c_void) -> &'a IUnknown_Vtbl {
    unsafe { &**(p as *mut *const IUnknown_Vtbl) }
}

unsafe fn qi(p: *mut c_void, iid: &GUID) -> (HRESULT, *mut c_void) {
    let mut out = core::ptr::dangling_mut::<c_void>(); // garbage the callee must overwrite
    let hr = unsafe { (unknown_vtbl(p).QueryInterface)(p, iid, &mut out) };
    (hr, out)
}

unsafe fn add_ref(p: *mut c_void) -> u32 {
    unsafe { (unknown_vtbl(p).AddRef)(p) }
}

unsafe fn release(p: *mut c_void) -> u32 {
    unsafe { (unknown_vtbl(p).Release)(p) }
}

const ALL: [GUID; 6] = [
    IUnknown::IID,
    IAnimal::IID,
    IDog::IID,
    IPuppy::IID,
    IPet::IID,
    IChip::IID,
];

#[test]
fn the_iid_table_lists_each_interface_then_its_bases() {
    assert_eq!(
        IPuppy::IIDS,
        [IPuppy::IID, IDog::IID, IAnimal::IID],
        "own IID first, IUnknown's left out"
    );
    assert_eq!(
        Rex::SLOT_IIDS,
        [IPuppy::IIDS, IPet::IIDS, IChip::IIDS],
        "slot order"
    );
}

#[test]
fn query_interface_rules() {
    let object = rex();
    let puppy: IPuppy = object.to_interface();
    let start = puppy.as_raw();
    unsafe {
        // Identity: IUnknown is the same pointer from every interface.
        let (hr, identity) = qi(start, &IUnknown::IID);
        assert_eq!(hr, S_OK);
        for iid in &ALL {
            let (hr, p) = qi(start, iid);
            assert_eq!(hr, S_OK, "{iid:?}");
            let (hr, unknown) = qi(p, &IUnknown::IID);
            assert_eq!(hr, S_OK);
            assert_eq!(unknown, identity, "one IUnknown identity");
            // Reflexive: asking an interface for itself gives the same pointer.
            let (hr, again) = qi(p, iid);
            assert_eq!((hr, again), (S_OK, p));
            // Symmetric and transitive: from here, every other interface is reachable, and back.
            for other in &ALL {
                let (hr, q) = qi(p, other);
                assert_eq!(hr, S_OK);
                let (hr, back) = qi(q, iid);
                assert_eq!((hr, back), (S_OK, p));
                release(back);
                release(q);
            }
            release(again);
            release(unknown);
            release(p);
        }
        // Bases share the slot of the interface that extends them.
        let (_, animal) = qi(start, &IAnimal::IID);
        assert_eq!(animal, start);
        release(animal);
        // An unknown IID: E_NOINTERFACE and NULL.
        let (hr, p) = qi(start, &INeverImplemented::IID);
        assert_eq!((hr, p), (E_NOINTERFACE, core::ptr::null_mut()));
        // NULL ppv: E_POINTER; NULL iid: E_POINTER and NULL.
        let hr = (unknown_vtbl(start).QueryInterface)(start, &IUnknown::IID, core::ptr::null_mut());
        assert_eq!(hr, E_POINTER);
        let (hr, p) = {
            let mut out = core::ptr::dangling_mut::<c_void>();
            (
                (unknown_vtbl(start).QueryInterface)(start, core::ptr::null(), &mut out),
                out,
            )
        };
        assert_eq!((hr, p), (E_POINTER, core::ptr::null_mut()));
        release(identity);
        // After all that, the count is back where it was: this handle and `puppy`.
        assert_eq!(add_ref(start), 3);
        assert_eq!(release(start), 2);
    }
}

#[test]
fn add_ref_and_release_return_the_new_count_and_drop_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let chip: IChip = rex_counting(&DROPS).into_interface();
    let p = chip.into_raw();
    unsafe {
        assert_eq!(add_ref(p), 2);
        assert_eq!(add_ref(p), 3);
        assert_eq!(release(p), 2);
        assert_eq!(release(p), 1);
        assert_eq!(DROPS.load(Ordering::SeqCst), 0);
        assert_eq!(release(p), 0);
    }
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
}

#[test]
fn methods_through_raw_vtables_and_inheritance() {
    let puppy: IPuppy = rex().into_interface();
    let p = puppy.as_raw();
    unsafe {
        let vtbl = &**(p as *mut *const IPuppyVtbl);
        let mut legs = 0;
        assert_eq!((vtbl.base__.base__.Legs)(p, &mut legs), S_OK);
        assert_eq!(legs, 4);
        assert_eq!((vtbl.base__.Bark)(p, 2), S_OK);
        assert_eq!(
            (vtbl.base__.Bark)(p, 5),
            mapi_spi_runtime::codes::MAPI_W_ERRORS_RETURNED
        );
        assert_eq!((vtbl.Age)(p), 7);
        // Through the Rust caller side, with Deref to the bases.
        assert_eq!(puppy.Bark(1), Ok(SuccessCode::S_OK));
        assert_eq!(puppy.Age(), 8);
        let mut legs = 0;
        assert_eq!(puppy.Legs(&mut legs), S_OK);
        assert_eq!(legs, 4);
    }
}

#[test]
fn a_panic_returns_the_panic_value_and_clears_out_parameters() {
    let object = rex();
    let puppy: IPuppy = object.to_interface();
    let pet: IPet = object.to_interface();
    let ((), caught) = caught_panics::catching(|| unsafe {
        assert_eq!(puppy.Bark(13), Err(MAPI_E_CALL_FAILED.into()));
        assert_eq!(puppy.Mood(), -1, "#[on_panic(-1)]");
        let mut same = 7;
        let vtbl = &**(pet.as_raw() as *mut *const IPetVtbl);
        assert_eq!(
            (vtbl.Owner)(pet.as_raw(), core::ptr::null_mut(), &mut same),
            MAPI_E_CALL_FAILED
        );
        assert_eq!(same, 0, "out-parameter cleared on panic");
        // The object still works after a panic.
        let owner: IUnknown = object.to_interface();
        assert_eq!(pet.Owner(Some(&owner), &mut same), Ok(()));
        assert_eq!(same, 1);
    });
    assert_eq!(
        caught,
        [
            "IDog::Bark: 13 barks are unlucky",
            "IPuppy::Mood: moody",
            "IPet::Owner: no owner"
        ],
        "each panic reported to the hook, with its method"
    );
}

/// An object whose `Drop` panics, with a field that counts its own drops.
#[mapi_object(IChip)]
struct Fragile {
    _field: Counted,
}

struct Counted(&'static AtomicUsize);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Fragile {
    fn drop(&mut self) {
        panic!("Drop panics");
    }
}

impl IChipImpl for Fragile {
    unsafe fn Serial(_: &Object<Self>) -> usize {
        7
    }
}

#[test]
fn a_panic_in_drop_at_the_last_release_is_reported_and_the_object_still_freed() {
    static FIELD_DROPS: AtomicUsize = AtomicUsize::new(0);
    let chip: IChip = ComObject::new(Fragile {
        _field: Counted(&FIELD_DROPS),
    })
    .into_interface();
    let raw = chip.into_raw();
    // Once aborted the test binary (debug builds), or was swallowed without a word.
    let (remaining, caught) = caught_panics::catching(|| unsafe { release(raw) });
    assert_eq!(remaining, 0, "Release still returns the count");
    assert_eq!(caught, ["IUnknown::Release: Drop panics"]);
    assert_eq!(
        FIELD_DROPS.load(Ordering::SeqCst),
        1,
        "the rest of the object dropped"
    );
}

/// The IID of an interface of IUnknown's methods only, which `HandWritten` serves in slot 1.
const MARKER: GUID = GUID::from_u128(0x8a1d9c70_7777_4c3a_9e51_7a0b3c2d1e07);

/// A hand-written `MapiObject`: two vtables, both IUnknown's, the second answering `MARKER`.
struct HandWritten;

// SAFETY: slot k holds IUnknown's vtable built for this type and slot k; slot 1 lists only
// `MARKER`, an interface with no methods beyond IUnknown's.
unsafe impl MapiObject for HandWritten {
    type Vtables = [VtablePtr; 2];
    const VTABLES: Self::Vtables = [
        &mapi_spi_runtime::com::query::unknown_vtbl::<Self, 0>() as *const _ as VtablePtr,
        &mapi_spi_runtime::com::query::unknown_vtbl::<Self, 1>() as *const _ as VtablePtr,
    ];
    const SLOT_IIDS: &'static [&'static [GUID]] = &[&[], &[MARKER]];
    type Home = mapi_spi_runtime::com::Alone;
}

#[test]
fn a_hand_written_iid_table_is_what_query_interface_answers() {
    let object = ComObject::new(HandWritten);
    let identity = object.as_unknown_ptr();
    let (hr, marker) = unsafe { qi(identity, &MARKER) };
    assert_eq!(hr, S_OK);
    assert_eq!(marker, identity.cast::<VtablePtr>().wrapping_add(1).cast());
    assert_eq!(unsafe { qi(marker, &IUnknown::IID) }, (S_OK, identity));
    assert_eq!(unsafe { qi(marker, &MARKER) }, (S_OK, marker));
    assert_eq!(
        unsafe { qi(marker, &IChip::IID) },
        (E_NOINTERFACE, core::ptr::null_mut())
    );
    assert_eq!(object.ref_count(), 4, "three answers, three references");
    for pointer in [identity, marker, marker] {
        unsafe { release(pointer) };
    }
    assert_eq!(object.ref_count(), 1);
}

#[test]
fn objects_hand_out_pointers_to_themselves() {
    let object = rex();
    let chip: IChip = object.to_interface();
    let serial = unsafe { chip.Serial() };
    assert_eq!(serial, &*object as *const Object<Rex> as usize);
    let unknown: IUnknown = chip.cast().unwrap();
    let puppy: IPuppy = unknown.cast().unwrap();
    let dog: IDog = puppy.clone().into();
    assert_eq!(IUnknown::from(dog), unknown);
}

#[test]
fn reference_count_from_two_threads() {
    const PAIRS: usize = 1_000_000;
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let pet: IPet = rex_counting(&DROPS).into_interface();
    let raw = pet.as_raw() as usize;
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(move || {
                let p = raw as *mut c_void;
                for _ in 0..PAIRS {
                    unsafe {
                        add_ref(p);
                        release(p);
                    }
                }
            });
        }
    });
    unsafe {
        assert_eq!(add_ref(pet.as_raw()), 2, "every AddRef was matched");
        release(pet.as_raw());
    }
    assert_eq!(DROPS.load(Ordering::SeqCst), 0);
    drop(pet);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
}
