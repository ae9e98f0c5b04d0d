//! Sharing a record in the Shell: invitations by e-mail with a separate code, view-only and
//! per-type access, expiry on an injected clock, removal, the last custodian, locking after
//! wrong codes, refusal of accounts of another instance, SHARERECORD, and the access history.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::sync::Arc;

use axum::http::StatusCode;
use haven_domain::clock::Clock;
use haven_domain::person::EmailAddress;
use haven_domain::record::Relationship;
use haven_domain::sharing::MAX_INVITATION_ATTEMPTS;
use haven_domain::thing_type::WEIGHT;
use haven_mail::MailFolder;
use haven_shell::MailSettings;
use haven_store::{PersonStore, RecordStore, SharingStore};
use support::{Browser, Deployment, Page, TestShell, signed_up_with_record};
use time::Duration;

/// A Shell with mail saved in a folder.
struct SharingShell {
    shell: TestShell,
    mail: tempfile::TempDir,
}

impl SharingShell {
    async fn start() -> Self {
        let mail = tempfile::tempdir().unwrap();
        let settings =
            MailSettings { mailer: Arc::new(MailFolder::new(mail.path())), from: "no-reply@haven.test".to_owned() };
        let shell = TestShell::start_with_state(|settings| settings, |state| state.with_mail(settings)).await;
        Self { shell, mail }
    }

    /// The text of every mail to `email`, bodies decoded, oldest first.
    fn mails_to(&self, email: &str) -> Vec<String> {
        let envelope = format!("X-Haven-Envelope-To: <{email}>");
        support::folder_mails(self.mail.path())
            .iter()
            .filter(|raw| raw.contains(&envelope))
            .map(|raw| support::readable_mail(raw))
            .collect()
    }
}

/// The link path in the last invitation mailed to `email`.
fn invitation_link(shell: &SharingShell, email: &str) -> String {
    let mail = shell.mails_to(email).pop().expect("an invitation was mailed");
    let at = mail.find("/sharing/accept?invitation=").unwrap();
    mail[at..at + mail[at..].find(['\r', '\n']).unwrap()].to_owned()
}

/// The code shown to the custodian after inviting.
fn shown_code(page: &Page) -> String {
    let at = page.body.find("id=\"sharing-code\">").expect("the code is shown") + "id=\"sharing-code\">".len();
    page.body[at..at + page.body[at..].find('<').unwrap()].to_owned()
}

/// `inviter` invites `email` to `record` with `fields` (access, until, edit_types...).
async fn invite(inviter: &mut Browser, record: &str, email: &str, fields: &[(&str, &str)]) -> Page {
    let relationship = Relationship::SPOUSE.0.to_string();
    let mut all = vec![("email", email), ("name", "Bo"), ("relationship", relationship.as_str())];
    all.extend_from_slice(fields);
    let sharing = format!("/records/{record}/sharing");
    inviter.submit(&sharing, &format!("{sharing}/invite"), &all).await
}

/// `invitee` opens the link and types `code`.
async fn accept(invitee: &mut Browser, link: &str, code: &str) -> Page {
    let page = invitee.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let invitation = page.input("invitation").unwrap();
    let csrf = page.csrf();
    invitee.post("/sharing/accept", &[("csrf", &csrf), ("invitation", &invitation), ("code", code)]).await
}

