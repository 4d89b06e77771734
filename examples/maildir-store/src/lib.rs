//! A MAPI message store provider that shows a Maildir (the directory format of Dovecot,
//! Postfix, mutt and offlineimap), built only on mapi-spi's public API.
//!
//! The provider writes what the store means and nothing else: the message service with its
//! setting, the Maildir's path ([`MaildirSettings`], configured through the service entry and
//! kept in the profile), the logon contract, and the Maildir as folders and messages
//! ([`MaildirContent`]: the directory format, MIME parsing and writing, flags). The runtime's
//! [`ContentStore`] makes MAPI's store, folder, message and attachment objects of it.
//!
//! A store is bound to its profile: its entry ID names the Maildir's canonical path, and a logon
//! accepts only the path the profile is configured with, so an entry ID crafted to name another
//! directory is refused (`MAPI_E_INVALID_ENTRYID`) before anything is read there. Without the
//! setting (or without a profile section) the store is unconfigured: `MAPI_E_UNCONFIGURED`,
//! which makes MAPI run the service entry.
#![allow(non_snake_case)]

pub mod content;
mod entries;
pub mod index_file;
mod info;
pub mod maildir;
mod mime;
pub mod sidecar;

pub use content::MaildirContent;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mapi_spi_runtime::codes::{MAPI_E_INVALID_ENTRYID, MAPI_E_LOGON_FAILED, MAPI_E_UNCONFIGURED};
use mapi_spi_runtime::flags::{
    MAPI_STORE_PROVIDER, STATUS_DEFAULT_STORE, STATUS_NO_PRIMARY_IDENTITY,
};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::service::{
    InfKey, MessageService, ProviderDescription, SERVICE_NO_PRIMARY_IDENTITY, ServiceDescription,
    SettingDescription, SettingError, SettingValues, Settings,
};
use mapi_spi_runtime::provider::store::{
    ContentStore, KeyBytes, LogonRequest, SpoolSecurity, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderError, ProviderResult};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::MAPIUID;

/// The provider's MAPIUID: registered with `SetProviderUID`, bytes 4 to 20 of its entry IDs.
pub const MAILDIR_UID: MAPIUID = MAPIUID {
    ab: [
        0x3B, 0x8E, 0x51, 0x0C, 0x6A, 0x2D, 0x47, 0x19, 0xB4, 0x70, 0xE2, 0x95, 0x1F, 0x5C, 0x08,
        0xA6,
    ],
};
/// The version byte of the store entry ID format.
const ENTRY_ID_VERSION: u8 = 1;
/// `abFlags` (4) + UID (16) + version (1): where the path starts.
const PATH_AT: usize = 21;

/// The store's one setting.
const SETTINGS: &[SettingDescription] = &[SettingDescription {
    name: "path",
    tag: 0x6600_001F, // PT_UNICODE, in the provider's private range
    inf: InfKey::ProfileOnly,
    default: None,
}];

/// The message service: one store provider in `maildir_store.dll`, with a service entry.
pub const SERVICE: ServiceDescription = ServiceDescription {
    name: "RustMaildirStore",
    display_name: "Maildir (mapi-spi)",
    dll_base_name: "maildir_store.dll",
    entry_name: Some("ServiceEntry"),
    resource_flags: SERVICE_NO_PRIMARY_IDENTITY,
    support_files: &[],
    delete_files: &[],
    settings: &[],
    providers: &[ProviderDescription {
        section: "RustMaildirStore MS",
        display_name: "Maildir",
        provider_display: "Maildir (mapi-spi)",
        dll_base_name: None,
        resource_type: MAPI_STORE_PROVIDER,
        resource_flags: STATUS_DEFAULT_STORE | STATUS_NO_PRIMARY_IDENTITY,
        settings: SETTINGS,
    }],
}
.checked();

/// Where the Maildir is: an absolute path to a directory with `cur`, `new` and `tmp`, kept in
/// its canonical form (symbolic links and `..` resolved), so that one Maildir has one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaildirSettings {
    pub path: PathBuf,
}

/// Why `path` is not a Maildir, if it is not.
fn maildir_problem(path: &Path) -> Option<String> {
    if !path.is_absolute() {
        return Some("the path is not absolute".into());
    }
    if !path.is_dir() {
        return Some("no directory is there".into());
    }
    ["cur", "new", "tmp"]
        .iter()
        .find(|sub| !path.join(sub).is_dir())
        .map(|sub| format!("not a Maildir: it has no `{sub}` directory"))
}

impl Settings for MaildirSettings {
    const DECLARED: &'static [SettingDescription] = SETTINGS;

