//! GetApplicationInfo (v1, v2): the calling application's configuration, with the methods
//! its method groups let it call; or, for a master application that names one in
//! `child-app-id`, its child's. Needs no person.

use haven_store::Store;
use haven_wire::methods::get_application_info::{ApplicationInfo, GetApplicationInfoRequest};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::dispatch::methods_callable_by;
use crate::error::PlatformError;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = GetApplicationInfoRequest::from_request(request)?;
    let store: &dyn Store = state.platform.store.as_ref();
    let application = match parameters.child_app_id {
        None => call.application.clone(),
        Some(child_id) => {
            // An unknown id is refused like another application's child, so a caller learns
            // nothing about applications that are not its own.
            store.application(child_id).await?.filter(|child| child.master_id == Some(call.application.id)).ok_or_else(
                || {
                    PlatformError::AccessDenied(format!(
                        "application {child_id} is not a child of the calling application {}",
                        call.application.id
                    ))
                },
            )?
        }
    };
    let mut info = ApplicationInfo::from_application(&application);
    info.methods = methods_callable_by(&application).into_iter().map(str::to_owned).collect();
    Ok(Response::ok(info.to_info()))
}
