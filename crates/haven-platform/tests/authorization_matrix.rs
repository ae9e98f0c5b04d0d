//! The authorization matrix: every method called within a session, first as a valid request
//! that succeeds, then under each condition that must stop it: no session, an expired
//! session, a bad HMAC, a bad info hash, the wrong application, a person who never
//! authorized the application, a record not authorized, an offline call without an offline
//! grant, a thing type outside the rules, a revoked authorization. Each case starts from a
//! fresh world, checks the status code (and, where a method answers by leaving data out
//! rather than refusing, that the answer leaves it out), and checks through the store that
//! the case wrote nothing. Every mismatch is collected and reported in one table.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use std::fmt::Write as _;
use std::sync::Arc;

use haven_domain::application::PersonApplicationSettings;
use haven_domain::auth_rules::Permissions;
use haven_domain::authorization::AppAuthorization;
use haven_domain::clock::Clock;
use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::record::Record;
use haven_domain::session::APP_SESSION_LIFETIME;
use haven_domain::thing::{Thing, ThingKey, ThingQuery, ThingState};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_store::{ApplicationDataStore, AuthorizationStore, RecordStore, ThingStore};
use haven_wire::methods::get_service_definition::ServiceDefinition;
use haven_wire::methods::query_permissions::QueryPermissionsResponse;
use haven_wire::{StatusCode, parse_response};
use openssl::pkey::{PKey, Private};
use support::{
    AppCredentials, Harness, add_record, all_types, application_only, declare_rules, generate_key, grant_rules,
    harness_with_key, info_of, issue_user_token, offline, online, open_account, register_application_with_key, revoke,
    seed_thing, signed_call, types_rule,
};
use time::Duration;

/// The secret the Tracker (the harness's application) chose for its CAST v1 session.
const TRACKER_SECRET: &[u8] = b"123456789";
/// The secret the other application chose for its session.
const OTHER_SECRET: &[u8] = b"the other application's secret";
/// Ana's user token for the Tracker.
const ANA_TOKEN: &str = "QW5hJ3MgdG9rZW4gZm9yIHRoZSBUcmFja2Vy";
/// Bruno's user token for the Tracker, which he never authorized.
const BRUNO_TOKEN: &str = "QnJ1bm8ncyB0b2tlbiBmb3IgdGhlIFRyYWNrZXI=";
/// How many cases run at once, each on its own SQLite database.
const PARALLEL_CASES: usize = 12;

/// A method version under test. SetApplicationSettings appears twice: storing settings
/// only (the person checks) and also selecting a record (the record check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    AssociateAlternateId,
    BeginPutBlob,
    DisassociateAlternateId,
    GetAlternateIds,
    GetApplicationInfo(u32),
    GetApplicationSettings,
    GetAuthorizedPeople,
    GetAuthorizedRecords,
    GetPersonAndRecordForAlternateId,
    GetPersonInfo,
    GetRecordOperations,
    GetThingType,
    GetThings(u32),
    GetUpdatedRecordsForApplication(u32),
    PutThings(u32),
    QueryPermissions,
    RemoveThings,
    SetApplicationSettings,
    SetApplicationSettingsSelectingRecord,
}

/// Every method version the dispatcher answers within a session (all but the anonymous
/// CreateAuthenticatedSessionToken, GetServiceDefinition, NewApplicationCreationInfo, which
/// `soda.rs` covers, and SelectInstance, which `select_instance.rs` covers);
/// `every_session_method_is_in_the_matrix`
/// checks this list against what GetServiceDefinition publishes.
const METHODS: &[Method] = &[
    Method::AssociateAlternateId,
    Method::BeginPutBlob,
    Method::DisassociateAlternateId,
    Method::GetAlternateIds,
    Method::GetApplicationInfo(1),
    Method::GetApplicationInfo(2),
    Method::GetApplicationSettings,
    Method::GetAuthorizedPeople,
    Method::GetAuthorizedRecords,
    Method::GetPersonAndRecordForAlternateId,
    Method::GetPersonInfo,
    Method::GetRecordOperations,
    Method::GetThingType,
    Method::GetThings(1),
    Method::GetThings(2),
    Method::GetThings(3),
    Method::GetUpdatedRecordsForApplication(1),
    Method::GetUpdatedRecordsForApplication(2),
    Method::PutThings(1),
    Method::PutThings(2),
    Method::QueryPermissions,
    Method::RemoveThings,
    Method::SetApplicationSettings,
    Method::SetApplicationSettingsSelectingRecord,
];

/// How a method reaches people's data, which decides what each condition does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Names a record in the header and goes through the record checks (`RecordAccess`).
    Record(Types),
    /// GetPersonInfo: the person of the call and the records they authorized.
    PersonInfo,
    /// Get/SetApplicationSettings: what the application keeps for the person of the call;
    /// `selects_record` when the request also names a selected record.
    Settings { selects_record: bool },
    /// GetAuthorizedRecords: the records asked for that the person authorized; the others
    /// are left out without an error, as HealthVault does.
    AuthorizedRecords,
    /// GetAuthorizedPeople, GetUpdatedRecordsForApplication: the application's lists of the
    /// people and records that authorized it; called by the application alone.
    ApplicationList,
    /// GetPersonAndRecordForAlternateId: a lookup by the application alone that leads to a
    /// person's record.
    AlternateIdLookup,
    /// GetApplicationInfo, GetThingType: about the calling application or the type registry;
    /// no person's data.
    ApplicationOnly,
}

