//! IUnknown and method-call costs of a `#[mapi_object]` object, side by side with the same object
//! made with windows-core's `#[implement]` (what a Rust author would pick instead) and with a
//! hand-written C object with a plain atomic count (the floor). Every call goes through the raw
//! vtable of an interface pointer, as MAPI makes it. The C object's QueryInterface reads through
//! a NULL IID; mapi-spi's refuses it (E_POINTER), so a fourth contender is the C object with
//! that check too, the floor for the same work.
//!
//! Run: `cargo bench -p mapi-spi-tests --bench com`
// windows-core's `#[interface]` keeps the C method names without allowing them.
#![allow(non_snake_case)]

use core::ffi::c_void;
use criterion::{Criterion, criterion_group, criterion_main};
use mapi_spi_runtime::{ComObject, GUID, HRESULT, IUnknown, Interface, Object};
use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering};
use windows_core::IUnknown_Vtbl;

const BENCH_IID: &str = "5B0C1D2E-0000-4000-8000-00000000BE9C";
/// An IID no object here implements: the QueryInterface miss.
const MISSING: GUID = GUID::from_u128(0x0002_0399_0000_0000_c000_0000_0000_0046);

mod ours {
    use super::*;
    use mapi_spi_runtime::{mapi_interface, mapi_object};

    #[mapi_interface("5B0C1D2E-0000-4000-8000-00000000BE9C")]
    pub unsafe trait IBench: IUnknown {
        fn Call(&self, by: u32) -> HRESULT;
    }

    #[mapi_object(IBench)]
    pub struct Bench {
        pub total: AtomicU32,
    }

    impl IBenchImpl for Bench {
        unsafe fn Call(this: &Object<Self>, by: u32) -> HRESULT {
            this.total.fetch_add(by, Ordering::Relaxed);
            HRESULT(0)
        }
    }

    pub fn new() -> *mut c_void {
        ComObject::new(Bench {
            total: AtomicU32::new(0),
        })
        .into_interface::<IBench>()
        .into_raw()
    }
}

mod windows {
    use super::*;
    use windows_core::{implement, interface};

    #[interface("5B0C1D2E-0000-4000-8000-00000000BE9C")]
    pub unsafe trait IBench: IUnknown {
        fn Call(&self, by: u32) -> HRESULT;
    }

    #[implement(IBench)]
    pub struct Bench {
        pub total: AtomicU32,
    }

    impl IBench_Impl for Bench_Impl {
        unsafe fn Call(&self, by: u32) -> HRESULT {
            self.total.fetch_add(by, Ordering::Relaxed);
            HRESULT(0)
        }
    }

    pub fn new() -> *mut c_void {
        let bench: IBench = Bench {
            total: AtomicU32::new(0),
        }
        .into();
        bench.into_raw()
    }
}

unsafe extern "C" {
    fn c_bench_object_new() -> *mut c_void;
    fn c_bench_object_checked_new() -> *mut c_void;
}

/// The vtable every contender exposes: IUnknown, then `Call(ULONG) -> HRESULT`.
#[repr(C)]
struct BenchVtbl {
    base: IUnknown_Vtbl,
    call: unsafe extern "system" fn(*mut c_void, u32) -> HRESULT,
}

fn vtbl<'a>(p: *mut c_void) -> &'a BenchVtbl {
    unsafe { &**(p as *mut *const BenchVtbl) }
}

fn contenders() -> [(&'static str, *mut c_void); 4] {
    [
        ("mapi-spi", ours::new()),
        ("windows-core #[implement]", windows::new()),
        ("hand-written C", unsafe { c_bench_object_new() }),
        ("hand-written C, NULL IID refused", unsafe {
            c_bench_object_checked_new()
        }),
    ]
}

fn iunknown(c: &mut Criterion) {
    let bench_iid = GUID::try_from(BENCH_IID).unwrap();
    for (name, p) in contenders() {
        let v = vtbl(p);
        let mut group = c.benchmark_group(name);
        group.bench_function("AddRef+Release", |b| {
            b.iter(|| unsafe {
                (v.base.AddRef)(black_box(p));
                (v.base.Release)(black_box(p))
            })
        });
        group.bench_function("QueryInterface hit+Release", |b| {
            b.iter(|| unsafe {
                let mut out = core::ptr::null_mut();
                let hr = (v.base.QueryInterface)(black_box(p), black_box(&bench_iid), &mut out);
                (v.base.Release)(out);
                hr
            })
        });
        group.bench_function("QueryInterface miss", |b| {
            b.iter(|| unsafe {
                let mut out = core::ptr::null_mut();
                (v.base.QueryInterface)(black_box(p), black_box(&MISSING), &mut out)
            })
        });
        group.bench_function("Call(u32)", |b| {
            b.iter(|| unsafe { (v.call)(black_box(p), black_box(1)) })
        });
        group.finish();
        assert_eq!(unsafe { (v.base.Release)(p) }, 0, "{name}: balanced");
    }
}

criterion_group!(benches, iunknown);
criterion_main!(benches);
