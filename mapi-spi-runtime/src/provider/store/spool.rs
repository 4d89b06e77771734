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
//! ([`SpoolKeys`]): a seal or a check hashes two SHA-256 blocks, not four. And since a seal is
//! a function of the key and the payload alone, the provider object keeps the last seal it
//! made, whole (prefix, payload, MAC): a logon that seals the same payload under the same key (a
//! store opened again in the session, whose spool security is its key) copies it into its
//! block, hashing nothing. The bytes are the same as a fresh seal's, so nothing about the check
//! changes.

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

    /// The MAC of `payload` as sealed: of the prefix and the payload.
    fn mac_of(&self, payload: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = self.0.clone();
        mac.update(PREFIX);
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }

    /// `payload`, sealed, in a block of `allocators`: what `Logon` returns.
    pub fn seal(&self, allocators: &AllocatorSet, payload: &[u8]) -> crate::com::Result<RootBuf> {
        let block = allocators.allocate(sealed_len(payload))?;
        let mut at = 0;
        self.each_sealed_part(payload, |part| {
            block.write_slice(at, part);
            at += part.len();
        });
        Ok(block)
    }

    /// `payload` sealed, in place of what `sealed` held.
    fn seal_into(&self, payload: &[u8], sealed: &mut Vec<u8>) {
        sealed.clear();
        sealed.reserve(sealed_len(payload));
        self.each_sealed_part(payload, |part| sealed.extend_from_slice(part));
    }

    /// The parts of `payload` sealed, in order: the prefix, the payload, the MAC.
    fn each_sealed_part(&self, payload: &[u8], mut part: impl FnMut(&[u8])) {
        let mac = self.mac_of(payload);
        for bytes in [PREFIX, payload, &mac] {
            part(bytes);
        }
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
        let mut mac = self.0.clone();
        mac.update(sealed);
        mac.verify_slice(tag).map_err(|_| forged())?;
        Ok(&sealed[PREFIX.len()..])
    }
}

/// The length of `payload` sealed ([`SpoolKey::seal`]).
fn sealed_len(payload: &[u8]) -> usize {
    PREFIX.len() + payload.len() + MAC_LEN
}

/// The key bytes for a logon: the profile's (made and stored on first use), or the process's.
fn key_for_logon(request: &LogonRequest<'_>) -> ProviderResult<[u8; 32]> {
    if let Some(key) = key_from_profile(request)? {
        return Ok(key);
    }
    static PROCESS: OnceLock<[u8; 32]> = OnceLock::new();
    if let Some(key) = PROCESS.get() {
        return Ok(*key);
    }
    let fresh = random_key()?;
    Ok(*PROCESS.get_or_init(|| fresh))
}

/// The profile section's key, created there if it has none; `None` without a section the
/// provider may write.
fn key_from_profile(request: &LogonRequest<'_>) -> ProviderResult<Option<[u8; 32]>> {
    let Some(section) = request.profile_section()? else {
        return Ok(None);
    };
    if let Some(Property {
        value: PropValue::Binary(bytes),
        ..
    }) = section.get(PR_MAPI_SPI_SPOOL_KEY)?
        && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return Ok(Some(key));
    }
    let key = random_key()?;
    let stored = section.set(&[Property::for_tag(
        PR_MAPI_SPI_SPOOL_KEY,
        PropValue::Binary(key.to_vec()),
    )]);
    // A section that refuses the key: the process's key instead.
    Ok(stored.ok().map(|()| key))
}

/// A provider object's spool security (one MAPI session, one profile): the key of its logons,
/// read from the profile at each logon, kept as its HMAC state so that a seal or check keys the
/// HMAC once per change of key (two blocks hashed, not four), and the last seal made with it.
#[derive(Default)]
pub struct SpoolKeys(Mutex<Option<Kept>>);

/// The key [`SpoolKeys`] keeps, and what it last sealed.
struct Kept {
    bytes: [u8; 32],
    key: SpoolKey,
    /// The last payload sealed with `key`, as sealed (prefix, payload, MAC); empty before the
    /// first.
    last_seal: Vec<u8>,
}

impl Kept {
    /// `payload` sealed under this key: the last seal if it sealed the same bytes (the payload
    /// is public, in the sealed block, so comparing it needs no constant time).
    fn seal(&mut self, payload: &[u8]) -> &[u8] {
        let same = self.last_seal.len() == sealed_len(payload)
            && self.last_seal[PREFIX.len()..][..payload.len()] == *payload;
        if !same {
            self.key.seal_into(payload, &mut self.last_seal);
        }
        &self.last_seal
    }
}

