//! The browser entry point: hydrate the server-rendered page. Nothing else lives here;
//! the client's behaviour is in `app` compiled with the `hydrate` feature.
//!
//! The page's route-group chunk is fetched first (`app::ui::preload_page`; see
//! `app::ui::routes`), then the page hydrates in one synchronous pass (`hydrate_body`):
//! the patched `tachys` keeps no async hydration path. Without `--split` the preload is
//! immediate.
// Release builds monomorphise the whole view tree here; leptos' nested view types
// exceed the default query depth.
#![recursion_limit = "512"]
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        app::ui::preload_page().await;
        leptos::mount::hydrate_body(app::App);
    });
}
