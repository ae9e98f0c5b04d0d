//! Record sharing: invitations found by link and listed per record, wrong codes that lock,
//! revocation while pending, acceptance at most once, members' access kept as granted, and
//! removal with the member's authorizations, never of the last custodian.

use std::collections::BTreeSet;

use haven_domain::sharing::{
    INVITATION_LIFETIME, InvitationStatus, MAX_INVITATION_ATTEMPTS, ShareAccess, SharingCode, SharingInvitation,
    SharingInvitationDraft, SharingInvitationId,
};
use haven_store::SharingStore;

use super::*;

async fn another_person(fixture: &Fixture, given_name: &str) -> Person {
    let person = Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!(
            "{}.{}@example.org",
            given_name.to_lowercase(),
            Uuid::new_v4().simple()
        ))
        .unwrap(),
        given_name: given_name.to_owned(),
        family_name: "Chen".to_owned(),
        birth_date: time::macros::date!(1975 - 06 - 01),
        country: CountryCode::parse("US").unwrap(),
        instance_id: InstanceId::parse("1").unwrap(),
        created_at: NOW,
    };
    fixture.store.create_person(&person).await.unwrap();
    person
}

/// An invitation from the fixture's person to their record, made at `created_at`.
fn invitation(fixture: &Fixture, link: &str, access: ShareAccess, created_at: OffsetDateTime) -> SharingInvitation {
    let draft = SharingInvitationDraft {
        record_id: fixture.record.id,
        grantor_id: fixture.person.id,
        invitee_email: EmailAddress::parse("bo@example.org").unwrap(),
        invitee_name: "Bo".to_owned(),
        relationship: Relationship::SPOUSE,
        access,
        access_expires_at: None,
    };
    let code = SharingCode::from_random([link.len() as u8; 16]);
    SharingInvitation::create(
        SharingInvitationId::from_uuid(Uuid::new_v4()),
        draft,
        TokenHash::of_token(link),
        code.hash(),
        created_at,
    )
    .unwrap()
}

fn view_and_edit_weight() -> ShareAccess {
    ShareAccess::ViewAndEdit { type_ids: [WEIGHT].into_iter().collect::<BTreeSet<_>>() }
}

pub(crate) async fn sharing_invitations_are_stored_and_found_by_link(fixture: &Fixture) {
    let store = &fixture.store;
    let older = SharingInvitation {
        access_expires_at: Some(NOW + Duration::days(30)),
        ..invitation(fixture, "link-older", view_and_edit_weight(), NOW)
    };
    let newer = invitation(fixture, "link-newer", ShareAccess::Custodian, NOW + Duration::minutes(5));
    store.create_sharing_invitation(&older).await.unwrap();
    store.create_sharing_invitation(&newer).await.unwrap();

    assert_eq!(store.sharing_invitation_by_link(TokenHash::of_token("link-older")).await.unwrap(), Some(older.clone()));
    assert_eq!(store.sharing_invitation_by_link(TokenHash::of_token("link-newer")).await.unwrap(), Some(newer.clone()));
    assert_eq!(store.sharing_invitation_by_link(TokenHash::of_token("no-such-link")).await.unwrap(), None);
    assert_eq!(store.sharing_invitations_of_record(fixture.record.id).await.unwrap(), vec![newer, older]);
    let elsewhere = RecordId::from_uuid(Uuid::new_v4());
    assert!(store.sharing_invitations_of_record(elsewhere).await.unwrap().is_empty());

    let orphan =
        SharingInvitation { record_id: elsewhere, ..invitation(fixture, "link-orphan", ShareAccess::ViewOnly, NOW) };
    assert!(matches!(store.create_sharing_invitation(&orphan).await, Err(StoreError::MissingReference(_))));
}

pub(crate) async fn wrong_sharing_codes_lock_an_invitation(fixture: &Fixture) {
    let store = &fixture.store;
    let bo = another_person(fixture, "Bo").await;
    let pending = invitation(fixture, "link-lock", ShareAccess::ViewOnly, NOW);
    store.create_sharing_invitation(&pending).await.unwrap();
    for attempt in 1..=MAX_INVITATION_ATTEMPTS {
        assert_eq!(store.record_wrong_sharing_code(pending.id).await.unwrap(), attempt);
    }
    let locked = store.sharing_invitation_by_link(pending.link_hash).await.unwrap().unwrap();
    assert_eq!(locked.failed_attempts, MAX_INVITATION_ATTEMPTS);
    assert_eq!(locked.status_at(NOW), InvitationStatus::Locked);
    assert!(matches!(
        store.accept_sharing_invitation(pending.id, &pending.new_member(bo.id, NOW), NOW).await,
        Err(StoreError::SharingInvitationUnavailable)
    ));
    assert_eq!(store.record_member(fixture.record.id, bo.id).await.unwrap(), None);
    assert!(!store.revoke_sharing_invitation(fixture.record.id, pending.id, NOW).await.unwrap(), "locked");
    assert_eq!(store.record_wrong_sharing_code(SharingInvitationId::from_uuid(Uuid::new_v4())).await.unwrap(), 0);
}

