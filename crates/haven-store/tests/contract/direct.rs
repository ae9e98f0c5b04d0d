//! Direct messaging's message center: addresses unique per instance, messages delivered with
//! their attachments and seen only by their addressee, and held messages released once.

use haven_domain::direct::{
    DirectAddressName, DirectAttachment, DirectAttachmentId, DirectDocumentKind, DirectMessage, DirectMessageId,
    HELD_DIRECT_MESSAGE_LIFETIME, HeldDirectMessage, HeldRelease, HeldStatus, MAX_HELD_ANSWER_ATTEMPTS,
};
use haven_store::DirectStore;

use super::*;

fn name(text: &str) -> DirectAddressName {
    DirectAddressName::parse(text).unwrap()
}

async fn another_person(fixture: &Fixture) -> Person {
    let person = Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!("bo.{}@example.org", Uuid::new_v4().simple())).unwrap(),
        given_name: "Bo".to_owned(),
        family_name: "Chen".to_owned(),
        birth_date: time::macros::date!(1975 - 06 - 01),
        country: CountryCode::parse("US").unwrap(),
        instance_id: InstanceId::parse("1").unwrap(),
        created_at: NOW,
    };
    fixture.store.create_person(&person).await.unwrap();
    person
}

fn attachment(file_name: Option<&str>, kind: DirectDocumentKind, content: &[u8]) -> DirectAttachment {
    DirectAttachment {
        id: DirectAttachmentId::from_uuid(Uuid::new_v4()),
        file_name: file_name.map(str::to_owned),
        content_type: "application/xml".to_owned(),
        document_kind: kind,
        content: content.to_vec(),
        size_bytes: content.len() as u64,
        added_to_record: None,
        reviewed_at: None,
    }
}

fn message(
    person_id: PersonId,
    subject: &str,
    received_at: OffsetDateTime,
    attachments: Vec<DirectAttachment>,
) -> DirectMessage {
    DirectMessage {
        id: DirectMessageId::from_uuid(Uuid::new_v4()),
        person_id,
        from: "dr.who@direct.clinic.example".to_owned(),
        to: vec!["ana@direct.haven.example".to_owned(), "cc@direct.haven.example".to_owned()],
        subject: subject.to_owned(),
        text: "Please see the attached summary.".to_owned(),
        received_at,
        read_at: None,
        attachments,
    }
}

fn held(invitation: &str, held_at: OffsetDateTime) -> HeldDirectMessage {
    HeldDirectMessage {
        id: DirectMessageId::from_uuid(Uuid::new_v4()),
        invited_email: EmailAddress::parse("new.patient@example.org").unwrap(),
        invitation_hash: TokenHash::of_token(invitation),
        question: Some("Mother's maiden name?".to_owned()),
        answer_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        held_at,
        expires_at: HeldDirectMessage::expiry_for(held_at),
        failed_attempts: 0,
        released: None,
        from: "dr.who@direct.clinic.example".to_owned(),
        to: vec!["newuser@direct.haven.example".to_owned()],
        subject: "You have a new message".to_owned(),
        text: "Welcome.".to_owned(),
        attachments: vec![attachment(Some("ccd.xml"), DirectDocumentKind::Ccda, b"<ClinicalDocument/>")],
    }
}

pub(crate) async fn direct_addresses_are_unique_and_changeable(fixture: &Fixture) {
    let store = &fixture.store;
    let ana = fixture.person.id;
    assert_eq!(store.direct_address_of_person(ana).await.unwrap(), None);
    store.assign_direct_address(ana, &name("Ana.Lopez"), NOW).await.unwrap();
    assert_eq!(store.direct_address_of_person(ana).await.unwrap(), Some(name("ana.lopez")));
    assert_eq!(store.person_by_direct_address(&name("ana.lopez")).await.unwrap(), Some(ana));

    let bo = another_person(fixture).await;
    assert!(matches!(
        store.assign_direct_address(bo.id, &name("ana.lopez"), NOW).await,
        Err(StoreError::DirectAddressTaken)
    ));
    assert_eq!(store.direct_address_of_person(bo.id).await.unwrap(), None, "nothing changed");
    // Assigning the same name again to its holder is fine.
    store.assign_direct_address(ana, &name("ana.lopez"), NOW).await.unwrap();

    // A person has one address: changing it frees the old one.
    store.assign_direct_address(ana, &name("ana"), NOW).await.unwrap();
    assert_eq!(store.person_by_direct_address(&name("ana.lopez")).await.unwrap(), None);
    assert_eq!(store.person_by_direct_address(&name("ana")).await.unwrap(), Some(ana));
    store.assign_direct_address(bo.id, &name("ana.lopez"), NOW).await.unwrap();
    assert_eq!(store.person_by_direct_address(&name("ana.lopez")).await.unwrap(), Some(bo.id));

    let nobody = PersonId::from_uuid(Uuid::new_v4());
    assert!(matches!(
        store.assign_direct_address(nobody, &name("ghost"), NOW).await,
        Err(StoreError::PersonNotFound(id)) if id == nobody
    ));
    assert_eq!(store.person_by_direct_address(&name("ghost")).await.unwrap(), None);
}

