//! Patient Connect and DOPU: requests unique per external id while live, wrong answers
//! counted atomically, a validation that stores the authorization, the clinic's poll, and a
//! package filled once and picked up once with its things and blobs.

use haven_domain::connect::{
    ConnectPackage, ConnectPackageId, ConnectRequest, ConnectRequestId, ConnectValidation, IdentityCode,
    PENDING_LIFETIME, PackageContents, PackageStatus, VALIDATED_RETENTION,
};
use haven_store::{ConnectLookup, ConnectStore, PackageBlobUpload, PackagePickup};

use super::things::{create, weight_draft};
use super::*;

fn code(seed: u8) -> IdentityCode {
    IdentityCode::from_random([seed; 16])
}

fn request(application_id: ApplicationId, code: &IdentityCode, external_id: &str) -> ConnectRequest {
    ConnectRequest {
        id: ConnectRequestId::from_uuid(Uuid::new_v4()),
        application_id,
        code_hash: code.hash(),
        friendly_name: "Ana".to_owned(),
        question: "First pet?".to_owned(),
        answer_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        external_id: external_id.to_owned(),
        created_at: NOW,
        failed_attempts: 0,
        last_validated_at: None,
    }
}

fn contents(external_id: &str) -> PackageContents {
    PackageContents {
        friendly_name: "Ana".to_owned(),
        question: "First pet?".to_owned(),
        external_id: external_id.to_owned(),
        parameters_xml: "<password-protected-package/>".to_owned(),
        ciphertext: vec![7; 64],
        created_at: NOW,
    }
}

fn package(application_id: ApplicationId, code: &IdentityCode, contents: Option<PackageContents>) -> ConnectPackage {
    ConnectPackage {
        id: ConnectPackageId::from_uuid(Uuid::new_v4()),
        application_id,
        code_hash: code.hash(),
        created_at: NOW,
        contents,
        failed_attempts: 0,
        picked_up: None,
    }
}

fn grant(fixture: &Fixture, application_id: ApplicationId, at: OffsetDateTime) -> AppAuthorization {
    AppAuthorization {
        person_id: fixture.person.id,
        record_id: fixture.record.id,
        application_id,
        online: None,
        offline: Some(RuleSet::default()),
        granted_at: at,
        expires_at: None,
        revoked_at: None,
    }
}

fn validation(fixture: &Fixture, request: &ConnectRequest, at: OffsetDateTime) -> ConnectValidation {
    ConnectValidation {
        request_id: request.id,
        application_id: request.application_id,
        external_id: request.external_id.clone(),
        person_id: fixture.person.id,
        record_id: fixture.record.id,
        validated_at: at,
    }
}

async fn registered_application(fixture: &Fixture) -> Application {
    let app = application();
    fixture.store.put_application(&app).await.unwrap();
    app
}

pub(crate) async fn connect_requests_are_unique_per_external_id_while_live(fixture: &Fixture) {
    let app = registered_application(fixture).await;
    let first = request(app.id, &code(1), "patient-1");
    fixture.store.create_connect_request(&first, NOW).await.unwrap();
    let duplicate = request(app.id, &code(2), "patient-1");
    assert!(matches!(
        fixture.store.create_connect_request(&duplicate, NOW).await,
        Err(StoreError::DuplicateConnectRequest)
    ));
    // Another application may use the same external id.
    let other = registered_application(fixture).await;
    fixture.store.create_connect_request(&request(other.id, &code(3), "patient-1"), NOW).await.unwrap();
    // Once the first has expired, the id is free again.
    let later = NOW + PENDING_LIFETIME;
    fixture.store.create_connect_request(&duplicate, later).await.unwrap();
    assert_eq!(fixture.store.connect_request_by_code(code(1).hash()).await.unwrap(), None);
    assert_eq!(fixture.store.connect_request_by_code(code(2).hash()).await.unwrap(), Some(duplicate));
}

