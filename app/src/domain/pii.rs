//! A customer's sensitive fields (its legal representative and its bank account) and how
//! they may be shown.
//!
//! Invariants:
//! - a `ResidentId` is an 18-character PRC resident identity number (GB 11643-1999):
//!   17 digits whose 7th to 14th are a real date, then the ISO 7064 MOD 11-2 check
//!   character (`0`–`9` or `X`); only `parse` builds one;
//! - a `BankAccount` is 8 to 32 digits; the spaces and dashes people type are dropped;
//! - outside the store the fields travel only as a `PiiView`: masked (`mask`) unless
//!   the reader may see them (`Permission::ReadPii`, or an API key's `pii:read` scope),
//!   and whoever hands out an unmasked view audits it.
use crate::domain::documents::FieldError;
use serde::{Deserialize, Serialize};

/// ISO 7064 MOD 11-2 weights of the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum mod 11.
const CHECK: &[u8; 11] = b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("ID number must be 18 characters, got {0}")]
    Length(usize),
    #[error("ID number has '{ch}' at position {position}; the first 17 are digits")]
    Character { ch: char, position: usize },
    #[error("ID number's birth date {0} is not a date")]
    BirthDate(String),
    #[error("ID number check digit is '{found}', expected '{expected}'")]
    CheckDigit { found: char, expected: char },
}

/// A validated resident identity number (GB 11643).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

