//! SelectInstance (v1): the instance where a new account from a given country belongs,
//! decided by the topology's country rules (`Topology::instance_for_country`); no
//! `selected-instance` for a country no instance supports. Every instance shares the
//! topology, so every instance gives the same answer.
//!
//! Anonymous, like GetServiceDefinition: the answer is public topology (GetServiceDefinition
//! v2 already lists every instance), and an application asks it before it knows where to
//! connect. The .NET SDK sends it within a session (it is not one of its anonymous methods),
//! so session calls are answered the same. The `state-province` is read but does not decide
//! anything: topology rules are per country.

use haven_domain::topology::CountryPlacement;
use haven_wire::instance::ServiceInstance;
use haven_wire::methods::select_instance::{SelectInstanceRequest, SelectInstanceResponse};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::error::PlatformError;

/// Answers the instance for the request's country, or an empty info if it is unsupported.
/// An unknown country code is INVALID_XML, with a message naming `<country>`.
pub(crate) fn handle(state: &AppState, request: &Request<'_>) -> Result<Response, PlatformError> {
    let parameters = SelectInstanceRequest::from_request(request)?;
    let selected_instance = match state.platform.topology.instance_for_country(parameters.preferred_location.country) {
        CountryPlacement::Instance(instance) => Some(ServiceInstance::from(instance)),
        CountryPlacement::Unsupported => None,
    };
    Ok(Response::ok(SelectInstanceResponse { selected_instance }.to_info()))
}
