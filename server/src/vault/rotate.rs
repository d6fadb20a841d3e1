//! `creditdesk keys rotate`: a new master key, and everything keyed under the old one
//! moved to it.
//!
//! Invariants: the database changes in one transaction (all or nothing), and at every
//! moment one file on disk holds the key the database needs: the new key is written to
//! `<file>.new` (mode 0600) before the database moves, and renamed over the old file only
//! after the commit. A crash in between leaves the old key in place and the new one
//! beside it as `<file>.new`; if the database had moved, start-up refuses the old key
//! and that file is the one to use. A key from the environment is printed once on
//! stdout, for the operator to put where the old one was.
use super::master::write_key_file;
use super::MasterKey;
use crate::store::DatabaseUrl;
use std::path::{Path, PathBuf};

/// Where the new key went.
pub enum Rotated {
    File {
        path: PathBuf,
        rows: u64,
    },
    Printed {
        key: zeroize::Zeroizing<String>,
        rows: u64,
    },
}

/// Rotates the key of the database at `url`; the current key comes from `env` (the
/// value of CREDITDESK_MASTER_KEY) or `file`, as at start.
pub async fn rotate(url: &DatabaseUrl, env: Option<&str>, file: &Path) -> Result<Rotated, String> {
    let from_env = env.is_some_and(|e| !e.trim().is_empty());
    if !from_env && !file.exists() {
        return Err(format!(
            "no master key in CREDITDESK_MASTER_KEY or {}: nothing to rotate",
            file.display()
        ));
    }
    let (old, _) = MasterKey::load(env, file)?;
    let new = MasterKey::generate();
    if from_env {
        let rows = crate::store::rotate_master_key(url, &old, &new).await?;
        return Ok(Rotated::Printed {
            key: new.to_base64(),
            rows,
        });
    }
    let mut pending = file.as_os_str().to_owned();
    pending.push(".new");
    let pending = PathBuf::from(pending);
    write_key_file(&pending, &new).map_err(|e| {
        format!("{e} (a rotation left unfinished? compare it with the database before deleting it)")
    })?;
    let rows = match crate::store::rotate_master_key(url, &old, &new).await {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&pending);
            return Err(e);
        }
    };
    std::fs::rename(&pending, file).map_err(|e| {
        format!(
            "the database now needs the key in {}, but it could not replace {}: {e}",
            pending.display(),
            file.display()
        )
    })?;
    Ok(Rotated::File {
        path: file.to_path_buf(),
        rows,
    })
}
