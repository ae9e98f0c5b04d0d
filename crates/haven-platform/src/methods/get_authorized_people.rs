//! GetAuthorizedPeople (v1): everyone who has an authorization of the calling application
//! in force, with the records it covers, in person-id order, a page at a time.

use std::collections::BTreeMap;

use haven_store::Store;
use haven_wire::methods::get_authorized_people::{GetAuthorizedPeopleRequest, GetAuthorizedPeopleResponse};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::limits::MAX_AUTHORIZED_PEOPLE_PAGE;
use crate::people::{authorized_records, person_info};

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = GetAuthorizedPeopleRequest::from_request(request)?;
    let page_size = parameters
        .number_of_results
        .map_or(MAX_AUTHORIZED_PEOPLE_PAGE, |asked| (asked as usize).min(MAX_AUTHORIZED_PEOPLE_PAGE));
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let mut by_person = BTreeMap::new();
    for authorization in store.authorizations_for_application(call.application.id).await? {
        let after_cursor = parameters.person_id_cursor.is_none_or(|cursor| authorization.person_id > cursor);
        let recent = parameters.authorizations_created_since.is_none_or(|since| authorization.granted_at >= since);
        if after_cursor && recent && authorization.is_active_at(now) {
            by_person.entry(authorization.person_id).or_insert_with(Vec::new).push(authorization);
        }
    }
    let mut people = Vec::new();
    let mut more_results = false;
    for (person_id, authorizations) in by_person {
        let Some(person) = store.person(person_id).await? else { continue };
        let records = authorized_records(state, &call.application, &person, &authorizations, None, now).await?;
        if records.is_empty() {
            continue;
        }
        if people.len() == page_size {
            more_results = true;
            break;
        }
        people.push(person_info(&person, records, None));
    }
    Ok(Response::ok(GetAuthorizedPeopleResponse { people, more_results }.to_info()))
}
