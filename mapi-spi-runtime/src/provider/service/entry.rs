//! The message service entry (`MSGSERVICEENTRY`): what MAPI calls to install, add, configure
//! and remove a service in a profile. A provider crate declares its service once
//! ([`MessageService`]) and exports the entry with [`crate::service_entry!`]; the runtime
//! handles every context:
//!
//! | context | what the runtime does |
//! |---|---|
//! | `MSG_SERVICE_INSTALL`, `MSG_SERVICE_UNINSTALL` | calls [`MessageService::install`] / [`MessageService::uninstall`] |
//! | `MSG_SERVICE_CREATE`, `MSG_SERVICE_CONFIGURE`, `MSG_SERVICE_PROVIDER_CREATE` | settings: the profile's, the caller's properties over them, the provider's UI when the flags allow it; checked, then written to every provider section of the service |
//! | `MSG_SERVICE_DELETE` | calls [`MessageService::delete`] with the settings, if readable |
//! | `MSG_SERVICE_PROVIDER_DELETE` | nothing: MAPI deletes the provider's section |
//!
//! The UI flags: no dialog is built by the runtime. [`MessageService::configure_ui`] is asked
//! when `SERVICE_UI_ALWAYS` is set, or when `SERVICE_UI_ALLOWED` is set and the settings are
//! incomplete or wrong; with `MSG_SERVICE_UI_READ_ONLY` nothing is written. Settings that are
//! still missing are `MAPI_E_UNCONFIGURED`, except at `MSG_SERVICE_CREATE`, which adds the
//! service unconfigured (its logon answers `MAPI_E_UNCONFIGURED` and MAPI configures it then),
//! as Microsoft's sample services do when a profile is created without UI. A wrong setting is
//! `MAPI_E_INVALID_PARAMETER` with a `MAPIERROR` that names it.
#![allow(non_snake_case, clippy::too_many_arguments)]

use core::ffi::c_void;
use windows_core::{HRESULT, Interface};

use super::ServiceDescription;
use super::settings::{SettingError, SettingProblem, SettingValues, Settings};
use crate::alloc::AllocatorSet;
use crate::codes::{
    MAPI_E_CALL_FAILED, MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT, MAPI_E_UNKNOWN_FLAGS, S_OK,
};
use crate::com::abi::guard;
use crate::flags::{
    MAPI_UNICODE, MSG_SERVICE_CONFIGURE, MSG_SERVICE_CREATE, MSG_SERVICE_DELETE,
    MSG_SERVICE_INSTALL, MSG_SERVICE_PROVIDER_CREATE, MSG_SERVICE_PROVIDER_DELETE,
    MSG_SERVICE_UI_READ_ONLY, MSG_SERVICE_UNINSTALL, SERVICE_LOGON_FAILED, SERVICE_UI_ALLOWED,
    SERVICE_UI_ALWAYS,
};
use crate::interfaces::{IMAPISupport, IMAPITable, IProviderAdmin};
use crate::props::value::{PropValue, Property, props_from_raw};
use crate::provider::profile::ProfileSection;
#[cfg(feature = "store")]
use crate::provider::store::identity::PR_MAPI_SPI_STORE_ENTRYID;
use crate::provider::{ProviderError, ProviderResult};
use crate::tags::PR_PROVIDER_UID;
use crate::types::{MAPIERROR, MAPIUID, SPropValue, SRowSet};

/// `MSGSERVICEENTRY` (mapispi.h): `STDAPICALLTYPE`, `__stdcall` on 32-bit Windows, hence
/// `extern "system"` (unlike the `__cdecl` provider init functions). `ulUIParam` is
/// `ULONG_PTR` as in Outlook's header (mingw: ULONG).
pub type MSGSERVICEENTRY = unsafe extern "system" fn(
    hInstance: *mut c_void,
    lpMalloc: *mut c_void,
    lpMAPISup: *mut c_void,
    ulUIParam: usize,
    ulFlags: u32,
    ulContext: u32,
    cValues: u32,
    lpProps: *mut SPropValue,
    lpProviderAdmin: *mut c_void,
    lppMapiError: *mut *mut MAPIERROR,
) -> HRESULT;