pub(crate) async fn connect_requests_count_wrong_answers_and_validate(fixture: &Fixture) {
    let app = registered_application(fixture).await;
    let pending = request(app.id, &code(4), "patient-2");
    fixture.store.create_connect_request(&pending, NOW).await.unwrap();
    assert_eq!(fixture.store.record_wrong_connect_answer(pending.id).await.unwrap(), 1);
    assert_eq!(fixture.store.record_wrong_connect_answer(pending.id).await.unwrap(), 2);
    let validated_at = NOW + Duration::days(3);
    fixture
        .store
        .validate_connect_request(&validation(fixture, &pending, validated_at), &grant(fixture, app.id, validated_at))
        .await
        .unwrap();
    let stored = fixture.store.connect_request_by_code(code(4).hash()).await.unwrap().unwrap();
    assert_eq!((stored.failed_attempts, stored.last_validated_at), (0, Some(validated_at)));
    let authorization =
        fixture.store.authorization(fixture.person.id, fixture.record.id, app.id).await.unwrap().unwrap();
    assert_eq!(authorization.granted_at, validated_at);
    // The poll sees the validation from its time on, until the retention ends.
    let polled = fixture.store.connect_validations(&[app.id], NOW, validated_at).await.unwrap();
    assert_eq!(polled, vec![validation(fixture, &pending, validated_at)]);
    assert!(
        fixture
            .store
            .connect_validations(&[app.id], validated_at + Duration::seconds(1), validated_at)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        fixture.store.connect_validations(&[app.id], NOW, validated_at + VALIDATED_RETENTION).await.unwrap().is_empty()
    );
    // A renamed request reports its new external id.
    assert_eq!(
        fixture
            .store
            .update_connect_external_id(app.id, ConnectLookup::Code(code(4).hash()), "patient-2b")
            .await
            .unwrap(),
        1
    );
    let polled = fixture.store.connect_validations(&[app.id], NOW, validated_at).await.unwrap();
    assert_eq!(polled[0].external_id, "patient-2b");
    // Deleting it removes its validations.
    assert!(fixture.store.delete_connect_request(app.id, ConnectLookup::ExternalId("patient-2b")).await.unwrap());
    assert!(!fixture.store.delete_connect_request(app.id, ConnectLookup::ExternalId("patient-2b")).await.unwrap());
    assert!(fixture.store.connect_validations(&[app.id], NOW, validated_at).await.unwrap().is_empty());
}

pub(crate) async fn locked_or_expired_requests_do_not_validate(fixture: &Fixture) {
    let app = registered_application(fixture).await;
    let locked = request(app.id, &code(5), "patient-3");
    fixture.store.create_connect_request(&locked, NOW).await.unwrap();
    for _ in 0..3 {
        fixture.store.record_wrong_connect_answer(locked.id).await.unwrap();
    }
    let refused =
        fixture.store.validate_connect_request(&validation(fixture, &locked, NOW), &grant(fixture, app.id, NOW)).await;
    assert!(matches!(refused, Err(StoreError::ConnectItemUnavailable)));
    let expired = request(app.id, &code(6), "patient-4");
    fixture.store.create_connect_request(&expired, NOW).await.unwrap();
    let late = NOW + PENDING_LIFETIME;
    let refused = fixture
        .store
        .validate_connect_request(&validation(fixture, &expired, late), &grant(fixture, app.id, late))
        .await;
    assert!(matches!(refused, Err(StoreError::ConnectItemUnavailable)));
    assert_eq!(fixture.store.authorization(fixture.person.id, fixture.record.id, app.id).await.unwrap(), None);
    // The sweep removes what is over.
    assert_eq!(fixture.store.delete_expired_connect_items(late).await.unwrap(), 2);
    assert_eq!(fixture.store.connect_request_by_code(code(5).hash()).await.unwrap(), None);
}

