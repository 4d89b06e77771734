//! A profile section as a provider reads and writes it: the `IProfSect` that
//! `IMAPISupport::OpenProfileSection` (at logon) or `IProviderAdmin::OpenProfileSection` (in the
//! service entry) returns, with its properties as owned Rust values.
//!
//! Text is read in Unicode (`MAPI_UNICODE`) and a `PT_STRING8` property is returned as MAPI
//! stored it; every result MAPI allocated is freed with the allocators given here, which must
//! be MAPI's (the support object's `GetMemAllocRoutines` or `MSProviderInit`'s).

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, Interface};

use super::{ProviderError, ProviderResult};
use crate::alloc::AllocatorSet;
use crate::codes::MAPI_E_CALL_FAILED;
use crate::flags::{MAPI_MODIFY, MAPI_UNICODE};
use crate::interfaces::{IMAPISupport, IProfSect, IProviderAdmin};
use crate::props::value::{Property, props_block, props_from_raw};
use crate::tags::{PT_ERROR, prop_type};
use crate::types::{MAPIUID, SPropProblemArray, SPropValue};

/// An open profile section.
pub struct ProfileSection {
    section: IProfSect,
    allocators: AllocatorSet,
}

/// `MAPI_MODIFY` when writing.
fn open_flags(modify: bool) -> u32 {
    if modify { MAPI_MODIFY } else { 0 }
}

/// The section a successful `OpenProfileSection` wrote to `raw`.
#[inline(always)]
fn opened(
    hr: HRESULT,
    raw: *mut c_void,
    allocators: AllocatorSet,
) -> ProviderResult<ProfileSection> {
    HRESULT::ok(hr)?;
    if raw.is_null() {
        return Err(ProviderError::new(
            MAPI_E_CALL_FAILED,
            "OpenProfileSection succeeded without a section",
        ));
    }
    Ok(ProfileSection {
        // SAFETY: a successful OpenProfileSection returns a new IProfSect reference, now ours.
        section: unsafe { IProfSect::from_raw(raw) },
        allocators,
    })
}

/// Runs an `OpenProfileSection` with `uid` (NULL for `None`) and its flags, and takes the
/// section it returned.
#[inline(always)]
fn open(
    uid: Option<&MAPIUID>,
    modify: bool,
    allocators: AllocatorSet,
    call: impl FnOnce(*mut MAPIUID, u32, &mut *mut c_void) -> HRESULT,
) -> ProviderResult<ProfileSection> {
    let mut uid = uid.copied();
    let uid_ptr = uid
        .as_mut()
        .map_or(core::ptr::null_mut(), |u| u as *mut MAPIUID);
    let mut raw = core::ptr::null_mut();
    let hr = call(uid_ptr, open_flags(modify), &mut raw);
    opened(hr, raw, allocators)
}

impl ProfileSection {
    /// `IMAPISupport::OpenProfileSection`: `uid` `None` is the calling provider's own section.
    // Inlined, as `open` and `opened` are: returned through memory, the section was written in
    // parts and read whole where a logon keeps it (see tests/benches/session-stlf.sh).
    #[inline(always)]
    pub fn from_support(
        support: &IMAPISupport,
        uid: Option<&MAPIUID>,
        modify: bool,
        allocators: AllocatorSet,
    ) -> ProviderResult<Self> {
        open(uid, modify, allocators, |uid, flags, raw| {
            // SAFETY: `uid` is NULL or a live MAPIUID; `raw` is a valid out-pointer.
            unsafe { support.OpenProfileSection(uid, flags, raw) }
        })
    }

    /// `IProviderAdmin::OpenProfileSection`: `uid` `None` is the service's own section (allowed
    /// from a service entry only).
    pub fn from_admin(
        admin: &IProviderAdmin,
        uid: Option<&MAPIUID>,
        modify: bool,
        allocators: AllocatorSet,
    ) -> ProviderResult<Self> {
        open(uid, modify, allocators, |uid, flags, raw| {
            // SAFETY: as in `from_support`; NULL asks for the standard interface, IProfSect.
            unsafe { admin.OpenProfileSection(uid, core::ptr::null::<GUID>(), flags, raw) }
        })
    }

    /// Every property of the section (`GetProps` with NULL), text in Unicode where MAPI can.
    pub fn properties(&self) -> ProviderResult<Vec<Property>> {
        let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
        // SAFETY: NULL tags ask for every property; the out-pointers are valid.
        let hr = unsafe {
            self.section
                .GetProps(core::ptr::null_mut(), MAPI_UNICODE, &mut count, &mut values)
        };
        // A warning (MAPI_W_ERRORS_RETURNED) still returns values; the errors are skipped.
        HRESULT::ok(hr)?;
        // SAFETY: MAPI returned `count` values at `values`, one block from our allocators.
        let read = unsafe { props_from_raw(values, count) };
        // SAFETY: the block is ours to free, once; nothing refers to it after the copy.
        unsafe { self.allocators.free(values.cast()) };
        Ok(read?
            .into_iter()
            .filter(|p| prop_type(p.tag()) != PT_ERROR)
            .collect())
    }

    /// The value of `tag` (by ID: any type), if the section has it.
    pub fn get(&self, tag: u32) -> ProviderResult<Option<Property>> {
        let id = (tag >> 16) as u16;
        Ok(self.properties()?.into_iter().find(|p| p.id == id))
    }

    /// `SetProps` of `props`; a property MAPI refuses (a read-only one) is an error naming it.
    pub fn set(&self, props: &[Property]) -> ProviderResult<()> {
        if props.is_empty() {
            return Ok(());
        }
        let block = props_block(&self.allocators, props)?;
        let mut problems = core::ptr::null_mut::<SPropProblemArray>();
        // SAFETY: `block` holds `props.len()` values; `problems` is a valid out-pointer.
        let hr = unsafe {
            self.section
                .SetProps(props.len() as u32, block.as_ptr().cast(), &mut problems)
        };
        drop(block);
        HRESULT::ok(hr)?;
        self.check_problems(problems, "set")
    }

    /// `DeleteProps` of `tags` (types are ignored).
    pub fn delete(&self, tags: &[u32]) -> ProviderResult<()> {
        if tags.is_empty() {
            return Ok(());
        }
        // An SPropTagArray: the count, then the tags.
        let mut array: Vec<u32> = Vec::with_capacity(tags.len() + 1);
        array.push(tags.len() as u32);
        array.extend_from_slice(tags);
        let mut problems = core::ptr::null_mut::<SPropProblemArray>();
        // SAFETY: `array` is an SPropTagArray of `tags.len()` tags, alive for the call.
        let hr = unsafe {
            self.section
                .DeleteProps(array.as_mut_ptr().cast(), &mut problems)
        };
        HRESULT::ok(hr)?;
        self.check_problems(problems, "delete")
    }

    /// The first problem of an `SPropProblemArray` MAPI returned as an error; frees the array.
    fn check_problems(&self, problems: *mut SPropProblemArray, verb: &str) -> ProviderResult<()> {
        // SAFETY: MAPI returned NULL or an SPropProblemArray with `cProblem` entries.
        let first = unsafe { SPropProblemArray::problems(problems) }
            .and_then(|problems| problems.first().copied());
        // SAFETY: the array is ours to free (NULL is allowed), and not used afterwards.
        unsafe { self.allocators.free(problems.cast()) };
        match first {
            None => Ok(()),
            Some(problem) => Err(ProviderError::new(
                HRESULT(problem.scode),
                format!(
                    "the profile section refused to {verb} property 0x{:08X}",
                    problem.ulPropTag
                ),
            )),
        }
    }
}