/// How thing types figure in a record method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Types {
    /// The request reads or writes things of a type it names (Height): refused without permission.
    Used,
    /// QueryPermissions asks what the application may do on a type: it answers, with nothing.
    Reported,
    /// GetRecordOperations names no type and leaves out changes to types it may not read.
    Filtered,
    /// Alternate ids and blob uploads involve no thing type.
    Unused,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Self::AssociateAlternateId => "AssociateAlternateId",
            Self::BeginPutBlob => "BeginPutBlob",
            Self::DisassociateAlternateId => "DisassociateAlternateId",
            Self::GetAlternateIds => "GetAlternateIds",
            Self::GetApplicationInfo(_) => "GetApplicationInfo",
            Self::GetApplicationSettings => "GetApplicationSettings",
            Self::GetAuthorizedPeople => "GetAuthorizedPeople",
            Self::GetAuthorizedRecords => "GetAuthorizedRecords",
            Self::GetPersonAndRecordForAlternateId => "GetPersonAndRecordForAlternateId",
            Self::GetPersonInfo => "GetPersonInfo",
            Self::GetRecordOperations => "GetRecordOperations",
            Self::GetThingType => "GetThingType",
            Self::GetThings(_) => "GetThings",
            Self::GetUpdatedRecordsForApplication(_) => "GetUpdatedRecordsForApplication",
            Self::PutThings(_) => "PutThings",
            Self::QueryPermissions => "QueryPermissions",
            Self::RemoveThings => "RemoveThings",
            Self::SetApplicationSettings | Self::SetApplicationSettingsSelectingRecord => "SetApplicationSettings",
        }
    }

    fn version(self) -> u32 {
        match self {
            Self::GetApplicationInfo(version)
            | Self::GetThings(version)
            | Self::GetUpdatedRecordsForApplication(version)
            | Self::PutThings(version) => version,
            _ => 1,
        }
    }

    fn label(self) -> String {
        let variant = match self {
            Self::SetApplicationSettings => " (settings only)",
            Self::SetApplicationSettingsSelectingRecord => " (selecting a record)",
            _ => "",
        };
        format!("{} v{}{variant}", self.name(), self.version())
    }

    fn kind(self) -> Kind {
        match self {
            Self::GetThings(_) | Self::PutThings(_) | Self::RemoveThings => Kind::Record(Types::Used),
            Self::QueryPermissions => Kind::Record(Types::Reported),
            Self::GetRecordOperations => Kind::Record(Types::Filtered),
            Self::AssociateAlternateId | Self::BeginPutBlob | Self::DisassociateAlternateId | Self::GetAlternateIds => {
                Kind::Record(Types::Unused)
            }
            Self::GetPersonInfo => Kind::PersonInfo,
            Self::GetApplicationSettings | Self::SetApplicationSettings => Kind::Settings { selects_record: false },
            Self::SetApplicationSettingsSelectingRecord => Kind::Settings { selects_record: true },
            Self::GetAuthorizedRecords => Kind::AuthorizedRecords,
            Self::GetAuthorizedPeople | Self::GetUpdatedRecordsForApplication(_) => Kind::ApplicationList,
            Self::GetPersonAndRecordForAlternateId => Kind::AlternateIdLookup,
            Self::GetApplicationInfo(_) | Self::GetThingType => Kind::ApplicationOnly,
        }
    }

    /// Whether a successful call changes what `Snapshot` holds. BeginPutBlob writes an
    /// upload, which the store finds only by its token, so the snapshot cannot see it.
    fn writes_what_the_snapshot_holds(self) -> bool {
        matches!(
            self,
            Self::AssociateAlternateId
                | Self::DisassociateAlternateId
                | Self::PutThings(_)
                | Self::RemoveThings
                | Self::SetApplicationSettings
                | Self::SetApplicationSettingsSelectingRecord
        )
    }

    /// Whether the valid request is made for a person (online, with Ana's user token) rather
    /// than by the application alone.
    fn for_a_person(self) -> bool {
        !matches!(self.kind(), Kind::ApplicationList | Kind::AlternateIdLookup | Kind::ApplicationOnly)
    }

    /// The valid request about `subject`: the record named in the header, if any, and `<info>`.
    fn request(self, subject: &Subject) -> (Option<RecordId>, String) {
        let record = Some(subject.record);
        match self {
            Self::AssociateAlternateId => (record, "<info><alternate-id>mrn-new</alternate-id></info>".to_owned()),
            Self::BeginPutBlob | Self::GetAlternateIds => (record, "<info/>".to_owned()),
            Self::DisassociateAlternateId => {
                (record, format!("<info><alternate-id>{}</alternate-id></info>", subject.alternate_id))
            }
            Self::GetApplicationInfo(_)
            | Self::GetApplicationSettings
            | Self::GetPersonInfo
            | Self::GetUpdatedRecordsForApplication(_) => (None, "<info/>".to_owned()),
            Self::GetAuthorizedPeople => {
                (None, "<info><parameters><num-results>5</num-results></parameters></info>".to_owned())
            }
            Self::GetAuthorizedRecords => (None, format!("<info><id>{}</id></info>", subject.record)),
            Self::GetPersonAndRecordForAlternateId => {
                (None, format!("<info><alternate-id>{}</alternate-id></info>", subject.alternate_id))
            }
            Self::GetRecordOperations => (
                record,
                "<info><record-operation-sequence-number>0</record-operation-sequence-number></info>".to_owned(),
            ),
            Self::GetThingType => (None, format!("<info><id>{HEIGHT}</id><section>core</section></info>")),
            Self::GetThings(_) => (
                record,
                format!(
                    "<info><group><filter><type-id>{HEIGHT}</type-id></filter><format><section>core</section><xml/></format></group></info>"
                ),
            ),
            Self::PutThings(_) => (record, format!("<info>{}</info>", height_thing("1.76"))),
            Self::QueryPermissions => (record, format!("<info><thing-type-id>{HEIGHT}</thing-type-id></info>")),
            Self::RemoveThings => (
                record,
                format!(
                    "<info><thing-id version-stamp=\"{}\">{}</thing-id></info>",
                    subject.height.version, subject.height.id
                ),
            ),
            Self::SetApplicationSettings => (None, format!("<info><app-settings>{IMPERIAL}</app-settings></info>")),
            Self::SetApplicationSettingsSelectingRecord => (
                None,
                format!(
                    "<info><app-settings>{IMPERIAL}</app-settings><selected-record-id>{}</selected-record-id></info>",
                    subject.record
                ),
            ),
        }
    }
}

