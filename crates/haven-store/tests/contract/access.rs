//! What applications hold per person and record: sessions and user tokens, alternate ids,
//! application settings, and blobs.

use haven_domain::access_log::Accessor;

use super::*;

pub(crate) async fn sessions_and_user_tokens(fixture: &Fixture) {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    let session = AppSession::start(TokenHash([1; 32]), app.id, vec![9; 20], HmacAlgorithm::HmacSha256, NOW);
    fixture.store.create_app_session(&session).await.unwrap();
    assert_eq!(fixture.store.app_session(TokenHash([1; 32])).await.unwrap(), Some(session.clone()));
    assert!(fixture.store.app_session(TokenHash([2; 32])).await.unwrap().is_none());
    let orphan = AppSession {
        token_hash: TokenHash([3; 32]),
        application_id: ApplicationId::from_uuid(Uuid::new_v4()),
        ..session.clone()
    };
    assert!(matches!(fixture.store.create_app_session(&orphan).await, Err(StoreError::MissingReference(_))));
    assert_eq!(fixture.store.delete_expired_app_sessions(NOW).await.unwrap(), 0);
    assert_eq!(fixture.store.delete_expired_app_sessions(session.expires_at).await.unwrap(), 1);
    assert!(fixture.store.app_session(TokenHash([1; 32])).await.unwrap().is_none());

    let token = UserToken {
        token_hash: TokenHash([4; 32]),
        person_id: fixture.person.id,
        application_id: app.id,
        selected_record_id: Some(fixture.record.id),
        created_at: NOW,
        expires_at: NOW + Duration::hours(1),
        revoked_at: None,
    };
    fixture.store.create_user_token(&token).await.unwrap();
    assert_eq!(fixture.store.user_token(TokenHash([4; 32])).await.unwrap(), Some(token.clone()));
    assert!(fixture.store.revoke_user_token(TokenHash([4; 32]), NOW + Duration::minutes(5)).await.unwrap());
    assert!(
        !fixture.store.revoke_user_token(TokenHash([4; 32]), NOW + Duration::minutes(6)).await.unwrap(),
        "already revoked"
    );
    let revoked = fixture.store.user_token(TokenHash([4; 32])).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(NOW + Duration::minutes(5)));
    assert!(!revoked.is_active_at(NOW + Duration::minutes(10)));
}

pub(crate) async fn alternate_ids_and_application_settings(fixture: &Fixture) {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    let (person, record) = (fixture.person.id, fixture.record.id);
    let first = AlternateId::parse("Patient-42").unwrap();
    let second = AlternateId::parse("patient-42").unwrap();
    fixture.store.associate_alternate_id(app.id, &first, person, record, NOW).await.unwrap();
    fixture.store.associate_alternate_id(app.id, &second, person, record, NOW + Duration::seconds(1)).await.unwrap();
    assert!(matches!(
        fixture.store.associate_alternate_id(app.id, &first, person, record, NOW).await,
        Err(StoreError::DuplicateAlternateId)
    ));
    assert_eq!(fixture.store.alternate_ids(app.id, person, record).await.unwrap(), vec![first.clone(), second.clone()]);
    assert_eq!(fixture.store.alternate_id_owner(app.id, &first).await.unwrap(), Some((person, record)));
    assert!(fixture.store.disassociate_alternate_id(app.id, &first, person, record).await.unwrap());
    assert!(!fixture.store.disassociate_alternate_id(app.id, &first, person, record).await.unwrap());
    assert!(fixture.store.alternate_id_owner(app.id, &first).await.unwrap().is_none());
    for index in 0..(MAX_ALTERNATE_IDS_PER_RECORD - 1) {
        let id = AlternateId::parse(&format!("bulk-{index}")).unwrap();
        fixture.store.associate_alternate_id(app.id, &id, person, record, NOW).await.unwrap();
    }
    assert!(matches!(
        fixture
            .store
            .associate_alternate_id(app.id, &AlternateId::parse("one-too-many").unwrap(), person, record, NOW)
            .await,
        Err(StoreError::AlternateIdLimit { .. })
    ));

    assert!(fixture.store.application_settings(person, app.id).await.unwrap().is_none());
    let mut settings = PersonApplicationSettings {
        person_id: person,
        application_id: app.id,
        settings_xml: Some("<app-settings><theme>dark</theme></app-settings>".to_owned()),
        selected_record_id: Some(record),
        updated_at: NOW,
    };
    fixture.store.put_application_settings(&settings).await.unwrap();
    assert_eq!(fixture.store.application_settings(person, app.id).await.unwrap(), Some(settings.clone()));
    settings.settings_xml = None;
    settings.updated_at = NOW + Duration::hours(1);
    fixture.store.put_application_settings(&settings).await.unwrap();
    assert_eq!(fixture.store.application_settings(person, app.id).await.unwrap(), Some(settings));
}

