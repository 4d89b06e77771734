//! The declaration of a message service: what MAPISVC.INF says about it, written once as Rust
//! data by the provider crate.
//!
//! ```
//! use mapi_spi_runtime::flags::{MAPI_STORE_PROVIDER, STATUS_NO_DEFAULT_STORE, STATUS_NO_PRIMARY_IDENTITY};
//! use mapi_spi_runtime::provider::service::*;
//!
//! pub const SERVICE: ServiceDescription = ServiceDescription {
//!     name: "MyStore",
//!     display_name: "My Store",
//!     dll_base_name: "my_store.dll",
//!     entry_name: None,
//!     resource_flags: SERVICE_NO_PRIMARY_IDENTITY,
//!     support_files: &[],
//!     delete_files: &[],
//!     settings: &[],
//!     providers: &[ProviderDescription {
//!         section: "MyStore MS",
//!         display_name: "My Store",
//!         provider_display: "My Store (Rust)",
//!         dll_base_name: None,
//!         resource_type: MAPI_STORE_PROVIDER,
//!         resource_flags: STATUS_NO_DEFAULT_STORE | STATUS_NO_PRIMARY_IDENTITY,
//!         settings: &[SettingDescription {
//!             name: "root_path",
//!             tag: 0x6600_001E,
//!             inf: InfKey::Hex,
//!             default: Some(SettingValue::String("C:\\Stores")),
//!         }],
//!     }],
//! }
//! .checked(); // the rules a constant can check, at compile time
//! assert_eq!(SERVICE.validate(), Ok(())); // all of them
//! ```
//!
//! The rules [`ServiceDescription::validate`] checks come from Microsoft's MAPI reference:
//! "File Format of MapiSvc.inf", "MapiSvc.inf \[Services\] Section", "Property Entries in
//! MapiSvc.inf Message Service Sections", "List Entries in MapiSvc.inf Message Service
//! Sections", "MapiSvc.inf Service Provider Sections", and the pages of the properties named
//! below (PidTagServiceDllName, PidTagServiceEntryName, PidTagResourceFlags,
//! PidTagResourceType).

use core::fmt;

use crate::flags::{
    MAPI_AB_PROVIDER, MAPI_STORE_PROVIDER, MAPI_TRANSPORT_PROVIDER, STATUS_DEFAULT_OUTBOUND,
    STATUS_DEFAULT_STORE, STATUS_NO_DEFAULT_STORE, STATUS_NO_PRIMARY_IDENTITY, STATUS_OWN_STORE,
    STATUS_PRIMARY_IDENTITY, STATUS_PRIMARY_STORE, STATUS_SECONDARY_STORE, STATUS_XP_PREFER_LAST,
};
use crate::tags::{
    PROPERTY_TAGS, PT_BINARY, PT_BOOLEAN, PT_LONG, PT_STRING8, PT_UNICODE, prop_id, prop_type,
};

// `PR_RESOURCE_FLAGS` of a message service (mapix.h, "Values for PR_RESOURCE_FLAGS in message
// service table"). Declared here rather than in `flags` because only the service declaration
// uses them. SERVICE_DEFAULT_STORE (0x1, set by MAPI) and SERVICE_CREATE_WITH_STORE (0x4,
// "Reserved. Do not use.") are left out on purpose: a declaration may not set them.

/// Static: any attempt to add the service to a profile that already has it fails.
pub const SERVICE_SINGLE_COPY: u32 = 0x0000_0002;
/// Modifiable: the service supplies the session's primary identity. Exactly one of this and
/// [`SERVICE_NO_PRIMARY_IDENTITY`] is set.
pub const SERVICE_PRIMARY_IDENTITY: u32 = 0x0000_0008;
/// Static: no provider of the service can supply an identity.
pub const SERVICE_NO_PRIMARY_IDENTITY: u32 = 0x0000_0020;

