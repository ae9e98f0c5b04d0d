//! Finding what an identity code names: a connect request or a package here, or else the
//! other instance that holds it.

use haven_domain::connect::{ConnectPackage, ConnectRequest, IdentityCode};
use haven_domain::topology::Instance;

use crate::ShellState;
use crate::error::ShellError;
use crate::peers::CodeLocation;

/// What holds a code.
#[derive(Debug)]
pub(crate) enum Held<'topology> {
    /// A connect request here (in any status).
    Request(ConnectRequest),
    /// A package here (in any status).
    Package(ConnectPackage),
    /// Another instance holds a usable item with this code.
    Elsewhere(&'topology Instance),
    /// No instance that answered holds it. An instance that did not answer counts as not
    /// holding it: the person is told the code is not known, and nothing more.
    Unknown,
}

/// Looks `code` up here (requests first, then packages), then asks the other instances by the
/// code's hash.
pub(crate) async fn locate<'s>(state: &'s ShellState, code: &IdentityCode) -> Result<Held<'s>, ShellError> {
    let code_hash = code.hash();
    if let Some(request) = state.store.connect_request_by_code(code_hash).await? {
        return Ok(Held::Request(request));
    }
    if let Some(package) = state.store.connect_package_by_code(code_hash).await? {
        return Ok(Held::Package(package));
    }
    Ok(match state.locate_code(code_hash).await {
        CodeLocation::Elsewhere(there) => Held::Elsewhere(there),
        CodeLocation::Nowhere | CodeLocation::Unknown(_) => Held::Unknown,
    })
}
