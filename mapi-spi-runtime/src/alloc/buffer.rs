//! Owned host buffers: a root ([`RootBuf`]) and the children hung off it ([`ChildBuf`]).
//!
//! The host promises only pointer alignment (4 bytes on 32-bit hosts), and MAPI structures
//! such as `SPropValue` hold 8-byte members. So every write here is `write_unaligned` at a
//! bounds-checked byte offset: correct whatever the block's alignment, and as fast as an aligned
//! store on x86 and x64. Readers on the host side use the structures' natural alignment, which
//! the builders respect relative to the start of the block (largest alignment first).

use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;

use super::set::AllocatorSet;

/// A root block from `MAPIAllocateBuffer`: freed with all its children when dropped, or handed
/// to the host with [`RootBuf::into_raw`] (the host then frees it with one `MAPIFreeBuffer`).
///
/// The contents start uninitialised. Writes take `&self`, so that children (which borrow the
/// root) can be written into the root; for the same reason a `RootBuf` is `Send` but not `Sync`.
pub struct RootBuf {
    ptr: NonNull<u8>,
    len: usize,
    allocators: AllocatorSet,
}

// SAFETY: the block is owned and the allocator functions may be called from any thread (MAPI
// calls providers from any thread and they allocate where they are called).
unsafe impl Send for RootBuf {}

impl RootBuf {
    /// Takes ownership of a root block of `len` bytes.
    ///
    /// # Safety
    ///
    /// `ptr` must be a live root from `allocators`' `MAPIAllocateBuffer` of at least `len`
    /// bytes, owned by nobody else.
    // The small accessors of a block are `#[inline]`: providers are other crates, and every
    // result they build goes through them.
    #[inline]
    pub unsafe fn from_raw(allocators: AllocatorSet, ptr: *mut c_void, len: usize) -> Self {
        Self {
            ptr: NonNull::new(ptr.cast()).expect("a root buffer is not NULL"),
            len,
            allocators,
        }
    }

    /// Hands the block to the caller (usually the host, through an out-parameter), which must
    /// free it with `MAPIFreeBuffer` of the same set.
    #[must_use = "the block is leaked unless someone frees it"]
    #[inline]
    pub fn into_raw(self) -> *mut c_void {
        let ptr = self.ptr.as_ptr().cast();
        core::mem::forget(self);
        ptr
    }

    #[inline]
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The size asked for, in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The set this block came from (and whose `MAPIFreeBuffer` will free it).
    pub fn allocators(&self) -> AllocatorSet {
        self.allocators
    }

    /// `MAPIAllocateMore(cb, root)`: a block of `cb` uninitialised bytes, freed with this root.
    /// Always passes this root as the parent, never a child (hosts such as mapi4linux corrupt
    /// memory given a child).
    ///
    /// Errors as [`AllocatorSet::allocate`].
    pub fn allocate_more(&self, cb: usize) -> crate::com::Result<ChildBuf<'_>> {
        // SAFETY: this root is live and from `self.allocators`.
        let ptr = unsafe { self.allocators.allocate_more(cb, self.as_ptr().cast())? };
        Ok(ChildBuf {
            ptr: NonNull::new(ptr.cast()).expect("allocate_more returns non-NULL"),
            len: cb,
            _root: PhantomData,
        })
    }

    /// Writes `value` at byte `offset`, unaligned. Panics if it does not fit.
    #[inline]
    pub fn write<T: Copy>(&self, offset: usize, value: T) {
        // SAFETY: the block is owned, `len` bytes long, and not shared with another thread.
        unsafe { write(self.ptr, self.len, offset, value) }
    }

    /// Copies `values` to byte `offset`, unaligned. Panics if they do not fit.
    #[inline]
    pub fn write_slice<T: Copy>(&self, offset: usize, values: &[T]) {
        // SAFETY: as in `write`.
        unsafe { write_slice(self.ptr, self.len, offset, values) }
    }

    /// The address of `n` values of `T` at byte `offset`, checked to fit once, for a builder
    /// that writes them one by one (unaligned: the block is only pointer-aligned). Panics if
    /// they do not fit.
    #[inline]
    pub(crate) fn array_at<T>(&self, offset: usize, n: usize) -> *mut T {
        let bytes = n
            .checked_mul(size_of::<T>())
            .unwrap_or_else(|| does_not_fit(self.len, offset, usize::MAX));
        check_fits(self.len, offset, bytes);
        // SAFETY: in bounds, checked above.
        unsafe { self.ptr.as_ptr().add(offset).cast() }
    }

    /// The address of byte `offset`, to store in a structure as a pointer. Panics past the end.
    #[inline]
    pub fn ptr_at(&self, offset: usize) -> *mut u8 {
        if offset > self.len {
            past_the_end(offset, self.len);
        }
        // SAFETY: in bounds (or one past the end), checked above.
        unsafe { self.ptr.as_ptr().add(offset) }
    }
}

