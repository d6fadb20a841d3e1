//! Importing customers, invoices and payments from CSV or XLSX, all or nothing.
//!
//! Invariants: the whole file is read and every row parsed and resolved before anything
//! is written; then it is written in one store transaction (with its audit rows). So a
//! file with one bad row imports nothing and yields a report naming every bad row and
//! column; a crash mid-import leaves the database as it was. Row numbers are the
//! spreadsheet's (header = 1).
use crate::tabular::{self, Cell, Format, RowError};
use app::api::import::{ImportJob, ImportPhase, Importer};
use app::domain::documents::{CustomerInput, FieldError, InvoiceInput, PaymentInput};
use app::error::AppError;
use app::ledger::{self, LedgerError};
use app::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

pub use app::api::import::ImportKind as Kind;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file was refused; nothing was written.
    #[error("the file has {} problem(s); nothing was imported", .0.len())]
    Report(Vec<RowError>),
    /// Our side failed (logged); nothing was written.
    #[error("import failed: {0}")]
    Failed(String),
}

fn row_error(row: usize, f: FieldError) -> RowError {
    RowError {
        row,
        column: f.field,
        message: f.message,
    }
}

/// Reads and parses every row; the drafts with their spreadsheet row numbers.
fn drafts<T: DeserializeOwned, D>(
    kind: Kind,
    format: Format,
    bytes: &[u8],
    parse: impl Fn(&T) -> Result<D, Vec<FieldError>>,
    progress: &(dyn Fn(ImportPhase) + Sync),
) -> Result<(Vec<usize>, Vec<D>), ImportError> {
    let (columns, required) = kind.columns();
    let rows =
        tabular::read_rows::<T>(format, bytes, columns, required).map_err(ImportError::Report)?;
    if rows.is_empty() {
        return Err(ImportError::Report(vec![RowError {
            row: 0,
            column: String::new(),
            message: "the file has no data rows".into(),
        }]));
    }
    progress(ImportPhase::Validating { rows: rows.len() });
    let mut errors = Vec::new();
    let mut numbers = Vec::with_capacity(rows.len());
    let mut out = Vec::with_capacity(rows.len());
    for (row, input) in &rows {
        match parse(input) {
            Ok(d) => {
                numbers.push(*row);
                out.push(d);
            }
            Err(list) => errors.extend(list.into_iter().map(|f| row_error(*row, f))),
        }
    }
    if errors.is_empty() {
        Ok((numbers, out))
    } else {
        Err(ImportError::Report(errors))
    }
}

/// Maps a resolution or store failure onto the rows it concerns.
fn failed(rows: &[usize], e: LedgerError) -> ImportError {
    match e {
        LedgerError::Invalid(list) => ImportError::Report(
            list.into_iter()
                .map(|(i, f)| row_error(rows.get(i).copied().unwrap_or(0), f))
                .collect(),
        ),
        LedgerError::Store(StoreError::Rejected(f)) => ImportError::Report(vec![row_error(0, f)]),
        LedgerError::Store(StoreError::Conflict(m)) => ImportError::Report(vec![RowError {
            row: 0,
            column: String::new(),
            message: m,
        }]),
        LedgerError::Store(e) => ImportError::Failed(e.to_string()),
    }
}

