//! Persons.

use async_trait::async_trait;
use haven_domain::ids::PersonId;
use haven_domain::person::{EmailAddress, Person};

use crate::db::{SqlStore, on_db};
use crate::error::StoreError;
use crate::rows::PersonRow;
use crate::{PersonStore, StoreResult};

const PERSON_COLUMNS: &str = "id, sign_in_email, given_name, family_name, birth_date, country, instance_id, created_at";

/// The statement inserting `$person` (a `&Person`), bound, for any executor. A macro
/// because the query's type differs per engine.
macro_rules! insert_person {
    ($person:expr) => {{
        let person: &haven_domain::person::Person = $person;
        sqlx::query(
            "INSERT INTO persons (id, sign_in_email, given_name, family_name, birth_date, country, instance_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(person.id.as_uuid())
        .bind(person.sign_in_email.as_str().to_owned())
        .bind(person.given_name.clone())
        .bind(person.family_name.clone())
        .bind(person.birth_date)
        .bind(person.country.as_str().to_owned())
        .bind(person.instance_id.as_str().to_owned())
        .bind($crate::rows::micros(person.created_at))
    }};
}
pub(crate) use insert_person;

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database_error) if database_error.is_unique_violation())
}

#[async_trait]
impl PersonStore for SqlStore {
    async fn create_person(&self, person: &Person) -> StoreResult<()> {
        let result = on_db!(&self.db, |pool| { insert_person!(person).execute(pool).await.map(|_| ()) });
        match result {
            Err(error) if is_unique_violation(&error) => Err(StoreError::DuplicateEmail),
            other => Ok(other?),
        }
    }

    async fn person(&self, id: PersonId) -> StoreResult<Option<Person>> {
        let row: Option<PersonRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1")))
                .bind(id.as_uuid())
                .fetch_optional(pool)
                .await
        })?;
        row.map(Person::try_from).transpose()
    }

    async fn person_by_email(&self, email: &EmailAddress) -> StoreResult<Option<Person>> {
        let row: Option<PersonRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {PERSON_COLUMNS} FROM persons WHERE sign_in_email = $1"
            )))
            .bind(email.as_str())
            .fetch_optional(pool)
            .await
        })?;
        row.map(Person::try_from).transpose()
    }
}
