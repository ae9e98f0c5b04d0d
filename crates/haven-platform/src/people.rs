//! How a person and the records they authorized an application on are reported
//! (`person-info`, `record`), shared by the methods that answer about people and their
//! records; and the person a call is made for, for methods that need one.

use haven_domain::application::Application;
use haven_domain::authorization::{AppAuthorization, record_auth_action};
use haven_domain::person::Person;
use haven_domain::thing::AccessAvenue;
use haven_store::Store;
use haven_wire::methods::get_person_info::PersonInfo;
use haven_wire::record_info::RecordInfo;
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::{AuthenticatedCall, PersonAccess};
use crate::error::PlatformError;

/// The records among `authorizations` that are in force at `now` (and, when `avenue` is
/// given, granted for that avenue), as `person` sees them.
pub(crate) async fn authorized_records(
    state: &AppState,
    application: &Application,
    person: &Person,
    authorizations: &[AppAuthorization],
    avenue: Option<AccessAvenue>,
    now: OffsetDateTime,
) -> Result<Vec<RecordInfo>, PlatformError> {
    let store: &dyn Store = state.platform.store.as_ref();
    let mut records = Vec::new();
    for authorization in authorizations {
        let granted = avenue.is_none_or(|avenue| authorization.granted(avenue).is_some());
        if authorization.person_id != person.id || !authorization.is_active_at(now) || !granted {
            continue;
        }
        let Some(member) = store.record_member(authorization.record_id, person.id).await? else { continue };
        if !member.is_active_at(now) {
            continue;
        }
        let Some(record) = store.record(authorization.record_id).await? else { continue };
        let action = record_auth_action(application, Some(authorization), &state.platform.instance_id, now);
        records.push(RecordInfo::new(&record, &member, action));
    }
    Ok(records)
}

/// `person-info` for a person and the records reported for them.
pub(crate) fn person_info(
    person: &Person,
    records: Vec<RecordInfo>,
    selected: Option<haven_domain::ids::RecordId>,
) -> PersonInfo {
    let selected_record_id = selected
        .filter(|selected| records.iter().any(|record| record.id == *selected))
        .or_else(|| records.first().map(|record| record.id));
    PersonInfo {
        person_id: person.id,
        name: person.full_name(),
        selected_record_id,
        records,
        preferred_culture: None,
        location_country: Some(person.country.as_str().to_owned()),
    }
}

/// The person of a call to `method`, which needs one: an online call (user token) or an
/// offline call (offline person id).
pub(crate) fn person_of<'call>(
    call: &'call AuthenticatedCall,
    method: &str,
) -> Result<&'call PersonAccess, PlatformError> {
    call.person.as_ref().ok_or_else(|| {
        PlatformError::AccessDenied(format!(
            "{method} needs a person: an online call with a user-auth-token or an offline call with offline-person-id"
        ))
    })
}
