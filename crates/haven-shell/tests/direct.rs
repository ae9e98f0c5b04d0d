//! Direct messaging in the Shell: delivery into the message center through the SMTP
//! listener's mailbox, the inbox, attachments filed into records and clinical documents
//! reviewed into things, `newuser@` messages held and picked up, and replies sealed for the
//! provider (opened here by the `openssl` command line).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::sync::Arc;

use axum::http::{StatusCode, header};
use haven_direct::smtp::{DeliveryError, Mailbox};
use haven_direct::{
    Attachment, DirectAddress, DomainIdentity, InboundMessage, RecipientCertificates, Refusal, TrustAnchors,
};
use haven_domain::direct::MAX_HELD_ANSWER_ATTEMPTS;
use haven_domain::ids::RecordId;
use haven_domain::person::EmailAddress;
use haven_domain::thing::ThingQuery;
use haven_domain::thing_type::{ALLERGY, CONDITION, CONTINUITY_OF_CARE_DOCUMENT, FILE, IMMUNIZATION, MEDICATION};
use haven_mail::MailFolder;
use haven_shell::{DirectSettings, MailSettings, MessageCenter};
use haven_store::{DirectStore, PersonStore, ThingStore};
use haven_testkit::pki::{INSTANCE_DOMAIN, Pki};
use support::{Browser, TestShell, signed_up_with_record};

const VISIT_SUMMARY: &str = include_str!("../../haven-direct/tests/data/ccda-visit-summary.xml");
const PROVIDER: &str = "dr.smith@provider.example";

/// A Shell with Direct for the test PKI's domain, its mail saved in a folder.
struct DirectShell {
    shell: TestShell,
    center: MessageCenter,
    pki: Pki,
    mail: tempfile::TempDir,
}

impl DirectShell {
    async fn start() -> Self {
        let pki = Pki::new();
        let mail = tempfile::tempdir().unwrap();
        let anchors = TrustAnchors::load([&pki.trusted_anchor]).unwrap();
        let recipients = RecipientCertificates::load([&pki.provider.certificate]).unwrap();
        let direct = DirectSettings {
            domain: INSTANCE_DOMAIN.to_owned(),
            identity: Arc::new(DomainIdentity::load(&pki.instance.certificate, &pki.instance.key).unwrap()),
            anchors: Arc::new(anchors),
            recipients: Arc::new(recipients),
        };
        let mail_settings =
            MailSettings { mailer: Arc::new(MailFolder::new(mail.path())), from: "no-reply@haven.test".to_owned() };
        let shell = TestShell::start_with_state(
            |settings| settings,
            |state| state.with_mail(mail_settings).with_direct(direct),
        )
        .await;
        let center = shell.state.message_center().expect("Direct and mail are set up");
        Self { shell, center, pki, mail }
    }

    /// The mail written so far, oldest first, as saved.
    fn raw_mails(&self) -> Vec<String> {
        support::folder_mails(self.mail.path())
    }

    /// The mail written so far, oldest first, readable ([`support::readable_mail`]).
    fn mails(&self) -> Vec<String> {
        self.raw_mails().iter().map(|raw| support::readable_mail(raw)).collect()
    }
}

fn address(text: &str) -> DirectAddress {
    DirectAddress::parse(text).unwrap()
}

fn visit_message(to: &str, subject: &str) -> InboundMessage {
    InboundMessage {
        from: address(PROVIDER),
        to: vec![address(to)],
        subject: Some(subject.to_owned()),
        message_id: Some("visit-1@provider.example".to_owned()),
        text: Some("Hello, your visit summary and the leaflet are attached.".to_owned()),
        attachments: vec![
            Attachment {
                file_name: Some("visit-summary.xml".to_owned()),
                content_type: "application/xml".to_owned(),
                content: VISIT_SUMMARY.as_bytes().to_vec(),
            },
            Attachment {
                file_name: Some("../leaflet.pdf".to_owned()),
                content_type: "application/pdf".to_owned(),
                content: b"%PDF-1.4 a leaflet".to_vec(),
            },
        ],
    }
}

