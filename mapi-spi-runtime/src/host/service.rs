//! MAPI's side of a message service entry: the `IProviderAdmin` it passes, and calling the
//! entry as `IMsgServiceAdmin::CreateMsgService`, `ConfigureMsgService` and `DeleteMsgService`
//! do.
#![allow(non_snake_case, clippy::too_many_arguments)]

use std::sync::Arc;
use windows_core::{GUID, HRESULT, Interface};

use super::profile::{Profile, ProfileService};
use super::session::{HostError, hresult_name, take_mapi_error};
use super::support::{HostSupport, SupportLog, SupportOptions};
use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_UNKNOWN_FLAGS, S_OK};
use crate::com::{ComObject, InterfaceOut, Object};
use crate::flags::MAPI_UNICODE;
use crate::interfaces::{IMAPISupport, IMAPITable, IProfSect, IProviderAdmin, IProviderAdminImpl};
use crate::props::value::{PropValue, Property, props_block};
use crate::provider::service::entry::MSGSERVICEENTRY;
use crate::table::TableData;
use crate::tags::*;
use crate::types::{MAPIERROR, MAPIUID};
use mapi_spi_macros::mapi_object;

/// The `IProviderAdmin` of one service in a profile: its provider table, and its sections
/// (`OpenProfileSection` with NULL is the service's own). `CreateProvider` and
/// `DeleteProvider` answer `MAPI_E_NO_SUPPORT`: the host's services have the providers their
/// declaration lists.
#[mapi_object(IProviderAdmin)]
pub struct HostProviderAdmin {
    profile: Profile,
    service: ProfileService,
    providers: TableData,
}

impl HostProviderAdmin {
    /// The admin object of `service`, with one provider table row per provider.
    pub fn create(
        profile: &Profile,
        service: &ProfileService,
        allocators: AllocatorSet,
    ) -> crate::com::Result<IProviderAdmin> {
        let columns = vec![
            PR_PROVIDER_UID,
            PR_DISPLAY_NAME_W,
            PR_PROVIDER_DISPLAY_W,
            PR_RESOURCE_TYPE,
            PR_SERVICE_UID,
        ];
        let providers = TableData::new(PR_PROVIDER_UID, columns, allocators)?;
        for (uid, provider) in &service.providers {
            let text = |tag, s: &str| Property::for_tag(tag, PropValue::Unicode(s.into()));
            providers.modify_row(vec![
                Property::for_tag(PR_PROVIDER_UID, PropValue::Binary(uid.ab.to_vec())),
                text(PR_DISPLAY_NAME_W, provider.display_name),
                text(PR_PROVIDER_DISPLAY_W, provider.provider_display),
                Property::for_tag(PR_RESOURCE_TYPE, PropValue::Long(provider.resource_type)),
                Property::for_tag(PR_SERVICE_UID, PropValue::Binary(service.uid.ab.to_vec())),
            ])?;
        }
        Ok(ComObject::new(HostProviderAdmin {
            profile: profile.clone(),
            service: service.clone(),
            providers,
        })
        .into_interface())
    }
}

impl IProviderAdminImpl for HostProviderAdmin {
    unsafe fn GetProviderTable(
        this: &Object<Self>,
        ulFlags: u32,
        mut lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        if ulFlags & !MAPI_UNICODE != 0 {
            return MAPI_E_UNKNOWN_FLAGS;
        }
        lppTable.set(this.providers.view());
        S_OK
    }

    unsafe fn OpenProfileSection(
        this: &Object<Self>,
        lpUID: *mut MAPIUID,
        lpInterface: *const GUID,
        ulFlags: u32,
        mut lppProfSect: InterfaceOut<'_, IProfSect>,
    ) -> HRESULT {
        // SAFETY: NULL or a MAPIUID (the caller's contract).
        let uid = unsafe { lpUID.as_ref() }
            .copied()
            .unwrap_or(this.service.uid);
        // SAFETY: `lpInterface` is NULL or a GUID (the caller's contract).
        match unsafe { this.profile.open(&uid, lpInterface, ulFlags) } {
            Ok(section) => {
                lppProfSect.set(section);
                S_OK
            }
            Err(code) => code,
        }
    }
}

/// How a service entry call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceEntryOutcome {
    pub code: HRESULT,
    /// The `MAPIERROR` text, when the entry returned one.
    pub error: Option<String>,
}

impl ServiceEntryOutcome {
    pub fn is_ok(&self) -> bool {
        self.code.is_ok()
    }
}

impl core::fmt::Display for ServiceEntryOutcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&hresult_name(self.code))?;
        if let Some(error) = &self.error {
            write!(f, ": {error}")?;
        }
        Ok(())
    }
}