pub(crate) async fn blobs_upload_in_chunks_and_read_by_token(fixture: &Fixture) {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    let blob = NewBlob {
        id: BlobId::from_uuid(Uuid::new_v4()),
        record_id: fixture.record.id,
        application_id: Some(app.id),
        created_at: NOW,
    };
    fixture.store.begin_blob(&blob, TokenHash([5; 32]), NOW + Duration::hours(1)).await.unwrap();
    let uploading = fixture.store.blob_for_upload(TokenHash([5; 32])).await.unwrap().unwrap();
    assert!(!uploading.complete);
    assert_eq!(uploading.upload_expires_at, Some(NOW + Duration::hours(1)));
    assert_eq!(fixture.store.append_blob_chunk(blob.id, 0, b"hello, ").await.unwrap(), 7);
    assert!(matches!(
        fixture.store.append_blob_chunk(blob.id, 3, b"overlap").await,
        Err(StoreError::BlobRangeMismatch { expected: 7, given: 3, .. })
    ));
    assert_eq!(fixture.store.append_blob_chunk(blob.id, 7, b"world").await.unwrap(), 12);
    fixture.store.complete_blob(blob.id, &[9; 32]).await.unwrap();
    assert!(matches!(fixture.store.append_blob_chunk(blob.id, 12, b"!").await, Err(StoreError::BlobComplete(_))));
    let completed = fixture.store.blob_for_upload(TokenHash([5; 32])).await.unwrap().unwrap();
    assert!(completed.complete, "the upload token still names the blob, now complete");
    let stored = fixture.store.blob(blob.id).await.unwrap().unwrap();
    assert!(stored.complete);
    assert_eq!(stored.length, 12);
    assert_eq!(stored.hash, Some(vec![9; 32]));
    assert_eq!(fixture.store.blob_content(blob.id).await.unwrap(), b"hello, world");

    let reader = Accessor::OnlineApplication { application_id: app.id, person_id: fixture.person.id };
    fixture
        .store
        .create_blob_read_token(TokenHash([6; 32]), blob.id, reader, NOW + Duration::minutes(10))
        .await
        .unwrap();
    let (read, read_by) = fixture.store.blob_for_read(TokenHash([6; 32]), NOW).await.unwrap().unwrap();
    assert_eq!((read.id, read_by), (blob.id, Some(reader)), "the token names its blob and whom it was handed to");
    assert!(
        fixture.store.blob_for_read(TokenHash([6; 32]), NOW + Duration::minutes(10)).await.unwrap().is_none(),
        "expired"
    );
    assert!(fixture.store.blob_for_read(TokenHash([7; 32]), NOW).await.unwrap().is_none());

    let inline = NewBlob { id: BlobId::from_uuid(Uuid::new_v4()), ..blob };
    fixture.store.create_complete_blob(&inline, b"inline bytes", &[1; 32]).await.unwrap();
    assert_eq!(fixture.store.blob_content(inline.id).await.unwrap(), b"inline bytes");
    assert_eq!(fixture.store.blob(inline.id).await.unwrap().unwrap().length, 12);
}
