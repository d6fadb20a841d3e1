//! Acceptance bills from the UI: the list, receiving one, taking a step. Finance and
//! admins only (`Permission::PostLedger`), as payments are: bills are the whole book's.
//!
//! Invariants: inputs go through the same parsers (`domain::bills`) and `crate::ledger`
//! services as `POST /api/v1/bills`, so the UI accepts and refuses exactly what the API
//! does; each write is one store transaction, audited with the user as actor.
use crate::domain::bills::lifecycle::{BillState, Step};
use crate::domain::bills::BillInput;
use crate::error::AppError;
use crate::records::BillRecord;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The bills page: today's business date (the forms' default), the bills, newest first,
/// and whether bank bills count in exposure (`settings::BANK_BILLS_IN_EXPOSURE`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BillsView {
    pub today: NaiveDate,
    pub bills: Vec<BillRecord>,
    pub bank_bills_counted: bool,
}

/// The most bills the page lists (newest first); the REST list pages through them all.
pub const PAGE_BILLS: i64 = 500;

#[server(prefix = "/sfn", endpoint = "load_bills")]
pub async fn load_bills(status: Option<BillState>) -> Result<BillsView, AppError> {
    super::authorize(crate::domain::auth::Permission::PostLedger)?;
    let store = super::store()?;
    let q = crate::store::BillQuery {
        status,
        limit: i64::MAX,
        ..Default::default()
    };
    let mut bills = store.bills(&q).await?;
    bills.reverse();
    bills.truncate(PAGE_BILLS as usize);
    let setting = &crate::domain::settings::BANK_BILLS_IN_EXPOSURE;
    Ok(BillsView {
        today: crate::domain::business_date(super::clock()?.now()),
        bills,
        bank_bills_counted: crate::settings::get_or_default(store.as_ref(), setting).await?,
    })
}

/// Finance decides whether unmatured bank bills count in exposure (audited as a
/// setting change); commercial bills always do.
#[server(prefix = "/sfn", endpoint = "set_bank_bills_in_exposure")]
pub async fn set_bank_bills_in_exposure(counted: String) -> Result<bool, AppError> {
    let user = super::authorize(crate::domain::auth::Permission::ConfigureFinance)?;
    let setting = &crate::domain::settings::BANK_BILLS_IN_EXPOSURE;
    let counted =
        (setting.parse)(&counted).map_err(|e| AppError::Invalid(format!("counted: {e}")))?;
    let store = super::store()?;
    let now = super::clock()?.now();
    store
        .set_setting(setting.key, &counted.to_string(), &user.username, now)
        .await?;
    Ok(counted)
}

/// Receives a bill: it settles the customer's invoices FIFO, as a payment does.
#[server(prefix = "/sfn", endpoint = "receive_bill")]
pub async fn receive_bill(input: BillInput) -> Result<BillRecord, AppError> {
    let user = super::authorize(crate::domain::auth::Permission::PostLedger)?;
    let bill = input.parse().map_err(AppError::fields)?;
    let store = super::store()?;
    let now = super::clock()?.now();
    let (record, _) =
        crate::ledger::receive_bill(store.as_ref(), &bill, &user.username, now).await?;
    Ok(record)
}

/// One step's form: `party` is the endorsee or the bank; fields a step does not take
/// are dropped here, as the form shows only the step's own.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StepForm {
    pub number: String,
    pub step: Step,
    pub on: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub interest: String,
    #[serde(default)]
    pub reason: String,
}

#[cfg(feature = "ssr")]
impl StepForm {
    fn input(&self) -> crate::domain::bills::lifecycle::StepInput {
        let when = |wanted: Step, text: &str| {
            let text = text.trim();
            (self.step == wanted && !text.is_empty()).then(|| text.to_string())
        };
        crate::domain::bills::lifecycle::StepInput {
            on: self.on.clone(),
            endorsee: when(Step::Endorse, &self.party),
            bank: when(Step::Discount, &self.party),
            interest: when(Step::Discount, &self.interest),
            reason: when(Step::Dishonour, &self.reason),
        }
    }
}

#[server(prefix = "/sfn", endpoint = "take_bill_step")]
pub async fn take_bill_step(form: StepForm) -> Result<BillRecord, AppError> {
    let user = super::authorize(crate::domain::auth::Permission::PostLedger)?;
    let step = form.input().parse(form.step).map_err(AppError::fields)?;
    let store = super::store()?;
    let now = super::clock()?.now();
    let number = form.number.trim();
    Ok(crate::ledger::take_bill_step(store.as_ref(), number, &step, &user.username, now).await?)
}
