//! Keys: the master key (`master.rs`) and the subkeys derived from it.
//!
//! Invariants:
//! - nothing is MACed or encrypted with the master key itself: HKDF-SHA256 derives one
//!   subkey per purpose (the audit chain's MAC, sealing values at rest, blind indexes,
//!   the master-key check), so no use of one subkey says anything about another;
//! - the database holds the check value of the key that wrote it (`master_key_check`),
//!   so a different key is refused at start with a clear error, instead of surfacing
//!   later as a "broken" audit trail;
//! - subkeys live only in memory and are zeroed when dropped.
pub mod master;
pub mod rotate;
pub mod seal;

pub use master::{KeySource, MasterKey};
pub use seal::Sealer;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

pub type HmacSha256 = Hmac<Sha256>;

/// The subkeys one store works with.
pub struct Keyring {
    /// Keys the audit chain (`store::ledger::chain_mac`), cloned per transaction.
    pub audit: HmacSha256,
    /// Seals secrets and sensitive fields at rest (`seal.rs`).
    pub seal: Sealer,
    /// Keys blind indexes: exact lookup of a sealed value (`blind_index`).
    blind: HmacSha256,
    check: String,
}

impl Keyring {
    pub fn derive(master: &MasterKey) -> Keyring {
        let subkey = |purpose: &str| {
            let hk = hkdf::Hkdf::<Sha256>::new(Some(b"creditdesk keyring v1"), master.bytes());
            let mut key = Zeroizing::new([0u8; 32]);
            hk.expand(purpose.as_bytes(), key.as_mut())
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            key
        };
        let mac = |key: &[u8]| HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        let check = mac(subkey("master key check").as_ref())
            .chain_update(b"creditdesk")
            .finalize()
            .into_bytes();
        Keyring {
            audit: mac(subkey("audit chain").as_ref()),
            seal: Sealer::new(&subkey("sealed values")),
            blind: mac(subkey("blind index").as_ref()),
            check: hex::encode(check),
        }
    }

    /// HMAC-SHA256 of `value` in `place` (hex): equal values give equal indexes, and
    /// nobody without the key can compute one or turn it back into the value.
    pub fn blind_index(&self, place: &str, value: &str) -> String {
        let mut m = self.blind.clone();
        m.update(place.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// Identifies the master key without revealing it (stored in `master_key_check`).
    pub fn check_value(&self) -> &str {
        &self.check
    }
}

/// What a database holding `stored` says about this key: the error when they differ.
pub fn confirm(keys: &Keyring, stored: &str) -> Result<(), String> {
    // The check value is no secret (it sits in the database): plain equality is fine.
    if stored == keys.check_value() {
        Ok(())
    } else {
        Err(
            "this master key is not the one this database was written with: set the \
             original in CREDITDESK_MASTER_KEY or --master-key-file (a new key is installed \
             only by `creditdesk keys rotate`)"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_by_master_key_and_are_stable() {
        let a = Keyring::derive(&MasterKey::from_bytes([1; 32]));
        let a2 = Keyring::derive(&MasterKey::from_bytes([1; 32]));
        let b = Keyring::derive(&MasterKey::from_bytes([2; 32]));
        assert_eq!(a.check_value(), a2.check_value());
        assert_ne!(a.check_value(), b.check_value());
        let tag = |k: &Keyring| k.audit.clone().chain_update(b"x").finalize().into_bytes();
        assert_eq!(tag(&a), tag(&a2));
        assert_ne!(tag(&a), tag(&b));
        assert!(confirm(&a, b.check_value())
            .unwrap_err()
            .contains("not the one"));
        assert!(confirm(&a, a2.check_value()).is_ok());
    }
}