#[tokio::test]
async fn a_view_only_share_with_an_end_can_be_read_not_changed_and_ends() {
    let sharing = SharingShell::start().await;
    let shell = &sharing.shell;
    let (mut ana, _, record_id) = signed_up_with_record(shell, "ana@example.org").await;
    let record = record_id.to_string();
    let mut bo = shell.browser();
    let signed_up = bo.sign_up("bo@example.org", &[("given_name", "Bo"), ("family_name", "Berg")]).await;
    assert_eq!(signed_up.status, StatusCode::SEE_OTHER);
    let bo_person =
        shell.store.person_by_email(&EmailAddress::parse("bo@example.org").unwrap()).await.unwrap().unwrap();
    assert_eq!(bo.get(&format!("/records/{record}")).await.status, StatusCode::NOT_FOUND, "not shared yet");

    let invited = invite(&mut ana, &record, "bo@example.org", &[("access", "view"), ("until", "2026-11-30")]).await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    let code = shown_code(&invited);
    let mail = sharing.mails_to("bo@example.org").pop().unwrap();
    assert!(mail.contains("view only") && !mail.contains(&code), "the code is not in the e-mail: {mail}");
    let listed = ana.get(&format!("/records/{record}/sharing")).await;
    assert!(listed.body.contains("Invitations not yet accepted"), "{}", listed.body);

    let link = invitation_link(&sharing, "bo@example.org");
    let wrong = accept(&mut bo, &link, "AAAA-AAAA").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("2 more tries"), "{}", wrong.body);
    let accepted = accept(&mut bo, &link, &code.to_lowercase().replace('-', " ")).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(accepted.location(), format!("/records/{record}"));

    // Bo sees the record, read-only.
    let page = bo.get(&format!("/records/{record}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Shared with you") && !page.body.contains("Add a weight"), "{}", page.body);
    assert_eq!(bo.get(&format!("/records/{record}/weight")).await.status, StatusCode::FORBIDDEN);
    let csrf = page.csrf();
    let weight =
        bo.post(&format!("/records/{record}/weight"), &[("csrf", &csrf), ("value", "70"), ("unit", "kg")]).await;
    assert_eq!(weight.status, StatusCode::FORBIDDEN);
    assert_eq!(bo.get(&format!("/records/{record}/sharing")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bo.get(&format!("/records/{record}/history")).await.status, StatusCode::FORBIDDEN);
    let members = ana.get(&format!("/records/{record}/sharing")).await;
    assert!(members.body.contains("View only") && members.body.contains("bo@example.org"), "{}", members.body);

    // The link works once.
    let again = bo.get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);

    // Ana's history shows Bo reading the record.
    shell.state.flush_access_log().await;
    let history = ana.get(&format!("/records/{record}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("<td>Bo Berg</td><td>Read</td><td>record page (0 items)</td>"), "{}", history.body);

    // At the end of 30 November (UTC) the access ends.
    shell.clock.advance(Duration::days(8) + Duration::hours(15));
    // (Browser sessions last 8 hours, so Bo signs in again.)
    assert_eq!(bo.sign_in("bo@example.org", support::PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(bo.get(&format!("/records/{record}")).await.status, StatusCode::NOT_FOUND, "the share ended");
    assert!(!bo.get("/records").await.body.contains(&record));
    let member = shell.store.record_member(record_id, bo_person.id).await.unwrap().unwrap();
    assert!(!member.is_active_at(shell.clock.now()));
}

#[tokio::test]
async fn a_custodian_removes_someone_and_the_last_custodian_cannot_leave() {
    let sharing = SharingShell::start().await;
    let shell = &sharing.shell;
    let (mut ana, ana_person, record_id) = signed_up_with_record(shell, "ana@example.org").await;
    let record = record_id.to_string();
    let (mut bo, bo_person, _) = signed_up_with_record(shell, "bo@example.org").await;
    let weight_type = WEIGHT.to_string();
    let invited =
        invite(&mut ana, &record, "bo@example.org", &[("access", "edit"), ("edit_types", &weight_type)]).await;
    let code = shown_code(&invited);
    let link = invitation_link(&sharing, "bo@example.org");
    assert_eq!(accept(&mut bo, &link, &code).await.status, StatusCode::SEE_OTHER);

    // Bo may add a weight, not a blood pressure.
    let page = bo.get(&format!("/records/{record}")).await;
    assert!(page.body.contains("Add a weight") && !page.body.contains("Add a blood pressure"), "{}", page.body);
    assert_eq!(bo.get(&format!("/records/{record}/weight")).await.status, StatusCode::OK);
    assert_eq!(bo.get(&format!("/records/{record}/blood-pressure")).await.status, StatusCode::FORBIDDEN);

    // The last custodian cannot leave.
    let sharing_path = format!("/records/{record}/sharing");
    let leave = ana.submit(&sharing_path, &format!("{sharing_path}/members/{}/remove", ana_person.id), &[]).await;
    assert_eq!(leave.status, StatusCode::CONFLICT, "{}", leave.body);
    assert!(leave.body.contains("last custodian"));
    // Bo cannot remove Ana; Ana removes Bo.
    let page = bo.get(&format!("/records/{record}")).await;
    let csrf = page.csrf();
    let refused = bo.post(&format!("{sharing_path}/members/{}/remove", ana_person.id), &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let removed = ana.submit(&sharing_path, &format!("{sharing_path}/members/{}/remove", bo_person.id), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(bo.get(&format!("/records/{record}")).await.status, StatusCode::NOT_FOUND);
    assert!(shell.store.record_member(record_id, bo_person.id).await.unwrap().is_none());
}

#[tokio::test]
async fn wrong_codes_lock_and_withdrawn_invitations_are_refused() {
    let sharing = SharingShell::start().await;
    let shell = &sharing.shell;
    let (mut ana, _, record_id) = signed_up_with_record(shell, "ana@example.org").await;
    let record = record_id.to_string();
    let (mut bo, _, _) = signed_up_with_record(shell, "bo@example.org").await;
    let code = shown_code(&invite(&mut ana, &record, "bo@example.org", &[("access", "custodian")]).await);
    let link = invitation_link(&sharing, "bo@example.org");
    let mut last = None;
    for _ in 0..MAX_INVITATION_ATTEMPTS {
        last = Some(accept(&mut bo, &link, "ZZZZ-ZZZZ").await);
    }
    let locked = last.unwrap();
    assert_eq!(locked.status, StatusCode::GONE, "{}", locked.body);
    assert!(locked.body.contains("locked"));
    assert_eq!(bo.get(&link).await.status, StatusCode::GONE, "even with the right code");
    let _ = code;
    assert_eq!(bo.get(&format!("/records/{record}")).await.status, StatusCode::NOT_FOUND);

    // A withdrawn invitation cannot be accepted.
    let code = shown_code(&invite(&mut ana, &record, "bo@example.org", &[("access", "view")]).await);
    let link = invitation_link(&sharing, "bo@example.org");
    let invitation = shell
        .store
        .sharing_invitations_of_record(record_id)
        .await
        .unwrap()
        .into_iter()
        .find(|invitation| invitation.status_at(shell.clock.now()) == haven_domain::sharing::InvitationStatus::Pending)
        .unwrap();
    let sharing_path = format!("/records/{record}/sharing");
    let revoked = ana.submit(&sharing_path, &format!("{sharing_path}/invitations/{}/revoke", invitation.id), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(bo.get(&link).await.status, StatusCode::GONE);
    let _ = code;

    // An unknown link says so, and explains instances.
    let unknown = bo.get("/sharing/accept?invitation=not-a-real-token").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("shared only within the Haven instance"), "{}", unknown.body);
}

#[tokio::test]
async fn an_account_of_another_instance_cannot_be_invited() {
    let deployment = Deployment::start().await;
    let (mut ana, _, record_id) = signed_up_with_record(&deployment.us, "ana@example.org").await;
    // Lena's account is in the EU.
    let mut lena = deployment.eu.browser();
    let signed_up = lena.sign_up("lena@example.org", &[("country", "NL")]).await;
    assert_eq!(signed_up.status, StatusCode::SEE_OTHER, "{}", signed_up.body);

    let refused = invite(&mut ana, &record_id.to_string(), "lena@example.org", &[("access", "view")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let text = support::unescape(&refused.body);
    assert!(text.contains("is kept by Haven EU"), "{text}");
    assert!(text.contains("choosing as the country where they live one that Haven US serves"), "{text}");
    assert!(deployment.us.store.sharing_invitations_of_record(record_id).await.unwrap().is_empty(), "nothing shared");
}

#[tokio::test]
async fn an_invitation_made_for_an_application_offers_the_way_back() {
    let sharing = SharingShell::start().await;
    let shell = &sharing.shell;
    let (mut ana, _, record_id) = signed_up_with_record(shell, "ana@example.org").await;
    let next = "/redirect.aspx?target=SHARERECORD&targetqs=x&shared=true";
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    let page = ana.get(&format!("/records/{record_id}/sharing?next={encoded}")).await;
    assert_eq!(support::unescape(&page.input("next").unwrap()), next);
    let invited =
        invite(&mut ana, &record_id.to_string(), "bo@example.org", &[("access", "view"), ("next", next)]).await;
    assert!(invited.body.contains("Continue to the application"), "{}", invited.body);
    // Only a path on the Shell is followed.
    let elsewhere = invite(
        &mut ana,
        &record_id.to_string(),
        "cy@example.org",
        &[("access", "view"), ("next", "https://evil.example/")],
    )
    .await;
    assert!(!elsewhere.body.contains("Continue to the application"));
}

#[tokio::test]
async fn an_invitation_cannot_be_accepted_from_another_instance_and_its_secret_stays_home() {
    use haven_domain::session::TokenHash;
    use haven_domain::sharing::{
        ShareAccess, SharingCode, SharingInvitation, SharingInvitationDraft, SharingInvitationId,
    };
    let deployment = Deployment::start().await;
    let (_ana, ana, record_id) = signed_up_with_record(&deployment.us, "ana@example.org").await;
    let draft = SharingInvitationDraft {
        record_id,
        grantor_id: ana.id,
        invitee_email: EmailAddress::parse("lena@example.org").unwrap(),
        invitee_name: "Lena".to_owned(),
        relationship: Relationship::SPOUSE,
        access: ShareAccess::ViewOnly,
        access_expires_at: None,
    };
    let code = SharingCode::from_random([7; 16]);
    let id = SharingInvitationId::from_uuid(uuid::Uuid::new_v4());
    let invitation =
        SharingInvitation::create(id, draft, TokenHash::of_token("the-link-token"), code.hash(), support::START)
            .unwrap();
    deployment.us.store.create_sharing_invitation(&invitation).await.unwrap();

    // Lena's account is in the EU: signing in at the US sends her there, without the token.
    let mut lena = deployment.eu.browser();
    assert_eq!(lena.sign_up("lena@example.org", &[("country", "NL")]).await.status, StatusCode::SEE_OTHER);
    let mut at_us = deployment.us.browser();
    let link = at_us.get("/sharing/accept?invitation=the-link-token").await;
    assert!(link.location().starts_with("/signin?next="), "{}", link.location());
    let form = at_us.get(link.location()).await;
    let (csrf, next) = (form.csrf(), support::unescape(&form.input("next").unwrap()));
    let fields =
        [("csrf", csrf.as_str()), ("email", "lena@example.org"), ("password", support::PASSWORD), ("next", &next)];
    let signed_in = at_us.post("/signin", &fields).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    let bounced = signed_in.location();
    assert!(bounced.starts_with(support::EU_SHELL), "{bounced}");
    assert!(!bounced.contains("the-link-token"), "the token stays in the US: {bounced}");
    assert!(bounced.contains("sharing%2Faccept"), "{bounced}");
    // At the EU the page explains where invitations are accepted; nothing is shared.
    let page = lena.get("/sharing/accept").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("shared only within the Haven instance that keeps it"), "{}", page.body);
    let pending = deployment.us.store.sharing_invitations_of_record(record_id).await.unwrap();
    assert!(pending[0].accepted.is_none());
}