const METRIC: &str = r#"<settings xmlns="urn:tracker"><units>metric</units></settings>"#;
const IMPERIAL: &str = r#"<settings xmlns="urn:tracker"><units>imperial</units></settings>"#;

fn height_thing(metres: &str) -> String {
    format!("<thing><type-id>{HEIGHT}</type-id><data-xml>{}</data-xml></thing>", height_data(metres))
}

fn height_data(metres: &str) -> String {
    format!("<height><when><date><y>2026</y><m>11</m><d>20</d></date></when><value><m>{metres}</m></value></height>")
}

/// What is done to the valid request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    /// The valid request: online for Ana on her record (or by the Tracker alone).
    Baseline,
    /// The valid request offline for Ana, who granted the Tracker offline access.
    BaselineOffline,
    NoSession,
    ExpiredSession,
    BadHmac,
    BadInfoHash,
    WrongAppUserToken,
    WrongAppOffline,
    NeverAuthorized,
    NeverAuthorizedOnline,
    UnknownPerson,
    RecordNotAuthorized,
    OfflineWithoutGrant,
    TypeOutsideRules,
    Revoked,
}

const CONDITIONS: &[Condition] = &[
    Condition::Baseline,
    Condition::BaselineOffline,
    Condition::NoSession,
    Condition::ExpiredSession,
    Condition::BadHmac,
    Condition::BadInfoHash,
    Condition::WrongAppUserToken,
    Condition::WrongAppOffline,
    Condition::NeverAuthorized,
    Condition::NeverAuthorizedOnline,
    Condition::UnknownPerson,
    Condition::RecordNotAuthorized,
    Condition::OfflineWithoutGrant,
    Condition::TypeOutsideRules,
    Condition::Revoked,
];

impl Condition {
    fn label(self) -> &'static str {
        match self {
            Self::Baseline => "valid request",
            Self::BaselineOffline => "valid request, offline",
            Self::NoSession => "no session (app-id header)",
            Self::ExpiredSession => "expired session",
            Self::BadHmac => "bad HMAC",
            Self::BadInfoHash => "bad info hash",
            Self::WrongAppUserToken => "wrong app, with Ana's user token",
            Self::WrongAppOffline => "wrong app, for Ana without a token",
            Self::NeverAuthorized => "person who never authorized (Bruno)",
            Self::NeverAuthorizedOnline => "person who never authorized, online",
            Self::UnknownPerson => "unknown offline person id",
            Self::RecordNotAuthorized => "record not authorized (Ana's second)",
            Self::OfflineWithoutGrant => "offline without offline grant",
            Self::TypeOutsideRules => "thing type outside the rules",
            Self::Revoked => "revoked authorization",
        }
    }
}

/// The outcome a case must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// OK (a valid request).
    Succeeds,
    /// This status code.
    Refused(StatusCode),
    /// OK, and the answer names none of what the condition puts out of reach: methods that
    /// list or log leave out what the application may not see instead of refusing.
    LeavesOut,
    /// OK, and the answer gives the application no permission on Height, online or offline.
    ReportsNoPermission,
    /// The condition does not apply to the method, for the reason given.
    NotApplicable(&'static str),
}

