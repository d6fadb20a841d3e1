#!/usr/bin/env bash
# CreditDesk toolchain set-up. Called by `make run` and `make test`; safe to run again:
# every step checks first and does nothing when its tool is already there.
#
#   .ci/setup.sh build   # what `make run` needs: a Rust with a wasm32 std, cargo-leptos,
#                        # wasm-bindgen-cli (same version as the crate), wasm-opt
#   .ci/setup.sh test    # the above, plus Chromium, PostgreSQL and Playwright
#
# Two ways to get a wasm32 std, detected in this order:
#   1. `rustup target add wasm32-unknown-unknown` (any laptop, and this machine kind);
#   2. Debian's rustc-web + rust-web-src, with std built once for wasm32 into a linked
#      rustup toolchain `creditdesk-wasm` (networks that block rustup's downloads).
#      In that case the script writes .ci/toolchain.env, which the Makefile sources.
set -euo pipefail

MODE=${1:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CARGO_LEPTOS_VERSION=0.3.11
BINARYEN_NPM_VERSION=132.0.0
WASM_TC_NAME=creditdesk-wasm
WASM_TC_DIR=${WASM_TC_DIR:-$HOME/.local/share/creditdesk-wasm-toolchain}
NPM_TOOLS_DIR=${NPM_TOOLS_DIR:-$HOME/.local/share/creditdesk-npm-tools}
BIN_DIR="$HOME/.cargo/bin"
export PATH="$BIN_DIR:$PATH"
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

# The wasm-bindgen CLI must be exactly the version the workspace pins with `=`.
WASM_BINDGEN_VERSION=$(sed -nE 's/^wasm-bindgen *= *\{? *(version *= *)?"=([0-9.]+)".*/\2/p' "$ROOT/Cargo.toml" | head -1)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: Cargo.toml must pin wasm-bindgen with \"=x.y.z\"" >&2; exit 1; }

log() { printf '==> setup: %s\n' "$*"; }
minor() { sed -E 's/^rustc 1\.([0-9]+).*/\1/'; }

APT_UPDATED=0
apt_install() { # installs the Debian packages that are not installed yet
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $APT_UPDATED = 0 ]; then log "apt-get update"; $SUDO apt-get update -q >/dev/null; APT_UPDATED=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

has_wasm_std() { # $1 = rustup toolchain
  local d
  d=$(rustc +"$1" --print target-libdir --target wasm32-unknown-unknown 2>/dev/null) || return 1
  compgen -G "$d/libstd-*.rlib" >/dev/null
}

# ---------------------------------------------------------------------------------
# 1. A Rust with a wasm32 std
# ---------------------------------------------------------------------------------
rm -f "$ROOT/.ci/toolchain.env"
TC=""
if [ "${CREDITDESK_FORCE_DEBIAN_TOOLCHAIN:-0}" != 1 ]; then
  if has_wasm_std stable; then
    TC=stable
  else
    log "rustup target add wasm32-unknown-unknown"
    if rustup target add --toolchain stable wasm32-unknown-unknown && has_wasm_std stable; then TC=stable; fi
  fi
fi
if [ -z "$TC" ]; then
  log "rustup could not add wasm32: using Debian's rustc-web with a wasm32 std built once"
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
  STAMP=$(/usr/bin/rustc -vV | sha256sum | cut -c1-16)
  if [ "$(cat "$WASM_TC_DIR/.stamp" 2>/dev/null)" != "$STAMP" ]; then
    log "building the wasm32 std from rust-web-src (about 2 min)"
    B=$(mktemp -d); mkdir -p "$B/src"; echo '#![no_std]' > "$B/src/lib.rs"
    cat > "$B/Cargo.toml" <<'TOML'
