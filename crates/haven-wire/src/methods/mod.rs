//! One module per platform method: its typed request, read from the request's `<info>`, and
//! its typed response, written as (and read back from) the inner XML of `wc:info`.

pub mod add_application;
pub mod alternate_id;
pub mod associate_alternate_id;
pub mod auth_rules_xml;
pub mod begin_put_blob;
pub mod create_authenticated_session_token;
pub mod disassociate_alternate_id;
pub mod get_alternate_ids;
pub mod get_application_info;
pub mod get_application_settings;
pub mod get_authorized_people;
pub mod get_authorized_records;
pub mod get_event_subscriptions;
pub mod get_person_and_record_for_alternate_id;
pub mod get_person_info;
pub mod get_record_operations;
pub mod get_service_definition;
pub mod get_thing_type;
pub mod get_things;
pub mod get_updated_records_for_application;
pub mod new_application_creation_info;
pub mod put_things;
pub mod query_permissions;
pub mod remove_things;
pub mod select_instance;
pub mod set_application_settings;
pub mod subscribe_to_event;
pub mod subscription;
pub mod unsubscribe_to_event;
pub mod update_application;
pub mod update_event_subscription;