/// What the server's design gives for `method` under `condition`. Session, HMAC, info hash,
/// the user token's application and the offline person are checked for every session call
/// (`auth.rs`) before any method runs; the rest depends on how the method reaches data.
fn expect(method: Method, condition: Condition) -> Expect {
    use Condition as C;
    use Expect::{LeavesOut, NotApplicable, Refused, ReportsNoPermission, Succeeds};
    const NO_PERSON_DATA: &str =
        "answers about the calling application or the public type registry, never a person's data";
    let denied = Refused(StatusCode::ACCESS_DENIED);
    let kind = method.kind();
    match condition {
        C::Baseline => Succeeds,
        C::BaselineOffline => match kind {
            Kind::ApplicationList | Kind::AlternateIdLookup | Kind::ApplicationOnly => {
                NotApplicable("called by the application alone: there is no offline form")
            }
            _ => Succeeds,
        },
        C::NoSession | C::WrongAppUserToken => denied,
        C::ExpiredSession => Refused(StatusCode::AUTHENTICATED_SESSION_TOKEN_EXPIRED),
        C::BadHmac | C::BadInfoHash => Refused(StatusCode::BAD_SIG),
        // An unknown person answers like one who never authorized the application.
        C::UnknownPerson => Refused(StatusCode::ACCESS_DENIED),
        // A person is reachable only through an authorization in force for the call's avenue,
        // so person-level conditions refuse even the listing method GetAuthorizedRecords.
        C::WrongAppOffline => match kind {
            Kind::Record(_) | Kind::PersonInfo | Kind::Settings { .. } | Kind::AuthorizedRecords => denied,
            Kind::ApplicationList => LeavesOut,
            // Alternate ids belong to the application that associated them.
            Kind::AlternateIdLookup => Refused(StatusCode::ALTERNATE_ID_NOT_FOUND),
            Kind::ApplicationOnly => NotApplicable(NO_PERSON_DATA),
        },
        C::NeverAuthorized => match kind {
            Kind::Record(_)
            | Kind::PersonInfo
            | Kind::Settings { .. }
            | Kind::AlternateIdLookup
            | Kind::AuthorizedRecords => denied,
            Kind::ApplicationList => LeavesOut,
            Kind::ApplicationOnly => NotApplicable(NO_PERSON_DATA),
        },
        C::NeverAuthorizedOnline => match kind {
            Kind::Record(_) | Kind::PersonInfo | Kind::Settings { .. } | Kind::AuthorizedRecords => denied,
            Kind::ApplicationList | Kind::AlternateIdLookup => NotApplicable(
                "called by the application alone, with no user token; Bruno is covered in the column before",
            ),
            Kind::ApplicationOnly => NotApplicable(NO_PERSON_DATA),
        },
        C::RecordNotAuthorized => match kind {
            Kind::Record(_) | Kind::Settings { selects_record: true } | Kind::AlternateIdLookup => denied,
            Kind::PersonInfo | Kind::AuthorizedRecords | Kind::ApplicationList => LeavesOut,
            Kind::Settings { selects_record: false } => {
                NotApplicable("names no record; the row selecting a record covers it")
            }
            Kind::ApplicationOnly => NotApplicable(NO_PERSON_DATA),
        },
        C::OfflineWithoutGrant => match kind {
            Kind::Record(_) | Kind::PersonInfo | Kind::Settings { .. } | Kind::AuthorizedRecords => denied,
            Kind::ApplicationList | Kind::AlternateIdLookup => {
                NotApplicable("called by the application alone: neither online nor offline")
            }
            Kind::ApplicationOnly => NotApplicable(NO_PERSON_DATA),
        },
        C::TypeOutsideRules => match kind {
            Kind::Record(Types::Used) => denied,
            Kind::Record(Types::Reported) => ReportsNoPermission,
            Kind::Record(Types::Filtered) => LeavesOut,
            Kind::Record(Types::Unused)
            | Kind::PersonInfo
            | Kind::Settings { .. }
            | Kind::AuthorizedRecords
            | Kind::ApplicationList
            | Kind::AlternateIdLookup => NotApplicable("involves no thing type"),
            Kind::ApplicationOnly if method == Method::GetThingType => {
                NotApplicable("type definitions are public; the rules govern things, not definitions")
            }
            Kind::ApplicationOnly => NotApplicable("involves no thing type"),
        },
        C::Revoked => match kind {
            Kind::Record(_)
            | Kind::PersonInfo
            | Kind::Settings { .. }
            | Kind::AlternateIdLookup
            | Kind::AuthorizedRecords => denied,
            Kind::ApplicationList => LeavesOut,
            Kind::ApplicationOnly => NotApplicable(NO_PERSON_DATA),
        },
    }
}

/// A record as requests name it, with what is seeded in it: a Height the person entered in
/// the Shell and one alternate id of the Tracker.
#[derive(Debug, Clone)]
struct Subject {
    person: PersonId,
    record: RecordId,
    height: ThingKey,
    alternate_id: String,
}

