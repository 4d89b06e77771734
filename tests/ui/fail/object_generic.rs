// Mistake: a generic `#[mapi_object]` whose type parameter may not be shared between threads.
// Why: MAPI calls objects from any thread, so every object must be `Send + Sync`; a generic
// object is, only if its parameters are. (It must also be `'static`: MAPI holds it as long as it
// likes.)
// Fix: bound the parameter on the struct: `struct Store<B: Send + Sync + 'static>`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Store<B> {
    backend: B,
}

impl<B: Send + Sync + 'static> IFooImpl for Store<B> {
    unsafe fn Ping(this: &Object<Self>) -> HRESULT {
        let _ = &this.backend;
        HRESULT(0)
    }
}

fn main() {}