impl ResidentId {
    pub fn parse(input: &str) -> Result<ResidentId, ResidentIdError> {
        let s = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(ResidentIdError::Length(chars.len()));
        }
        let mut digits = [0u32; 17];
        for (i, ch) in chars[..17].iter().enumerate() {
            digits[i] = ch.to_digit(10).ok_or(ResidentIdError::Character {
                ch: *ch,
                position: i + 1,
            })?;
        }
        let birth = &s[6..14];
        if chrono::NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() {
            return Err(ResidentIdError::BirthDate(birth.to_string()));
        }
        let expected = check_char(&digits);
        if chars[17] != expected {
            return Err(ResidentIdError::CheckDigit {
                found: chars[17],
                expected,
            });
        }
        Ok(ResidentId(s))
    }

    /// The number whose first 17 digits are `first17` (generated demo data).
    pub fn with_check_digit(first17: &str) -> Result<ResidentId, ResidentIdError> {
        let digits: Vec<u32> = first17.chars().filter_map(|c| c.to_digit(10)).collect();
        let digits: [u32; 17] = digits
            .try_into()
            .map_err(|_| ResidentIdError::Length(first17.chars().count() + 1))?;
        ResidentId::parse(&format!("{first17}{}", check_char(&digits)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_char(digits: &[u32; 17]) -> char {
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    CHECK[(sum % 11) as usize] as char
}

impl TryFrom<String> for ResidentId {
    type Error = ResidentIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ResidentId::parse(&s)
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> String {
        id.0
    }
}

/// A bank account number: digits only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount(String);

impl BankAccount {
    pub fn parse(input: &str) -> Result<BankAccount, String> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if let Some(ch) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(format!(
                "account number has '{ch}'; only digits are allowed"
            ));
        }
        if !(8..=32).contains(&digits.len()) {
            return Err(format!(
                "account number must be 8 to 32 digits, got {}",
                digits.len()
            ));
        }
        Ok(BankAccount(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The sensitive fields as stored (sealed at rest by the store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPii {
    pub legal_rep_name: Option<String>,
    pub legal_rep_id_number: Option<ResidentId>,
    pub bank_name: Option<String>,
    pub bank_account: Option<BankAccount>,
}

/// The fields as a form or JSON body sends them: empty means "none".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PiiDraft {
    pub legal_rep_name: String,
    pub legal_rep_id_number: String,
    pub bank_name: String,
    pub bank_account: String,
}

impl PiiDraft {
    /// Every problem at once, each naming its field.
    pub fn parse(&self) -> Result<CustomerPii, Vec<FieldError>> {
        let mut errors = Vec::new();
        let text = |field: &str, v: &str, errors: &mut Vec<FieldError>| {
            let v = v.trim();
            if v.chars().count() > 100 {
                errors.push(FieldError::new(field, "at most 100 characters"));
            }
            (!v.is_empty()).then(|| v.to_string())
        };
        let legal_rep_name = text("legal_rep_name", &self.legal_rep_name, &mut errors);
        let bank_name = text("bank_name", &self.bank_name, &mut errors);
        let legal_rep_id_number = optional(&self.legal_rep_id_number, |s| {
            ResidentId::parse(s).map_err(|e| FieldError::new("legal_rep_id_number", e.to_string()))
        });
        let bank_account = optional(&self.bank_account, |s| {
            BankAccount::parse(s).map_err(|e| FieldError::new("bank_account", e))
        });
        let (id, account) = match (legal_rep_id_number, bank_account) {
            (Ok(id), Ok(account)) if errors.is_empty() => (id, account),
            (id, account) => {
                errors.extend(id.err());
                errors.extend(account.err());
                return Err(errors);
            }
        };
        Ok(CustomerPii {
            legal_rep_name,
            legal_rep_id_number: id,
            bank_name,
            bank_account: account,
        })
    }
}

fn optional<T>(
    v: &str,
    parse: impl Fn(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    let v = v.trim();
    if v.is_empty() {
        Ok(None)
    } else {
        parse(v).map(Some)
    }
}

/// The fields as one reader may see them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PiiView {
    pub legal_rep_name: Option<String>,
    pub legal_rep_id_number: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
    /// Whether the values above are masked.
    pub masked: bool,
}

impl CustomerPii {
    pub fn is_empty(&self) -> bool {
        *self == CustomerPii::default()
    }

    /// Masked (numbers: all but the last four characters as `*`; names: all but the first
    /// character) unless `unmasked`.
    pub fn view(&self, unmasked: bool) -> PiiView {
        let number = |v: &str| if unmasked { v.to_string() } else { mask(v) };
        let name = |v: &String| if unmasked { v.clone() } else { mask_name(v) };
        PiiView {
            legal_rep_name: self.legal_rep_name.as_ref().map(name),
            legal_rep_id_number: self
                .legal_rep_id_number
                .as_ref()
                .map(|v| number(v.as_str())),
            bank_name: self.bank_name.as_ref().map(name),
            bank_account: self.bank_account.as_ref().map(|v| number(v.as_str())),
            masked: !unmasked,
        }
    }

    /// For the audit trail: which fields are set, never their values.
    pub fn audit_summary(&self) -> String {
        self.view(false).to_audit()
    }
}

impl PiiView {
    fn to_audit(&self) -> String {
        serde_json::json!({
            "legal_rep_name": self.legal_rep_name,
            "legal_rep_id_number": self.legal_rep_id_number,
            "bank_name": self.bank_name,
            "bank_account": self.bank_account,
        })
        .to_string()
    }
}

/// `**************1234`: every character but the last four hidden.
pub fn mask(v: &str) -> String {
    let n = v.chars().count();
    let keep = n.min(4);
    let tail: String = v.chars().skip(n - keep).collect();
    format!("{}{tail}", "*".repeat(n - keep))
}

/// `张**`: only the first character shown.
pub fn mask_name(v: &str) -> String {
    let mut chars = v.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    format!("{first}{}", "*".repeat(chars.count().max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_are_checked_by_gb_11643() {
        // The standard's own example: 11010519491231002X.
        assert_eq!(
            ResidentId::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        assert_eq!(
            ResidentId::parse(" 440524188001010014 ").unwrap().as_str(),
            "440524188001010014"
        );
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(ResidentIdError::CheckDigit {
                found: '1',
                expected: 'X'
            })
        );
        assert_eq!(
            ResidentId::parse("1101051949123100"),
            Err(ResidentIdError::Length(16))
        );
        assert_eq!(
            ResidentId::parse("11010519491331002X"),
            Err(ResidentIdError::BirthDate("19491331".into()))
        );
        assert!(matches!(
            ResidentId::parse("11010A19491231002X"),
            Err(ResidentIdError::Character {
                ch: 'A',
                position: 6
            })
        ));
    }

    #[test]
    fn masks_keep_the_last_four_or_the_first_character() {
        assert_eq!(mask("11010519491231002X"), "**************002X");
        assert_eq!(mask("123"), "123");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("王"), "王*");
    }

    #[test]
    fn a_draft_names_every_bad_field_and_empty_means_none() {
        let draft = PiiDraft {
            legal_rep_id_number: "110105194912310021".into(),
            bank_account: "6222 02x".into(),
            ..Default::default()
        };
        let fields: Vec<String> = draft
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["legal_rep_id_number", "bank_account"]);
        assert!(PiiDraft::default().parse().unwrap().is_empty());
        let ok = PiiDraft {
            legal_rep_name: "张三".into(),
            bank_account: "6222-0212 3456 7890".into(),
            ..Default::default()
        };
        let pii = ok.parse().unwrap();
        assert_eq!(
            pii.bank_account.as_ref().unwrap().as_str(),
            "6222021234567890"
        );
        let masked = pii.view(false);
        assert_eq!(
            (
                masked.legal_rep_name.as_deref(),
                masked.bank_account.as_deref(),
                masked.masked
            ),
            (Some("张*"), Some("************7890"), true)
        );
        assert!(!pii.audit_summary().contains("6222"));
    }
}
