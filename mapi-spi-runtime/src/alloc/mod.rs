//! MAPI memory: the host's allocators and the buffers providers return through out-parameters.
//!
//! MAPI hands every provider three functions at `MSProviderInit` (`MAPIAllocateBuffer`,
//! `MAPIAllocateMore`, `MAPIFreeBuffer`). Whatever a provider returns through an out-parameter
//! (strings, entry IDs, property arrays, `MAPIERROR`) must come from them, laid out so that the
//! host frees it with one `MAPIFreeBuffer`.
//!
//! - [`set`]: [`AllocatorSet`], the host's three functions.
//! - [`buffer`]: [`RootBuf`] (owns a root, frees it on drop unless handed over) and
//!   [`ChildBuf`] (a block hung off the root with `MAPIAllocateMore`).
//! - [`builders`] (strings, binaries, entry IDs, tag arrays, `MAPIERROR`) and [`props`]
//!   (property values, `GetProps` results, row sets): each result in one host allocation.
//! - [`native`]: this crate's own implementation of the three functions, for hosts and tests.
//! - [`malloc`]: a native, counted `IMalloc` object for host harnesses.
//! - [`testing`]: an allocator set that counts host calls and fails on demand.
//!
//! A `GetProps`-style method fills its out-parameters like this; on error nothing is left
//! allocated and the out-parameters are untouched:
//!
//! ```
//! use mapi_spi_runtime::alloc::AllocatorSet;
//! use mapi_spi_runtime::alloc::props::{props, PropValue, Value};
//! use mapi_spi_runtime::types::SPropValue;
//!
//! fn get_props(
//!     allocators: &AllocatorSet,
//!     lpc_values: *mut u32,
//!     lpp_prop_array: *mut *mut SPropValue,
//! ) -> mapi_spi_runtime::Result<()> {
//!     let values = [
//!         PropValue::new(0x3001, Value::Unicode("Inbox".into())),
//!         PropValue::new(0x3602, Value::Long(42)),
//!     ];
//!     let block = props(allocators, &values)?;
//!     // From here the host owns the block and frees it with one MAPIFreeBuffer.
//!     unsafe {
//!         lpc_values.write(values.len() as u32);
//!         lpp_prop_array.write(block.into_raw().cast());
//!     }
//!     Ok(())
//! }
//!
//! let allocators = AllocatorSet::native();
//! let (mut count, mut array) = (0, core::ptr::null_mut());
//! get_props(&allocators, &mut count, &mut array).unwrap();
//! assert_eq!(count, 2);
//! unsafe { allocators.free(array.cast()) };
//! ```

pub mod buffer;
pub mod builders;
// The native allocator, IMalloc and allocation test tools are MAPI's side, for hosts and tests:
// a provider DLL uses the allocators MAPI hands it and ships none of them.
#[cfg(any(feature = "host", test))]
#[cfg_attr(docsrs, doc(cfg(feature = "host")))]
pub mod malloc;
#[cfg(any(feature = "host", test))]
#[cfg_attr(docsrs, doc(cfg(feature = "host")))]
pub mod native;
pub mod props;
pub mod set;
#[cfg(any(feature = "host", test))]
#[cfg_attr(docsrs, doc(cfg(feature = "host")))]
pub mod testing;

pub use buffer::{ChildBuf, MapiBytes, RootBuf};
pub use set::{AllocatorSet, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER};
