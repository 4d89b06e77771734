// One object implementing several unrelated interfaces: list them all in `#[mapi_object]`, the
// first being the object's identity (its IUnknown), and implement each. QueryInterface goes from
// any of them to any other; `this.to_interface()` hands out any of them from inside a method.
use mapi_spi_runtime::{
    ComObject, HRESULT, IUnknown, Interface, Object, mapi_interface, mapi_object,
};
use std::sync::Mutex;

#[mapi_interface("9B6E0F00-0040-4A7C-8F10-2C3D4E5F6A40")]
pub unsafe trait IReader: IUnknown {
    fn Read(&self, #[out] value: *mut u32) -> HRESULT;
}

#[mapi_interface("9B6E0F00-0041-4A7C-8F10-2C3D4E5F6A41")]
pub unsafe trait IWriter: IUnknown {
    fn Write(&self, value: u32) -> HRESULT;
}

#[mapi_interface("9B6E0F00-0042-4A7C-8F10-2C3D4E5F6A42")]
pub unsafe trait IOwner: IUnknown {
    /// Returns a new reference to the object's `IReader`.
    fn Reader(&self, #[out] reader: *mut *mut core::ffi::c_void) -> HRESULT;
}

#[mapi_object(IReader, IWriter, IOwner)]
struct Cell {
    value: Mutex<u32>,
}

impl IReaderImpl for Cell {
    unsafe fn Read(this: &Object<Self>, value: *mut u32) -> HRESULT {
        unsafe { value.write(*this.value.lock().unwrap()) };
        HRESULT(0)
    }
}

impl IWriterImpl for Cell {
    unsafe fn Write(this: &Object<Self>, value: u32) -> HRESULT {
        *this.value.lock().unwrap() = value;
        HRESULT(0)
    }
}

impl IOwnerImpl for Cell {
    unsafe fn Reader(this: &Object<Self>, reader: *mut *mut core::ffi::c_void) -> HRESULT {
        let me: IReader = this.to_interface();
        unsafe { reader.write(me.into_raw()) };
        HRESULT(0)
    }
}

fn main() {
    let writer: IWriter = ComObject::new(Cell {
        value: Mutex::new(0),
    })
    .into_interface();
    unsafe {
        assert_eq!(writer.Write(42), HRESULT(0));
        let reader: IReader = writer.cast().unwrap();
        let mut value = 0;
        assert_eq!(reader.Read(&mut value), HRESULT(0));
        assert_eq!(value, 42);

        let owner: IOwner = reader.cast().unwrap();
        let mut raw = core::ptr::null_mut();
        assert_eq!(owner.Reader(&mut raw), HRESULT(0));
        assert_eq!(IReader::from_raw(raw), reader);

        // One identity, whichever interface it is asked from.
        let a: IUnknown = writer.cast().unwrap();
        let b: IUnknown = owner.cast().unwrap();
        assert_eq!(a, b);
    }
}