pub(crate) async fn packages_are_filled_once_and_picked_up_once(fixture: &Fixture) {
    let app = registered_application(fixture).await;
    let allocated = package(app.id, &code(7), None);
    fixture.store.create_connect_package(&allocated, &[]).await.unwrap();
    assert_eq!(
        fixture.store.connect_package_by_code(code(7).hash()).await.unwrap().unwrap().status_at(NOW),
        PackageStatus::Allocated
    );
    let filled = fixture.store.fill_connect_package(app.id, code(7).hash(), &contents("patient-5"), &[]).await.unwrap();
    assert_eq!(filled, allocated.id);
    assert!(matches!(
        fixture.store.fill_connect_package(app.id, code(7).hash(), &contents("patient-5"), &[]).await,
        Err(StoreError::ConnectPackageExists)
    ));
    let other = registered_application(fixture).await;
    assert!(matches!(
        fixture.store.fill_connect_package(other.id, code(7).hash(), &contents("patient-5"), &[]).await,
        Err(StoreError::UnknownIdentityCode)
    ));
    assert_eq!(fixture.store.record_wrong_package_answer(allocated.id).await.unwrap(), 1);

    let picked_up_at = NOW + Duration::days(1);
    let blob = NewBlob {
        id: BlobId::from_uuid(Uuid::new_v4()),
        record_id: fixture.record.id,
        application_id: Some(app.id),
        created_at: picked_up_at,
    };
    let thing = create(fixture, weight_draft("61.5", datetime!(2026-11-20 8:00), None), picked_up_at);
    let pickup = PackagePickup {
        record_id: fixture.record.id,
        blobs: vec![(blob.clone(), b"scan".to_vec(), vec![1; 32])],
        changes: vec![ThingChange::Create(thing.clone())],
        picked_up_at,
    };
    let keys = fixture.store.pick_up_connect_package(allocated.id, &pickup).await.unwrap();
    assert_eq!(keys, vec![thing.key]);
    assert_eq!(fixture.store.thing(fixture.record.id, thing.key.id).await.unwrap().unwrap().key, thing.key);
    assert_eq!(fixture.store.blob_content(blob.id).await.unwrap(), b"scan");
    let stored = fixture.store.connect_package_by_code(code(7).hash()).await.unwrap().unwrap();
    assert_eq!(stored.status_at(picked_up_at), PackageStatus::PickedUp);
    assert!(stored.contents.unwrap().ciphertext.is_empty(), "the ciphertext is dropped at pickup");
    // A second pickup writes nothing.
    let again = PackagePickup {
        blobs: Vec::new(),
        changes: vec![ThingChange::Create(create(
            fixture,
            weight_draft("62", datetime!(2026-11-20 9:00), None),
            picked_up_at,
        ))],
        ..pickup
    };
    assert!(matches!(
        fixture.store.pick_up_connect_package(allocated.id, &again).await,
        Err(StoreError::ConnectItemUnavailable)
    ));
    assert_eq!(fixture.store.record(fixture.record.id).await.unwrap().unwrap().latest_operation_sequence, 1);
    // Picked-up packages are no longer pending: deleting by external id leaves them.
    assert_eq!(
        fixture.store.delete_pending_connect_packages(app.id, ConnectLookup::ExternalId("patient-5")).await.unwrap(),
        0
    );
}

pub(crate) async fn failed_pickups_write_nothing(fixture: &Fixture) {
    let app = registered_application(fixture).await;
    let pending = package(app.id, &code(8), Some(contents("patient-6")));
    fixture.store.create_connect_package(&pending, &[]).await.unwrap();
    // A thing for another record makes the whole pickup fail, blobs included.
    let mut thing = create(fixture, weight_draft("70", datetime!(2026-11-20 8:00), None), NOW);
    thing.record_id = RecordId::from_uuid(Uuid::new_v4());
    let blob = NewBlob {
        id: BlobId::from_uuid(Uuid::new_v4()),
        record_id: fixture.record.id,
        application_id: Some(app.id),
        created_at: NOW,
    };
    let pickup = PackagePickup {
        record_id: fixture.record.id,
        blobs: vec![(blob.clone(), b"scan".to_vec(), vec![1; 32])],
        changes: vec![ThingChange::Create(thing)],
        picked_up_at: NOW,
    };
    assert!(fixture.store.pick_up_connect_package(pending.id, &pickup).await.is_err());
    assert_eq!(fixture.store.blob(blob.id).await.unwrap(), None);
    let stored = fixture.store.connect_package_by_code(code(8).hash()).await.unwrap().unwrap();
    assert_eq!(stored.status_at(NOW), PackageStatus::Pending);
    // Expired packages cannot be picked up, and the sweep removes them.
    let late = NOW + PENDING_LIFETIME;
    let pickup = PackagePickup { blobs: Vec::new(), changes: Vec::new(), picked_up_at: late, ..pickup };
    assert!(matches!(
        fixture.store.pick_up_connect_package(pending.id, &pickup).await,
        Err(StoreError::ConnectItemUnavailable)
    ));
    assert_eq!(
        fixture.store.delete_pending_connect_packages(app.id, ConnectLookup::Code(code(8).hash())).await.unwrap(),
        1
    );
}

