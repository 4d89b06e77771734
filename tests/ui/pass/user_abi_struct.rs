// A `#[repr(C)]` structure of the provider's own, passed by value: declare it an ABI type with
// `unsafe impl AbiSafe`, promising a C layout and that all-zero is a valid value (a panicking
// method's out-parameter is zeroed). The runtime's own structures (`GUID`, `FILETIME`, `MAPIUID`)
// are declared the same way.
use mapi_spi_runtime::com::AbiSafe;
use mapi_spi_runtime::{ComObject, HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

// SAFETY: `#[repr(C)]` of two `i32`, like the C `struct { LONG x; LONG y; }`; all-zero is (0, 0).
unsafe impl AbiSafe for Point {}

#[mapi_interface("9B6E0F00-0050-4A7C-8F10-2C3D4E5F6A50")]
pub unsafe trait ICanvas: IUnknown {
    fn Mirror(&self, point: Point, #[out] mirrored: *mut Point) -> HRESULT;
}

#[mapi_object(ICanvas)]
struct Canvas;

impl ICanvasImpl for Canvas {
    unsafe fn Mirror(_: &Object<Self>, point: Point, mirrored: *mut Point) -> HRESULT {
        unsafe {
            mirrored.write(Point {
                x: -point.x,
                y: -point.y,
            })
        };
        HRESULT(0)
    }
}

fn main() {
    let canvas: ICanvas = ComObject::new(Canvas).into_interface();
    let mut mirrored = Point { x: 0, y: 0 };
    assert_eq!(
        unsafe { canvas.Mirror(Point { x: 1, y: 2 }, &mut mirrored) },
        HRESULT(0)
    );
    assert_eq!(mirrored, Point { x: -1, y: -2 });
}
