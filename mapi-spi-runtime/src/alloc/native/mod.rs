//! This crate's own `MAPIAllocateBuffer`, `MAPIAllocateMore` and `MAPIFreeBuffer`, for hosts,
//! host harnesses and tests (a provider uses the set MAPI gives it, never these by import).
//!
//! It keeps the documented contract and the rules of §5.3 of the reference: a NULL out-pointer
//! or a NULL or non-root parent is `MAPI_E_INVALID_PARAMETER`; a zero-size block is a unique
//! pointer; out of memory is `MAPI_E_NOT_ENOUGH_MEMORY` with the out-pointer NULL;
//! `MAPIFreeBuffer(NULL)` does nothing and returns 0; freeing a root frees its children.
//! Every block is aligned to [`ALIGNMENT`] (16 bytes on 64-bit, 8 on 32-bit), so an
//! `SPropValue`, `f64` or `i64` can be stored anywhere a builder puts it. All three functions
//! may be called from any thread.
//!
//! # Layout
//!
//! ```text
//! root block:  [ RootFields | tag ][ caller's bytes ]           one system allocation
//! chunk:       [ next, size ][ tag | child ][ tag | child ]...  one system allocation
//! ```
//!
//! Children are carved from chunks owned by the root, not allocated one by one: a root with a
//! handful of strings hung off it costs two system allocations instead of one per block, and
//! freeing it walks its chunks, not its children. The first chunk is [`FIRST_CHUNK`] bytes,
//! each next one twice the last up to [`MAX_CHUNK`]; a child bigger than half the next chunk
//! gets a chunk of its own. The word just before every block is a tag saying root or child,
//! so a child passed as a parent or to `MAPIFreeBuffer` is refused instead of corrupting
//! memory.
//!
//! # Threads
//!
//! The thread that allocated a root (its owner, in practice the one building the result)
//! carves children from the root's chunks with no lock and no atomic instruction. Another
//! thread calling `MAPIAllocateMore` on the same root gets a chunk of its own, linked under
//! the root's lock: the owner's chunks are only ever touched by the owner, so both can run at
//! once. The live-root count is per thread too (module `census`). So the only locked instructions
//! on the hot path are the system allocator's own.
//!
//! # Misuse
//!
//! In debug builds a registry of live roots and children also catches a double free and a
//! foreign pointer before touching its memory, and reports each misuse on stderr as well as
//! in the result. In release builds those are undefined, as in MAPI.
#![allow(non_snake_case)]

mod census;
#[cfg(debug_assertions)]
mod registry;

use core::cell::UnsafeCell;
use core::ffi::c_void;
use std::alloc::Layout;
use std::sync::{Mutex, PoisonError};
use windows_core::HRESULT;

use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_ENOUGH_MEMORY, S_OK};
use crate::sync::lock;

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
    /// The allocating thread ([`thread_mark`]): the only one that touches `arena`.
    owner: usize,
    arena: UnsafeCell<Arena>,
    /// Chunks of children allocated by other threads than the owner, newest first.
    others: Mutex<ChunkList>,
}

/// Where the owner thread puts the root's next child.
struct Arena {
    /// The free part of the current chunk.
    cursor: *mut u8,
    end: *mut u8,
    chunks: ChunkList,
    next_chunk_size: usize,
}

/// A singly linked list of chunks, newest first.
struct ChunkList(*mut Chunk);

// SAFETY: the list is only reached through its root's lock, and chunks are plain memory.
unsafe impl Send for ChunkList {}

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

