//! What a store logon records in its profile section, and how a later logon without an entry
//! ID finds the same store through it.
//!
//! After a fresh logon the runtime copies the store's identity from the store's own properties
//! into the provider's profile section, as "Implementing Service Provider Logon" and
//! `IMSProvider::Logon` list it: `PR_DISPLAY_NAME`, `PR_PROVIDER_DISPLAY`, `PR_MDB_PROVIDER`,
//! `PR_ENTRYID` (the wrapped ID clients see) and `PR_RECORD_KEY`, each only if the store has
//! it (`PR_ENTRYID` and `PR_RECORD_KEY` are made by the runtime when the store has none). The
//! properties MAPI keeps read-only at logon (`PR_RESOURCE_FLAGS`,
//! `PR_PROVIDER_DLL_NAME`) are never written. The store's unwrapped entry ID goes into
//! [`PR_MAPI_SPI_STORE_ENTRYID`], because MAPI's wrapping is private to MAPI: a logon without an
//! entry ID reads it back before asking the provider for its default store.

use windows_core::HRESULT;

use super::LogonRequest;
use crate::alloc::{AllocatorSet, MapiBytes};
use crate::codes::MAPI_E_NO_SUPPORT;
use crate::flags::MAPI_UNICODE;
use crate::interfaces::{IMAPIProp, IMAPISupport};
use crate::props::value::{PropValue, Property, props_from_raw};
use crate::provider::ProviderResult;
use crate::provider::profile::ProfileSection;
use crate::tags::{
    PR_DISPLAY_NAME_W, PR_ENTRYID, PR_MDB_PROVIDER, PR_PROVIDER_DISPLAY_W, PR_RECORD_KEY,
    PT_BINARY, PT_ERROR, prop_tag, prop_type,
};
use crate::types::SPropValue;

/// The store's unwrapped entry ID, as the last fresh logon opened it: in the runtime's part of
/// the provider's private profile IDs ([`crate::provider::service::RUNTIME_PROFILE_IDS`]).
pub const PR_MAPI_SPI_STORE_ENTRYID: u32 = prop_tag(PT_BINARY, 0x67E0);

/// The store properties copied into the profile section.
const IDENTITY: [u32; 5] = [
    PR_DISPLAY_NAME_W,
    PR_PROVIDER_DISPLAY_W,
    PR_MDB_PROVIDER,
    PR_ENTRYID,
    PR_RECORD_KEY,
];

/// The entry ID a previous logon recorded, if any.
pub(crate) fn recorded_entry_id(request: &LogonRequest<'_>) -> ProviderResult<Option<Vec<u8>>> {
    let Some(section) = request.profile_section()? else {
        return Ok(None);
    };
    Ok(match section.get(PR_MAPI_SPI_STORE_ENTRYID)? {
        Some(Property {
            value: PropValue::Binary(id),
            ..
        }) if !id.is_empty() => Some(id),
        _ => None,
    })
}

/// Records the store `store`, which `request` opened (keyed `key`), in the provider's
/// section. A store that has no `PR_ENTRYID` of its own gets the wrapped form of its entry ID
/// (`WrapStoreEntryID`, or the ID itself where MAPI does not wrap), and one without
/// `PR_RECORD_KEY` its key.
// `#[inline]`: without a section (a host that offers none) the logon records nothing, and
// that costs its caller a test.
#[inline]
pub(crate) fn record_logon(
    request: &LogonRequest<'_>,
    store: &IMAPIProp,
    key: &[u8],
) -> ProviderResult<()> {
    match request.profile_section()? {
        Some(section) => record_in(section, request, store, key),
        None => Ok(()),
    }
}

/// [`record_logon`] in the provider's `section`.
fn record_in(
    section: &ProfileSection,
    request: &LogonRequest<'_>,
    store: &IMAPIProp,
    key: &[u8],
) -> ProviderResult<()> {
    let allocators = *request.allocators;
    let mut props = identity(store, allocators)?;
    let has = |props: &[Property], tag: u32| props.iter().any(|p| p.tag() == tag);
    if !has(&props, PR_ENTRYID) {
        let wrapped = client_entry_id(request.support, allocators, request.entry_id)?;
        props.push(Property::for_tag(
            PR_ENTRYID,
            PropValue::Binary(wrapped.to_vec()),
        ));
    }
    if !has(&props, PR_RECORD_KEY) {
        props.push(Property::for_tag(
            PR_RECORD_KEY,
            PropValue::Binary(key.to_vec()),
        ));
    }
    props.push(Property::for_tag(
        PR_MAPI_SPI_STORE_ENTRYID,
        PropValue::Binary(request.entry_id.to_vec()),
    ));
    section.set(&props)
}

/// A store entry ID as clients see it (`PR_ENTRYID`, `PR_STORE_ENTRYID`): wrapped by MAPI
/// (`WrapStoreEntryID`), kept in the block MAPI returned it in (as a C store keeps it: no copy,
/// and freed with `allocators` when dropped), or as it is, copied into a block of `allocators`,
/// where MAPI does not wrap. Errors as [`AllocatorSet::allocate`], for that copy.
// Inlined: returned through memory, the handle was written in parts and read whole by the
// caller (see tests/benches/session-stlf.sh).
#[inline(always)]
pub fn client_entry_id(
    support: &IMAPISupport,
    allocators: AllocatorSet,
    entry_id: &[u8],
) -> crate::com::Result<MapiBytes> {
    let (mut cb, mut raw) = (0u32, core::ptr::null_mut());
    // SAFETY: `entry_id` is readable; valid out-pointers.
    let hr = unsafe { support.WrapStoreEntryID(entry_id, &mut cb, &mut raw) };
    if hr.is_err() || raw.is_null() {
        return MapiBytes::copy(&allocators, entry_id);
    }
    // SAFETY: MAPI returned `cb` bytes at `raw`, one block of its allocator (`allocators`), ours
    // to free.
    Ok(unsafe { MapiBytes::from_raw(allocators, raw.cast(), cb as usize) })
}

/// The identity properties the store has.
fn identity(store: &IMAPIProp, allocators: AllocatorSet) -> ProviderResult<Vec<Property>> {
    let mut tags = [0u32; IDENTITY.len() + 1];
    tags[0] = IDENTITY.len() as u32;
    tags[1..].copy_from_slice(&IDENTITY);
    let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
    // SAFETY: `tags` is an SPropTagArray of 5 tags, alive for the call; valid out-pointers.
    let hr = unsafe {
        store.GetProps(
            tags.as_mut_ptr().cast(),
            MAPI_UNICODE,
            &mut count,
            &mut values,
        )
    };
    if hr == MAPI_E_NO_SUPPORT {
        // A store without properties has no identity to record.
        return Ok(Vec::new());
    }
    // A warning (MAPI_W_ERRORS_RETURNED: some are missing) still returns values.
    HRESULT::ok(hr)?;
    // SAFETY: the store returned `count` values at `values`, one block from our allocators.
    let read = unsafe { props_from_raw(values, count) };
    // SAFETY: the block is ours to free, once.
    unsafe { allocators.free(values.cast()) };
    Ok(read?
        .into_iter()
        .filter(|p| prop_type(p.tag()) != PT_ERROR)
        .collect())
}
