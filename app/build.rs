//! Generates the `i18n` module from `locales/*.json` at compile time, so that a missing
//! key or a locale without a translation is a build error, not a blank label.
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("i18n");
    // zh-CN is the default; adding a language is one JSON file plus one line here.
    // interpolate_display: strings with {{ values }} can also be rendered to plain
    // `String`s (attributes, chart labels), not only to views.
    let cfg = Config::new("zh-CN")?
        .add_locale("en")?
        .parse_options(ParseOptions::new().interpolate_display(true));
    let infos = TranslationsInfos::parse(cfg)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
