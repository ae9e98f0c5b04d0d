//! Choosing one's Direct address: a local part in the instance's Direct domain, unique in the
//! instance, which providers send messages to. A person may change it; the old address then
//! stops receiving (mail to it is refused as unknown).

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::direct::{DirectAddressName, DirectAddressNameError, NEWUSER_LOCAL_PART};
use haven_store::StoreError;
use serde::Deserialize;

use super::enabled;
use crate::error::{ShellError, render};
use crate::records::{see_other, sign_in_first};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// Local parts nobody may choose: the `newuser@` holding address and the role addresses mail
/// systems reserve (RFC 2142), so that mail meant for the service never reaches a person.
const RESERVED_NAMES: [&str; 7] =
    [NEWUSER_LOCAL_PART, "postmaster", "abuse", "hostmaster", "webmaster", "noc", "security"];

#[derive(Template)]
#[template(path = "direct_address.html")]
struct AddressPage<'a> {
    chrome: Chrome,
    label: String,
    hint: String,
    current: Option<String>,
    typed: &'a str,
    error: Option<String>,
    error_count: usize,
}

/// What the form sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct AddressForm {
    csrf: String,
    name: String,
}

fn page(
    state: &ShellState,
    visit: &Visit,
    current: Option<String>,
    name: &str,
    error: Option<String>,
) -> Result<Response, ShellError> {
    let direct = enabled(state)?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AddressPage {
        chrome: visit.chrome(state),
        label: format!("Name before @{}", direct.domain),
        hint: format!("Letters, digits and dots, such as ana.lopez. Your address will end in @{}.", direct.domain),
        current,
        typed: name,
        error_count: usize::from(error.is_some()),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /account/direct-address`: the person's address and the form to choose one.
pub(crate) async fn form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, ShellError> {
    let direct = enabled(&state)?;
    let Some(person) = &visit.person else { return Ok(sign_in_first("/account/direct-address")) };
    let current = state.store.direct_address_of_person(person.id).await?;
    let name = current.as_ref().map(|name| name.as_str().to_owned()).unwrap_or_default();
    let current = current.map(|name| name.address_in(&direct.domain));
    page(&state, &visit, current, &name, None)
}

/// The message for a name that cannot be used.
fn name_problem(error: DirectAddressNameError) -> String {
    match error {
        DirectAddressNameError::Empty => "Enter the name for your Direct address.".to_owned(),
        other => format!("Choose another name: {other}."),
    }
}

/// `POST /account/direct-address`: saves the chosen address.
pub(crate) async fn choose(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<AddressForm>,
) -> Result<Response, ShellError> {
    let direct = enabled(&state)?;
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let current = state.store.direct_address_of_person(person.id).await?.map(|name| name.address_in(&direct.domain));
    let typed = form.name.trim();
    let name = match DirectAddressName::parse(typed) {
        Ok(name) => name,
        Err(error) => return page(&state, &visit, current, typed, Some(name_problem(error))),
    };
    if RESERVED_NAMES.contains(&name.as_str()) {
        let error = format!("{} is kept for the service. Choose another name.", name.address_in(&direct.domain));
        return page(&state, &visit, current, typed, Some(error));
    }
    match state.store.assign_direct_address(person.id, &name, state.clock.now()).await {
        Ok(()) => {
            tracing::info!(person = %person.id, "Direct address chosen");
            Ok(see_other("/account?direct=1"))
        }
        Err(StoreError::DirectAddressTaken) => {
            let error = format!("{} belongs to someone else. Choose another name.", name.address_in(&direct.domain));
            page(&state, &visit, current, typed, Some(error))
        }
        Err(error) => Err(error.into()),
    }
}
