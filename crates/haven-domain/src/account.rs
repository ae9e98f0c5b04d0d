//! Opening an account: the country a person chooses decides their instance, the instance's
//! minimum age applies, and every account starts with the person's own record, of which
//! they are the custodian.

use time::{Date, OffsetDateTime};

use crate::country::CountryCode;
use crate::ids::{PersonId, RecordId};
use crate::person::{EmailAddress, Person, age_on};
use crate::record::{DEFAULT_RECORD_QUOTA_BYTES, Record, RecordMember, RecordState, Relationship};
use crate::topology::{CountryPlacement, InstanceId, Topology};

/// What a person gives to open an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRequest {
    /// Sign-in address.
    pub email: EmailAddress,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub birth_date: Date,
    /// Country of residence.
    pub country: CountryCode,
}

/// The ids the caller generated for a new account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewAccountIds {
    /// The person.
    pub person_id: PersonId,
    /// Their own record.
    pub record_id: RecordId,
}

/// A new account: the person, their own record and their custodianship of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The person.
    pub person: Person,
    /// Their own record.
    pub record: Record,
    /// Their access to it.
    pub custodian: RecordMember,
}

/// Why an account cannot be opened here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// No instance serves the country.
    #[error("Haven is not available in {}", .0.name())]
    UnsupportedCountry(CountryCode),
    /// Another instance serves the country; the account belongs there.
    #[error("accounts for {} are kept in instance {instance}", country.name())]
    OtherInstance {
        /// The country.
        country: CountryCode,
        /// The instance that serves it.
        instance: InstanceId,
    },
    /// Younger than the instance's minimum age.
    #[error("you must be at least {minimum_age} years old to open an account here")]
    TooYoung {
        /// The instance's minimum age.
        minimum_age: u8,
    },
    /// A name is empty.
    #[error("given and family names must not both be empty")]
    MissingName,
}

/// Opens an account in instance `here`, if the person's country belongs to it and they are
/// old enough on `now`.
pub fn open_account(
    request: AccountRequest,
    topology: &Topology,
    here: &InstanceId,
    ids: NewAccountIds,
    now: OffsetDateTime,
) -> Result<NewAccount, AccountError> {
    let instance = match topology.instance_for_country(request.country) {
        CountryPlacement::Unsupported => return Err(AccountError::UnsupportedCountry(request.country)),
        CountryPlacement::Instance(instance) if &instance.id != here => {
            return Err(AccountError::OtherInstance { country: request.country, instance: instance.id.clone() });
        }
        CountryPlacement::Instance(instance) => instance,
    };
    if age_on(request.birth_date, now.date()) < i32::from(instance.min_signup_age) {
        return Err(AccountError::TooYoung { minimum_age: instance.min_signup_age });
    }
    if request.given_name.trim().is_empty() && request.family_name.trim().is_empty() {
        return Err(AccountError::MissingName);
    }
    let person = Person {
        id: ids.person_id,
        sign_in_email: request.email,
        given_name: request.given_name.trim().to_owned(),
        family_name: request.family_name.trim().to_owned(),
        birth_date: request.birth_date,
        country: request.country,
        instance_id: instance.id.clone(),
        created_at: now,
    };
    let record = Record {
        id: ids.record_id,
        display_name: person.full_name(),
        state: RecordState::Active,
        max_size_bytes: DEFAULT_RECORD_QUOTA_BYTES,
        size_bytes: 0,
        location_country: Some(request.country),
        created_at: now,
        latest_operation_sequence: 0,
    };
    let custodian = RecordMember {
        record_id: record.id,
        person_id: person.id,
        is_custodian: true,
        relationship: Relationship::SELF,
        granted_at: now,
        expires_at: None,
        access: None,
    };
    Ok(NewAccount { person, record, custodian })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::EXAMPLE_TOML;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn request(country: &str, birth_date: Date) -> AccountRequest {
        AccountRequest {
            email: EmailAddress::parse("ana@example.org").unwrap(),
            given_name: "Ana".to_owned(),
            family_name: "López".to_owned(),
            birth_date,
            country: CountryCode::parse(country).unwrap(),
        }
    }

    fn ids() -> NewAccountIds {
        NewAccountIds {
            person_id: PersonId::from_uuid(uuid::Uuid::from_u128(1)),
            record_id: RecordId::from_uuid(uuid::Uuid::from_u128(2)),
        }
    }

    fn open(country: &str, birth_date: Date, here: &str) -> Result<NewAccount, AccountError> {
        let topology = Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap();
        open_account(request(country, birth_date), &topology, &InstanceId::parse(here).unwrap(), ids(), NOW)
    }

    #[test]
    fn an_account_comes_with_the_persons_own_record() {
        let account = open("NL", date!(1990 - 05 - 01), "2").unwrap();
        assert_eq!(account.person.instance_id.as_str(), "2");
        assert_eq!(account.record.display_name, "Ana López");
        assert!(account.custodian.is_custodian);
        assert_eq!(account.custodian.relationship, Relationship::SELF);
    }

    #[test]
    fn the_country_decides_the_instance() {
        assert_eq!(
            open("NL", date!(1990 - 05 - 01), "1"),
            Err(AccountError::OtherInstance {
                country: CountryCode::parse("NL").unwrap(),
                instance: InstanceId::parse("2").unwrap()
            })
        );
        assert_eq!(
            open("FR", date!(1990 - 05 - 01), "2"),
            Err(AccountError::UnsupportedCountry(CountryCode::parse("FR").unwrap()))
        );
        assert!(open("PR", date!(1990 - 05 - 01), "1").is_ok());
    }

    #[test]
    fn each_instance_has_its_minimum_age() {
        // 15 years old: enough in the US (13), not in the EU (16).
        let fifteen = date!(2011 - 01 - 01);
        assert!(open("US", fifteen, "1").is_ok());
        assert_eq!(open("DE", fifteen, "2"), Err(AccountError::TooYoung { minimum_age: 16 }));
    }
}