/// Calls a service entry as MAPI does: with a support object and an `IProviderAdmin` over
/// `service` in `profile`, the caller's `props` (in one MAPI block), `ulFlags` and
/// `ulContext`; frees the `MAPIERROR` it returns, after reading its text.
///
/// # Safety
///
/// `entry` is a `MSGSERVICEENTRY`: a function with that signature and calling convention that
/// keeps MAPI's contract.
pub unsafe fn call_service_entry(
    entry: MSGSERVICEENTRY,
    profile: &Profile,
    service: &ProfileService,
    context: u32,
    flags: u32,
    props: &[Property],
    allocators: AllocatorSet,
    log: &Arc<SupportLog>,
) -> ServiceEntryOutcome {
    let support = HostSupport::create(
        log,
        allocators,
        SupportOptions::default(),
        service.description.dll_base_name,
    );
    support.attach_profile(profile, service.uid);
    let support: IMAPISupport = support.into_interface();
    let admin = match HostProviderAdmin::create(profile, service, allocators) {
        Ok(admin) => admin,
        Err(error) => {
            return ServiceEntryOutcome {
                code: error.code(),
                error: Some("the host could not build the provider table".into()),
            };
        }
    };
    let block = match props_block(&allocators, props) {
        Ok(block) => block,
        Err(error) => {
            return ServiceEntryOutcome {
                code: error.code(),
                error: None,
            };
        }
    };
    let props_ptr = if props.is_empty() {
        core::ptr::null_mut()
    } else {
        block.as_ptr().cast()
    };
    let mut error = core::ptr::null_mut::<MAPIERROR>();
    // SAFETY: MAPI's arguments: live support and admin objects, `props.len()` values, a valid
    // MAPIERROR out-pointer; `entry` keeps the contract (caller).
    let code = unsafe {
        entry(
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            support.as_raw(),
            0,
            flags,
            context,
            props.len() as u32,
            props_ptr,
            admin.as_raw(),
            &mut error,
        )
    };
    drop(block);
    ServiceEntryOutcome {
        code,
        // SAFETY: NULL or a MAPIERROR the entry allocated with our allocators, in the width
        // `flags` asked for.
        error: unsafe { take_mapi_error(error, flags & MAPI_UNICODE != 0, &allocators) }.map(
            |(text, component)| match component {
                Some(component) => format!("{text} [{component}]"),
                None => text,
            },
        ),
    }
}

/// A provider DLL's service entry, loaded as MAPI loads it (by the name in
/// `PR_SERVICE_ENTRY_NAME`), for configuring a profile before a session opens.
pub struct ServiceLibrary {
    entry: MSGSERVICEENTRY,
    allocators: AllocatorSet,
    log: Arc<SupportLog>,
    // Dropped last: the entry's code lives in it.
    _library: libloading::Library,
}

impl ServiceLibrary {
    /// Loads the library at `path` and finds its export `entry_name`.
    ///
    /// # Safety
    ///
    /// Loading runs the library's initialisers, and the export must be a `MSGSERVICEENTRY`
    /// (signature and calling convention): nothing can check either.
    pub unsafe fn load(path: &std::path::Path, entry_name: &str) -> Result<Self, HostError> {
        // SAFETY: as the caller promised.
        let library = unsafe { libloading::Library::new(path) }
            .map_err(|e| HostError::Load(e.to_string()))?;
        let mut symbol = entry_name.as_bytes().to_vec();
        symbol.push(0);
        // SAFETY: the export is a MSGSERVICEENTRY (caller).
        let entry = unsafe { library.get::<MSGSERVICEENTRY>(symbol.as_slice()) }
            .map(|symbol| *symbol)
            .map_err(|e| HostError::Load(e.to_string()))?;
        Ok(Self {
            entry,
            allocators: AllocatorSet::native(),
            log: Arc::default(),
            _library: library,
        })
    }

    /// Calls the entry for `service` in `profile` (see [`call_service_entry`]).
    pub fn call(
        &self,
        profile: &Profile,
        service: &ProfileService,
        context: u32,
        flags: u32,
        props: &[Property],
    ) -> ServiceEntryOutcome {
        // SAFETY: `load`'s caller promised the export is a MSGSERVICEENTRY.
        unsafe {
            call_service_entry(
                self.entry,
                profile,
                service,
                context,
                flags,
                props,
                self.allocators,
                &self.log,
            )
        }
    }

    /// What the support objects given to the entry saw.
    pub fn support_log(&self) -> &SupportLog {
        &self.log
    }
}
