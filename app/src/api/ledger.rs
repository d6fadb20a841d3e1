//! Posting from the UI: payments (with the allocation the user saw), credit notes,
//! small-difference write-offs and reversals. Finance and admins only.
//!
//! Invariants: every input goes through the same strict parse and `crate::ledger`
//! resolution as the REST API, so the UI accepts and refuses exactly what the API does;
//! each post is one store transaction with its audit row, the actor being the user.
use crate::domain::allocation::OpenInvoice;
use crate::domain::documents::{CreditNoteInput, PaymentInput};
use crate::domain::money::{Currency, Money};
use crate::error::AppError;
use crate::records::PostedPayment;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the payment page needs once a customer is chosen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PaymentSetup {
    pub customer_id: i64,
    pub code: String,
    pub name: String,
    pub currency: Currency,
    pub today: NaiveDate,
    /// Open now, in FIFO order (due date, invoice date, number).
    pub open: Vec<OpenInvoice>,
    /// Unallocated payments and credit notes already on the customer.
    pub credit: Money,
}

#[cfg(feature = "ssr")]
async fn customer_id(store: &dyn crate::store::Store, code: &str) -> Result<i64, AppError> {
    store
        .customer_id_by_code(code.trim())
        .await?
        .ok_or_else(|| AppError::Invalid(format!("customer_code: no customer {}", code.trim())))
}

#[server(prefix = "/sfn", endpoint = "payment_context")]
pub async fn payment_context(customer_code: String) -> Result<PaymentSetup, AppError> {
    use crate::domain::{auth::Permission, business_date};
    super::authorize(Permission::PostLedger)?;
    let store = super::store()?;
    let today = business_date(super::clock()?.now());
    let id = customer_id(store.as_ref(), &customer_code).await?;
    let file = store
        .customer_file(id, crate::domain::auth::Scope::All)
        .await?
        .ok_or(AppError::NotFound)?;
    let position = store.credit_position(id, today).await?;
    // Everything open now, including invoices dated later than today.
    let horizon =
        NaiveDate::from_ymd_opt(9999, 12, 31).ok_or_else(|| AppError::internal("date"))?;
    let open = store
        .open_invoices(id, horizon)
        .await?
        .into_iter()
        .map(|l| OpenInvoice {
            id: l.id,
            number: l.number,
            invoice_date: l.invoice_date,
            due_date: l.due_date,
            open: l.open,
        })
        .collect();
    Ok(PaymentSetup {
        customer_id: id,
        code: file.code.to_string(),
        name: file.name,
        currency: file.credit_limit.currency(),
        today,
        open,
        credit: position.exposure.unallocated_credits,
    })
}

/// Posts a payment. The page always sends the allocation lines it showed, so what is
/// posted is what the user saw; if another payment settled one of them meanwhile, the
/// ledger refuses the over-allocation and nothing is written.
#[server(prefix = "/sfn", endpoint = "post_payment")]
pub async fn post_payment(input: PaymentInput) -> Result<PostedPayment, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::PostLedger)?;
    let draft = input.parse().map_err(AppError::fields)?;
    let store = super::store()?;
    Ok(crate::ledger::post_payment(
        store.as_ref(),
        &draft,
        &user.username,
        super::clock()?.now(),
    )
    .await?)
}

/// Today's business date by the server's clock: the default date of the adjustment
/// forms (the browser has no clock of its own to trust, and tests set the server's).
#[server(prefix = "/sfn", endpoint = "ledger_today")]
pub async fn ledger_today() -> Result<NaiveDate, AppError> {
    super::authorize(crate::domain::auth::Permission::PostLedger)?;
    Ok(crate::domain::business_date(super::clock()?.now()))
}

#[server(prefix = "/sfn", endpoint = "post_credit_note")]
pub async fn post_credit_note(input: CreditNoteInput) -> Result<String, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::PostLedger)?;
    let draft = input.parse().map_err(AppError::fields)?;
    let store = super::store()?;
    let note = crate::ledger::post_credit_note(
        store.as_ref(),
        &draft,
        &user.username,
        super::clock()?.now(),
    )
    .await?;
    Ok(note.number)
}

/// Closing an invoice's last small difference.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct WriteOffForm {
    pub invoice_number: String,
    pub written_on: String,
    pub reason: String,
}

/// Writes off what is left on an invoice when it is within the configured tolerance;
/// returns the amount written off.
#[server(prefix = "/sfn", endpoint = "post_write_off")]
pub async fn post_write_off(form: WriteOffForm) -> Result<Money, AppError> {
    use crate::domain::{auth::Permission, documents};
    use crate::store::NewWriteOff;
    let user = super::authorize(Permission::PostLedger)?;
    let number = documents::document_number("invoice_number", &form.invoice_number);
    let on = documents::date("written_on", &form.written_on);
    let (invoice_number, written_on) = match (number, on) {
        (Ok(n), Ok(d)) => (n, d),
        (n, d) => return Err(AppError::fields(n.err().into_iter().chain(d.err()))),
    };
    let store = super::store()?;
    // The tolerance is in the book currency; the store refuses an invoice in another.
    let tolerance =
        crate::ledger::write_off_tolerance(store.as_ref(), crate::domain::BOOK_CURRENCY).await?;
    let w = NewWriteOff {
        invoice_number,
        written_on,
        tolerance,
        reason: form.reason.trim().to_string(),
    };
    Ok(store
        .write_off(&w, &user.username, super::clock()?.now())
        .await?)
}

/// Undoing a posted payment, credit note or write-off with a reversing entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReversalForm {
    /// `payment`, `credit_note` or `write_off` (by its invoice number).
    pub kind: String,
    pub reference: String,
    pub reversed_on: String,
    pub reason: String,
}

#[server(prefix = "/sfn", endpoint = "post_reversal")]
pub async fn post_reversal(form: ReversalForm) -> Result<(), AppError> {
    use crate::domain::{auth::Permission, documents};
    use crate::store::Reversible;
    let user = super::authorize(Permission::PostLedger)?;
    let reference = documents::document_number("reference", &form.reference);
    let on = documents::date("reversed_on", &form.reversed_on);
    let reason = form.reason.trim();
    let (reference, on) = match (reference, on) {
        (Ok(r), Ok(d)) if !reason.is_empty() => (r, d),
        (r, d) => {
            let missing_reason = reason
                .is_empty()
                .then(|| documents::FieldError::new("reason", "say why it is reversed"));
            return Err(AppError::fields(
                r.err().into_iter().chain(d.err()).chain(missing_reason),
            ));
        }
    };
    let doc = match form.kind.as_str() {
        "payment" => Reversible::Payment(reference),
        "credit_note" => Reversible::CreditNote(reference),
        "write_off" => Reversible::WriteOff(reference),
        other => {
            return Err(AppError::Invalid(format!(
                "kind: unknown document kind '{other}'"
            )))
        }
    };
    let store = super::store()?;
    Ok(store
        .reverse(&doc, on, reason, &user.username, super::clock()?.now())
        .await?)
}
