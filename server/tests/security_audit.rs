//! The keyed audit trail against someone who can rewrite the database but does not hold
//! the master key (issue 21, section 4), on SQLite and on PostgreSQL. Test names carry
//! the ASVS 4.0.3 item they prove.
mod common;

use app::store::{AuditEntry, AuditRow, Store};
use common::{test_key, test_now, with_dbs, TestDb};
use server::store::{self, ledger::legacy_chain_hash, DatabaseUrl};
use server::vault::MasterKey;

/// Appends `n` audit rows, one transaction each.
async fn write_rows(store: &dyn Store, n: usize) {
    for i in 0..n {
        let e = AuditEntry::new("customer", format!("C{i}"), "update");
        store.audit(test_now(), "liu.fang", e).await.unwrap();
    }
}

/// The whole trail, oldest first.
async fn trail(store: &dyn Store) -> Vec<AuditRow> {
    let q = app::store::AuditQuery {
        limit: 10_000,
        ..Default::default()
    };
    let mut rows = store.audit_trail(&q).await.unwrap();
    rows.reverse();
    rows
}

/// What an attacker with database access does first: lift the append-only guard.
async fn unguard(db: &TestDb) {
    if db.url.starts_with("sqlite") {
        db.exec("DROP TRIGGER audit_log_append_only_u").await;
        db.exec("DROP TRIGGER audit_log_append_only_d").await;
    } else {
        db.exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            .await;
    }
}

/// Rewrites every row from `from` on, and the head, as a plain SHA-256 chain over the
/// rows' current content: all an attacker without the key can compute.
async fn recompute_sha256_chain(db: &TestDb, rows: &[AuditRow], from: i64) {
    let mut prev = if from == 1 {
        "0".repeat(64)
    } else {
        rows[from as usize - 2].hash.clone()
    };
    for r in rows.iter().filter(|r| r.id >= from) {
        let hash = legacy_chain_hash(&prev, r.id, &r.at, &r.actor, &r.entry);
        db.exec(&format!(
            "UPDATE audit_log SET prev_hash = '{prev}', hash = '{hash}' WHERE id = {}",
            r.id
        ))
        .await;
        prev = hash;
    }
    db.exec(&format!(
        "UPDATE audit_head SET last_hash = '{prev}' WHERE id = 1"
    ))
    .await;
}

#[tokio::test]
async fn asvs_7_3_3_a_row_changed_under_recomputed_sha256_hashes_is_found_at_its_id() {
    with_dbs(|db| async move {
        let store = db.store().await;
        write_rows(store.as_ref(), 6).await;
        assert_eq!(store.verify_audit().await.unwrap().first_broken, None);
        unguard(&db).await;
        db.exec("UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
            .await;
        let rows = trail(store.as_ref()).await;
        assert_eq!(rows[2].actor, "someone else");
        recompute_sha256_chain(&db, &rows, 3).await;
        let v = store.verify_audit().await.unwrap();
        assert_eq!((v.first_broken, v.rows), (Some(3), 2), "{v:?}");
        db
    })
    .await;
}

#[tokio::test]
async fn asvs_7_3_3_rows_cut_off_the_end_are_found_against_a_checkpoint() {
    with_dbs(|db| async move {
        let store = db.store().await;
        write_rows(store.as_ref(), 5).await;
        let checkpoint = store.audit_checkpoint().await.unwrap();
        assert_eq!(checkpoint.id, 5);
        let ok = server::audit_tools::verify(store.as_ref(), Some(&checkpoint)).await;
        assert!(ok.unwrap().contains("matches the checkpoint"));
        // Cut rows 4 and 5 and point the head at row 3: the rest still chains.
        let rows = trail(store.as_ref()).await;
        unguard(&db).await;
        db.exec("DELETE FROM audit_log WHERE id > 3").await;
        db.exec(&format!(
            "UPDATE audit_head SET last_id = 3, last_hash = '{}' WHERE id = 1",
            rows[2].hash
        ))
        .await;
        let plain = server::audit_tools::verify(store.as_ref(), None)
            .await
            .unwrap();
        assert!(plain.contains("intact (3 rows)"), "{plain}");
        let e = server::audit_tools::verify(store.as_ref(), Some(&checkpoint))
            .await
            .unwrap_err();
        assert!(
            e.contains("truncated") && e.contains("row 5") && e.contains("row 3"),
            "{e}"
        );
        db
    })
    .await;
}

#[tokio::test]
async fn asvs_6_4_1_a_database_written_under_another_master_key_is_refused() {
    with_dbs(|db| async move {
        write_rows(db.store().await.as_ref(), 1).await;
        let url = DatabaseUrl::parse(&db.url).unwrap();
        let e = store::connect(&url, &MasterKey::from_bytes([1; 32]))
            .await
            .err()
            .unwrap();
        assert!(
            e.contains("not the one this database was written with"),
            "{e}"
        );
        assert!(store::connect(&url, &test_key()).await.is_ok());
        db
    })
    .await;
}

/// Four rows turned back into what an older release wrote: a SHA-256 chain, not keyed.
async fn legacy_trail(db: &TestDb) {
    let store = db.store().await;
    write_rows(store.as_ref(), 4).await;
    let rows = trail(store.as_ref()).await;
    unguard(db).await;
    recompute_sha256_chain(db, &rows, 1).await;
    db.exec("UPDATE audit_head SET keyed = 0 WHERE id = 1")
        .await;
}

#[tokio::test]
async fn a_trail_from_before_keying_is_checked_then_rekeyed_at_start() {
    with_dbs(|db| async move {
        legacy_trail(&db).await;
        let store = db.store().await;
        let v = store.verify_audit().await.unwrap();
        assert_eq!(
            (v.first_broken, v.rows),
            (None, 5),
            "4 rows re-keyed, then the note"
        );
        let note = trail(store.as_ref()).await.pop().unwrap();
        assert_eq!(
            (note.entry.entity.as_str(), note.entry.action.as_str()),
            ("audit_trail", "keyed")
        );
        db
    })
    .await;
}

#[tokio::test]
async fn a_trail_from_before_keying_that_was_tampered_with_stops_the_start() {
    with_dbs(|db| async move {
        legacy_trail(&db).await;
        db.exec("UPDATE audit_log SET action = 'delete' WHERE id = 2")
            .await;
        let url = DatabaseUrl::parse(&db.url).unwrap();
        let e = store::connect(&url, &test_key()).await.err().unwrap();
        assert!(
            e.contains("broken at row 2") && e.contains("nothing was re-keyed"),
            "{e}"
        );
        db
    })
    .await;
}
