// `#[on_panic(value)]` chooses what a method returns when its implementation panics, instead of
// the result type's default (MAPI_E_CALL_FAILED for HRESULT and Result, zero for integers). The
// value is an expression of the type the vtable returns: an `HRESULT` for `HRESULT` and `Result`
// methods, the type itself otherwise.
use mapi_spi_runtime::codes::{MAPI_E_NO_SUPPORT, MAPI_E_NOT_ENOUGH_MEMORY};
use mapi_spi_runtime::{ComObject, HRESULT, IUnknown, Object, Result, mapi_interface, mapi_object};

#[mapi_interface("9B6E0F00-0030-4A7C-8F10-2C3D4E5F6A30")]
pub unsafe trait IFragile: IUnknown {
    #[on_panic(MAPI_E_NOT_ENOUGH_MEMORY)]
    fn Allocate(&self, #[out] size: *mut u32) -> HRESULT;
    #[on_panic(MAPI_E_NO_SUPPORT)]
    fn Open(&self) -> Result<()>;
    #[on_panic(u32::MAX)]
    fn Count(&self) -> u32;
    #[on_panic(-1)]
    fn Compare(&self, a: i32, b: i32) -> i32;
}

#[mapi_object(IFragile)]
struct Fragile;

impl IFragileImpl for Fragile {
    unsafe fn Allocate(_: &Object<Self>, size: *mut u32) -> HRESULT {
        unsafe { size.write(100) };
        panic!("out of memory after writing the out-parameter")
    }
    unsafe fn Open(_: &Object<Self>) -> Result<()> {
        panic!("not supported")
    }
    unsafe fn Count(_: &Object<Self>) -> u32 {
        panic!("cannot count")
    }
    unsafe fn Compare(_: &Object<Self>, _: i32, _: i32) -> i32 {
        panic!("cannot compare")
    }
}

fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let fragile: IFragile = ComObject::new(Fragile).into_interface();
    let mut size = 0;
    unsafe {
        assert_eq!(fragile.Allocate(&mut size), MAPI_E_NOT_ENOUGH_MEMORY);
        assert_eq!(size, 0, "the out-parameter is cleared after a panic");
        assert_eq!(fragile.Open(), Err(MAPI_E_NO_SUPPORT.into()));
        assert_eq!(fragile.Count(), u32::MAX);
        assert_eq!(fragile.Compare(1, 2), -1);
    }
}
