//! Bulk import from the browser: the file is uploaded (multipart), imported all or
//! nothing by a background job, and the page polls the job's phase until it ends with
//! the count imported or a row/column/message report.
//!
//! Invariants: the upload is refused before anything runs when the user may not import,
//! the kind is unknown, or the file is over `MAX_UPLOAD_BYTES`; a job is visible only
//! to the user who started it; the job itself is `server::import::import`, the same
//! code the CLI runs, so both accept and refuse exactly the same files.
use crate::domain::documents::{CustomerInput, InvoiceInput, PaymentInput};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::{MultipartData, MultipartFormData};

/// Larger than a 100k-row CSV or XLSX; a bigger file is split by the user.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Customers,
    Invoices,
    Payments,
}

impl ImportKind {
    pub const ALL: [ImportKind; 3] = [
        ImportKind::Customers,
        ImportKind::Invoices,
        ImportKind::Payments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::Invoices => "invoices",
            ImportKind::Payments => "payments",
        }
    }

    pub fn parse(s: &str) -> Result<ImportKind, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown import '{s}' (customers, invoices or payments)"))
    }

    /// The template's columns, then the required ones.
    pub fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ImportKind::Customers => (CustomerInput::COLUMNS, CustomerInput::REQUIRED),
            ImportKind::Invoices => (InvoiceInput::COLUMNS, InvoiceInput::REQUIRED),
            ImportKind::Payments => (PaymentInput::COLUMNS, PaymentInput::REQUIRED),
        }
    }
}

/// One problem in an uploaded file. `row` is the spreadsheet row (header = 1, first data
/// row = 2); 0 for file-level problems. `column` is the header name ("" when not about
/// one column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// Where a job is. `rows` is known once the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportPhase {
    Reading,
    Validating {
        rows: usize,
    },
    Writing {
        rows: usize,
    },
    Done {
        imported: usize,
    },
    /// Nothing was imported; every problem found.
    Rejected {
        errors: Vec<RowError>,
    },
    /// Our side failed (logged under this reference); nothing was imported.
    Failed {
        reference: String,
    },
}

impl ImportPhase {
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            ImportPhase::Done { .. } | ImportPhase::Rejected { .. } | ImportPhase::Failed { .. }
        )
    }

    /// Share of the work behind it, for a progress bar: reading, validating and
    /// writing are the three steps.
    pub fn percent(&self) -> u8 {
        match self {
            ImportPhase::Reading => 10,
            ImportPhase::Validating { .. } => 35,
            ImportPhase::Writing { .. } => 70,
            _ => 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportJob {
    pub id: String,
    pub kind: ImportKind,
    pub file_name: String,
    pub phase: ImportPhase,
    pub elapsed_ms: u64,
}

/// Runs imports in the background; provided by the server as context.
#[cfg(feature = "ssr")]
pub trait Importer: Send + Sync + 'static {
    /// Starts a job and returns its id; refused (`Conflict`) while another job of
    /// `actor`'s is still running: one import at a time per user.
    fn start(
        &self,
        kind: ImportKind,
        file_name: String,
        bytes: Vec<u8>,
        actor: String,
    ) -> Result<String, AppError>;
    /// The job, if it exists and `actor` started it.
    fn status(&self, id: &str, actor: &str) -> Option<ImportJob>;
}

#[cfg(feature = "ssr")]
fn importer() -> Result<std::sync::Arc<dyn Importer>, AppError> {
    use_context::<std::sync::Arc<dyn Importer>>()
        .ok_or_else(|| AppError::internal("Importer missing from context"))
}

/// Fields: `kind` (customers, invoices or payments), then `file`.
#[server(prefix = "/sfn", endpoint = "import_upload", input = MultipartFormData)]
pub async fn upload_import(data: MultipartData) -> Result<String, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ImportData)?;
    let mut form = data
        .into_inner()
        .ok_or_else(|| AppError::internal("multipart body missing"))?;
    let bad = |m: &str| AppError::Invalid(m.to_string());
    let mut kind = None;
    let mut file = None;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|_| bad("the upload is not a valid multipart form"))?
    {
        match field.name() {
            Some("kind") => {
                let text = field.text().await.map_err(|_| bad("kind: unreadable"))?;
                kind = Some(
                    ImportKind::parse(text.trim())
                        .map_err(|m| AppError::Invalid(format!("kind: {m}")))?,
                );
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|_| bad("file: the upload was interrupted"))?
                {
                    if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                        return Err(AppError::Invalid(format!(
                            "file: larger than {} MB",
                            MAX_UPLOAD_BYTES >> 20
                        )));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| bad("kind: choose what the file holds"))?;
    let (name, bytes) = file
        .filter(|(n, _)| !n.is_empty())
        .ok_or_else(|| bad("file: choose a .csv or .xlsx file"))?;
    importer()?.start(kind, name, bytes, user.username)
}

#[server(prefix = "/sfn", endpoint = "import_status")]
pub async fn import_status(id: String) -> Result<ImportJob, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ImportData)?;
    importer()?
        .status(&id, &user.username)
        .ok_or(AppError::NotFound)
}