/// The keys of the two applications' certificates, generated once for every case.
#[derive(Debug, Clone)]
struct Keys {
    tracker: PKey<Private>,
    other: PKey<Private>,
}

/// Where every case starts. The Tracker (the harness's application) declares every
/// permission on every type, online and offline; Ana authorized it on her own record for
/// both avenues, and holds a user token for it. Ana also keeps a second record the Tracker
/// was never authorized on. Bruno never authorized the Tracker, but holds a user token for
/// it (he signed in and declined). The other application has its own certificate and session
/// and no authorization from anyone.
struct World {
    harness: Harness,
    other: AppCredentials,
    tracker_session: String,
    other_session: String,
    ana: Subject,
    ana_second: Subject,
    bruno: Subject,
}

impl World {
    async fn new(keys: &Keys) -> Self {
        let harness = harness_with_key(keys.tracker.clone()).await;
        let other = register_application_with_key(&harness, "Other app", keys.other.clone()).await;
        let tracker = harness.app_id;
        declare_rules(&harness, tracker, all_types(Permissions::ALL), all_types(Permissions::ALL)).await;
        let tracker_session = harness.session_as(&harness.credentials(), TRACKER_SECRET).await.token;
        let other_session = harness.session_as(&other, OTHER_SECRET).await.token;

        let ana_account = open_account(&harness, "ana@example.org", "Ana").await;
        let ana = ana_account.person.id;
        let ana_record = ana_account.record.id;
        grant_rules(
            &harness,
            tracker,
            ana,
            ana_record,
            Some(all_types(Permissions::ALL)),
            Some(all_types(Permissions::ALL)),
        )
        .await;
        issue_user_token(&harness, ana, ana_record, ANA_TOKEN).await;
        let ana_second_record = add_record(&harness, ana, "Leo").await;
        let bruno_account = open_account(&harness, "bruno@example.org", "Bruno").await;
        issue_user_token(&harness, bruno_account.person.id, bruno_account.record.id, BRUNO_TOKEN).await;

        let ana_subject = seed(&harness, ana, ana_record, "mrn-ana").await;
        let ana_second = seed(&harness, ana, ana_second_record, "mrn-leo").await;
        let bruno = seed(&harness, bruno_account.person.id, bruno_account.record.id, "mrn-bruno").await;
        harness
            .store
            .put_application_settings(&PersonApplicationSettings {
                person_id: ana,
                application_id: tracker,
                settings_xml: Some(METRIC.to_owned()),
                selected_record_id: Some(ana_record),
                updated_at: harness.clock.now(),
            })
            .await
            .unwrap();
        World { harness, other, tracker_session, other_session, ana: ana_subject, ana_second, bruno }
    }

    /// Changes the world as the condition needs before the request is sent.
    async fn prepare(&self, condition: Condition) {
        let harness = &self.harness;
        let tracker = harness.app_id;
        match condition {
            Condition::ExpiredSession => harness.clock.advance(APP_SESSION_LIFETIME + Duration::seconds(1)),
            Condition::OfflineWithoutGrant => {
                grant_rules(
                    harness,
                    tracker,
                    self.ana.person,
                    self.ana.record,
                    Some(all_types(Permissions::ALL)),
                    None,
                )
                .await;
            }
            Condition::TypeOutsideRules => {
                let weights = || types_rule(Permissions::ALL, &[WEIGHT]);
                declare_rules(harness, tracker, weights(), weights()).await;
                grant_rules(harness, tracker, self.ana.person, self.ana.record, Some(weights()), Some(weights())).await;
            }
            Condition::Revoked => revoke(harness, self.ana.person, self.ana.record).await,
            _ => {}
        }
    }

    /// The request for `method` with `condition` applied.
    fn request(&self, method: Method, condition: Condition) -> String {
        use Condition as C;
        let usual =
            if method.for_a_person() { Caller::Online(App::Tracker, ANA_TOKEN) } else { Caller::Alone(App::Tracker) };
        let (caller, subject) = match condition {
            C::Baseline | C::NoSession | C::ExpiredSession | C::BadHmac | C::BadInfoHash => (usual, &self.ana),
            C::TypeOutsideRules | C::Revoked => (usual, &self.ana),
            C::BaselineOffline | C::OfflineWithoutGrant => (Caller::Offline(App::Tracker, self.ana.person), &self.ana),
            C::WrongAppUserToken => (Caller::Online(App::Other, ANA_TOKEN), &self.ana),
            C::WrongAppOffline if method.for_a_person() => (Caller::Offline(App::Other, self.ana.person), &self.ana),
            C::WrongAppOffline => (Caller::Alone(App::Other), &self.ana),
            C::NeverAuthorized if method.for_a_person() => {
                (Caller::Offline(App::Tracker, self.bruno.person), &self.bruno)
            }
            C::NeverAuthorized => (usual, &self.bruno),
            C::NeverAuthorizedOnline => (Caller::Online(App::Tracker, BRUNO_TOKEN), &self.bruno),
            C::UnknownPerson => (Caller::Offline(App::Tracker, PersonId::from_uuid(uuid::Uuid::new_v4())), &self.ana),
            C::RecordNotAuthorized => (usual, &self.ana_second),
        };
        let app = match caller {
            Caller::Online(app, _) | Caller::Offline(app, _) | Caller::Alone(app) => app,
        };
        let (session, secret) = match app {
            App::Tracker => (self.tracker_session.as_str(), TRACKER_SECRET),
            App::Other => (self.other_session.as_str(), OTHER_SECRET),
        };
        let secret = if condition == C::BadHmac { b"not the session's secret".as_slice() } else { secret };
        let auth_session = match caller {
            Caller::Online(_, user_token) => online(session, user_token),
            Caller::Offline(_, person_id) => offline(session, person_id),
            Caller::Alone(_) => application_only(session),
        };
        let (record_id, info) = method.request(subject);
        let record_id = record_id.map(|record_id| record_id.to_string());
        let tracker = self.harness.app_id;
        signed_call(method.name(), method.version(), record_id.as_deref(), &auth_session, secret, &info, |body| {
            match condition {
                C::NoSession => without_session(&body, tracker),
                C::BadInfoHash => with_altered_info(&body, &info),
                _ => body,
            }
        })
    }

