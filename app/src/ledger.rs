//! Turning parsed drafts into ledger documents: the one place where customer codes,
//! sales-rep usernames, currencies and default due dates are resolved, shared by the
//! REST API, the server functions and the import (so all three accept and refuse the
//! same things).
//!
//! Invariants: a resolved document belongs to an existing customer, is in that
//! customer's currency, and has a due date; errors carry the index of the draft in its
//! batch so an import can report the row.
use crate::domain::aging::{Basis, Edges};
use crate::domain::customer::{CustomerStatus, NewCustomer};
use crate::domain::documents::{
    AllocationRequest, CreditNoteDraft, CustomerDraft, FieldError, InvoiceDraft, OrderDraft,
    PaymentDraft,
};
use crate::domain::invoice::default_due_date;
use crate::domain::money::{Currency, Money};
use crate::store::{
    CustomerRef, NewCreditNote, NewInvoice, NewOrder, NewPayment, PaymentAllocation, PostedPayment,
    Store, StoreError,
};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Field errors, each with the index of its document in the batch.
    #[error("invalid documents")]
    Invalid(Vec<(usize, FieldError)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LedgerError {
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        FieldError::new(field, message).into()
    }
}

/// A single document's field error.
impl From<FieldError> for LedgerError {
    fn from(e: FieldError) -> Self {
        LedgerError::Invalid(vec![(0, e)])
    }
}

fn money(field: &str, amount: Decimal, currency: Currency) -> Result<Money, FieldError> {
    Money::new(amount, currency).map_err(|e| FieldError::new(field, e.to_string()))
}

/// Flags the second and later use of a number within one batch.
fn duplicates<'a>(
    field: &str,
    numbers: impl Iterator<Item = &'a str>,
    errors: &mut Vec<(usize, FieldError)>,
) {
    let mut seen = HashSet::new();
    for (i, n) in numbers.enumerate() {
        if !seen.insert(n) {
            errors.push((
                i,
                FieldError::new(field, format!("{n} appears more than once in this batch")),
            ));
        }
    }
}

async fn customers(
    store: &dyn Store,
    codes: impl Iterator<Item = String>,
) -> Result<HashMap<String, CustomerRef>, StoreError> {
    let codes: Vec<String> = codes.collect::<HashSet<_>>().into_iter().collect();
    store.customers_by_code(&codes).await
}

/// The customer of a draft, in that customer's currency.
fn customer_of<'a>(
    known: &'a HashMap<String, CustomerRef>,
    code: &str,
    currency: Option<Currency>,
) -> Result<&'a CustomerRef, FieldError> {
    let c = known
        .get(code)
        .ok_or_else(|| FieldError::new("customer_code", format!("no customer {code}")))?;
    match currency {
        Some(cur) if cur != c.currency => Err(FieldError::new(
            "currency",
            format!(
                "{cur} differs from customer {code}'s currency {}",
                c.currency
            ),
        )),
        _ => Ok(c),
    }
}

fn finish<T>(out: Vec<T>, mut errors: Vec<(usize, FieldError)>) -> Result<Vec<T>, LedgerError> {
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|(i, _)| *i);
        Err(LedgerError::Invalid(errors))
    }
}

pub async fn resolve_customers(
    store: &dyn Store,
    drafts: &[CustomerDraft],
) -> Result<Vec<NewCustomer>, LedgerError> {
    let mut errors = Vec::new();
    duplicates("code", drafts.iter().map(|d| d.code.as_str()), &mut errors);
    let mut reps: HashMap<String, Option<i64>> = HashMap::new();
    for name in drafts.iter().filter_map(|d| d.sales_rep.clone()) {
        if let std::collections::hash_map::Entry::Vacant(v) = reps.entry(name) {
            let id = store.user_id_by_username(v.key()).await?;
            v.insert(id);
        }
    }
    let mut out = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let rep = match &d.sales_rep {
            None => None,
            Some(name) => match reps.get(name).copied().flatten() {
                Some(id) => Some(id),
                None => {
                    errors.push((i, FieldError::new("sales_rep", format!("no user {name}"))));
                    continue;
                }
            },
        };
        out.push(NewCustomer {
            code: d.code.clone(),
            name: d.name.clone(),
            uscc: d.uscc.clone(),
            region: d.region.clone(),
            industry: d.industry.clone(),
            sales_rep_id: rep,
            contact: d.contact.clone(),
            payment_terms_days: d.payment_terms_days,
            credit_limit: d.credit_limit,
            temp_limit: d.temp_limit,
            status: CustomerStatus::Normal,
            grade: None,
            group_code: d.group_code.clone(),
        });
    }
    finish(out, errors)
}

