//! How responses travel, over a real server: the client's files go out precompressed
//! (the `.br` beside the file, as a browser that accepts brotli gets it), pages and
//! server-function JSON are compressed on the fly, and nothing that failed is cached.
mod common;

use app::domain::auth::Role;
use common::{add_user, spawn_app_at};

const BROTLI: &[u8] = b"precompressed by the release build";

/// A site root with one client file and its precompressed sibling.
fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("app.js"),
        "console.log('the plain file');\n".repeat(40),
    )
    .unwrap();
    std::fs::write(pkg.join("app.js.br"), BROTLI).unwrap();
    site
}

#[tokio::test]
async fn client_files_go_out_precompressed_and_revalidated_when_unhashed() {
    let site = site();
    let app = spawn_app_at(site.path().to_str().unwrap()).await;
    let client = app.client();

    let br = client
        .get(app.url("/pkg/app.js"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    // The test binary has no hash.txt beside it: names are not content hashes.
    assert_eq!(br.headers()["cache-control"], "no-cache");
    assert_eq!(br.bytes().await.unwrap().as_ref(), BROTLI);

    let plain = client.get(app.url("/pkg/app.js")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().starts_with("console.log"));

    let missing = client
        .get(app.url("/pkg/missing.wasm"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers().get("cache-control").is_none(),
        "a 404 must not be cached"
    );
}

#[tokio::test]
async fn pages_and_server_function_json_are_compressed() {
    let site = site();
    let app = spawn_app_at(site.path().to_str().unwrap()).await;
    let client = app.client();

    let page = client
        .get(app.url("/login"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-encoding"], "gzip");

    add_user(app.store.as_ref(), "fin.a", Role::Finance, "password-a").await;
    assert!(app
        .login(&client, "fin.a", "password-a")
        .await
        .status()
        .is_success());
    let json = client
        .post(app.url("/sfn/current_user"))
        .header("Origin", &app.addr)
        .header("Accept", "application/json")
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 200);
    assert_eq!(json.headers()["content-encoding"], "br");

    let unencoded = client
        .post(app.url("/sfn/current_user"))
        .header("Origin", &app.addr)
        .send()
        .await
        .unwrap();
    assert!(unencoded.headers().get("content-encoding").is_none());
    assert!(unencoded.text().await.unwrap().contains("fin.a"));
}