    /// The ids an answer must not name under `condition` (see `Expect::LeavesOut`).
    fn out_of_reach(&self, condition: Condition) -> Vec<(&'static str, String)> {
        let ana = ("Ana's person id", self.ana.person.to_string());
        let ana_record = ("Ana's record", self.ana.record.to_string());
        match condition {
            Condition::WrongAppOffline | Condition::Revoked => vec![ana, ana_record],
            Condition::OfflineWithoutGrant => vec![ana_record],
            Condition::NeverAuthorized | Condition::NeverAuthorizedOnline => vec![
                ("Bruno's person id", self.bruno.person.to_string()),
                ("Bruno's record", self.bruno.record.to_string()),
            ],
            Condition::RecordNotAuthorized => vec![("Ana's second record", self.ana_second.record.to_string())],
            Condition::TypeOutsideRules => vec![("the Height thing", self.ana.height.id.to_string())],
            _ => Vec::new(),
        }
    }

    /// What a valid answer must name, so that leaving it out under a condition means something.
    fn baseline_mentions(&self, method: Method) -> Vec<(&'static str, String)> {
        let ana_record = ("Ana's record", self.ana.record.to_string());
        match method.kind() {
            Kind::PersonInfo | Kind::AuthorizedRecords | Kind::ApplicationList | Kind::AlternateIdLookup => {
                vec![ana_record]
            }
            Kind::Record(Types::Filtered) => vec![("the Height thing", self.ana.height.id.to_string())],
            _ if matches!(method, Method::GetThings(_)) => {
                vec![("the Height thing", self.ana.height.id.to_string())]
            }
            _ if method == Method::QueryPermissions => vec![("Height", HEIGHT.to_string())],
            _ if method == Method::GetAlternateIds => vec![("Ana's alternate id", self.ana.alternate_id.clone())],
            _ => Vec::new(),
        }
    }

    /// Everything a refused call could have written: the records, their things, the
    /// applications' alternate ids and settings for each person, and the authorizations.
    async fn snapshot(&self) -> Snapshot {
        let store = &self.harness.store;
        let subjects = [&self.ana, &self.ana_second, &self.bruno];
        let applications = [self.harness.app_id, self.other.app_id];
        let mut snapshot = Snapshot::default();
        for subject in subjects {
            let record = store.record(subject.record).await.unwrap().expect("a seeded record");
            snapshot.records.push(record);
            let every_state =
                ThingQuery { states: vec![ThingState::Active, ThingState::Deleted], ..ThingQuery::default() };
            snapshot.things.push(store.query_things(subject.record, &every_state).await.unwrap());
            for application_id in applications {
                let ids = store.alternate_ids(application_id, subject.person, subject.record).await.unwrap();
                snapshot.alternate_ids.push(ids.iter().map(|id| id.as_str().to_owned()).collect());
            }
        }
        for person_id in [self.ana.person, self.bruno.person] {
            for application_id in applications {
                snapshot.settings.push(store.application_settings(person_id, application_id).await.unwrap());
            }
        }
        for application_id in applications {
            snapshot.authorizations.extend(store.authorizations_for_application(application_id).await.unwrap());
        }
        snapshot
    }
}

/// The application a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    Tracker,
    Other,
}

/// Who makes a call: an application for a person present (their user token), for a person
/// offline, or alone.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Online(App, &'static str),
    Offline(App, PersonId),
    Alone(App),
}

/// What the store holds that a call might change.
#[derive(Debug, Default, PartialEq)]
struct Snapshot {
    records: Vec<Record>,
    things: Vec<Vec<Thing>>,
    alternate_ids: Vec<Vec<String>>,
    settings: Vec<Option<PersonApplicationSettings>>,
    authorizations: Vec<AppAuthorization>,
}

