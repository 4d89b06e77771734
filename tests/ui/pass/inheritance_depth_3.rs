// An interface chain of depth 3 (IPuppy : IDog : IAnimal : IUnknown) on one object.
//
// List only the most derived interface: its vtable starts with its bases' slots, so
// QueryInterface answers the bases too, and `IPuppy` dereferences to `IDog` and `IAnimal`.
// Implement every interface of the chain, each in its own `impl IxxxImpl`.
use mapi_spi_runtime::{
    ComObject, HRESULT, IUnknown, Interface, Object, mapi_interface, mapi_object,
};

#[mapi_interface("9B6E0F00-0001-4A7C-8F10-2C3D4E5F6A01")]
pub unsafe trait IAnimal: IUnknown {
    fn Legs(&self, #[out] count: *mut u32) -> HRESULT;
}

#[mapi_interface("9B6E0F00-0002-4A7C-8F10-2C3D4E5F6A02")]
pub unsafe trait IDog: IAnimal {
    fn Bark(&self) -> u32;
}

#[mapi_interface("9B6E0F00-0003-4A7C-8F10-2C3D4E5F6A03")]
pub unsafe trait IPuppy: IDog {
    fn Age(&self) -> u32;
}

#[mapi_object(IPuppy)]
struct Rex;

impl IAnimalImpl for Rex {
    unsafe fn Legs(_: &Object<Self>, count: *mut u32) -> HRESULT {
        unsafe { count.write(4) };
        HRESULT(0)
    }
}

impl IDogImpl for Rex {
    unsafe fn Bark(_: &Object<Self>) -> u32 {
        1
    }
}

impl IPuppyImpl for Rex {
    unsafe fn Age(_: &Object<Self>) -> u32 {
        2
    }
}

fn main() {
    let puppy: IPuppy = ComObject::new(Rex).into_interface();
    let mut legs = 0;
    unsafe {
        // Methods of the bases through `Deref`.
        assert_eq!(puppy.Legs(&mut legs), HRESULT(0));
        assert_eq!(puppy.Bark(), 1);
        assert_eq!(puppy.Age(), 2);
    }
    assert_eq!(legs, 4);
    // QueryInterface for a base, and conversions into the bases.
    let animal: IAnimal = puppy.cast().unwrap();
    let dog: IDog = puppy.clone().into();
    let unknown: IUnknown = dog.into();
    assert_eq!(unknown, animal.cast::<IUnknown>().unwrap());
}
