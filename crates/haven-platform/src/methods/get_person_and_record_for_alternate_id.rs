//! GetPersonAndRecordForAlternateId (v1): the person and record one of the application's
//! alternate ids stands for, as `person-info` holding that one record. Called within an
//! application session; no person is needed. The answer is given only while the person's
//! authorization of the application on the record, and their own access to it, are in force.

use haven_store::Store;
use haven_wire::methods::get_person_and_record_for_alternate_id::{
    GetPersonAndRecordForAlternateIdRequest, GetPersonAndRecordForAlternateIdResponse,
};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::people::{authorized_records, person_info};

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = GetPersonAndRecordForAlternateIdRequest::from_request(request)?;
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let (person_id, record_id) =
        store.alternate_id_owner(call.application.id, &parameters.alternate_id).await?.ok_or_else(|| {
            PlatformError::AlternateIdNotFound("the application has not associated this alternate id".to_owned())
        })?;
    let person = store.person(person_id).await?.ok_or(PlatformError::InvalidPerson)?;
    let authorization = store.authorization(person_id, record_id, call.application.id).await?;
    let records = authorized_records(state, &call.application, &person, authorization.as_slice(), None, now).await?;
    if records.is_empty() {
        return Err(PlatformError::AccessDenied(format!(
            "the person's authorization of the application on record {record_id} is no longer in force"
        )));
    }
    let person = person_info(&person, records, Some(record_id));
    Ok(Response::ok(GetPersonAndRecordForAlternateIdResponse { person }.to_info()))
}
