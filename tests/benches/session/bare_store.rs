//! The `session` benchmark's contender for "the runtime against C, same protocol": a store
//! written with mapi-spi that does what `c_store.c` does and no more. Its logon makes the sample
//! store's calls into MAPI ([`sample_store::announce`]: `SetProviderUID`, the status row), reads
//! the store key and compares store IDs as the sample provider does (it wraps one), and serves
//! the C store's 8 properties, read-only, from the runtime's property engine (a
//! [`PropertyObject`] its `IMAPIProp` methods go to). No folders, no content.

use mapi_spi_runtime::com::{Forward, MethodName};
use mapi_spi_runtime::flags::{MAPI_STORE, STORE_ENTRYID_UNIQUE, STORE_READONLY, STORE_UNICODE_OK};
use mapi_spi_runtime::interfaces::{IMAPIProp, IMAPIPropImpl, IMsgStore, IMsgStoreImpl};
use mapi_spi_runtime::props::object::PropertyObject;
use mapi_spi_runtime::props::{ObjectAccess, PropAccess, PropValue, Property, PropertyBag};
use mapi_spi_runtime::provider::store::identity::client_entry_id;
use mapi_spi_runtime::provider::store::{
    LogonRequest, MessageStore, SpoolSecurity, StoreContext, StoreLogon, StoreProvider,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderResult};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::{ComObject, Object, mapi_object};
use sample_store::{SAMPLE_UID, SampleProvider};
use std::sync::Arc;

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

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<Vec<u8>> {
        self.0.store_key(entry_id)
    }

    fn compare_store_ids(&self, a: &[u8], b: &[u8]) -> ProviderResult<bool> {
        self.0.compare_store_ids(a, b)
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: &Arc<StoreContext>,
    ) -> ProviderResult<StoreLogon<BareStore>> {
        let display_name = sample_store::announce(request)?;
        let key = context.store_key();
        let entry_id = client_entry_id(request.support, *request.allocators, context.entry_id());
        let binary = |tag, bytes: Vec<u8>| Property::for_tag(tag, PropValue::Binary(bytes));
        let long = |tag, value| Property::for_tag(tag, PropValue::Long(value));
        // In ID order, which the bag appends without a search.
        let props = [
            binary(PR_RECORD_KEY, key.to_vec()),
            binary(PR_STORE_RECORD_KEY, key.to_vec()),
            binary(PR_STORE_ENTRYID, entry_id.clone()),
            long(PR_OBJECT_TYPE, MAPI_STORE),
            binary(PR_ENTRYID, entry_id),
            Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode(display_name.into())),
            long(PR_STORE_SUPPORT_MASK, SUPPORT_MASK),
            binary(PR_MDB_PROVIDER, SAMPLE_UID.ab.to_vec()),
        ];
        let mut bag = PropertyBag::with_capacity(props.len());
        for prop in props {
            bag.insert(prop, PropAccess::READ_ONLY)?;
        }
        bag.set_object_access(ObjectAccess::ReadOnly);
        let props = ComObject::new(PropertyObject::new(bag, *context.allocators()));
        Ok(StoreLogon {
            store: BareStore {
                props: props.into_interface(),
            },
            spool_security: SpoolSecurity::StoreKey,
        })
    }

    fn spooler_logon(&self, request: &LogonRequest<'_>, spool: &[u8]) -> ProviderResult<()> {
        self.0.spooler_logon(request, spool)
    }
}

/// The store: its properties, nothing else (every other method answers its default).
#[mapi_object(IMsgStore)]
pub struct BareStore {
    props: IMAPIProp,
}

impl IMAPIPropImpl for BareStore {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }
}

impl IMsgStoreImpl for BareStore {}

impl MessageStore for BareStore {}

// The sample store's `MSProviderInit` is in this binary too.
mapi_spi_runtime::ms_provider_init!(BareProvider as bare_store_MSProviderInit);
