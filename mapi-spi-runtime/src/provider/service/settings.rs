//! A provider's settings as a Rust struct, kept in profile properties: the service entry writes
//! them, the logon reads them, and MAPISVC.INF gives their defaults, all from the same
//! [`SettingDescription`]s.
//!
//! ```
//! use mapi_spi_runtime::provider::service::*;
//!
//! const DECLARED: &[SettingDescription] = &[SettingDescription {
//!     name: "root",
//!     tag: 0x6600_001F, // PT_UNICODE in the provider's private range
//!     inf: InfKey::ProfileOnly,
//!     default: None,
//! }];
//!
//! struct MySettings { root: String }
//!
//! impl Settings for MySettings {
//!     const DECLARED: &'static [SettingDescription] = DECLARED;
//!     fn read(values: &SettingValues) -> Result<Self, SettingError> {
//!         let root = values.required_string("root")?;
//!         if root.is_empty() {
//!             return Err(SettingError::invalid("root", "the path is empty"));
//!         }
//!         Ok(MySettings { root })
//!     }
//!     fn write(&self, values: &mut SettingValues) {
//!         values.set_string("root", &self.root);
//!     }
//! }
//!
//! let mut values = SettingValues::new(DECLARED);
//! assert!(MySettings::read(&values).is_err()); // missing: MAPI_E_UNCONFIGURED
//! values.set_string("root", "/var/mail");
//! assert_eq!(MySettings::read(&values).unwrap().root, "/var/mail");
//! ```

use core::fmt;

use super::SettingDescription;
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_UNCONFIGURED};
use crate::props::ansi;
use crate::props::value::{PropValue, Property};
use crate::provider::ProviderError;
use crate::tags::{PT_BINARY, PT_BOOLEAN, PT_LONG, PT_STRING8, PT_UNICODE, prop_id, prop_type};

/// A provider's settings: read from and written to the profile section by name, with the
/// tags and types of their declarations.
pub trait Settings: Sized {
    /// How each setting is kept: the same declarations the provider's MAPISVC.INF section is
    /// generated from ([`super::ProviderDescription::settings`]).
    const DECLARED: &'static [SettingDescription];

    /// The settings from the values found, checked: a required setting that is absent is
    /// [`SettingError::missing`] (the service is unconfigured), a value that is wrong is
    /// [`SettingError::invalid`] (the configuration is refused, naming the setting).
    fn read(values: &SettingValues) -> Result<Self, SettingError>;

    /// Every setting's value (a setting left unset is deleted from the profile).
    fn write(&self, values: &mut SettingValues);
}

/// Why settings cannot be used: which setting, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    pub setting: &'static str,
    pub problem: SettingProblem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingProblem {
    /// Required and absent: the service needs configuring (`MAPI_E_UNCONFIGURED`).
    Missing,
    /// Present and wrong (`MAPI_E_INVALID_PARAMETER`), with what is wrong.
    Invalid(String),
}

impl SettingError {
    pub fn missing(setting: &'static str) -> Self {
        Self {
            setting,
            problem: SettingProblem::Missing,
        }
    }

    pub fn invalid(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            problem: SettingProblem::Invalid(message.into()),
        }
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            SettingProblem::Missing => write!(f, "setting `{}` is not configured", self.setting),
            SettingProblem::Invalid(message) => write!(f, "setting `{}`: {message}", self.setting),
        }
    }
}

impl std::error::Error for SettingError {}

impl From<SettingError> for ProviderError {
    fn from(error: SettingError) -> Self {
        let code = match error.problem {
            SettingProblem::Missing => MAPI_E_UNCONFIGURED,
            SettingProblem::Invalid(_) => MAPI_E_INVALID_PARAMETER,
        };
        ProviderError::new(code, error.to_string())
    }
}

/// The values of declared settings, by name, as found in a profile section or a caller's
/// property array. Properties that are not declared settings are ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingValues {
    declared: &'static [SettingDescription],
    /// One slot per declaration, in order.
    values: Vec<Option<PropValue>>,
}

impl SettingValues {
    /// No value for any setting.
    pub fn new(declared: &'static [SettingDescription]) -> Self {
        Self {
            declared,
            values: vec![None; declared.len()],
        }
    }

    /// Takes from `props` the value of every declared setting (by property ID; text in either
    /// width), replacing what was there: the profile's values, then a caller's over them.
    pub fn merge(&mut self, props: &[Property]) {
        for prop in props {
            let Some(index) = self
                .declared
                .iter()
                .position(|d| prop_id(d.tag) == u32::from(prop.id))
            else {
                continue;
            };
            self.values[index] = Some(prop.value.clone());
        }
    }