pub async fn resolve_invoices(
    store: &dyn Store,
    drafts: &[InvoiceDraft],
) -> Result<Vec<NewInvoice>, LedgerError> {
    let mut errors = Vec::new();
    duplicates(
        "number",
        drafts.iter().map(|d| d.number.as_str()),
        &mut errors,
    );
    let known = customers(store, drafts.iter().map(|d| d.customer_code.to_string())).await?;
    let mut out = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let resolved = customer_of(&known, d.customer_code.as_str(), d.currency).and_then(|c| {
            Ok(NewInvoice {
                number: d.number.clone(),
                customer_id: c.id,
                order_ref: d.order_ref.clone(),
                invoice_date: d.invoice_date,
                ship_date: d.ship_date,
                acceptance_date: d.acceptance_date,
                due_date: d
                    .due_date
                    .unwrap_or_else(|| default_due_date(d.invoice_date, c.payment_terms_days)),
                amount: money("amount", d.amount, c.currency)?,
            })
        });
        match resolved {
            Ok(inv) => out.push(inv),
            Err(e) => errors.push((i, e)),
        }
    }
    finish(out, errors)
}

pub async fn resolve_payments(
    store: &dyn Store,
    drafts: &[PaymentDraft],
) -> Result<Vec<NewPayment>, LedgerError> {
    let mut errors = Vec::new();
    duplicates(
        "reference",
        drafts.iter().map(|d| d.reference.as_str()),
        &mut errors,
    );
    let known = customers(store, drafts.iter().map(|d| d.customer_code.to_string())).await?;
    let mut out = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let resolved = customer_of(&known, d.customer_code.as_str(), None).and_then(|c| {
            let allocation = match &d.allocation {
                AllocationRequest::Fifo => PaymentAllocation::Fifo,
                AllocationRequest::Manual(lines) => PaymentAllocation::Manual(
                    lines
                        .iter()
                        .enumerate()
                        .map(|(k, (n, a))| {
                            Ok((
                                n.clone(),
                                money(&format!("allocations[{k}].amount"), *a, c.currency)?,
                            ))
                        })
                        .collect::<Result<_, FieldError>>()?,
                ),
            };
            Ok(NewPayment {
                reference: d.reference.clone(),
                customer_id: c.id,
                received_on: d.received_on,
                amount: money("amount", d.amount, c.currency)?,
                allocation,
            })
        });
        match resolved {
            Ok(p) => out.push(p),
            Err(e) => errors.push((i, e)),
        }
    }
    finish(out, errors)
}

pub async fn resolve_order(store: &dyn Store, d: &OrderDraft) -> Result<NewOrder, LedgerError> {
    let known = customers(store, std::iter::once(d.customer_code.to_string())).await?;
    let c = customer_of(&known, d.customer_code.as_str(), None)?;
    Ok(NewOrder {
        number: d.number.clone(),
        customer_id: c.id,
        ordered_on: d.ordered_on,
        amount: money("amount", d.amount, c.currency)?,
    })
}

pub async fn resolve_credit_note(
    store: &dyn Store,
    d: &CreditNoteDraft,
) -> Result<NewCreditNote, LedgerError> {
    let known = customers(store, std::iter::once(d.customer_code.to_string())).await?;
    let c = customer_of(&known, d.customer_code.as_str(), None)?;
    Ok(NewCreditNote {
        number: d.number.clone(),
        customer_id: c.id,
        issued_on: d.issued_on,
        amount: money("amount", d.amount, c.currency)?,
        invoice_number: d.invoice_number.clone(),
        reason: d.reason.clone(),
    })
}

