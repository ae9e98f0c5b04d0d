//! Shared records through the Platform (issue 8): Ana shares her record with Bo, and Bo
//! authorizes the application on it. The application may then do no more than Bo may (view
//! only, or view and edit weights), online and offline, and QueryPermissions and GetThings'
//! `eff-permissions` report exactly that. Once Bo's access expires or is removed, every call
//! for Bo on Ana's record is refused, while Ana's own authorization keeps working. A refused
//! write leaves Ana's things as they were.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use haven_domain::account::NewAccount;
use haven_domain::auth_rules::{Permissions, RuleSet};
use haven_domain::clock::Clock;
use haven_domain::ids::{RecordId, ThingTypeId};
use haven_domain::record::{RecordMember, Relationship};
use haven_domain::sharing::ShareAccess;
use haven_domain::thing::{Thing, ThingKey, ThingQuery, ThingState};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_store::{AuthorizationStore, RecordStore, SharingStore, ThingStore};
use haven_wire::methods::get_things::GetThingsResponse;
use haven_wire::methods::put_things::PutThingsResponse;
use haven_wire::methods::query_permissions::{QueryPermissionsResponse, TypePermission};
use haven_wire::{StatusCode, parse_response};
use support::{
    Harness, authorize, declare_rules, grant_rules, harness, info_of, issue_user_token, offline, online, open_account,
    record_call, seed_thing, types_rule,
};
use time::{Duration, OffsetDateTime};

const SECRET: &[u8] = b"123456789";

/// How long Ana shares her record with Bo.
const SHARED_FOR: Duration = Duration::days(1);

/// READ and CREATE on weights and heights: what the application declares, online and
/// offline, and what Bo grants it on Ana's record.
fn read_and_create() -> RuleSet {
    types_rule(Permissions::READ.union(Permissions::CREATE), &[WEIGHT, HEIGHT])
}

fn read_create() -> Permissions {
    Permissions::READ.union(Permissions::CREATE)
}

fn weight_data(kg: &str) -> String {
    format!("<weight><when><date><y>2026</y><m>11</m><d>19</d></date></when><value><kg>{kg}</kg></value></weight>")
}

fn weight_thing(kg: &str) -> String {
    format!("<thing><type-id>{WEIGHT}</type-id><data-xml>{}</data-xml></thing>", weight_data(kg))
}

fn height_thing(metres: &str) -> String {
    format!(
        "<thing><type-id>{HEIGHT}</type-id><data-xml><height><when><date><y>2026</y><m>11</m><d>20</d></date></when><value><m>{metres}</m></value></height></data-xml></thing>"
    )
}

/// A GetThings group for weights, with their `eff-permissions`.
fn weights_group() -> String {
    format!(
        "<info><group><filter><type-id>{WEIGHT}</type-id></filter><format><section>core</section><section>effectivepermissions</section><xml/></format></group></info>"
    )
}

/// Ana's record, shared with Bo for [`SHARED_FOR`], with the application authorized by Ana
/// (as `authorize` does) and by Bo, on her record and on his own.
struct Sharing {
    harness: Harness,
    ana: NewAccount,
    bo: NewAccount,
    session_token: String,
    /// Ana's user token, her record selected.
    ana_user_token: String,
    /// Bo's user token, Ana's record selected.
    bo_user_token: String,
    /// Ana's weight, written by her in the Shell.
    weight: ThingKey,
    /// When Bo's access ends.
    expires_at: OffsetDateTime,
}

