//! `IMalloc`: its vtable, the native counted object (`alloc::malloc::NativeMalloc`) called as a
//! C caller would, and the provider-side handle `Malloc` (one reference kept, released once).

use core::ffi::c_void;
use mapi_spi_runtime::alloc::malloc::NativeMalloc;
use mapi_spi_runtime::interfaces::ole::{IMalloc, IMallocImpl, IMallocVtbl, Malloc};
use mapi_spi_runtime::{ComObject, GUID, Interface, Object, mapi_object};

#[test]
fn the_vtable_has_iunknown_then_six_slots_and_the_ole_iid() {
    assert_eq!(size_of::<IMallocVtbl>(), 9 * size_of::<usize>());
    assert_eq!(
        IMalloc::IID,
        GUID::from_u128(0x00000002_0000_0000_c000_000000000046)
    );
}

#[test]
fn native_malloc_through_its_vtable() {
    let object = NativeMalloc::new_object();
    let malloc: IMalloc = object.to_interface();
    let raw = malloc.as_raw();
    let vtbl = unsafe { &**(raw as *mut *const IMallocVtbl) };
    unsafe {
        let p = (vtbl.Alloc)(raw, 10);
        assert!(!p.is_null() && (p as usize).is_multiple_of(16));
        p.cast::<u8>().copy_from(b"0123456789".as_ptr(), 10);
        assert_eq!((vtbl.GetSize)(raw, p), 10);
        assert_eq!((vtbl.DidAlloc)(raw, p), 1);
        let mut local = 0u8;
        assert_eq!((vtbl.DidAlloc)(raw, (&raw mut local).cast()), 0);
        assert_eq!((vtbl.DidAlloc)(raw, core::ptr::null_mut()), -1);
        assert_eq!((vtbl.GetSize)(raw, core::ptr::null_mut()), usize::MAX);

        // Growing keeps the contents.
        let q = (vtbl.Realloc)(raw, p, 1000);
        assert_eq!((vtbl.GetSize)(raw, q), 1000);
        assert_eq!(
            core::slice::from_raw_parts(q.cast::<u8>(), 10),
            b"0123456789"
        );
        // Realloc(NULL) allocates; Realloc(p, 0) frees and returns NULL.
        let r = (vtbl.Realloc)(raw, core::ptr::null_mut(), 4);
        assert_eq!(object.live_blocks(), 2);
        assert!((vtbl.Realloc)(raw, r, 0).is_null());
        assert_eq!(object.live_blocks(), 1);
        // A zero-size block is unique; Free(NULL) does nothing.
        let z = (vtbl.Alloc)(raw, 0);
        assert!(!z.is_null() && z != q);
        (vtbl.Free)(raw, core::ptr::null_mut());
        (vtbl.Free)(raw, z);
        (vtbl.Free)(raw, q);
        (vtbl.HeapMinimize)(raw);
    }
    assert_eq!(object.live_blocks(), 0);
}

#[test]
fn blocks_left_behind_are_freed_with_the_object() {
    let object = NativeMalloc::new_object();
    let malloc: IMalloc = object.to_interface();
    unsafe { malloc.Alloc(64) };
    assert_eq!(object.live_blocks(), 1, "a harness sees the leak");
    drop(malloc);
    drop(object);
}

/// What a provider does with the `IMalloc` of `MSProviderInit`: keep it in its provider
/// object, use it, drop it at shutdown.
struct Provider {
    malloc: Malloc,
}

unsafe fn ms_provider_init(lp_malloc: *mut c_void) -> Provider {
    Provider {
        malloc: unsafe { Malloc::from_borrowed(lp_malloc) },
    }
}

#[test]
fn a_kept_malloc_holds_one_reference_and_releases_it_once() {
    let object = NativeMalloc::new_object();
    let lent: IMalloc = object.to_interface();
    assert_eq!(NativeMalloc::references(&object), 2);

    let provider = unsafe { ms_provider_init(lent.as_raw()) };
    assert_eq!(NativeMalloc::references(&object), 3, "AddRef when kept");
    let copy = provider.malloc.clone();
    assert_eq!(NativeMalloc::references(&object), 4);
    drop(copy);

    let block = provider.malloc.alloc(24).unwrap();
    unsafe {
        assert_eq!(provider.malloc.size(block.as_ptr()), Some(24));
        assert_eq!(provider.malloc.did_alloc(block.as_ptr()), Some(true));
        let grown = provider.malloc.realloc(block.as_ptr(), 48).unwrap();
        provider.malloc.free(grown.as_ptr());
    }
    provider.malloc.heap_minimize();
    assert_eq!(provider.malloc.as_raw(), lent.as_raw());
    assert_eq!(object.live_blocks(), 0);

    drop(provider);
    assert_eq!(
        NativeMalloc::references(&object),
        2,
        "released exactly once"
    );
    drop(lent);
    assert_eq!(NativeMalloc::references(&object), 1, "balanced");
}

#[test]
fn a_null_malloc_is_tolerated() {
    let provider = unsafe { ms_provider_init(core::ptr::null_mut()) };
    let malloc = &provider.malloc;
    assert!(malloc.get().is_none() && malloc.as_raw().is_null());
    assert!(malloc.alloc(8).is_none());
    unsafe {
        assert!(malloc.realloc(core::ptr::null_mut(), 8).is_none());
        assert_eq!(malloc.size(core::ptr::null_mut()), None);
        assert_eq!(malloc.did_alloc(core::ptr::null_mut()), None);
        malloc.free(core::ptr::null_mut());
    }
    malloc.heap_minimize();
}

/// An `IMalloc` whose every method panics: the declared panic values reach the caller.
#[mapi_object(IMalloc)]
struct Panicking;

impl IMallocImpl for Panicking {
    unsafe fn Alloc(_: &Object<Self>, _: usize) -> *mut c_void {
        panic!("Alloc")
    }
    unsafe fn Realloc(_: &Object<Self>, _: *mut c_void, _: usize) -> *mut c_void {
        panic!("Realloc")
    }
    unsafe fn Free(_: &Object<Self>, _: *mut c_void) {
        panic!("Free")
    }
    unsafe fn GetSize(_: &Object<Self>, _: *mut c_void) -> usize {
        panic!("GetSize")
    }
    unsafe fn DidAlloc(_: &Object<Self>, _: *mut c_void) -> i32 {
        panic!("DidAlloc")
    }
    unsafe fn HeapMinimize(_: &Object<Self>) {
        panic!("HeapMinimize")
    }
}

#[test]
fn panics_return_null_unknown_size_and_cannot_tell() {
    let malloc = Malloc::new(ComObject::new(Panicking).into_interface());
    let p = 0x20 as *mut c_void;
    assert!(malloc.alloc(1).is_none());
    unsafe {
        assert!(malloc.realloc(p, 1).is_none());
        assert_eq!(malloc.size(p), Some(usize::MAX));
        assert_eq!(malloc.did_alloc(p), None, "DidAlloc's #[on_panic(-1)]");
        malloc.free(p);
    }
    malloc.heap_minimize();
}
