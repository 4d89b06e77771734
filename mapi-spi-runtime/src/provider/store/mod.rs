//! The message store SPI: what MAPI expects of a store provider through a whole session.
//!
//! A provider author implements [`StoreProvider`] (logon, spooler logon, store identity,
//! shutdown) and writes its store as a [`MessageStore`], then exports the entry point with
//! [`crate::ms_provider_init!`]. The runtime does the rest:
//!
//! - `MSProviderInit`: version check, argument checks, one provider object per call (one per MAPI
//!   session), the IMalloc reference and the allocators kept ([`init`]);
//! - the provider object's [`registry`] of stores opened and not yet closed;
//! - `Logon` / `SpoolerLogon`: argument checks, the already-open path, spool security and
//!   `MAPIERROR` allocated with MAPI's allocators, NULL optional out-pointers tolerated;
//! - the store/logon pair and its shutdown: `StoreLogoff` flags, `StoreLogoffTransports` and the
//!   support object's `Release` exactly once, `Logoff` re-entered from inside that `Release`,
//!   `MAPI_E_INVALID_OBJECT` after logoff ([`objects`]).

pub mod content;
pub mod entry_id;
pub mod identity;
pub mod init;
pub mod memory;
pub mod message_store;
pub mod model;
pub mod objects;
pub mod registry;
pub mod spool;

pub use message_store::{MessageStore, StoreContext, StoreRef};
pub use model::ContentStore;
pub use objects::ProviderObject;
pub use registry::KeyBytes;

use std::cell::OnceCell;
use windows_core::GUID;

use super::profile::ProfileSection;
use super::service::{SettingValues, Settings};
use super::text;
use super::{ProviderContext, ProviderError, ProviderResult};
use crate::alloc::props::WireProperty;
use crate::alloc::{AllocatorSet, RootBuf};
use crate::codes::{MAPI_E_NO_SUPPORT, MAPI_E_NOT_FOUND, MAPI_E_UNCONFIGURED};
use crate::flags::STATUS_AVAILABLE;
use crate::interfaces::IMAPISupport;
use crate::tags::{PR_DISPLAY_NAME_W, PR_RESOURCE_METHODS, PR_STATUS_CODE, prop_id};
use crate::types::{LPTSTR, MAPIUID};

/// One `Logon` or `SpoolerLogon` call, decoded.
pub struct LogonRequest<'a> {
    /// The support object MAPI created for this store.
    pub support: &'a IMAPISupport,
    /// `ULONG_PTR ulUIParam`: the parent window for any UI.
    pub ui_param: usize,
    /// `lpszProfileName` as MAPI passed it, decoded only if asked ([`Self::profile_name`]):
    /// few providers want it.
    pub(crate) profile_name: LPTSTR,
    /// Whether `profile_name` is UTF-16 (`MAPI_UNICODE` in the flags MAPI passed): kept apart
    /// from `flags`, which the runtime amends, as the decoding's soundness rests on it.
    pub(crate) unicode: bool,
    /// The unwrapped store entry ID.
    pub entry_id: &'a [u8],
    pub flags: u32,
    /// The interface the caller asked for (`None`: `IMsgStore`), in MAPI's memory.
    // Borrowed: a copy was written in parts and read whole (see tests/benches/session-stlf.sh).
    pub interface: Option<&'a GUID>,
    pub allocators: &'a AllocatorSet,
    /// Whether this is `SpoolerLogon`.
    pub spooler: bool,
    /// The provider's own section, opened at its first use in this call (`None` inside: MAPI
    /// offers none): the provider, the logon record and the spool key all share one.
    section: OnceCell<Option<ProfileSection>>,
}