async fn share(access: ShareAccess) -> Sharing {
    let harness = harness().await;
    let (ana, ana_user_token) = authorize(&harness, true).await;
    declare_rules(&harness, harness.app_id, read_and_create(), read_and_create()).await;
    let bo = open_account(&harness, "bo@example.org", "Bo").await;
    let now = harness.clock.now();
    let expires_at = now + SHARED_FOR;
    harness
        .store
        .put_record_member(&RecordMember {
            record_id: ana.record.id,
            person_id: bo.person.id,
            is_custodian: false,
            relationship: Relationship::OTHER,
            granted_at: now,
            expires_at: Some(expires_at),
            access: access.member_access(),
        })
        .await
        .unwrap();
    // Bo's own record too, so refusals on Ana's record are about her record, not about Bo.
    for record_id in [ana.record.id, bo.record.id] {
        grant_rules(
            &harness,
            harness.app_id,
            bo.person.id,
            record_id,
            Some(read_and_create()),
            Some(read_and_create()),
        )
        .await;
    }
    let bo_user_token = "Qm8ncyB1c2VyIHRva2Vu".to_owned();
    issue_user_token(&harness, bo.person.id, ana.record.id, &bo_user_token).await;
    let weight = seed_thing(&harness, ana.person.id, ana.record.id, WEIGHT, &weight_data("72.5")).await;
    let session_token = harness.session(1).await.token;
    Sharing { harness, ana, bo, session_token, ana_user_token, bo_user_token, weight, expires_at }
}

impl Sharing {
    fn ana_online(&self) -> String {
        online(&self.session_token, &self.ana_user_token)
    }

    fn ana_offline(&self) -> String {
        offline(&self.session_token, self.ana.person.id)
    }

    fn bo_online(&self) -> String {
        online(&self.session_token, &self.bo_user_token)
    }

    fn bo_offline(&self) -> String {
        offline(&self.session_token, self.bo.person.id)
    }

    /// Calls `method` about `record_id`.
    async fn call(
        &self,
        method: &str,
        version: u32,
        record_id: RecordId,
        auth: &str,
        info: &str,
    ) -> (StatusCode, String) {
        self.harness.post(record_call(method, version, &record_id.to_string(), auth, SECRET, info)).await
    }

    async fn get_weights(&self, auth: &str) -> (StatusCode, String) {
        self.call("GetThings", 3, self.ana.record.id, auth, &weights_group()).await
    }

    async fn put(&self, auth: &str, things: &str) -> (StatusCode, String) {
        self.call("PutThings", 2, self.ana.record.id, auth, &format!("<info>{things}</info>")).await
    }

    /// What QueryPermissions answers for weights and heights in Ana's record.
    async fn query_permissions(&self, auth: &str) -> Vec<TypePermission> {
        let info =
            format!("<info><thing-type-id>{WEIGHT}</thing-type-id><thing-type-id>{HEIGHT}</thing-type-id></info>");
        let (status, text) = self.call("QueryPermissions", 1, self.ana.record.id, auth, &info).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        QueryPermissionsResponse::parse_info_xml(&info_of(&text)).unwrap().permissions
    }

    /// Every version of every thing in Ana's record, active or deleted.
    async fn things(&self) -> Vec<Thing> {
        let every_state = ThingQuery { states: vec![ThingState::Active, ThingState::Deleted], ..ThingQuery::default() };
        self.harness.store.query_things(self.ana.record.id, &every_state).await.unwrap()
    }

    /// Ana's things of `type_id`, active ones.
    async fn things_of(&self, type_id: ThingTypeId) -> Vec<Thing> {
        let query = ThingQuery { type_ids: vec![type_id], ..ThingQuery::default() };
        self.harness.store.query_things(self.ana.record.id, &query).await.unwrap()
    }

    /// Starts a new application session and signs Ana and Bo in again (new user tokens), as
    /// after a night away: the earlier ones have lapsed.
    async fn sign_in_again(&mut self) {
        self.session_token = self.harness.session(1).await.token;
        self.ana_user_token = "QW5hIGFnYWlu".to_owned();
        issue_user_token(&self.harness, self.ana.person.id, self.ana.record.id, &self.ana_user_token).await;
        self.bo_user_token = "Qm8gYWdhaW4=".to_owned();
        issue_user_token(&self.harness, self.bo.person.id, self.ana.record.id, &self.bo_user_token).await;
    }

    /// Every record-scoped method the application may call, with a valid `<info>` about Ana's
    /// record.
    fn record_calls(&self) -> Vec<(&'static str, u32, String)> {
        vec![
            ("GetThings", 3, weights_group()),
            ("GetThings", 1, weights_group()),
            ("PutThings", 2, format!("<info>{}</info>", weight_thing("70.1"))),
            (
                "RemoveThings",
                1,
                format!(
                    "<info><thing-id version-stamp=\"{}\">{}</thing-id></info>",
                    self.weight.version, self.weight.id
                ),
            ),
            ("QueryPermissions", 1, format!("<info><thing-type-id>{WEIGHT}</thing-type-id></info>")),
            (
                "GetRecordOperations",
                1,
                "<info><record-operation-sequence-number>0</record-operation-sequence-number></info>".to_owned(),
            ),
            ("BeginPutBlob", 1, "<info/>".to_owned()),
        ]
    }

