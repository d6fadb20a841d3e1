//! Files that are written into the response as they are made: CSV a page of rows at a
//! time; XLSX through a constant-memory sheet (rows go to a temporary file), then the zip
//! written into the response as it is made. Memory stays one page however large the book.
//!
//! Invariants: every source's errors before the first byte are the caller's to answer
//! (it prepares what can fail up front); an error mid-stream ends the body with an error
//! (the client sees a broken download, never a silently short file), logged with a
//! reference; a client that goes away stops the work at the next page.
use crate::tabular::{self, Cell, Format};
use app::store::Store;
use std::sync::Arc;

pub type Chunk = Result<axum::body::Bytes, std::io::Error>;

/// Rows made a page at a time, then a total row.
#[async_trait::async_trait]
pub trait PagedRows: Send + 'static {
    /// The XLSX sheet's name.
    const SHEET: &'static str;
    fn headers(&self) -> Vec<String>;
    /// The next page, or `None` when every row was given.
    async fn next_rows(&mut self, store: &dyn Store) -> Result<Option<Vec<Vec<Cell>>>, String>;
    fn total(&self) -> Vec<Cell>;
}

/// The body of a streamed `format` file of `rows`.
pub fn body(format: Format, rows: impl PagedRows, store: Arc<dyn Store>) -> axum::body::Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    match format {
        Format::Csv => {
            tokio::spawn(async move {
                if let Err(e) = csv(rows, store, &tx).await {
                    let id = app::error::AppError::internal(e);
                    let _ = tx.send(Err(std::io::Error::other(id.to_string()))).await;
                }
            });
        }
        Format::Xlsx => {
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = xlsx(rows, store, &handle, &tx) {
                    let id = app::error::AppError::internal(e);
                    let _ = tx.blocking_send(Err(std::io::Error::other(id.to_string())));
                }
            });
        }
    }
    axum::body::Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
}

async fn csv(
    mut rows: impl PagedRows,
    store: Arc<dyn Store>,
    tx: &tokio::sync::mpsc::Sender<Chunk>,
) -> Result<(), String> {
    let send = |bytes: Vec<u8>| async move {
        tx.send(Ok(bytes.into()))
            .await
            .map_err(|_| "the client went away".to_string())
    };
    send(tabular::csv_header(&rows.headers())?).await?;
    while let Some(page) = rows.next_rows(store.as_ref()).await? {
        if !page.is_empty() {
            send(tabular::csv_records(page.iter().map(Vec::as_slice))?).await?;
        }
    }
    send(tabular::csv_records([rows.total().as_slice()])?).await
}

/// Writes into the response as the zip is made (`save_to_writer` needs no seeking).
struct ChunkWriter<'a>(&'a tokio::sync::mpsc::Sender<Chunk>);

impl std::io::Write for ChunkWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(axum::body::Bytes::copy_from_slice(buf)))
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
            })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn xlsx<R: PagedRows>(
    mut rows: R,
    store: Arc<dyn Store>,
    handle: &tokio::runtime::Handle,
    tx: &tokio::sync::mpsc::Sender<Chunk>,
) -> Result<(), String> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let ws = workbook
        .new_worksheet_with_constant_memory()
        .map_err(|e| e.to_string())?;
    let mut sheet = tabular::XlsxSheet::new(ws, R::SHEET, rows.headers())?;
    while let Some(page) = handle.block_on(rows.next_rows(store.as_ref()))? {
        for row in page {
            sheet.push(&row)?;
        }
    }
    sheet.push(&rows.total())?;
    workbook.push_worksheet(sheet.finish()?);
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, ChunkWriter(tx));
    workbook
        .save_to_writer(&mut out)
        .map_err(|e| e.to_string())?;
    std::io::Write::flush(&mut out).map_err(|e| e.to_string())
}
