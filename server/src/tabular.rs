//! Spreadsheet uploads and downloads: reading CSV/XLSX files into typed rows, and writing
//! CSV/XLSX files from rows of cells.
//!
//! Invariants, and why:
//! - **A file is parsed fully before anything is returned.** An upload is all or nothing: the
//!   caller gets every row or none, so it never imports half a file.
//! - **All problems are reported at once** (up to [`MAX_ERRORS`]), never just the first, so a
//!   user fixes the file in one round instead of one error per upload.
//! - **Errors name row and column as the user sees them in Excel.** `row` is the spreadsheet
//!   row number: the header is the first non-empty row, which in a normal file is row 1, so the
//!   first data row is 2; empty rows are skipped but still counted, and a CSV record spanning
//!   several lines (a quoted line break) is one row. Row 0 means a problem with the whole file.
//!   `column` is the header name ("" when the problem is not about one column).
//! - **The header is strict.** Header names are trimmed and matched case-insensitively against
//!   the accepted list; an unknown, duplicate or missing required column is an error on row 1,
//!   and no data row is looked at until the header is right (otherwise every row would repeat
//!   the same complaint).
//! - **Cells reach `T` as text.** Cells are trimmed; an empty cell is an absent value (so an
//!   `Option<_>` field becomes `None`). `T` does its own parsing and validation, the same way it
//!   does for a JSON body (`#[serde(deny_unknown_fields)]` behaves identically). XLSX numbers are
//!   given as Excel would display them with 15 significant digits, without binary noise
//!   (`30`, not `30.0`; `0.3`, not `0.30000000000000004`); a money cell `1234.50` therefore reads
//!   back as `1234.5`. XLSX dates and date-times are given as `YYYY-MM-DD` (the time of day is
//!   dropped), times of day alone as `HH:MM:SS`, booleans as `TRUE`/`FALSE`.
//! - **Nothing here does I/O** besides reading the bytes it is given and returning bytes; the
//!   callers own uploads, downloads and size limits. XLSX cells are read as a stream into a
//!   sparse map, so a workbook claiming a huge sheet dimension does not allocate a dense grid.
//! - **Money never goes through `f64` in text.** CSV gets the exact decimal string; XLSX stores a
//!   double (as Excel itself does), formatted `#,##0.00`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;

use chrono::Datelike;
use rust_decimal::Decimal;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

/// The most problems one upload reports; the last slot says that more were left out.
const MAX_ERRORS: usize = 1000;

/// The file formats uploads and downloads come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// From a file name's extension (case-insensitive): .csv or .xlsx; anything else is an error
    /// message naming the extension.
    pub fn from_file_name(name: &str) -> Result<Format, String> {
        // Browsers send a base name, but some old ones send a full Windows path.
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
        let Some((_, ext)) = base.rsplit_once('.') else {
            return Err(format!(
                "The file name \"{base}\" has no extension; upload a .csv or .xlsx file."
            ));
        };
        match ext.to_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "xls" => Err(
                "Files with the extension \".xls\" (the old Excel format) are not supported; \
                 save the file as .xlsx or .csv in Excel."
                    .to_owned(),
            ),
            _ => Err(format!(
                "Files with the extension \".{ext}\" are not supported; upload a .csv or .xlsx file."
            )),
        }
    }
}

pub use app::api::import::RowError;

/// Reads every data row of the first sheet (XLSX) or the file (CSV, UTF-8, optional BOM, comma
/// separated) into `T`.
///
/// `columns` is the full list of accepted header names, spelled as `T`'s (serde) field names;
/// `required` the ones that must be present. Header names are trimmed and matched
/// case-insensitively; an unknown header, a duplicate header or a missing required header is an
/// error (row 1). Completely empty rows are skipped. Cells are trimmed, and empty cells are
/// absent values (so `Option<_>` fields become `None`).
///
/// Every cell is handed to `T` as a string (XLSX numbers formatted without float noise: an
/// integer-valued float as "30", otherwise the shortest decimal representation of the value
/// rounded to 15 significant digits; XLSX dates/datetimes as YYYY-MM-DD), so `T`'s fields are
/// typically `String` / `Option<String>` and `T` does its own parsing and validation. As a
/// convenience, integer, float and bool fields of `T` parse the text themselves.
///
/// Deserialisation errors are reported per row with the column name when serde gives it (a
/// missing field, an unknown field, or any error while reading one cell's value).
/// All errors of the file are collected (at most 1000), never just the first; `Ok` only when
/// there are none. The `usize` next to each `T` is its spreadsheet row.
pub fn read_rows<T: DeserializeOwned>(
    format: Format,
    bytes: &[u8],
    columns: &[&str],
    required: &[&str],
) -> Result<Vec<(usize, T)>, Vec<RowError>> {
    let rows = match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
    .map_err(|message| {
        vec![RowError {
            row: 0,
            column: String::new(),
            message,
        }]
    })?;
    interpret(rows, columns, required)
}

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// exact decimal, written to XLSX as a number with format "#,##0.00", to CSV as the plain
    /// decimal string
    Money(Decimal),
    Int(i64),
    Date(chrono::NaiveDate),
    Empty,
}