pub(crate) async fn sharing_invitations_are_revoked_only_while_pending(fixture: &Fixture) {
    let store = &fixture.store;
    let bo = another_person(fixture, "Bo").await;
    let pending = invitation(fixture, "link-revoke", ShareAccess::ViewOnly, NOW);
    store.create_sharing_invitation(&pending).await.unwrap();

    let elsewhere = RecordId::from_uuid(Uuid::new_v4());
    assert!(!store.revoke_sharing_invitation(elsewhere, pending.id, NOW).await.unwrap(), "another record's");
    let later = NOW + Duration::hours(1);
    assert!(store.revoke_sharing_invitation(fixture.record.id, pending.id, later).await.unwrap());
    assert!(!store.revoke_sharing_invitation(fixture.record.id, pending.id, later).await.unwrap(), "once");
    let revoked = store.sharing_invitation_by_link(pending.link_hash).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(later));
    assert_eq!(revoked.status_at(later), InvitationStatus::Revoked);
    assert!(matches!(
        store.accept_sharing_invitation(pending.id, &pending.new_member(bo.id, later), later).await,
        Err(StoreError::SharingInvitationUnavailable)
    ));

    let lapsing = invitation(fixture, "link-lapsing", ShareAccess::ViewOnly, NOW);
    store.create_sharing_invitation(&lapsing).await.unwrap();
    let expired_at = NOW + INVITATION_LIFETIME;
    assert!(!store.revoke_sharing_invitation(fixture.record.id, lapsing.id, expired_at).await.unwrap(), "expired");

    let accepted = invitation(fixture, "link-accepted", ShareAccess::ViewOnly, NOW);
    store.create_sharing_invitation(&accepted).await.unwrap();
    store.accept_sharing_invitation(accepted.id, &accepted.new_member(bo.id, NOW), NOW).await.unwrap();
    assert!(!store.revoke_sharing_invitation(fixture.record.id, accepted.id, NOW).await.unwrap(), "accepted");
}

