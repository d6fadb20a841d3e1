//! The REST API as an OpenAPI 3 document, served without a key at
//! `GET /api/v1/openapi.json` (it describes the API, not anyone's data).
//!
//! Invariants:
//! - the document is derived from the code that runs: its operations are those of the
//!   routes `super::api` registers, each from its handler's `#[utoipa::path]`, request bodies are app's strict `*Input` types themselves, and
//!   response bodies are the structs in `responses` that the handlers serialise;
//! - the few wire types that live in app modules without schema annotations (`Currency`,
//!   `CustomerStatus`, `Grade`, `Decision`, `Reason`, `Basis`, `Money`, `CustomerRow`)
//!   are described here, once. An enum's values are the type's own serde names, and a
//!   new variant does not compile until it is listed here; the two object shapes
//!   (`Money`, `CustomerRow`) are held to a real response by `tests/openapi.rs`;
//! - every operation but this one requires `Authorization: Bearer <key>`.
use super::responses::{
    Allocation, CreditCheckResult, CreditNote, CreditNotePage, CreditSummary, Customer, Group,
    GroupList, Invoice, InvoicePage, Order, OrderPage, Payment, PaymentPage, PostedOrder,
    ValidationErrors,
};
use super::{AgingBucket, AgingReport, ApiError, CustomerList};
use app::domain::aging::Basis;
use app::domain::credit::{Decision, Reason};
use app::domain::customer::{CustomerStatus, Grade};
use app::domain::documents::{
    AllocationInput, CreditCheckInput, CreditNoteInput, CustomerInput, CustomerPatchInput,
    FieldError, InvoiceInput, OrderInput, PaymentInput,
};
use app::domain::groups::{GroupInput, GroupPatchInput};
use app::domain::money::Currency;
use axum::Json;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::LazyLock;
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Ref, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CreditDesk REST API",
        description = "For ERP/CRM systems. Authenticate with `Authorization: Bearer <key>` (keys come from \
            `creditdesk api-key create`). Each endpoint needs a scope of the key: `read` for reads and credit \
            checks, `ledger:write` for posting documents, `credit:write` for limit and status changes, `admin` for \
            rule runs; without it the answer is 403, for a revoked or expired key 401, past the key's rate limit \
            429 with Retry-After. Money is a decimal string with at most two decimals (\"1234.50\") \
            next to its currency; dates are YYYY-MM-DD. Bodies and queries are strict: unknown, missing or bad \
            fields are 422 `{\"errors\":[{\"field\",\"message\"}]}`, malformed JSON is 400. A document number \
            that already exists is 409. Every POST accepts an `Idempotency-Key` header: a replay returns the \
            first response, marked `Idempotent-Replayed: true`, with no second effect."
    ),
    components(schemas(
        CustomerInput, CustomerPatchInput, InvoiceInput, OrderInput, PaymentInput, AllocationInput, CreditNoteInput,
        CreditCheckInput, FieldError, ValidationErrors, ApiError, Customer, CreditSummary, Invoice, Order,
        CreditCheckResult, Payment, Allocation, CreditNote, CustomerList, AgingReport, AgingBucket,
        GroupInput, GroupPatchInput, Group, GroupList, InvoicePage, PaymentPage, CreditNotePage, OrderPage, PostedOrder, CurrencySchema, CustomerStatusSchema, GradeSchema, DecisionSchema, ReasonSchema, BasisSchema, MoneySchema,
        CustomerRowSchema, app::domain::bills::BillInput, app::domain::bills::lifecycle::StepInput,
        super::documents::bills::Bill, super::documents::bills::BillPage, app::domain::bills::BillKind,
        app::domain::bills::Medium, app::domain::bills::lifecycle::BillState, super::rule_runs::RuleRunInput, super::rule_runs::RuleRunReport, super::rule_runs::RuleRunCounts,
    )),
    tags(
        (name = "customers", description = "Credit files: open, read, change terms"),
        (name = "credit", description = "Credit position and checks"),
        (name = "documents", description = "Invoices, orders, payments, credit notes and acceptance bills: post one, read one, or list them a page at a time"),
        (name = "reports", description = "Aging"),
        (name = "rules", description = "Collection rule runs (keys with the admin scope)"),
    ),
    modifiers(&BearerKey),
)]
pub struct ApiDoc;

/// The `bearer` security scheme every operation names.
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("API key")
            .description(Some(
                "An API key created with `creditdesk api-key create`; only its SHA-256 is stored.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// `ApiDoc` with the operations of every route `super::api` serves.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> =
    LazyLock::new(|| super::api().split_for_parts().1);

/// `GET /api/v1/openapi.json`.
pub(crate) async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(&DOCUMENT)
}

/// A string enum whose values are the variants' serde names.
fn string_enum<T: Serialize>(variants: &[T], description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            variants.iter().filter_map(|v| serde_json::to_value(v).ok()),
        ))
        .description(Some(description))
        .into()
}

