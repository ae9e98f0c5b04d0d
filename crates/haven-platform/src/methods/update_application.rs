//! UpdateApplication (v1, v2; Master method group): a master application changes one of its
//! children in this instance, with the elements AddApplication takes (see
//! [`super::add_application`] for what is kept and checked); what the request leaves out stays
//! as it is. An id no application in this instance has answers INVALID_APP, and an
//! application that is not the caller's child ACCESS_DENIED, as the method's schema lists.
//! The Shell reads applications from the store, so its consent screen shows the change.

use haven_wire::methods::update_application::UpdateApplicationRequest;
use haven_wire::{Request, Response};

use super::add_application::apply_fields;
use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = UpdateApplicationRequest::from_request(request)?;
    let platform = &state.platform;
    let master = &call.application;
    let mut child =
        platform.store.application(parameters.id).await?.ok_or(PlatformError::UnknownApplication(parameters.id))?;
    if child.master_id != Some(master.id) {
        return Err(PlatformError::AccessDenied(format!(
            "application {} is not a child of the calling application {}",
            parameters.id, master.id
        )));
    }
    apply_fields(platform, master, &mut child, &parameters.fields)?;
    platform.store.put_application(&child).await?;
    Ok(Response::ok_without_info())
}