/// The symbolic names MAPISVC.INF uses for the `PR_RESOURCE_FLAGS` of a service, in the order
/// they are written.
pub(crate) const SERVICE_FLAG_NAMES: &[(&str, u32)] = &[
    ("SERVICE_SINGLE_COPY", SERVICE_SINGLE_COPY),
    ("SERVICE_PRIMARY_IDENTITY", SERVICE_PRIMARY_IDENTITY),
    ("SERVICE_NO_PRIMARY_IDENTITY", SERVICE_NO_PRIMARY_IDENTITY),
];

/// The `PR_RESOURCE_FLAGS` a provider may declare (the static and modifiable ones of
/// PidTagResourceFlags; the dynamic ones are MAPI's), with the provider types they apply to.
pub(crate) const PROVIDER_FLAG_NAMES: &[(&str, u32, &[u32])] = &[
    ("STATUS_DEFAULT_STORE", STATUS_DEFAULT_STORE, STORE),
    ("STATUS_NO_DEFAULT_STORE", STATUS_NO_DEFAULT_STORE, STORE),
    ("STATUS_PRIMARY_STORE", STATUS_PRIMARY_STORE, STORE),
    ("STATUS_SECONDARY_STORE", STATUS_SECONDARY_STORE, STORE),
    ("STATUS_PRIMARY_IDENTITY", STATUS_PRIMARY_IDENTITY, ANY),
    (
        "STATUS_NO_PRIMARY_IDENTITY",
        STATUS_NO_PRIMARY_IDENTITY,
        ANY,
    ),
    (
        "STATUS_DEFAULT_OUTBOUND",
        STATUS_DEFAULT_OUTBOUND,
        TRANSPORT,
    ),
    ("STATUS_OWN_STORE", STATUS_OWN_STORE, TRANSPORT),
    ("STATUS_XP_PREFER_LAST", STATUS_XP_PREFER_LAST, TRANSPORT),
];
const STORE: &[u32] = &[MAPI_STORE_PROVIDER];
const TRANSPORT: &[u32] = &[MAPI_TRANSPORT_PROVIDER];
const ANY: &[u32] = &[
    MAPI_STORE_PROVIDER,
    MAPI_AB_PROVIDER,
    MAPI_TRANSPORT_PROVIDER,
];

/// The `PR_RESOURCE_TYPE` values a provider section may hold, by their MAPISVC.INF names.
pub(crate) const RESOURCE_TYPE_NAMES: &[(&str, u32)] = &[
    ("MAPI_STORE_PROVIDER", MAPI_STORE_PROVIDER),
    ("MAPI_AB_PROVIDER", MAPI_AB_PROVIDER),
    ("MAPI_TRANSPORT_PROVIDER", MAPI_TRANSPORT_PROVIDER),
];

/// The property IDs MAPI leaves to a provider for its own (secure) profile properties.
pub const PROVIDER_PRIVATE_IDS: core::ops::RangeInclusive<u32> = 0x6600..=0x67FF;

/// The part of [`PROVIDER_PRIVATE_IDS`] the runtime keeps for what it records in a provider's
/// profile section (the store a logon opened): settings may not use it.
pub const RUNTIME_PROFILE_IDS: core::ops::RangeInclusive<u32> = 0x67E0..=0x67EF;

/// The one ID of MAPI's secure profile properties (`PROP_ID_SECURE_MIN` 0x67F0 to
/// `PROP_ID_SECURE_MAX` 0x67FF) the runtime keeps, for the spool security key: settings may not
/// use it either.
pub const RUNTIME_SECURE_PROFILE_ID: u32 = 0x67FF;

