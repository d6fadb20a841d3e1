//! Finance's settings, typed. Each `Setting` names its key, how its stored text parses
//! and its default; the settings service (`crate::settings`) parses stored values only
//! through these, so every reader of a setting sees the same value.
//!
//! Invariants:
//! - A setting finance never saved has its default.
//! - A stored value that no longer parses is an error naming the setting (`parse`
//!   says why); `crate::settings::get_or_default` is for the few readers that must keep
//!   working on the default and log instead.
use super::aging::{Basis, Edges};
use super::alerts::{self, AlertRule};
use super::approval::{Policy, PolicyDraft};
use super::collections::{Terms, TermsDraft};
use super::credit::CreditPolicy;
use super::documents::FieldError;
use super::notify::{self, SmtpDraft, SmtpSettings, WebhookDraft, WebhookTarget};
use super::rules::DunningTerms;
use rust_decimal::Decimal;

/// One setting: its key, the type of its value, and its default.
pub struct Setting<T: 'static> {
    pub key: &'static str,
    pub parse: fn(&str) -> Result<T, String>,
    pub default: fn() -> T,
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

fn fields(errors: Vec<FieldError>) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The small difference a payment may leave for a write-off (book currency units).
pub const WRITE_OFF_TOLERANCE: Setting<Decimal> = Setting {
    key: "ledger.write_off_tolerance",
    parse: |t| {
        t.trim()
            .parse()
            .map_err(|_| format!("'{t}' is not an amount"))
    },
    default: || Decimal::ONE,
};

/// Finance's aging bucket edges, per basis (comma-separated days).
pub const fn aging_edges(basis: Basis) -> Setting<Edges> {
    match basis {
        Basis::Due => Setting {
            key: "aging.edges.due",
            parse: |t| Edges::parse_list(Basis::Due, t).map_err(|e| e.to_string()),
            default: || Edges::standard(Basis::Due),
        },
        Basis::Invoice => Setting {
            key: "aging.edges.invoice",
            parse: |t| Edges::parse_list(Basis::Invoice, t).map_err(|e| e.to_string()),
            default: || Edges::standard(Basis::Invoice),
        },
    }
}

/// The portfolio alert rules of the cockpit.
pub const ALERT_RULES: Setting<Vec<AlertRule>> = Setting {
    key: alerts::RULES_SETTING,
    parse: |t| alerts::parse_rules(json(t)?),
    default: alerts::default_rules,
};

/// The approval chains and how requests are routed to them.
pub const APPROVAL_POLICY: Setting<Policy> = Setting {
    key: super::approval::POLICY_SETTING,
    parse: |t| {
        let draft: PolicyDraft = json(t)?;
        Policy::try_from(draft).map_err(|e| {
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    },
    default: Policy::default_policy,
};

fn boolean(t: &str) -> Result<bool, String> {
    t.trim()
        .parse()
        .map_err(|_| format!("'{t}' is not true or false"))
}

/// Set by `seed-demo`: this database holds the demo data set and its known passwords,
/// and the login page says so.
pub const DEMO_DATA: Setting<bool> = Setting {
    key: "demo.data",
    parse: boolean,
    default: || false,
};

/// Whether unmatured bank acceptance bills count in exposure (`domain::credit`).
/// Commercial bills always do; a bank's acceptance is near cash, so by default not.
pub const BANK_BILLS_IN_EXPOSURE: Setting<bool> = Setting {
    key: "credit.exposure.bank_bills",
    parse: boolean,
    default: || false,
};

/// The scoring model version in force (0: the built-in model).
pub const ACTIVE_MODEL: Setting<i64> = Setting {
    key: "scoring.active_version",
    parse: |t| {
        t.trim()
            .parse()
            .map_err(|_| format!("'{t}' is not a version number"))
    },
    default: || 0,
};

/// The collections workbench's terms (grace days, priority weights).
pub const COLLECTION_TERMS: Setting<Terms> = Setting {
    key: super::collections::TERMS_KEY,
    parse: |t| Terms::try_from(&json::<TermsDraft>(t)?).map_err(|e| format!("{e:?}")),
    default: Terms::default,
};

/// The outgoing mail server, if finance configured one.
pub const SMTP: Setting<Option<SmtpSettings>> = Setting {
    key: notify::NOTIFY_SMTP_SETTING,
    parse: |t| {
        SmtpSettings::try_from(json::<SmtpDraft>(t)?)
            .map(Some)
            .map_err(fields)
    },
    default: || None,
};

/// The configured webhook targets (generic, DingTalk, WeCom).
pub const WEBHOOKS: Setting<Vec<WebhookTarget>> = Setting {
    key: notify::NOTIFY_WEBHOOKS_SETTING,
    parse: |t| notify::parse_webhooks(json::<Vec<WebhookDraft>>(t)?).map_err(fields),
    default: Vec::new,
};

/// Dunning fees per level and the interest rate.
pub const DUNNING: Setting<DunningTerms> = Setting {
    key: super::rules::DUNNING_SETTING,
    parse: json,
    default: DunningTerms::default,
};

/// When an overdue invoice sends new orders to approval.
pub const CREDIT_POLICY: Setting<CreditPolicy> = Setting {
    key: "credit.overdue_days",
    parse: |t| {
        let overdue_days = t
            .trim()
            .parse()
            .map_err(|_| format!("'{t}' is not a number of days"))?;
        Ok(CreditPolicy { overdue_days })
    },
    default: CreditPolicy::default,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_parse_errors_name_the_problem() {
        assert_eq!(
            (WRITE_OFF_TOLERANCE.parse)(" 2.50 "),
            Ok(Decimal::new(250, 2))
        );
        assert_eq!(
            (WRITE_OFF_TOLERANCE.parse)("x"),
            Err("'x' is not an amount".into())
        );
        assert_eq!((CREDIT_POLICY.default)().overdue_days, 90);
        assert_eq!((ACTIVE_MODEL.parse)("3"), Ok(3));
        assert_eq!((BANK_BILLS_IN_EXPOSURE.parse)(" true"), Ok(true));
        assert!(!(BANK_BILLS_IN_EXPOSURE.default)());
        assert_eq!(
            (BANK_BILLS_IN_EXPOSURE.parse)("yes"),
            Err("'yes' is not true or false".into())
        );
        assert!((SMTP.parse)("{").is_err());
        assert_eq!(
            (aging_edges(Basis::Invoice).default)(),
            Edges::standard(Basis::Invoice)
        );
        assert_eq!(aging_edges(Basis::Due).key, "aging.edges.due");
    }
}