/// The flags a service entry accepts.
const KNOWN_FLAGS: u32 = SERVICE_UI_ALWAYS
    | MSG_SERVICE_UI_READ_ONLY
    | SERVICE_UI_ALLOWED
    | SERVICE_LOGON_FAILED
    | MAPI_UNICODE;

/// Why MAPI called the service entry (`ulContext`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceCall {
    /// `MSG_SERVICE_INSTALL`: the service was installed on the machine.
    Install,
    /// `MSG_SERVICE_CREATE`: the service is being added to a profile.
    Create,
    /// `MSG_SERVICE_CONFIGURE`: change the service's settings (also after a logon answered
    /// `MAPI_E_UNCONFIGURED`, with `SERVICE_LOGON_FAILED`).
    Configure,
    /// `MSG_SERVICE_DELETE`: the service is being removed from a profile.
    Delete,
    /// `MSG_SERVICE_UNINSTALL`: the service is being removed from the machine.
    Uninstall,
    /// `MSG_SERVICE_PROVIDER_CREATE`: a provider was added to the service.
    ProviderCreate,
    /// `MSG_SERVICE_PROVIDER_DELETE`: a provider was removed from the service.
    ProviderDelete,
}

impl ServiceCall {
    fn from_context(context: u32) -> Option<Self> {
        Some(match context {
            MSG_SERVICE_INSTALL => Self::Install,
            MSG_SERVICE_CREATE => Self::Create,
            MSG_SERVICE_CONFIGURE => Self::Configure,
            MSG_SERVICE_DELETE => Self::Delete,
            MSG_SERVICE_UNINSTALL => Self::Uninstall,
            MSG_SERVICE_PROVIDER_CREATE => Self::ProviderCreate,
            MSG_SERVICE_PROVIDER_DELETE => Self::ProviderDelete,
            _ => return None,
        })
    }
}

/// One service entry call, decoded.
pub struct ServiceContext<'a> {
    /// `hInstance`, as an address.
    pub instance: usize,
    /// `ulUIParam`: the parent window of any UI.
    pub ui_param: usize,
    /// `ulFlags`.
    pub flags: u32,
    pub call: ServiceCall,
    /// The support object (MAPI passes one for every context that touches the profile).
    pub support: Option<&'a IMAPISupport>,
    pub admin: Option<&'a IProviderAdmin>,
    /// MAPI's allocators, from the support object.
    pub allocators: Option<AllocatorSet>,
}

impl ServiceContext<'_> {
    /// Whether the caller allows UI (`SERVICE_UI_ALLOWED` or `SERVICE_UI_ALWAYS`).
    pub fn ui_allowed(&self) -> bool {
        self.flags & (SERVICE_UI_ALLOWED | SERVICE_UI_ALWAYS) != 0
    }

    /// Whether any UI must be read-only (`MSG_SERVICE_UI_READ_ONLY`).
    pub fn read_only(&self) -> bool {
        self.flags & MSG_SERVICE_UI_READ_ONLY != 0
    }

    fn admin(&self) -> ProviderResult<(&IProviderAdmin, AllocatorSet)> {
        match (self.admin, self.allocators) {
            (Some(admin), Some(allocators)) => Ok((admin, allocators)),
            _ => Err(ProviderError::new(
                MAPI_E_INVALID_PARAMETER,
                "the service entry needs the support object and IProviderAdmin here",
            )),
        }
    }

    /// The profile sections of every provider of the service, opened for writing (rows of
    /// `IProviderAdmin::GetProviderTable`).
    pub fn provider_sections(&self) -> ProviderResult<Vec<ProfileSection>> {
        let (admin, allocators) = self.admin()?;
        provider_uids(admin, &allocators)?
            .iter()
            .map(|uid| ProfileSection::from_admin(admin, Some(uid), true, allocators))
            .collect()
    }
}

