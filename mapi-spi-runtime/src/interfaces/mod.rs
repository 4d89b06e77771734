//! The MAPI SPI's interfaces, declared with [`crate::mapi_interface`], by SPI:
//! properties, containers and tables ([`props`]), callbacks ([`callbacks`]), OLE's allocator
//! ([`ole`]), the support object ([`support`]), a service's administration and fast shutdown
//! ([`service`]), and, each with the feature of its name, the message store (`store`), the
//! address book (`ab`) and transports (`xp`).

#[cfg(feature = "ab")]
#[cfg_attr(docsrs, doc(cfg(feature = "ab")))]
pub mod ab;
pub mod callbacks;
pub mod ole;
pub mod props;
pub mod service;
#[cfg(feature = "store")]
#[cfg_attr(docsrs, doc(cfg(feature = "store")))]
pub mod store;
pub mod support;
#[cfg(feature = "xp")]
#[cfg_attr(docsrs, doc(cfg(feature = "xp")))]
pub mod xp;

#[cfg(feature = "ab")]
pub use ab::*;
pub use callbacks::*;
pub use ole::*;
pub use props::*;
pub use service::*;
#[cfg(feature = "store")]
pub use store::*;
pub use support::*;
#[cfg(feature = "xp")]
pub use xp::*;
