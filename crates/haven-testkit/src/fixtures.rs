//! What in-process tests set up the way the Shell would: an account (a person "Doe" and
//! their own record), an application's authorization on it with the rules it declares, and
//! a user token (wctoken). Tests of the SDK and the samples share these, so the Shell's
//! steps are written once.

use haven_domain::account::{AccountRequest, NewAccount, NewAccountIds, open_account};
use haven_domain::application::Application;
use haven_domain::authorization::AppAuthorization;
use haven_domain::country::CountryCode;
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::person::EmailAddress;
use haven_domain::session::{TokenHash, USER_TOKEN_LIFETIME, UserToken};
use haven_domain::topology::{InstanceId, Topology};
use haven_store::Store;
use time::OffsetDateTime;

/// Opens an account for `given_name` Doe (`<given name>@example.org`, born 1985) living in
/// `country`, in `instance` (the instance the topology places that country in): writes the
/// person and their own record to `store`.
pub async fn open_test_account(
    store: &dyn Store,
    topology: &Topology,
    instance: &str,
    (given_name, country): (&str, &str),
    now: OffsetDateTime,
) -> anyhow::Result<NewAccount> {
    let request = AccountRequest {
        email: EmailAddress::parse(&format!("{}@example.org", given_name.to_lowercase()))?,
        given_name: given_name.to_owned(),
        family_name: "Doe".to_owned(),
        birth_date: time::macros::date!(1985 - 07 - 14),
        country: CountryCode::parse(country)?,
    };
    let ids = NewAccountIds {
        person_id: PersonId::from_uuid(uuid::Uuid::new_v4()),
        record_id: RecordId::from_uuid(uuid::Uuid::new_v4()),
    };
    let account = open_account(request, topology, &InstanceId::parse(instance)?, ids, now)?;
    store.create_person(&account.person).await?;
    store.create_record(&account.record, &account.custodian).await?;
    Ok(account)
}

/// Authorizes `application` on the account's record with every rule it declares, online and
/// offline, as consent accepting everything would.
pub async fn authorize_declared_rules(
    store: &dyn Store,
    account: &NewAccount,
    application: &Application,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    store
        .put_authorization(&AppAuthorization {
            person_id: account.person.id,
            record_id: account.record.id,
            application_id: application.id,
            online: Some(application.online_rules.clone()),
            offline: Some(application.offline_rules.clone()),
            granted_at: now,
            expires_at: None,
            revoked_at: None,
        })
        .await?;
    Ok(())
}

/// Issues `token` as the user token (wctoken) the Shell hands `application` for the account,
/// with the account's record selected.
pub async fn issue_user_token(
    store: &dyn Store,
    account: &NewAccount,
    application: &Application,
    token: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    store
        .create_user_token(&UserToken {
            token_hash: TokenHash::of_token(token),
            person_id: account.person.id,
            application_id: application.id,
            selected_record_id: Some(account.record.id),
            created_at: now,
            expires_at: now + USER_TOKEN_LIFETIME,
            revoked_at: None,
        })
        .await?;
    Ok(())
}
