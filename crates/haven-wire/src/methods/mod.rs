//! One module per platform method: its typed request, read from the request's `<info>`, and
//! its typed response, written as (and read back from) the inner XML of `wc:info`.

pub mod create_authenticated_session_token;
pub mod get_authorized_people;
pub mod get_person_info;
pub mod get_service_definition;
pub mod get_things;
pub mod put_things;
pub mod query_permissions;
pub mod remove_things;
