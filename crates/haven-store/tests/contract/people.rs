//! Persons and records, applications and their authorizations.

use super::*;

pub(crate) async fn persons_and_records(fixture: &Fixture) {
    let stored = fixture.store.person(fixture.person.id).await.unwrap().unwrap();
    assert_eq!(stored, fixture.person);
    let by_email = fixture.store.person_by_email(&fixture.person.sign_in_email).await.unwrap().unwrap();
    assert_eq!(by_email.id, fixture.person.id);
    let same_email = Person { id: PersonId::from_uuid(Uuid::new_v4()), ..fixture.person.clone() };
    assert!(matches!(fixture.store.create_person(&same_email).await, Err(StoreError::DuplicateEmail)));

    let child = Record { display_name: "Mia López".to_owned(), ..new_record(DEFAULT_RECORD_QUOTA_BYTES) };
    let membership = RecordMember {
        relationship: Relationship::CHILD,
        granted_at: NOW + Duration::seconds(1),
        ..custodian(&child, &fixture.person)
    };
    fixture.store.create_record(&child, &membership).await.unwrap();
    let records = fixture.store.records_for_person(fixture.person.id).await.unwrap();
    assert_eq!(records.iter().map(|(record, _)| record.id).collect::<Vec<_>>(), vec![fixture.record.id, child.id]);
    assert_eq!(records[1].1.relationship, Relationship::CHILD);

    let viewer = Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!("viewer.{}@example.org", Uuid::new_v4().simple())).unwrap(),
        ..fixture.person.clone()
    };
    fixture.store.create_person(&viewer).await.unwrap();
    let shared = RecordMember {
        is_custodian: false,
        relationship: Relationship::OTHER,
        expires_at: Some(NOW + Duration::days(7)),
        ..custodian(&child, &viewer)
    };
    fixture.store.put_record_member(&shared).await.unwrap();
    assert_eq!(fixture.store.record_member(child.id, viewer.id).await.unwrap(), Some(shared.clone()));
    assert_eq!(fixture.store.record_members(child.id).await.unwrap().len(), 2);

    let orphan = RecordMember { person_id: PersonId::from_uuid(Uuid::new_v4()), ..shared };
    assert!(matches!(fixture.store.put_record_member(&orphan).await, Err(StoreError::MissingReference(_))));
    let bad_record = new_record(1);
    let missing_person =
        RecordMember { person_id: PersonId::from_uuid(Uuid::new_v4()), ..custodian(&bad_record, &fixture.person) };
    assert!(matches!(
        fixture.store.create_record(&bad_record, &missing_person).await,
        Err(StoreError::PersonNotFound(_))
    ));
    assert!(fixture.store.record(bad_record.id).await.unwrap().is_none(), "a failed create leaves no record");
}

pub(crate) async fn applications_and_authorizations(fixture: &Fixture) {
    let mut app = application();
    fixture.store.put_application(&app).await.unwrap();
    assert_eq!(fixture.store.application(app.id).await.unwrap(), Some(app.clone()));
    app.supported_instances.insert(InstanceId::parse("2").unwrap());
    fixture.store.put_application(&app).await.unwrap();
    assert_eq!(fixture.store.application(app.id).await.unwrap(), Some(app.clone()));
    assert_eq!(fixture.store.applications().await.unwrap(), vec![app.clone()]);
    assert!(fixture.store.application(ApplicationId::from_uuid(Uuid::new_v4())).await.unwrap().is_none());

    let mut grant = AppAuthorization {
        person_id: fixture.person.id,
        record_id: fixture.record.id,
        application_id: app.id,
        online: Some(app.online_rules.clone()),
        offline: None,
        granted_at: NOW,
        expires_at: None,
        revoked_at: None,
    };
    fixture.store.put_authorization(&grant).await.unwrap();
    assert_eq!(
        fixture.store.authorization(fixture.person.id, fixture.record.id, app.id).await.unwrap(),
        Some(grant.clone())
    );
    grant.revoked_at = Some(NOW + Duration::days(1));
    fixture.store.put_authorization(&grant).await.unwrap();
    assert_eq!(fixture.store.authorizations_for_application(app.id).await.unwrap(), vec![grant.clone()]);
    assert_eq!(fixture.store.authorizations_for_record(fixture.record.id).await.unwrap(), vec![grant.clone()]);
    assert_eq!(fixture.store.authorizations_of_person(fixture.person.id, app.id).await.unwrap(), vec![grant.clone()]);
    assert!(
        fixture
            .store
            .authorizations_of_person(fixture.person.id, ApplicationId::from_uuid(Uuid::new_v4()))
            .await
            .unwrap()
            .is_empty()
    );

    let unknown_app = AppAuthorization { application_id: ApplicationId::from_uuid(Uuid::new_v4()), ..grant };
    assert!(matches!(fixture.store.put_authorization(&unknown_app).await, Err(StoreError::MissingReference(_))));
}
