//! One module per Platform method.

pub(crate) mod add_application;
pub(crate) mod associate_alternate_id;
pub(crate) mod begin_put_blob;
pub(crate) mod create_authenticated_session_token;
pub(crate) mod disassociate_alternate_id;
pub(crate) mod eventing;
pub(crate) mod get_alternate_ids;
pub(crate) mod get_application_info;
pub(crate) mod get_application_settings;
pub(crate) mod get_authorized_people;
pub(crate) mod get_authorized_records;
pub(crate) mod get_person_and_record_for_alternate_id;
pub(crate) mod get_person_info;
pub(crate) mod get_record_operations;
pub(crate) mod get_service_definition;
pub(crate) mod get_thing_type;
pub(crate) mod get_things;
pub(crate) mod get_updated_records_for_application;
pub(crate) mod new_application_creation_info;
pub(crate) mod put_things;
pub(crate) mod query_permissions;
pub(crate) mod remove_things;
pub(crate) mod select_instance;
pub(crate) mod set_application_settings;
pub(crate) mod update_application;
