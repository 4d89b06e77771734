//! This crate's own `MAPIAllocateBuffer`, `MAPIAllocateMore` and `MAPIFreeBuffer`, for hosts,
//! host harnesses and tests (a provider uses the set MAPI gives it, never these by import).
//!
//! It keeps the documented contract and the rules of §5.3 of the reference: a NULL out-pointer
//! or a NULL or non-root parent is `MAPI_E_INVALID_PARAMETER`; a zero-size block is a unique
//! pointer; out of memory is `MAPI_E_NOT_ENOUGH_MEMORY` with the out-pointer NULL;
//! `MAPIFreeBuffer(NULL)` does nothing and returns 0; freeing a root frees its children.
//! Every block is aligned to [`ALIGNMENT`] (16 bytes on 64-bit, 8 on 32-bit), so an
//! `SPropValue`, `f64` or `i64` can be stored anywhere a builder puts it.
//!
//! # Layout
//!
//! ```text
//! root block:  [ RootFields | tag ][ caller's bytes ]         one system allocation
//! chunk:       [ next, size ][ tag | child ][ tag | child ]...  one system allocation
//! ```
//!
//! Children are carved from chunks owned by the root (bump allocation under the root's lock),
//! not allocated one by one: a root with a handful of strings hung off it costs two system
//! allocations instead of one per block, and freeing it walks its chunks, not its children.
//! The first chunk is [`FIRST_CHUNK`] bytes, each next one twice the last up to [`MAX_CHUNK`];
//! a child bigger than half the next chunk gets a chunk of its own. The word just before every
//! block is a tag saying root or child, so a child passed as a parent or to `MAPIFreeBuffer`
//! is refused instead of corrupting memory.
//!
//! In debug builds a registry of live roots and children also catches a double free and a
//! foreign pointer before touching its memory, and reports each misuse on stderr as well as
//! in the result. In release builds those are undefined, as in MAPI.
#![allow(non_snake_case)]

use core::ffi::c_void;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::alloc::Layout;
use std::sync::{Mutex, PoisonError};
use windows_core::HRESULT;

use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_ENOUGH_MEMORY, S_OK};

/// The alignment of every block: 16 bytes on 64-bit, 8 on 32-bit.
pub const ALIGNMENT: usize = 2 * size_of::<usize>();

/// Size of a root's first chunk of children.
pub const FIRST_CHUNK: usize = 512;
/// Chunks double up to this size.
pub const MAX_CHUNK: usize = 16 * 1024;

const WORD: usize = size_of::<usize>();
/// Tags of the word before a block (arbitrary values, unlikely in user data).
const ROOT_TAG: usize = 0x5EED_0001;
const CHILD_TAG: usize = 0x5EED_0002;

/// Bookkeeping at the start of a root block.
struct RootFields {
    /// Bytes of the whole block, for its `Layout` when freed.
    size: usize,
    arena: Mutex<Arena>,
}

/// Where the next child of a root goes.
struct Arena {
    /// The free part of the current chunk.
    cursor: *mut u8,
    end: *mut u8,
    /// Every chunk of the root, newest first.
    chunks: *mut Chunk,
    next_chunk_size: usize,
}

#[repr(C)]
struct Chunk {
    next: *mut Chunk,
    size: usize,
}

const fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// From the start of a root block to the caller's bytes; the tag is the last word.
const ROOT_HEADER: usize = round_up(size_of::<RootFields>() + WORD, ALIGNMENT);
/// From the start of a chunk to its first child header.
const CHUNK_HEADER: usize = round_up(size_of::<Chunk>(), ALIGNMENT);
/// Before each child; the tag is the last word.
const CHILD_HEADER: usize = ALIGNMENT;

// Headers keep every block ALIGNMENT-aligned, and a small child always fits a fresh chunk.
const _: () = {
    assert!(ROOT_HEADER.is_multiple_of(ALIGNMENT));
    assert!(CHUNK_HEADER.is_multiple_of(ALIGNMENT));
    assert!(FIRST_CHUNK / 2 > CHUNK_HEADER + CHILD_HEADER);
};

