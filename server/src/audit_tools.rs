//! `creditdesk audit verify [--checkpoint FILE] | checkpoint`: proving the audit trail.
//!
//! Invariants: verify fails (non-zero exit) naming the first row that does not carry the
//! MAC its content and predecessor give; with a checkpoint it also fails when the row the
//! checkpoint names is gone (the trail was cut) or carries another MAC. A checkpoint is
//! one JSON line, printed to stdout so it can be kept off the machine.
use app::store::{AuditCheckpoint, Store};
use chrono::{DateTime, Utc};

/// A checkpoint as it is printed and read back.
#[derive(serde::Serialize, serde::Deserialize)]
struct CheckpointLine {
    id: i64,
    mac: String,
    at: DateTime<Utc>,
}

/// The trail's head now, as one JSON line.
pub async fn checkpoint(store: &dyn Store, now: DateTime<Utc>) -> Result<String, String> {
    let head = store.audit_checkpoint().await.map_err(|e| e.to_string())?;
    let line = CheckpointLine {
        id: head.id,
        mac: head.mac,
        at: now,
    };
    serde_json::to_string(&line).map_err(|e| e.to_string())
}

/// Reads a checkpoint file (`checkpoint`'s output; the last non-empty line counts).
pub fn read_checkpoint(path: &std::path::Path) -> Result<AuditCheckpoint, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--checkpoint {shown}: {e}"))?;
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let cp: CheckpointLine = serde_json::from_str(line).map_err(|e| {
        format!("--checkpoint {shown}: not a checkpoint line (`creditdesk audit checkpoint` writes one): {e}")
    })?;
    Ok(AuditCheckpoint {
        id: cp.id,
        mac: cp.mac,
    })
}

/// Verifies the whole chain, then the checkpoint if given: the summary, or what is wrong.
pub async fn verify(
    store: &dyn Store,
    checkpoint: Option<&AuditCheckpoint>,
) -> Result<String, String> {
    let v = store.verify_audit().await.map_err(|e| e.to_string())?;
    if let Some(id) = v.first_broken {
        return Err(format!(
            "audit trail broken at row {id}: its MAC does not match its content and the row before it ({} rows verified before it)",
            v.rows
        ));
    }
    let Some(cp) = checkpoint else {
        return Ok(format!("audit trail intact ({} rows)", v.rows));
    };
    match store.audit_mac(cp.id).await.map_err(|e| e.to_string())? {
        None if cp.id == 0 => Ok(format!("audit trail intact ({} rows)", v.rows)),
        None => Err(format!(
            "audit trail truncated: the checkpoint names row {}, the trail ends at row {}",
            cp.id, v.rows
        )),
        Some(mac) if mac != cp.mac => Err(format!(
            "audit trail rewritten: row {} no longer carries the checkpoint's MAC",
            cp.id
        )),
        Some(_) => Ok(format!(
            "audit trail intact ({} rows), and row {} matches the checkpoint",
            v.rows, cp.id
        )),
    }
}
