//! Shell accounts: opening an account, credentials and their lockout, browser sessions.

use haven_domain::credential::{Credential, LOCKOUT_DURATION, MAX_FAILED_SIGN_INS};
use haven_domain::web_session::WebSession;
use haven_store::AccountStore;

use super::*;

fn new_person(name: &str) -> Person {
    Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!("{name}.{}@example.org", Uuid::new_v4().simple())).unwrap(),
        given_name: name.to_owned(),
        family_name: "Rivera".to_owned(),
        birth_date: time::macros::date!(1990 - 05 - 17),
        country: CountryCode::parse("US").unwrap(),
        instance_id: InstanceId::parse("1").unwrap(),
        created_at: NOW,
    }
}

pub(crate) async fn account_opens_in_one_transaction(fixture: &Fixture) {
    let person = new_person("bea");
    let record = new_record(DEFAULT_RECORD_QUOTA_BYTES);
    let member = custodian(&record, &person);
    let credential = Credential::new(person.id, "$argon2id$v=19$stand-in".to_owned(), NOW);
    fixture.store.create_account(&person, &record, &member, &credential).await.unwrap();
    assert_eq!(fixture.store.person(person.id).await.unwrap(), Some(person.clone()));
    assert_eq!(fixture.store.record_member(record.id, person.id).await.unwrap(), Some(member));
    assert_eq!(fixture.store.credential(person.id).await.unwrap(), Some(credential));

    // The address is taken: nothing of the second account is written.
    let twin = Person { id: PersonId::from_uuid(Uuid::new_v4()), ..person.clone() };
    let twin_record = new_record(DEFAULT_RECORD_QUOTA_BYTES);
    let error = fixture
        .store
        .create_account(
            &twin,
            &twin_record,
            &custodian(&twin_record, &twin),
            &Credential::new(twin.id, "$argon2id$x".to_owned(), NOW),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::DuplicateEmail), "{error:?}");
    assert!(fixture.store.person(twin.id).await.unwrap().is_none());
    assert!(fixture.store.record(twin_record.id).await.unwrap().is_none());
    assert!(fixture.store.credential(twin.id).await.unwrap().is_none());
}

pub(crate) async fn credentials_count_failures_and_lock(fixture: &Fixture) {
    let person = &fixture.person;
    assert!(fixture.store.credential(person.id).await.unwrap().is_none());
    let credential = Credential::new(person.id, "$argon2id$first".to_owned(), NOW);
    fixture.store.put_credential(&credential).await.unwrap();
    for attempt in 1..MAX_FAILED_SIGN_INS {
        let counted = fixture.store.record_sign_in_failure(person.id, NOW).await.unwrap();
        assert_eq!(counted.failed_attempts, attempt);
    }
    let locked = fixture.store.record_sign_in_failure(person.id, NOW).await.unwrap();
    assert_eq!(locked.locked_until, Some(NOW + LOCKOUT_DURATION));
    assert_eq!(fixture.store.credential(person.id).await.unwrap(), Some(locked.clone()));

    let changed = Credential::new(person.id, "$argon2id$second".to_owned(), NOW + Duration::hours(1));
    fixture.store.put_credential(&changed).await.unwrap();
    assert_eq!(fixture.store.credential(person.id).await.unwrap(), Some(changed));

    let stranger = PersonId::from_uuid(Uuid::new_v4());
    assert!(matches!(
        fixture.store.record_sign_in_failure(stranger, NOW).await,
        Err(StoreError::PersonNotFound(id)) if id == stranger
    ));
    assert!(matches!(
        fixture.store.put_credential(&Credential::new(stranger, "$argon2id$x".to_owned(), NOW)).await,
        Err(StoreError::PersonNotFound(_))
    ));
}

pub(crate) async fn web_sessions(fixture: &Fixture) {
    let visitor = WebSession::visitor(TokenHash([1; 32]), "csrf-1".to_owned(), NOW);
    fixture.store.create_web_session(&visitor).await.unwrap();
    assert_eq!(fixture.store.web_session(visitor.token_hash).await.unwrap(), Some(visitor.clone()));

    let here = WebSession::signed_in(TokenHash([2; 32]), fixture.person.id, "csrf-2".to_owned(), NOW);
    let elsewhere = WebSession::signed_in(TokenHash([3; 32]), fixture.person.id, "csrf-3".to_owned(), NOW);
    fixture.store.create_web_session(&here).await.unwrap();
    fixture.store.create_web_session(&elsewhere).await.unwrap();
    assert_eq!(fixture.store.delete_web_sessions_of_person(fixture.person.id, Some(here.token_hash)).await.unwrap(), 1);
    assert!(fixture.store.web_session(elsewhere.token_hash).await.unwrap().is_none());
    assert_eq!(fixture.store.web_session(here.token_hash).await.unwrap(), Some(here.clone()));

    fixture.store.delete_web_session(here.token_hash).await.unwrap();
    assert!(fixture.store.web_session(here.token_hash).await.unwrap().is_none());

    assert_eq!(fixture.store.delete_expired_web_sessions(visitor.expires_at).await.unwrap(), 1);
    assert!(fixture.store.web_session(visitor.token_hash).await.unwrap().is_none());

    let stranger = WebSession::signed_in(TokenHash([4; 32]), PersonId::from_uuid(Uuid::new_v4()), "c".to_owned(), NOW);
    assert!(matches!(fixture.store.create_web_session(&stranger).await, Err(StoreError::PersonNotFound(_))));
}