    /// Every record-scoped call for Bo on Ana's record, online and offline, is refused with
    /// ACCESS_DENIED, and her things stay as they were.
    async fn assert_bo_refused_everything(&self) {
        let before = self.things().await;
        for auth in [self.bo_online(), self.bo_offline()] {
            for (method, version, info) in self.record_calls() {
                let (status, text) = self.call(method, version, self.ana.record.id, &auth, &info).await;
                assert_eq!(status, StatusCode::ACCESS_DENIED, "{method} v{version} as Bo ({auth}): {text}");
            }
        }
        assert_eq!(self.things().await, before, "refused calls changed Ana's things");
    }

    /// Ana's own authorization still reads and writes her record, online and offline
    /// (offline, reading only: that is all `authorize` grants offline).
    async fn assert_ana_still_works(&self) {
        for auth in [self.ana_online(), self.ana_offline()] {
            let (status, text) = self.get_weights(&auth).await;
            assert_eq!(status, StatusCode::OK, "{text}");
        }
        let (status, text) = self.put(&self.ana_online(), &weight_thing("72.0")).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }

    /// Bo's application still reads Bo's own record offline.
    async fn assert_bo_own_record_works(&self) {
        let (status, text) = self.call("GetThings", 3, self.bo.record.id, &self.bo_offline(), &weights_group()).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
}

/// The things of a GetThings answer's first group, with their effective permissions.
fn read_weights(text: &str) -> Vec<(ThingKey, Option<Permissions>)> {
    let info = parse_response(text).unwrap().info.unwrap();
    let mut groups = GetThingsResponse::parse_info_xml(info.inner_xml).unwrap().groups;
    groups
        .remove(0)
        .things
        .into_iter()
        .map(|thing| (thing.key, thing.effective_permissions.map(|effective| effective.permissions)))
        .collect()
}

fn created_key(text: &str) -> ThingKey {
    PutThingsResponse::parse_info_xml(&info_of(text)).unwrap().keys[0]
}

#[tokio::test]
async fn a_view_only_member_reads_through_the_application_but_cannot_write() {
    let sharing = share(ShareAccess::ViewOnly).await;
    let before = sharing.things().await;

    for (avenue, auth) in [("offline", sharing.bo_offline()), ("online", sharing.bo_online())] {
        let (status, text) = sharing.get_weights(&auth).await;
        assert_eq!(status, StatusCode::OK, "{avenue}: {text}");
        assert_eq!(
            read_weights(&text).iter().map(|(key, _)| *key).collect::<Vec<_>>(),
            vec![sharing.weight],
            "{avenue}: Ana's weight"
        );

        let (status, text) = sharing.put(&auth, &weight_thing("70.4")).await;
        assert_eq!(status, StatusCode::ACCESS_DENIED, "{avenue}: {text}");
        // Nor may it upload a blob into the record: it could attach it to nothing.
        let (status, text) = sharing.call("BeginPutBlob", 1, sharing.ana.record.id, &auth, "<info/>").await;
        assert_eq!(status, StatusCode::ACCESS_DENIED, "{avenue} BeginPutBlob: {text}");
    }
    assert_eq!(sharing.things().await, before, "the refused writes wrote nothing");
}

#[tokio::test]
async fn permissions_reported_for_a_view_only_member_are_read_only() {
    let sharing = share(ShareAccess::ViewOnly).await;

    let read_only = |type_id| TypePermission { type_id, online: Permissions::READ, offline: Permissions::READ };
    for auth in [sharing.bo_online(), sharing.bo_offline()] {
        assert_eq!(sharing.query_permissions(&auth).await, vec![read_only(WEIGHT), read_only(HEIGHT)]);
        let (status, text) = sharing.get_weights(&auth).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(read_weights(&text), vec![(sharing.weight, Some(Permissions::READ))]);
    }

    // The same application on the same record, for Ana, who may do everything there.
    let ana = sharing.query_permissions(&sharing.ana_online()).await;
    assert_eq!(ana[0], TypePermission { type_id: WEIGHT, online: read_create(), offline: Permissions::READ });
    let (_, text) = sharing.get_weights(&sharing.ana_online()).await;
    assert_eq!(read_weights(&text), vec![(sharing.weight, Some(read_create()))]);
}

#[tokio::test]
async fn a_member_who_may_edit_weights_lets_the_application_write_weights_only() {
    let sharing = share(ShareAccess::ViewAndEdit { type_ids: [WEIGHT].into_iter().collect() }).await;

    let weight = TypePermission { type_id: WEIGHT, online: read_create(), offline: read_create() };
    let height = TypePermission { type_id: HEIGHT, online: Permissions::READ, offline: Permissions::READ };
    assert_eq!(sharing.query_permissions(&sharing.bo_online()).await, vec![weight, height]);

    for (avenue, auth) in [("offline", sharing.bo_offline()), ("online", sharing.bo_online())] {
        let (status, text) = sharing.put(&auth, &weight_thing("70.4")).await;
        assert_eq!(status, StatusCode::OK, "{avenue}: {text}");
        let key = created_key(&text);
        let stored = sharing.harness.store.thing(sharing.ana.record.id, key.id).await.unwrap().expect("the weight");
        assert_eq!(stored.created.person_id, Some(sharing.bo.person.id), "{avenue}: written on Bo's behalf");

        let (status, text) = sharing.put(&auth, &height_thing("1.80")).await;
        assert_eq!(status, StatusCode::ACCESS_DENIED, "{avenue}: {text}");
        // A batch with a height in it is refused whole.
        let (status, text) = sharing.put(&auth, &(weight_thing("70.3") + &height_thing("1.80"))).await;
        assert_eq!(status, StatusCode::ACCESS_DENIED, "{avenue}: {text}");
    }
    assert_eq!(sharing.things_of(WEIGHT).await.len(), 3, "Ana's weight and one from each avenue");
    assert!(sharing.things_of(HEIGHT).await.is_empty(), "no height was written");
}

#[tokio::test]
async fn once_the_member_access_expires_every_call_for_them_is_refused() {
    let mut sharing = share(ShareAccess::ViewAndEdit { type_ids: [WEIGHT].into_iter().collect() }).await;
    for auth in [sharing.bo_online(), sharing.bo_offline()] {
        assert_eq!(sharing.get_weights(&auth).await.0, StatusCode::OK);
        assert_eq!(sharing.put(&auth, &weight_thing("70.9")).await.0, StatusCode::OK);
    }

    // Just before the end Bo still has access; at the end he has none.
    sharing.harness.clock.advance(SHARED_FOR - Duration::seconds(1));
    sharing.sign_in_again().await;
    assert_eq!(sharing.get_weights(&sharing.bo_offline()).await.0, StatusCode::OK);
    sharing.harness.clock.advance(Duration::seconds(1));
    assert_eq!(sharing.harness.clock.now(), sharing.expires_at);

    sharing.assert_bo_refused_everything().await;
    sharing.assert_ana_still_works().await;
    sharing.assert_bo_own_record_works().await;
}

#[tokio::test]
async fn a_removed_member_is_refused_before_their_access_would_expire() {
    let sharing = share(ShareAccess::ViewAndEdit { type_ids: [WEIGHT].into_iter().collect() }).await;
    for auth in [sharing.bo_online(), sharing.bo_offline()] {
        assert_eq!(sharing.put(&auth, &weight_thing("70.9")).await.0, StatusCode::OK);
    }

    let store = &sharing.harness.store;
    let now = sharing.harness.clock.now();
    assert!(now < sharing.expires_at);
    assert!(store.remove_record_member(sharing.ana.record.id, sharing.bo.person.id, now).await.unwrap());
    assert_eq!(
        store.authorization(sharing.bo.person.id, sharing.ana.record.id, sharing.harness.app_id).await.unwrap(),
        None
    );

    sharing.assert_bo_refused_everything().await;
    sharing.assert_ana_still_works().await;
    sharing.assert_bo_own_record_works().await;
}
