//! The native MAPI allocator (`alloc::native`) against the MAPI contract, called through its
//! `extern "system"` entry points as a host would: NULL and zero-size cases, alignment,
//! parents, children, threads, and random allocate/more/free sequences (proptest).
//!
//! Double frees are tested in `alloc_live_buffers`, which runs alone: here a freed address
//! may be reused at once by a test on another thread.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::native::{
    ALIGNMENT, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
};
use mapi_spi_runtime::codes::{MAPI_E_INVALID_PARAMETER, S_OK};
use proptest::prelude::*;
use std::collections::HashSet;

const INVALID: u32 = MAPI_E_INVALID_PARAMETER.0 as u32;

fn allocate(cb: u32) -> *mut c_void {
    let mut p = core::ptr::null_mut();
    assert_eq!(unsafe { MAPIAllocateBuffer(cb, &mut p) }, S_OK);
    assert!(!p.is_null());
    p
}

fn more(cb: u32, root: *mut c_void) -> *mut c_void {
    let mut p = core::ptr::null_mut();
    assert_eq!(unsafe { MAPIAllocateMore(cb, root, &mut p) }, S_OK);
    assert!(!p.is_null());
    p
}

fn free(root: *mut c_void) {
    assert_eq!(unsafe { MAPIFreeBuffer(root) }, 0);
}

/// Fills `cb` bytes at `p` with a pattern derived from `seed`.
fn fill(p: *mut c_void, cb: usize, seed: u8) {
    for i in 0..cb {
        unsafe { p.cast::<u8>().add(i).write(seed.wrapping_add(i as u8)) };
    }
}

fn holds(p: *mut c_void, cb: usize, seed: u8) -> bool {
    (0..cb).all(|i| unsafe { p.cast::<u8>().add(i).read() } == seed.wrapping_add(i as u8))
}

