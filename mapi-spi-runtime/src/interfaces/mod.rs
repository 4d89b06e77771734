//! The MAPI SPI's interfaces, declared with [`crate::mapi_interface`], by SPI:
//! properties, containers and tables ([`props`]), callbacks ([`callbacks`]), OLE's allocator
//! ([`ole`]), the support object ([`support`]), a service's administration and fast shutdown
//! ([`service`]), the message store ([`store`]), the address book ([`ab`]) and transports
//! ([`xp`]).

pub mod ab;
pub mod callbacks;
pub mod ole;
pub mod props;
pub mod service;
pub mod store;
pub mod support;
pub mod xp;

pub use ab::*;
pub use callbacks::*;
pub use ole::*;
pub use props::*;
pub use service::*;
pub use store::*;
pub use support::*;
pub use xp::*;