/// Imports one file; returns how many documents were written.
pub async fn import(
    store: &dyn Store,
    kind: Kind,
    file_name: &str,
    bytes: &[u8],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<usize, ImportError> {
    import_reporting(store, kind, file_name, bytes, actor, now, &|_| {}).await
}

/// `import`, telling `progress` each phase as it starts.
pub async fn import_reporting(
    store: &dyn Store,
    kind: Kind,
    file_name: &str,
    bytes: &[u8],
    actor: &str,
    now: DateTime<Utc>,
    progress: &(dyn Fn(ImportPhase) + Sync),
) -> Result<usize, ImportError> {
    let format = Format::from_file_name(file_name).map_err(|m| {
        ImportError::Report(vec![RowError {
            row: 0,
            column: String::new(),
            message: m,
        }])
    })?;
    let writing = |rows: &[usize]| progress(ImportPhase::Writing { rows: rows.len() });
    match kind {
        Kind::Customers => {
            let (rows, drafts) = drafts(kind, format, bytes, CustomerInput::parse, progress)?;
            let new = ledger::resolve_customers(store, &drafts)
                .await
                .map_err(|e| failed(&rows, e))?;
            writing(&rows);
            store
                .insert_customers(&new, actor, now)
                .await
                .map_err(|e| failed(&rows, e.into()))?;
            Ok(new.len())
        }
        Kind::Invoices => {
            let (rows, drafts) = drafts(kind, format, bytes, InvoiceInput::parse, progress)?;
            let new = ledger::resolve_invoices(store, &drafts)
                .await
                .map_err(|e| failed(&rows, e))?;
            writing(&rows);
            store
                .insert_invoices(&new, actor, now)
                .await
                .map_err(|e| failed(&rows, e.into()))?;
            Ok(new.len())
        }
        Kind::Payments => {
            let (rows, drafts) = drafts(kind, format, bytes, PaymentInput::parse, progress)?;
            let new = ledger::resolve_payments(store, &drafts)
                .await
                .map_err(|e| failed(&rows, e))?;
            writing(&rows);
            store
                .insert_payments(&new, actor, now)
                .await
                .map_err(|e| failed(&rows, e.into()))?;
            Ok(new.len())
        }
    }
}

/// Jobs kept for their owners to read the outcome; the oldest finished ones are
/// dropped beyond this.
const KEEP_JOBS: usize = 200;

struct Job {
    owner: String,
    started: std::time::Instant,
    finished: Option<std::time::Duration>,
    view: ImportJob,
}

/// The server's `Importer`: each upload runs on its own task, one phase at a time
/// visible to its owner. Jobs live in memory: a restart forgets them, and since an
/// import is one transaction, an unfinished one has then written nothing.
pub struct Jobs {
    store: std::sync::Arc<dyn Store>,
    clock: std::sync::Arc<dyn app::api::Clock>,
    jobs: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Job>>>,
}

impl Jobs {
    pub fn new(
        store: std::sync::Arc<dyn Store>,
        clock: std::sync::Arc<dyn app::api::Clock>,
    ) -> Self {
        Jobs {
            store,
            clock,
            jobs: Default::default(),
        }
    }
}

fn set_phase(
    jobs: &std::sync::Mutex<std::collections::HashMap<String, Job>>,
    id: &str,
    phase: ImportPhase,
) {
    let mut map = jobs.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(job) = map.get_mut(id) {
        if phase.is_finished() {
            job.finished = Some(job.started.elapsed());
        }
        job.view.phase = phase;
    }
}

impl Importer for Jobs {
    fn start(
        &self,
        kind: Kind,
        file_name: String,
        bytes: Vec<u8>,
        actor: String,
    ) -> Result<String, AppError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        {
            let mut map = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            if map
                .values()
                .any(|j| j.owner == actor && j.finished.is_none())
            {
                return Err(AppError::Conflict(
                    "file: your previous import is still running; wait for it to finish".into(),
                ));
            }
            if map.len() >= KEEP_JOBS {
                let mut done: Vec<_> = map
                    .iter()
                    .filter(|(_, j)| j.finished.is_some())
                    .map(|(k, j)| (j.started, k.clone()))
                    .collect();
                done.sort();
                for (_, k) in done.into_iter().take(map.len() + 1 - KEEP_JOBS) {
                    map.remove(&k);
                }
            }
            let view = ImportJob {
                id: id.clone(),
                kind,
                file_name: file_name.clone(),
                phase: ImportPhase::Reading,
                elapsed_ms: 0,
            };
            map.insert(
                id.clone(),
                Job {
                    owner: actor.clone(),
                    started: std::time::Instant::now(),
                    finished: None,
                    view,
                },
            );
        }
        let (store, jobs, now, job_id) = (
            self.store.clone(),
            self.jobs.clone(),
            self.clock.now(),
            id.clone(),
        );
        tokio::spawn(async move {
            let progress = |phase: ImportPhase| set_phase(&jobs, &job_id, phase);
            let result = import_reporting(
                store.as_ref(),
                kind,
                &file_name,
                &bytes,
                &actor,
                now,
                &progress,
            )
            .await;
            let end = match result {
                Ok(imported) => {
                    tracing::info!(%actor, file = %file_name, imported, "import done");
                    ImportPhase::Done { imported }
                }
                Err(ImportError::Report(errors)) => ImportPhase::Rejected { errors },
                Err(ImportError::Failed(detail)) => {
                    let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
                    tracing::error!(correlation_id = %reference, %actor, file = %file_name, "import failed: {detail}");
                    ImportPhase::Failed { reference }
                }
            };
            set_phase(&jobs, &job_id, end);
        });
        Ok(id)
    }

    fn status(&self, id: &str, actor: &str) -> Option<ImportJob> {
        let map = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let job = map.get(id).filter(|j| j.owner == actor)?;
        let mut view = job.view.clone();
        view.elapsed_ms = job
            .finished
            .unwrap_or_else(|| job.started.elapsed())
            .as_millis() as u64;
        Some(view)
    }
}

/// An empty file with the kind's header row, in the format of `file_name`.
pub fn template(kind: Kind, file_name: &str) -> Result<Vec<u8>, String> {
    let format = Format::from_file_name(file_name)?;
    let (columns, _) = kind.columns();
    tabular::write(format, "import", columns, std::iter::empty::<Vec<Cell>>())
}