impl SpoolKeys {
    /// `payload` sealed with the logon's key ([`SpoolKey::seal`]), in a block of `allocators`
    /// (allocated before the key's lock is taken, filled under it with one copy).
    pub fn seal(
        &self,
        request: &LogonRequest<'_>,
        allocators: &AllocatorSet,
        payload: &[u8],
    ) -> ProviderResult<RootBuf> {
        let bytes = key_for_logon(request)?;
        let block = allocators.allocate(sealed_len(payload))?;
        self.with_key(&bytes, |kept| block.write_slice(0, kept.seal(payload)));
        Ok(block)
    }

    /// The payload of `blob` if the logon's key sealed it and it is unaltered
    /// ([`SpoolKey::open`]); `MAPI_E_LOGON_FAILED` otherwise.
    pub fn open<'a>(&self, request: &LogonRequest<'_>, blob: &'a [u8]) -> ProviderResult<&'a [u8]> {
        let bytes = key_for_logon(request)?;
        self.with_key(&bytes, |kept| kept.key.open(blob))
    }

    /// Runs `body` with the key `bytes`, keyed once per change of key (a new key forgets the
    /// last seal, which was another key's).
    fn with_key<T>(&self, bytes: &[u8; 32], body: impl FnOnce(&mut Kept) -> T) -> T {
        let mut kept = lock(&self.0);
        let kept = match &mut *kept {
            Some(kept) if same_key(&kept.bytes, bytes) => kept,
            slot => slot.insert(Kept {
                bytes: *bytes,
                key: SpoolKey::new(bytes),
                last_seal: Vec::new(),
            }),
        };
        body(kept)
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

    /// The key `bytes` as `keys` keeps it.
    fn kept(keys: &SpoolKeys, bytes: &[u8; 32]) -> SpoolKey {
        keys.with_key(bytes, |kept| kept.key.clone())
    }

    /// `payload` as `keys` seals it with the key `bytes`.
    fn sealed_by(keys: &SpoolKeys, bytes: &[u8; 32], payload: &[u8]) -> Vec<u8> {
        keys.with_key(bytes, |kept| kept.seal(payload).to_vec())
    }

    #[test]
    fn a_kept_key_is_the_key_it_was_made_from() {
        let keys = SpoolKeys::default();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let blob = sealed(&kept(&keys, &a), b"store");
        assert_eq!(SpoolKey::new(&a).open(&blob).unwrap(), b"store");
        assert_eq!(kept(&keys, &a).open(&blob).unwrap(), b"store");
        // Another key replaces it, and does not open what the first sealed.
        assert_eq!(
            kept(&keys, &b).open(&blob).unwrap_err().code,
            MAPI_E_LOGON_FAILED
        );
        assert!(
            SpoolKey::new(&b)
                .open(&sealed(&kept(&keys, &b), b"x"))
                .is_ok()
        );
        assert_eq!(kept(&keys, &a).open(&blob).unwrap(), b"store");
        assert!(same_key(&a, &a) && !same_key(&a, &b));
    }

    #[test]
    fn a_kept_seal_is_a_fresh_seal_of_the_same_key_and_payload_only() {
        let keys = SpoolKeys::default();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let first = sealed_by(&keys, &a, b"store");
        // Served from the kept seal: the bytes a fresh seal makes.
        let kept_seal = keys.with_key(&a, |kept| kept.last_seal.clone());
        assert_eq!(kept_seal, first);
        let again = sealed_by(&keys, &a, b"store");
        assert_eq!(again, first);
        assert_eq!(again, sealed(&SpoolKey::new(&a), b"store"));
        // Another payload under the same key: sealed afresh, and kept in its place.
        let other_payload = sealed_by(&keys, &a, b"other");
        assert_eq!(other_payload, sealed(&SpoolKey::new(&a), b"other"));
        assert_eq!(SpoolKey::new(&a).open(&other_payload).unwrap(), b"other");
        // A payload that extends the kept one is not it.
        assert_eq!(
            sealed_by(&keys, &a, b"others"),
            sealed(&SpoolKey::new(&a), b"others")
        );
        // The same payload under another key: that key's seal, which the first key refuses.
        let other_key = sealed_by(&keys, &b, b"others");
        assert_eq!(other_key, sealed(&SpoolKey::new(&b), b"others"));
        assert_eq!(
            SpoolKey::new(&a).open(&other_key).unwrap_err().code,
            MAPI_E_LOGON_FAILED
        );
        // And back: the first key's seal again, not the second's kept one.
        assert_eq!(
            sealed_by(&keys, &a, b"others"),
            sealed(&SpoolKey::new(&a), b"others")
        );
    }
}
