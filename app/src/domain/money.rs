//! Exact money.
//!
//! Invariants:
//! - An amount is a `Decimal` whose scale never exceeds its currency's minor-unit
//!   exponent, so every `Money` converts to integer minor units without rounding.
//!   `Money::new` enforces it; nothing else builds a `Money`.
//! - The database stores `amount_minor` (i64) plus the currency code; the wire carries
//!   the amount as a decimal string. `f64` never touches a money value.
//! - Arithmetic is checked: mixing currencies or overflowing i64 minor units is an error,
//!   never a silent wrap.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency that CreditDesk books in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Currency {
    CNY,
    USD,
    EUR,
    HKD,
}

impl Currency {
    /// Digits after the decimal point in the currency's minor unit (fen, cent).
    pub const fn minor_exponent(self) -> u32 {
        2
    }

    pub const fn code(self) -> &'static str {
        match self {
            Currency::CNY => "CNY",
            Currency::USD => "USD",
            Currency::EUR => "EUR",
            Currency::HKD => "HKD",
        }
    }

    pub const fn symbol(self) -> &'static str {
        match self {
            Currency::CNY => "¥",
            Currency::USD => "$",
            Currency::EUR => "€",
            Currency::HKD => "HK$",
        }
    }

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code.trim().to_ascii_uppercase().as_str() {
            "CNY" | "RMB" => Ok(Currency::CNY),
            "USD" => Ok(Currency::USD),
            "EUR" => Ok(Currency::EUR),
            "HKD" => Ok(Currency::HKD),
            other => Err(MoneyError::UnknownCurrency(other.to_string())),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency '{0}' (expected CNY, USD, EUR or HKD)")]
    UnknownCurrency(String),
    #[error("amount '{0}' is not a decimal number")]
    NotANumber(String),
    #[error("amount {amount} has more than {digits} decimal places for {currency}")]
    TooPrecise {
        amount: String,
        digits: u32,
        currency: Currency,
    },
    #[error("amount is too large")]
    Overflow,
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
}

/// An exact amount in one currency. Private fields: build it with [`Money::new`],
/// [`Money::from_minor`] or [`Money::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MoneyWire")]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

/// What arrives on the wire, before [`Money::new`] has checked it.
#[derive(Deserialize)]
struct MoneyWire {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

impl TryFrom<MoneyWire> for Money {
    type Error = MoneyError;
    fn try_from(w: MoneyWire) -> Result<Self, MoneyError> {
        Money::new(w.amount, w.currency)
    }
}

impl Money {
    /// Fails when `amount` has more decimals than the currency's minor unit; otherwise
    /// the amount is kept at exactly the minor unit's scale.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let mut amount = amount.normalize();
        let digits = currency.minor_exponent();
        if amount.scale() > digits {
            return Err(MoneyError::TooPrecise {
                amount: amount.to_string(),
                digits,
                currency,
            });
        }
        // Always carry the full minor digits: "1234.50" on the wire, as accountants write it.
        amount.rescale(digits);
        // Must also fit in i64 minor units, the storage format.
        let m = Money { amount, currency };
        m.checked_minor()?;
        Ok(m)
    }

    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: Decimal::ZERO,
            currency,
        }
    }

    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money {
            amount: Decimal::new(minor, currency.minor_exponent()),
            currency,
        }
    }

    /// Parses a user-entered amount such as `12,345.60` or `¥ 1 000`.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let cleaned: String = text
            .trim()
            .trim_start_matches(currency.symbol())
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '_'))
            .collect();
        let amount: Decimal = cleaned
            .parse()
            .map_err(|_| MoneyError::NotANumber(text.trim().to_string()))?;
        Money::new(amount, currency)
    }

    fn checked_minor(&self) -> Result<i64, MoneyError> {
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10i64.pow(self.currency.minor_exponent())))
            .ok_or(MoneyError::Overflow)?;
        i64::try_from(scaled).map_err(|_| MoneyError::Overflow)
    }

    /// Integer minor units, exact by construction.
    pub fn minor(&self) -> i64 {
        self.checked_minor()
            .expect("Money::new guarantees the amount fits in i64 minor units")
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let minor = self
            .minor()
            .checked_add(other.minor())
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let minor = self
            .minor()
            .checked_sub(other.minor())
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// `¥1,234,567.80` / `-¥0.05`: grouped thousands, always the full minor digits.
    pub fn display(&self) -> String {
        let sign = if self.is_negative() { "-" } else { "" };
        format!(
            "{sign}{}{}",
            self.currency.symbol(),
            group_thousands(self.amount, self.currency.minor_exponent())
        )
    }

    /// `¥123.5万` / `¥1.23亿` for Chinese UI, `¥1.2M` for English: a KPI card headline.
    /// Rounding here is for display only (half away from zero); stored values are exact.
    pub fn display_compact(&self, chinese: bool) -> String {
        let abs = self.amount.abs();
        let sign = if self.is_negative() { "-" } else { "" };
        let (div, suffix): (Decimal, &str) = if chinese {
            if abs >= Decimal::from(100_000_000) {
                (Decimal::from(100_000_000), "亿")
            } else if abs >= Decimal::from(10_000) {
                (Decimal::from(10_000), "万")
            } else {
                (Decimal::ONE, "")
            }
        } else if abs >= Decimal::from(1_000_000_000) {
            (Decimal::from(1_000_000_000), "B")
        } else if abs >= Decimal::from(1_000_000) {
            (Decimal::from(1_000_000), "M")
        } else if abs >= Decimal::from(1_000) {
            (Decimal::from(1_000), "K")
        } else {
            (Decimal::ONE, "")
        };
        if div == Decimal::ONE {
            return self.display();
        }
        let v = (abs / div)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        format!(
            "{sign}{}{}{suffix}",
            self.currency.symbol(),
            group_thousands(v, 2)
        )
    }
}