/// The number of root buffers allocated here and not yet freed, in the whole process: for a
/// host harness's leak report. Exact when no other thread is allocating or freeing; tests
/// running in parallel share it.
pub fn live_buffers() -> usize {
    census::total()
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
/// builds, any pointer is refused safely); a freed root must not be used again, and no other
/// thread may be allocating on it.
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

/// An address unique to the calling thread among live threads: that of a thread-local.
fn thread_mark() -> usize {
    thread_local! {
        static MARK: u8 = const { 0 };
    }
    MARK.with(|mark| core::ptr::from_ref(mark) as usize)
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
        owner: thread_mark(),
        arena: UnsafeCell::new(Arena {
            cursor: core::ptr::null_mut(),
            end: core::ptr::null_mut(),
            chunks: ChunkList(core::ptr::null_mut()),
            next_chunk_size: FIRST_CHUNK,
        }),
        others: Mutex::new(ChunkList(core::ptr::null_mut())),
    };
    // SAFETY: the block is ALIGNMENT-aligned and ROOT_HEADER + cb bytes long, and RootFields
    // plus the tag fit in ROOT_HEADER.
    let root = unsafe {
        block.cast::<RootFields>().write(fields);
        let root = block.add(ROOT_HEADER);
        root.cast::<usize>().sub(1).write(ROOT_TAG);
        root
    };
    census::add(1);
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
    let header = if fields.owner == thread_mark() {
        // SAFETY: only the owner thread reaches the arena, and it is here.
        carve(unsafe { &mut *fields.arena.get() }, need)?
    } else {
        let mut others = lock(&fields.others);
        new_chunk(
            &mut others,
            CHUNK_HEADER
                .checked_add(need)
                .ok_or(MAPI_E_NOT_ENOUGH_MEMORY)?,
        )?
    };
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

/// `need` bytes from the owner's chunks: bumped from the current chunk, or from a new one.
fn carve(arena: &mut Arena, need: usize) -> Result<*mut u8, HRESULT> {
    let space = arena.end as usize - arena.cursor as usize;
    if need <= space {
        let header = arena.cursor;
        // SAFETY: `need` bytes from the cursor are inside the current chunk.
        arena.cursor = unsafe { header.add(need) };
        return Ok(header);
    }
    if need > arena.next_chunk_size / 2 {
        // A big child gets a chunk of its own and the current chunk stays open for small ones.
        let size = CHUNK_HEADER
            .checked_add(need)
            .ok_or(MAPI_E_NOT_ENOUGH_MEMORY)?;
        return new_chunk(&mut arena.chunks, size);
    }
    let size = arena.next_chunk_size;
    let header = new_chunk(&mut arena.chunks, size)?;
    arena.next_chunk_size = (size * 2).min(MAX_CHUNK);
    // SAFETY: the chunk is `size` bytes from `header - CHUNK_HEADER`; `need` fits in it.
    unsafe {
        arena.cursor = header.add(need);
        arena.end = header.sub(CHUNK_HEADER).add(size);
    }
    Ok(header)
}

/// Allocates a chunk of `size` bytes, links it at the head of `list`, and returns its first
/// byte after the chunk header.
fn new_chunk(list: &mut ChunkList, size: usize) -> Result<*mut u8, HRESULT> {
    let block = system_alloc(layout(size)?)?;
    // SAFETY: the block is aligned for Chunk and at least CHUNK_HEADER bytes long.
    unsafe {
        block.cast::<Chunk>().write(Chunk { next: list.0, size });
        list.0 = block.cast();
        Ok(block.add(CHUNK_HEADER))
    }
}

/// # Safety
///
/// Every chunk of `list` must be live and owned by the caller.
unsafe fn free_chunks(list: ChunkList) {
    let mut chunk = list.0;
    while !chunk.is_null() {
        // SAFETY: a live chunk allocated with this size and ALIGNMENT (caller).
        unsafe {
            let Chunk { next, size } = chunk.read();
            std::alloc::dealloc(
                chunk.cast(),
                Layout::from_size_align_unchecked(size, ALIGNMENT),
            );
            chunk = next;
        }
    }
}

/// # Safety
///
/// `root` must be a live root of ours, not used afterwards, with no thread allocating on it.
unsafe fn free_root(root: *mut u8) {
    // SAFETY: a live root (caller): its fields are read out once, then the block is freed.
    unsafe {
        let block = root.sub(ROOT_HEADER);
        let fields = block.cast::<RootFields>().read();
        free_chunks(fields.arena.into_inner().chunks);
        free_chunks(
            fields
                .others
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        );
        // Clears the tag, so that a stale pointer to the block is less likely to pass for a root.
        root.cast::<usize>().sub(1).write(0);
        std::alloc::dealloc(
            block,
            Layout::from_size_align_unchecked(fields.size, ALIGNMENT),
        );
    }
    census::add(-1);
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
        // SAFETY: a valid out-pointer.
        assert_eq!(unsafe { MAPIAllocateBuffer(cb, &mut p) }, S_OK);
        p
    }

    fn more(cb: u32, root: *mut c_void) -> *mut c_void {
        let mut p = core::ptr::null_mut();
        // SAFETY: `root` is a live root of this allocator; a valid out-pointer.
        assert_eq!(unsafe { MAPIAllocateMore(cb, root, &mut p) }, S_OK);
        p
    }

    fn count(list: &ChunkList) -> usize {
        let (mut count, mut chunk) = (0, list.0);
        while !chunk.is_null() {
            count += 1;
            // SAFETY: `chunk` is a live chunk of the list, not NULL.
            chunk = unsafe { (*chunk).next };
        }
        count
    }

    #[test]
    fn out_of_memory_leaves_the_out_pointer_null() {
        let mut p = 0x10 as *mut c_void;
        FAIL_NEXT_SYSTEM_ALLOC.set(true);
        assert_eq!(
            // SAFETY: a valid out-pointer.
            unsafe { MAPIAllocateBuffer(8, &mut p) },
            MAPI_E_NOT_ENOUGH_MEMORY
        );
        assert!(p.is_null());

        let root = allocate(8);
        let mut child = 0x10 as *mut c_void;
        FAIL_NEXT_SYSTEM_ALLOC.set(true);
        assert_eq!(
            // SAFETY: `root` is a live root of this allocator; a valid out-pointer.
            unsafe { MAPIAllocateMore(8, root, &mut child) },
            MAPI_E_NOT_ENOUGH_MEMORY
        );
        assert!(child.is_null());
        // The root is intact and can still grow.
        more(8, root);
        // SAFETY: `root` is a live root of this allocator, freed once.
        assert_eq!(unsafe { MAPIFreeBuffer(root) }, 0);
    }

    #[test]
    fn children_fill_a_chunk_then_chunks_double_and_big_children_get_their_own() {
        let root = allocate(0);
        let chunks = |root: *mut c_void| {
            // SAFETY: `root` is a live root of this allocator, and no other thread touches its
            // arena here.
            let arena = unsafe { &*root_fields(root.cast()).arena.get() };
            (count(&arena.chunks), arena.next_chunk_size)
        };
        let per_first_chunk = (FIRST_CHUNK - CHUNK_HEADER) / (CHILD_HEADER + ALIGNMENT);
        for _ in 0..per_first_chunk {
            more(1, root);
        }
        assert_eq!(chunks(root), (1, 2 * FIRST_CHUNK));
        more(1, root);
        assert_eq!(chunks(root), (2, 4 * FIRST_CHUNK));
        // Bigger than half the next chunk: a chunk of its own, the growth unchanged.
        more((2 * FIRST_CHUNK + 1) as u32, root);
        assert_eq!(chunks(root), (3, 4 * FIRST_CHUNK));
        // SAFETY: `root` is a live root of this allocator, freed once.
        assert_eq!(unsafe { MAPIFreeBuffer(root) }, 0);
    }

    #[test]
    fn other_threads_get_chunks_of_their_own_and_leave_the_owners_alone() {
        let root = allocate(0) as usize;
        more(8, root as *mut c_void);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                more(8, root as *mut c_void);
                more(8, root as *mut c_void);
            });
        });
        // SAFETY: `root` is a live root of this allocator.
        let fields = unsafe { root_fields(root as *mut u8) };
        // SAFETY: the threads that allocated from the root have ended: nothing else uses its arena.
        let arena = unsafe { &*fields.arena.get() };
        assert_eq!(count(&arena.chunks), 1, "the owner's chunk");
        assert_eq!(
            count(&fields.others.lock().unwrap()),
            2,
            "one per foreign child"
        );
        // SAFETY: `root` is a live root of this allocator, freed once.
        assert_eq!(unsafe { MAPIFreeBuffer(root as *mut c_void) }, 0);
    }
}
