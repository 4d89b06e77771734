// Mistake: an object that is not `Send + Sync` (here, it holds an `Rc` and a `Cell`).
// Why: MAPI calls provider objects from any thread, and the same object from several threads
// at once.
// Fix: `Arc` instead of `Rc`, and `Mutex`, `RwLock` or atomics instead of `Cell`/`RefCell`.
// Limit: rustc names each field type that is not `Send` or `Sync`, which is the useful part, but
// it does so once for each place that needs the struct to be a MAPI object (the generated impls,
// and each `impl IFooImpl`), and the runtime's own message for this rule (on `ThreadSafe`) is not
// shown: `ThreadSafe` is implemented for every `Send + Sync` type, and rustc reports the field
// that breaks it instead.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};
use std::cell::Cell;
use std::rc::Rc;

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Counter {
    shared: Rc<String>,
    count: Cell<u32>,
}

impl IFooImpl for Counter {
    fn Ping(this: &Object<Self>) -> HRESULT {
        this.count.set(this.count.get() + this.shared.len() as u32);
        HRESULT(0)
    }
}

fn main() {}
