//! The `creditdesk` binary as an operator uses it: clear one-line errors for bad
//! configuration, users created with a password from stdin, API keys shown once.
use std::io::Write;
use std::process::{Command, Stdio};

/// The tests' master key, base64 of 32 × 0x5a (the same as `common::test_key`).
const TEST_KEY: &str = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_creditdesk"));
    c.env("CREDITDESK_MASTER_KEY", TEST_KEY);
    c
}

fn fails_with(args: &[&str], env: &[(&str, &str)], needle: &str) {
    let out = bin()
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn bad_configuration_is_one_clear_line() {
    fails_with(
        &["serve", "--bind", "nonsense"],
        &[],
        "CREDITDESK_BIND: 'nonsense'",
    );
    fails_with(
        &["serve"],
        &[("CREDITDESK_BIND", "300.1.1.1:1")],
        "CREDITDESK_BIND",
    );
    fails_with(
        &["migrate", "--database-url", "mysql://x/y"],
        &[],
        "unsupported scheme 'mysql'",
    );
    fails_with(
        &["serve", "--secure-cookies", "maybe"],
        &[],
        "CREDITDESK_SECURE_COOKIES",
    );
    fails_with(
        &[
            "migrate",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/x",
        ],
        &[],
        "cannot connect to PostgreSQL",
    );
}

#[test]
fn users_and_api_keys_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db", dir.path().display());
    let status = bin()
        .args(["migrate", "--database-url", &url])
        .status()
        .unwrap();
    assert!(status.success());

    let create = |password: &str| {
        let mut child = bin()
            .args([
                "user",
                "create",
                "--database-url",
                &url,
                "--username",
                "Wang.Fang",
                "--role",
                "finance",
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let short = create("elevenchars\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 to 128 characters"));
    let common = create("Password2026!\n");
    assert!(!common.status.success());
    assert!(String::from_utf8_lossy(&common.stderr).contains("too common"));
    let ok = create("a long enough password\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stderr).contains("created user wang.fang"));
    let again = create("a long enough password\n");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let bad_role = bin()
        .args([
            "user",
            "create",
            "--database-url",
            &url,
            "--username",
            "x.y",
            "--role",
            "root",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role 'root'"));

    let key = bin()
        .args(["api-key", "create", "--database-url", &url, "--name", "erp"])
        .output()
        .unwrap();
    assert!(key.status.success());
    let secret = String::from_utf8(key.stdout).unwrap();
    assert!(
        secret.trim().starts_with("cdk_") && secret.trim().len() == 68,
        "{secret}"
    );
    let dup = bin()
        .args(["api-key", "create", "--database-url", &url, "--name", "erp"])
        .output()
        .unwrap();
    assert!(!dup.status.success());
}

/// Import is all or nothing with a row/column report; `audit verify` finds tampering.
#[test]
fn import_is_all_or_nothing_and_audit_verify_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("import.db");
    let url = format!("sqlite://{}", db.display());
    let run = |args: &[&str]| bin().args(args).env("DATABASE_URL", &url).output().unwrap();

    let template = dir.path().join("customers.csv");
    assert!(run(&["template", "customers", template.to_str().unwrap()])
        .status
        .success());
    let header = std::fs::read_to_string(&template).unwrap();
    assert!(
        header
            .trim_start_matches('\u{feff}')
            .starts_with("code,name,uscc"),
        "{header}"
    );

    // Row 3 has a wrong USCC check digit and row 4 an over-precise limit.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,name,uscc,payment_terms_days,credit_limit\n\
         C-1,三一经销,91350100M000100Y43,30,500000\n\
         C-2,徐工经销,91110000100017643X,30,1\n\
         C-3,柳工经销,,45,1.005\n",
    )
    .unwrap();
    let out = run(&["import", "customers", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("3\tuscc\t") && report.contains("check digit"),
        "{report}"
    );
    assert!(report.contains("4\tcredit_limit\t"), "{report}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was imported"));

    let good = dir.path().join("good.csv");
    std::fs::write(&good, "code,name,uscc,payment_terms_days,credit_limit\nC-1,三一经销,91350100M000100Y43,30,500000\nC-3,柳工经销,,45,1.00\n").unwrap();
    let out = run(&["import", "customers", good.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Invoices from XLSX, then payments allocated FIFO.
    let xlsx = dir.path().join("invoices.xlsx");
    let cells = |n: &str, date: &str, amount: &str| {
        use server::tabular::Cell;
        vec![
            Cell::Text(n.into()),
            Cell::Text("C-1".into()),
            Cell::Date(chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap()),
            Cell::Money(amount.parse().unwrap()),
        ]
    };
    let bytes = server::tabular::write(
        server::tabular::Format::Xlsx,
        "invoices",
        &["number", "customer_code", "invoice_date", "amount"],
        vec![
            cells("X-1", "2026-01-05", "1200.50"),
            cells("X-2", "2026-02-05", "800"),
        ],
    )
    .unwrap();
    std::fs::write(&xlsx, bytes).unwrap();
    let out = run(&["import", "invoices", xlsx.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let pay = dir.path().join("payments.csv");
    std::fs::write(
        &pay,
        "reference,customer_code,received_on,amount\nB-1,C-1,2026-03-01,1500.50\n",
    )
    .unwrap();
    assert!(run(&["import", "payments", pay.to_str().unwrap()])
        .status
        .success());

    let verify = run(&["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(String::from_utf8_lossy(&verify.stderr).contains("intact"));
    let checkpoint = run(&["audit", "checkpoint"]);
    assert!(checkpoint.status.success());
    let cp_file = dir.path().join("checkpoint.json");
    std::fs::write(&cp_file, &checkpoint.stdout).unwrap();
    let with_cp = run(&["audit", "verify", "--checkpoint", cp_file.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&with_cp.stderr);
    assert!(
        with_cp.status.success() && said.contains("matches the checkpoint"),
        "{said}"
    );

    // Someone with file access drops the guard and edits history: verify names the row.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_append_only_u")
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let verify = run(&["audit", "verify"]);
    assert!(!verify.status.success());
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("broken at row 3"),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn the_master_key_rotates_and_the_old_one_no_longer_opens_the_database() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/keys.db", dir.path().display());
    let key_file = dir.path().join("master.key");
    let with_file = |args: &[&str]| {
        bin()
            .env_remove("CREDITDESK_MASTER_KEY")
            .args(args)
            .args([
                "--database-url",
                &url,
                "--master-key-file",
                key_file.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let first = with_file(&["migrate"]);
    assert!(String::from_utf8_lossy(&first.stderr).contains("new key file"));
    let old_key = std::fs::read_to_string(&key_file).unwrap();
    let users = "--username=ops";
    let mut create = bin()
        .env_remove("CREDITDESK_MASTER_KEY")
        .args([
            "user",
            "create",
            users,
            "--role",
            "admin",
            "--database-url",
            &url,
        ])
        .args(["--master-key-file", key_file.to_str().unwrap()])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery staple\n")
        .unwrap();
    assert!(
        create.wait().unwrap().success(),
        "one audited row to re-key"
    );

    let rotated = with_file(&["keys", "rotate"]);
    let said = String::from_utf8_lossy(&rotated.stderr);
    assert!(
        rotated.status.success() && said.contains("1 audit rows re-keyed"),
        "{said}"
    );
    let new_key = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(new_key, old_key);
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!dir.path().join("master.key.new").exists());
    let verify = with_file(&["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    let old = bin()
        .env("CREDITDESK_MASTER_KEY", old_key.trim())
        .args(["audit", "verify", "--database-url", &url])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&old.stderr);
    assert!(
        !old.status.success() && said.contains("not the one this database was written with"),
        "{said}"
    );
}
