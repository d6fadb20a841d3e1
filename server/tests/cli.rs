//! The `creditdesk` binary as an operator uses it: clear one-line errors for bad
//! configuration, users created with a password from stdin, API keys shown once.
use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_creditdesk"))
}

fn fails_with(args: &[&str], env: &[(&str, &str)], needle: &str) {
    let out = bin().args(args).envs(env.iter().copied()).env_remove("DATABASE_URL").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn bad_configuration_is_one_clear_line() {
    fails_with(&["serve", "--bind", "nonsense"], &[], "CREDITDESK_BIND: 'nonsense'");
    fails_with(&["serve"], &[("CREDITDESK_BIND", "300.1.1.1:1")], "CREDITDESK_BIND");
    fails_with(&["migrate", "--database-url", "mysql://x/y"], &[], "unsupported scheme 'mysql'");
    fails_with(&["serve", "--secure-cookies", "maybe"], &[], "CREDITDESK_SECURE_COOKIES");
    fails_with(&["migrate", "--database-url", "postgres://nobody@127.0.0.1:1/x"], &[], "cannot connect to PostgreSQL");
}

#[test]
fn users_and_api_keys_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db", dir.path().display());
    let status = bin().args(["migrate", "--database-url", &url]).status().unwrap();
    assert!(status.success());

    let create = |password: &str| {
        let mut child = bin()
            .args(["user", "create", "--database-url", &url, "--username", "Wang.Fang", "--role", "finance"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let short = create("short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8"));
    let ok = create("a long enough password\n");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stderr).contains("created user wang.fang"));
    let again = create("a long enough password\n");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let bad_role = bin().args(["user", "create", "--database-url", &url, "--username", "x.y", "--role", "root"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role 'root'"));

    let key = bin().args(["api-key", "create", "--database-url", &url, "--name", "erp"]).output().unwrap();
    assert!(key.status.success());
    let secret = String::from_utf8(key.stdout).unwrap();
    assert!(secret.trim().starts_with("cdk_") && secret.trim().len() == 68, "{secret}");
    let dup = bin().args(["api-key", "create", "--database-url", &url, "--name", "erp"]).output().unwrap();
    assert!(!dup.status.success());
}