static LIVE_ROOTS: AtomicUsize = AtomicUsize::new(0);

/// The number of root buffers allocated here and not yet freed, in the whole process: for a
/// host harness's leak report. Tests running in parallel share it.
pub fn live_buffers() -> usize {
    LIVE_ROOTS.load(Ordering::SeqCst)
}

/// `MAPIAllocateBuffer`: a new root of `cb_size` bytes (uninitialised) in `*lpp_buffer`.
///
/// # Safety
///
/// `lpp_buffer` must be NULL or valid for a pointer write.
pub unsafe extern "system" fn MAPIAllocateBuffer(
    cb_size: u32,
    lpp_buffer: *mut *mut c_void,
) -> HRESULT {
    if lpp_buffer.is_null() {
        return MAPI_E_INVALID_PARAMETER;
    }
    let (hr, block) = match allocate_root(cb_size) {
        Ok(block) => (S_OK, block.cast()),
        Err(hr) => (hr, core::ptr::null_mut()),
    };
    // SAFETY: checked non-NULL; valid for a write (caller).
    unsafe { lpp_buffer.write(block) };
    hr
}

/// `MAPIAllocateMore`: a block of `cb_size` bytes freed with the root `lp_object`.
///
/// # Safety
///
/// `lpp_buffer` must be NULL or valid for a pointer write; `lp_object` must be NULL or a block
/// from this allocator that is still alive (in debug builds, any pointer is refused safely).
pub unsafe extern "system" fn MAPIAllocateMore(
    cb_size: u32,
    lp_object: *mut c_void,
    lpp_buffer: *mut *mut c_void,
) -> HRESULT {
    if lpp_buffer.is_null() {
        return MAPI_E_INVALID_PARAMETER;
    }
    // SAFETY: checked non-NULL; valid for a write (caller).
    unsafe { lpp_buffer.write(core::ptr::null_mut()) };
    let root = lp_object.cast::<u8>();
    // SAFETY: `root` is NULL or a live block of ours (caller).
    if let Err(misuse) = unsafe { check_root(root) } {
        misuse.report("MAPIAllocateMore", root);
        return MAPI_E_INVALID_PARAMETER;
    }
    // SAFETY: `root` is a live root (checked).
    match unsafe { allocate_child(root, cb_size) } {
        Ok(child) => {
            // SAFETY: as above.
            unsafe { lpp_buffer.write(child.cast()) };
            S_OK
        }
        Err(hr) => hr,
    }
}

/// `MAPIFreeBuffer`: frees a root and all its children; NULL does nothing. Returns 0, or
/// `MAPI_E_INVALID_PARAMETER` (as `u32`) for a child, and in debug builds for a pointer that
/// is not a live root, without freeing anything.
///
/// # Safety
///
/// `lp_buffer` must be NULL or a block from this allocator that is still alive (in debug
/// builds, any pointer is refused safely); a freed root must not be used again.
pub unsafe extern "system" fn MAPIFreeBuffer(lp_buffer: *mut c_void) -> u32 {
    let root = lp_buffer.cast::<u8>();
    if root.is_null() {
        return 0;
    }
    #[cfg(debug_assertions)]
    if let Err(misuse) = registry::remove_root(root) {
        misuse.report("MAPIFreeBuffer", root);
        return MAPI_E_INVALID_PARAMETER.0 as u32;
    }
    // SAFETY: `root` is a live block of ours (caller, and the registry in debug builds).
    if let Err(misuse) = unsafe { check_tag(root) } {
        misuse.report("MAPIFreeBuffer", root);
        return MAPI_E_INVALID_PARAMETER.0 as u32;
    }
    // SAFETY: a live root, given up by the caller.
    unsafe { free_root(root) };
    0
}

/// Why a pointer was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Misuse {
    Null,
    Child,
    /// Not a block of this allocator, or already freed.
    NotLive,
}

