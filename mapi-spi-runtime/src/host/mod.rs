//! A MAPI host for providers outside Outlook: for tests, for the `session` example, and for
//! anyone who wants to drive a provider DLL through a MAPI session on a machine without MAPI.
//! Enabled by the `host` feature.
//!
//! - [`support`]: a support object that behaves like MAPI's;
//! - [`client`]: a client's calls on a store's objects (properties, tables, entries, streams);
//! - [`session`]: a session driver with a transcript and a leak report;
//! - [`profile`]: a profile with sections of properties, filled from a service's declaration;
//! - [`service`]: the `IProviderAdmin` and the call of a service entry;
//! - [`props`]: property values as text;
//! - [`library`]: where cargo put a provider's library.

pub mod client;
pub mod library;
pub mod profile;
pub mod props;
pub mod service;
pub mod session;
pub mod support;

pub use library::built_library;
pub use profile::{Profile, ProfileService};
pub use session::{HostError, LeakReport, OpenedStore, Property, Session, hresult_name};
pub use support::{HostSupport, SupportLog, SupportOptions};