/// A message service: the `[Services]` entry, the service section and, through
/// [`ProviderDescription`], one section per provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceDescription {
    /// The service's section name and its key in `[Services]` (`IMsgServiceAdmin::
    /// CreateMsgService` takes this name; it is `PR_SERVICE_NAME` in the profile). Not
    /// localized: MAPI and clients use it to find the service. Letters, digits, `_`, `-`, `.`
    /// and spaces inside.
    pub name: &'static str,
    /// `PR_DISPLAY_NAME` of the service, and the value of its `[Services]` entry: what the
    /// profile UI shows.
    pub display_name: &'static str,
    /// `PR_SERVICE_DLL_NAME`: the DLL holding the service entry point, as its **base** name:
    /// MAPI inserts `32` before the first period (`sample_store.dll` → `sample_store32.dll`),
    /// and "including the string 32 ... results in an error". Outlook 2010 and later accept a
    /// full path, which then must have no period but the extension's.
    pub dll_base_name: &'static str,
    /// `PR_SERVICE_ENTRY_NAME`: the exported `MSGSERVICEENTRY` MAPI calls to configure the
    /// service. Recommended but optional; `None` writes no entry, which tells MAPI the DLL has
    /// none ("the entry point should be supplied only if the related configuration properties
    /// exist").
    pub entry_name: Option<&'static str>,
    /// `PR_RESOURCE_FLAGS` of the service: [`SERVICE_SINGLE_COPY`] optionally, and exactly one
    /// of [`SERVICE_PRIMARY_IDENTITY`] and [`SERVICE_NO_PRIMARY_IDENTITY`]. Written by name.
    pub resource_flags: u32,
    /// `PR_SERVICE_SUPPORT_FILES`, beyond the DLLs this declaration already names (the service
    /// DLL and every provider DLL are always listed first): files installed with the service.
    pub support_files: &'static [&'static str],
    /// `PR_SERVICE_DELETE_FILES`: files to delete when the service is removed; the entry is
    /// written only when the list is not empty.
    pub delete_files: &'static [&'static str],
    /// Properties of the service section (copied into the service's profile section): the
    /// preferred place for information all the service's providers need. For a
    /// single-provider service Microsoft recommends the provider section instead ("accessing
    /// the service provider section is faster and more direct").
    pub settings: &'static [SettingDescription],
    /// The providers, in the order of the `Providers=` list (at least one).
    pub providers: &'static [ProviderDescription],
}

/// One provider of a service: its section in MAPISVC.INF, copied into the provider's profile
/// section when the service is added to a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderDescription {
    /// The section name, listed in the service's `Providers=` entry (the same characters as a
    /// service name; no comma, which separates the list).
    pub section: &'static str,
    /// `PR_DISPLAY_NAME` (required): the provider's name in the configuration UI.
    pub display_name: &'static str,
    /// `PR_PROVIDER_DISPLAY` (required): the provider's name in status rows and dialogs.
    pub provider_display: &'static str,
    /// `PR_PROVIDER_DLL_NAME` (required): the base name of the DLL exporting the provider's
    /// entry point (`MSProviderInit`, `ABProviderInit`, `XPProviderInit`), with the same rule
    /// as [`ServiceDescription::dll_base_name`]. `None`: the service's DLL.
    pub dll_base_name: Option<&'static str>,
    /// `PR_RESOURCE_TYPE` (required): `MAPI_STORE_PROVIDER`, `MAPI_AB_PROVIDER` or
    /// `MAPI_TRANSPORT_PROVIDER` (from [`crate::flags`]). Written by name.
    pub resource_type: u32,
    /// `PR_RESOURCE_FLAGS` (required): `STATUS_*` flags from [`crate::flags`], written by name.
    /// Exactly one of `STATUS_PRIMARY_IDENTITY` and `STATUS_NO_PRIMARY_IDENTITY` ("either this
    /// flag or ... must be set"); the `*_STORE` flags only for a store, the transport ones
    /// (`STATUS_DEFAULT_OUTBOUND`, `STATUS_OWN_STORE`, `STATUS_XP_PREFER_LAST`) only for a
    /// transport; at most one of `STATUS_DEFAULT_STORE` and `STATUS_NO_DEFAULT_STORE`. The
    /// dynamic flags MAPI sets itself are refused.
    pub resource_flags: u32,
    /// The provider's own properties (the place Microsoft recommends for a single-provider
    /// service's configuration).
    pub settings: &'static [SettingDescription],
}

