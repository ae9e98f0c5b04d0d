//! GetThingType (v1): definitions of the thing types Haven knows, from its registry. The
//! registry is built into the program, so definitions change only when the process starts;
//! a client that refreshed since then gets an empty answer.

use haven_domain::thing_type;
use haven_wire::methods::get_thing_type::GetThingTypeRequest;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::error::PlatformError;

pub(crate) fn handle(state: &AppState, request: &Request<'_>) -> Result<Response, PlatformError> {
    let parameters = GetThingTypeRequest::from_request(request)?;
    Ok(Response::ok(parameters.respond(thing_type::all(), state.definition_updated)))
}
