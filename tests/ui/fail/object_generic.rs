// Mistake: `#[mapi_object]` on a generic struct.
// Why: the vtables of an object are statics built for one concrete type, and the interface
// methods are implemented for that type.
// Fix: make the struct concrete and keep the varying part in a field, for example
// `backend: Box<dyn Backend + Send + Sync>`, or declare one struct per type.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Store<B> {
    backend: B,
}

fn main() {}