/// A property of a profile section: what MAPISVC.INF puts there when the service is added, and
/// what a service entry reads and writes later (the same tag and type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettingDescription {
    /// The setting's name in Rust (a field of a settings struct, and in error messages).
    pub name: &'static str,
    /// The property tag. Its type is the setting's type: `PT_LONG`, `PT_STRING8`, `PT_BINARY`
    /// (the types MAPISVC.INF can hold), or `PT_UNICODE` / `PT_BOOLEAN` for a setting kept
    /// only in the profile ([`InfKey::ProfileOnly`]). A provider's own properties use IDs in
    /// [`PROVIDER_PRIVATE_IDS`].
    pub tag: u32,
    /// How the entry is keyed in MAPISVC.INF.
    pub inf: InfKey,
    /// The value MAPISVC.INF gives the property (MAPI copies it into new profiles); `None`:
    /// no entry, the property starts absent. Its kind matches the tag's type.
    pub default: Option<SettingValue>,
}

/// The key of a setting's MAPISVC.INF entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfKey {
    /// The tag as 8 hexadecimal digits (`6600001E=...`), the documented form of a
    /// "nonstandard" property; required for IDs in [`PROVIDER_PRIVATE_IDS`].
    Hex,
    /// A MAPI property name (`PR_MDB_PROVIDER=...`), for a standard property whose name MAPI
    /// knows. It must be a name of [`crate::tags`] with the tag's property ID.
    Name(&'static str),
    /// Never written to MAPISVC.INF: "information that is private or requires extra
    /// protection, such as passwords or other credentials, should not be included in this
    /// file"; keep it in the profile as a secure property.
    ProfileOnly,
}

/// A setting's value, of the kind its tag's type says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingValue {
    /// `PT_LONG`; written as the 4 bytes of the `ULONG` in memory (little-endian) order, in
    /// hex: 6 is `06000000`, the form of Microsoft's examples (`66090003=06000000`,
    /// `66000003=00040000`).
    Long(u32),
    /// `PT_BOOLEAN` (profile only).
    Bool(bool),
    /// `PT_STRING8` (written as is) or `PT_UNICODE` (profile only).
    String(&'static str),
    /// `PT_BINARY`, written in hex.
    Binary(&'static [u8]),
}

/// One rule a declaration breaks: where, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescriptionError {
    /// What is wrong: `service "X"`, `provider "X MS"`, `setting "root_path"`.
    pub at: String,
    pub message: String,
}

impl fmt::Display for DescriptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Every problem of a declaration, so the author sees them all at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescriptionErrors(pub Vec<DescriptionError>);

