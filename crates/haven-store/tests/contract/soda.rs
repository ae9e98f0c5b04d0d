//! SODA children: the child and its creation written together, found by token hash and by
//! child, completed once and only while the token is valid.

use haven_domain::application::SodaSecret;
use haven_domain::soda::{SODA_CREATION_TOKEN_LIFETIME, SodaCreation, child_application};
use haven_store::SodaStore;

use super::*;

/// A SODA master registered in the store.
async fn soda_master(fixture: &Fixture) -> Application {
    let master = Application {
        certificates: Vec::new(),
        online_rules: RuleSet::default(),
        method_groups: [MethodGroup::Soda].into_iter().collect(),
        is_soda: true,
        ..application()
    };
    fixture.store.put_application(&master).await.unwrap();
    master
}

/// A child of `master` and its creation under a token hash of `seed` bytes.
fn child_and_creation(master: &Application, seed: u8) -> (Application, SodaCreation) {
    let child =
        child_application(master, ApplicationId::from_uuid(Uuid::new_v4()), SodaSecret::new(vec![seed; 32]), NOW)
            .unwrap();
    let creation = SodaCreation::start(TokenHash([seed; 32]), child.id, master.id, NOW);
    (child, creation)
}

pub(crate) async fn soda_children_are_created_and_completed_once(fixture: &Fixture) {
    let master = soda_master(fixture).await;
    let (child, creation) = child_and_creation(&master, 1);
    fixture.store.create_soda_child(&child, &creation).await.unwrap();

    let stored = fixture.store.application(child.id).await.unwrap().expect("the child is registered");
    assert_eq!(stored, child);
    assert_eq!(stored.soda_secret.as_ref().map(SodaSecret::as_bytes), Some(&[1; 32][..]), "the secret stays usable");
    assert_eq!(fixture.store.soda_creation(creation.token_hash).await.unwrap(), Some(creation.clone()));
    assert_eq!(fixture.store.soda_creation_of_application(child.id).await.unwrap(), Some(creation.clone()));
    assert_eq!(fixture.store.soda_creation(TokenHash([9; 32])).await.unwrap(), None);
    assert_eq!(fixture.store.soda_creation_of_application(master.id).await.unwrap(), None);

    let later = NOW + Duration::minutes(5);
    let completed = fixture.store.complete_soda_creation(creation.token_hash, later).await.unwrap();
    let expected = SodaCreation { completed_at: Some(later), ..creation.clone() };
    assert_eq!(completed, Some(expected.clone()));
    assert_eq!(fixture.store.soda_creation_of_application(child.id).await.unwrap(), Some(expected.clone()));
    // A token completes once.
    assert_eq!(fixture.store.complete_soda_creation(creation.token_hash, later).await.unwrap(), None);
    assert_eq!(fixture.store.soda_creation(creation.token_hash).await.unwrap(), Some(expected));
    assert_eq!(fixture.store.complete_soda_creation(TokenHash([9; 32]), later).await.unwrap(), None);
}

pub(crate) async fn expired_soda_creations_do_not_complete(fixture: &Fixture) {
    let master = soda_master(fixture).await;
    let (child, creation) = child_and_creation(&master, 2);
    fixture.store.create_soda_child(&child, &creation).await.unwrap();
    let expiry = NOW + SODA_CREATION_TOKEN_LIFETIME;
    assert_eq!(creation.expires_at, expiry);
    assert_eq!(fixture.store.complete_soda_creation(creation.token_hash, expiry).await.unwrap(), None);
    let stored = fixture.store.soda_creation(creation.token_hash).await.unwrap().unwrap();
    assert_eq!(stored.completed_at, None, "an expired token leaves the creation pending for good");
    assert!(!stored.is_pending_at(expiry));
}

pub(crate) async fn soda_children_need_their_master(fixture: &Fixture) {
    // A master that is not in the store: nothing of the child is written.
    let master =
        Application { is_soda: true, certificates: Vec::new(), online_rules: RuleSet::default(), ..application() };
    let (child, creation) = child_and_creation(&master, 3);
    let error = fixture.store.create_soda_child(&child, &creation).await.unwrap_err();
    assert!(matches!(&error, StoreError::MissingReference(message) if message.contains("master")), "{error:?}");
    assert!(fixture.store.application(child.id).await.unwrap().is_none());
    assert!(fixture.store.soda_creation(creation.token_hash).await.unwrap().is_none());

    // A creation that names another child is refused before anything is written.
    let registered = soda_master(fixture).await;
    let (child, creation) = child_and_creation(&registered, 4);
    let other = SodaCreation { application_id: ApplicationId::from_uuid(Uuid::new_v4()), ..creation };
    let error = fixture.store.create_soda_child(&child, &other).await.unwrap_err();
    assert!(matches!(error, StoreError::MissingReference(_)), "{error:?}");
    assert!(fixture.store.application(child.id).await.unwrap().is_none());
}
