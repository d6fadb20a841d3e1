//! The browser entry point: hydrate the server-rendered page. Nothing else lives here;
//! the client's behaviour is in `app` compiled with the `hydrate` feature.
//!
//! `hydrate_lazy` first fetches the chunks of the lazy routes the page shows (see
//! `app::ui::routes`), then hydrates; without `--split` it behaves as `hydrate_body`.
// Release builds monomorphise the whole view tree here; leptos' nested view types
// exceed the default query depth.
#![recursion_limit = "512"]
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