impl fmt::Display for DescriptionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the message service declaration breaks MAPISVC.INF's rules:"
        )?;
        for error in &self.0 {
            writeln!(f, "- {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DescriptionErrors {}

/// Section names MAPI itself uses: a service or provider may not take them.
const RESERVED_SECTIONS: &[&str] = &["Services", "Help File Mappings", "Default Services"];

impl ServiceDescription {
    /// Checks every rule of the module documentation and returns all the broken ones.
    pub fn validate(&self) -> Result<(), DescriptionErrors> {
        let mut errors = Errors::default();
        let at = format!("service \"{}\"", self.name);
        check_section_name(&mut errors, &at, "name", self.name);
        check_text(&mut errors, &at, "display_name", self.display_name);
        check_dll_name(&mut errors, &at, "dll_base_name", self.dll_base_name);
        if let Some(entry) = self.entry_name {
            let identifier = entry.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && entry.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !identifier {
                errors.push(
                    &at,
                    format!("entry_name \"{entry}\" is not the name of an exported C function"),
                );
            }
        }
        check_flags(
            &mut errors,
            &at,
            self.resource_flags,
            SERVICE_FLAG_NAMES.iter().copied(),
            (
                SERVICE_PRIMARY_IDENTITY,
                SERVICE_NO_PRIMARY_IDENTITY,
                "SERVICE",
            ),
        );
        for file in self.support_files.iter().chain(self.delete_files) {
            check_text(&mut errors, &at, "support_files/delete_files", file);
            if file.contains(',') {
                errors.push(
                    &at,
                    format!("file \"{file}\" contains a comma, which separates the list"),
                );
            }
        }
        check_settings(&mut errors, &at, self.settings, SERVICE_FIXED_TAGS);
        if self.providers.is_empty() {
            errors.push(
                &at,
                "providers is empty: every service section lists at least one provider section",
            );
        }
        for (index, provider) in self.providers.iter().enumerate() {
            provider.check(&mut errors);
            if self.providers[..index]
                .iter()
                .any(|other| other.section.eq_ignore_ascii_case(provider.section))
            {
                errors.push(
                    &at,
                    format!("provider section \"{}\" is listed twice", provider.section),
                );
            }
            if provider.section.eq_ignore_ascii_case(self.name) {
                errors.push(
                    &at,
                    format!(
                        "provider section \"{}\" has the service's own name",
                        provider.section
                    ),
                );
            }
        }
        errors.finish()
    }

    /// Whether `entry_name` is `Some("ServiceEntry")`, the name [`crate::service_entry!`]
    /// exports (checked at compile time by the macro).
    pub const fn exports_service_entry(&self) -> bool {
        match self.entry_name {
            Some(name) => {
                let (a, b) = (name.as_bytes(), b"ServiceEntry");
                if a.len() != b.len() {
                    return false;
                }
                let mut i = 0;
                while i < a.len() {
                    if a[i] != b[i] {
                        return false;
                    }
                    i += 1;
                }
                true
            }
            None => false,
        }
    }

    /// `self`, after the rules that can be checked in a constant: a declaration written as
    /// `pub const SERVICE: ServiceDescription = ServiceDescription { .. }.checked();` does not
    /// compile when a DLL name breaks MAPI's `32` rule, a flag is not one a declaration may set,
    /// an identity flag is missing, a resource type is unknown or there is no provider.
    /// [`ServiceDescription::validate`] checks everything (texts, settings) with messages that
    /// name the offending field; generation runs it.
    pub const fn checked(self) -> Self {
        assert!(
            !self.providers.is_empty(),
            "a service lists at least one provider section"
        );
        check_dll_name_const(self.dll_base_name);
        assert!(
            self.resource_flags
                & !(SERVICE_SINGLE_COPY | SERVICE_PRIMARY_IDENTITY | SERVICE_NO_PRIMARY_IDENTITY)
                == 0,
            "a service's resource_flags may only be SERVICE_SINGLE_COPY, SERVICE_PRIMARY_IDENTITY and SERVICE_NO_PRIMARY_IDENTITY"
        );
        assert!(
            (self.resource_flags & SERVICE_PRIMARY_IDENTITY != 0)
                != (self.resource_flags & SERVICE_NO_PRIMARY_IDENTITY != 0),
            "a service's resource_flags need exactly one of SERVICE_PRIMARY_IDENTITY and SERVICE_NO_PRIMARY_IDENTITY"
        );
        let mut index = 0;
        while index < self.providers.len() {
            let provider = &self.providers[index];
            if let Some(dll) = provider.dll_base_name {
                check_dll_name_const(dll);
            }
            let mut known_type = false;
            let mut allowed = 0;
            let mut flag = 0;
            while flag < PROVIDER_FLAG_NAMES.len() {
                let (_, value, types) = PROVIDER_FLAG_NAMES[flag];
                let mut t = 0;
                while t < types.len() {
                    if types[t] == provider.resource_type {
                        allowed |= value;
                        known_type = true;
                    }
                    t += 1;
                }
                flag += 1;
            }
            assert!(
                known_type,
                "a provider's resource_type is MAPI_STORE_PROVIDER, MAPI_AB_PROVIDER or MAPI_TRANSPORT_PROVIDER"
            );
            assert!(
                provider.resource_flags & !allowed == 0,
                "a provider's resource_flags has a flag a declaration may not set, or one that does not apply to its resource_type"
            );
            assert!(
                (provider.resource_flags & STATUS_PRIMARY_IDENTITY != 0)
                    != (provider.resource_flags & STATUS_NO_PRIMARY_IDENTITY != 0),
                "a provider's resource_flags need exactly one of STATUS_PRIMARY_IDENTITY and STATUS_NO_PRIMARY_IDENTITY"
            );
            index += 1;
        }
        self
    }

    /// The DLLs this declaration names: the service's, then each provider's, without repeats.
    pub fn dll_names(&self) -> Vec<&'static str> {
        let mut names = vec![self.dll_base_name];
        for provider in self.providers {
            let name = provider.dll_base_name.unwrap_or(self.dll_base_name);
            if !names.iter().any(|known| known.eq_ignore_ascii_case(name)) {
                names.push(name);
            }
        }
        names
    }
}

/// Properties the generator writes itself in a service section.
const SERVICE_FIXED_TAGS: &[u32] = &[
    crate::tags::PR_DISPLAY_NAME,
    crate::tags::PR_SERVICE_DLL_NAME,
    crate::tags::PR_SERVICE_ENTRY_NAME,
    crate::tags::PR_SERVICE_SUPPORT_FILES,
    crate::tags::PR_SERVICE_DELETE_FILES,
    crate::tags::PR_RESOURCE_FLAGS,
];

/// ... and in a provider section.
const PROVIDER_FIXED_TAGS: &[u32] = &[
    crate::tags::PR_DISPLAY_NAME,
    crate::tags::PR_PROVIDER_DISPLAY,
    crate::tags::PR_PROVIDER_DLL_NAME,
    crate::tags::PR_RESOURCE_TYPE,
    crate::tags::PR_RESOURCE_FLAGS,
];

impl ProviderDescription {
    fn check(&self, errors: &mut Errors) {
        let at = format!("provider \"{}\"", self.section);
        check_section_name(errors, &at, "section", self.section);
        if self.section.contains(',') {
            errors.push(
                &at,
                "section contains a comma, which separates the Providers= list",
            );
        }
        check_text(errors, &at, "display_name", self.display_name);
        check_text(errors, &at, "provider_display", self.provider_display);
        if let Some(dll) = self.dll_base_name {
            check_dll_name(errors, &at, "dll_base_name", dll);
        }
        if !RESOURCE_TYPE_NAMES
            .iter()
            .any(|&(_, value)| value == self.resource_type)
        {
            errors.push(
                &at,
                format!(
                    "resource_type {:#x} is not MAPI_STORE_PROVIDER, MAPI_AB_PROVIDER or MAPI_TRANSPORT_PROVIDER",
                    self.resource_type
                ),
            );
        } else {
            for &(name, value, types) in PROVIDER_FLAG_NAMES {
                if self.resource_flags & value != 0 && !types.contains(&self.resource_type) {
                    errors.push(&at, format!("{name} does not apply to this resource_type"));
                }
            }
        }
        check_flags(
            errors,
            &at,
            self.resource_flags,
            PROVIDER_FLAG_NAMES
                .iter()
                .map(|&(name, value, _)| (name, value)),
            (
                STATUS_PRIMARY_IDENTITY,
                STATUS_NO_PRIMARY_IDENTITY,
                "STATUS",
            ),
        );
        if self.resource_flags & STATUS_DEFAULT_STORE != 0
            && self.resource_flags & STATUS_NO_DEFAULT_STORE != 0
        {
            errors.push(
                &at,
                "STATUS_DEFAULT_STORE and STATUS_NO_DEFAULT_STORE contradict each other",
            );
        }
        check_settings(errors, &at, self.settings, PROVIDER_FIXED_TAGS);
    }
}

#[derive(Default)]
struct Errors(Vec<DescriptionError>);

impl Errors {
    fn push(&mut self, at: &str, message: impl Into<String>) {
        self.0.push(DescriptionError {
            at: at.to_owned(),
            message: message.into(),
        });
    }

    fn finish(self) -> Result<(), DescriptionErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DescriptionErrors(self.0))
        }
    }
}

