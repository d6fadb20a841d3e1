//! Unified Social Credit Code (统一社会信用代码), GB 32100-2015.
//!
//! Invariant: a `Uscc` value is 18 characters from `0-9A-HJ-NPQRTUWXY` whose last
//! character is the check digit of the first 17. It can only be built by `parse`
//! (or `with_check_digit` for generated data), so any `Uscc` in the system is valid.
use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Position weights: 3^i mod 31 for i = 0..17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("USCC must be 18 characters, got {0}")]
    Length(usize),
    #[error(
        "USCC contains '{ch}' at position {position}; allowed are 0-9 and A-H J-N P Q R T U W X Y"
    )]
    Character { ch: char, position: usize },
    #[error("USCC check digit is '{found}', expected '{expected}'")]
    CheckDigit { found: char, expected: char },
}

/// A validated Unified Social Credit Code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

fn value_of(ch: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&c| c as char == ch)
        .map(|p| p as u32)
}

fn check_char(first17: &[u32]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let c = (31 - sum % 31) % 31;
    ALPHABET[c as usize] as char
}

impl Uscc {
    /// Accepts surrounding spaces and lower case; rejects anything else with the reason.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let s: String = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(UsccError::Length(chars.len()));
        }
        let mut values = Vec::with_capacity(17);
        for (i, &ch) in chars.iter().enumerate() {
            let v = value_of(ch).ok_or(UsccError::Character {
                ch,
                position: i + 1,
            })?;
            if i < 17 {
                values.push(v);
            }
        }
        let expected = check_char(&values);
        if chars[17] != expected {
            return Err(UsccError::CheckDigit {
                found: chars[17],
                expected,
            });
        }
        Ok(Uscc(s))
    }

    /// Completes 17 valid characters with their check digit (demo and test data).
    pub fn with_check_digit(first17: &str) -> Result<Self, UsccError> {
        let chars: Vec<char> = first17.chars().collect();
        if chars.len() != 17 {
            return Err(UsccError::Length(chars.len() + 1));
        }
        let mut values = Vec::with_capacity(17);
        for (i, &ch) in chars.iter().enumerate() {
            values.push(value_of(ch).ok_or(UsccError::Character {
                ch,
                position: i + 1,
            })?);
        }
        Ok(Uscc(format!("{first17}{}", check_char(&values))))
    }

    /// The administrative division code (characters 3–8), e.g. `350100` for Fuzhou.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The alphabet, for generators.
    pub const ALPHABET: &'static [u8; 31] = ALPHABET;
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, UsccError> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_examples_validate() {
        for code in ["91350100M000100Y43", "91110000100017643K"] {
            assert_eq!(Uscc::parse(code).unwrap().as_str(), code);
        }
        assert_eq!(
            Uscc::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn a_wrong_last_character_is_rejected_with_the_expected_one() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::CheckDigit {
                found: '4',
                expected: '3'
            })
        );
        assert_eq!(
            Uscc::parse("91110000100017643X"),
            Err(UsccError::CheckDigit {
                found: 'X',
                expected: 'K'
            })
        );
    }

    #[test]
    fn length_and_alphabet_errors_name_the_problem() {
        assert_eq!(Uscc::parse("9135"), Err(UsccError::Length(4)));
        // I, O, S, V and Z are not in the alphabet.
        assert_eq!(
            Uscc::parse("91350100I000100Y43"),
            Err(UsccError::Character {
                ch: 'I',
                position: 9
            })
        );
        assert!(Uscc::parse("91350100M000100Y4O")
            .unwrap_err()
            .to_string()
            .contains("'O'"));
    }

    proptest! {
        #[test]
        fn generated_codes_validate_and_any_single_change_of_the_check_digit_fails(
            idx in proptest::collection::vec(0usize..31, 17), other in 0usize..31
        ) {
            let body: String = idx.iter().map(|&i| ALPHABET[i] as char).collect();
            let u = Uscc::with_check_digit(&body).unwrap();
            prop_assert!(Uscc::parse(u.as_str()).is_ok());
            let wrong = ALPHABET[other] as char;
            prop_assume!(wrong != u.as_str().chars().last().unwrap());
            let tampered = format!("{}{}", body, wrong);
            prop_assert!(Uscc::parse(&tampered).is_err());
        }
    }
}