/// Signs up `email` and gives them the Direct local part `name`.
async fn person_with_address(direct: &DirectShell, email: &str, name: &str) -> (Browser, RecordId) {
    let (mut browser, _, record_id) = signed_up_with_record(&direct.shell, email).await;
    let saved = browser.submit("/account/direct-address", "/account/direct-address", &[("name", name)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    (browser, record_id)
}

/// The paths of the links on `page` that start with `prefix`, in order.
fn links(page: &support::Page, prefix: &str) -> Vec<String> {
    let marker = format!("href=\"{prefix}");
    page.body
        .match_indices(&marker)
        .map(|(at, _)| {
            let start = at + 6;
            page.body[start..start + page.body[start..].find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The path of the first link on `page` that starts with `prefix`.
fn link(page: &support::Page, prefix: &str) -> String {
    links(page, prefix).into_iter().next().unwrap_or_else(|| panic!("no link to {prefix}: {}", page.body))
}

async fn things_of(shell: &TestShell, record_id: RecordId, type_id: haven_domain::ids::ThingTypeId) -> usize {
    let query = ThingQuery { type_ids: vec![type_id], ..ThingQuery::default() };
    shell.store.query_things(record_id, &query).await.unwrap().len()
}

#[tokio::test]
async fn a_message_arrives_is_read_and_its_attachments_are_filed() {
    let direct = DirectShell::start().await;
    let (mut ana, record_id) = person_with_address(&direct, "ana@example.org", "Ana.Lopez").await;
    assert!(direct.center.accepts(&address("ana.lopez@direct.haven.test")).await.unwrap());
    assert!(!direct.center.accepts(&address("nobody@direct.haven.test")).await.unwrap());
    assert!(direct.center.accepts(&address("newuser@direct.haven.test")).await.unwrap());
    let account = ana.get("/account").await;
    assert!(account.body.contains("ana.lopez@direct.haven.test"), "{}", account.body);

    direct
        .center
        .deliver(
            visit_message("ana.lopez@direct.haven.test", "Your visit summary"),
            vec![address("ana.lopez@direct.haven.test")],
        )
        .await
        .unwrap();
    let mails = direct.mails();
    assert_eq!(mails.len(), 1, "one notification");
    assert!(mails[0].contains("X-Haven-Envelope-To: <ana@example.org>"), "{}", mails[0]);
    assert!(mails[0].contains("http://127.0.0.1:8110/messages/"), "{}", mails[0]);
    assert!(!mails[0].contains("visit summary"), "the notification says nothing of the message");

    let inbox = ana.get("/messages").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("Your visit summary") && inbox.body.contains(">New<"), "{}", inbox.body);
    let message_path = link(&inbox, "/messages/");
    let message = ana.get(&message_path).await;
    assert!(message.body.contains("your visit summary and the leaflet are attached"), "{}", message.body);
    assert!(message.body.contains("Clinical summary (C-CDA)") && message.body.contains("leaflet.pdf"));
    assert!(!ana.get("/messages").await.body.contains(">New<"), "opening it marked it read");

    // Downloads are always saved, never shown, and the name loses its path.
    let downloads = links(&message, &format!("{message_path}/attachments/"));
    assert_eq!(downloads.len(), 2, "{}", message.body);
    let (download_path, leaflet_path) = (downloads[0].clone(), downloads[1].clone());
    let leaflet = ana.get(&leaflet_path).await;
    assert_eq!(leaflet.headers[header::CONTENT_TYPE], "application/octet-stream");
    assert!(
        leaflet.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"leaflet.pdf\"")
    );
    assert_eq!(leaflet.body, "%PDF-1.4 a leaflet");

    // Someone else sees none of it.
    let (mut bo, _, _) = signed_up_with_record(&direct.shell, "bo@example.org").await;
    assert_eq!(bo.get(&message_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bo.get(&leaflet_path).await.status, StatusCode::NOT_FOUND);
    let record = record_id.to_string();
    let stolen = bo.submit("/records", &format!("{leaflet_path}/file"), &[("record", &record)]).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);

    // The leaflet becomes a File with its blob.
    let filed = ana.submit(&message_path, &format!("{leaflet_path}/file"), &[("record", &record)]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert_eq!(things_of(&direct.shell, record_id, FILE).await, 1, "{}", filed.location());
    assert!(ana.get(&message_path).await.body.contains("Added to"));

    // The summary becomes a CCD, then its entries are reviewed.
    let filed = ana.submit(&message_path, &format!("{download_path}/file"), &[("record", &record)]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    assert_eq!(filed.location(), format!("{download_path}/review"));
    assert_eq!(things_of(&direct.shell, record_id, CONTINUITY_OF_CARE_DOCUMENT).await, 1);
    let review = ana.get(&format!("{download_path}/review")).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    for section in ["Problems", "Medications", "Allergies", "Results", "Immunizations"] {
        assert!(review.body.contains(&format!("<legend>{section}</legend>")), "{section}: {}", review.body);
    }
    let offered = review.body.matches("name=\"item\"").count();
    assert!(offered >= 6, "{}", review.body);
    // Everything but the first problem, which the person says is wrong.
    let problems = &review.body[review.body.find("<legend>Problems</legend>").unwrap()..];
    let value_at = problems.find("value=\"").unwrap() + 7;
    let wrong_problem: usize = problems[value_at..value_at + problems[value_at..].find('"').unwrap()].parse().unwrap();
    let csrf = review.csrf();
    let mut fields = vec![("csrf", csrf.as_str())];
    let indexes: Vec<String> =
        (0..offered).filter(|index| *index != wrong_problem).map(|index| index.to_string()).collect();
    fields.extend(indexes.iter().map(|index| ("item", index.as_str())));
    let reconciled = ana.post(&format!("{download_path}/review"), &fields).await;
    assert_eq!(reconciled.status, StatusCode::SEE_OTHER, "{}", reconciled.body);
    let conditions = things_of(&direct.shell, record_id, CONDITION).await;
    let medications = things_of(&direct.shell, record_id, MEDICATION).await;
    assert!(conditions >= 1 && medications >= 2, "{conditions} conditions, {medications} medications");
    assert_eq!(things_of(&direct.shell, record_id, ALLERGY).await, 1);
    assert_eq!(things_of(&direct.shell, record_id, IMMUNIZATION).await, 1);

    // The same entries are not added twice.
    let again = ana.post(&format!("{download_path}/review"), &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("were added already"));
    assert_eq!(ana.get(&format!("{download_path}/review")).await.status, StatusCode::CONFLICT);
    assert_eq!(things_of(&direct.shell, record_id, ALLERGY).await, 1);

    // A position the page never offered changes nothing.
    let forged = ana.post(&format!("{download_path}/review"), &[("csrf", &csrf), ("item", "999")]).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert_eq!(things_of(&direct.shell, record_id, CONDITION).await, conditions);
}

#[tokio::test]
async fn direct_addresses_are_unique_and_reserved_names_refused() {
    let direct = DirectShell::start().await;
    let (mut ana, _) = person_with_address(&direct, "ana@example.org", "ana").await;
    let (mut bo, _, _) = signed_up_with_record(&direct.shell, "bo@example.org").await;
    let taken = bo.submit("/account/direct-address", "/account/direct-address", &[("name", "ANA")]).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("belongs to someone else"), "{}", taken.body);
    for reserved in ["newuser", "postmaster"] {
        let refused = bo.submit("/account/direct-address", "/account/direct-address", &[("name", reserved)]).await;
        assert!(refused.body.contains("is kept for the service"), "{reserved}");
    }
    let invalid = bo.submit("/account/direct-address", "/account/direct-address", &[("name", "bo smith")]).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Ana moves to another address; the old one stops receiving.
    let moved = ana.submit("/account/direct-address", "/account/direct-address", &[("name", "ana.lopez")]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert!(!direct.center.accepts(&address("ana@direct.haven.test")).await.unwrap());
    assert!(direct.center.accepts(&address("ana.lopez@direct.haven.test")).await.unwrap());
}

#[tokio::test]
async fn a_shell_without_direct_has_no_message_center() {
    let shell = TestShell::start().await;
    let (mut browser, _, _) = signed_up_with_record(&shell, "ana@example.org").await;
    assert_eq!(browser.get("/messages").await.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/account/direct-address").await.status, StatusCode::NOT_FOUND);
    assert!(shell.state.message_center().is_none());
    assert!(!browser.get("/records").await.body.contains("href=\"/messages\""));
}

/// The invitation link's path in the one mail sent to `email`.
fn invitation_path(mails: &[String], email: &str) -> String {
    let mail = mails.iter().find(|mail| mail.contains(&format!("X-Haven-Envelope-To: <{email}>"))).unwrap();
    let at = mail.find("/direct/held?code=").unwrap();
    let end = at + mail[at..].find(['\r', '\n']).unwrap();
    mail[at..end].to_owned()
}

#[tokio::test]
async fn a_held_message_is_picked_up_with_the_answer_once() {
    let direct = DirectShell::start().await;
    let newuser = address("newuser@direct.haven.test");
    let message = visit_message("newuser@direct.haven.test", "cy@example.org;Name of your first pet?;Rex;Your results");
    direct.center.deliver(message, vec![newuser.clone()]).await.unwrap();
    let mails = direct.mails();
    let invitation = mails.iter().find(|mail| mail.contains("X-Haven-Envelope-To: <cy@example.org>")).unwrap();
    assert!(!invitation.contains("Rex"), "the answer is never mailed");
    let path = invitation_path(&mails, "cy@example.org");

    // A visitor signs in first, and comes back.
    let mut visitor = direct.shell.browser();
    let redirected = visitor.get(&path).await;
    assert_eq!(redirected.status, StatusCode::SEE_OTHER);
    assert!(redirected.location().starts_with("/signin?next="), "{}", redirected.location());

    let (mut cy, _, _) = signed_up_with_record(&direct.shell, "cy@example.org").await;
    let question = cy.get(&path).await;
    assert_eq!(question.status, StatusCode::OK, "{}", question.body);
    assert!(question.body.contains("Name of your first pet?"));
    let code = question.input("code").unwrap();
    let csrf = question.csrf();
    let wrong = cy.post("/direct/held", &[("csrf", &csrf), ("code", &code), ("answer", "Felix")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("2 more tries"), "{}", wrong.body);
    let right = cy.post("/direct/held", &[("csrf", &csrf), ("code", &code), ("answer", "rex")]).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    let read = cy.get(right.location()).await;
    assert!(read.body.contains("Your results") && read.body.contains("visit summary"), "{}", read.body);

    // Once only.
    let again = cy.post("/direct/held", &[("csrf", &csrf), ("code", &code), ("answer", "rex")]).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("already been collected"));
}

#[tokio::test]
async fn held_messages_lock_and_confirm_the_address_without_a_question() {
    let direct = DirectShell::start().await;
    let newuser = address("newuser@direct.haven.test");
    direct
        .center
        .deliver(visit_message("newuser@direct.haven.test", "dee@example.org"), vec![newuser.clone()])
        .await
        .unwrap();
    direct
        .center
        .deliver(visit_message("newuser@direct.haven.test", "eve@example.org;Q?;A"), vec![newuser.clone()])
        .await
        .unwrap();
    let mails = direct.mails();

    // Without a question the person types the invited address.
    let (mut dee, _, _) = signed_up_with_record(&direct.shell, "dee@example.org").await;
    let page = dee.get(&invitation_path(&mails, "dee@example.org")).await;
    assert!(page.body.contains("The e-mail address this invitation was sent to"), "{}", page.body);
    let (code, csrf) = (page.input("code").unwrap(), page.csrf());
    let wrong = dee.post("/direct/held", &[("csrf", &csrf), ("code", &code), ("answer", "other@example.org")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let right = dee.post("/direct/held", &[("csrf", &csrf), ("code", &code), ("answer", " DEE@example.org ")]).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);

    // Three wrong answers lock it.
    let (mut eve, _, _) = signed_up_with_record(&direct.shell, "eve@example.org").await;
    let page = eve.get(&invitation_path(&mails, "eve@example.org")).await;
    let (code, csrf) = (page.input("code").unwrap(), page.csrf());
    let mut last = None;
    for _ in 0..MAX_HELD_ANSWER_ATTEMPTS {
        last = Some(eve.post("/direct/held", &[("csrf", &csrf), ("code", &code), ("answer", "B")]).await);
    }
    let locked = last.unwrap();
    assert_eq!(locked.status, StatusCode::GONE, "{}", locked.body);
    assert!(locked.body.contains("locked"));
    let right = eve.post("/direct/held", &[("csrf", &csrf), ("code", &code), ("answer", "A")]).await;
    assert_eq!(right.status, StatusCode::GONE, "the right answer is too late");
    let eve_id =
        direct.shell.store.person_by_email(&EmailAddress::parse("eve@example.org").unwrap()).await.unwrap().unwrap().id;
    assert!(direct.shell.store.direct_messages_of_person(eve_id).await.unwrap().is_empty());

    // A subject that names nobody is refused, and nothing is held.
    let before = direct.mails().len();
    let refused =
        direct.center.deliver(visit_message("newuser@direct.haven.test", "Your results"), vec![newuser]).await;
    assert!(matches!(refused, Err(DeliveryError::Refused(Refusal::NewUserSubject))), "{refused:?}");
    assert_eq!(direct.mails().len(), before);
}

/// The message of a folder mail, without the envelope lines the folder adds.
fn without_envelope(mail: &str) -> &str {
    let mut rest = mail;
    while rest.starts_with("X-Haven-Envelope-") {
        rest = &rest[rest.find('\n').unwrap() + 1..];
    }
    rest
}

#[tokio::test]
async fn a_reply_is_signed_and_encrypted_to_the_provider() {
    let direct = DirectShell::start().await;
    let (mut ana, _) = person_with_address(&direct, "ana@example.org", "ana.lopez").await;
    let to = address("ana.lopez@direct.haven.test");
    direct.center.deliver(visit_message("ana.lopez@direct.haven.test", "Your visit summary"), vec![to]).await.unwrap();
    let message_path = link(&ana.get("/messages").await, "/messages/");
    let form = ana.get(&format!("{message_path}/reply")).await;
    assert!(form.body.contains("Re: Your visit summary"), "{}", form.body);

    let empty = ana.submit(&format!("{message_path}/reply"), &format!("{message_path}/reply"), &[("text", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let before = direct.mails().len();
    let sent = ana
        .submit(
            &format!("{message_path}/reply"),
            &format!("{message_path}/reply"),
            &[("text", "Thank you, doctor.\r\nSee you in May.\nBye.\r")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mails = direct.raw_mails();
    assert_eq!(mails.len(), before + 1);
    let reply = mails.last().unwrap();
    assert!(reply.contains("X-Haven-Envelope-From: <ana.lopez@direct.haven.test>"), "{reply}");
    assert!(reply.contains("X-Haven-Envelope-To: <dr.smith@provider.example>"));
    assert!(!reply.contains("Thank you"), "the text travels only encrypted");
    let opened =
        direct.pki.open_sealed(without_envelope(reply).as_bytes(), &direct.pki.provider, &direct.pki.haven_anchor);
    assert!(opened.contains("From: ana.lopez@direct.haven.test"), "{opened}");
    assert!(opened.contains("Subject: Re: Your visit summary"), "{opened}");
    assert!(opened.contains("Thank you, doctor."), "{opened}");
}

#[tokio::test]
async fn a_reply_needs_a_trusted_certificate_for_the_provider() {
    let direct = DirectShell::start().await;
    let (mut ana, _) = person_with_address(&direct, "ana@example.org", "ana").await;
    let mut message = visit_message("ana@direct.haven.test", "From an unknown clinic");
    message.from = address("front.desk@elsewhere.example");
    direct.center.deliver(message, vec![address("ana@direct.haven.test")]).await.unwrap();
    let message_path = link(&ana.get("/messages").await, "/messages/");
    let before = direct.mails().len();
    let refused =
        ana.submit(&format!("{message_path}/reply"), &format!("{message_path}/reply"), &[("text", "Hello")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("no trusted certificate"), "{}", refused.body);
    assert_eq!(direct.mails().len(), before, "nothing was sent");
}

#[tokio::test]
async fn a_person_files_into_a_record_shared_with_them_only_what_their_access_allows() {
    use haven_domain::record::{RecordMember, Relationship};
    use haven_domain::sharing::ShareAccess;
    use haven_domain::thing_type::CONTINUITY_OF_CARE_DOCUMENT as CCD;
    use haven_store::RecordStore;
    let direct = DirectShell::start().await;
    let (_ana, ana_record) = person_with_address(&direct, "ana@example.org", "ana").await;
    let (mut bo, _) = person_with_address(&direct, "bo@example.org", "bo").await;
    let bo_id =
        direct.shell.store.person_by_email(&EmailAddress::parse("bo@example.org").unwrap()).await.unwrap().unwrap().id;
    // Bo may add Files, the document and conditions to Ana's record, nothing else.
    let access = ShareAccess::ViewAndEdit { type_ids: [FILE, CCD, CONDITION].into_iter().collect() };
    let member = RecordMember {
        record_id: ana_record,
        person_id: bo_id,
        is_custodian: false,
        relationship: Relationship::SPOUSE,
        granted_at: support::START,
        expires_at: None,
        access: access.member_access(),
    };
    direct.shell.store.put_record_member(&member).await.unwrap();
    direct
        .center
        .deliver(visit_message("bo@direct.haven.test", "For Ana"), vec![address("bo@direct.haven.test")])
        .await
        .unwrap();
    let message_path = link(&bo.get("/messages").await, "/messages/");
    let message = bo.get(&message_path).await;
    assert!(message.body.contains(&format!("value=\"{ana_record}\"")), "Ana's record is offered: {}", message.body);
    let downloads = links(&message, &format!("{message_path}/attachments/"));
    let record = ana_record.to_string();
    let filed = bo.submit(&message_path, &format!("{}/file", downloads[0]), &[("record", &record)]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let review = bo.get(&format!("{}/review", downloads[0])).await;
    assert!(review.body.contains("<legend>Problems</legend>"), "{}", review.body);
    assert!(!review.body.contains("<legend>Medications</legend>"), "medications are not Bo's to add");
    assert!(review.body.contains("entries are of kinds your access to this record does not let you add"));
    // A medication's position, which the page did not offer, is refused.
    let offered: Vec<usize> = review
        .body
        .match_indices("name=\"item\" value=\"")
        .map(|(at, found)| {
            let start = at + found.len();
            review.body[start..start + review.body[start..].find('"').unwrap()].parse().unwrap()
        })
        .collect();
    let not_offered = (0..9).find(|index| !offered.contains(index)).unwrap();
    let csrf = review.csrf();
    let refused =
        bo.post(&format!("{}/review", downloads[0]), &[("csrf", &csrf), ("item", &not_offered.to_string())]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let mut fields = vec![("csrf", csrf.clone())];
    fields.extend(offered.iter().map(|index| ("item", index.to_string())));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let added = bo.post(&format!("{}/review", downloads[0]), &borrowed).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(things_of(&direct.shell, ana_record, CONDITION).await, 3);
    assert_eq!(things_of(&direct.shell, ana_record, MEDICATION).await, 0);
}
