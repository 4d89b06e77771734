//! The property engine: typed values and the property bag behind `IMAPIProp`.
//!
//! - [`value`]: the values, [`PropValue`] (every MAPI type, single- and multi-valued,
//!   owning its data) and [`Property`]; reading a caller's `SPropValue` safely
//!   ([`Property::from_raw`]) and writing properties into one MAPI block
//!   ([`value::props_block`], through [`crate::alloc::props`]).
//! - [`text`]: [`Text`], a `PT_UNICODE` value's text: owned, static, or shared with others.
//! - [`ansi`]: 8-bit text and the one rule by which it converts to and from Unicode.
//! - [`bag`]: the [`PropertyBag`], with `GetProps`, `GetPropList`, `SetProps` and
//!   `DeleteProps`, `IPropData`'s per-object and per-property access, and their results in
//!   MAPI memory.
//!
//! - [`object`]: [`PropertyObject`], the bag as an `IMAPIProp` COM object (mapi32's
//!   `CreateIProp`); other objects pass their `IMAPIProp` methods to one with `forward`.
//! - [`stream`]: the `IStream` its `OpenProperty` hands out for large properties.
//! - [`names`]: named properties, a store's map between names and IDs from 0x8000.
//! - [`copy`]: `CopyTo` and `CopyProps` from the object to any `IMAPIProp`.
//! - [`encoding`]: a compact, versioned binary encoding of property lists, for a provider
//!   to keep the properties its own format cannot.
//!
//! The engine knows nothing of stores: the objects that expose `IMAPIProp` compose it.
//!
//! ```
//! use mapi_spi_runtime::alloc::AllocatorSet;
//! use mapi_spi_runtime::codes::MAPI_W_ERRORS_RETURNED;
//! use mapi_spi_runtime::props::{PropAccess, PropValue, Property, PropertyBag};
//! use mapi_spi_runtime::tags::{PR_DISPLAY_NAME_A, PR_DISPLAY_NAME_W, PR_SUBJECT_W};
//!
//! let mut bag = PropertyBag::new();
//! let name = Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode("Boîte".into()));
//! bag.insert(name, PropAccess::READ_ONLY).unwrap();
//!
//! // An 8-bit client asks for the name and for a subject the object does not have.
//! let allocators = AllocatorSet::native();
//! let block = bag
//!     .get_props_block(&allocators, Some(&[PR_DISPLAY_NAME_A, PR_SUBJECT_W]), false)
//!     .unwrap();
//! assert_eq!((block.count, block.code), (2, MAPI_W_ERRORS_RETURNED));
//! let (count, array) = block.into_raw();
//! let read = unsafe { mapi_spi_runtime::props::value::props_from_raw(array, count) }.unwrap();
//! assert_eq!(read[0].value, PropValue::String8(b"Bo\xeete".to_vec()));
//! unsafe { allocators.free(array.cast()) }; // one MAPIFreeBuffer frees it all
//! ```

pub mod ansi;
pub mod bag;
pub mod copy;
pub mod encoding;
pub mod names;
pub mod object;
pub mod stream;
pub mod text;
pub mod value;

pub use bag::{ObjectAccess, PropAccess, PropertyBag};
pub use object::{ObjectOpener, PropertyObject};
pub use text::Text;
pub use value::{PropValue, Property};
