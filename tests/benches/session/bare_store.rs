//! The `session` benchmark's contender for "the runtime against C, same protocol": a store
//! written with mapi-spi that does what `c_store.c` does and no more. Its logon makes the sample
//! store's calls into MAPI ([`sample_store::announce`]: `SetProviderUID`, the status row), reads
//! the store key and compares store IDs as the sample provider does (it wraps one), and serves
//! the C store's 8 properties from the runtime's property engine: `GetProps` by the engine's
//! rules over the values the store keeps in its fields, each read by a `match` on its tag
//! ([`props_block_by`]), no bag of copies made per logon; like the C store's, its other
//! `IMAPIProp` methods answer `MAPI_E_NO_SUPPORT`. No folders, no content.

use mapi_spi_runtime::alloc::MapiBytes;
use mapi_spi_runtime::alloc::props::ValueRef;
use mapi_spi_runtime::flags::{MAPI_STORE, STORE_ENTRYID_UNIQUE, STORE_READONLY, STORE_UNICODE_OK};
use mapi_spi_runtime::interfaces::{IMAPIPropImpl, IMsgStore, IMsgStoreImpl};
use mapi_spi_runtime::props::bag::props_block_by;
use mapi_spi_runtime::props::object::get_props;
use mapi_spi_runtime::provider::store::identity::client_entry_id;
use mapi_spi_runtime::provider::store::{
    KeyBytes, LogonRequest, MessageStore, SpoolSecurity, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderResult};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{SPropTagArray, SPropValue};
use mapi_spi_runtime::{HRESULT, Object, mapi_object};
use sample_store::{SAMPLE_UID, SampleProvider};

/// The C store's support mask: unique entry IDs, read-only, Unicode.
const SUPPORT_MASK: u32 = STORE_ENTRYID_UNIQUE | STORE_READONLY | STORE_UNICODE_OK;

/// The provider: the sample provider's store IDs, a bare store per logon.
pub struct BareProvider(SampleProvider);

impl StoreProvider for BareProvider {
    type Store = BareStore;
    const COMPONENT: &'static str = "Bare store";

    fn create(context: &ProviderContext) -> ProviderResult<Self> {
        SampleProvider::create(context).map(Self)
    }

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
        self.0.store_key(entry_id)
    }

    fn compare_store_ids(&self, a: &[u8], b: &[u8]) -> ProviderResult<bool> {
        self.0.compare_store_ids(a, b)
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: StoreRef,
    ) -> ProviderResult<StoreLogon<BareStore>> {
        let display_name = sample_store::announce(request)?;
        let entry_id = client_entry_id(request.support, *request.allocators, context.entry_id())?;
        Ok(StoreLogon {
            store: BareStore {
                context,
                entry_id,
                display_name,
            },
            spool_security: SpoolSecurity::StoreKey,
        })
    }

    fn spooler_logon(&self, request: &LogonRequest<'_>, spool: &[u8]) -> ProviderResult<()> {
        self.0.spooler_logon(request, spool)
    }
}

/// The C store's 8 properties, in ID order (as a NULL tag list answers them).
const PROPS: [u32; 8] = [
    PR_RECORD_KEY,
    PR_STORE_RECORD_KEY,
    PR_STORE_ENTRYID,
    PR_OBJECT_TYPE,
    PR_ENTRYID,
    PR_DISPLAY_NAME_W,
    PR_STORE_SUPPORT_MASK,
    PR_MDB_PROVIDER,
];

/// The store: its properties, nothing else (every other method answers its default).
#[mapi_object(IMsgStore)]
pub struct BareStore {
    /// The store key and MAPI's allocators.
    context: StoreRef,
    /// The store's entry ID as clients see it (MAPI's wrapping, in MAPI's block).
    entry_id: MapiBytes,
    /// The display name, in place as the C store keeps it ([`sample_store::announce`]'s answer).
    display_name: sample_store::DisplayName,
}

impl IMAPIPropImpl for BareStore {
    /// The C store's 8 properties, read from the store's fields as the answer is written.
    unsafe fn GetProps(
        this: &Object<Self>,
        tags: *mut SPropTagArray,
        flags: u32,
        count: *mut u32,
        values: *mut *mut SPropValue,
    ) -> HRESULT {
        let key = this.context.store_key();
        let entry_id = ValueRef::Binary(&this.entry_id);
        let value = |tag| match tag {
            PR_RECORD_KEY | PR_STORE_RECORD_KEY => ValueRef::Binary(key),
            PR_STORE_ENTRYID | PR_ENTRYID => entry_id,
            PR_OBJECT_TYPE => ValueRef::Long(MAPI_STORE),
            PR_DISPLAY_NAME_W => ValueRef::Unicode(&this.display_name),
            PR_STORE_SUPPORT_MASK => ValueRef::Long(SUPPORT_MASK),
            _ => ValueRef::Binary(&SAMPLE_UID.ab),
        };
        let allocators = this.context.allocators();
        let answer = |tags: Option<&[u32]>, unicode| {
            props_block_by(allocators, &PROPS, value, tags, unicode)
        };
        // SAFETY: the caller's arguments, under `IMAPIProp::GetProps`' contract.
        match unsafe { get_props(tags, flags, count, values, answer) } {
            Ok(code) => code,
            Err(error) => this.context.fail(error),
        }
    }
}

impl IMsgStoreImpl for BareStore {}

impl MessageStore for BareStore {}

// The sample store's `MSProviderInit` is in this binary too.
mapi_spi_runtime::ms_provider_init!(BareProvider as bare_store_MSProviderInit);