impl Drop for RootBuf {
    fn drop(&mut self) {
        // SAFETY: the root is owned by this value and from this set.
        unsafe { self.allocators.free(self.ptr.as_ptr().cast()) }
    }
}

/// Bytes kept in a root block of MAPI's allocators, read-only: what MAPI returned in a buffer
/// the caller may keep (a wrapped store entry ID), held as it came, without a copy to the heap
/// and its `MAPIFreeBuffer` after it, and freed when dropped. Unlike a [`RootBuf`], which is
/// written through `&self`, it is `Sync`: a COM object may hold it.
pub struct MapiBytes(RootBuf);

// SAFETY: nothing writes the block after `MapiBytes` takes it (no method of `MapiBytes` writes,
// and the `RootBuf` is not reachable from outside), so shared reads from any thread are sound.
unsafe impl Sync for MapiBytes {}

impl MapiBytes {
    /// Takes the block of `len` bytes at `ptr`, whose contents are written.
    ///
    /// # Safety
    ///
    /// As [`RootBuf::from_raw`], and the `len` bytes are initialised.
    pub unsafe fn from_raw(allocators: AllocatorSet, ptr: *mut c_void, len: usize) -> Self {
        // SAFETY: forwarded (this function's contract).
        Self(unsafe { RootBuf::from_raw(allocators, ptr, len) })
    }

    /// `bytes`, copied into a new block of `allocators`. Errors as [`AllocatorSet::allocate`].
    pub fn copy(allocators: &AllocatorSet, bytes: &[u8]) -> crate::com::Result<Self> {
        let root = allocators.allocate(bytes.len())?;
        root.write_slice(0, bytes);
        Ok(Self(root))
    }
}

impl core::ops::Deref for MapiBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: the block's `len` bytes, initialised (`from_raw`'s contract, or written by
        // `copy`), owned by `self` and not written while borrowed.
        unsafe { core::slice::from_raw_parts(self.0.as_ptr(), self.0.len()) }
    }
}

impl core::fmt::Debug for MapiBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("MapiBytes").field(&&**self).finish()
    }
}

impl core::fmt::Debug for RootBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RootBuf")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .finish()
    }
}

/// A block from `MAPIAllocateMore` on a root: it lives as long as the root and is freed with
/// it, so it borrows the root and has no `Drop`.
pub struct ChildBuf<'root> {
    ptr: NonNull<u8>,
    len: usize,
    _root: PhantomData<&'root RootBuf>,
}

impl ChildBuf<'_> {
    /// The address of the block, to store in the root's structure.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `value` at byte `offset`, unaligned. Panics if it does not fit.
    pub fn write<T: Copy>(&self, offset: usize, value: T) {
        // SAFETY: the block is alive while the root is borrowed, `len` bytes long, and not
        // shared with another thread (the root is not `Sync`).
        unsafe { write(self.ptr, self.len, offset, value) }
    }

    /// Copies `values` to byte `offset`, unaligned. Panics if they do not fit.
    pub fn write_slice<T: Copy>(&self, offset: usize, values: &[T]) {
        // SAFETY: as in `write`.
        unsafe { write_slice(self.ptr, self.len, offset, values) }
    }
}

impl core::fmt::Debug for ChildBuf<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChildBuf")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .finish()
    }
}