/// Describes app enum `$ty` as the schema named after it. The `const` is an exhaustive
/// match: a variant added to `$ty` fails to compile here until it is listed.
macro_rules! wire_enum {
    ($marker:ident, $ty:ident, $description:literal, [$($variant:ident),+ $(,)?]) => {
        pub(crate) struct $marker;

        const _: fn($ty) = |v| match v {
            $($ty::$variant)|+ => {}
        };

        impl PartialSchema for $marker {
            fn schema() -> RefOr<Schema> {
                string_enum(&[$($ty::$variant),+], $description)
            }
        }

        impl ToSchema for $marker {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
        }
    };
}

wire_enum!(
    CurrencySchema,
    Currency,
    "An ISO 4217 currency CreditDesk books in.",
    [CNY, USD, EUR, HKD]
);
wire_enum!(
    CustomerStatusSchema,
    CustomerStatus,
    "Where the customer stands; `frozen` and `blacklisted` block new orders.",
    [Normal, Watch, Frozen, Blacklisted]
);
wire_enum!(
    GradeSchema,
    Grade,
    "Credit grade from scoring, A best; null until scored.",
    [A, B, C, D]
);
wire_enum!(
    DecisionSchema,
    Decision,
    "A credit check's outcome.",
    [Approved, NeedsApproval, Blocked]
);
wire_enum!(
    ReasonSchema,
    Reason,
    "Why a check was not simply approved.",
    [
        CustomerFrozen,
        CustomerBlacklisted,
        OverLimit,
        GroupOverLimit,
        Overdue,
        PrepaymentRequired
    ]
);
wire_enum!(
    BasisSchema,
    Basis,
    "`due`: days past the due date; `invoice`: days since the invoice date.",
    [Due, Invoice]
);

fn decimal_string(example: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .examples([example])
}

fn nullable(schema: impl Into<RefOr<Schema>>) -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(schema)
        .into()
}

/// `app::domain::money::Money` as serde writes it.
pub(crate) struct MoneySchema;

impl PartialSchema for MoneySchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "An exact amount: a decimal string with at most two decimals, and its currency.",
            ))
            .property("amount", decimal_string("1234.50"))
            .required("amount")
            .property("currency", Ref::from_schema_name(CurrencySchema::name()))
            .required("currency")
            .into()
    }
}

impl ToSchema for MoneySchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Money")
    }
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            CurrencySchema::name().into_owned(),
            CurrencySchema::schema(),
        ));
    }
}

/// `app::domain::customer::CustomerRow` (one line of `GET /customers`) as serde writes it.
pub(crate) struct CustomerRowSchema;

impl PartialSchema for CustomerRowSchema {
    fn schema() -> RefOr<Schema> {
        let text = || ObjectBuilder::new().schema_type(Type::String);
        let text_or_null =
            || ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]));
        let integer = || {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        };
        let money = || Ref::from_schema_name(MoneySchema::name());
        let fields: Vec<(&str, RefOr<Schema>)> = vec![
            ("id", integer().into()),
            ("code", text().examples(["ERP-1001"]).into()),
            ("name", text().into()),
            ("region", text().into()),
            ("industry", text().into()),
            (
                "sales_rep",
                text_or_null()
                    .description(Some("The sales rep's username."))
                    .into(),
            ),
            (
                "status",
                Ref::from_schema_name(CustomerStatusSchema::name()).into(),
            ),
            (
                "grade",
                nullable(Ref::from_schema_name(GradeSchema::name())),
            ),
            ("open", money().into()),
            ("overdue", money().into()),
            ("max_days_past_due", integer().into()),
        ];
        fields
            .into_iter()
            .fold(
                ObjectBuilder::new().description(Some(
                    "A customer with its open and overdue receivables at the list's as_of.",
                )),
                |o, (name, schema)| o.property(name, schema).required(name),
            )
            .into()
    }
}

impl ToSchema for CustomerRowSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CustomerRow")
    }
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for (name, schema) in [
            (MoneySchema::name(), MoneySchema::schema()),
            (CurrencySchema::name(), CurrencySchema::schema()),
            (CustomerStatusSchema::name(), CustomerStatusSchema::schema()),
            (GradeSchema::name(), GradeSchema::schema()),
        ] {
            schemas.push((name.into_owned(), schema));
        }
    }
}