[package]
name = "stdbuild"
version = "0.0.0"
edition = "2021"
[lib]
crate-type = ["rlib"]
[profile.release]
codegen-units = 1
panic = "abort"
TOML
    # embed-bitcode: the wasm profile uses lto = true, which needs bitcode in std.
    (cd "$B" && env -u RUSTUP_TOOLCHAIN RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes \
      /usr/bin/cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
    rm -rf "$WASM_TC_DIR"
    mkdir -p "$WASM_TC_DIR/bin" "$WASM_TC_DIR/lib/rustlib/wasm32-unknown-unknown/lib"
    for f in "$B"/target/wasm32-unknown-unknown/release/deps/*.rlib; do
      case "$(basename "$f")" in libstdbuild-*) ;; *) cp "$f" "$WASM_TC_DIR/lib/rustlib/wasm32-unknown-unknown/lib/" ;; esac
    done
    for d in x86_64-unknown-linux-gnu src etc; do ln -s "/usr/lib/rustlib/$d" "$WASM_TC_DIR/lib/rustlib/$d"; done
    for t in rustc rustdoc; do
      printf '#!/bin/sh\nexec /usr/bin/%s --sysroot=%s "$@"\n' "$t" "$WASM_TC_DIR" > "$WASM_TC_DIR/bin/$t"
      chmod +x "$WASM_TC_DIR/bin/$t"
    done
    ln -s /usr/bin/cargo "$WASM_TC_DIR/bin/cargo"
    echo "$STAMP" > "$WASM_TC_DIR/.stamp"
    rm -rf "$B"
  fi
  rustup toolchain link "$WASM_TC_NAME" "$WASM_TC_DIR"
  has_wasm_std "$WASM_TC_NAME" || { echo "setup: no wasm32 std in $WASM_TC_DIR" >&2; exit 1; }
  TC=$WASM_TC_NAME
  echo "export RUSTUP_TOOLCHAIN=$WASM_TC_NAME" > "$ROOT/.ci/toolchain.env"
fi

# cargo-leptos 0.3.11 --locked needs rustc >= 1.96; use Debian's rustc-web when rustup's is older.
INSTALL_TC=$TC
need_new_rustc() { [ "$(rustc +"$INSTALL_TC" -V | minor)" -lt 96 ]; }

# ---------------------------------------------------------------------------------
# 2. cargo-leptos, built with no_downloads so it uses the tools on PATH
# ---------------------------------------------------------------------------------
if ! cargo-leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION"; then
  if need_new_rustc; then
    apt_install rustc-web cargo-web
    rustup toolchain list | grep -q '^creditdesk-rustc-web' || rustup toolchain link creditdesk-rustc-web /usr
    INSTALL_TC=creditdesk-rustc-web
  fi
  log "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (once per machine; about 25 min on 2 cores)"
  cargo +"$INSTALL_TC" install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

# ---------------------------------------------------------------------------------
# 3. wasm-bindgen-cli, exactly the crate's version (no --locked: its lockfile pins a
#    webpki-roots release that the registry mirror here lacks)
# ---------------------------------------------------------------------------------
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (once per machine; about 10 min)"
  cargo +"$TC" install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# ---------------------------------------------------------------------------------
# 4. wasm-opt from npm's binaryen (Debian's 108 silently produces broken modules)
# ---------------------------------------------------------------------------------
if ! "$BIN_DIR/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_NPM_VERSION%%.*}"; then
  log "npm install binaryen@$BINARYEN_NPM_VERSION (wasm-opt)"
  mkdir -p "$NPM_TOOLS_DIR"
  npm install -s --prefix "$NPM_TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_NPM_VERSION"
  ln -sf "$NPM_TOOLS_DIR/node_modules/.bin/wasm-opt" "$BIN_DIR/wasm-opt"
fi

# ---------------------------------------------------------------------------------
# 5. Test-only: Chromium, PostgreSQL (started, with a test role) and Playwright
# ---------------------------------------------------------------------------------
if [ "$MODE" = test ]; then
  # `make lint`: rustfmt and clippy for the toolchain in use (rustup's components, or
  # Debian's packages beside its rustc).
  if ! cargo +"$TC" clippy --version >/dev/null 2>&1 || ! cargo +"$TC" fmt --version >/dev/null 2>&1; then
    log "adding rustfmt and clippy"
    if [ "$TC" = stable ]; then rustup component add --toolchain stable clippy rustfmt; else apt_install rust-clippy rustfmt; fi
  fi
  # fonts-noto-cjk: without a CJK font, Chromium draws Chinese as boxes in screenshots.
  apt_install chromium postgresql fonts-noto-cjk
  # python3-aiosmtpd: the real SMTP server the notification tests deliver to
  # (server/tests/common/sinks.rs runs it with Debian's /usr/bin/python3).
  apt_install python3-aiosmtpd
  PGVER=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $4}' | grep -q online; then
    pg_lsclusters -h | grep -q . || $SUDO pg_createcluster "$PGVER" main >/dev/null
    log "starting PostgreSQL $PGVER"
    $SUDO pg_ctlcluster "$PGVER" main start
  fi
  # A superuser role for the tests: each test creates and drops its own database.
  if ! as_postgres psql -tAc "select 1 from pg_roles where rolname='creditdesk'" | grep -q 1; then
    log "creating PostgreSQL role creditdesk"
    as_postgres psql -q -c "create role creditdesk login superuser password 'creditdesk'"
    as_postgres psql -q -c "create database creditdesk owner creditdesk"
  fi
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ]; then
    log "npm ci in end2end/ (Playwright, using Debian's Chromium)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci -s --no-audit --no-fund)
  fi
fi

log "ready: $(rustc +"$TC" -V), $(cargo-leptos --version), $(wasm-bindgen --version), $(wasm-opt --version | head -1)"