impl Misuse {
    fn report(self, function: &str, ptr: *mut u8) {
        if cfg!(debug_assertions) {
            let what = match self {
                Misuse::Null => "NULL is not a root",
                Misuse::Child => "a child block is not a root (pass the root it was allocated on)",
                Misuse::NotLive => "not a live root (freed twice, or not from this allocator)",
            };
            eprintln!("mapi-spi native allocator: {function}({ptr:p}): {what}; refused");
        }
    }
}

/// Whether `root` may be a parent.
///
/// # Safety
///
/// In release builds, `root` must be NULL or a live block of ours.
unsafe fn check_root(root: *mut u8) -> Result<(), Misuse> {
    if root.is_null() {
        return Err(Misuse::Null);
    }
    #[cfg(debug_assertions)]
    registry::check_root(root)?;
    // SAFETY: a live block of ours (caller, and the registry in debug builds).
    unsafe { check_tag(root) }
}

/// # Safety
///
/// `block` must be a live block of ours.
unsafe fn check_tag(block: *mut u8) -> Result<(), Misuse> {
    if !(block as usize).is_multiple_of(ALIGNMENT) {
        return Err(Misuse::NotLive);
    }
    // SAFETY: every block of ours is preceded by its tag word.
    match unsafe { block.cast::<usize>().sub(1).read() } {
        ROOT_TAG => Ok(()),
        CHILD_TAG => Err(Misuse::Child),
        _ => Err(Misuse::NotLive),
    }
}

fn layout(size: usize) -> Result<Layout, HRESULT> {
    Layout::from_size_align(size, ALIGNMENT).map_err(|_| MAPI_E_NOT_ENOUGH_MEMORY)
}

/// A system allocation; in this crate's unit tests, one can be made to fail.
fn system_alloc(layout: Layout) -> Result<*mut u8, HRESULT> {
    #[cfg(test)]
    if tests::FAIL_NEXT_SYSTEM_ALLOC.replace(false) {
        return Err(MAPI_E_NOT_ENOUGH_MEMORY);
    }
    // SAFETY: every layout here has a non-zero size (headers).
    let block = unsafe { std::alloc::alloc(layout) };
    if block.is_null() {
        Err(MAPI_E_NOT_ENOUGH_MEMORY)
    } else {
        Ok(block)
    }
}

fn allocate_root(cb: u32) -> Result<*mut u8, HRESULT> {
    // `checked_add` matters on 32-bit, where `u32::MAX + header` wraps.
    let size = ROOT_HEADER
        .checked_add(cb as usize)
        .ok_or(MAPI_E_NOT_ENOUGH_MEMORY)?;
    let block = system_alloc(layout(size)?)?;
    let fields = RootFields {
        size,
        arena: Mutex::new(Arena {
            cursor: core::ptr::null_mut(),
            end: core::ptr::null_mut(),
            chunks: core::ptr::null_mut(),
            next_chunk_size: FIRST_CHUNK,
        }),
    };
    // SAFETY: the block is ALIGNMENT-aligned and ROOT_HEADER + cb bytes long, and RootFields
    // plus the tag fit in ROOT_HEADER.
    let root = unsafe {
        block.cast::<RootFields>().write(fields);
        let root = block.add(ROOT_HEADER);
        root.cast::<usize>().sub(1).write(ROOT_TAG);
        root
    };
    LIVE_ROOTS.fetch_add(1, Ordering::Relaxed);
    #[cfg(debug_assertions)]
    registry::add_root(root);
    Ok(root)
}

/// # Safety
///
/// `root` must be a live root of ours.
unsafe fn root_fields<'a>(root: *mut u8) -> &'a RootFields {
    // SAFETY: RootFields is at the start of the block, ROOT_HEADER before the caller's bytes.
    unsafe { &*root.sub(ROOT_HEADER).cast::<RootFields>() }
}