/// A message service: its declaration, its settings, and what it does beyond what the runtime
/// does for every service (see the module documentation).
pub trait MessageService: 'static {
    /// The declaration MAPISVC.INF is generated from; its `entry_name` must be
    /// `"ServiceEntry"`, the name [`crate::service_entry!`] exports.
    const SERVICE: ServiceDescription;
    /// `lpszComponent` of the `MAPIERROR`s the service entry returns.
    const COMPONENT: &'static str;
    /// The providers' settings, kept in their profile sections.
    type Settings: Settings;

    /// `MSG_SERVICE_INSTALL`.
    fn install(cx: &ServiceContext<'_>) -> ProviderResult<()> {
        let _ = cx;
        Ok(())
    }

    /// `MSG_SERVICE_UNINSTALL`.
    fn uninstall(cx: &ServiceContext<'_>) -> ProviderResult<()> {
        let _ = cx;
        Ok(())
    }

    /// `MSG_SERVICE_DELETE`: remove what the service keeps outside the profile (MAPI deletes
    /// the profile sections). `settings` is `None` when the service was never configured.
    fn delete(cx: &ServiceContext<'_>, settings: Option<&Self::Settings>) -> ProviderResult<()> {
        let _ = (cx, settings);
        Ok(())
    }

    /// The provider's own configuration UI, asked as the module documentation says, with the
    /// settings as they stand (`None` when they are incomplete or wrong). `Ok(Some)`: use
    /// these; `Ok(None)`: no UI (the default); an error (`MAPI_E_USER_CANCEL`) ends the call.
    /// With [`ServiceContext::read_only`] the UI may show but not change them.
    fn configure_ui(
        cx: &ServiceContext<'_>,
        current: Option<&Self::Settings>,
    ) -> ProviderResult<Option<Self::Settings>> {
        let _ = (cx, current);
        Ok(None)
    }
}

/// The `PR_PROVIDER_UID` of every row of the service's provider table.
fn provider_uids(
    admin: &IProviderAdmin,
    allocators: &AllocatorSet,
) -> ProviderResult<Vec<MAPIUID>> {
    let mut raw = core::ptr::null_mut();
    // SAFETY: a valid out-pointer; 0 asks for 8-bit strings, which are not read.
    HRESULT::ok(unsafe { admin.GetProviderTable(0, &mut raw) })?;
    if raw.is_null() {
        return Err(ProviderError::new(MAPI_E_CALL_FAILED, "no provider table"));
    }
    // SAFETY: GetProviderTable returned a new IMAPITable reference, now ours.
    let table = unsafe { IMAPITable::from_raw(raw) };
    let mut columns = [1u32, PR_PROVIDER_UID];
    // SAFETY: `columns` is an SPropTagArray of one tag, alive for the call.
    HRESULT::ok(unsafe { table.SetColumns(columns.as_mut_ptr().cast(), 0) })?;
    let mut uids = Vec::new();
    loop {
        let mut rows = core::ptr::null_mut::<SRowSet>();
        // SAFETY: a valid out-pointer; the row set is freed below, row by row then the set.
        HRESULT::ok(unsafe { table.QueryRows(64, 0, &mut rows) })?;
        // SAFETY: QueryRows returned NULL or a row set of `cRows` rows.
        let read = unsafe { SRowSet::rows(rows) }.unwrap_or(&[]);
        let done = read.is_empty();
        for row in read {
            // SAFETY: each row holds `cValues` values from MAPI.
            if let Ok(props) = unsafe { props_from_raw(row.lpProps, row.cValues) }
                && let Some(Property {
                    value: PropValue::Binary(bytes),
                    ..
                }) = props.first()
                && let Ok(ab) = <[u8; 16]>::try_from(bytes.as_slice())
            {
                uids.push(MAPIUID { ab });
            }
            // SAFETY: FreeProws: each row's values are their own block.
            unsafe { allocators.free(row.lpProps.cast()) };
        }
        // SAFETY: the set itself is one block, not used afterwards.
        unsafe { allocators.free(rows.cast()) };
        if done {
            return Ok(uids);
        }
    }
}

/// Settings as stored in the first provider section that has any, or `None` for none.
fn stored_values<S: MessageService>(sections: &[ProfileSection]) -> ProviderResult<SettingValues> {
    let mut values = SettingValues::new(<S::Settings as Settings>::DECLARED);
    if let Some(first) = sections.first() {
        values.merge(&first.properties()?);
    }
    Ok(values)
}