pub(crate) async fn direct_messages_are_delivered_listed_and_read(fixture: &Fixture) {
    let store = &fixture.store;
    let ana = fixture.person.id;
    let older = message(
        ana,
        "Your visit",
        NOW,
        vec![
            attachment(Some("summary.xml"), DirectDocumentKind::Ccda, b"<ClinicalDocument/>"),
            attachment(None, DirectDocumentKind::Other, b""),
        ],
    );
    let newer = message(ana, "Results", NOW + Duration::hours(1), Vec::new());
    store.deliver_direct_message(&older).await.unwrap();
    store.deliver_direct_message(&newer).await.unwrap();

    let inbox = store.direct_messages_of_person(ana).await.unwrap();
    let listed: Vec<_> =
        inbox.iter().map(|summary| (summary.id, summary.subject.as_str(), summary.attachment_count)).collect();
    assert_eq!(listed, vec![(newer.id, "Results", 0), (older.id, "Your visit", 2)], "newest first");
    assert_eq!((inbox[1].from.as_str(), inbox[1].received_at, inbox[1].read_at), (older.from.as_str(), NOW, None));

    assert_eq!(store.direct_message(ana, older.id).await.unwrap(), Some(older.clone()));
    let bo = another_person(fixture).await;
    assert_eq!(store.direct_message(bo.id, older.id).await.unwrap(), None, "only the addressee sees it");
    assert!(store.direct_messages_of_person(bo.id).await.unwrap().is_empty());

    // The first reading stays.
    assert!(!store.mark_direct_message_read(bo.id, older.id, NOW).await.unwrap());
    let first_read = NOW + Duration::hours(2);
    assert!(store.mark_direct_message_read(ana, older.id, first_read).await.unwrap());
    assert!(store.mark_direct_message_read(ana, older.id, first_read + Duration::hours(1)).await.unwrap());
    assert_eq!(store.direct_message(ana, older.id).await.unwrap().unwrap().read_at, Some(first_read));

    let attachment_id = older.attachments[0].id;
    let thing_id = ThingId::from_uuid(Uuid::new_v4());
    assert!(!store.record_direct_attachment_added(bo.id, attachment_id, fixture.record.id, thing_id).await.unwrap());
    assert!(store.record_direct_attachment_added(ana, attachment_id, fixture.record.id, thing_id).await.unwrap());
    let stored = store.direct_message(ana, older.id).await.unwrap().unwrap();
    assert_eq!(stored.attachments[0].added_to_record, Some((fixture.record.id, thing_id)));
    assert_eq!(stored.attachments[1].added_to_record, None);

    // A message for nobody stores nothing, attachments included.
    let nobody = PersonId::from_uuid(Uuid::new_v4());
    let lost = message(nobody, "Lost", NOW, vec![attachment(None, DirectDocumentKind::Other, b"x")]);
    assert!(matches!(store.deliver_direct_message(&lost).await, Err(StoreError::PersonNotFound(id)) if id == nobody));
    let rows = store.every_row_as_text().await.unwrap();
    let lost_id = lost.attachments[0].id.as_uuid();
    assert!(
        !rows.iter().any(|(_, text)| {
            let text = text.to_lowercase();
            text.contains(&lost_id.to_string()) || text.contains(&lost_id.simple().to_string())
        }),
        "the attachment of a refused message is not stored"
    );
}

pub(crate) async fn held_direct_messages_are_released_once(fixture: &Fixture) {
    let store = &fixture.store;
    let ana = fixture.person.id;
    let waiting = held("invitation-1", NOW);
    store.hold_direct_message(&waiting).await.unwrap();
    assert_eq!(
        store.held_direct_message_by_invitation(TokenHash::of_token("invitation-1")).await.unwrap(),
        Some(waiting.clone())
    );
    assert_eq!(store.held_direct_message_by_invitation(TokenHash::of_token("unknown")).await.unwrap(), None);
    assert!(store.direct_messages_of_person(ana).await.unwrap().is_empty(), "a held message belongs to nobody");

    let picked_up_at = NOW + Duration::days(2);
    assert!(store.release_held_direct_message(waiting.id, ana, picked_up_at).await.unwrap());
    let bo = another_person(fixture).await;
    assert!(!store.release_held_direct_message(waiting.id, bo.id, picked_up_at).await.unwrap(), "released once");
    assert!(!store.release_held_direct_message(waiting.id, ana, picked_up_at).await.unwrap());
    assert_eq!(store.direct_message(bo.id, waiting.id).await.unwrap(), None);
    assert_eq!(store.direct_message(ana, waiting.id).await.unwrap(), Some(waiting.message_for(ana)));
    let released = store.held_direct_message_by_invitation(TokenHash::of_token("invitation-1")).await.unwrap().unwrap();
    assert_eq!(released.released, Some(HeldRelease { person_id: ana, released_at: picked_up_at }));

    // An expired message cannot be released, and the sweep deletes it (and only it).
    let expiring = held("invitation-2", NOW);
    store.hold_direct_message(&expiring).await.unwrap();
    let later = NOW + HELD_DIRECT_MESSAGE_LIFETIME;
    assert!(!store.release_held_direct_message(expiring.id, ana, later).await.unwrap());
    let unknown = DirectMessageId::from_uuid(Uuid::new_v4());
    assert!(!store.release_held_direct_message(unknown, ana, NOW).await.unwrap());
    assert_eq!(store.delete_expired_held_direct_messages(later - Duration::seconds(1)).await.unwrap(), 0);
    assert_eq!(store.delete_expired_held_direct_messages(later).await.unwrap(), 1);
    assert_eq!(store.held_direct_message_by_invitation(TokenHash::of_token("invitation-2")).await.unwrap(), None);
    assert_eq!(store.direct_messages_of_person(ana).await.unwrap().len(), 1, "the released message stays");
    assert!(store.held_direct_message_by_invitation(TokenHash::of_token("invitation-1")).await.unwrap().is_some());
}

