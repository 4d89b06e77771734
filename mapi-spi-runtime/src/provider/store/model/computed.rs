//! Clients' writes to the properties the runtime computes on its objects (their identity,
//! counts, sizes, display lists): each is a `MAPI_E_COMPUTED` problem in the
//! `SPropProblemArray`, the code the `IMAPIProp::SetProps` page gives for a computed property,
//! and the call goes on with the others.

use windows_core::HRESULT;

use std::sync::RwLockWriteGuard;

use super::message::read_only;
use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_COMPUTED, MAPI_E_INVALID_PARAMETER};
use crate::props::object::{delete_props_arg, put_problems, set_props_arg};
use crate::props::{Property, PropertyBag};
use crate::provider::{ProviderError, ProviderResult};
use crate::types::{SPropProblem, SPropProblemArray, SPropTagArray, SPropValue};

/// What is left of a client's list once checked, each item with its index there, and the
/// problems found.
pub(super) type Split<T> = (Vec<(usize, T)>, Vec<SPropProblem>);

/// A `SetProps` or `DeleteProps` problem: the property at `index` of the client's list.
pub(super) fn problem(index: usize, tag: u32, code: HRESULT) -> SPropProblem {
    SPropProblem {
        // Indexes come from MAPI's ULONG counts.
        ulIndex: index as u32,
        ulPropTag: tag,
        scode: code.0,
    }
}

/// A client's `SetProps` list, checked: the property engine's whole-call checks first
/// (`MAPI_E_INVALID_PARAMETER` for an empty list or a `PT_NULL`, `PT_OBJECT` or `PT_ERROR`
/// value), then a problem for each value no `GetProps` could return and for each property
/// `computed` names. Answers the others, each with its index in the list, and the problems.
pub(super) fn split_set(
    props: Vec<Property>,
    computed: impl Fn(u32) -> bool,
) -> ProviderResult<Split<Property>> {
    // The engine's checks, on a bag of the client's values alone.
    let mut problems = PropertyBag::new().set_props(&props)?;
    let mut rest = Vec::with_capacity(props.len());
    for (index, prop) in props.into_iter().enumerate() {
        if problems.iter().any(|p| p.ulIndex as usize == index) {
            continue;
        }
        if computed(prop.tag()) {
            problems.push(problem(index, prop.tag(), MAPI_E_COMPUTED));
        } else {
            rest.push((index, prop));
        }
    }
    Ok((rest, problems))
}

/// A client's `DeleteProps` list, checked: `MAPI_E_INVALID_PARAMETER` when empty, a problem for
/// each property `computed` names. Answers the other tags, each with its index in the list,
/// and the problems.
pub(super) fn split_delete(
    tags: &[u32],
    computed: impl Fn(u32) -> bool,
) -> ProviderResult<Split<u32>> {
    if tags.is_empty() {
        return Err(ProviderError::new(
            MAPI_E_INVALID_PARAMETER,
            "DeleteProps: the tag list is empty",
        ));
    }
    let (computed, rest): (Vec<_>, Vec<_>) = tags
        .iter()
        .copied()
        .enumerate()
        .partition(|&(_, tag)| computed(tag));
    let problems = computed
        .into_iter()
        .map(|(index, tag)| problem(index, tag, MAPI_E_COMPUTED))
        .collect();
    Ok((rest, problems))
}

/// An object whose client properties and runtime-computed ones share one property bag (a
/// message, an attachment): its `SetProps` and `DeleteProps` are [`set_props`] and
/// [`delete_props`].
pub(super) trait SharedBag {
    /// Whether the runtime computes `tag` (by its ID: any type the client names).
    fn is_computed(tag: u32) -> bool;
    /// Whether the object is open for writing.
    fn writable(&self) -> bool;
    fn allocators(&self) -> &AllocatorSet;
    /// The bag, for a write.
    fn bag_mut(&self) -> RwLockWriteGuard<'_, PropertyBag>;
}

/// `SetProps` on `object`: the property engine's checks and `SetProps` on its bag, but each
/// computed property a `MAPI_E_COMPUTED` problem; `MAPI_E_NO_ACCESS` when it is read-only.
///
/// # Safety
///
/// As `IMAPIProp::SetProps`: `values` holds `count` values, `problems_out` is NULL or
/// writable.
pub(super) unsafe fn set_props<O: SharedBag>(
    object: &O,
    count: u32,
    values: *mut SPropValue,
    problems_out: *mut *mut SPropProblemArray,
) -> ProviderResult<HRESULT> {
    // SAFETY: `count` values (this function's contract).
    let props = unsafe { set_props_arg(count, values) }?;
    let (rest, problems) = split_set(props, O::is_computed)?;
    let (indices, props): (Vec<usize>, Vec<Property>) = rest.into_iter().unzip();
    // SAFETY: NULL or writable (this function's contract).
    unsafe {
        finish_write(object, problems, &indices, problems_out, |bag| {
            bag.set_props(&props)
        })
    }
}

/// `DeleteProps` on `object`, as [`set_props`] does `SetProps`.
///
/// # Safety
///
/// As `IMAPIProp::DeleteProps`: `tags` is NULL or a tag array, `problems_out` NULL or
/// writable.
pub(super) unsafe fn delete_props<O: SharedBag>(
    object: &O,
    tags: *mut SPropTagArray,
    problems_out: *mut *mut SPropProblemArray,
) -> ProviderResult<HRESULT> {
    // SAFETY: NULL or a tag array (this function's contract).
    let tags = unsafe { delete_props_arg(tags) }?;
    let (rest, problems) = split_delete(&tags, O::is_computed)?;
    let (indices, tags): (Vec<usize>, Vec<u32>) = rest.into_iter().unzip();
    // SAFETY: NULL or writable (this function's contract).
    unsafe {
        finish_write(object, problems, &indices, problems_out, |bag| {
            bag.delete_props(&tags)
        })
    }
}

/// The end of [`set_props`] and [`delete_props`] once the computed properties are taken out
/// (`problems`): `MAPI_E_NO_ACCESS` on an object open read-only; else `write` of what is left
/// (the client's properties at `indices`, when there are any) on the bag, its problems
/// numbered as in the client's list; all the problems, in the list's order, to
/// `problems_out`.
///
/// # Safety
///
/// `problems_out` is NULL or writable.
unsafe fn finish_write<O: SharedBag>(
    object: &O,
    mut problems: Vec<SPropProblem>,
    indices: &[usize],
    problems_out: *mut *mut SPropProblemArray,
    write: impl FnOnce(&mut PropertyBag) -> windows_core::Result<Vec<SPropProblem>>,
) -> ProviderResult<HRESULT> {
    if !object.writable() {
        return Err(read_only());
    }
    if !indices.is_empty() {
        let more = write(&mut object.bag_mut())?;
        problems.extend(more.into_iter().map(|p| SPropProblem {
            ulIndex: indices[p.ulIndex as usize] as u32,
            ..p
        }));
        problems.sort_by_key(|p| p.ulIndex);
    }
    // SAFETY: NULL or writable (this function's contract).
    unsafe { put_problems(object.allocators(), &problems, problems_out) }
}