/// Writes a header row plus rows. CSV: RFC 4180 quoting (CRLF line ends), UTF-8 with BOM (so
/// Excel opens Chinese text correctly). XLSX: one sheet named `sheet`, bold header, frozen header
/// row, column widths from the content, dates as real Excel dates formatted yyyy-mm-dd.
///
/// Every row must have as many cells as there are headers. Integers beyond ±2^53 are written
/// to XLSX as text, because a double cannot hold them exactly.
pub fn write(
    format: Format,
    sheet: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, String> {
    match format {
        Format::Csv => write_csv(headers, rows),
        Format::Xlsx => write_xlsx(sheet, headers, rows),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// One cell as read, before header matching: its trimmed, non-empty text, or a problem with the
/// cell itself (such as an Excel error value `#N/A`).
type RawCell = Result<String, String>;

/// One non-empty row of the file.
struct RawRow {
    /// The spreadsheet row number (1-based).
    row: usize,
    /// `(0-based column, cell)` for the non-empty cells only, in column order.
    cells: Vec<(usize, RawCell)>,
}

fn file_error(message: impl Into<String>) -> Vec<RowError> {
    vec![RowError {
        row: 0,
        column: String::new(),
        message: message.into(),
    }]
}

/// The errors of one file, capped at [`MAX_ERRORS`] (the last slot then says so).
#[derive(Default)]
struct Errors(Vec<RowError>);

impl Errors {
    fn push(&mut self, row: usize, column: impl Into<String>, message: impl Into<String>) {
        let len = self.0.len();
        if len + 1 < MAX_ERRORS {
            self.0.push(RowError {
                row,
                column: column.into(),
                message: message.into(),
            });
        } else if len + 1 == MAX_ERRORS {
            self.0.push(RowError {
                row: 0,
                column: String::new(),
                message: format!(
                    "There are more than {} problems; only the first {} are listed.",
                    MAX_ERRORS - 1,
                    MAX_ERRORS - 1
                ),
            });
        }
    }

    fn full(&self) -> bool {
        self.0.len() >= MAX_ERRORS
    }
}

/// The spreadsheet letter of a 0-based column: 0 → A, 25 → Z, 26 → AA.
fn column_letter(mut col: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// Header matching, then each data row into `T`.
fn interpret<T: DeserializeOwned>(
    rows: Vec<RawRow>,
    columns: &[&str],
    required: &[&str],
) -> Result<Vec<(usize, T)>, Vec<RowError>> {
    let mut errors = Errors::default();
    let mut rows = rows.into_iter().filter(|r| !r.cells.is_empty());
    let Some(header) = rows.next() else {
        return Err(file_error(
            "The file is empty: it has no header row and no data.",
        ));
    };
    let accepted: Vec<String> = columns.iter().map(|c| c.trim().to_lowercase()).collect();
    let find = |name: &str| {
        let name = name.trim().to_lowercase();
        accepted.iter().position(|c| *c == name)
    };

    // Header: sheet column → index into `columns`.
    let mut by_col: BTreeMap<usize, usize> = BTreeMap::new();
    let mut seen_at: Vec<Option<usize>> = vec![None; columns.len()];
    for (col, cell) in header.cells {
        let letter = column_letter(col);
        let name = match cell {
            Ok(name) => name,
            Err(problem) => {
                errors.push(
                    header.row,
                    "",
                    format!("The header cell in column {letter} is not a name: {problem}."),
                );
                continue;
            }
        };
        match find(&name) {
            None => errors.push(
                header.row,
                name.clone(),
                format!(
                    "Unknown column \"{name}\" (column {letter}). Accepted columns: {}.",
                    columns.join(", ")
                ),
            ),
            Some(i) => match seen_at[i] {
                Some(first) => errors.push(
                    header.row,
                    columns[i],
                    format!(
                        "The column \"{}\" appears twice (columns {} and {letter}).",
                        columns[i],
                        column_letter(first)
                    ),
                ),
                None => {
                    seen_at[i] = Some(col);
                    by_col.insert(col, i);
                }
            },
        }
    }
    for name in required {
        debug_assert!(
            find(name).is_some(),
            "required column {name:?} is not in columns"
        );
        if find(name).and_then(|i| seen_at[i]).is_none() {
            errors.push(
                header.row,
                *name,
                format!("The required column \"{name}\" is missing."),
            );
        }
    }
    if !errors.0.is_empty() {
        return Err(errors.0);
    }

    let mut out = Vec::new();
    for raw in rows {
        if errors.full() {
            break;
        }
        let mut entries: Vec<(&str, String)> = Vec::with_capacity(raw.cells.len());
        let mut cell_problems = false;
        for (col, cell) in raw.cells {
            match by_col.get(&col) {
                None => {
                    let letter = column_letter(col);
                    errors.push(
                        raw.row,
                        "",
                        format!(
                            "Cell {letter}{} has a value, but column {letter} has no header.",
                            raw.row
                        ),
                    );
                    cell_problems = true;
                }
                Some(&i) => match cell {
                    Ok(text) => entries.push((columns[i], text)),
                    Err(problem) => {
                        errors.push(raw.row, columns[i], problem);
                        cell_problems = true;
                    }
                },
            }
        }
        if cell_problems {
            continue;
        }
        match T::deserialize(RowDeserializer {
            entries: entries.into_iter(),
        }) {
            Ok(value) => out.push((raw.row, value)),
            Err(e) => errors.push(raw.row, e.column.unwrap_or_default(), e.message),
        }
    }
    if errors.0.is_empty() {
        Ok(out)
    } else {
        Err(errors.0)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<RawRow>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err("The file is UTF-16 text, not UTF-8. In Excel, save it as \
                    \"CSV UTF-8 (Comma delimited)\", or upload it as .xlsx."
            .to_owned());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        format!(
            "The file is not UTF-8 text (the first invalid character is on line {line}). \
             In Excel, save it as \"CSV UTF-8 (Comma delimited)\", or upload it as .xlsx."
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    // The csv reader skips blank lines silently; to number rows as Excel shows them, count the
    // line breaks a record's parse went through before its first field. A record's position is
    // where its parse started: right after the previous record's terminator, except that a
    // "\r\n" terminator may have been cut after the "\r".
    let bytes = text.as_bytes();
    let mut next_row = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("The CSV file could not be read: {e}.")),
        }
        let mut start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(bytes.len());
        if start > 0 && bytes[start - 1] == b'\r' && bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let blank = bytes[start..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let row = next_row + line_breaks(&bytes[start..start + blank]);
        next_row = row + 1;
        let cells = record
            .iter()
            .enumerate()
            .filter_map(|(col, field)| {
                let field = field.trim();
                (!field.is_empty()).then(|| (col, Ok(field.to_owned())))
            })
            .collect();
        rows.push(RawRow { row, cells });
    }
    Ok(rows)
}

/// Line breaks in `bytes`, counting "\r\n", "\n" and a lone "\r" as one each.
fn line_breaks(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => count += 1,
            b'\r' => {
                count += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    count
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<RawRow>, String> {
    // An upload is untrusted input: a reader bug on a damaged file must not take the request
    // (or, under a test, the thread) down with it.
    std::panic::catch_unwind(|| read_xlsx_sheet(bytes)).unwrap_or_else(|_| {
        Err("The .xlsx file could not be read; it appears to be damaged.".to_owned())
    })
}

/// The most an uploaded workbook may expand to: ten times a 100k-row invoice sheet.
/// A zip bomb (a few KB that inflate to gigabytes) is refused before anything inflates.
const MAX_XLSX_EXPANDED: u64 = 1024 * 1024 * 1024;

/// Refuses a workbook whose parts, as its zip directory declares them, add up to more
/// than `max` bytes. (An entry inflating past its declared size fails its CRC check.)
fn check_expansion(bytes: &[u8], max: u64) -> Result<(), String> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // not a zip at all: calamine names the problem below
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let size = archive.by_index_raw(i).map_or(0, |f| f.size());
        total = total.saturating_add(size);
    }
    if total > max {
        return Err(format!(
            "The .xlsx file expands to {} MB, more than the {} MB allowed; split it into \
             smaller files.",
            total >> 20,
            max >> 20
        ));
    }
    Ok(())
}

fn read_xlsx_sheet(bytes: &[u8]) -> Result<Vec<RawRow>, String> {
    use calamine::Reader as _;
    check_expansion(bytes, MAX_XLSX_EXPANDED)?;
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        format!(
            "The file is not a readable .xlsx workbook ({e}). If it is an old .xls file, \
             save it as .xlsx in Excel."
        )
    })?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "The workbook has no sheets.".to_owned())?;
    let damaged = |e: calamine::XlsxError| format!("The sheet \"{first}\" could not be read: {e}.");
    let mut cells = workbook.worksheet_cells_reader(&first).map_err(damaged)?;
    let mut rows: BTreeMap<u32, Vec<(usize, RawCell)>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(damaged)? {
        let (row, col) = cell.get_position();
        if let Some(value) = xlsx_cell_text(cell.get_value()) {
            rows.entry(row).or_default().push((col as usize, value));
        }
    }
    Ok(rows
        .into_iter()
        .map(|(row, mut cells)| {
            cells.sort_by_key(|(col, _)| *col);
            RawRow {
                row: row as usize + 1,
                cells,
            }
        })
        .collect())
}

/// The text an XLSX cell is handed on as; `None` for an empty cell.
fn xlsx_cell_text(value: &calamine::DataRef<'_>) -> Option<RawCell> {
    use calamine::DataRef;
    let text = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| Ok(s.to_owned()))
    };
    match value {
        DataRef::Empty => None,
        DataRef::String(s) => text(s),
        DataRef::SharedString(s) => text(s),
        DataRef::Int(n) => Some(Ok(n.to_string())),
        DataRef::Float(f) => Some(Ok(format_number(*f))),
        DataRef::Bool(b) => Some(Ok(if *b { "TRUE" } else { "FALSE" }.to_owned())),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (0.0..1.0).contains(&dt.as_f64()) {
                // A time of day alone: Excel's day 0 is no real date.
                Some(Ok(format!("{hh:02}:{mm:02}:{ss:02}")))
            } else {
                Some(Ok(format!("{y:04}-{m:02}-{d:02}")))
            }
        }
        // A duration such as [h]:mm: its value in days.
        DataRef::DateTime(dt) => Some(Ok(format_number(dt.as_f64()))),
        DataRef::DateTimeIso(s) => {
            let date = s.get(..10).filter(|d| {
                d.as_bytes().iter().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        *b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
            });
            text(date.unwrap_or(s))
        }
        DataRef::DurationIso(s) => text(s),
        DataRef::Error(e) => Some(Err(format!("The cell contains the Excel error {e}."))),
    }
}