impl LogonRequest<'_> {
    /// The profile name, decoded as UTF-16 when `MAPI_UNICODE` is set and as 8-bit text
    /// otherwise (bytes that are not UTF-8 are replaced); `None` when MAPI passed NULL.
    pub fn profile_name(&self) -> Option<String> {
        // SAFETY: MAPI's profile name for this call, NULL or a NUL-terminated string of the
        // width `unicode` says, alive for the call, which the request does not outlive (the
        // runtime makes it in the call and only lends it out).
        unsafe { text::decode(self.profile_name, self.unicode) }
    }

    /// The provider's own profile section (`OpenProfileSection` with NULL and `MAPI_MODIFY`:
    /// the runtime writes the logon's identity to it), for reading or writing; `None` when MAPI
    /// offers none (`MAPI_E_NO_SUPPORT`, `MAPI_E_NOT_FOUND`). Opened once per call.
    // `#[inline]`: a logon asks for the section several times (the provider, the logon record,
    // the spool key); once opened, each is a read of the cell.
    #[inline]
    pub fn profile_section(&self) -> ProviderResult<Option<&ProfileSection>> {
        match self.section.get() {
            Some(section) => Ok(section.as_ref()),
            None => self.open_profile_section(),
        }
    }

    /// Opens the section for [`Self::profile_section`], at its first use.
    fn open_profile_section(&self) -> ProviderResult<Option<&ProfileSection>> {
        let opened = match ProfileSection::from_support(self.support, None, true, *self.allocators)
        {
            Ok(section) => Some(section),
            Err(error) if error.code == MAPI_E_NO_SUPPORT || error.code == MAPI_E_NOT_FOUND => None,
            Err(error) => return Err(error),
        };
        // Set (the cell is empty: `profile_section` looked), not `get_or_init`, whose
        // out-of-line initialiser copied the section whole after it was written in parts (see
        // tests/benches/session-stlf.sh).
        let _ = self.section.set(opened);
        Ok(self.section.get().and_then(Option::as_ref))
    }

    /// `IMAPISupport::ModifyStatusRow` with `columns` (`PR_DISPLAY_NAME_W`, `PR_STATUS_CODE`,
    /// `PR_RESOURCE_METHODS`, ...), which every store's logon sets: the row MAPI adds to the
    /// session's status table for this store. A support object without a status table
    /// (`MAPI_E_NO_SUPPORT`) is no failure. The columns borrow their values (MAPI copies
    /// them): a display name kept for the store is not copied for the row. The columns are
    /// [`PropRef`](crate::alloc::props::PropRef)s (nothing to drop) or [`PropValue`](crate::alloc::props::PropValue)s.
    pub fn modify_status_row(&self, columns: &[impl WireProperty]) -> ProviderResult<()> {
        let row = crate::alloc::props::props_of(self.allocators, columns)?;
        self.send_status_row(columns.len(), &row)
    }

    /// `ModifyStatusRow` with the `count` columns of `row` ([`Self::modify_status_row`]).
    fn send_status_row(&self, count: usize, row: &RootBuf) -> ProviderResult<()> {
        // SAFETY: `count` values in `row`, which lives across the call (MAPI copies the
        // columns).
        let hr = unsafe {
            self.support
                .ModifyStatusRow(count as u32, row.as_ptr().cast(), 0)
        };
        if hr == MAPI_E_NO_SUPPORT {
            return Ok(());
        }
        Ok(windows_core::HRESULT::ok(hr)?)
    }

    /// What a store's logon tells MAPI before it opens the store: the provider's MAPIUID
    /// (`IMAPISupport::SetProviderUID`, which routes entry IDs carrying it to this provider) and
    /// the store's status row, available under `display_name` (as [`Self::modify_status_row`]
    /// sends `PR_DISPLAY_NAME_W`, `PR_STATUS_CODE` = `STATUS_AVAILABLE` and
    /// `PR_RESOURCE_METHODS` = 0, the row written as its fixed shape says).
    pub fn announce(&self, uid: &MAPIUID, display_name: &str) -> ProviderResult<()> {
        let mut uid = *uid;
        // SAFETY: `uid` lives across the call; MAPI copies it.
        windows_core::HRESULT::ok(unsafe { self.support.SetProviderUID(&mut uid, 0) })?;
        // A property ID is the tag's upper 16 bits.
        let id = |tag| prop_id(tag) as u16;
        let longs = [
            (id(PR_STATUS_CODE), STATUS_AVAILABLE),
            (id(PR_RESOURCE_METHODS), 0),
        ];
        let name = (id(PR_DISPLAY_NAME_W), display_name);
        let row = crate::alloc::props::text_and_longs(self.allocators, name, &longs)?;
        self.send_status_row(1 + longs.len(), &row)
    }

    /// The provider's settings from its profile section: `None` when there is no section,
    /// [`SettingError`](crate::provider::service::SettingError)s as `MAPI_E_UNCONFIGURED` (a
    /// setting missing: MAPI runs the service entry) or `MAPI_E_INVALID_PARAMETER`.
    pub fn settings<S: Settings>(&self) -> ProviderResult<Option<S>> {
        let Some(section) = self.profile_section()? else {
            return Ok(None);
        };
        Ok(Some(SettingValues::read::<S>(&section.properties()?)?))
    }
}

/// What a fresh logon returns: the store and the spool security that `SpoolerLogon` will get back.
pub struct StoreLogon<S> {
    pub store: S,
    /// What the provider needs to reopen the store for the spooler (typically its key). The
    /// runtime seals it with a MAC under the profile's key before MAPI sees it ([`spool`]), so
    /// [`StoreProvider::spooler_logon`] gets back exactly these bytes, or nothing.
    pub spool_security: SpoolSecurity,
}