#[test]
fn a_null_out_pointer_is_an_invalid_parameter() {
    let root = allocate(4);
    unsafe {
        assert_eq!(
            MAPIAllocateBuffer(4, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            MAPIAllocateMore(4, root, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
    }
    free(root);
}

#[test]
fn zero_size_blocks_are_unique_and_freeable() {
    let roots: Vec<_> = (0..8).map(|_| allocate(0)).collect();
    let children: Vec<_> = (0..8).map(|_| more(0, roots[0])).collect();
    let distinct: HashSet<_> = roots.iter().chain(&children).collect();
    assert_eq!(distinct.len(), 16);
    roots.into_iter().for_each(free);
}

#[test]
fn every_block_is_aligned_for_any_mapi_structure() {
    assert_eq!(ALIGNMENT, 2 * size_of::<usize>());
    let root = allocate(3);
    for cb in [0, 1, 3, 7, 8, 15, 17, 100, 2000] {
        let child = more(cb, root);
        assert!((child as usize).is_multiple_of(ALIGNMENT), "child of {cb}");
        let other = allocate(cb);
        assert!((other as usize).is_multiple_of(ALIGNMENT), "root of {cb}");
        free(other);
    }
    free(root);
}

#[test]
fn free_buffer_of_null_does_nothing_and_returns_zero() {
    assert_eq!(unsafe { MAPIFreeBuffer(core::ptr::null_mut()) }, 0);
}

#[test]
fn allocate_more_needs_a_live_root_as_parent() {
    let root = allocate(8);
    let child = more(8, root);
    for parent in [core::ptr::null_mut(), child] {
        let mut p = 0x10 as *mut c_void;
        assert_eq!(
            unsafe { MAPIAllocateMore(8, parent, &mut p) },
            MAPI_E_INVALID_PARAMETER
        );
        assert!(p.is_null(), "out-pointer left NULL");
    }
    free(root);
}

#[test]
fn freeing_a_child_is_refused_and_the_root_still_frees_it() {
    let root = allocate(8);
    let child = more(8, root);
    fill(child, 8, 7);
    assert_eq!(unsafe { MAPIFreeBuffer(child) }, INVALID);
    assert!(holds(child, 8, 7), "the child is untouched");
    free(root);
}

#[test]
fn children_of_a_root_do_not_overlap_and_survive_until_the_root_is_freed() {
    let root = allocate(16);
    fill(root, 16, 1);
    let sizes = [1usize, 40, 300, 5, 2000, 64, 0, 9000, 33];
    let children: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, &cb)| {
            let child = more(cb as u32, root);
            fill(child, cb, i as u8 * 17);
            child
        })
        .collect();
    for (i, (&child, &cb)) in children.iter().zip(&sizes).enumerate() {
        assert!(holds(child, cb, i as u8 * 17), "child {i} intact");
    }
    assert!(holds(root, 16, 1));
    free(root);
}

#[test]
fn threads_allocate_free_and_share_a_root() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 200;
    let shared = allocate(0) as usize;
    let children: Vec<Vec<(usize, u8)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    for round in 0..ROUNDS {
                        // Private roots with children, allocated and freed on this thread.
                        let root = allocate(round as u32 % 64);
                        let child = more(24, root);
                        fill(child, 24, t as u8);
                        assert!(holds(child, 24, t as u8));
                        free(root);
                        // Children of one root, from every thread at once.
                        let seed = (t * ROUNDS + round) as u8;
                        let child = more(16, shared as *mut c_void);
                        fill(child, 16, seed);
                        mine.push((child as usize, seed));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let all: Vec<_> = children.into_iter().flatten().collect();
    let distinct: HashSet<_> = all.iter().map(|(p, _)| p).collect();
    assert_eq!(distinct.len(), THREADS * ROUNDS);
    for (child, seed) in all {
        assert!(
            holds(child as *mut c_void, 16, seed),
            "no child overwrote another"
        );
    }
    free(shared as *mut c_void);
}

/// One step of a random host's use of the allocator.
#[derive(Clone, Debug)]
enum Op {
    Allocate(u32),
    /// A child of the live root at this index (modulo the count), of this size.
    More(usize, u32),
    /// A child of a child: must be refused.
    MoreOnChild(usize),
    /// Free a child: must be refused.
    FreeChild(usize),
    Free(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let size = prop_oneof![0u32..64, 64u32..1024, 1024u32..20_000];
    prop_oneof![
        3 => size.clone().prop_map(Op::Allocate),
        5 => (any::<usize>(), size).prop_map(|(root, cb)| Op::More(root, cb)),
        1 => any::<usize>().prop_map(Op::MoreOnChild),
        1 => any::<usize>().prop_map(Op::FreeChild),
        2 => any::<usize>().prop_map(Op::Free),
    ]
}

struct Block {
    ptr: *mut c_void,
    cb: usize,
    seed: u8,
}

struct Root {
    block: Block,
    children: Vec<Block>,
}

impl Root {
    fn intact(&self) -> bool {
        std::iter::once(&self.block)
            .chain(&self.children)
            .all(|b| holds(b.ptr, b.cb, b.seed))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
    ))]

    /// Any sequence keeps every live block's contents, alignment and ownership; misuse is
    /// refused without damage; freeing every root at the end leaves nothing behind (valgrind
    /// checks that part in CI).
    #[test]
    fn random_sequences_keep_the_contract(ops in proptest::collection::vec(op(), 1..60)) {
        let mut roots: Vec<Root> = Vec::new();
        let mut seed = 0u8;
        let mut next_seed = || { seed = seed.wrapping_add(31); seed };
        for op in ops {
            match op {
                Op::Allocate(cb) => {
                    let ptr = allocate(cb);
                    prop_assert!((ptr as usize).is_multiple_of(ALIGNMENT));
                    let seed = next_seed();
                    fill(ptr, cb as usize, seed);
                    roots.push(Root { block: Block { ptr, cb: cb as usize, seed }, children: Vec::new() });
                }
                Op::More(i, cb) if !roots.is_empty() => {
                    let n = roots.len();
                    let root = &mut roots[i % n];
                    let ptr = more(cb, root.block.ptr);
                    prop_assert!((ptr as usize).is_multiple_of(ALIGNMENT));
                    let seed = next_seed();
                    fill(ptr, cb as usize, seed);
                    root.children.push(Block { ptr, cb: cb as usize, seed });
                }
                Op::MoreOnChild(i) => {
                    if let Some(child) = roots.iter().flat_map(|r| &r.children).nth(i % 64) {
                        let mut p = core::ptr::null_mut();
                        let hr = unsafe { MAPIAllocateMore(1, child.ptr, &mut p) };
                        prop_assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
                        prop_assert!(p.is_null());
                    }
                }
                Op::FreeChild(i) => {
                    if let Some(child) = roots.iter().flat_map(|r| &r.children).nth(i % 64) {
                        prop_assert_eq!(unsafe { MAPIFreeBuffer(child.ptr) }, INVALID);
                    }
                }
                Op::Free(i) if !roots.is_empty() => {
                    let n = roots.len();
                    let root = roots.swap_remove(i % n);
                    prop_assert!(root.intact());
                    free(root.block.ptr);
                }
                Op::More(..) | Op::Free(_) => {}
            }
            for root in &roots {
                prop_assert!(root.intact());
            }
        }
        for root in roots {
            free(root.block.ptr);
        }
    }
}
