//! Spool security: the bytes `Logon` returns and `SpoolerLogon` gets back, which must let the
//! spooler open the same store without UI and must not let anyone else forge that.
//!
//! The runtime seals whatever a provider's [`StoreProvider::logon`](super::StoreProvider::logon)
//! returns: `mapi-spi-spool/1`, the provider's bytes, and an HMAC-SHA-256 of both under a 32-byte
//! key. `SpoolerLogon` checks the MAC (in constant time) before the provider sees anything, and
//! refuses forged or altered data with `MAPI_E_LOGON_FAILED`; the provider then gets its own
//! bytes back, authentic.
//!
//! The key is random (the OS's generator) and kept per profile, in the provider's profile
//! section as [`PR_MAPI_SPI_SPOOL_KEY`] (a secure profile property, IDs 0x67F0 to 0x67FF, which
//! "can be hidden and encrypted" as "MAPI Property Identifier Overview" puts it), created by the first logon that finds none: every
//! process that opens the profile, the spooler's included, verifies with the same key, and no
//! other profile's data is accepted. Without a profile section (a host that offers none, or one
//! the provider may not write), the key is the process's own, random at first use: the spooler
//! of the same process (Outlook's, since 2003) still logs on, nothing outside it can.
//!
//! A key is kept as the HMAC state after the key, the profile's by each provider object
//! ([`SpoolKeys`]): a seal or a check hashes two SHA-256 blocks, not four.

use std::sync::{Mutex, OnceLock};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::LogonRequest;
use crate::alloc::{AllocatorSet, RootBuf};
use crate::codes::{MAPI_E_CALL_FAILED, MAPI_E_LOGON_FAILED};
use crate::props::value::{PropValue, Property};
use crate::provider::service::RUNTIME_SECURE_PROFILE_ID;
use crate::provider::{ProviderError, ProviderResult};
use crate::sync::lock;
use crate::tags::{PT_BINARY, prop_tag};

/// The profile's spool security key: a secure profile property, the ID the runtime keeps for it
/// ([`RUNTIME_SECURE_PROFILE_ID`]).
pub const PR_MAPI_SPI_SPOOL_KEY: u32 = prop_tag(PT_BINARY, RUNTIME_SECURE_PROFILE_ID);

const PREFIX: &[u8] = b"mapi-spi-spool/1";
const MAC_LEN: usize = 32;

/// A spool security key, kept as the HMAC state after the key (ready for a message: half the
/// hashing of each seal or check).
#[derive(Clone)]
pub struct SpoolKey(Hmac<Sha256>);

impl SpoolKey {
    fn new(key: &[u8; 32]) -> Self {
        Self(<Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length"))
    }

    /// A new random key.
    pub fn random() -> ProviderResult<Self> {
        Ok(Self::new(&random_key()?))
    }

    /// The key for a logon: the profile's (made and stored on first use; keyed through `keys`),
    /// or the process's.
    pub fn for_logon(request: &LogonRequest<'_>, keys: &SpoolKeys) -> ProviderResult<Self> {
        if let Some(key) = Self::from_profile(request, keys)? {
            return Ok(key);
        }
        static PROCESS: OnceLock<SpoolKey> = OnceLock::new();
        if let Some(key) = PROCESS.get() {
            return Ok(key.clone());
        }
        let fresh = Self::random()?;
        Ok(PROCESS.get_or_init(|| fresh).clone())
    }

    /// The profile section's key, created there if it has none; `None` without a section the
    /// provider may write.
    fn from_profile(request: &LogonRequest<'_>, keys: &SpoolKeys) -> ProviderResult<Option<Self>> {
        let Some(section) = request.profile_section()? else {
            return Ok(None);
        };
        if let Some(Property {
            value: PropValue::Binary(bytes),
            ..
        }) = section.get(PR_MAPI_SPI_SPOOL_KEY)?
            && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
        {
            return Ok(Some(keys.keyed(&key)));
        }
        let key = random_key()?;
        let stored = section.set(&[Property::for_tag(
            PR_MAPI_SPI_SPOOL_KEY,
            PropValue::Binary(key.to_vec()),
        )]);
        // A section that refuses the key: the process's key instead.
        Ok(stored.ok().map(|()| keys.keyed(&key)))
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.0.clone()
    }

    /// `payload`, sealed, in a block of `allocators`: what `Logon` returns.
    pub fn seal(&self, allocators: &AllocatorSet, payload: &[u8]) -> crate::com::Result<RootBuf> {
        let block = allocators.allocate(PREFIX.len() + payload.len() + MAC_LEN)?;
        block.write_slice(0, PREFIX);
        block.write_slice(PREFIX.len(), payload);
        let mut mac = self.mac();
        mac.update(PREFIX);
        mac.update(payload);
        block.write_slice(PREFIX.len() + payload.len(), &mac.finalize().into_bytes());
        Ok(block)
    }

    /// The payload of a sealed `blob`, if it was sealed with this key and not altered;
    /// `MAPI_E_LOGON_FAILED` otherwise.
    pub fn open<'a>(&self, blob: &'a [u8]) -> ProviderResult<&'a [u8]> {
        let forged =
            || ProviderError::new(MAPI_E_LOGON_FAILED, "the spool security is not genuine");
        if blob.len() < PREFIX.len() + MAC_LEN || !blob.starts_with(PREFIX) {
            return Err(forged());
        }
        let (sealed, tag) = blob.split_at(blob.len() - MAC_LEN);
        let mut mac = self.mac();
        mac.update(sealed);
        mac.verify_slice(tag).map_err(|_| forged())?;
        Ok(&sealed[PREFIX.len()..])
    }
}

