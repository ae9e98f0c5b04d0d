//! The store contract: one suite, run against SQLite and against PostgreSQL (a fresh
//! schema per test, on the server named by `HAVEN_TEST_POSTGRES_URL`). One module per part of
//! the store; this file holds the fixture and runs every test on both engines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, reason = "a test fails by panicking")]

use haven_domain::alternate_id::{AlternateId, MAX_ALTERNATE_IDS_PER_RECORD};
use haven_domain::application::{AppCertificate, Application, MethodGroup, PersonApplicationSettings, Thumbprint};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::AppAuthorization;
use haven_domain::country::CountryCode;
use haven_domain::ids::{ApplicationId, BlobId, PersonId, RecordId, ThingId, ThingTypeId, VersionStamp};
use haven_domain::person::{EmailAddress, Person};
use haven_domain::record::{DEFAULT_RECORD_QUOTA_BYTES, Record, RecordMember, RecordState, Relationship};
use haven_domain::session::{AppSession, HmacAlgorithm, TokenHash, UserToken};
use haven_domain::thing::{
    AccessAvenue, Audit, AuditAction, CommonData, Thing, ThingDraft, ThingFlags, ThingKey, ThingQuery, ThingState,
};
use haven_domain::thing_type::{HEIGHT, WEIGHT};
use haven_domain::topology::InstanceId;
use haven_store::{
    ApplicationDataStore, ApplicationStore, AuthorizationStore, BlobStore, NewBlob, PersonStore, RecordStore,
    SessionStore, SqlStore, StoreConfig, StoreError, ThingChange, ThingStore,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// A store with one person and their record.
struct Fixture {
    store: SqlStore,
    person: Person,
    record: Record,
    _directory: Option<tempfile::TempDir>,
    postgres: Option<StoreConfig>,
}

impl Fixture {
    async fn cleanup(self) {
        self.store.close().await;
        if let Some(config) = &self.postgres {
            haven_store::testing::drop_postgres_schema(config).await.unwrap();
        }
    }
}

async fn populate(store: SqlStore, directory: Option<tempfile::TempDir>, postgres: Option<StoreConfig>) -> Fixture {
    let person = Person {
        id: PersonId::from_uuid(Uuid::new_v4()),
        sign_in_email: EmailAddress::parse(&format!("ana.{}@example.org", Uuid::new_v4().simple())).unwrap(),
        given_name: "Ana".to_owned(),
        family_name: "López".to_owned(),
        birth_date: time::macros::date!(1980 - 02 - 29),
        country: CountryCode::parse("US").unwrap(),
        instance_id: InstanceId::parse("1").unwrap(),
        created_at: NOW,
    };
    store.create_person(&person).await.unwrap();
    let record = new_record(DEFAULT_RECORD_QUOTA_BYTES);
    store.create_record(&record, &custodian(&record, &person)).await.unwrap();
    Fixture { store, person, record, _directory: directory, postgres }
}

fn new_record(quota: u64) -> Record {
    Record {
        id: RecordId::from_uuid(Uuid::new_v4()),
        display_name: "Ana López".to_owned(),
        state: RecordState::Active,
        max_size_bytes: quota,
        size_bytes: 0,
        location_country: Some(CountryCode::parse("US").unwrap()),
        created_at: NOW,
        latest_operation_sequence: 0,
    }
}

fn custodian(record: &Record, person: &Person) -> RecordMember {
    RecordMember {
        record_id: record.id,
        person_id: person.id,
        is_custodian: true,
        relationship: Relationship::SELF,
        granted_at: NOW,
        expires_at: None,
        access: None,
    }
}

async fn sqlite() -> Fixture {
    let directory = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&StoreConfig::sqlite(directory.path().join("haven.db"))).await.unwrap();
    populate(store, Some(directory), None).await
}

async fn postgres() -> Option<Fixture> {
    let url = haven_store::testing::postgres_url().unwrap_or_else(|message| panic!("{message}"))?;
    let config = haven_store::testing::fresh_postgres_schema(&url).await.unwrap();
    let store = SqlStore::open(&config).await.unwrap();
    Some(populate(store, None, Some(config)).await)
}

mod access;
mod access_log;
mod accounts;
mod connect;
mod direct;
mod events;
mod people;
mod schema;
mod sharing;
mod soda;
mod things;

fn application() -> Application {
    Application {
        id: ApplicationId::from_uuid(Uuid::new_v4()),
        name: "Weight tracker".to_owned(),
        description: "Charts weight".to_owned(),
        certificates: vec![AppCertificate { thumbprint: Thumbprint::from_sha1(&[7; 20]), der: vec![1, 2, 3] }],
        action_url: Some(url::Url::parse("https://tracker.example/hv").unwrap()),
        online_rules: RuleSet {
            rules: vec![AuthRule {
                name: "weights".to_owned(),
                reason: "to chart your weight".to_owned(),
                is_optional: false,
                is_incremental: false,
                display_flags: 0,
                permissions: Permissions::READ.union(Permissions::CREATE),
                target_sets: vec![TargetSet { type_ids: [WEIGHT].into_iter().collect(), date_ranges: Vec::new() }],
                exception_sets: Vec::new(),
            }],
        },
        offline_rules: RuleSet::default(),
        method_groups: MethodGroup::web_defaults(),
        supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
        master_id: None,
        is_soda: false,
        soda_secret: None,
        created_at: NOW,
    }
}

