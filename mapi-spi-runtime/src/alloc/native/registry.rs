//! Debug builds only: every live root with its children, so that a double free, a child or a
//! foreign pointer is refused before its memory is read.

use super::Misuse;
use crate::sync::lock;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
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
    lock(&REGISTRY)
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
