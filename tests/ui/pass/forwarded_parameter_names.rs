// A method left out goes where `forward` says, its arguments passed on as they are, whatever
// their names: parameters named like the default body's own locals (`forward`, `target`,
// `result`, `code`) reach the target unchanged (those locals are hygienic).
use core::sync::atomic::{AtomicU32, Ordering};
use mapi_spi_runtime::codes::{MAPI_E_NO_SUPPORT, MAPI_E_NOT_FOUND, S_OK};
use mapi_spi_runtime::com::{Forward, MethodName};
use mapi_spi_runtime::{ComObject, HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("9B6E0F00-0031-4A7C-8F10-2C3D4E5F6A31", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait INamed: IUnknown {
    fn Set(&self, forward: u32, target: u32, result: u32, code: u32) -> HRESULT;
}

/// Keeps what it was given.
#[mapi_object(INamed)]
struct Target {
    sum: AtomicU32,
}

impl INamedImpl for Target {
    unsafe fn Set(this: &Object<Self>, forward: u32, target: u32, result: u32, code: u32) -> HRESULT {
        this.sum.store(forward * 1000 + target * 100 + result * 10 + code, Ordering::SeqCst);
        if code == 9 { MAPI_E_NOT_FOUND } else { S_OK }
    }
}

/// Leaves `Set` out: it goes to `target`.
#[mapi_object(INamed)]
struct Wrapper {
    target: INamed,
}

impl INamedImpl for Wrapper {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, INamed> {
        Forward::To(&this.target)
    }
}

fn main() {
    let target = ComObject::new(Target { sum: AtomicU32::new(0) });
    let wrapper: INamed = ComObject::new(Wrapper { target: target.to_interface() }).into_interface();
    unsafe {
        assert_eq!(wrapper.Set(1, 2, 3, 4), S_OK);
        assert_eq!(target.sum.load(Ordering::SeqCst), 1234);
        assert_eq!(wrapper.Set(5, 6, 7, 9), MAPI_E_NOT_FOUND, "a failure comes back as it is");
        assert_eq!(target.sum.load(Ordering::SeqCst), 5679);
    }
}
