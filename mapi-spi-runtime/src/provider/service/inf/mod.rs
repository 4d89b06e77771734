//! MAPISVC.INF from a [`ServiceDescription`]: the text of its sections ([`generate`],
//! [`print()`]), and merging them into an existing file or removing them ([`merge`],
//! [`remove`], and [`merge_file`] / [`remove_file`] for a file's bytes in its own encoding).
//! [`command`] is the `print | merge <path> | remove <path>` tool a provider crate wraps in a
//! binary.
//!
//! The format ("File Format of MapiSvc.inf" and the pages it links): a `[Services]` entry
//! `<service section>=<display name>`; the service section with `PR_DISPLAY_NAME`,
//! `Providers=` (comma-separated provider sections), `PR_SERVICE_DLL_NAME`,
//! `PR_SERVICE_SUPPORT_FILES`, optionally `PR_SERVICE_DELETE_FILES` and
//! `PR_SERVICE_ENTRY_NAME`, and `PR_RESOURCE_FLAGS`; one provider section per provider with
//! the five required entries `PR_DISPLAY_NAME`, `PR_PROVIDER_DISPLAY`, `PR_PROVIDER_DLL_NAME`,
//! `PR_RESOURCE_TYPE`, `PR_RESOURCE_FLAGS`. Flags and resource types are written by their
//! symbolic names (`SERVICE_SINGLE_COPY|SERVICE_NO_PRIMARY_IDENTITY`, as in Outlook's own
//! files); settings as `PR_NAME=value` or `<8 hex digits of the tag>=value`, a `PT_LONG` as
//! its 4 bytes in memory order in hex (6 is `06000000`, the form of Microsoft's examples), a
//! `PT_BINARY` in hex.

mod command;
mod edit;
mod scan;

pub use command::{command, run};

use core::fmt;

use super::description::{
    DescriptionErrors, InfKey, PROVIDER_FLAG_NAMES, RESOURCE_TYPE_NAMES, SERVICE_FLAG_NAMES,
    ServiceDescription, SettingDescription, SettingValue,
};

/// The entries a declaration puts in MAPISVC.INF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfText {
    /// The `[Services]` section key (the service section's name).
    pub service_name: String,
    /// The `[Services]` entry: key and value.
    pub services_entry: (String, String),
    /// The service section, then one section per provider.
    pub sections: Vec<InfSection>,
}

/// One section: its name and its `key=value` entries in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfSection {
    pub name: String,
    pub entries: Vec<(String, String)>,
}

impl InfText {
    /// The provider sections' names.
    pub fn provider_sections(&self) -> Vec<&str> {
        self.sections[1..].iter().map(|s| s.name.as_str()).collect()
    }

    /// The text: `[Services]` with the entry, then the sections, separated by blank lines.
    pub fn to_text(&self, line_break: &str) -> String {
        let mut text = format!(
            "[Services]{line_break}{}={}{line_break}",
            self.services_entry.0, self.services_entry.1
        );
        for section in &self.sections {
            text.push_str(line_break);
            text.push_str(&format!("[{}]{line_break}", section.name));
            for (key, value) in &section.entries {
                text.push_str(&format!("{key}={value}{line_break}"));
            }
        }
        text
    }
}

/// Why a MAPISVC.INF could not be produced or edited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InfError {
    /// The declaration breaks the format's rules.
    Description(DescriptionErrors),
    /// The file has no byte order mark, so its code page is unknown, and the text to add is not
    /// ASCII.
    NotAscii(String),
    /// A UTF-16 file with an odd number of bytes.
    OddUtf16Length,
    /// A provider section of the declaration is listed by another service, or is another
    /// service's section.
    Conflict { section: String },
}

impl fmt::Display for InfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InfError::Description(errors) => write!(f, "{errors}"),
            InfError::NotAscii(text) => write!(
                f,
                "\"{text}\" is not ASCII and the file has no byte order mark, so its code page is \
                 unknown: use ASCII text, or convert the file to UTF-16 with a byte order mark"
            ),
            InfError::OddUtf16Length => {
                write!(
                    f,
                    "the file starts with a UTF-16 byte order mark but has an odd number of bytes"
                )
            }
            InfError::Conflict { section } => write!(
                f,
                "section [{section}] belongs to another service (it is listed in another Providers= \
                 entry or in [Services]): rename the provider section"
            ),
        }
    }
}

