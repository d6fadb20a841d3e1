//! Keeps the linker from merging all read-only data into one segment when building the
//! WASM, so `wasm-split` can move each lazy chunk's strings and tables into that chunk
//! (cargo-leptos#679: in release builds every string otherwise stays in the main file).
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a.starts_with("wasm")) {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
