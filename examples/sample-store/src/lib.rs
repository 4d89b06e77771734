//! An in-memory message store provider, written only with mapi-spi's public API, as a provider
//! author would write one. MAPI loads it as a DLL and calls `MSProviderInit`.
//!
//! Store entry IDs (unwrapped, as MAPI passes them to `Logon` and `CompareStoreIDs`):
//!
//! ```text
//! [0 0 0 0] [SAMPLE_UID: 16 bytes] [version: 1] [store name: UTF-8]
//! ```
//!
//! Store names compare case-insensitively, so different byte strings can name one store, and
//! `CompareStoreIDs` compares names, not bytes. The store is a `#[mapi_object(IMsgStore)]` that
//! writes no MAPI method: it passes `IMAPIProp` to a read-only property bag holding the
//! properties every store must expose, and every other method answers its interface's default,
//! `MAPI_E_NO_SUPPORT`.
#![allow(non_snake_case)]

use mapi_spi_runtime::alloc::props::{self as block, Value};
use mapi_spi_runtime::codes::{MAPI_E_INVALID_ENTRYID, MAPI_E_LOGON_FAILED, MAPI_E_NO_SUPPORT};
use mapi_spi_runtime::com::{Forward, MethodName};
use mapi_spi_runtime::flags::{
    MAPI_STORE, STATUS_AVAILABLE, STORE_ENTRYID_UNIQUE, STORE_READONLY, STORE_UNICODE_OK,
};
use mapi_spi_runtime::interfaces::{
    IMAPIProp, IMAPIPropImpl, IMAPISupport, IMsgStore, IMsgStoreImpl,
};
use mapi_spi_runtime::props::{self, ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use mapi_spi_runtime::provider::store::{
    LogonRequest, MessageStore, StoreContext, StoreLogon, StoreProvider, identity::client_entry_id,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderError, ProviderResult};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::MAPIUID;
use mapi_spi_runtime::{HRESULT, Object, mapi_object};
use std::borrow::Cow;
use std::sync::Arc;

mod service;
pub use service::{SERVICE, SampleService, SampleSettings};

/// The provider's MAPIUID: registered with `SetProviderUID`, and the first 16 bytes of `ab` in
/// every entry ID it mints. Fixed, as the docs require (never `NewUID`).
pub const SAMPLE_UID: MAPIUID = MAPIUID {
    ab: [
        0x5A, 0x3C, 0x19, 0xE2, 0x7B, 0x44, 0x4D, 0x0A, 0x9E, 0x61, 0x2F, 0x08, 0xC4, 0x35, 0xD7,
        0x10,
    ],
};
/// The version byte of this provider's entry ID format.
const ENTRY_ID_VERSION: u8 = 1;
/// `abFlags` (4 bytes) + UID (16) + version (1): where the store name starts.
const NAME_OFFSET: usize = 4 + 16 + 1;
/// What every entry ID of ours starts with: zero flags, the UID, the version.
const HEADER: [u8; NAME_OFFSET] = {
    let mut header = [0; NAME_OFFSET];
    let mut i = 0;
    while i < 16 {
        header[4 + i] = SAMPLE_UID.ab[i];
        i += 1;
    }
    header[NAME_OFFSET - 1] = ENTRY_ID_VERSION;
    header
};

/// What this store offers: unique entry IDs, read-only, UTF-16 strings.
const SUPPORT_MASK: u32 = STORE_ENTRYID_UNIQUE | STORE_READONLY | STORE_UNICODE_OK;

/// The store a logon without an entry ID opens.
pub const DEFAULT_STORE: &str = "Default";

/// The store entry ID of the store named `name`.
pub fn store_entry_id(name: &str) -> Vec<u8> {
    [&HEADER[..], name.as_bytes()].concat()
}

/// The bytes of the store name in an entry ID of ours, not yet checked as text.
fn name_bytes(entry_id: &[u8]) -> Option<&[u8]> {
    match entry_id.split_at_checked(NAME_OFFSET) {
        Some((header, name)) if header == HEADER && !name.is_empty() => Some(name),
        _ => None,
    }
}

/// The store name in an entry ID of ours.
fn store_name(entry_id: &[u8]) -> ProviderResult<&str> {
    name_bytes(entry_id)
        .and_then(|name| std::str::from_utf8(name).ok())
        .ok_or_else(|| ProviderError::new(MAPI_E_INVALID_ENTRYID, "not a sample store entry ID"))
}

/// A store name with its case folded, character by character: the store key, and what
/// `CompareStoreIDs` compares in place. An ASCII character folds to itself or its ASCII lower
/// case, so two ASCII names fold alike exactly when they are equal ignoring ASCII case (a
/// non-ASCII character may fold to ASCII, KELVIN SIGN to `k`: the shortcut needs both ASCII).
fn folded(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars().flat_map(char::to_lowercase)
}

/// Whether two ASCII names are equal ignoring ASCII case, in one pass; `None` when either is
/// not ASCII.
fn same_ascii_name(x: &[u8], y: &[u8]) -> Option<bool> {
    if x.len() != y.len() {
        return (x.is_ascii() && y.is_ascii()).then_some(false);
    }
    let mut same = true;
    for (&a, &b) in x.iter().zip(y) {
        if !(a | b).is_ascii() {
            return None;
        }
        same &= a.eq_ignore_ascii_case(&b);
    }
    Some(same)
}

/// `CompareStoreIDs` beyond ASCII names: decoded and folded; malformed IDs are errors. Out of
/// line, so that the usual case stays small.
#[cold]
fn compare_names(a: &[u8], b: &[u8]) -> ProviderResult<bool> {
    Ok(folded(store_name(a)?).eq(folded(store_name(b)?)))
}

/// The sample provider: one per MAPI session.
pub struct SampleProvider;

impl StoreProvider for SampleProvider {
    type Store = SampleStore;
    const COMPONENT: &'static str = "Sample store";

    fn create(_: &ProviderContext) -> ProviderResult<Self> {
        Ok(SampleProvider)
    }

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<Vec<u8>> {
        let name = store_name(entry_id)?;
        // ASCII names fold byte by byte (see `folded`).
        let key = if name.is_ascii() {
            name.to_ascii_lowercase()
        } else {
            folded(name).collect()
        };
        Ok(key.into_bytes())
    }

    /// The names compared as [`Self::store_key`] would, without making the keys.
    fn compare_store_ids(&self, a: &[u8], b: &[u8]) -> ProviderResult<bool> {
        // The usual names, ASCII, compared in place without decoding (see `folded`).
        if let (Some(x), Some(y)) = (name_bytes(a), name_bytes(b))
            && let Some(same) = same_ascii_name(x, y)
        {
            return Ok(same);
        }
        compare_names(a, b)
    }

    /// A logon without an entry ID opens the store the profile's settings name
    /// ([`SampleSettings`]), or [`DEFAULT_STORE`] when MAPI offers no profile section: an
    /// in-memory store needs no configuration.
    fn default_entry_id(&self, request: &LogonRequest<'_>) -> ProviderResult<Vec<u8>> {
        let name = match request.settings::<SampleSettings>()? {
            Some(settings) => settings.store_name,
            None => DEFAULT_STORE.to_owned(),
        };
        Ok(store_entry_id(&name))
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: &Arc<StoreContext>,
    ) -> ProviderResult<StoreLogon<SampleStore>> {
        let name = store_name(request.entry_id)?;
        let support = request.support;
        let display_name =
            profile_display_name(request).unwrap_or_else(|| format!("Sample store {name}"));
        unsafe {
            let mut uid = SAMPLE_UID;
            HRESULT::ok(support.SetProviderUID(&mut uid, 0))?;
        }
        set_status_row(request, &display_name)?;
        let key = self.store_key(request.entry_id)?;
        Ok(StoreLogon {
            // The runtime seals it (a MAC under the profile's key); SpoolerLogon gets it back.
            spool_security: key.clone(),
            store: SampleStore::new(context, support, display_name, key),
        })
    }

    fn spooler_logon(&self, request: &LogonRequest<'_>, spool: &[u8]) -> ProviderResult<()> {
        // Genuine (the runtime checked its MAC): it must be the key of the store named.
        if spool == self.store_key(request.entry_id)? {
            Ok(())
        } else {
            Err(ProviderError::new(
                MAPI_E_LOGON_FAILED,
                "the spool security does not match the store",
            ))
        }
    }
}

/// The display name from the provider's profile section, if MAPI offers one (the harness
/// without a profile offers none, and then the defaults apply).
fn profile_display_name(request: &LogonRequest<'_>) -> Option<String> {
    let section = request.profile_section().ok()??;
    match section.get(PR_DISPLAY_NAME_W).ok()?? {
        Property {
            value: PropValue::Unicode(name),
            ..
        } => Some(name),
        _ => None,
    }
}

/// `ModifyStatusRow`, as every store logon does before returning.
fn set_status_row(request: &LogonRequest<'_>, display_name: &str) -> ProviderResult<()> {
    let columns = [
        block::PropValue::for_tag(
            PR_DISPLAY_NAME_W,
            Value::Unicode(Cow::Borrowed(display_name)),
        ),
        block::PropValue::for_tag(PR_STATUS_CODE, Value::Long(STATUS_AVAILABLE)),
        block::PropValue::for_tag(PR_RESOURCE_METHODS, Value::Long(0)),
    ];
    let row = block::props(request.allocators, &columns)?;
    let hr = unsafe {
        request
            .support
            .ModifyStatusRow(columns.len() as u32, row.as_ptr().cast(), 0)
    };
    // `row` is ours and freed here: MAPI copies the columns.
    drop(row);
    if hr == MAPI_E_NO_SUPPORT {
        Ok(())
    } else {
        Ok(HRESULT::ok(hr)?)
    }
}

/// An open sample store: its properties are a read-only property bag, made at logon, to which
/// it passes every `IMAPIProp` call. It writes no store method: every `IMsgStore` method answers
/// its default (`MAPI_E_NO_SUPPORT`): the store is read-only and has no folders.
#[mapi_object(IMsgStore)]
pub struct SampleStore {
    props: IMAPIProp,
}

impl SampleStore {
    fn new(cx: &StoreContext, support: &IMAPISupport, display_name: String, key: Vec<u8>) -> Self {
        let entry_id = client_entry_id(support, *cx.allocators(), cx.entry_id());
        let values = [
            (PR_DISPLAY_NAME_W, PropValue::Unicode(display_name)),
            (PR_STORE_ENTRYID, PropValue::Binary(entry_id.clone())),
            (PR_ENTRYID, PropValue::Binary(entry_id)),
            (PR_RECORD_KEY, PropValue::Binary(key.clone())),
            (PR_STORE_RECORD_KEY, PropValue::Binary(key)),
            (PR_STORE_SUPPORT_MASK, PropValue::Long(SUPPORT_MASK)),
            (PR_OBJECT_TYPE, PropValue::Long(MAPI_STORE)),
            (PR_MDB_PROVIDER, PropValue::Binary(SAMPLE_UID.ab.to_vec())),
        ];
        let mut bag = PropertyBag::with_capacity(values.len());
        for (tag, value) in values {
            bag.insert(Property::for_tag(tag, value), PropAccess::READ_ONLY)
                .expect("a storable value");
        }
        bag.set_object_access(ObjectAccess::ReadOnly);
        SampleStore {
            props: props::object::create(bag, *cx.allocators()),
        }
    }
}

/// Nothing to release at logoff: the store holds only its properties.
impl MessageStore for SampleStore {}

impl IMsgStoreImpl for SampleStore {}

impl IMAPIPropImpl for SampleStore {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }
}

mapi_spi_runtime::ms_provider_init!(SampleProvider);
