//! The COM object machinery that `#[mapi_interface]` and `#[mapi_object]` expand to.
//!
//! - [`interface`]: what every declared interface is ([`MapiInterface`]), and IUnknown's place.
//! - [`object`]: the heap block of an object ([`Object`]), its owned handle ([`ComObject`]) and
//!   the reference count.
//! - [`query`]: `QueryInterface`, `AddRef` and `Release`, shared by every vtable of every object.
//! - [`abi`]: how parameters and results cross the vtable, and the panic guard of the thunks.
//! - [`forward`]: where the methods an implementer leaves out go ([`Forward`]).
//! - [`pair`]: two objects of their own identity and count in one block ([`Pair`]).

pub mod abi;
pub mod forward;
pub mod interface;
pub mod object;
pub mod pair;
pub mod query;

pub use abi::{AbiReturn, AbiSafe, InterfaceOut};

/// `Result<T, windows_core::Error>`: what interface methods return when they do not return a
/// bare `HRESULT`. `T` is `()` or [`crate::codes::SuccessCode`] for methods declared with
/// `#[mapi_interface]`.
pub type Result<T = ()> = core::result::Result<T, windows_core::Error>;
pub use forward::{CallEnd, CallGuard, Forward, MethodName};
pub use interface::{MapiInterface, VtableFor};
pub use object::{Alone, ComObject, Home, Implements, MapiObject, Object, VtablePtr};
pub use pair::{First, KeptRef, Pair, PairRef, Parts, Reserved, Second, Shared};