pub(crate) async fn accepting_makes_a_member_with_the_granted_access(fixture: &Fixture) {
    let store = &fixture.store;
    let bo = another_person(fixture, "Bo").await;
    let offered = SharingInvitation {
        access_expires_at: Some(NOW + Duration::days(30)),
        ..invitation(fixture, "link-accept", view_and_edit_weight(), NOW)
    };
    store.create_sharing_invitation(&offered).await.unwrap();
    let accepted_at = NOW + Duration::hours(2);
    let member = offered.new_member(bo.id, accepted_at);
    assert!(member.access.is_some());
    store.accept_sharing_invitation(offered.id, &member, accepted_at).await.unwrap();

    // The access round-trips through every read of members.
    assert_eq!(store.record_member(fixture.record.id, bo.id).await.unwrap(), Some(member.clone()));
    assert!(store.record_members(fixture.record.id).await.unwrap().contains(&member));
    assert_eq!(store.records_for_person(bo.id).await.unwrap(), vec![(fixture.record.clone(), member.clone())]);
    let stored = store.record_member(fixture.record.id, bo.id).await.unwrap().unwrap();
    assert!(stored.may(Permissions::CREATE, WEIGHT));
    assert!(stored.may(Permissions::READ, HEIGHT));
    assert!(!stored.may(Permissions::UPDATE, HEIGHT));
    let custodian = store.record_member(fixture.record.id, fixture.person.id).await.unwrap().unwrap();
    assert_eq!(custodian.access, None);

    let done = store.sharing_invitation_by_link(offered.link_hash).await.unwrap().unwrap();
    assert_eq!(done.accepted, Some((bo.id, accepted_at)));
    assert_eq!(done.status_at(accepted_at), InvitationStatus::Accepted);
    assert!(matches!(
        store.accept_sharing_invitation(offered.id, &member, accepted_at).await,
        Err(StoreError::SharingInvitationUnavailable)
    ));

    // A second invitation to someone with access in force is refused, and stays pending.
    let again = invitation(fixture, "link-again", ShareAccess::Custodian, NOW);
    store.create_sharing_invitation(&again).await.unwrap();
    assert!(matches!(
        store.accept_sharing_invitation(again.id, &again.new_member(bo.id, accepted_at), accepted_at).await,
        Err(StoreError::AlreadyMember)
    ));
    assert_eq!(store.record_member(fixture.record.id, bo.id).await.unwrap(), Some(member.clone()));
    let still = store.sharing_invitation_by_link(again.link_hash).await.unwrap().unwrap();
    assert_eq!(still.status_at(accepted_at), InvitationStatus::Pending);
    assert!(matches!(
        store.accept_sharing_invitation(again.id, &again.new_member(fixture.person.id, NOW), NOW).await,
        Err(StoreError::AlreadyMember)
    ));

    // Once the access has ended, a new acceptance replaces the old membership.
    let renewal = invitation(fixture, "link-renewal", ShareAccess::Custodian, NOW + Duration::days(20));
    store.create_sharing_invitation(&renewal).await.unwrap();
    let after_access = NOW + Duration::days(31);
    let renewed = renewal.new_member(bo.id, after_access);
    store.accept_sharing_invitation(renewal.id, &renewed, after_access).await.unwrap();
    assert_eq!(store.record_member(fixture.record.id, bo.id).await.unwrap(), Some(renewed));

    // An invitation past its lifetime, or for another record, is not accepted.
    let carl = another_person(fixture, "Carl").await;
    let lapsed = invitation(fixture, "link-lapsed", ShareAccess::ViewOnly, NOW);
    store.create_sharing_invitation(&lapsed).await.unwrap();
    let expired_at = NOW + INVITATION_LIFETIME;
    assert!(matches!(
        store.accept_sharing_invitation(lapsed.id, &lapsed.new_member(carl.id, expired_at), expired_at).await,
        Err(StoreError::SharingInvitationUnavailable)
    ));
    let foreign = RecordMember { record_id: RecordId::from_uuid(Uuid::new_v4()), ..lapsed.new_member(carl.id, NOW) };
    assert!(matches!(
        store.accept_sharing_invitation(lapsed.id, &foreign, NOW).await,
        Err(StoreError::SharingInvitationUnavailable)
    ));
    assert!(matches!(
        store
            .accept_sharing_invitation(
                SharingInvitationId::from_uuid(Uuid::new_v4()),
                &lapsed.new_member(carl.id, NOW),
                NOW
            )
            .await,
        Err(StoreError::SharingInvitationUnavailable)
    ));
    assert_eq!(store.record_member(fixture.record.id, carl.id).await.unwrap(), None);

    // put_record_member keeps access rules too.
    let limited = RecordMember { access: ShareAccess::ViewOnly.member_access(), ..lapsed.new_member(carl.id, NOW) };
    store.put_record_member(&limited).await.unwrap();
    assert_eq!(store.record_member(fixture.record.id, carl.id).await.unwrap(), Some(limited));
}

/// Two acceptances of one invitation at the same moment: exactly one wins. Two invitations
/// accepted by one person at once: one membership.
pub(crate) async fn concurrent_acceptances_accept_an_invitation_once(fixture: &Fixture) {
    let store = &fixture.store;
    let bo = another_person(fixture, "Bo").await;
    let carl = another_person(fixture, "Carl").await;
    let contested = invitation(fixture, "link-contested", ShareAccess::ViewOnly, NOW);
    store.create_sharing_invitation(&contested).await.unwrap();
    let (bo_member, carl_member) = (contested.new_member(bo.id, NOW), contested.new_member(carl.id, NOW));
    let (first, second) = tokio::join!(
        store.accept_sharing_invitation(contested.id, &bo_member, NOW),
        store.accept_sharing_invitation(contested.id, &carl_member, NOW),
    );
    let outcomes = [first, second];
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_ok()).count(), 1, "{outcomes:?}");
    assert!(
        outcomes.iter().any(|outcome| matches!(outcome, Err(StoreError::SharingInvitationUnavailable))),
        "{outcomes:?}"
    );
    let members = [
        store.record_member(fixture.record.id, bo.id).await.unwrap().is_some(),
        store.record_member(fixture.record.id, carl.id).await.unwrap().is_some(),
    ];
    assert_eq!(members.iter().filter(|member| **member).count(), 1);
    let accepted_by = store.sharing_invitation_by_link(contested.link_hash).await.unwrap().unwrap().accepted.unwrap().0;
    assert_eq!(members[0], accepted_by == bo.id);

    let dana = another_person(fixture, "Dana").await;
    let one = invitation(fixture, "link-one", ShareAccess::ViewOnly, NOW);
    let other = invitation(fixture, "link-other", ShareAccess::Custodian, NOW);
    store.create_sharing_invitation(&one).await.unwrap();
    store.create_sharing_invitation(&other).await.unwrap();
    let (as_viewer, as_custodian) = (one.new_member(dana.id, NOW), other.new_member(dana.id, NOW));
    let (first, second) = tokio::join!(
        store.accept_sharing_invitation(one.id, &as_viewer, NOW),
        store.accept_sharing_invitation(other.id, &as_custodian, NOW),
    );
    let outcomes = [first, second];
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().any(|outcome| matches!(outcome, Err(StoreError::AlreadyMember))), "{outcomes:?}");
}