/// `1234567.8` -> `1,234,567.80` for a non-negative amount (callers place the sign).
fn group_thousands(amount: Decimal, digits: u32) -> String {
    let mut v = amount.abs();
    v.rescale(digits);
    let s = v.to_string();
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let mut grouped = String::with_capacity(s.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if frac.is_empty() {
        grouped
    } else {
        format!("{grouped}.{frac}")
    }
}

/// A share of a whole, as an exact percentage with two decimals (half away from zero).
/// `None` when the whole is zero: a rate of nothing is not 0%.
pub fn percent(part: Money, whole: Money) -> Option<Decimal> {
    if whole.is_zero() || part.currency != whole.currency {
        return None;
    }
    Some(
        (Decimal::from(part.minor()) * Decimal::ONE_HUNDRED / Decimal::from(whole.minor()))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn parses_grouped_input_and_rejects_fractions_of_a_fen() {
        assert_eq!(
            Money::parse("12,345.60", Currency::CNY).unwrap().minor(),
            1_234_560
        );
        assert_eq!(
            Money::parse("¥1 000", Currency::CNY).unwrap().minor(),
            100_000
        );
        assert!(matches!(
            Money::parse("1.005", Currency::CNY),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("abc", Currency::CNY),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(
            Money::parse("1e30", Currency::CNY),
            Err(MoneyError::NotANumber(_)) | Err(MoneyError::Overflow)
        ));
    }

    #[test]
    fn displays_grouped_with_full_minor_digits() {
        assert_eq!(
            Money::from_minor(123_456_780, Currency::CNY).display(),
            "¥1,234,567.80"
        );
        assert_eq!(Money::from_minor(-5, Currency::CNY).display(), "-¥0.05");
        assert_eq!(
            Money::from_minor(-123_456_78, Currency::CNY).display(),
            "-¥123,456.78"
        );
        assert_eq!(
            Money::from_minor(-449_040_00, Currency::CNY).display_compact(true),
            "-¥44.90万"
        );
        assert_eq!(Money::from_minor(0, Currency::USD).display(), "$0.00");
        assert_eq!(
            Money::from_minor(123_456_789_00, Currency::CNY).display_compact(true),
            "¥1.23亿"
        );
        assert_eq!(
            Money::from_minor(1_235_000_00, Currency::CNY).display_compact(true),
            "¥123.50万"
        );
        assert_eq!(
            Money::from_minor(1_235_000_00, Currency::CNY).display_compact(false),
            "¥1.24M"
        );
    }

    #[test]
    fn refuses_mixed_currencies() {
        let a = Money::from_minor(1, Currency::CNY);
        let b = Money::from_minor(1, Currency::USD);
        assert_eq!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(Currency::CNY, Currency::USD))
        );
    }

    #[test]
    fn wire_format_is_a_decimal_string() {
        let m = Money::from_minor(1050, Currency::CNY);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"10.50","currency":"CNY"}"#
        );
        let back: Money = serde_json::from_str(r#"{"amount":"10.5","currency":"CNY"}"#).unwrap();
        assert_eq!(back, m);
        let err =
            serde_json::from_str::<Money>(r#"{"amount":"0.001","currency":"CNY"}"#).unwrap_err();
        assert!(err.to_string().contains("decimal places"), "{err}");
    }

    #[test]
    fn percent_is_exact_and_none_for_zero_whole() {
        let p = percent(
            Money::from_minor(1, Currency::CNY),
            Money::from_minor(3, Currency::CNY),
        )
        .unwrap();
        assert_eq!(p, Decimal::from_str("33.33").unwrap());
        assert_eq!(
            percent(Money::zero(Currency::CNY), Money::zero(Currency::CNY)),
            None
        );
    }

    proptest! {
        #[test]
        fn minor_units_round_trip(minor in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let m = Money::from_minor(minor, Currency::CNY);
            prop_assert_eq!(m.minor(), minor);
            prop_assert_eq!(Money::parse(&m.amount().to_string(), Currency::CNY).unwrap(), m);
        }

        #[test]
        fn addition_is_exact(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let s = Money::from_minor(a, Currency::CNY).checked_add(Money::from_minor(b, Currency::CNY)).unwrap();
            prop_assert_eq!(s.minor(), a + b);
            prop_assert_eq!(s.checked_sub(Money::from_minor(b, Currency::CNY)).unwrap().minor(), a);
        }
    }
}
