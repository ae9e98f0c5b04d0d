//! GetServiceDefinition (v1, v2): the Platform's and Shell's URLs, the methods offered and
//! (v2) the topology of instances. Anonymous; authenticated callers are answered the same
//! (pyhealthvault sends it within a session).

use haven_wire::methods::get_service_definition::GetServiceDefinitionRequest;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::service_definition::service_definition;

pub(crate) fn handle(state: &AppState, request: &Request<'_>) -> Response {
    match GetServiceDefinitionRequest::from_request(request) {
        Ok(parameters) => Response::ok(parameters.respond(&service_definition(state))),
        Err(error) => Response::error(error.status_code(), error.to_string()),
    }
}
