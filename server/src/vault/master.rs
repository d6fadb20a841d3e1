//! The master key: where it comes from, and how it is kept on disk.
//!
//! Invariants:
//! - exactly 32 random bytes, written and read as standard base64;
//! - `CREDITDESK_MASTER_KEY` wins over the key file; without either, the file is created
//!   at first start with mode 0600 (its directory too, if missing) and its path logged;
//! - an existing key file that group or others may read is refused, not used: a key that
//!   leaked on disk protects nothing;
//! - the bytes are zeroed when the key is dropped.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The installation's root secret. Never used directly: see `Keyring::derive`.
pub struct MasterKey(Zeroizing<[u8; 32]>);

/// Where the key in use came from, for the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
    Created(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env => f.write_str("CREDITDESK_MASTER_KEY"),
            KeySource::File(p) => write!(f, "key file {}", p.display()),
            KeySource::Created(p) => {
                write!(f, "new key file {} (back it up: without it the encrypted fields and the audit MACs are lost)", p.display())
            }
        }
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(bytes))
    }

    pub fn generate() -> MasterKey {
        use rand::RngCore;
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        MasterKey(bytes)
    }

    /// Base64 of exactly 32 bytes; surrounding whitespace (a trailing newline) is ignored.
    pub fn from_base64(text: &str) -> Result<MasterKey, String> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| "the master key is not valid base64".to_string())?,
        );
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            format!(
                "the master key must be 32 bytes; this one is {}",
                bytes.len()
            )
        })?;
        Ok(MasterKey::from_bytes(key))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key from `env` (the variable's value) if set, else from `file`, creating it.
    pub fn load(env: Option<&str>, file: &Path) -> Result<(MasterKey, KeySource), String> {
        if let Some(text) = env.filter(|t| !t.trim().is_empty()) {
            let key =
                MasterKey::from_base64(text).map_err(|e| format!("CREDITDESK_MASTER_KEY: {e}"))?;
            return Ok((key, KeySource::Env));
        }
        if file.exists() {
            return Ok((read_key_file(file)?, KeySource::File(file.to_path_buf())));
        }
        let key = MasterKey::generate();
        write_key_file(file, &key)?;
        Ok((key, KeySource::Created(file.to_path_buf())))
    }
}

fn read_key_file(file: &Path) -> Result<MasterKey, String> {
    use std::os::unix::fs::PermissionsExt;
    let shown = file.display();
    let meta = std::fs::metadata(file).map_err(|e| format!("master key file {shown}: {e}"))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "master key file {shown} is readable by others (mode {mode:o}); run `chmod 600 {shown}`"
        ));
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(file).map_err(|e| format!("master key file {shown}: {e}"))?,
    );
    MasterKey::from_base64(&text).map_err(|e| format!("master key file {shown}: {e}"))
}

/// Writes `key` to a new file, mode 0600 from its creation (never world-readable, even
/// for a moment); fails if the file exists.
pub fn write_key_file(file: &Path, key: &MasterKey) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let shown = file.display();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| format!("cannot create master key file {shown}: {e}"))?;
    let line = Zeroizing::new(format!("{}\n", key.to_base64().as_str()));
    f.write_all(line.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write master key file {shown}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_missing_key_file_is_created_private_and_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("keys/master.key");
        let (first, source) = MasterKey::load(None, &file).unwrap();
        assert_eq!(source, KeySource::Created(file.clone()));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, source) = MasterKey::load(None, &file).unwrap();
        assert_eq!(source, KeySource::File(file.clone()));
        assert_eq!(first.bytes(), again.bytes());
    }

    #[test]
    fn the_environment_wins_and_bad_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("master.key");
        let env = MasterKey::from_bytes([9; 32]).to_base64();
        let (key, source) = MasterKey::load(Some(&env), &file).unwrap();
        assert_eq!((key.bytes(), source), (&[9; 32], KeySource::Env));
        assert!(
            !file.exists(),
            "no file is created when the environment has the key"
        );
        let short = STANDARD.encode([1u8; 16]);
        let e = MasterKey::load(Some(&short), &file).err().unwrap();
        assert!(
            e.contains("CREDITDESK_MASTER_KEY") && e.contains("32 bytes"),
            "{e}"
        );
        let e = MasterKey::load(Some("not base64!"), &file).err().unwrap();
        assert!(e.contains("base64"), "{e}");
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("master.key");
        MasterKey::load(None, &file).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = MasterKey::load(None, &file).err().unwrap();
        assert!(
            e.contains("readable by others") && e.contains("chmod 600"),
            "{e}"
        );
    }
}