/// Wrong answers are counted on the held message, and the last allowed one locks it.
pub(crate) async fn wrong_answers_lock_a_held_message(fixture: &Fixture) {
    let store = &fixture.store;
    let waiting = held("invitation-4", NOW);
    store.hold_direct_message(&waiting).await.unwrap();
    for expected in 1..MAX_HELD_ANSWER_ATTEMPTS {
        assert_eq!(store.record_wrong_held_answer(waiting.id).await.unwrap(), expected);
    }
    let hash = TokenHash::of_token("invitation-4");
    let counted = store.held_direct_message_by_invitation(hash).await.unwrap().unwrap();
    assert_eq!(counted.failed_attempts, MAX_HELD_ANSWER_ATTEMPTS - 1);
    assert_eq!(counted.status_at(NOW), HeldStatus::Waiting);
    assert_eq!(store.record_wrong_held_answer(waiting.id).await.unwrap(), MAX_HELD_ANSWER_ATTEMPTS);
    let locked = store.held_direct_message_by_invitation(hash).await.unwrap().unwrap();
    assert_eq!(locked.status_at(NOW), HeldStatus::Locked);
    assert!(!store.release_held_direct_message(waiting.id, fixture.person.id, NOW).await.unwrap(), "locked");
    assert_eq!(store.record_wrong_held_answer(DirectMessageId::from_uuid(Uuid::new_v4())).await.unwrap(), 0);
}

/// A document's review is claimed once, released only by its claimant's failure, and never by
/// someone else.
pub(crate) async fn an_attachment_review_is_claimed_once(fixture: &Fixture) {
    let store = &fixture.store;
    let ana = fixture.person.id;
    let delivered = message(
        ana,
        "Your visit",
        NOW,
        vec![attachment(Some("ccd.xml"), DirectDocumentKind::Ccda, b"<ClinicalDocument/>")],
    );
    store.deliver_direct_message(&delivered).await.unwrap();
    let attachment_id = delivered.attachments[0].id;
    let bo = another_person(fixture).await;
    assert!(!store.claim_direct_attachment_review(bo.id, attachment_id, Some(NOW)).await.unwrap(), "not Bo's");
    let (first, second) = tokio::join!(
        store.claim_direct_attachment_review(ana, attachment_id, Some(NOW)),
        store.claim_direct_attachment_review(ana, attachment_id, Some(NOW)),
    );
    assert_eq!([first.unwrap(), second.unwrap()].iter().filter(|won| **won).count(), 1, "claimed once");
    let read = store.direct_message(ana, delivered.id).await.unwrap().unwrap();
    assert_eq!(read.attachments[0].reviewed_at, Some(NOW));
    assert!(store.claim_direct_attachment_review(ana, attachment_id, None).await.unwrap(), "released");
    assert!(!store.claim_direct_attachment_review(ana, attachment_id, None).await.unwrap(), "nothing to release");
    assert!(store.claim_direct_attachment_review(ana, attachment_id, Some(NOW)).await.unwrap(), "claimed again");
}

/// Two pickups of one held message at the same moment: exactly one wins.
pub(crate) async fn concurrent_releases_take_a_held_message_once(fixture: &Fixture) {
    let store = &fixture.store;
    let bo = another_person(fixture).await;
    let waiting = held("invitation-3", NOW);
    store.hold_direct_message(&waiting).await.unwrap();
    let (first, second) = tokio::join!(
        store.release_held_direct_message(waiting.id, fixture.person.id, NOW),
        store.release_held_direct_message(waiting.id, bo.id, NOW),
    );
    assert_eq!([first.unwrap(), second.unwrap()].iter().filter(|won| **won).count(), 1);
    let owners = [
        store.direct_message(fixture.person.id, waiting.id).await.unwrap().is_some(),
        store.direct_message(bo.id, waiting.id).await.unwrap().is_some(),
    ];
    assert_eq!(owners.iter().filter(|owns| **owns).count(), 1);
}