    fn read(values: &SettingValues) -> Result<Self, SettingError> {
        let path = PathBuf::from(values.required_string("path")?);
        if let Some(problem) = maildir_problem(&path) {
            return Err(SettingError::invalid("path", problem));
        }
        let path = path
            .canonicalize()
            .map_err(|error| SettingError::invalid("path", error.to_string()))?;
        if path.to_str().is_none() {
            return Err(SettingError::invalid("path", "the path is not Unicode"));
        }
        Ok(Self { path })
    }

    fn write(&self, values: &mut SettingValues) {
        let path = self.path.to_str().expect("checked when read");
        values.set_string("path", path);
    }
}

/// The service as its entry sees it: the runtime configures [`MaildirSettings`]; the Maildir
/// is the user's, so removing the service leaves it as it is.
pub struct MaildirService;

impl MessageService for MaildirService {
    const SERVICE: ServiceDescription = SERVICE;
    const COMPONENT: &'static str = "Maildir store";
    type Settings = MaildirSettings;
}

mapi_spi_runtime::service_entry!(MaildirService);

/// The store entry ID of the Maildir at `path` (canonical).
pub fn store_entry_id(path: &str) -> Vec<u8> {
    let mut id = vec![0u8; 4];
    id.extend_from_slice(&MAILDIR_UID.ab);
    id.push(ENTRY_ID_VERSION);
    id.extend_from_slice(path.as_bytes());
    id
}

/// The path in a store entry ID of ours.
fn entry_path(entry_id: &[u8]) -> ProviderResult<&str> {
    let malformed = || ProviderError::new(MAPI_E_INVALID_ENTRYID, "not a Maildir store entry ID");
    if entry_id.len() <= PATH_AT
        || entry_id[..4] != [0; 4]
        || entry_id[4..20] != MAILDIR_UID.ab
        || entry_id[20] != ENTRY_ID_VERSION
    {
        return Err(malformed());
    }
    std::str::from_utf8(&entry_id[PATH_AT..]).map_err(|_| malformed())
}

/// The provider: one per MAPI session.
pub struct MaildirProvider;

impl StoreProvider for MaildirProvider {
    type Store = ContentStore;
    const COMPONENT: &'static str = "Maildir store";

    fn create(_: &ProviderContext) -> ProviderResult<Self> {
        Ok(MaildirProvider)
    }

    /// The canonical path, as written in the ID: two IDs name one Maildir exactly when their
    /// paths are equal.
    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
        Ok(entry_path(entry_id)?.as_bytes().into())
    }

    /// The configured Maildir; unconfigured without the setting or a profile section.
    fn default_entry_id(&self, request: &LogonRequest<'_>) -> ProviderResult<Vec<u8>> {
        let settings = configured(request)?;
        let path = settings.path.to_str().expect("checked when read");
        Ok(store_entry_id(path))
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: StoreRef,
    ) -> ProviderResult<StoreLogon<ContentStore>> {
        let path = entry_path(request.entry_id)?;
        let settings = configured(request)?;
        // The profile's Maildir only: an ID naming any other directory is refused before
        // anything is read there.
        if settings.path.to_str() != Some(path) {
            return Err(ProviderError::new(
                MAPI_E_INVALID_ENTRYID,
                "the entry ID names a Maildir this profile is not configured with",
            ));
        }
        let name = settings
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("Maildir");
        let display_name = format!("Maildir {name}");
        request.announce(&MAILDIR_UID, &display_name)?;
        let content = MaildirContent::open(&settings.path).map_err(|error| {
            ProviderError::new(
                MAPI_E_LOGON_FAILED,
                format!(
                    "the Maildir {} cannot be opened: {error}",
                    settings.path.display()
                ),
            )
        })?;
        let props = vec![Property::for_tag(
            PR_DISPLAY_NAME_W,
            PropValue::Unicode(display_name.into()),
        )];
        Ok(StoreLogon {
            store: ContentStore::new(request, context, MAILDIR_UID, Arc::new(content), props)?,
            // The store key: the Maildir's path.
            spool_security: SpoolSecurity::StoreKey,
        })
    }

    fn spooler_logon(&self, request: &LogonRequest<'_>, spool: &[u8]) -> ProviderResult<()> {
        if spool == entry_path(request.entry_id)?.as_bytes() {
            Ok(())
        } else {
            Err(ProviderError::new(
                MAPI_E_LOGON_FAILED,
                "the spool security names another Maildir",
            ))
        }
    }
}

/// The profile's settings, or `MAPI_E_UNCONFIGURED`.
fn configured(request: &LogonRequest<'_>) -> ProviderResult<MaildirSettings> {
    request.settings::<MaildirSettings>()?.ok_or_else(|| {
        ProviderError::new(
            MAPI_E_UNCONFIGURED,
            "the Maildir store has no profile settings",
        )
    })
}

mapi_spi_runtime::ms_provider_init!(MaildirProvider);
