// Mistake: an implementation whose parameter types differ from the declaration.
// Why: the thunk passes exactly the declared types; here the interface says `*mut u32`.
// Fix: copy the signature from the interface, with `this: &Object<Self>` instead of `&self`
// and without the `#[out]` attributes: `unsafe fn Count(this: &Object<Self>, count: *mut u32) -> HRESULT`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Count(&self, #[out] count: *mut u32) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Count(_: &Object<Self>, count: *mut i32) -> HRESULT {
        unsafe { count.write(1) };
        HRESULT(0)
    }
}

fn main() {}