/// Runs every contract test against one engine.
macro_rules! contract_suite {
    ($engine:ident, $open:expr) => {
        mod $engine {
            use super::*;
            contract_suite!(@tests $open;
                things::things_created_read_back,
                things::update_with_current_stamp_makes_a_new_version,
                things::stale_stamp_is_rejected_and_nothing_written,
                things::delete_creates_a_deleted_version_and_keeps_history,
                things::queries_filter_limit_and_order,
                things::updated_end_date_is_stored_and_filtered,
                things::personal_flag_can_be_excluded,
                things::operation_log_grows_by_one_per_change,
                things::batch_with_one_bad_change_writes_nothing,
                things::quota_is_enforced,
                things::unknown_record_is_refused,
                people::persons_and_records,
                people::applications_and_authorizations,
                access::sessions_and_user_tokens,
                access::alternate_ids_and_application_settings,
                access::blobs_upload_in_chunks_and_read_by_token,
                accounts::account_opens_in_one_transaction,
                accounts::credentials_count_failures_and_lock,
                accounts::web_sessions,
                soda::soda_children_are_created_and_completed_once,
                soda::expired_soda_creations_do_not_complete,
                soda::soda_children_need_their_master,
                events::subscriptions_are_kept_per_application_up_to_the_limit,
                events::a_change_queues_notifications_in_its_transaction,
                events::claims_are_leased_and_finished,
                events::concurrent_claims_never_share_a_notification,
                connect::connect_requests_are_unique_per_external_id_while_live,
                connect::connect_requests_count_wrong_answers_and_validate,
                connect::locked_or_expired_requests_do_not_validate,
                connect::packages_are_filled_once_and_picked_up_once,
                connect::failed_pickups_write_nothing,
                connect::streamed_package_blobs_attach_to_their_package,
                direct::direct_addresses_are_unique_and_changeable,
                direct::direct_messages_are_delivered_listed_and_read,
                direct::held_direct_messages_are_released_once,
                direct::wrong_answers_lock_a_held_message,
                direct::an_attachment_review_is_claimed_once,
                direct::concurrent_releases_take_a_held_message_once,
                sharing::sharing_invitations_are_stored_and_found_by_link,
                sharing::wrong_sharing_codes_lock_an_invitation,
                sharing::sharing_invitations_are_revoked_only_while_pending,
                sharing::accepting_makes_a_member_with_the_granted_access,
                sharing::concurrent_acceptances_accept_an_invitation_once,
                sharing::removing_a_member_removes_their_authorizations,
                sharing::the_last_custodian_cannot_be_removed,
                access_log::record_accesses_read_back_newest_first,
                access_log::a_page_never_splits_one_instant,
                access_log::old_record_accesses_are_deleted,
                access_log::batches_and_the_writer_lose_no_good_entry,
                schema::down_migrations_reverse_up_migrations,
                schema::every_row_is_readable_as_text
            );
        }
    };
    (@tests $open:expr; $($module:ident :: $test:ident),*) => {
        $(
            #[tokio::test]
            async fn $test() {
                let Some(fixture) = $open.await else {
                    eprintln!("skipped: {} is not set, so the PostgreSQL suite cannot run", haven_store::testing::POSTGRES_URL_VARIABLE);
                    return;
                };
                super::$module::$test(&fixture).await;
                fixture.cleanup().await;
            }
        )*
    };
}

contract_suite!(on_sqlite, async { Some(sqlite().await) });
contract_suite!(on_postgres, postgres());

/// Both engines' migrations produce the same tables and columns.
#[tokio::test]
async fn engines_have_the_same_schema() {
    let Some(postgres) = postgres().await else {
        eprintln!("skipped: {} is not set", haven_store::testing::POSTGRES_URL_VARIABLE);
        return;
    };
    let sqlite = sqlite().await;
    assert_eq!(sqlite.store.schema_summary().await.unwrap(), postgres.store.schema_summary().await.unwrap());
    sqlite.cleanup().await;
    postgres.cleanup().await;
}

/// A SQLite database whose directory is missing is refused with the directory's name.
#[tokio::test]
async fn missing_database_directory_is_named() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory.path().join("no-such-dir");
    let error = SqlStore::open(&StoreConfig::sqlite(missing.join("haven.db"))).await.unwrap_err();
    assert!(matches!(&error, StoreError::MissingDirectory(path) if path == &missing), "{error:?}");
    assert!(error.to_string().contains("no-such-dir"), "{error}");
}