/// A value on one MAPISVC.INF line: INI readers trim spaces around it and end it at the line
/// break, so neither may be in it.
fn check_text(errors: &mut Errors, at: &str, field: &str, text: &str) {
    if text.is_empty() {
        errors.push(at, format!("{field} is empty"));
    } else if text.contains(['\r', '\n', '\0']) {
        errors.push(
            at,
            format!(
                "{field} \"{}\" contains a line break or NUL",
                text.escape_debug()
            ),
        );
    } else if text.trim() != text {
        errors.push(
            at,
            format!("{field} \"{text}\" starts or ends with spaces, which INI readers drop"),
        );
    }
}

/// A section name: also a key of `[Services]` and an item of `Providers=`.
fn check_section_name(errors: &mut Errors, at: &str, field: &str, name: &str) {
    check_text(errors, at, field, name);
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
    {
        errors.push(
            at,
            format!("{field} \"{name}\" may only contain ASCII letters, digits, '_', '-', '.' and spaces"),
        );
    }
    if RESERVED_SECTIONS
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name))
    {
        errors.push(
            at,
            format!("{field} \"{name}\" is a section MAPI itself uses"),
        );
    }
}

/// MAPI's DLL naming rule: the base name, which gets `32` inserted before its first period.
fn check_dll_name(errors: &mut Errors, at: &str, field: &str, name: &str) {
    check_text(errors, at, field, name);
    let Some(first_period) = name.find('.') else {
        errors.push(
            at,
            format!(
                "{field} \"{name}\" has no extension: MAPI inserts \"32\" before the first period"
            ),
        );
        return;
    };
    let stem = &name[..first_period];
    let file_stem = stem.rsplit(['\\', '/']).next().unwrap_or(stem);
    if file_stem.contains("32") {
        let directory = &stem[..stem.len() - file_stem.len()];
        let fixed = format!(
            "{directory}{}{}",
            file_stem.replace("32", ""),
            &name[first_period..]
        );
        errors.push(
            at,
            format!(
                "{field} \"{name}\" contains \"32\" before the first period: register the base name \
                 (e.g. \"{fixed}\"); MAPI inserts \"32\" itself and a name that already has it is an error"
            ),
        );
    }
    if name[first_period + 1..].contains('.') {
        errors.push(
            at,
            format!(
                "{field} \"{name}\" has more than one period: MAPI inserts \"32\" before the first one, \
                 so a path or name with another period loads the wrong file"
            ),
        );
    }
}

