//! A MAPI profile for the host: sections of properties keyed by `MAPIUID`, filled from a
//! service's declaration as `IMsgServiceAdmin::CreateMsgService` fills them from MAPISVC.INF,
//! and opened as `IProfSect` objects by the support object (`OpenProfileSection`) and by
//! `IProviderAdmin` (in the service entry).
//!
//! MAPI's rules kept here: a read-only open refuses `SetProps` and `DeleteProps` with
//! `MAPI_E_NO_ACCESS`; a read-only open of a missing section is `MAPI_E_NOT_FOUND` and a
//! `MAPI_MODIFY` open creates it; the properties MAPI owns in a provider section
//! (`PR_RESOURCE_FLAGS`, `PR_PROVIDER_DLL_NAME`, `PR_RESOURCE_TYPE`, `PR_PROVIDER_UID`,
//! `PR_SERVICE_UID`) are read-only to providers.
#![allow(non_snake_case)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use crate::alloc::AllocatorSet;
use crate::codes::{
    MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_NO_ACCESS, MAPI_E_NOT_FOUND, MAPI_E_UNKNOWN_FLAGS,
};
use crate::com::{ComObject, Forward, MethodName, Object};
use crate::flags::{MAPI_DEFERRED_ERRORS, MAPI_MODIFY};
use crate::interfaces::{IMAPIProp, IMAPIPropImpl, IProfSect, IProfSectImpl};
use crate::props::{PropAccess, PropValue, Property, PropertyBag, PropertyObject};
use crate::provider::service::{ProviderDescription, ServiceDescription, SettingValue};
use crate::sync::lock;
use crate::tags::*;
use crate::types::MAPIUID;
use mapi_spi_macros::mapi_object;

/// A profile: shared by the session, its support objects and the `IProviderAdmin`s.
#[derive(Clone)]
pub struct Profile {
    inner: Arc<ProfileInner>,
}

struct ProfileInner {
    allocators: AllocatorSet,
    sections: Mutex<BTreeMap<[u8; 16], ComObject<PropertyObject>>>,
    next_uid: AtomicU32,
}

/// A service added to a profile: its section and its providers' sections.
#[derive(Clone, Debug)]
pub struct ProfileService {
    pub uid: MAPIUID,
    pub description: ServiceDescription,
    /// Each provider's section UID, in the declaration's order.
    pub providers: Vec<(MAPIUID, ProviderDescription)>,
}

impl ProfileService {
    /// The section of the service's first provider of `resource_type` (`MAPI_STORE_PROVIDER`).
    pub fn provider(&self, resource_type: u32) -> Option<MAPIUID> {
        self.providers
            .iter()
            .find(|(_, p)| p.resource_type == resource_type)
            .map(|(uid, _)| *uid)
    }
}

impl Profile {
    /// An empty profile whose sections answer with `allocators`.
    pub fn new(allocators: AllocatorSet) -> Self {
        Self {
            inner: Arc::new(ProfileInner {
                allocators,
                sections: Mutex::default(),
                next_uid: AtomicU32::new(1),
            }),
        }
    }

    /// A fresh section UID: MAPI makes them with `NewUID`; the host counts.
    fn new_uid(&self) -> MAPIUID {
        let mut ab = *b"mapi-spi host\0\0\0";
        let n = self.inner.next_uid.fetch_add(1, Ordering::Relaxed);
        ab[12..].copy_from_slice(&n.to_be_bytes());
        MAPIUID { ab }
    }

    fn add_section(&self, uid: MAPIUID, props: Vec<(Property, PropAccess)>) {
        let mut bag = PropertyBag::new();
        for (prop, access) in props {
            bag.insert(prop, access).expect("a storable profile value");
        }
        let section = ComObject::new(PropertyObject::new(bag, self.inner.allocators));
        lock(&self.inner.sections).insert(uid.ab, section);
    }

    /// Adds `service` as `CreateMsgService` does: a service section and one section per
    /// provider, with the properties MAPISVC.INF would give them (the settings' defaults
    /// included). The service entry is not called: see [`super::service`].
    pub fn add_service(&self, service: &ServiceDescription) -> ProfileService {
        let service_uid = self.new_uid();
        let ro = PropAccess::READ_ONLY;
        let rw = PropAccess::READ_WRITE;
        let text = |tag: u32, s: &str| Property::for_tag(tag, PropValue::Unicode(s.into()));
        let mut props = vec![
            (text(PR_SERVICE_NAME_W, service.name), ro),
            (text(PR_DISPLAY_NAME_W, service.display_name), rw),
            (text(PR_SERVICE_DLL_NAME_W, service.dll_base_name), ro),
            (
                Property::for_tag(PR_RESOURCE_FLAGS, PropValue::Long(service.resource_flags)),
                ro,
            ),
            (
                Property::for_tag(PR_SERVICE_UID, PropValue::Binary(service_uid.ab.to_vec())),
                ro,
            ),
        ];
        if let Some(entry) = service.entry_name {
            let entry = Property::for_tag(PR_SERVICE_ENTRY_NAME, PropValue::String8(entry.into()));
            props.push((entry, ro));
        }
        props.extend(defaults(service.settings));
        self.add_section(service_uid, props);
        let mut providers = Vec::new();
        for provider in service.providers {
            let uid = self.new_uid();
            let dll = provider.dll_base_name.unwrap_or(service.dll_base_name);
            let mut props = vec![
                (text(PR_DISPLAY_NAME_W, provider.display_name), rw),
                (text(PR_PROVIDER_DISPLAY_W, provider.provider_display), rw),
                (text(PR_PROVIDER_DLL_NAME_W, dll), ro),
                (
                    Property::for_tag(PR_RESOURCE_TYPE, PropValue::Long(provider.resource_type)),
                    ro,
                ),
                (
                    Property::for_tag(PR_RESOURCE_FLAGS, PropValue::Long(provider.resource_flags)),
                    ro,
                ),
                (
                    Property::for_tag(PR_PROVIDER_UID, PropValue::Binary(uid.ab.to_vec())),
                    ro,
                ),
                (
                    Property::for_tag(PR_SERVICE_UID, PropValue::Binary(service_uid.ab.to_vec())),
                    ro,
                ),
            ];
            props.extend(defaults(provider.settings));
            self.add_section(uid, props);
            providers.push((uid, *provider));
        }
        ProfileService {
            uid: service_uid,
            description: *service,
            providers,
        }
    }

