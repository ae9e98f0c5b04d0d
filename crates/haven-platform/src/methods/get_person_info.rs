//! GetPersonInfo (v1): the person the call is for, and the records they authorized the
//! application on (for the avenue of the call: online grants for online calls, offline
//! grants for offline calls).

use haven_domain::authorization::record_auth_action;
use haven_store::Store;
use haven_wire::Response;
use haven_wire::methods::get_person_info::{GetPersonInfoRequest, PersonInfo};
use haven_wire::record_info::RecordInfo;

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;

pub(crate) async fn handle(
    state: &AppState,
    request: &haven_wire::Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    // The options only add sections this server does not report yet.
    let _options = GetPersonInfoRequest::from_request(request)?;
    let access = call.person.as_ref().ok_or_else(|| {
        PlatformError::AccessDenied(
            "GetPersonInfo needs a person: an online call with a user-auth-token or an offline call with offline-person-id"
                .to_owned(),
        )
    })?;
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let mut records = Vec::new();
    for authorization in store.authorizations_of_person(access.person.id, call.application.id).await? {
        if !authorization.is_active_at(now) || authorization.granted(access.avenue).is_none() {
            continue;
        }
        let Some(member) = store.record_member(authorization.record_id, access.person.id).await? else { continue };
        if !member.is_active_at(now) {
            continue;
        }
        let Some(record) = store.record(authorization.record_id).await? else { continue };
        let action = record_auth_action(&call.application, Some(&authorization), &state.platform.instance_id, now);
        records.push(RecordInfo::new(&record, &member, action));
    }
    if records.is_empty() {
        return Err(PlatformError::AccessDenied(format!(
            "the person has not authorized this application for {} access to any record",
            access.avenue.as_str().to_lowercase()
        )));
    }
    let selected_record_id = access
        .selected_record_id
        .filter(|selected| records.iter().any(|record| record.id == *selected))
        .or_else(|| records.first().map(|record| record.id));
    let info = PersonInfo {
        person_id: access.person.id,
        name: access.person.full_name(),
        selected_record_id,
        records,
        preferred_culture: None,
        location_country: Some(access.person.country.as_str().to_owned()),
    };
    Ok(Response::ok(info.to_info()))
}