/// [`check_dll_name`]'s rules on `32` and periods, in a constant.
const fn check_dll_name_const(name: &str) {
    let bytes = name.as_bytes();
    let mut first_period = None;
    let mut stem_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' if first_period.is_none() => first_period = Some(i),
            b'.' => panic!(
                "a DLL name has more than one period: MAPI inserts \"32\" before the first one, so it would load the wrong file"
            ),
            b'\\' | b'/' if first_period.is_none() => stem_start = i + 1,
            _ => {}
        }
        i += 1;
    }
    let Some(first_period) = first_period else {
        panic!("a DLL name needs an extension: MAPI inserts \"32\" before the first period")
    };
    let mut i = stem_start;
    while i + 1 < first_period {
        assert!(
            !(bytes[i] == b'3' && bytes[i + 1] == b'2'),
            "a DLL name contains \"32\" before the first period: register the base name (sample_store.dll, not sample_store32.dll); MAPI inserts 32 itself"
        );
        i += 1;
    }
}

/// Flags: only known names, and exactly one of an identity pair.
fn check_flags(
    errors: &mut Errors,
    at: &str,
    flags: u32,
    names: impl Iterator<Item = (&'static str, u32)>,
    (primary, no_primary, prefix): (u32, u32, &str),
) {
    let known = names.fold(0, |all, (_, value)| all | value);
    if flags & !known != 0 {
        errors.push(
            at,
            format!(
                "resource_flags has bits {:#x} that a declaration may not set",
                flags & !known
            ),
        );
    }
    if (flags & primary != 0) == (flags & no_primary != 0) {
        errors.push(
            at,
            format!(
                "resource_flags must have exactly one of {prefix}_PRIMARY_IDENTITY and {prefix}_NO_PRIMARY_IDENTITY"
            ),
        );
    }
}

fn check_settings(errors: &mut Errors, at: &str, settings: &[SettingDescription], fixed: &[u32]) {
    for (index, setting) in settings.iter().enumerate() {
        let at = format!("{at}, setting \"{}\"", setting.name);
        let (id, kind) = (prop_id(setting.tag), prop_type(setting.tag));
        if ![PT_LONG, PT_STRING8, PT_BINARY, PT_UNICODE, PT_BOOLEAN].contains(&kind) {
            errors.push(
                &at,
                format!(
                    "tag {:#010X} has a type settings do not support",
                    setting.tag
                ),
            );
        }
        let in_inf = !matches!(setting.inf, InfKey::ProfileOnly);
        if in_inf && ![PT_LONG, PT_STRING8, PT_BINARY].contains(&kind) {
            errors.push(
                &at,
                "MAPISVC.INF holds PT_LONG, PT_STRING8 and PT_BINARY values only: use InfKey::ProfileOnly",
            );
        }
        if RUNTIME_PROFILE_IDS.contains(&id) || id == RUNTIME_SECURE_PROFILE_ID {
            errors.push(
                &at,
                format!(
                    "tag {:#010X}: IDs 0x67E0 to 0x67EF and 0x67FF are kept for the runtime's own profile properties",
                    setting.tag
                ),
            );
        }
        match setting.inf {
            InfKey::Hex if !PROVIDER_PRIVATE_IDS.contains(&id) => errors.push(
                &at,
                format!(
                    "tag {:#010X}: a hex-keyed setting is a provider property, ID 0x6600 to 0x67FF",
                    setting.tag
                ),
            ),
            InfKey::Name(name) => {
                let known = PROPERTY_TAGS
                    .iter()
                    .any(|&(known, tag)| known == name && prop_id(tag) == id);
                if !known {
                    errors.push(
                        &at,
                        format!(
                            "{name} is not a MAPI property name with the ID of tag {:#010X}",
                            setting.tag
                        ),
                    );
                }
            }
            _ => {}
        }
        if let Some(value) = setting.default {
            let fits = match value {
                SettingValue::Long(_) => kind == PT_LONG,
                SettingValue::Bool(_) => kind == PT_BOOLEAN,
                SettingValue::String(text) => {
                    if in_inf {
                        check_text(errors, &at, "default", text);
                    }
                    kind == PT_STRING8 || kind == PT_UNICODE
                }
                SettingValue::Binary(_) => kind == PT_BINARY,
            };
            if !fits {
                errors.push(
                    &at,
                    format!(
                        "default {value:?} does not have the type of tag {:#010X}",
                        setting.tag
                    ),
                );
            }
        }
        if fixed.iter().any(|&tag| prop_id(tag) == id) {
            errors.push(
                &at,
                format!(
                    "tag {:#010X} is an entry the generator writes itself",
                    setting.tag
                ),
            );
        }
        if settings[..index]
            .iter()
            .any(|other| prop_id(other.tag) == id)
        {
            errors.push(
                &at,
                format!("property ID {id:#06X} is declared twice in this section"),
            );
        }
    }
}