/// `MSG_SERVICE_CREATE`, `CONFIGURE` and `PROVIDER_CREATE`.
fn configure<S: MessageService>(
    cx: &ServiceContext<'_>,
    caller: &[Property],
) -> ProviderResult<()> {
    let sections = cx.provider_sections()?;
    let stored = stored_values::<S>(&sections)?;
    let mut values = stored.clone();
    values.merge(caller);
    let mut settings = <S::Settings as Settings>::read(&values);
    let ask = cx.flags & SERVICE_UI_ALWAYS != 0 || (settings.is_err() && cx.ui_allowed());
    if ask && let Some(chosen) = S::configure_ui(cx, settings.as_ref().ok())? {
        settings = Ok(chosen);
    }
    if cx.read_only() {
        // Read-only: whatever was shown, nothing changes.
        return settings.map(drop).map_err(Into::into);
    }
    let settings = match settings {
        Ok(settings) => settings,
        Err(SettingError {
            problem: SettingProblem::Missing,
            ..
        }) if cx.call == ServiceCall::Create => {
            // Added unconfigured: write what the caller gave, the logon asks for the rest.
            return write_values(&sections, &stored, &values);
        }
        Err(error) => return Err(error.into()),
    };
    let mut written = SettingValues::new(<S::Settings as Settings>::DECLARED);
    settings.write(&mut written);
    write_values(&sections, &stored, &written)
}

/// Writes `values` to every section: set ones set, unset ones deleted. Settings that change
/// may name another store: the store a logon recorded is forgotten then, so that the next
/// logon without an entry ID follows the new settings.
fn write_values(
    sections: &[ProfileSection],
    stored: &SettingValues,
    values: &SettingValues,
) -> ProviderResult<()> {
    let props = values.properties()?;
    #[cfg_attr(not(feature = "store"), allow(unused_mut))]
    let mut unset: Vec<u32> = values
        .tags()
        .filter(|tag| !props.iter().any(|p| u32::from(p.id) == tag >> 16))
        .collect();
    // A store's recorded entry ID exists only with the store SPI.
    #[cfg(feature = "store")]
    if stored.properties().ok().as_ref() != Some(&props) {
        unset.push(PR_MAPI_SPI_STORE_ENTRYID);
    }
    #[cfg(not(feature = "store"))]
    let _ = stored;
    for section in sections {
        section.set(&props)?;
        section.delete(&unset)?;
    }
    Ok(())
}

/// What the exported `ServiceEntry` does: see the module documentation.
///
/// # Safety
///
/// The arguments are those MAPI passes to a `MSGSERVICEENTRY`: `lpMAPISup` and
/// `lpProviderAdmin` NULL or live interface pointers of their kind, `lpProps` NULL or
/// `cValues` property values, `lppMapiError` NULL or writable.
pub unsafe fn service_entry<S: MessageService>(
    hInstance: *mut c_void,
    lpMAPISup: *mut c_void,
    ulUIParam: usize,
    ulFlags: u32,
    ulContext: u32,
    cValues: u32,
    lpProps: *mut SPropValue,
    lpProviderAdmin: *mut c_void,
    lppMapiError: *mut *mut MAPIERROR,
) -> HRESULT {
    if !lppMapiError.is_null() {
        // SAFETY: writable (caller).
        unsafe { lppMapiError.write(core::ptr::null_mut()) };
    }
    if ulFlags & !KNOWN_FLAGS != 0 {
        return MAPI_E_UNKNOWN_FLAGS;
    }
    let Some(call) = ServiceCall::from_context(ulContext) else {
        return MAPI_E_NO_SUPPORT;
    };
    if lpProps.is_null() && cValues != 0 {
        return MAPI_E_INVALID_PARAMETER;
    }
    // SAFETY: NULL or live interface pointers, borrowed for the call (caller).
    let support = unsafe { IMAPISupport::from_raw_borrowed(&lpMAPISup) };
    // SAFETY: as above.
    let admin = unsafe { IProviderAdmin::from_raw_borrowed(&lpProviderAdmin) };
    let allocators = support.and_then(support_allocators);
    let cx = ServiceContext {
        instance: hInstance as usize,
        ui_param: ulUIParam,
        flags: ulFlags,
        call,
        support,
        admin,
        allocators,
    };
    let outcome = guard::<S, _>("ServiceEntry", || {
        // SAFETY: `cValues` values at `lpProps` (caller; NULL only with 0).
        let caller = unsafe { props_from_raw(lpProps, cValues) }?;
        run::<S>(&cx, &caller)
    });
    let error = match outcome {
        Some(Ok(())) => return S_OK,
        Some(Err(error)) => error,
        None => ProviderError::new(MAPI_E_CALL_FAILED, "the service entry panicked"),
    };
    match allocators {
        // SAFETY: `lppMapiError` is NULL or writable (caller).
        Some(allocators) => unsafe {
            error.report(
                S::COMPONENT,
                &allocators,
                ulFlags & MAPI_UNICODE != 0,
                lppMapiError,
            )
        },
        // Without MAPI's allocators there is no MAPIERROR to give.
        None if error.code.is_err() => error.code,
        None => MAPI_E_CALL_FAILED,
    }
}