/// The bytes a logon's spool security carries ([`StoreLogon::spool_security`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpoolSecurity {
    /// The store's key ([`StoreContext::store_key`]), which is what most providers need to
    /// reopen a store: sealed from the context, without a copy.
    StoreKey,
    /// These bytes.
    Bytes(Vec<u8>),
}

impl From<Vec<u8>> for SpoolSecurity {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Bytes(bytes)
    }
}

/// A message store provider: one value per MAPI session (per `MSProviderInit` call).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a message store provider",
    label = "`ms_provider_init!` needs a type implementing `StoreProvider`",
    note = "implement `mapi_spi_runtime::provider::store::StoreProvider` for `{Self}`: `create`, `store_key`, `logon` and `spooler_logon`"
)]
pub trait StoreProvider: Send + Sync + Sized + 'static {
    /// The store type [`StoreProvider::logon`] opens.
    type Store: MessageStore;

    /// `lpszComponent` of the `MAPIERROR`s the runtime returns for this provider (30 characters
    /// at most, the docs advise).
    const COMPONENT: &'static str;

    /// Creates the provider's per-session state, at `MSProviderInit`.
    fn create(context: &ProviderContext) -> ProviderResult<Self>;

    /// The canonical form of an unwrapped store entry ID: two IDs name the same store exactly
    /// when their keys are equal (different byte strings may name one store). Malformed IDs are
    /// `MAPI_E_INVALID_ENTRYID`. Called before any store is open too (`CompareStoreIDs`), and at
    /// every logon: a key of up to 64 bytes made as a [`KeyBytes`] (`collect()` the bytes, or
    /// `KeyBytes::from` a slice) costs no allocation.
    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes>;

    /// The store a logon without an entry ID means: MAPI passes `cbEntryID` 0 when the profile
    /// holds no store entry ID yet (the first logon after configuration; mapi4linux always does).
    /// Called with the logon request in hand (support object, profile section) before anything
    /// keys or looks up the store. A provider with a default store names it; one that reads its
    /// store from its profile settings names that. By default `MAPI_E_UNCONFIGURED`, which makes
    /// MAPI run the service entry and log on again, where `MAPI_E_INVALID_ENTRYID` would make it
    /// disable the service.
    fn default_entry_id(&self, request: &LogonRequest<'_>) -> ProviderResult<Vec<u8>> {
        let _ = request;
        Err(ProviderError::new(
            MAPI_E_UNCONFIGURED,
            "no store is configured in the profile",
        ))
    }

    /// `IMSProvider::CompareStoreIDs` of two non-empty IDs (the runtime answers FALSE for an
    /// empty one, which names no store): by default, equal keys.
    fn compare_store_ids(&self, a: &[u8], b: &[u8]) -> ProviderResult<bool> {
        Ok(self.store_key(a)? == self.store_key(b)?)
    }

    /// Opens a store that is not open in this session: check credentials (UI only without
    /// `MDB_NO_DIALOG`), `SetProviderUID`, `ModifyStatusRow`, and return the store with its spool
    /// security. `context` is what the store will know of its logon, the store's to keep (its
    /// hold was counted when the runtime made the context: keeping it costs no atomic
    /// operation). The runtime keeps the support object (one reference), wraps the store in its
    /// own store and logon objects, and registers it.
    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: StoreRef,
    ) -> ProviderResult<StoreLogon<Self::Store>>;

    /// `SpoolerLogon`, once the runtime has checked that `spool_security` is genuine: the bytes
    /// a `logon` of this profile returned, unaltered (forged or altered data is refused with
    /// `MAPI_E_LOGON_FAILED` before this runs). Check that they belong to the store `request`
    /// names. On success the runtime hands the spooler the open store, or calls
    /// [`StoreProvider::logon`] (without UI) when the store is not open in this session.
    fn spooler_logon(
        &self,
        request: &LogonRequest<'_>,
        spool_security: &[u8],
    ) -> ProviderResult<()>;

    /// `IMSProvider::Shutdown`, after the runtime has closed any store still open (each given
    /// its [`MessageStore::logoff`]).
    fn shutdown(&self) {}

    /// `IMAPIProviderShutdown::QueryFastShutdown`: whether the provider can save what it must
    /// when Outlook exits without logging off (`DoFastShutdown`, which calls every open
    /// store's [`MessageStore::flush`] and then [`StoreProvider::fast_shutdown`]). `false`
    /// makes Outlook wait for every reference to be released.
    fn supports_fast_shutdown(&self) -> bool {
        true
    }

    /// The end of `DoFastShutdown`, after the open stores were flushed: save the provider's
    /// own state. No call may go into MAPI from here on.
    fn fast_shutdown(&self) -> ProviderResult<()> {
        Ok(())
    }
}
