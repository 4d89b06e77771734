//! The MAPI SPI's interfaces, declared with [`crate::mapi_interface`], by SPI:
//! properties ([`props`]), callbacks ([`callbacks`]), OLE's allocator ([`ole`]), the support
//! object ([`support`]) and the message store ([`store`]).

pub mod callbacks;
pub mod ole;
pub mod props;
pub mod store;
pub mod support;

pub use callbacks::*;
pub use ole::*;
pub use props::*;
pub use store::*;
pub use support::*;