/// The support object's allocators, if it gives them.
fn support_allocators(support: &IMAPISupport) -> Option<AllocatorSet> {
    let (mut allocate, mut more, mut free) = (None, None, None);
    // SAFETY: three valid out-pointers.
    let hr = unsafe { support.GetMemAllocRoutines(&mut allocate, &mut more, &mut free) };
    if hr.is_err() {
        return None;
    }
    // SAFETY: MAPI's allocators, valid while the provider DLL is loaded.
    unsafe { AllocatorSet::new(allocate, more, free) }.ok()
}

fn run<S: MessageService>(cx: &ServiceContext<'_>, caller: &[Property]) -> ProviderResult<()> {
    match cx.call {
        ServiceCall::Install => S::install(cx),
        ServiceCall::Uninstall => S::uninstall(cx),
        ServiceCall::Create | ServiceCall::Configure | ServiceCall::ProviderCreate => {
            configure::<S>(cx, caller)
        }
        ServiceCall::Delete => {
            let sections = cx.provider_sections()?;
            let settings = <S::Settings as Settings>::read(&stored_values::<S>(&sections)?).ok();
            S::delete(cx, settings.as_ref())
        }
        ServiceCall::ProviderDelete => Ok(()),
    }
}

/// Exports the message service entry `ServiceEntry` (`MSGSERVICEENTRY`, `extern "system"`)
/// for a [`MessageService`](crate::provider::service::MessageService), and checks at compile
/// time that the service's declaration names it (`entry_name: Some("ServiceEntry")`).
#[macro_export]
macro_rules! service_entry {
    ($service:ty) => {
        /// The message service entry MAPI calls to install, add, configure and remove this
        /// service (`MSGSERVICEENTRY`).
        ///
        /// # Safety
        ///
        /// Called by MAPI with the arguments of a `MSGSERVICEENTRY`.
        #[unsafe(no_mangle)]
        pub unsafe extern "system" fn ServiceEntry(
            hInstance: *mut ::core::ffi::c_void,
            _lpMalloc: *mut ::core::ffi::c_void,
            lpMAPISup: *mut ::core::ffi::c_void,
            ulUIParam: usize,
            ulFlags: u32,
            ulContext: u32,
            cValues: u32,
            lpProps: *mut $crate::types::SPropValue,
            lpProviderAdmin: *mut ::core::ffi::c_void,
            lppMapiError: *mut *mut $crate::types::MAPIERROR,
        ) -> $crate::HRESULT {
            // SAFETY: MAPI's arguments, as `service_entry` requires.
            unsafe {
                $crate::provider::service::entry::service_entry::<$service>(
                    hInstance,
                    lpMAPISup,
                    ulUIParam,
                    ulFlags,
                    ulContext,
                    cValues,
                    lpProps,
                    lpProviderAdmin,
                    lppMapiError,
                )
            }
        }

        const _: $crate::provider::service::entry::MSGSERVICEENTRY = ServiceEntry;
        const _: () = assert!(
            <$service as $crate::provider::service::MessageService>::SERVICE.exports_service_entry(),
            "the service's `entry_name` must be Some(\"ServiceEntry\"), the name `service_entry!` exports"
        );
    };
}
