# CreditDesk — two commands for a new user:
#   make run    set up the toolchain if needed, build, migrate, seed demo data on first
#               start, serve on http://127.0.0.1:3000
#   make test   set up if needed, then every test (unit, property, server on SQLite and
#               PostgreSQL, Playwright in headless Chromium)
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

# Written by .ci/setup.sh only when the Debian fallback toolchain is in use.
-include .ci/toolchain.env

TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
DATABASE_URL ?= sqlite://data/creditdesk.db
CREDITDESK_BIND ?= 127.0.0.1:3000
TEST_DATABASE_URL ?= postgres://creditdesk:creditdesk@127.0.0.1:5432/creditdesk
export DATABASE_URL CREDITDESK_BIND

.PHONY: run test setup setup-test build-release serve lint test-rust test-e2e bench bench-web
.DEFAULT_GOAL := run

run: setup
	@$(MAKE) --no-print-directory build-release serve

test: setup-test
	@$(MAKE) --no-print-directory lint test-rust test-e2e
	@echo "make test: all suites passed"

setup:
	@bash .ci/setup.sh build

setup-test:
	@bash .ci/setup.sh test

# The phone's client: split into lazily loaded chunks per route group, with
# content-hashed names, precompressed (.br, .gz) for the server to send as they are.
build-release:
	cargo leptos build --release --split --precompress

serve:
	@echo "Demo logins (password demo1234): admin, chen.jie (executive), liu.fang (finance),"
	@echo "  zhou.min (credit manager), sun.hao (sales manager), li.na / wang.qiang / zhao.lei (sales reps)"
	$(TARGET_DIR)/release/creditdesk serve --seed-demo-if-empty --site-root target/site

# Format and lints, warnings as errors: the server's build (app with ssr, every test and
# bench) and the browser's (app with hydrate, for wasm32).
lint:
	cargo fmt --all --check
	cargo clippy -p app -p server --features app/ssr --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# Unit and property tests of the domain and UI helpers, then the server's integration
# tests: SQLite always, PostgreSQL through TEST_DATABASE_URL; each server test binary
# under a time limit (see server/run-tests.sh).
test-rust:
	cargo test -p app --features ssr
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) server/run-tests.sh

# The browser tests run on the build users get (split, hashed, precompressed): the
# offline pages must work from lazily loaded chunks, and routes.spec.ts holds every
# route's first load to its brotli byte budget (CREDITDESK_BUDGETS=1: no skipping).
test-e2e: build-release
	cd end2end && CREDITDESK_BUDGETS=1 CREDITDESK_BIN=$(TARGET_DIR)/release/creditdesk npx playwright test

# Benchmarks, not tests (nothing asserts a time): ledger reads, imports and credit-check
# latency under load with oha, on 50,000 customers / 1,000,000 invoices generated once
# into target/bench/ (about 10 minutes the first time). BENCH_CUSTOMERS/BENCH_INVOICES resize.
bench:
	@command -v oha >/dev/null || cargo install oha --locked
	@python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb
	cargo bench -p server

# Benchmark, not a test (nothing asserts): Lighthouse 12's mobile preset on /login, /
# (chen.jie), /tasks (li.na) and /approvals (zhou.min) on the release build with fresh
# demo data, then the client's brotli sizes. Raw reports in target/bench-web/.
bench-web: setup-test
	@$(MAKE) --no-print-directory build-release
	CREDITDESK_BIN=$(TARGET_DIR)/release/creditdesk node end2end/bench/bench-web.mjs
