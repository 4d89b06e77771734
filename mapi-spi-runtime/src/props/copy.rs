//! `IMAPIProp::CopyTo` and `CopyProps` from the property engine's object to any `IMAPIProp`,
//! as the docs describe them:
//! - the values come from the bag itself, so values too large for `GetProps` are copied whole;
//!   `PT_OBJECT` properties (sub-objects) are not the engine's and are left out;
//! - `CopyTo` copies everything but the excluded tags (by ID; excluding `IID_IMAPIProp` in
//!   `rgiidExclude` excludes every property), `CopyProps` only the included ones;
//! - named properties keep their names: their IDs are translated through the source's map and
//!   the destination's `GetIDsFromNames(MAPI_CREATE)`, and one the destination cannot name is a
//!   problem `MAPI_E_UNEXPECTED_ID`;
//! - `MAPI_NOREPLACE` leaves the destination's existing properties alone; `MAPI_MOVE` deletes
//!   what was copied from the source (a read-only source is `MAPI_E_NO_ACCESS` before anything
//!   is copied); the destination's per-property problems are returned, indexed in the order of
//!   the properties copied;
//! - a copy onto the object itself changes nothing.

use windows_core::{GUID, HRESULT, IUnknown, Interface};

use super::ObjectAccess;
use super::names::{FIRST_NAMED_ID, PropName};
use super::object::PropertyObject;
use super::value::{Property, props_block, tags_from_raw};
use crate::codes::{MAPI_E_NO_ACCESS, MAPI_E_UNEXPECTED_ID, MAPI_E_UNKNOWN_FLAGS};
use crate::com::Object;
use crate::flags::{MAPI_CREATE, MAPI_DECLINE_OK, MAPI_DIALOG, MAPI_MOVE, MAPI_NOREPLACE};
use crate::interfaces::IMAPIProp;
use crate::tags::{PT_OBJECT, PT_UNSPECIFIED, prop_id, prop_tag};
use crate::types::{
    MAPINAMEID, MAPINAMEID_Kind, MNID_ID, MNID_STRING, SPropProblem, SPropProblemArray,
    SPropTagArray,
};