    /// The declared tags, to delete the settings from a section.
    pub fn tags(&self) -> impl Iterator<Item = u32> + '_ {
        self.declared.iter().map(|d| d.tag)
    }

    /// Every setting that has a value, as a property of its declared type (8-bit text encoded
    /// as MAPI's ANSI; a value that cannot be is an invalid setting).
    pub fn properties(&self) -> Result<Vec<Property>, SettingError> {
        let mut props = Vec::new();
        for (declared, value) in self.declared.iter().zip(&self.values) {
            let Some(value) = value else { continue };
            let value = match (prop_type(declared.tag), value) {
                (PT_STRING8, PropValue::Unicode(text)) => {
                    PropValue::String8(ansi::encode(text).map_err(|_| {
                        SettingError::invalid(
                            declared.name,
                            "the text has characters MAPI cannot store as 8-bit text",
                        )
                    })?)
                }
                (PT_UNICODE, PropValue::String8(bytes)) => {
                    PropValue::Unicode(ansi::decode(bytes).into())
                }
                (_, value) => value.clone(),
            };
            props.push(Property::for_tag(declared.tag, value));
        }
        Ok(props)
    }

    fn index(&self, name: &'static str) -> Result<usize, SettingError> {
        self.declared
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| SettingError::invalid(name, "no setting of this name is declared"))
    }

    fn value(&self, name: &'static str) -> Result<Option<&PropValue>, SettingError> {
        Ok(self.values[self.index(name)?].as_ref())
    }

    fn wrong_type(name: &'static str, expected: &str) -> SettingError {
        SettingError::invalid(name, format!("the value is not {expected}"))
    }

    /// A text setting (`PT_UNICODE` or `PT_STRING8`), if set.
    pub fn string(&self, name: &'static str) -> Result<Option<String>, SettingError> {
        match self.value(name)? {
            None => Ok(None),
            Some(PropValue::Unicode(text)) => Ok(Some(text.to_string())),
            Some(PropValue::String8(bytes)) => Ok(Some(ansi::decode(bytes))),
            Some(_) => Err(Self::wrong_type(name, "text")),
        }
    }

    /// A text setting that must be set.
    pub fn required_string(&self, name: &'static str) -> Result<String, SettingError> {
        self.string(name)?.ok_or(SettingError::missing(name))
    }

    /// A `PT_LONG` setting, if set.
    pub fn long(&self, name: &'static str) -> Result<Option<u32>, SettingError> {
        match self.value(name)? {
            None => Ok(None),
            Some(PropValue::Long(value)) => Ok(Some(*value)),
            Some(_) => Err(Self::wrong_type(name, "a PT_LONG")),
        }
    }

    /// A `PT_BOOLEAN` setting, if set.
    pub fn boolean(&self, name: &'static str) -> Result<Option<bool>, SettingError> {
        match self.value(name)? {
            None => Ok(None),
            Some(PropValue::Boolean(value)) => Ok(Some(*value)),
            Some(_) => Err(Self::wrong_type(name, "a PT_BOOLEAN")),
        }
    }

    /// A `PT_BINARY` setting, if set.
    pub fn binary(&self, name: &'static str) -> Result<Option<Vec<u8>>, SettingError> {
        match self.value(name)? {
            None => Ok(None),
            Some(PropValue::Binary(bytes)) => Ok(Some(bytes.clone())),
            Some(_) => Err(Self::wrong_type(name, "a PT_BINARY")),
        }
    }

    /// Sets a setting whose declared type is `expected`; a name that is not declared with that
    /// type is a mistake in the provider, reported by panicking (caught at the MAPI boundary).
    fn set(&mut self, name: &'static str, expected: &[u32], value: PropValue) {
        let index = self.index(name).unwrap_or_else(|error| panic!("{error}"));
        let declared = prop_type(self.declared[index].tag);
        assert!(
            expected.contains(&declared),
            "setting `{name}` is declared with type 0x{declared:04X}"
        );
        self.values[index] = Some(value);
    }

    pub fn set_string(&mut self, name: &'static str, value: &str) {
        self.set(
            name,
            &[PT_UNICODE, PT_STRING8],
            PropValue::Unicode(value.into()),
        );
    }

    pub fn set_long(&mut self, name: &'static str, value: u32) {
        self.set(name, &[PT_LONG], PropValue::Long(value));
    }

    pub fn set_boolean(&mut self, name: &'static str, value: bool) {
        self.set(name, &[PT_BOOLEAN], PropValue::Boolean(value));
    }

    pub fn set_binary(&mut self, name: &'static str, value: &[u8]) {
        self.set(name, &[PT_BINARY], PropValue::Binary(value.to_vec()));
    }

    /// Reads settings of type `S` (those `S` declares) from `props`.
    pub fn read<S: Settings>(props: &[Property]) -> Result<S, SettingError> {
        let mut values = SettingValues::new(S::DECLARED);
        values.merge(props);
        S::read(&values)
    }
}