impl std::error::Error for InfError {}

impl From<DescriptionErrors> for InfError {
    fn from(errors: DescriptionErrors) -> Self {
        InfError::Description(errors)
    }
}

/// The entries of `service`, after [`ServiceDescription::validate`].
pub fn generate(service: &ServiceDescription) -> Result<InfText, InfError> {
    service.validate()?;
    let mut entries = vec![
        pair("PR_DISPLAY_NAME", service.display_name),
        pair(
            "Providers",
            &service
                .providers
                .iter()
                .map(|p| p.section)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        pair("PR_SERVICE_DLL_NAME", service.dll_base_name),
    ];
    let mut support = service.dll_names();
    for file in service.support_files {
        if !support.iter().any(|known| known.eq_ignore_ascii_case(file)) {
            support.push(file);
        }
    }
    entries.push(pair("PR_SERVICE_SUPPORT_FILES", &support.join(", ")));
    if !service.delete_files.is_empty() {
        entries.push(pair(
            "PR_SERVICE_DELETE_FILES",
            &service.delete_files.join(", "),
        ));
    }
    if let Some(entry) = service.entry_name {
        entries.push(pair("PR_SERVICE_ENTRY_NAME", entry));
    }
    let flags = SERVICE_FLAG_NAMES.iter().copied();
    entries.push(pair(
        "PR_RESOURCE_FLAGS",
        &flag_names(service.resource_flags, flags),
    ));
    entries.extend(service.settings.iter().filter_map(setting_entry));
    let mut sections = vec![InfSection {
        name: service.name.to_owned(),
        entries,
    }];

    for provider in service.providers {
        let resource_type = RESOURCE_TYPE_NAMES
            .iter()
            .find(|&&(_, value)| value == provider.resource_type)
            .map(|&(name, _)| name)
            .expect("validated");
        let flags = PROVIDER_FLAG_NAMES
            .iter()
            .map(|&(name, value, _)| (name, value));
        let mut entries = vec![
            pair("PR_DISPLAY_NAME", provider.display_name),
            pair("PR_PROVIDER_DISPLAY", provider.provider_display),
            pair(
                "PR_PROVIDER_DLL_NAME",
                provider.dll_base_name.unwrap_or(service.dll_base_name),
            ),
            pair("PR_RESOURCE_TYPE", resource_type),
            pair(
                "PR_RESOURCE_FLAGS",
                &flag_names(provider.resource_flags, flags),
            ),
        ];
        entries.extend(provider.settings.iter().filter_map(setting_entry));
        sections.push(InfSection {
            name: provider.section.to_owned(),
            entries,
        });
    }
    Ok(InfText {
        service_name: service.name.to_owned(),
        services_entry: (service.name.to_owned(), service.display_name.to_owned()),
        sections,
    })
}

/// The sections as text, with `\n` line breaks: what `mapisvc print` shows.
pub fn print(service: &ServiceDescription) -> Result<String, InfError> {
    Ok(generate(service)?.to_text("\n"))
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

fn flag_names(flags: u32, names: impl Iterator<Item = (&'static str, u32)>) -> String {
    names
        .filter(|&(_, value)| flags & value != 0)
        .map(|(name, _)| name)
        .collect::<Vec<_>>()
        .join("|")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}

fn setting_entry(setting: &SettingDescription) -> Option<(String, String)> {
    let key = match setting.inf {
        InfKey::Hex => format!("{:08X}", setting.tag),
        InfKey::Name(name) => name.to_owned(),
        InfKey::ProfileOnly => return None,
    };
    let value = match setting.default? {
        SettingValue::Long(value) => hex(&value.to_le_bytes()),
        SettingValue::String(text) => text.to_owned(),
        SettingValue::Binary(bytes) => hex(bytes),
        SettingValue::Bool(_) => unreachable!("validated: a PT_BOOLEAN setting is profile-only"),
    };
    Some((key, value))
}

/// Merges `service` into the text of a MAPISVC.INF: every byte that is not the service's stays
/// as it was; an older version of the service is replaced. Merging twice is merging once, and
/// [`remove`] after a merge gives back the original text.
pub fn merge(existing: &str, service: &ServiceDescription) -> Result<String, InfError> {
    let inf = generate(service)?;
    let merged = edit::merge(existing.as_bytes(), &inf, &|text| {
        Ok(text.as_bytes().to_vec())
    })?;
    Ok(String::from_utf8(merged).expect("spliced at line breaks, with UTF-8 text"))
}

/// Removes the service section `service_name`, the provider sections it lists (unless another
/// service claims them) and its `[Services]` entries; every other byte stays.
pub fn remove(existing: &str, service_name: &str) -> String {
    let removed = edit::remove(existing.as_bytes(), service_name);
    String::from_utf8(removed).expect("spliced at line breaks")
}

/// A MAPISVC.INF file's text encoding, from its byte order mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// No byte order mark: the ANSI code page (or UTF-8); only ASCII can be added.
    Ansi,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn detect(bytes: &[u8]) -> Encoding {
        match bytes {
            [0xFF, 0xFE, ..] => Encoding::Utf16Le,
            [0xFE, 0xFF, ..] => Encoding::Utf16Be,
            [0xEF, 0xBB, 0xBF, ..] => Encoding::Utf8Bom,
            _ => Encoding::Ansi,
        }
    }
}

/// A file's bytes as code units, edited, and written back in the same encoding.
fn edit_file(
    bytes: &[u8],
    edit8: impl FnOnce(&[u8], &dyn Fn(&str) -> Result<Vec<u8>, InfError>) -> Result<Vec<u8>, InfError>,
    edit16: impl FnOnce(
        &[u16],
        &dyn Fn(&str) -> Result<Vec<u16>, InfError>,
    ) -> Result<Vec<u16>, InfError>,
) -> Result<Vec<u8>, InfError> {
    match Encoding::detect(bytes) {
        Encoding::Ansi => edit8(bytes, &|text| {
            if text.is_ascii() {
                Ok(text.as_bytes().to_vec())
            } else {
                Err(InfError::NotAscii(text.to_owned()))
            }
        }),
        Encoding::Utf8Bom => {
            let body = edit8(&bytes[3..], &|text| Ok(text.as_bytes().to_vec()))?;
            Ok([&bytes[..3], &body].concat())
        }
        encoding @ (Encoding::Utf16Le | Encoding::Utf16Be) => {
            let body = &bytes[2..];
            if !body.len().is_multiple_of(2) {
                return Err(InfError::OddUtf16Length);
            }
            let little = encoding == Encoding::Utf16Le;
            let units: Vec<u16> = body
                .chunks_exact(2)
                .map(|pair| {
                    let pair = [pair[0], pair[1]];
                    if little {
                        u16::from_le_bytes(pair)
                    } else {
                        u16::from_be_bytes(pair)
                    }
                })
                .collect();
            let edited = edit16(&units, &|text| Ok(text.encode_utf16().collect()))?;
            let mut out = bytes[..2].to_vec();
            for unit in edited {
                out.extend(if little {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                });
            }
            Ok(out)
        }
    }
}

/// [`merge`] on a file's bytes, in the file's encoding ([`Encoding::detect`]). An empty file
/// becomes an ANSI one (or UTF-16LE with a byte order mark if the text is not ASCII).
pub fn merge_file(bytes: &[u8], service: &ServiceDescription) -> Result<Vec<u8>, InfError> {
    let inf = generate(service)?;
    if bytes.is_empty() && !inf.to_text("\n").is_ascii() {
        return merge_file(&[0xFF, 0xFE], service);
    }
    edit_file(
        bytes,
        |text, encode| edit::merge(text, &inf, encode),
        |text, encode| edit::merge(text, &inf, encode),
    )
}

/// [`remove`] on a file's bytes, in the file's encoding.
pub fn remove_file(bytes: &[u8], service_name: &str) -> Result<Vec<u8>, InfError> {
    edit_file(
        bytes,
        |text, _| Ok(edit::remove(text, service_name)),
        |text, _| Ok(edit::remove(text, service_name)),
    )
}

#[cfg(test)]
mod tests;
