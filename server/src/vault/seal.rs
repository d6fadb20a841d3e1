//! Sealing values at rest: AES-256-GCM under the keyring's field key.
//!
//! Invariants:
//! - a fresh random 96-bit nonce per value, so equal values never seal alike;
//! - the value's place (a setting's key, a column's name) is the associated data, so a
//!   sealed value copied into another place does not open there;
//! - the stored form is `v1:` + base64(nonce ‖ ciphertext ‖ tag): versioned, and told
//!   apart from plain text written before sealing existed.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const PREFIX: &str = "v1:";
const NONCE_BYTES: usize = 12;

pub struct Sealer(Aes256Gcm);

/// A sealed value that does not open: corrupted, moved, or sealed under another key.
#[derive(Debug, PartialEq, Eq)]
pub struct Unopenable;

impl std::fmt::Display for Unopenable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sealed value does not open under this key (corrupted or moved)")
    }
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer(Aes256Gcm::new(key.into()))
    }

    /// Whether `stored` is a sealed value (as opposed to plain text from before).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    pub fn seal(&self, plain: &str, place: &str) -> String {
        use rand::RngCore;
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: place.as_bytes(),
        };
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("AES-GCM seals any input under 64 GB");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(bytes))
    }

    pub fn open(&self, stored: &str, place: &str) -> Result<String, Unopenable> {
        let bytes = stored
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > NONCE_BYTES)
            .ok_or(Unopenable)?;
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: sealed,
            aad: place.as_bytes(),
        };
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| Unopenable)?;
        String::from_utf8(plain).map_err(|_| Unopenable)
    }

    /// `stored` as plain text: opened if sealed, as it is if written before sealing.
    pub fn reveal(&self, stored: &str, place: &str) -> Result<String, Unopenable> {
        if Sealer::is_sealed(stored) {
            self.open(stored, place)
        } else {
            Ok(stored.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_only_in_its_place_and_under_its_key() {
        let s = Sealer::new(&[3; 32]);
        let a = s.seal("6222 0212 3456 7890", "customers.bank_account");
        let b = s.seal("6222 0212 3456 7890", "customers.bank_account");
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(Sealer::is_sealed(&a) && !a.contains("6222"));
        assert_eq!(
            s.open(&a, "customers.bank_account").unwrap(),
            "6222 0212 3456 7890"
        );
        assert_eq!(s.open(&a, "customers.legal_rep_id_number"), Err(Unopenable));
        assert_eq!(
            Sealer::new(&[4; 32]).open(&a, "customers.bank_account"),
            Err(Unopenable)
        );
        let mut flipped = a.clone().into_bytes();
        let last = flipped.len() - 3;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            s.open(
                &String::from_utf8(flipped).unwrap(),
                "customers.bank_account"
            ),
            Err(Unopenable)
        );
        assert_eq!(s.open("v1:!!", "x"), Err(Unopenable));
        assert_eq!(
            s.reveal("plain from before", "x").unwrap(),
            "plain from before"
        );
    }
}