/// A number as Excel shows it in a General cell, without binary noise: rounded to 15
/// significant digits (Excel's precision), then the shortest decimal that gives that value.
/// 30.0 → "30", 0.1 + 0.2 → "0.3", 1234.50 → "1234.5".
fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    if rounded == 0.0 {
        return "0".to_owned();
    }
    rounded.to_string()
}

// ---------------------------------------------------------------------------------------------
// Handing a row to serde: a map of column → text whose errors know their column.

#[derive(Debug)]
struct CellError {
    column: Option<String>,
    message: String,
}

impl CellError {
    fn in_column(mut self, column: &str) -> Self {
        if self.column.is_none() {
            self.column = Some(column.to_owned());
        }
        self
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CellError {}

impl de::Error for CellError {
    fn custom<M: fmt::Display>(message: M) -> Self {
        CellError {
            column: None,
            message: message.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        CellError {
            column: Some(field.to_owned()),
            message: "A value is required.".to_owned(),
        }
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        CellError {
            column: Some(field.to_owned()),
            message: format!("The column \"{field}\" is not accepted here."),
        }
    }
}

/// One row: `T` sees a map of column name → cell text, holding the non-empty cells only.
struct RowDeserializer<'a> {
    entries: std::vec::IntoIter<(&'a str, String)>,
}

impl<'de> de::Deserializer<'de> for RowDeserializer<'_> {
    type Error = CellError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CellError> {
        visitor.visit_map(RowMap {
            entries: self.entries,
            current: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct RowMap<'a> {
    entries: std::vec::IntoIter<(&'a str, String)>,
    current: Option<(&'a str, String)>,
}

impl<'de> MapAccess<'de> for RowMap<'_> {
    type Error = CellError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, CellError> {
        let Some((column, text)) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some((column, text));
        seed.deserialize(IntoDeserializer::<CellError>::into_deserializer(column))
            .map(Some)
            .map_err(|e| e.in_column(column))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, CellError> {
        let (column, text) = self.current.take().ok_or_else(|| {
            <CellError as de::Error>::custom("a value was read before its column")
        })?;
        seed.deserialize(CellDeserializer(text))
            .map_err(|e| e.in_column(column))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// One non-empty cell's text.
struct CellDeserializer(String);

macro_rules! parse_number {
    ($($method:ident => $visit:ident: $ty:ty, $what:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CellError> {
                match self.0.parse::<$ty>() {
                    Ok(n) => visitor.$visit(n),
                    Err(_) => Err(<CellError as de::Error>::custom(format!(
                        "\"{}\" is not {}.",
                        self.0, $what
                    ))),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for CellDeserializer {
    type Error = CellError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CellError> {
        visitor.visit_string(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CellError> {
        // Empty cells never get here: they are left out of the row, so the field is absent.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CellError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CellError> {
        // A unit variant named by the text, as in JSON.
        visitor.visit_enum(IntoDeserializer::<CellError>::into_deserializer(self.0))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CellError> {
        match self.0.to_lowercase().as_str() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(<CellError as de::Error>::custom(format!(
                "\"{}\" is not TRUE or FALSE.",
                self.0
            ))),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8: i8, "a whole number in range";
        deserialize_i16 => visit_i16: i16, "a whole number in range";
        deserialize_i32 => visit_i32: i32, "a whole number in range";
        deserialize_i64 => visit_i64: i64, "a whole number in range";
        deserialize_u8 => visit_u8: u8, "a whole number in range";
        deserialize_u16 => visit_u16: u16, "a whole number in range";
        deserialize_u32 => visit_u32: u32, "a whole number in range";
        deserialize_u64 => visit_u64: u64, "a whole number in range";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Checks a row has one cell per header; `index` is 0-based among the data rows.
fn check_row_width(index: usize, row: &[Cell], headers: &[&str]) -> Result<(), String> {
    if row.len() == headers.len() {
        Ok(())
    } else {
        Err(format!(
            "Row {} has {} cells, but there are {} headers.",
            index + 2,
            row.len(),
            headers.len()
        ))
    }
}

fn cell_text(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Text(s) => Cow::Borrowed(s),
        Cell::Money(d) => Cow::Owned(d.to_string()),
        Cell::Int(n) => Cow::Owned(n.to_string()),
        Cell::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
        Cell::Empty => Cow::Borrowed(""),
    }
}

fn write_csv(
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, String> {
    let mut out = csv_header(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>())?;
    for (index, row) in rows.into_iter().enumerate() {
        check_row_width(index, &row, headers)?;
        out.extend(csv_records([row.as_slice()])?);
    }
    Ok(out)
}

/// Text that a spreadsheet would run as a formula when the CSV is opened (`=`, `+`, `-`,
/// `@`, tab or CR first) gets a leading `'`, so a customer name such as
/// `=HYPERLINK(...)` stays text (CSV injection). Numbers are written by `Cell::Money` and
/// `Cell::Int`, never as text, so negative amounts are not affected.
fn defuse_formula(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Roughly how many character widths `text` takes in a spreadsheet column: its longest line,
/// with wide (CJK) characters counted twice.
fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| {
            line.chars()
                .map(|c| if c.len_utf8() >= 3 { 2 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

/// The width of a money cell as "#,##0.00" shows it.
fn money_width(amount: &Decimal) -> usize {
    let digits = amount.abs().trunc().to_string().len();
    usize::from(amount.is_sign_negative()) + digits + (digits - 1) / 3 + 3
}

fn write_xlsx(
    sheet: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, String> {
    write_xlsx_sheets(vec![(
        sheet.to_string(),
        headers.iter().map(|h| h.to_string()).collect(),
        rows.into_iter().collect(),
    )])
}

/// A workbook of several sheets, each `(name, headers, rows)` written as `write` writes one.
pub fn write_xlsx_sheets(
    sheets: Vec<(String, Vec<String>, Vec<Vec<Cell>>)>,
) -> Result<Vec<u8>, String> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for (name, headers, rows) in sheets {
        let mut sheet = XlsxSheet::new(rust_xlsxwriter::Worksheet::new(), &name, headers)?;
        for row in &rows {
            sheet.push(row)?;
        }
        workbook.push_worksheet(sheet.finish()?);
    }
    workbook.save_to_buffer().map_err(xlsx_failed)
}

fn xlsx_failed(e: rust_xlsxwriter::XlsxError) -> String {
    format!("The .xlsx file could not be written: {e}.")
}

/// One sheet being written row by row: a bold, frozen header; money as numbers formatted
/// `#,##0.00`; dates as real Excel dates; column widths from the content. Given a
/// constant-memory worksheet, rows go to a temporary file as they are pushed, so a sheet
/// of any length costs one row of memory.
pub struct XlsxSheet {
    ws: rust_xlsxwriter::Worksheet,
    headers: Vec<String>,
    next_row: u32,
    widths: Vec<usize>,
    money: rust_xlsxwriter::Format,
    date: rust_xlsxwriter::Format,
}

impl XlsxSheet {
    pub fn new(
        mut ws: rust_xlsxwriter::Worksheet,
        name: &str,
        headers: Vec<String>,
    ) -> Result<XlsxSheet, String> {
        ws.set_name(name)
            .map_err(|e| format!("\"{name}\" cannot be a sheet name: {e}."))?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, header) in headers.iter().enumerate() {
            ws.write_string_with_format(0, xlsx_column(c)?, header.as_str(), &bold)
                .map_err(xlsx_failed)?;
        }
        Ok(XlsxSheet {
            ws,
            widths: headers.iter().map(|h| display_width(h)).collect(),
            headers,
            next_row: 1,
            money: rust_xlsxwriter::Format::new().set_num_format("#,##0.00"),
            date: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
        })
    }

    /// Appends one row; it must have one cell per header.
    pub fn push(&mut self, row: &[Cell]) -> Result<(), String> {
        let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        check_row_width(self.next_row as usize - 1, row, &headers)?;
        let r = Some(self.next_row)
            .filter(|r| *r < 1_048_576)
            .ok_or_else(|| "Too many rows for an .xlsx sheet.".to_owned())?;
        let ws = &mut self.ws;
        for (c, cell) in row.iter().enumerate() {
            let col = xlsx_column(c)?;
            let width = match cell {
                Cell::Text(s) => {
                    ws.write_string(r, col, s.as_str()).map_err(xlsx_failed)?;
                    display_width(s)
                }
                Cell::Money(d) => {
                    // Parsing the exact decimal text gives the nearest double.
                    let value: f64 = d
                        .to_string()
                        .parse()
                        .map_err(|_| format!("The amount {d} cannot be written."))?;
                    ws.write_number_with_format(r, col, value, &self.money)
                        .map_err(xlsx_failed)?;
                    money_width(d)
                }
                Cell::Int(n) if n.unsigned_abs() <= 1 << 53 => {
                    ws.write_number(r, col, *n as f64).map_err(xlsx_failed)?;
                    n.to_string().len()
                }
                Cell::Int(n) => {
                    // A double would round it; text keeps every digit.
                    ws.write_string(r, col, n.to_string())
                        .map_err(xlsx_failed)?;
                    n.to_string().len()
                }
                Cell::Date(d) => {
                    let out_of_range = || format!("The date {d} cannot be written to Excel.");
                    let year = u16::try_from(d.year()).map_err(|_| out_of_range())?;
                    let excel = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        year,
                        d.month() as u8,
                        d.day() as u8,
                    )
                    .map_err(|_| out_of_range())?;
                    ws.write_datetime_with_format(r, col, &excel, &self.date)
                        .map_err(xlsx_failed)?;
                    10
                }
                Cell::Empty => 0,
            };
            self.widths[c] = self.widths[c].max(width);
        }
        self.next_row += 1;
        Ok(())
    }

    /// Freezes the header and sets the widths; the sheet is then ready for a workbook.
    pub fn finish(mut self) -> Result<rust_xlsxwriter::Worksheet, String> {
        self.ws.set_freeze_panes(1, 0).map_err(xlsx_failed)?;
        for (c, width) in self.widths.iter().enumerate() {
            self.ws
                .set_column_width(xlsx_column(c)?, (*width + 2).clamp(8, 60) as f64)
                .map_err(xlsx_failed)?;
        }
        Ok(self.ws)
    }
}

fn xlsx_column(c: usize) -> Result<u16, String> {
    u16::try_from(c)
        .ok()
        .filter(|c| *c < 16_384)
        .ok_or_else(|| "Too many columns for an .xlsx sheet.".to_owned())
}

/// CSV records (CRLF line ends, formulas defused) for a streamed download; the first
/// chunk of a file is `csv_header`, which starts with the UTF-8 BOM Excel needs.
pub fn csv_records<'a>(rows: impl IntoIterator<Item = &'a [Cell]>) -> Result<Vec<u8>, String> {
    let failed = |e: csv::Error| format!("The CSV file could not be written: {e}.");
    let mut out = Vec::new();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        for row in rows {
            writer
                .write_record(row.iter().map(|cell| match cell {
                    Cell::Text(t) => defuse_formula(t),
                    other => cell_text(other).into_owned(),
                }))
                .map_err(failed)?;
        }
        writer
            .flush()
            .map_err(|e| format!("The CSV file could not be written: {e}."))?;
    }
    Ok(out)
}

/// The BOM and header line of a streamed CSV download.
pub fn csv_header(headers: &[String]) -> Result<Vec<u8>, String> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let row: Vec<Cell> = headers.iter().map(|h| Cell::Text(h.clone())).collect();
    out.extend(csv_records([row.as_slice()])?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_export_defuses_formulas_but_not_numbers() {
        let rows = vec![vec![
            Cell::Text("=HYPERLINK(\"http://x\")".into()),
            Cell::Text("@SUM(A1)".into()),
            Cell::Money(Decimal::new(-150, 2)),
            Cell::Text("Acme".into()),
        ]];
        let out = write(Format::Csv, "s", &["a", "b", "c", "d"], rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
        assert!(text.contains("'@SUM(A1)"), "{text}");
        assert!(text.contains(",-1.50,Acme"), "{text}");
    }

    use super::*;
    use chrono::NaiveDate;
    use serde::Deserialize;
    use std::str::FromStr;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Person {
        name: String,
        city: Option<String>,
        note: Option<String>,
    }

    const PERSON: &[&str] = &["name", "city", "note"];

    fn people(format: Format, bytes: &[u8]) -> Result<Vec<(usize, Person)>, Vec<RowError>> {
        read_rows(format, bytes, PERSON, &["name"])
    }

    fn person(name: &str, city: Option<&str>, note: Option<&str>) -> Person {
        Person {
            name: name.into(),
            city: city.map(Into::into),
            note: note.map(Into::into),
        }
    }

    fn err(row: usize, column: &str) -> (usize, String) {
        (row, column.to_owned())
    }

    fn where_(errors: &[RowError]) -> Vec<(usize, String)> {
        errors.iter().map(|e| (e.row, e.column.clone())).collect()
    }

    #[test]
    fn file_names() {
        assert_eq!(Format::from_file_name("Kunden.CSV"), Ok(Format::Csv));
        assert_eq!(Format::from_file_name("C:\\x\\a.b.Xlsx"), Ok(Format::Xlsx));
        assert!(Format::from_file_name("old.xls")
            .unwrap_err()
            .contains(".xls"));
        assert!(Format::from_file_name("a.txt")
            .unwrap_err()
            .contains(".txt"));
        assert!(Format::from_file_name("noext").is_err());
    }

    #[test]
    fn csv_with_bom_chinese_quotes_empty_rows_and_options() {
        let file = "\u{FEFF} Name ,CITY,note\r\n\
                    张三,\"Beijing, 朝阳区\",\r\n\
                    ,,\r\n\
                    李四,,\"said \"\"hi\"\"\"\r\n";
        let rows = people(Format::Csv, file.as_bytes()).unwrap();
        assert_eq!(
            rows,
            vec![
                (2, person("张三", Some("Beijing, 朝阳区"), None)),
                (4, person("李四", None, Some("said \"hi\""))),
            ]
        );
    }

    #[test]
    fn csv_rows_are_numbered_as_excel_shows_them() {
        // Blank lines count as rows; a quoted line break does not start a new row; fewer
        // fields than headers is fine (the rest are empty).
        for eol in ["\n", "\r\n"] {
            let file = ["name,note", "", "a,\"two", "lines\"", "", "", "b", "c,x"].join(eol);
            let rows = people(Format::Csv, file.as_bytes()).unwrap();
            let numbers: Vec<usize> = rows.iter().map(|(r, _)| *r).collect();
            assert_eq!(numbers, vec![3, 6, 7], "line ends {eol:?}");
            assert_eq!(
                rows[0].1.note.as_deref(),
                Some("two\nlines".replace('\n', eol).as_str())
            );
        }
        // Leading blank lines: the header is the first non-empty row.
        let rows = people(Format::Csv, b"\n\nname\nx").unwrap();
        assert_eq!(rows[0].0, 4);
    }

    #[test]
    fn header_problems_are_row_1_and_name_the_column() {
        let e = people(Format::Csv, b"name,colour\na,red").unwrap_err();
        assert_eq!(where_(&e), vec![err(1, "colour")]);
        assert!(e[0].message.contains("colour"), "{e:?}");

        let e = people(Format::Csv, b"city\nBeijing").unwrap_err();
        assert_eq!(where_(&e), vec![err(1, "name")]);
        assert!(e[0].message.contains("required"), "{e:?}");

        let e = people(Format::Csv, b"name,city,NAME\na,b,c").unwrap_err();
        assert_eq!(where_(&e), vec![err(1, "name")]);
        assert!(e[0].message.contains("columns A and C"), "{e:?}");

        // All of them at once, and no row is looked at.
        let e = people(Format::Csv, b"City,colour,city\n,,,,,boom").unwrap_err();
        assert_eq!(
            where_(&e),
            vec![err(1, "colour"), err(1, "city"), err(1, "name")]
        );
    }

    fn no_x<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let s = String::deserialize(d)?;
        if s == "x" {
            Err(de::Error::custom("\"x\" is not a valid code"))
        } else {
            Ok(s)
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Coded {
        name: String,
        #[serde(deserialize_with = "no_x")]
        code: String,
        count: Option<u32>,
        amount: Option<Decimal>,
        #[allow(dead_code)]
        extra: Option<String>,
    }

    #[test]
    fn bad_cells_are_reported_per_row_and_column() {
        let columns = &["name", "code", "count", "amount", "extra", "legacy"];
        let file = "name,code,count,amount,legacy\n\
                    a,ok,3,1234.50,\n\
                    b,x,,,\n\
                    ,ok,,,\n\
                    d,ok,three,,\n\
                    e,ok,,,old\n\
                    f,x,,12.5.0,,surplus\n";
        let e = read_rows::<Coded>(Format::Csv, file.as_bytes(), columns, &["name"]).unwrap_err();
        assert_eq!(
            where_(&e),
            vec![
                err(3, "code"),
                err(4, "name"),
                err(5, "count"),
                err(6, "legacy"),
                err(7, ""),
            ],
            "{e:#?}"
        );
        assert_eq!(e[0].message, "\"x\" is not a valid code");
        assert_eq!(e[1].message, "A value is required.");
        assert!(e[2].message.contains("three"), "{e:?}");
        assert!(e[4].message.contains("F7"), "{e:?}");

        let ok = read_rows::<Coded>(
            Format::Csv,
            b"name,code,count,amount\na,ok,3,1234.50",
            columns,
            &[],
        )
        .unwrap();
        let (row, coded) = &ok[0];
        assert_eq!(*row, 2);
        assert_eq!((coded.name.as_str(), coded.code.as_str()), ("a", "ok"));
        assert_eq!(coded.count, Some(3));
        assert_eq!(coded.amount, Some(Decimal::from_str("1234.50").unwrap()));
    }

    #[test]
    fn errors_are_collected_and_capped() {
        let mut file = String::from("name,city\n");
        for _ in 0..1500 {
            file.push_str(",nowhere\n");
        }
        let e = people(Format::Csv, file.as_bytes()).unwrap_err();
        assert_eq!(e.len(), MAX_ERRORS);
        assert_eq!(where_(&e[..2]), vec![err(2, "name"), err(3, "name")]);
        assert_eq!(e.last().unwrap().row, 0);
    }

    #[test]
    fn empty_files() {
        let e = people(Format::Csv, b"").unwrap_err();
        assert_eq!(where_(&e), vec![err(0, "")]);
        let e = people(Format::Csv, b"\xEF\xBB\xBF\n,,\n").unwrap_err();
        assert_eq!(where_(&e), vec![err(0, "")]);
        assert_eq!(people(Format::Csv, b"name,city\n").unwrap(), vec![]);
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Loan {
        name: Option<String>,
        amount: Option<String>,
        term: Option<String>,
        due: Option<String>,
        note: Option<String>,
    }

    const LOAN: &[&str] = &["name", "amount", "term", "due", "note"];

    fn loan(name: &str, amount: &str, term: &str, due: &str, note: Option<&str>) -> Loan {
        Loan {
            name: Some(name.into()),
            amount: Some(amount.into()),
            term: Some(term.into()),
            due: Some(due.into()),
            note: note.map(Into::into),
        }
    }

    #[test]
    fn a_workbook_expanding_past_the_cap_is_refused_by_name() {
        let rows = (0..50).map(|i| vec![Cell::Text(format!("{i}{}", "x".repeat(4000)))]);
        let bytes = write_xlsx("Invoices", &["note"], rows).expect("a workbook");
        assert_eq!(check_expansion(&bytes, 1 << 30), Ok(()));
        let e = check_expansion(&bytes, 100_000).unwrap_err();
        assert!(e.contains("expands to") && e.contains("split it"), "{e}");
    }

    #[test]
    fn xlsx_round_trip() {
        let date = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let money = |s: &str| Cell::Money(Decimal::from_str(s).unwrap());
        let rows = vec![
            vec![
                Cell::Text("张三".into()),
                money("1234.50"),
                Cell::Int(30),
                Cell::Date(date),
                Cell::Empty,
            ],
            vec![Cell::Empty; 5],
            vec![
                Cell::Text("Lee, \"Jr\"".into()),
                money("-0.10"),
                Cell::Int(-5),
                Cell::Date(NaiveDate::from_ymd_opt(1999, 1, 1).unwrap()),
                Cell::Text("  padded  ".into()),
            ],
        ];
        let headers = ["Name", "Amount", "Term", "Due", "Note"];
        let bytes = write(Format::Xlsx, "贷款 Loans", &headers, rows).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let read = read_rows::<Loan>(Format::Xlsx, &bytes, LOAN, &["name"]).unwrap();
        assert_eq!(
            read,
            vec![
                // Money reads back as Excel shows it in a General cell: no trailing zero.
                (2, loan("张三", "1234.5", "30", "2026-06-30", None)),
                (
                    4,
                    loan("Lee, \"Jr\"", "-0.1", "-5", "1999-01-01", Some("padded"))
                ),
            ]
        );
    }

    #[test]
    fn xlsx_header_errors_name_the_column() {
        let bytes = write(
            Format::Xlsx,
            "S",
            &["name", "Colour"],
            [vec![Cell::Int(1), Cell::Empty]],
        )
        .unwrap();
        let e = people(Format::Xlsx, &bytes).unwrap_err();
        assert_eq!(where_(&e), vec![err(1, "Colour")]);
    }

    #[test]
    fn numbers_lose_float_noise() {
        assert_eq!(format_number(30.0), "30");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(1234.5), "1234.5");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(1e21), "1000000000000000000000");
        assert_eq!(format_number(123456789.123), "123456789.123");
    }

    #[test]
    fn csv_write_keeps_money_exact_and_quotes() {
        let rows = vec![
            vec![
                Cell::Text("a, \"b\"".into()),
                Cell::Money(Decimal::from_str("1234.50").unwrap()),
                Cell::Int(-7),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
                Cell::Empty,
            ],
            vec![
                Cell::Text("张三".into()),
                Cell::Money(Decimal::from_str("0.10").unwrap()),
                Cell::Int(0),
                Cell::Empty,
                Cell::Text("line\nbreak".into()),
            ],
        ];
        let bytes = write(
            Format::Csv,
            "ignored",
            &["name", "amount", "n", "due", "note"],
            rows,
        )
        .unwrap();
        let expected = "\u{FEFF}name,amount,n,due,note\r\n\
                        \"a, \"\"b\"\"\",1234.50,-7,2026-06-30,\r\n\
                        张三,0.10,0,,\"line\nbreak\"\r\n";
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);

        // And it reads back.
        let columns = &["name", "amount", "n", "due", "note"];
        let read: Vec<(usize, BTreeMap<String, String>)> =
            read_rows(Format::Csv, &bytes, columns, &[]).unwrap();
        assert_eq!(read[0].1["name"], "a, \"b\"");
        assert_eq!(read[0].1["amount"], "1234.50");
        assert_eq!(read[1].1["note"], "line\nbreak");
    }

    #[test]
    fn rows_must_match_the_headers() {
        for format in [Format::Csv, Format::Xlsx] {
            let e = write(format, "S", &["a", "b"], [vec![Cell::Empty]]).unwrap_err();
            assert!(e.contains("Row 2"), "{e}");
        }
        assert!(write(Format::Xlsx, "bad/name", &["a"], [vec![Cell::Empty]]).is_err());
    }

    #[test]
    fn garbage_is_a_file_error_not_a_panic() {
        for bytes in [&b"hello, world"[..], b"PK\x03\x04 not really a zip", b""] {
            let e = people(Format::Xlsx, bytes).unwrap_err();
            assert_eq!(where_(&e), vec![err(0, "")], "{e:?}");
            assert!(e[0].message.contains(".xlsx"), "{e:?}");
        }

        // Latin-1 "Müller": not UTF-8.
        let e = people(Format::Csv, b"name\nM\xFCller\n").unwrap_err();
        assert_eq!(where_(&e), vec![err(0, "")]);
        assert!(
            e[0].message.contains("UTF-8") && e[0].message.contains("line 2"),
            "{e:?}"
        );
        let e = people(Format::Csv, b"\xFF\xFEn\0a\0").unwrap_err();
        assert!(e[0].message.contains("UTF-16"), "{e:?}");
    }
}