impl Snapshot {
    /// What changed from `before`, one phrase per part.
    fn changes_since(&self, before: &Snapshot) -> Vec<String> {
        let mut changes = Vec::new();
        if self.records != before.records {
            let sequences = |snapshot: &Snapshot| -> Vec<u64> {
                snapshot.records.iter().map(|record| record.latest_operation_sequence).collect()
            };
            changes.push(format!(
                "records changed (latest operation sequences {:?} -> {:?})",
                sequences(before),
                sequences(self)
            ));
        }
        if self.things != before.things {
            let counts = |snapshot: &Snapshot| -> Vec<usize> { snapshot.things.iter().map(Vec::len).collect() };
            changes.push(format!("things changed (per record {:?} -> {:?})", counts(before), counts(self)));
        }
        if self.alternate_ids != before.alternate_ids {
            changes.push(format!("alternate ids changed ({:?} -> {:?})", before.alternate_ids, self.alternate_ids));
        }
        if self.settings != before.settings {
            changes.push("application settings changed".to_owned());
        }
        if self.authorizations != before.authorizations {
            changes.push("authorizations changed".to_owned());
        }
        changes
    }
}

/// The request as an anonymous call: `<app-id>` in place of `<auth-session>`, and no `<auth>`.
fn without_session(body: &str, app_id: ApplicationId) -> String {
    let body = replace_element(body, "auth-session", &format!("<app-id>{app_id}</app-id>"));
    replace_element(&body, "auth", "")
}

fn replace_element(body: &str, name: &str, replacement: &str) -> String {
    let start = body.find(&format!("<{name}>")).expect("the element");
    let close = format!("</{name}>");
    let end = body.find(&close).expect("its end") + close.len();
    format!("{}{replacement}{}", &body[..start], &body[end..])
}

/// The request with `<info>` changed after signing (one more space), so that the header's
/// HMAC still verifies but its info hash no longer matches.
fn with_altered_info(body: &str, info: &str) -> String {
    let altered = match info.strip_suffix("</info>") {
        Some(open) => format!("{open} </info>"),
        None => "<info></info>".to_owned(),
    };
    let at = body.rfind(info).expect("the info");
    format!("{}{altered}{}", &body[..at], &body[at + info.len()..])
}

/// A case whose outcome differs from the expected one.
#[derive(Debug)]
struct Mismatch {
    method: String,
    condition: &'static str,
    expected: String,
    got: String,
    message: String,
}