/// # Safety
///
/// `root` must be a live root of ours.
unsafe fn allocate_child(root: *mut u8, cb: u32) -> Result<*mut u8, HRESULT> {
    let need = (cb as usize)
        .checked_next_multiple_of(ALIGNMENT)
        .and_then(|body| body.checked_add(CHILD_HEADER))
        .ok_or(MAPI_E_NOT_ENOUGH_MEMORY)?;
    // SAFETY: a live root (caller).
    let fields = unsafe { root_fields(root) };
    // Hosts are told not to race AllocateMore on one root, but the lock makes it harmless.
    let mut arena = fields.arena.lock().unwrap_or_else(PoisonError::into_inner);
    let space = arena.end as usize - arena.cursor as usize;
    let header = if need <= space {
        let header = arena.cursor;
        // SAFETY: `need` bytes from the cursor are inside the current chunk.
        arena.cursor = unsafe { header.add(need) };
        header
    } else if need > arena.next_chunk_size / 2 {
        // A big child gets a chunk of its own and the current chunk stays open for small ones.
        new_chunk(
            &mut arena,
            CHUNK_HEADER
                .checked_add(need)
                .ok_or(MAPI_E_NOT_ENOUGH_MEMORY)?,
        )?
    } else {
        let size = arena.next_chunk_size;
        let header = new_chunk(&mut arena, size)?;
        arena.next_chunk_size = (size * 2).min(MAX_CHUNK);
        // SAFETY: the chunk is `size` bytes from `header - CHUNK_HEADER`; `need` fits in it.
        unsafe {
            arena.cursor = header.add(need);
            arena.end = header.sub(CHUNK_HEADER).add(size);
        }
        header
    };
    drop(arena);
    // SAFETY: `header` starts `need` >= CHILD_HEADER bytes of a chunk, ALIGNMENT-aligned.
    let child = unsafe {
        let child = header.add(CHILD_HEADER);
        child.cast::<usize>().sub(1).write(CHILD_TAG);
        child
    };
    #[cfg(debug_assertions)]
    registry::add_child(root, child);
    Ok(child)
}

/// Allocates a chunk of `size` bytes, links it into the root's list, and returns its first
/// byte after the chunk header.
fn new_chunk(arena: &mut Arena, size: usize) -> Result<*mut u8, HRESULT> {
    let block = system_alloc(layout(size)?)?;
    // SAFETY: the block is aligned for Chunk and at least CHUNK_HEADER bytes long.
    unsafe {
        block.cast::<Chunk>().write(Chunk {
            next: arena.chunks,
            size,
        });
        arena.chunks = block.cast();
        Ok(block.add(CHUNK_HEADER))
    }
}

/// # Safety
///
/// `root` must be a live root of ours, not used afterwards.
unsafe fn free_root(root: *mut u8) {
    // SAFETY: a live root (caller).
    unsafe {
        let block = root.sub(ROOT_HEADER);
        let fields = block.cast::<RootFields>().read();
        let arena = fields
            .arena
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let mut chunk = arena.chunks;
        while !chunk.is_null() {
            let Chunk { next, size } = chunk.read();
            std::alloc::dealloc(
                chunk.cast(),
                Layout::from_size_align_unchecked(size, ALIGNMENT),
            );
            chunk = next;
        }
        // Clears the tag, so that a stale pointer to the block is less likely to pass for a root.
        root.cast::<usize>().sub(1).write(0);
        std::alloc::dealloc(
            block,
            Layout::from_size_align_unchecked(fields.size, ALIGNMENT),
        );
    }
    LIVE_ROOTS.fetch_sub(1, Ordering::Relaxed);
}

/// Debug builds only: every live root with its children, so that misuse is caught before the
/// pointer is read.
#[cfg(debug_assertions)]
mod registry {
    use super::Misuse;
    use std::collections::BTreeMap;
    use std::sync::{Mutex, MutexGuard, PoisonError};

    struct Registry {
        /// Root address -> its children's addresses.
        roots: BTreeMap<usize, Vec<usize>>,
        /// Child address -> its root's address.
        children: BTreeMap<usize, usize>,
    }

