// Mistake: implementing an interface method as a safe `fn`.
// Why: the vtable hands the method its C caller's arguments unchecked (raw pointers, sizes), so
// the method may only be called by code that vouches for them: the generated thunk. A safe `fn`
// would let any Rust code call it with dangling pointers.
// Fix: `unsafe fn Count(this: &Object<Self>, count: *mut u32) -> HRESULT`, as the trait declares,
// and an `unsafe { }` block around each use of the pointers.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Count(&self, #[out] count: *mut u32) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Foo;

impl IFooImpl for Foo {
    fn Count(_: &Object<Self>, count: *mut u32) -> HRESULT {
        unsafe { count.write(1) };
        HRESULT(0)
    }
}

fn main() {}
