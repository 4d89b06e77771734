// Every parameter convention of `#[mapi_interface]`:
// - ABI values: integers, `GUID`, `HRESULT`, the runtime's `#[repr(C)]` structures, raw pointers
//   (`*const T` for input data and strings, `*mut T` for buffers), nullable `extern "system"`
//   function pointers;
// - `Option<&IFoo>`: a borrowed interface pointer, NULL for `None`;
// - `#[out] p: *mut T`: an out-parameter, cleared (zero/NULL) by the thunk if the method panics.
// The implementation takes the same parameters, with `this: &Object<Self>` for `&self` and
// without `#[out]`.
use core::ffi::c_void;
use mapi_spi_runtime::types::{FILETIME, MAPIUID};
use mapi_spi_runtime::{
    ComObject, GUID, HRESULT, IUnknown, Interface, Object, mapi_interface, mapi_object,
};

pub type Callback = Option<unsafe extern "system" fn(context: *mut c_void, value: u32) -> HRESULT>;

#[mapi_interface("9B6E0F00-0010-4A7C-8F10-2C3D4E5F6A10")]
pub unsafe trait IConventions: IUnknown {
    /// Plain values.
    fn Values(&self, a: u8, b: i16, c: u32, d: i64, e: usize, f: f64) -> HRESULT;
    /// ABI structures and codes by value.
    fn Structures(&self, iid: GUID, hr: HRESULT, uid: MAPIUID, time: FILETIME) -> HRESULT;
    /// Pointers: an input string (LPWSTR), an input array with its count, an output buffer.
    fn Pointers(
        &self,
        name: *const u16,
        count: u32,
        values: *const u32,
        buffer: *mut u8,
    ) -> HRESULT;
    /// A nullable callback.
    fn Callback(&self, callback: Callback, context: *mut c_void) -> HRESULT;
    /// Borrowed interfaces, NULL for `None`: `IUnknown` or a declared interface.
    fn Interfaces(&self, any: Option<&IUnknown>, same: Option<&IConventions>) -> HRESULT;
    /// Out-parameters: a value, and an interface pointer returned to the caller.
    fn Outs(&self, #[out] count: *mut u32, #[out] object: *mut *mut c_void) -> HRESULT;
}

#[mapi_object(IConventions)]
struct Conventions;

impl IConventionsImpl for Conventions {
    unsafe fn Values(_: &Object<Self>, a: u8, b: i16, c: u32, d: i64, e: usize, f: f64) -> HRESULT {
        let sum = a as f64 + b as f64 + c as f64 + d as f64 + e as f64 + f;
        HRESULT(sum as i32)
    }
    unsafe fn Structures(
        _: &Object<Self>,
        iid: GUID,
        hr: HRESULT,
        uid: MAPIUID,
        time: FILETIME,
    ) -> HRESULT {
        let ok = iid == IUnknown::IID && uid.ab[0] == 7 && time.dwLowDateTime == 9;
        if ok { hr } else { HRESULT(-1) }
    }
    unsafe fn Pointers(
        _: &Object<Self>,
        name: *const u16,
        count: u32,
        values: *const u32,
        buffer: *mut u8,
    ) -> HRESULT {
        if name.is_null() || values.is_null() || buffer.is_null() {
            return HRESULT(-1);
        }
        let values = unsafe { core::slice::from_raw_parts(values, count as usize) };
        unsafe { buffer.write(values.iter().sum::<u32>() as u8) };
        HRESULT(0)
    }
    unsafe fn Callback(_: &Object<Self>, callback: Callback, context: *mut c_void) -> HRESULT {
        match callback {
            Some(callback) => unsafe { callback(context, 5) },
            None => HRESULT(1),
        }
    }
    unsafe fn Interfaces(
        this: &Object<Self>,
        any: Option<&IUnknown>,
        same: Option<&IConventions>,
    ) -> HRESULT {
        let me: IConventions = this.to_interface();
        HRESULT((any.is_some() as i32) + 2 * (same == Some(&me)) as i32)
    }
    unsafe fn Outs(this: &Object<Self>, count: *mut u32, object: *mut *mut c_void) -> HRESULT {
        let me: IUnknown = this.to_interface();
        unsafe {
            count.write(3);
            object.write(me.into_raw());
        }
        HRESULT(0)
    }
}

unsafe extern "system" fn double(context: *mut c_void, value: u32) -> HRESULT {
    unsafe { *context.cast::<u32>() = value * 2 };
    HRESULT(0)
}

fn main() {
    let object: IConventions = ComObject::new(Conventions).into_interface();
    unsafe {
        assert_eq!(object.Values(1, 2, 3, 4, 5, 6.0), HRESULT(21));
        let uid = MAPIUID { ab: [7; 16] };
        let time = FILETIME {
            dwLowDateTime: 9,
            dwHighDateTime: 0,
        };
        assert_eq!(
            object.Structures(IUnknown::IID, HRESULT(3), uid, time),
            HRESULT(3)
        );

        let name: Vec<u16> = "box\0".encode_utf16().collect();
        let values = [1, 2, 3];
        let mut sum = 0u8;
        assert_eq!(
            object.Pointers(name.as_ptr(), 3, values.as_ptr(), &mut sum),
            HRESULT(0)
        );
        assert_eq!(sum, 6);

        let mut doubled = 0u32;
        assert_eq!(
            object.Callback(Some(double), (&raw mut doubled).cast()),
            HRESULT(0)
        );
        assert_eq!(doubled, 10);
        assert_eq!(object.Callback(None, core::ptr::null_mut()), HRESULT(1));

        let unknown: IUnknown = object.cast().unwrap();
        assert_eq!(object.Interfaces(Some(&unknown), Some(&object)), HRESULT(3));
        assert_eq!(object.Interfaces(None, None), HRESULT(0));

        let mut count = 0;
        let mut raw = core::ptr::null_mut();
        assert_eq!(object.Outs(&mut count, &mut raw), HRESULT(0));
        assert_eq!(count, 3);
        assert_eq!(IUnknown::from_raw(raw), unknown);
    }
}
