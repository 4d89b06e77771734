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
//! - [`builders`] and [`props`]: the structures providers return most, each built in one host
//!   allocation.
//! - [`native`]: this crate's own implementation of the three functions, for hosts and tests.
//! - [`malloc`]: a native, counted `IMalloc` object for host harnesses.
//! - [`testing`]: an allocator set that counts host calls and fails on demand.

pub mod buffer;
pub mod builders;
pub mod malloc;
pub mod native;
pub mod props;
pub mod set;
pub mod testing;

pub use buffer::{ChildBuf, RootBuf};
pub use set::{AllocatorSet, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER};