/// Runs one case in a world of its own; returns what went wrong, if anything.
async fn run_case(keys: Keys, method: Method, condition: Condition, expected: Expect) -> Vec<Mismatch> {
    let world = World::new(&keys).await;
    world.prepare(condition).await;
    let before = world.snapshot().await;
    let (status, text) = world.harness.post(world.request(method, condition)).await;
    let message = parse_response(&text).ok().and_then(|response| response.error_message).unwrap_or_default();
    let mismatch = |expected: String, got: String| Mismatch {
        method: method.label(),
        condition: condition.label(),
        expected,
        got,
        message: message.clone(),
    };
    let mut mismatches = Vec::new();
    let named = |what: &[(&'static str, String)]| -> Vec<&'static str> {
        let lowercase = text.to_lowercase();
        what.iter().filter(|(_, id)| lowercase.contains(&id.to_lowercase())).map(|(label, _)| *label).collect()
    };
    match expected {
        Expect::Succeeds => {
            let mentions = world.baseline_mentions(method);
            let found = named(&mentions);
            if status != StatusCode::OK {
                mismatches.push(mismatch("OK".to_owned(), status.to_string()));
            } else if found.len() < mentions.len() {
                let wanted: Vec<&str> = mentions.iter().map(|(label, _)| *label).collect();
                mismatches.push(mismatch(format!("OK naming {wanted:?}"), format!("OK naming only {found:?}")));
            }
        }
        Expect::Refused(code) => {
            if status != code {
                mismatches.push(mismatch(code.to_string(), status.to_string()));
            }
        }
        Expect::LeavesOut => {
            let found = named(&world.out_of_reach(condition));
            if status != StatusCode::OK {
                mismatches.push(mismatch("OK, leaving it out".to_owned(), status.to_string()));
            } else if !found.is_empty() {
                mismatches.push(mismatch("OK, leaving it out".to_owned(), format!("OK naming {found:?}")));
            }
        }
        Expect::ReportsNoPermission => {
            if status != StatusCode::OK {
                mismatches.push(mismatch("OK, no permission on Height".to_owned(), status.to_string()));
            } else {
                let answer = QueryPermissionsResponse::parse_info_xml(&info_of(&text)).unwrap();
                let height: Vec<_> =
                    answer.permissions.iter().filter(|permission| permission.type_id == HEIGHT).collect();
                // Types without any permission are left out of the answer, as HealthVault does.
                let nothing =
                    height.iter().all(|permission| permission.online.is_empty() && permission.offline.is_empty());
                if !nothing {
                    mismatches.push(mismatch("OK, no permission on Height".to_owned(), format!("OK with {height:?}")));
                }
            }
        }
        Expect::NotApplicable(_) => unreachable!("not-applicable cases are not run"),
    }
    let changes = world.snapshot().await.changes_since(&before);
    if condition == Condition::Baseline || condition == Condition::BaselineOffline {
        // A valid write shows in the snapshot, so the snapshot would see a refused one.
        if method.writes_what_the_snapshot_holds() && status == StatusCode::OK && changes.is_empty() {
            mismatches.push(mismatch("a change in the snapshot".to_owned(), "no change seen".to_owned()));
        }
    } else if !changes.is_empty() {
        mismatches.push(mismatch("nothing written".to_owned(), format!("wrote: {}", changes.join("; "))));
    }
    mismatches
}

/// Seeds a record: a Height entered by the person and the Tracker's alternate id for it.
async fn seed(harness: &Harness, person_id: PersonId, record_id: RecordId, alternate_id: &str) -> Subject {
    let height = seed_thing(harness, person_id, record_id, HEIGHT, &height_data("1.75")).await;
    let parsed = haven_domain::alternate_id::AlternateId::parse(alternate_id).unwrap();
    harness
        .store
        .associate_alternate_id(harness.app_id, &parsed, person_id, record_id, harness.clock.now())
        .await
        .unwrap();
    Subject { person: person_id, record: record_id, height, alternate_id: alternate_id.to_owned() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_session_method_under_every_condition() {
    let keys = Keys { tracker: generate_key(), other: generate_key() };
    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL_CASES));
    let mut cases = tokio::task::JoinSet::new();
    let mut not_applicable = 0;
    for method in METHODS {
        for condition in CONDITIONS {
            let expected = expect(*method, *condition);
            if let Expect::NotApplicable(reason) = expected {
                assert!(!reason.is_empty());
                not_applicable += 1;
                continue;
            }
            let (keys, limit, method, condition) = (keys.clone(), limit.clone(), *method, *condition);
            cases.spawn(async move {
                let _permit = limit.acquire_owned().await.unwrap();
                run_case(keys, method, condition, expected).await
            });
        }
    }
    let run = cases.len();
    assert_eq!(run + not_applicable, METHODS.len() * CONDITIONS.len());
    let mut mismatches: Vec<Mismatch> = Vec::new();
    while let Some(result) = cases.join_next().await {
        mismatches.extend(result.unwrap());
    }
    if !mismatches.is_empty() {
        mismatches.sort_by(|left, right| (&left.method, left.condition).cmp(&(&right.method, right.condition)));
        let mut failed_cases: Vec<(&str, &str)> =
            mismatches.iter().map(|mismatch| (mismatch.method.as_str(), mismatch.condition)).collect();
        failed_cases.dedup();
        let mut table = format!(
            "{} of {run} cases ({} method rows x {} conditions, {not_applicable} not applicable) went wrong:\n",
            failed_cases.len(),
            METHODS.len(),
            CONDITIONS.len()
        );
        for Mismatch { method, condition, expected, got, message } in &mismatches {
            writeln!(table, "| {method:<48} | {condition:<38} | expected {expected} | got {got} | {message}").unwrap();
        }
        panic!("{table}");
    }
}

#[tokio::test]
async fn every_session_method_is_in_the_matrix() {
    let harness = harness_with_key(generate_key()).await;
    let session = harness.session(1).await;
    let info = "<info><response-sections><section>xml-over-http-methods</section></response-sections></info>";
    let body =
        support::call("GetServiceDefinition", 2, &application_only(&session.token), TRACKER_SECRET, info, |body| body);
    let (status, text) = harness.post(body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let definition = ServiceDefinition::parse_info_xml(&info_of(&text)).unwrap().unwrap();
    let mut published: Vec<(String, u32)> = definition
        .xml_methods
        .iter()
        .filter(|method| {
            !["CreateAuthenticatedSessionToken", "GetServiceDefinition", "NewApplicationCreationInfo", "SelectInstance"]
                .contains(&method.name.as_str())
        })
        // The Master group's AddApplication and UpdateApplication, and the Eventing group's
        // subscription methods, reach no person's data: `master_applications.rs` and
        // `eventing.rs` cover who may call them and what they write. The ConnectPackage
        // group's methods are the application's own requests and packages (and the person
        // and record ids a person chose to give it): `connect.rs` covers them.
        .filter(|method| {
            ![
                "AddApplication",
                "UpdateApplication",
                "SubscribeToEvent",
                "GetEventSubscriptions",
                "UpdateEventSubscription",
                "UnsubscribeToEvent",
                "CreateConnectRequest",
                "GetAuthorizedConnectRequests",
                "DeletePendingConnectRequest",
                "UpdateExternalId",
                "AllocatePackageId",
                "CreateConnectPackage",
                "BeginPutConnectPackageBlob",
                "DeletePendingConnectPackage",
            ]
            .contains(&method.name.as_str())
        })
        .flat_map(|method| method.versions.iter().map(|version| (method.name.clone(), version.number)))
        .collect();
    published.sort();
    let mut in_matrix: Vec<(String, u32)> =
        METHODS.iter().map(|method| (method.name().to_owned(), method.version())).collect();
    in_matrix.sort();
    in_matrix.dedup();
    assert_eq!(in_matrix, published, "the matrix lists every session method version the server publishes");
}
