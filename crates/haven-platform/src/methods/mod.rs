//! One module per Platform method.

pub(crate) mod create_authenticated_session_token;
pub(crate) mod get_authorized_people;
pub(crate) mod get_person_info;
pub(crate) mod get_service_definition;
pub(crate) mod get_things;
pub(crate) mod put_things;
pub(crate) mod query_permissions;
pub(crate) mod remove_things;