/// Resolves and posts one payment; what the REST API and the payment page both call.
pub async fn post_payment(
    store: &dyn Store,
    draft: &PaymentDraft,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PostedPayment, LedgerError> {
    let new = resolve_payments(store, std::slice::from_ref(draft)).await?;
    let posted = store.insert_payments(&new, actor, now).await?;
    let posted = posted
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Other("insert_payments returned nothing".into()))?;
    crate::events::after_write(store, now).await;
    Ok(posted)
}

/// Receives an acceptance bill: its payment is resolved as a payment's (customer,
/// currency, allocation), with the bill's own field names in any refusal.
pub async fn receive_bill(
    store: &dyn Store,
    bill: &crate::domain::bills::NewBill,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(crate::store::BillRecord, PostedPayment), LedgerError> {
    let draft = PaymentDraft {
        reference: bill.number.clone(),
        customer_code: bill.customer_code.clone(),
        received_on: bill.received_on,
        amount: bill.face_amount,
        allocation: bill.allocation.clone(),
    };
    let rename = |mut e: FieldError| {
        e.field = match e.field.as_str() {
            "amount" => "face_amount".into(),
            "reference" => "number".into(),
            _ => e.field,
        };
        e
    };
    let payment = match resolve_payments(store, &[draft]).await {
        Ok(mut p) => p
            .pop()
            .ok_or_else(|| StoreError::Other("no payment resolved".into()))?,
        Err(LedgerError::Invalid(list)) => {
            return Err(LedgerError::Invalid(
                list.into_iter().map(|(i, e)| (i, rename(e))).collect(),
            ))
        }
        Err(e) => return Err(e),
    };
    let received = crate::store::ReceivedBill {
        bill: bill.clone(),
        payment,
    };
    let out = store.receive_bill(&received, actor, now).await?;
    crate::events::after_write(store, now).await;
    Ok(out)
}

/// Takes a bill's lifecycle step; a dishonour reopens the invoices the bill settled.
pub async fn take_bill_step(
    store: &dyn Store,
    number: &str,
    step: &crate::domain::bills::lifecycle::TakenStep,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::store::BillRecord, LedgerError> {
    let bill = store.take_bill_step(number, step, actor, now).await?;
    crate::events::after_write(store, now).await;
    Ok(bill)
}

/// Resolves and posts one credit note.
pub async fn post_credit_note(
    store: &dyn Store,
    draft: &CreditNoteDraft,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<NewCreditNote, LedgerError> {
    let note = resolve_credit_note(store, draft).await?;
    store.insert_credit_note(&note, actor, now).await?;
    Ok(note)
}

/// The write-off tolerance finance configured, or the default 1.00.
pub async fn write_off_tolerance(
    store: &dyn Store,
    currency: Currency,
) -> Result<Money, StoreError> {
    use crate::domain::settings::WRITE_OFF_TOLERANCE;
    let tolerance = crate::settings::get_or_default(store, &WRITE_OFF_TOLERANCE).await?;
    Ok(Money::new(tolerance, currency).unwrap_or_else(|_| Money::from_minor(100, currency)))
}

/// The bucket edges finance configured for `basis`, or the standard ones.
pub async fn aging_edges(store: &dyn Store, basis: Basis) -> Result<Edges, StoreError> {
    crate::settings::get_or_default(store, &crate::domain::settings::aging_edges(basis)).await
}

/// The cockpit at `as_of` for `slice`, from the maintained aggregates, on finance's
/// due-basis bucket edges and the portfolio alert rules (the defaults until finance
/// saves its own under the setting `alerts.rules`).
/// Finance's alert rules, or the defaults.
pub async fn alert_rules(
    store: &dyn Store,
) -> Result<Vec<crate::domain::alerts::AlertRule>, StoreError> {
    crate::settings::get_or_default(store, &crate::domain::settings::ALERT_RULES).await
}

/// Evaluates the whole book's alerts at `today` and records them: new episodes notify
/// executives and finance in their inbox. Run by the server's alert tick and after
/// finance changes the rules. Returns the number of episodes opened.
pub async fn evaluate_alerts(
    store: &dyn Store,
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, StoreError> {
    use crate::domain::auth::Role;
    let d = dashboard(store, crate::domain::dashboard::Slice::All, today).await?;
    let mut recipients = Vec::new();
    for role in [Role::Executive, Role::Finance] {
        recipients.extend(store.users_by_role(role).await?.into_iter().map(|u| u.id));
    }
    store
        .record_alerts(today, &d.alerts, &recipients, now)
        .await
}

pub async fn dashboard(
    store: &dyn Store,
    slice: crate::domain::dashboard::Slice,
    as_of: chrono::NaiveDate,
) -> Result<crate::domain::dashboard::Dashboard, StoreError> {
    use crate::domain::dashboard;
    let (edges, rules, figures) = futures::try_join!(
        aging_edges(store, Basis::Due),
        alert_rules(store),
        crate::store::dashboard_figures(store, &slice, as_of, crate::store::Via::Aggregates),
    )?;
    let whole_book = slice == dashboard::Slice::All;
    let mut d = dashboard::build(
        &figures,
        slice,
        &edges,
        &rules,
        crate::domain::BOOK_CURRENCY,
    );
    if whole_book {
        d.bills = Some(bills_in_hand(store, as_of).await?);
    }
    Ok(d)
}

/// The cockpit's bills card at `as_of`: the bills not matured by then, as they stand.
async fn bills_in_hand(
    store: &dyn Store,
    as_of: chrono::NaiveDate,
) -> Result<crate::domain::bills::in_hand::BillsInHand, StoreError> {
    use crate::domain::bills::in_hand::{in_hand, BillAt};
    let q = crate::store::BillQuery {
        matures_after: Some(as_of),
        limit: i64::MAX,
        ..Default::default()
    };
    let bills: Vec<BillAt> = store
        .bills(&q)
        .await?
        .iter()
        .map(|b| BillAt {
            state: b.state,
            matures_on: b.matures_on,
            face: b.face,
        })
        .collect();
    in_hand(as_of, crate::domain::BOOK_CURRENCY, &bills)
        .map_err(|e| StoreError::Other(format!("bills card: {e}")))
}

/// The credit report of `period` for `slice` (a sales rep's is their own): the cockpit at
/// the report's as_of, the KPIs at the previous period's end beside it, the roll-forward
/// of open AR, the reps' collection over the period, and the grade and status changes
/// audited in it.
pub async fn credit_report(
    store: &dyn Store,
    slice: crate::domain::dashboard::Slice,
    period: crate::domain::report::Period,
    today: chrono::NaiveDate,
) -> Result<crate::domain::report::CreditReport, StoreError> {
    use crate::domain::dashboard::{rep_performance, Slice};
    use crate::domain::report::{kpi_deltas, CreditReport, Movements};
    let as_of = period.as_of(today);
    let before = period.start().pred_opt().unwrap_or(period.start());
    let until = as_of.succ_opt().unwrap_or(as_of);
    let (end, start, figures, changes) = futures::try_join!(
        dashboard(store, slice.clone(), as_of),
        dashboard(store, slice.clone(), before),
        store.movement_figures(&slice, period.start(), as_of),
        store.customer_changes(
            &slice,
            crate::domain::business_start(period.start()),
            crate::domain::business_start(until),
            500
        ),
    )?;
    let movements = Movements::new(
        start.kpis.open.minor(),
        figures,
        end.kpis.open.minor(),
        crate::domain::BOOK_CURRENCY,
    );
    let rep_key = match &slice {
        Slice::All => Some(None),
        Slice::Rep(id) => Some(Some(id.to_string())),
        _ => None,
    };
    let reps = match rep_key {
        Some(key) => {
            let figures = crate::store::rep_figures(
                store,
                key.as_deref(),
                period.start(),
                as_of,
                crate::store::Via::Aggregates,
            )
            .await?;
            rep_performance(
                &figures,
                period.start(),
                as_of,
                crate::domain::BOOK_CURRENCY,
            )
        }
        None => Vec::new(),
    };
    Ok(CreditReport {
        period,
        as_of,
        complete: period.is_complete(today),
        kpis: kpi_deltas(&start.kpis, &end.kpis),
        end,
        movements,
        reps,
        changes,
    })
}

/// One run of a saved template over the book, a page of customers at a time, so an
/// export holds one page in memory however many customers there are. Ungrouped, each
/// page gives its customers' rows; grouped, the groups' sums build up and come out,
/// sorted by group, with the last page. `total` is the total row once the run is over.
pub struct TemplateRun {
    template: crate::domain::report::ReportTemplate,
    scope: crate::domain::auth::Scope,
    as_of: chrono::NaiveDate,
    period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    after: String,
    page: i64,
    done: bool,
    groups: std::collections::BTreeMap<String, crate::domain::report::GroupSums>,
    total: crate::domain::report::GroupSums,
}

/// Customers read per page of a template run.
pub const TEMPLATE_PAGE: i64 = 500;

impl TemplateRun {
    pub fn new(
        template: crate::domain::report::ReportTemplate,
        scope: crate::domain::auth::Scope,
        period: crate::domain::report::Period,
        today: chrono::NaiveDate,
    ) -> TemplateRun {
        let as_of = period.as_of(today);
        let range = template.needs_period().then_some((period.start(), as_of));
        TemplateRun {
            template,
            scope,
            as_of,
            period: range,
            after: String::new(),
            page: TEMPLATE_PAGE,
            done: false,
            groups: Default::default(),
            total: Default::default(),
        }
    }

    /// Customers per read (tests use small pages to cross page boundaries).
    pub fn page_size(mut self, n: i64) -> TemplateRun {
        self.page = n.max(1);
        self
    }

    pub fn as_of(&self) -> chrono::NaiveDate {
        self.as_of
    }

    /// The column keys of every row: grouped, the group then `customers` first.
    pub fn headers(&self) -> Vec<String> {
        let mut out: Vec<String> = match self.template.group_by() {
            Some(g) => vec![g.as_str().to_string(), "customers".to_string()],
            None => Vec::new(),
        };
        out.extend(
            self.template
                .columns()
                .iter()
                .map(|c| c.as_str().to_string()),
        );
        out
    }

    /// The next rows, or `None` when every customer has been read.
    pub async fn next_rows(
        &mut self,
        store: &dyn Store,
    ) -> Result<Option<Vec<Vec<crate::domain::report::Value>>>, StoreError> {
        use crate::domain::report::{customer_row, group_key, group_row};
        let cur = crate::domain::BOOK_CURRENCY;
        if self.done {
            return Ok(None);
        }
        let page = store
            .template_customers(self.scope, self.as_of, self.period, &self.after, self.page)
            .await?;
        self.done = (page.len() as i64) < self.page;
        if let Some(last) = page.last() {
            self.after = last.code.clone();
        }
        let mut rows = Vec::new();
        for c in page.iter().filter(|c| self.template.keeps(c)) {
            self.total.add(c);
            match self.template.group_by() {
                Some(g) => self.groups.entry(group_key(g, c)).or_default().add(c),
                None => rows.push(customer_row(&self.template, c, cur)),
            }
        }
        if self.done && self.template.group_by().is_some() {
            rows.extend(
                self.groups
                    .iter()
                    .map(|(k, s)| group_row(&self.template, k, s, cur)),
            );
        }
        Ok(Some(rows))
    }

    /// The total over every customer the run kept (complete once `next_rows` is `None`).
    pub fn total(&self) -> Vec<crate::domain::report::Value> {
        use crate::domain::report::{group_row, total_row};
        let cur = crate::domain::BOOK_CURRENCY;
        match self.template.group_by() {
            Some(_) => group_row(&self.template, "TOTAL", &self.total, cur),
            None => total_row(&self.template, &self.total, cur),
        }
    }
}

/// The approval routing policy in force: finance's setting, or the shipped default. A
/// stored policy that no longer parses is an error naming the setting.
pub async fn approval_policy(
    store: &dyn Store,
) -> Result<crate::domain::approval::Policy, StoreError> {
    crate::settings::get(store, &crate::domain::settings::APPROVAL_POLICY).await
}

/// Files a limit application for `applicant`: parses the form, reads the customer
/// (within the applicant's scope: out of scope is `NotFound`), routes the request by
/// the policy in force and snapshots the routed chain, with the applicant's manager
/// resolved, onto the new application.
pub async fn apply_for_credit(
    store: &dyn Store,
    applicant: &crate::domain::auth::User,
    draft: &crate::domain::approval::RequestDraft,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, LedgerError> {
    use crate::domain::approval::LimitRequest;
    let today = crate::domain::business_date(now);
    let file = store
        .customer_file(draft.customer_id, applicant.scope())
        .await?
        .ok_or(StoreError::NotFound)?;
    let request = LimitRequest::parse(draft, file.credit_limit.currency(), today)
        .map_err(|errors| LedgerError::Invalid(errors.into_iter().map(|e| (0, e)).collect()))?;
    let kind = request.request_kind();
    route_and_file(store, applicant.clone(), &file, request, kind, None, now).await
}

/// Routes a request by the policy in force on the facts of the customer's file, snapshots
/// the routed chain with the applicant's manager resolved, and files it.
async fn route_and_file(
    store: &dyn Store,
    applicant: crate::domain::auth::User,
    file: &crate::domain::customer::CustomerFile,
    request: crate::domain::approval::LimitRequest,
    kind: crate::domain::approval::RequestKind,
    order_id: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, LedgerError> {
    let facts = crate::domain::approval::Facts {
        kind,
        amount: request.amount,
        current_limit: file.credit_limit,
        grade: file.grade,
        status: file.status,
        region: file.region.clone(),
    };
    let routed = approval_policy(store)
        .await?
        .route(&facts)
        .map_err(|e| LedgerError::one("amount", e.to_string()))?;
    let manager = store.user_manager(applicant.id).await?;
    let new = crate::store::NewApplication {
        steps: routed.resolve(manager),
        chain_key: routed.chain,
        chain_name: routed.chain_name,
        request,
        order_id,
        applicant,
        facts,
    };
    Ok(store.submit_application(&new, now).await?)
}

/// The scheduler's safety net for order approvals: files the item of every held order
/// that has none yet (its filing after the order failed, or the server stopped between
/// the two). One order has at most one application (a unique index), so a race with the
/// filing after the order files once; returns how many this call filed.
pub async fn file_missing_order_approvals(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, LedgerError> {
    let mut filed = 0;
    for (id, order, reasons) in store.orders_awaiting_approval(100).await? {
        match file_order_approval(store, id, &order, &reasons, now).await {
            Ok(_) => filed += 1,
            Err(LedgerError::Store(StoreError::Conflict(_))) => {} // filed meanwhile
            Err(e) => return Err(e),
        }
    }
    Ok(filed)
}

/// Files the approval item of an order the credit check sent to approval, through the
/// same policy and engine as limit applications: routed on the order's amount, filed
/// in the name of the customer's sales rep (or, without one, the first sales manager,
/// who is then also its first approver's role). Its final approval releases the order,
/// which then counts toward exposure. One order has at most one application.
pub async fn file_order_approval(
    store: &dyn Store,
    order_id: i64,
    order: &NewOrder,
    reasons: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, LedgerError> {
    use crate::domain::approval::{LimitKind, LimitRequest, RequestKind};
    use crate::domain::auth::{Role, Scope};
    let file = store
        .customer_file(order.customer_id, Scope::All)
        .await?
        .ok_or(StoreError::NotFound)?;
    let users = store.list_users().await?;
    // The customer's rep is the sales rep whose scope holds it.
    let mut rep = None;
    for u in users.iter().filter(|u| u.role == Role::SalesRep) {
        if store
            .customer_file(order.customer_id, Scope::Rep(u.id))
            .await?
            .is_some()
        {
            rep = Some(u.clone());
            break;
        }
    }
    let applicant = rep
        .or_else(|| users.iter().find(|u| u.role == Role::SalesManager).cloned())
        .or_else(|| users.iter().find(|u| u.role == Role::Admin).cloned())
        .ok_or_else(|| {
            LedgerError::one(
                "customer_code",
                "no user can be named as the order's applicant",
            )
        })?;
    let request = LimitRequest {
        customer_id: order.customer_id,
        kind: LimitKind::Permanent,
        amount: order.amount,
        terms_days: u32::from(file.payment_terms_days),
        reason: format!("{} {} ({reasons})", order.number, order.ordered_on),
    };
    route_and_file(
        store,
        applicant,
        &file,
        request,
        RequestKind::Order,
        Some(order_id),
        now,
    )
    .await
}

// ---- credit scoring: rescoring runs and the back-test (store: server/src/store/scoring.rs)
//
// Invariants: a run scores with one model version from start to finish (read once, after
// the claim); it reads the book a page of customers at a time (`SCORING_PAGE`), so memory
// stays bounded whatever the book's size, and records each page in one transaction under
// the run's lease; a run key is claimed once, so `monthly_rescore` scores a month once
// however many ticks or servers call it. The back-test reads histories up to the end of
// the outcome window but scores each customer from what was dated on or before as_of
// (`indicators::compute` is point in time), so no later document leaks into a score.

/// Customers read, scored and recorded per page.
pub const SCORING_PAGE: i64 = 200;
/// A run whose lease was not renewed for this long may be taken over (a crashed worker).
pub const RUN_LEASE_SECONDS: i64 = 15 * 60;

/// The customers a rescoring covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rescore {
    All,
    One(i64),
}

/// A model version: 0 is the built-in default, any other a stored version (`NotFound`
/// when there is none by that number).
pub async fn model_version(
    store: &dyn Store,
    version: i64,
) -> Result<crate::domain::scoring::ScoringModel, StoreError> {
    use crate::domain::scoring::ScoringModel;
    if version == 0 {
        return Ok(ScoringModel::default_model());
    }
    store
        .model_versions()
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .map(|v| v.model)
        .ok_or(StoreError::NotFound)
}

/// The active version and its model. A setting that is not a version number, or names
/// a version that does not exist, is an error naming the setting.
pub async fn active_model(
    store: &dyn Store,
) -> Result<(i64, crate::domain::scoring::ScoringModel), StoreError> {
    use crate::domain::settings::ACTIVE_MODEL;
    let bad = |m: String| StoreError::Other(format!("setting {}: {m}", ACTIVE_MODEL.key));
    let version = crate::settings::get(store, &ACTIVE_MODEL).await?;
    match model_version(store, version).await {
        Ok(model) => Ok((version, model)),
        Err(StoreError::NotFound) => Err(bad(format!("there is no version {version}"))),
        Err(e) => Err(e),
    }
}

/// One customer's score at `as_of`, or None when its cooperation had not started.
fn score_subject(
    model: &crate::domain::scoring::ScoringModel,
    version: i64,
    subject: &crate::store::ScoringSubject,
    as_of: chrono::NaiveDate,
) -> Option<crate::store::NewScore> {
    let found = crate::domain::indicators::compute(&subject.history, as_of)?;
    let card = crate::domain::scoring::score(model, &found.values(&subject.factors));
    Some(crate::store::NewScore {
        customer_id: subject.customer_id,
        model_version: version,
        as_of,
        card,
        sales_12m: found.sales_12m,
    })
}

/// Scores `which` customers at `as_of` with the active model under the run key
/// `run_key`, writing the scores and the grade changes (audited) a page at a time.
/// None when the key was already claimed (finished, or running elsewhere): only the
/// claimer runs. A run a crash left behind is resumed once its lease is stale.
pub async fn rescore(
    store: &dyn Store,
    which: Rescore,
    as_of: chrono::NaiveDate,
    run_key: &str,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<crate::records::ScoringRun>, StoreError> {
    let owner = uuid::Uuid::new_v4().to_string();
    let stale_before = now - chrono::Duration::seconds(RUN_LEASE_SECONDS);
    let Some(lease) = store
        .claim_scoring_run(run_key, &owner, now, stale_before)
        .await?
    else {
        return Ok(None);
    };
    let (version, model) = active_model(store).await?;
    let only = match which {
        Rescore::All => None,
        Rescore::One(id) => Some(id),
    };
    let mut after = lease.resume_after;
    loop {
        let page = store
            .scoring_subjects(after, SCORING_PAGE, only, as_of)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.customer_id;
        let scores: Vec<_> = page
            .iter()
            .filter_map(|s| score_subject(&model, version, s, as_of))
            .collect();
        store.record_scores(&lease, &scores, actor, now).await?;
        if only.is_some() || (page.len() as i64) < SCORING_PAGE {
            break;
        }
    }
    let run = store.finish_scoring_run(&lease, now).await?;
    // The grade changes' events: one page now, the rest of a whole-book run by the job.
    crate::events::after_write(store, now).await;
    Ok(Some(run))
}

/// The run key of the month `now` falls in (business timezone): `monthly:2026-11`.
pub fn monthly_run_key(now: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "monthly:{}",
        crate::domain::business_date(now).format("%Y-%m")
    )
}

/// The scheduler's monthly rescoring of every customer at today's date: the first call
/// in a business month runs it, every later one (or a concurrent one) does nothing.
pub async fn monthly_rescore(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<crate::records::ScoringRun>, StoreError> {
    rescore(
        store,
        Rescore::All,
        crate::domain::business_date(now),
        &monthly_run_key(now),
        "scheduler",
        now,
    )
    .await
}

/// Back-tests several model versions at once over one read of the book: every customer
/// that was one at `as_of` is scored with each model from its documents dated up to
/// as_of, and its outcome is whether it went 90+ days past due in the six months after.
/// One `Backtest` per version, in the order asked.
pub async fn backtest_versions(
    store: &dyn Store,
    versions: &[i64],
    as_of: chrono::NaiveDate,
) -> Result<Vec<crate::domain::scoring::Backtest>, StoreError> {
    use crate::domain::indicators::{compute, defaulted, outcome_end};
    use crate::domain::scoring::{backtest, score, Outcome};
    let mut models = Vec::with_capacity(versions.len());
    for v in versions {
        models.push(model_version(store, *v).await?);
    }
    let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); models.len()];
    let upto = outcome_end(as_of);
    let mut after = 0;
    loop {
        let page = store
            .scoring_subjects(after, SCORING_PAGE, None, upto)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.customer_id;
        for s in &page {
            let Some(found) = compute(&s.history, as_of) else {
                continue;
            };
            let values = found.values(&s.factors);
            let went_bad = defaulted(&s.history, as_of);
            for (model, out) in models.iter().zip(&mut outcomes) {
                let card = score(model, &values);
                out.push(Outcome {
                    score: card.score,
                    grade: card.grade,
                    defaulted: went_bad,
                });
            }
        }
        if (page.len() as i64) < SCORING_PAGE {
            break;
        }
    }
    Ok(outcomes.iter().map(|o| backtest(o)).collect())
}

/// One model version's back-test at `as_of` (see `backtest_versions`).
pub async fn backtest(
    store: &dyn Store,
    version: i64,
    as_of: chrono::NaiveDate,
) -> Result<crate::domain::scoring::Backtest, StoreError> {
    backtest_versions(store, &[version], as_of)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}
