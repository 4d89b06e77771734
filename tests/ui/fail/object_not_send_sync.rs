// Mistake: an object that is not `Send + Sync` (here, it holds an `Rc` and a `Cell`).
// Why: MAPI calls provider objects from any thread, and the same object from several threads
// at once.
// Fix: `Arc` instead of `Rc`, and `Mutex`, `RwLock` or atomics instead of `Cell`/`RefCell`.
// How it is reported: one check, at the struct's name, with rustc naming each field type that is
// not `Send` (once) or not `Sync` (once), and `must_be_send_and_sync` as the bound that needs it.
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
    unsafe fn Ping(this: &Object<Self>) -> HRESULT {
        this.count.set(this.count.get() + this.shared.len() as u32);
        HRESULT(0)
    }
}

fn main() {}
