// Every result type of an interface method, and what a panic returns for each:
//
// | result                 | crosses the vtable as | on panic           |
// |------------------------|-----------------------|--------------------|
// | `HRESULT`              | itself                | MAPI_E_CALL_FAILED |
// | `Result<()>`           | HRESULT               | MAPI_E_CALL_FAILED |
// | `Result<SuccessCode>`  | HRESULT (warnings)    | MAPI_E_CALL_FAILED |
// | `u32`, `i32`, `usize`  | itself                | 0                  |
// | `*mut T`, `*const T`   | itself                | NULL               |
// | nothing                | nothing               | nothing            |
use mapi_spi_runtime::codes::{MAPI_E_CALL_FAILED, MAPI_E_NO_SUPPORT, S_OK};
use mapi_spi_runtime::{
    ComObject, HRESULT, IUnknown, Object, Result, SuccessCode, mapi_interface, mapi_object,
};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[mapi_interface("9B6E0F00-0020-4A7C-8F10-2C3D4E5F6A20")]
pub unsafe trait IReturns: IUnknown {
    fn Code(&self) -> HRESULT;
    fn Unit(&self) -> Result<()>;
    fn Warning(&self) -> Result<SuccessCode>;
    fn Count(&self) -> u32;
    fn Signed(&self) -> i32;
    fn Size(&self) -> usize;
    fn Pointer(&self) -> *mut u32;
    fn ConstPointer(&self) -> *const u8;
    fn Nothing(&self);
}

#[mapi_object(IReturns)]
struct Returns {
    panic: AtomicBool,
    value: AtomicU32,
}

impl Returns {
    fn maybe_panic(&self) {
        if self.panic.load(Ordering::Relaxed) {
            panic!("asked to panic");
        }
    }
}

impl IReturnsImpl for Returns {
    unsafe fn Code(this: &Object<Self>) -> HRESULT {
        this.maybe_panic();
        S_OK
    }
    unsafe fn Unit(this: &Object<Self>) -> Result<()> {
        this.maybe_panic();
        Err(MAPI_E_NO_SUPPORT.into())
    }
    unsafe fn Warning(this: &Object<Self>) -> Result<SuccessCode> {
        this.maybe_panic();
        Ok(SuccessCode::ERRORS_RETURNED)
    }
    unsafe fn Count(this: &Object<Self>) -> u32 {
        this.maybe_panic();
        7
    }
    unsafe fn Signed(this: &Object<Self>) -> i32 {
        this.maybe_panic();
        -7
    }
    unsafe fn Size(this: &Object<Self>) -> usize {
        this.maybe_panic();
        70
    }
    unsafe fn Pointer(this: &Object<Self>) -> *mut u32 {
        this.maybe_panic();
        this.value.as_ptr()
    }
    unsafe fn ConstPointer(this: &Object<Self>) -> *const u8 {
        this.maybe_panic();
        b"text\0".as_ptr()
    }
    unsafe fn Nothing(this: &Object<Self>) {
        this.value.fetch_add(1, Ordering::Relaxed);
        this.maybe_panic();
    }
}

fn main() {
    let object = ComObject::new(Returns {
        panic: AtomicBool::new(false),
        value: AtomicU32::new(0),
    });
    let returns: IReturns = object.to_interface();
    unsafe {
        assert_eq!(returns.Code(), S_OK);
        assert_eq!(returns.Unit(), Err(MAPI_E_NO_SUPPORT.into()));
        assert_eq!(returns.Warning(), Ok(SuccessCode::ERRORS_RETURNED));
        assert_eq!(returns.Count(), 7);
        assert_eq!(returns.Signed(), -7);
        assert_eq!(returns.Size(), 70);
        assert_eq!(returns.Pointer(), object.value.as_ptr());
        assert!(!returns.ConstPointer().is_null());
        returns.Nothing();
        assert_eq!(object.value.load(Ordering::Relaxed), 1);
    }

    // The same calls when the implementation panics.
    std::panic::set_hook(Box::new(|_| {}));
    object.panic.store(true, Ordering::Relaxed);
    unsafe {
        assert_eq!(returns.Code(), MAPI_E_CALL_FAILED);
        assert_eq!(returns.Unit(), Err(MAPI_E_CALL_FAILED.into()));
        assert_eq!(returns.Warning(), Err(MAPI_E_CALL_FAILED.into()));
        assert_eq!(returns.Count(), 0);
        assert_eq!(returns.Signed(), 0);
        assert_eq!(returns.Size(), 0);
        assert!(returns.Pointer().is_null());
        assert!(returns.ConstPointer().is_null());
        returns.Nothing();
        assert_eq!(object.value.load(Ordering::Relaxed), 2);
    }
}