/// Which properties a copy takes.
pub(crate) enum Selection<'a> {
    /// `CopyTo`: all but these IDs.
    AllBut(&'a [u32]),
    /// `CopyProps`: only these IDs.
    Only(&'a [u32]),
}

/// The flags `CopyTo` and `CopyProps` accept.
pub(crate) const COPY_FLAGS: u32 = MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK;

/// Copies from `source` to `dest` (any `IMAPIProp`); the problems, or the call's failure.
pub(crate) fn copy(
    source: &Object<PropertyObject>,
    selection: Selection<'_>,
    dest: &IMAPIProp,
    flags: u32,
) -> Result<Vec<SPropProblem>, HRESULT> {
    if flags & !COPY_FLAGS != 0 {
        return Err(MAPI_E_UNKNOWN_FLAGS);
    }
    let itself: IUnknown = source
        .to_interface::<IMAPIProp>()
        .cast()
        .map_err(|e| e.code())?;
    if dest.cast::<IUnknown>().map_err(|e| e.code())? == itself {
        return Ok(Vec::new());
    }
    let moving = flags & MAPI_MOVE != 0;
    if moving && source.bag().object_access() == ObjectAccess::ReadOnly {
        return Err(MAPI_E_NO_ACCESS);
    }
    let selected = |prop: &Property| {
        let id = u32::from(prop.id);
        prop.value.prop_type() != PT_OBJECT
            && match selection {
                Selection::AllBut(ids) => !ids.contains(&id),
                Selection::Only(ids) => ids.contains(&id),
            }
    };
    let mut props: Vec<Property> = source
        .bag()
        .iter()
        .filter(|p| selected(p))
        .cloned()
        .collect();
    let mut problems = Vec::new();
    translate_names(source, dest, &mut props, &mut problems)?;
    if flags & MAPI_NOREPLACE != 0 {
        let existing = dest_ids(dest, source)?;
        props.retain(|p| !existing.contains(&p.id));
    }
    if props.is_empty() {
        return Ok(problems);
    }
    let allocators = source.allocators();
    let block = props_block(allocators, &props).map_err(|e| e.code())?;
    let mut refused = core::ptr::null_mut::<SPropProblemArray>();
    // SAFETY: `block` holds `props.len()` values; `refused` is a valid out-pointer.
    let hr = unsafe { dest.SetProps(props.len() as u32, block.as_ptr().cast(), &mut refused) };
    drop(block);
    HRESULT::ok(hr).map_err(|e| e.code())?;
    // SAFETY: NULL or the destination's problem array, in our allocators' memory.
    let refused_list = unsafe { SPropProblemArray::problems(refused) }
        .map(<[SPropProblem]>::to_vec)
        .unwrap_or_default();
    // SAFETY: ours to free (NULL allowed).
    unsafe { allocators.free(refused.cast()) };
    if moving {
        let moved: Vec<u32> = props
            .iter()
            .enumerate()
            .filter(|(i, _)| !refused_list.iter().any(|p| p.ulIndex as usize == *i))
            .map(|(_, p)| p.tag())
            .collect();
        source
            .bag_mut()
            .delete_props(&moved)
            .map_err(|e| e.code())?;
    }
    problems.extend(refused_list);
    Ok(problems)
}

/// The IDs the destination already has (`GetPropList`).
fn dest_ids(dest: &IMAPIProp, source: &Object<PropertyObject>) -> Result<Vec<u16>, HRESULT> {
    let mut list = core::ptr::null_mut::<SPropTagArray>();
    // SAFETY: a valid out-pointer.
    HRESULT::ok(unsafe { dest.GetPropList(0, &mut list) }).map_err(|e| e.code())?;
    // SAFETY: the destination's tag array, then freed with our allocators (MAPI's).
    let ids = unsafe { tags_from_raw(list) }
        .unwrap_or_default()
        .into_iter()
        .map(|tag| prop_id(tag) as u16)
        .collect();
    // SAFETY: ours to free.
    unsafe { source.allocators().free(list.cast()) };
    Ok(ids)
}

/// Gives the named properties among `props` the destination's IDs for their names; those it
/// cannot name become problems and are left out.
fn translate_names(
    source: &Object<PropertyObject>,
    dest: &IMAPIProp,
    props: &mut Vec<Property>,
    problems: &mut Vec<SPropProblem>,
) -> Result<(), HRESULT> {
    let Some(map) = source.names() else {
        // Without a map the IDs carry no names: they are copied as they are.
        return Ok(());
    };
    let named: Vec<usize> = (0..props.len())
        .filter(|&i| props[i].id >= FIRST_NAMED_ID)
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    let names: Vec<Option<PropName>> = named.iter().map(|&i| map.name_of(props[i].id)).collect();
    let ids = ids_at(dest, &names, source)?;
    let mut unnamed = Vec::new();
    for (&i, id) in named.iter().zip(ids) {
        match id {
            Some(id) => props[i].id = id,
            None => unnamed.push(i),
        }
    }
    for &i in unnamed.iter().rev() {
        let prop = props.remove(i);
        problems.push(SPropProblem {
            ulIndex: i as u32,
            ulPropTag: prop.tag(),
            scode: MAPI_E_UNEXPECTED_ID.0,
        });
    }
    Ok(())
}

/// The destination's IDs for `names` (`GetIDsFromNames` with `MAPI_CREATE`); `None` for a
/// name it cannot give one, and for all when it has no named properties.
fn ids_at(
    dest: &IMAPIProp,
    names: &[Option<PropName>],
    source: &Object<PropertyObject>,
) -> Result<Vec<Option<u16>>, HRESULT> {
    // The caller's side of MAPINAMEID: the GUIDs and strings the structures point to.
    let mut guids: Vec<GUID> = names
        .iter()
        .map(|n| n.as_ref().map_or(GUID::zeroed(), |n| n.set))
        .collect();
    let mut strings: Vec<Vec<u16>> = names
        .iter()
        .map(|n| match n.as_ref().map(|n| &n.kind) {
            Some(super::names::NameKind::String(s)) => s.encode_utf16().chain([0]).collect(),
            _ => Vec::new(),
        })
        .collect();
    let mut structs: Vec<MAPINAMEID> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let lpguid = &mut guids[i] as *mut GUID;
            match n.as_ref().map(|n| &n.kind) {
                Some(super::names::NameKind::String(_)) => MAPINAMEID {
                    lpguid,
                    ulKind: MNID_STRING,
                    Kind: MAPINAMEID_Kind {
                        lpwstrName: strings[i].as_mut_ptr(),
                    },
                },
                Some(super::names::NameKind::Id(id)) => MAPINAMEID {
                    lpguid,
                    ulKind: MNID_ID,
                    Kind: MAPINAMEID_Kind { lID: *id },
                },
                // No name: an entry the destination answers with PT_ERROR.
                None => MAPINAMEID {
                    lpguid: core::ptr::null_mut(),
                    ulKind: MNID_ID,
                    Kind: MAPINAMEID_Kind { lID: 0 },
                },
            }
        })
        .collect();
    let mut pointers: Vec<*mut MAPINAMEID> =
        structs.iter_mut().map(|s| s as *mut MAPINAMEID).collect();
    let mut tags = core::ptr::null_mut::<SPropTagArray>();
    // SAFETY: `names.len()` MAPINAMEIDs whose GUIDs and strings live until the call returns.
    let hr = unsafe {
        dest.GetIDsFromNames(
            pointers.len() as u32,
            pointers.as_mut_ptr(),
            MAPI_CREATE,
            &mut tags,
        )
    };
    if hr.is_err() {
        // A destination without named properties names none of them.
        return Ok(vec![None; names.len()]);
    }
    // SAFETY: the destination's tag array, freed below.
    let read = unsafe { tags_from_raw(tags) }.unwrap_or_default();
    // SAFETY: ours to free.
    unsafe { source.allocators().free(tags.cast()) };
    Ok((0..names.len())
        .map(|i| {
            read.get(i)
                .filter(|&&tag| tag == prop_tag(PT_UNSPECIFIED, prop_id(tag)))
                .map(|&tag| prop_id(tag) as u16)
                .filter(|&id| id >= FIRST_NAMED_ID)
        })
        .collect())
}

/// The tags of a caller's exclude/include list (`None` for NULL).
///
/// # Safety
///
/// `tags` is NULL or an `SPropTagArray`.
pub(crate) unsafe fn ids_of(tags: *const SPropTagArray) -> Option<Vec<u32>> {
    // SAFETY: as the caller promised.
    unsafe { tags_from_raw(tags) }.map(|tags| tags.into_iter().map(prop_id).collect())
}