fn upload(application_id: ApplicationId) -> PackageBlobUpload {
    PackageBlobUpload {
        id: BlobId::from_uuid(Uuid::new_v4()),
        application_id,
        package_id: None,
        complete: false,
        length: 0,
        upload_expires_at: NOW + Duration::hours(2),
        created_at: NOW,
    }
}

pub(crate) async fn streamed_package_blobs_attach_to_their_package(fixture: &Fixture) {
    let app = registered_application(fixture).await;
    let token = TokenHash::of_token("upload-token-1");
    let started = upload(app.id);
    fixture.store.begin_package_blob(&started, token).await.unwrap();
    assert_eq!(fixture.store.append_package_blob_chunk(started.id, 0, b"encrypted-").await.unwrap(), 10);
    assert!(matches!(
        fixture.store.append_package_blob_chunk(started.id, 3, b"x").await,
        Err(StoreError::BlobRangeMismatch { .. })
    ));
    assert_eq!(fixture.store.append_package_blob_chunk(started.id, 10, b"chunks").await.unwrap(), 16);
    // An incomplete upload cannot be named.
    let early = package(app.id, &code(9), Some(contents("patient-7")));
    assert!(matches!(
        fixture.store.create_connect_package(&early, &[token]).await,
        Err(StoreError::UnknownPackageBlob)
    ));
    assert_eq!(fixture.store.connect_package_by_code(code(9).hash()).await.unwrap(), None);
    fixture.store.complete_package_blob(started.id).await.unwrap();
    let stored = fixture.store.package_blob_for_upload(token).await.unwrap().unwrap();
    assert_eq!((stored.complete, stored.length, stored.package_id), (true, 16, None));
    // Another application cannot name it.
    let other = registered_application(fixture).await;
    let foreign = package(other.id, &code(10), Some(contents("patient-7")));
    assert!(matches!(
        fixture.store.create_connect_package(&foreign, &[token]).await,
        Err(StoreError::UnknownPackageBlob)
    ));
    fixture.store.create_connect_package(&early, &[token]).await.unwrap();
    assert_eq!(fixture.store.package_blob_content(early.id, token).await.unwrap(), Some(b"encrypted-chunks".to_vec()));
    assert_eq!(fixture.store.package_blob_content(early.id, TokenHash::of_token("other")).await.unwrap(), None);
    // Named once only.
    let second = package(app.id, &code(11), Some(contents("patient-7")));
    assert!(matches!(
        fixture.store.create_connect_package(&second, &[token]).await,
        Err(StoreError::UnknownPackageBlob)
    ));
    // The pickup deletes the encrypted upload.
    let pickup =
        PackagePickup { record_id: fixture.record.id, blobs: Vec::new(), changes: Vec::new(), picked_up_at: NOW };
    fixture.store.pick_up_connect_package(early.id, &pickup).await.unwrap();
    assert_eq!(fixture.store.package_blob_for_upload(token).await.unwrap(), None);
    // Uploads nobody named are swept once their URL expired.
    let orphan_token = TokenHash::of_token("upload-token-2");
    fixture.store.begin_package_blob(&upload(app.id), orphan_token).await.unwrap();
    fixture.store.delete_expired_connect_items(NOW + Duration::hours(2)).await.unwrap();
    assert_eq!(fixture.store.package_blob_for_upload(orphan_token).await.unwrap(), None);
}
