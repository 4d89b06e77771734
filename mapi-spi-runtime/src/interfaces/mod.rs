//! The MAPI SPI's interfaces, declared with [`crate::mapi_interface`].

pub mod ole;
pub mod store;

pub use store::*;
