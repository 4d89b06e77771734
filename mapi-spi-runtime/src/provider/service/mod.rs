//! A message service as MAPI's profile machinery sees it: the declaration a provider crate
//! writes once ([`ServiceDescription`]), and the MAPISVC.INF sections generated from it and
//! merged into (or removed from) an existing file ([`inf`]).
//!
//! The same declaration is meant for the service entry point (`MSGSERVICEENTRY`, named by
//! [`ServiceDescription::entry_name`]): each [`SettingDescription`] carries the property tag
//! and type a settings struct reads from and writes to the profile section.

pub mod description;
pub mod inf;

pub use description::{
    DescriptionError, DescriptionErrors, InfKey, PROVIDER_PRIVATE_IDS, ProviderDescription,
    SERVICE_NO_PRIMARY_IDENTITY, SERVICE_PRIMARY_IDENTITY, SERVICE_SINGLE_COPY, ServiceDescription,
    SettingDescription, SettingValue,
};
