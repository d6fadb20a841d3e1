//! The benchmarks' data set: `server::seed::generate` (what `creditdesk generate` runs)
//! into a SQLite file under `target/bench/`, made once per size and copied for every
//! run, so each run starts from the same ledger and a 1M-invoice set is generated once.
#![allow(dead_code)]
use chrono::NaiveDate;
use server::seed::{generate, GenerateParams};
use server::store::DatabaseUrl;
use server::vault::MasterKey;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The generator's "today": invoices span the 18 months before it.
pub fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
    println!(
        "{name:<48} median {:>9.2} ms   p95 {:>9.2} ms   (n={})",
        ms(median),
        ms(p95),
        samples.len()
    );
}

fn bench_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bench")
}

/// A fresh copy of the generated data set of `customers` × `invoices`, at `work`
/// ("<name>.db" under target/bench), generating the original first if needed.
pub async fn data_set(customers: usize, invoices: usize, work: &str) -> DatabaseUrl {
    let base = generated(customers, invoices, 0).await;
    let copy = bench_dir().join(format!("{work}.db"));
    for f in [copy.clone(), wal(&copy), copy.with_extension("db-shm")] {
        let _ = std::fs::remove_file(f);
    }
    std::fs::copy(&base, &copy).unwrap();
    if wal(&base).exists() {
        std::fs::copy(wal(&base), wal(&copy)).unwrap();
    }
    url(&copy)
}

/// The generated data set itself, for read-only benchmarks on sets too large to copy
/// (its migrations are applied in place when it is opened).
pub async fn generated_in_place(
    customers: usize,
    invoices: usize,
    unpaid_percent: u8,
) -> DatabaseUrl {
    url(&generated(customers, invoices, unpaid_percent).await)
}

/// The path of the generated data set, generating it first if it is missing. `creditdesk
/// generate --seed 1 --anchor 2026-06-30` with the same sizes writes the same file.
async fn generated(customers: usize, invoices: usize, unpaid_percent: u8) -> PathBuf {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let name = match unpaid_percent {
        0 => format!("generated-{customers}x{invoices}.db"),
        u => format!("generated-{customers}x{invoices}-unpaid{u}.db"),
    };
    let base = dir.join(name);
    let done = base.with_extension("done");
    if !done.exists() {
        for f in [base.clone(), wal(&base)] {
            let _ = std::fs::remove_file(f);
        }
        let store = open(&url(&base)).await;
        let started = Instant::now();
        let params = GenerateParams {
            customers,
            invoices,
            seed: 1,
            anchor: anchor(),
            unpaid_percent,
        };
        let made = generate(store.as_ref(), params, chrono::Utc::now(), &mut |step| {
            eprintln!(
                "  generate: {step} ({:.0} s)",
                started.elapsed().as_secs_f64()
            )
        })
        .await
        .unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "generate {} customers, {} invoices, {} payments: {secs:.1} s ({:.0} invoices/s incl. payments)",
            made.customers,
            made.invoices,
            made.payments,
            made.invoices as f64 / secs
        );
        drop(store);
        std::fs::write(&done, format!("{secs:.1} s\n")).unwrap();
    } else {
        println!(
            "data set {} (generated earlier in {})",
            base.display(),
            std::fs::read_to_string(&done).unwrap_or_default().trim()
        );
    }
    base
}

fn wal(db: &Path) -> PathBuf {
    db.with_extension("db-wal")
}

fn url(db: &Path) -> DatabaseUrl {
    DatabaseUrl::parse(&format!("sqlite://{}", db.display())).unwrap()
}

/// Opens a benchmark database under the benchmarks' fixed master key.
pub async fn open(url: &DatabaseUrl) -> std::sync::Arc<dyn app::store::Store> {
    server::store::connect(url, &MasterKey::from_bytes([0xbe; 32]))
        .await
        .unwrap()
}
