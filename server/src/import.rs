//! Importing customers, invoices and payments from CSV or XLSX, all or nothing.
//!
//! Invariants: the whole file is read and every row parsed and resolved before anything
//! is written; then it is written in one store transaction (with its audit rows). So a
//! file with one bad row imports nothing and yields a report naming every bad row and
//! column; a crash mid-import leaves the database as it was. Row numbers are the
//! spreadsheet's (header = 1).
use crate::tabular::{self, Cell, Format, RowError};
use app::domain::documents::{CustomerInput, FieldError, InvoiceInput, PaymentInput};
use app::ledger::{self, LedgerError};
use app::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Customers,
    Invoices,
    Payments,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind, String> {
        match s {
            "customers" => Ok(Kind::Customers),
            "invoices" => Ok(Kind::Invoices),
            "payments" => Ok(Kind::Payments),
            other => Err(format!("unknown import '{other}' (customers, invoices or payments)")),
        }
    }

    pub fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Kind::Customers => (CustomerInput::COLUMNS, CustomerInput::REQUIRED),
            Kind::Invoices => (InvoiceInput::COLUMNS, InvoiceInput::REQUIRED),
            Kind::Payments => (PaymentInput::COLUMNS, PaymentInput::REQUIRED),
        }
    }
}

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
    RowError { row, column: f.field, message: f.message }
}

/// Reads and parses every row; the drafts with their spreadsheet row numbers.
fn drafts<T: DeserializeOwned, D>(
    kind: Kind,
    format: Format,
    bytes: &[u8],
    parse: impl Fn(&T) -> Result<D, Vec<FieldError>>,
) -> Result<(Vec<usize>, Vec<D>), ImportError> {
    let (columns, required) = kind.columns();
    let rows = tabular::read_rows::<T>(format, bytes, columns, required).map_err(ImportError::Report)?;
    if rows.is_empty() {
        return Err(ImportError::Report(vec![RowError { row: 0, column: String::new(), message: "the file has no data rows".into() }]));
    }
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
        LedgerError::Invalid(list) => {
            ImportError::Report(list.into_iter().map(|(i, f)| row_error(rows.get(i).copied().unwrap_or(0), f)).collect())
        }
        LedgerError::Store(StoreError::Rejected(f)) => ImportError::Report(vec![row_error(0, f)]),
        LedgerError::Store(StoreError::Conflict(m)) => {
            ImportError::Report(vec![RowError { row: 0, column: String::new(), message: m }])
        }
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
    let format = Format::from_file_name(file_name)
        .map_err(|m| ImportError::Report(vec![RowError { row: 0, column: String::new(), message: m }]))?;
    match kind {
        Kind::Customers => {
            let (rows, drafts) = drafts(kind, format, bytes, CustomerInput::parse)?;
            let new = ledger::resolve_customers(store, &drafts).await.map_err(|e| failed(&rows, e))?;
            store.insert_customers(&new, actor, now).await.map_err(|e| failed(&rows, e.into()))?;
            Ok(new.len())
        }
        Kind::Invoices => {
            let (rows, drafts) = drafts(kind, format, bytes, InvoiceInput::parse)?;
            let new = ledger::resolve_invoices(store, &drafts).await.map_err(|e| failed(&rows, e))?;
            store.insert_invoices(&new, actor, now).await.map_err(|e| failed(&rows, e.into()))?;
            Ok(new.len())
        }
        Kind::Payments => {
            let (rows, drafts) = drafts(kind, format, bytes, PaymentInput::parse)?;
            let new = ledger::resolve_payments(store, &drafts).await.map_err(|e| failed(&rows, e))?;
            store.insert_payments(&new, actor, now).await.map_err(|e| failed(&rows, e.into()))?;
            Ok(new.len())
        }
    }
}

/// An empty file with the kind's header row, in the format of `file_name`.
pub fn template(kind: Kind, file_name: &str) -> Result<Vec<u8>, String> {
    let format = Format::from_file_name(file_name)?;
    let (columns, _) = kind.columns();
    tabular::write(format, "import", columns, std::iter::empty::<Vec<Cell>>())
}