/// # Safety
///
/// `base` must be valid for writes of `len` bytes, with no reference to them alive.
#[inline]
unsafe fn write<T: Copy>(base: NonNull<u8>, len: usize, offset: usize, value: T) {
    check_fits(len, offset, size_of::<T>());
    // SAFETY: in bounds (checked); unaligned, because hosts promise only pointer alignment.
    unsafe { base.as_ptr().add(offset).cast::<T>().write_unaligned(value) }
}

/// # Safety
///
/// As [`write`].
#[inline]
unsafe fn write_slice<T: Copy>(base: NonNull<u8>, len: usize, offset: usize, values: &[T]) {
    check_fits(len, offset, size_of_val(values));
    // SAFETY: in bounds (checked); a byte copy has no alignment requirement, and `values`
    // cannot overlap a block we own.
    unsafe {
        copy_bytes(
            values.as_ptr().cast::<u8>(),
            base.as_ptr().add(offset),
            size_of_val(values),
        )
    }
}

/// Copies `n` bytes. Up to 32 (entry IDs, keys, short strings: most of what builders copy),
/// two loads and two stores of the widest word that fits, overlapping in the middle: a call
/// to `memcpy` costs more than the copy at those sizes.
///
/// # Safety
///
/// As [`core::ptr::copy_nonoverlapping`]: `from` is valid for reads of `n` bytes, `to` for
/// writes, and they do not overlap.
#[inline(always)]
unsafe fn copy_bytes(from: *const u8, to: *mut u8, n: usize) {
    /// Copies `n` bytes (`size_of::<W>() <= n <= 2 * size_of::<W>()`) as their first and
    /// their last `W`.
    ///
    /// # Safety
    ///
    /// As [`copy_bytes`].
    #[inline(always)]
    unsafe fn ends<W: Copy>(from: *const u8, to: *mut u8, n: usize) {
        let last = n - size_of::<W>();
        // SAFETY: both words are within the `n` bytes (the caller's), read and written
        // unaligned.
        unsafe {
            let first_word = from.cast::<W>().read_unaligned();
            let last_word = from.add(last).cast::<W>().read_unaligned();
            to.cast::<W>().write_unaligned(first_word);
            to.add(last).cast::<W>().write_unaligned(last_word);
        }
    }
    // SAFETY: each branch copies the `n` bytes, no more (the caller's).
    unsafe {
        if n >= 16 {
            if n <= 32 {
                ends::<u128>(from, to, n)
            } else {
                core::ptr::copy_nonoverlapping(from, to, n)
            }
        } else if n >= 8 {
            ends::<u64>(from, to, n)
        } else if n >= 4 {
            ends::<u32>(from, to, n)
        } else if n >= 2 {
            ends::<u16>(from, to, n)
        } else if n == 1 {
            to.write(from.read())
        }
    }
}

#[inline]
fn check_fits(len: usize, offset: usize, size: usize) {
    if offset.checked_add(size).is_none_or(|end| end > len) {
        does_not_fit(len, offset, size);
    }
}

// The panics out of line, so that the checks inline as a compare and a branch.
#[cold]
#[inline(never)]
fn does_not_fit(len: usize, offset: usize, size: usize) -> ! {
    panic!("{size} bytes at offset {offset} do not fit in a buffer of {len} bytes")
}

#[cold]
#[inline(never)]
fn past_the_end(offset: usize, len: usize) -> ! {
    panic!("offset {offset} past a buffer of {len} bytes")
}

#[cfg(test)]
mod tests {
    use crate::alloc::testing::probe;

    #[test]
    fn a_dropped_root_is_freed_with_its_children_in_one_call() {
        let (_, calls) = probe(None, |set| {
            let root = set.allocate(16).unwrap();
            let child = root.allocate_more(3).unwrap();
            child.write_slice(0, b"abc");
            root.write(0, child.as_ptr());
        });
        assert_eq!((calls.allocate_buffer, calls.allocate_more), (1, 1));
        assert_eq!((calls.free_buffer, calls.live_roots), (1, 0));
    }