    static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
        roots: BTreeMap::new(),
        children: BTreeMap::new(),
    });

    fn registry() -> MutexGuard<'static, Registry> {
        REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn add_root(root: *mut u8) {
        registry().roots.insert(root as usize, Vec::new());
    }

    pub(super) fn add_child(root: *mut u8, child: *mut u8) {
        let mut registry = registry();
        registry
            .roots
            .get_mut(&(root as usize))
            .expect("checked root")
            .push(child as usize);
        registry.children.insert(child as usize, root as usize);
    }

    fn misuse(registry: &Registry, ptr: *mut u8) -> Misuse {
        if registry.children.contains_key(&(ptr as usize)) {
            Misuse::Child
        } else {
            Misuse::NotLive
        }
    }

    pub(super) fn check_root(root: *mut u8) -> Result<(), Misuse> {
        let registry = registry();
        if registry.roots.contains_key(&(root as usize)) {
            Ok(())
        } else {
            Err(misuse(&registry, root))
        }
    }

    pub(super) fn remove_root(root: *mut u8) -> Result<(), Misuse> {
        let mut registry = registry();
        match registry.roots.remove(&(root as usize)) {
            Some(children) => {
                for child in children {
                    registry.children.remove(&child);
                }
                Ok(())
            }
            None => Err(misuse(&registry, root)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    thread_local! {
        /// Makes this thread's next system allocation fail, as if memory were exhausted.
        pub(super) static FAIL_NEXT_SYSTEM_ALLOC: Cell<bool> = const { Cell::new(false) };
    }

    fn allocate(cb: u32) -> *mut c_void {
        let mut p = core::ptr::null_mut();
        assert_eq!(unsafe { MAPIAllocateBuffer(cb, &mut p) }, S_OK);
        p
    }

    #[test]
    fn out_of_memory_leaves_the_out_pointer_null() {
        let mut p = 0x10 as *mut c_void;
        FAIL_NEXT_SYSTEM_ALLOC.set(true);
        assert_eq!(
            unsafe { MAPIAllocateBuffer(8, &mut p) },
            MAPI_E_NOT_ENOUGH_MEMORY
        );
        assert!(p.is_null());

        let root = allocate(8);
        let mut child = 0x10 as *mut c_void;
        FAIL_NEXT_SYSTEM_ALLOC.set(true);
        assert_eq!(
            unsafe { MAPIAllocateMore(8, root, &mut child) },
            MAPI_E_NOT_ENOUGH_MEMORY
        );
        assert!(child.is_null());
        // The root is intact and can still grow.
        assert_eq!(unsafe { MAPIAllocateMore(8, root, &mut child) }, S_OK);
        assert_eq!(unsafe { MAPIFreeBuffer(root) }, 0);
    }

    #[test]
    fn children_fill_a_chunk_then_chunks_double_and_big_children_get_their_own() {
        let root = allocate(0);
        let chunks = |root: *mut c_void| {
            let arena = unsafe { root_fields(root.cast()) }.arena.lock().unwrap();
            let (mut count, mut chunk) = (0, arena.chunks);
            while !chunk.is_null() {
                count += 1;
                chunk = unsafe { (*chunk).next };
            }
            (count, arena.next_chunk_size)
        };
        let mut child = core::ptr::null_mut();
        let per_first_chunk = (FIRST_CHUNK - CHUNK_HEADER) / (CHILD_HEADER + ALIGNMENT);
        for _ in 0..per_first_chunk {
            assert_eq!(unsafe { MAPIAllocateMore(1, root, &mut child) }, S_OK);
        }
        assert_eq!(chunks(root), (1, 2 * FIRST_CHUNK));
        assert_eq!(unsafe { MAPIAllocateMore(1, root, &mut child) }, S_OK);
        assert_eq!(chunks(root), (2, 4 * FIRST_CHUNK));
        // Bigger than half the next chunk: a chunk of its own, the growth unchanged.
        let big = (2 * FIRST_CHUNK + 1) as u32;
        assert_eq!(unsafe { MAPIAllocateMore(big, root, &mut child) }, S_OK);
        assert_eq!(chunks(root), (3, 4 * FIRST_CHUNK));
        assert_eq!(unsafe { MAPIFreeBuffer(root) }, 0);
    }
}