/// The HMAC state of the last profile key read, so that the logons of one provider object
/// (one MAPI session, one profile) key the HMAC once, not at each logon: a seal or check then
/// hashes two blocks, not four. The profile's key is still read at each logon, and a key that
/// differs from the one kept replaces it.
#[derive(Default)]
pub struct SpoolKeys(Mutex<Option<([u8; 32], SpoolKey)>>);

impl SpoolKeys {
    /// The key `bytes`, keyed once per change of key.
    fn keyed(&self, bytes: &[u8; 32]) -> SpoolKey {
        let mut kept = lock(&self.0);
        match &*kept {
            Some((kept_bytes, key)) if same_key(kept_bytes, bytes) => key.clone(),
            _ => {
                let key = SpoolKey::new(bytes);
                *kept = Some((*bytes, key.clone()));
                key
            }
        }
    }
}

/// Whether two keys are equal, in a time that does not depend on where they differ.
fn same_key(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0, |differ, (x, y)| differ | (x ^ y)) == 0
}

/// 32 random bytes, from the OS's generator.
fn random_key() -> ProviderResult<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).map_err(|error| {
        ProviderError::new(
            MAPI_E_CALL_FAILED,
            format!("no random numbers for the spool security key: {error}"),
        )
    })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `payload` sealed with `key`, copied out of its block.
    fn sealed(key: &SpoolKey, payload: &[u8]) -> Vec<u8> {
        let block = key.seal(&AllocatorSet::native(), payload).unwrap();
        // SAFETY: the block's `len` bytes, all written by `seal`, alive until `block` drops.
        unsafe { core::slice::from_raw_parts(block.as_ptr(), block.len()) }.to_vec()
    }

    #[test]
    fn sealed_data_opens_with_its_key_only_and_unaltered() {
        let key = SpoolKey::random().unwrap();
        let blob = sealed(&key, b"store");
        assert_eq!(key.open(&blob).unwrap(), b"store");
        let other = SpoolKey::random().unwrap();
        assert_eq!(other.open(&blob).unwrap_err().code, MAPI_E_LOGON_FAILED);
        for i in 0..blob.len() {
            let mut altered = blob.clone();
            altered[i] ^= 1;
            assert!(key.open(&altered).is_err(), "byte {i} altered");
        }
        assert!(key.open(&blob[..blob.len() - 1]).is_err());
        assert!(key.open(b"").is_err());
        assert_eq!(key.open(&sealed(&key, b"")).unwrap(), b"");
    }

    #[test]
    fn a_kept_key_is_the_key_it_was_made_from() {
        let keys = SpoolKeys::default();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let blob = sealed(&keys.keyed(&a), b"store");
        assert_eq!(SpoolKey::new(&a).open(&blob).unwrap(), b"store");
        assert_eq!(keys.keyed(&a).open(&blob).unwrap(), b"store");
        // Another key replaces it, and does not open what the first sealed.
        assert_eq!(
            keys.keyed(&b).open(&blob).unwrap_err().code,
            MAPI_E_LOGON_FAILED
        );
        assert!(
            SpoolKey::new(&b)
                .open(&sealed(&keys.keyed(&b), b"x"))
                .is_ok()
        );
        assert_eq!(keys.keyed(&a).open(&blob).unwrap(), b"store");
        assert!(same_key(&a, &a) && !same_key(&a, &b));
    }
}