    #[test]
    fn mapi_bytes_read_what_they_hold_and_free_their_block_once() {
        let (read, calls) = probe(None, |set| {
            let copied = super::MapiBytes::copy(&set, b"entry id").unwrap();
            let raw = set.allocate(3).unwrap();
            raw.write_slice(0, b"abc");
            // SAFETY: a live root of `set`, 3 bytes written, given up by `into_raw`.
            let taken = unsafe { super::MapiBytes::from_raw(set, raw.into_raw(), 3) };
            (copied.to_vec(), taken.to_vec())
        });
        assert_eq!(read, (b"entry id".to_vec(), b"abc".to_vec()));
        assert_eq!((calls.allocate_buffer, calls.free_buffer), (2, 2));
        assert_eq!(calls.live_roots, 0);
        // Out of memory for the copy: the allocator's failure, and nothing left behind.
        let (copied, calls) = probe(Some(1), |set| super::MapiBytes::copy(&set, b"x").is_err());
        assert!(copied);
        assert_eq!(calls.live_roots, 0);
    }

    #[test]
    fn into_raw_hands_the_root_over_without_freeing() {
        let (raw, calls) = probe(None, |set| set.allocate(8).unwrap().into_raw());
        assert_eq!((calls.free_buffer, calls.live_roots), (0, 1));
        // SAFETY: the root came from the native allocator's AllocateBuffer, and `into_raw` gave it
        // up.
        unsafe { crate::alloc::AllocatorSet::native().free(raw) };
    }

    #[test]
    fn writes_are_unaligned_and_bounds_checked() {
        let root = crate::alloc::AllocatorSet::native().allocate(13).unwrap();
        // An 8-byte value at an odd offset, as on a 4-aligned host block.
        root.write(5, 0x0102_0304_0506_0708u64);
        // SAFETY: the root holds 13 bytes: bytes 5..13 are in it; the read is unaligned.
        let read = unsafe { root.as_ptr().add(5).cast::<u64>().read_unaligned() };
        assert_eq!(read, 0x0102_0304_0506_0708);
        let overflow = std::panic::catch_unwind(|| root.write(6, 0u64));
        assert!(overflow.is_err(), "8 bytes at 6 do not fit in 13");
        let overflow = std::panic::catch_unwind(|| root.write(usize::MAX, 0u8));
        assert!(overflow.is_err(), "offset overflow is caught");
    }

    /// Every length a short copy covers and past it, at offsets of each alignment: exactly
    /// the bytes given, nothing either side.
    #[test]
    fn write_slice_copies_each_length_exactly() {
        const GUARD: u8 = 0xA5;
        let source: Vec<u8> = (1..=48).collect();
        for n in 0..=40 {
            for offset in 0..8 {
                let size = offset + n + 8;
                let root = crate::alloc::AllocatorSet::native().allocate(size).unwrap();
                root.write_slice(0, &vec![GUARD; size]);
                root.write_slice(offset, &source[..n]);
                // SAFETY: the block's `size` bytes, all written.
                let read = unsafe { core::slice::from_raw_parts(root.as_ptr(), size) };
                assert_eq!(&read[offset..offset + n], &source[..n], "{n} at {offset}");
                assert!(
                    read[..offset]
                        .iter()
                        .chain(&read[offset + n..])
                        .all(|&byte| byte == GUARD),
                    "{n} at {offset}: written outside"
                );
            }
        }
    }

    #[test]
    fn an_array_is_checked_to_fit_once_whole() {
        let root = crate::alloc::AllocatorSet::native().allocate(20).unwrap();
        assert_eq!(root.array_at::<u64>(4, 2), root.ptr_at(4).cast());
        assert_eq!(root.array_at::<u64>(20, 0), root.ptr_at(20).cast());
        for (offset, n) in [(5, 2), (0, 3), (21, 0), (0, usize::MAX / 4)] {
            let outside = std::panic::catch_unwind(|| root.array_at::<u64>(offset, n));
            assert!(
                outside.is_err(),
                "{n} u64s at {offset} do not fit in 20 bytes"
            );
        }
    }

    #[test]
    fn sizes_past_u32_max_are_refused_for_children_too() {
        #[cfg(target_pointer_width = "64")]
        {
            let (_, calls) = probe(None, |set| {
                let root = set.allocate(0).unwrap();
                let error = root.allocate_more(u32::MAX as usize + 1).unwrap_err();
                assert_eq!(error.code(), crate::codes::MAPI_E_NOT_ENOUGH_MEMORY);
            });
            assert_eq!(calls.allocate_more, 0, "refused before calling the host");
        }
    }
}