    /// A new, empty section (MAPI gives one to a store it opens that the profile does not
    /// list).
    pub fn new_section(&self) -> MAPIUID {
        let uid = self.new_uid();
        self.add_section(uid, Vec::new());
        uid
    }

    /// The properties of a section, as Rust values (`None`: no such section).
    pub fn properties(&self, uid: &MAPIUID) -> Option<Vec<Property>> {
        let sections = lock(&self.inner.sections);
        let section = sections.get(&uid.ab)?;
        Some(section.bag().iter().cloned().collect())
    }

    /// The value of `tag` (by ID) in a section.
    pub fn value(&self, uid: &MAPIUID, tag: u32) -> Option<PropValue> {
        let id = prop_id(tag) as u16;
        self.properties(uid)?
            .into_iter()
            .find(|p| p.id == id)
            .map(|p| p.value)
    }

    /// Deletes the section `uid` (what `DeleteMsgService` does to a service's sections).
    pub fn remove_section(&self, uid: &MAPIUID) {
        lock(&self.inner.sections).remove(&uid.ab);
    }

    /// `OpenProfileSection` as MAPI answers it: flags `MAPI_MODIFY` and
    /// `MAPI_DEFERRED_ERRORS`; `interface` NULL, `IProfSect`, `IMAPIProp` or `IUnknown`.
    ///
    /// # Safety
    ///
    /// `interface` is NULL or points to a GUID.
    pub unsafe fn open(
        &self,
        uid: &MAPIUID,
        interface: *const GUID,
        flags: u32,
    ) -> Result<IProfSect, HRESULT> {
        if flags & !(MAPI_MODIFY | MAPI_DEFERRED_ERRORS) != 0 {
            return Err(MAPI_E_UNKNOWN_FLAGS);
        }
        // SAFETY: NULL or a GUID (caller).
        if let Some(iid) = unsafe { interface.as_ref() }
            && ![IProfSect::IID, IMAPIProp::IID, IUnknown::IID].contains(iid)
        {
            return Err(MAPI_E_INTERFACE_NOT_SUPPORTED);
        }
        let writable = flags & MAPI_MODIFY != 0;
        if writable && !lock(&self.inner.sections).contains_key(&uid.ab) {
            self.add_section(*uid, Vec::new());
        }
        let sections = lock(&self.inner.sections);
        let section = sections.get(&uid.ab).ok_or(MAPI_E_NOT_FOUND)?;
        Ok(ComObject::new(HostProfileSection {
            section: section.to_interface(),
            writable,
        })
        .into_interface())
    }
}

/// The MAPISVC.INF defaults of `settings`, as properties MAPI copies into a new section.
fn defaults(
    settings: &[crate::provider::service::SettingDescription],
) -> impl Iterator<Item = (Property, PropAccess)> + '_ {
    settings.iter().filter_map(|setting| {
        let value = match setting.default? {
            SettingValue::Long(n) => PropValue::Long(n),
            SettingValue::Bool(b) => PropValue::Boolean(b),
            SettingValue::String(s) if prop_type(setting.tag) == PT_STRING8 => {
                PropValue::String8(s.into())
            }
            SettingValue::String(s) => PropValue::Unicode(s.into()),
            SettingValue::Binary(b) => PropValue::Binary(b.to_vec()),
        };
        Some((
            Property::for_tag(setting.tag, value),
            PropAccess::READ_WRITE,
        ))
    })
}

/// One open of a section: its `IMAPIProp` methods go to the section's property object; a
/// read-only open refuses the writing ones.
#[mapi_object(IProfSect)]
struct HostProfileSection {
    section: IMAPIProp,
    writable: bool,
}

impl IMAPIPropImpl for HostProfileSection {
    fn forward(this: &Object<Self>, method: MethodName) -> Forward<'_, IMAPIProp> {
        let writes = matches!(method.0, "SetProps" | "DeleteProps");
        if writes && !this.writable {
            Forward::Fail(MAPI_E_NO_ACCESS)
        } else {
            Forward::To(&this.section)
        }
    }
}

impl IProfSectImpl for HostProfileSection {}