pub(crate) async fn removing_a_member_removes_their_authorizations(fixture: &Fixture) {
    let store = &fixture.store;
    let bo = another_person(fixture, "Bo").await;
    let shared = invitation(fixture, "link-remove", ShareAccess::ViewOnly, NOW);
    store.create_sharing_invitation(&shared).await.unwrap();
    store.accept_sharing_invitation(shared.id, &shared.new_member(bo.id, NOW), NOW).await.unwrap();

    let app = application();
    store.put_application(&app).await.unwrap();
    let grant = |person_id| AppAuthorization {
        person_id,
        record_id: fixture.record.id,
        application_id: app.id,
        online: Some(app.online_rules.clone()),
        offline: None,
        granted_at: NOW,
        expires_at: None,
        revoked_at: None,
    };
    store.put_authorization(&grant(bo.id)).await.unwrap();
    store.put_authorization(&grant(fixture.person.id)).await.unwrap();
    // Bo's authorization on his own record stays.
    let bo_record = new_record(DEFAULT_RECORD_QUOTA_BYTES);
    store.create_record(&bo_record, &custodian(&bo_record, &bo)).await.unwrap();
    let own = AppAuthorization { record_id: bo_record.id, ..grant(bo.id) };
    store.put_authorization(&own).await.unwrap();

    assert!(store.remove_record_member(fixture.record.id, bo.id, NOW).await.unwrap());
    assert_eq!(store.record_member(fixture.record.id, bo.id).await.unwrap(), None);
    assert_eq!(store.authorization(bo.id, fixture.record.id, app.id).await.unwrap(), None);
    assert_eq!(
        store.authorization(fixture.person.id, fixture.record.id, app.id).await.unwrap(),
        Some(grant(fixture.person.id))
    );
    assert_eq!(store.authorization(bo.id, bo_record.id, app.id).await.unwrap(), Some(own));
    assert_eq!(store.records_for_person(bo.id).await.unwrap().len(), 1);
    assert!(!store.remove_record_member(fixture.record.id, bo.id, NOW).await.unwrap(), "no longer a member");
}

pub(crate) async fn the_last_custodian_cannot_be_removed(fixture: &Fixture) {
    let store = &fixture.store;
    let ana = fixture.person.id;
    assert!(matches!(store.remove_record_member(fixture.record.id, ana, NOW).await, Err(StoreError::LastCustodian)));
    assert!(store.record_member(fixture.record.id, ana).await.unwrap().is_some());

    // A custodian whose access has ended does not count.
    let carl = another_person(fixture, "Carl").await;
    let lapsed = RecordMember { expires_at: Some(NOW), ..custodian(&fixture.record, &carl) };
    store.put_record_member(&lapsed).await.unwrap();
    assert!(matches!(store.remove_record_member(fixture.record.id, ana, NOW).await, Err(StoreError::LastCustodian)));

    let bo = another_person(fixture, "Bo").await;
    let made_custodian = invitation(fixture, "link-custodian", ShareAccess::Custodian, NOW);
    store.create_sharing_invitation(&made_custodian).await.unwrap();
    store.accept_sharing_invitation(made_custodian.id, &made_custodian.new_member(bo.id, NOW), NOW).await.unwrap();
    assert!(store.remove_record_member(fixture.record.id, ana, NOW).await.unwrap());
    assert!(matches!(store.remove_record_member(fixture.record.id, bo.id, NOW).await, Err(StoreError::LastCustodian)));
    assert!(store.remove_record_member(fixture.record.id, carl.id, NOW).await.unwrap(), "a lapsed custodian may go");
    assert_eq!(
        store
            .record_members(fixture.record.id)
            .await
            .unwrap()
            .iter()
            .map(|member| member.person_id)
            .collect::<Vec<_>>(),
        vec![bo.id]
    );
}
