//! A message service as MAPI's profile machinery sees it: the declaration a provider crate
//! writes once ([`ServiceDescription`]), and the MAPISVC.INF sections generated from it and
//! merged into (or removed from) an existing file ([`inf`]).
//!
//! The same declaration drives the service entry point (`MSGSERVICEENTRY`, [`entry`], named by
//! [`ServiceDescription::entry_name`]): each [`SettingDescription`] carries the property tag
//! and type a settings struct ([`Settings`]) reads from and writes to the profile section.

pub mod description;
pub mod entry;
pub mod inf;
pub mod settings;

pub use entry::{MessageService, ServiceCall, ServiceContext};
pub use settings::{SettingError, SettingProblem, SettingValues, Settings};

pub use description::{
    DescriptionError, DescriptionErrors, InfKey, PROVIDER_PRIVATE_IDS, ProviderDescription,
    RUNTIME_PROFILE_IDS, RUNTIME_SECURE_PROFILE_ID, SERVICE_NO_PRIMARY_IDENTITY,
    SERVICE_PRIMARY_IDENTITY, SERVICE_SINGLE_COPY, ServiceDescription, SettingDescription,
    SettingValue,
};
