//! Instance bounce: sending a person to the instance where their account lives (sign-in)
//! or will live (sign-up, by the country they chose), with the page they were going to
//! (`next`, for example an application's `/redirect.aspx?target=APPAUTH&targetqs=...`) kept
//! whole, so the flow goes on there (but for links whose secret only this instance can use:
//! `LOCAL_SECRET_PAGES`). Only the path and, for sign-up, the chosen country
//! travel in the address; nothing the person typed does.
//!
//! When `next` is an application's request, the application decides too: with `aib=false`
//! ("allow instance bounce") in its `targetqs` the person is not moved, and an application
//! that is not live in the other instance (`haven app go-live`) cannot follow them there.
//! Either way the person sees a page saying why and what to do, and nothing is created.

use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use haven_domain::country::CountryCode;
use haven_domain::topology::Instance;

use crate::redirect::{RedirectFailure, RedirectProblem, ShellRequest};
use crate::visit::Visit;
use crate::{ShellState, form};

/// The path of the redirect interface, whose requests carry an application's wishes.
const REDIRECT_PATH: &str = "/redirect.aspx";

/// Why the person is going to another instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Journey {
    /// Their account lives there.
    SignIn,
    /// The country they live in maps there; their account will be opened there.
    SignUp(CountryCode),
}

impl Journey {
    /// The sentence that explains the move.
    fn reason(self, there: &Instance) -> String {
        match self {
            Self::SignIn => format!("Your account is kept by Haven {}.", there.name),
            Self::SignUp(country) => {
                format!("People living in {} keep their records with Haven {}.", country.name(), there.name)
            }
        }
    }

    /// The page at the other instance, with `next` and where the person comes from.
    fn address(self, there: &Instance, next: &str, from: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let page = match self {
            Self::SignIn => "signin",
            Self::SignUp(country) => {
                query.append_pair("country", country.as_str());
                "signup"
            }
        };
        if !next.is_empty() {
            query.append_pair("next", next);
        }
        query.append_pair("from", from);
        format!("{}{page}?{}", there.shell_url, query.finish())
    }
}

/// Sends the person to `there` for `journey`, going on to `next` (a local path) afterwards,
/// unless the application that asked for `next` forbids it; then the page says why.
pub(crate) async fn bounce(
    state: &ShellState,
    visit: &Visit,
    journey: Journey,
    there: &Instance,
    next: &str,
) -> Response {
    let next = without_local_secrets(&form::local_path(next, ""));
    if let Err(failure) = check_application(state, journey, there, &next).await {
        return failure.into_page(state, visit);
    }
    tracing::info!(to = %there.id, ?journey, "sent a person to another instance");
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&journey.address(there, &next, state.instance_id.as_str())) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

/// Pages whose links carry a secret that only this instance can use: a sharing invitation's
/// token and a held Direct message's invitation code. Another instance could not use them,
/// so they do not travel there; the page without them explains that the link belongs to the
/// instance it came from.
const LOCAL_SECRET_PAGES: [&str; 2] = ["/sharing/accept", "/direct/held"];

/// `next` without the query of a page in [`LOCAL_SECRET_PAGES`].
fn without_local_secrets(next: &str) -> String {
    let path = next.split(['?', '#']).next().unwrap_or_default();
    if LOCAL_SECRET_PAGES.contains(&path) { path.to_owned() } else { next.to_owned() }
}

/// Refuses the move when `next` is an application's request that sent `aib=false`, or whose
/// application is not live in `there`.
async fn check_application(
    state: &ShellState,
    journey: Journey,
    there: &Instance,
    next: &str,
) -> Result<(), RedirectFailure> {
    let Some(query) = next.strip_prefix(REDIRECT_PATH).and_then(|rest| rest.strip_prefix('?')) else {
        return Ok(());
    };
    // A request this Shell cannot read is the other Shell's to refuse, with its own page.
    let Ok(request) = ShellRequest::parse(query) else { return Ok(()) };
    let here = state.instance_name();
    if request.params.get("aib").is_some_and(|aib| aib.trim().eq_ignore_ascii_case("false")) {
        return Err(RedirectProblem::BounceRefused {
            reason: journey.reason(there),
            here,
            there: there.name.clone(),
            there_url: there.shell_url.to_string(),
        }
        .into());
    }
    let Ok(Some(application_id)) = request.application_id() else { return Ok(()) };
    let Some(application) = state.store.application(application_id).await? else { return Ok(()) };
    if !application.supports_instance(&there.id) {
        let live_in: Vec<String> = application
            .supported_instances
            .iter()
            .map(|id| state.topology.instance(id).map_or_else(|| id.to_string(), |instance| instance.name.clone()))
            .collect();
        return Err(RedirectProblem::NotLiveThere {
            reason: journey.reason(there),
            application: application.name,
            live_in: live_in.join(" and "),
            there: there.name.clone(),
        }
        .into());
    }
    Ok(())
}

/// The notice a page shows a person who was sent here from another instance (`from`).
pub(crate) fn arrival_notice(state: &ShellState, from: &str, journey: Journey) -> Option<String> {
    let from = haven_domain::topology::InstanceId::parse(from.trim()).ok()?;
    let origin = state.topology.instance(&from).filter(|origin| origin.id != state.instance_id)?;
    let here = state.instance()?;
    Some(match journey {
        Journey::SignIn => format!(
            "{} Haven {} sent you here: sign in again with the same e-mail address and password.",
            journey.reason(here),
            origin.name
        ),
        Journey::SignUp(_) => {
            format!("{} Haven {} sent you here: open your account on this page.", journey.reason(here), origin.name)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_secrets_stay_in_their_instance() {
        assert_eq!(without_local_secrets("/sharing/accept?invitation=secret"), "/sharing/accept");
        assert_eq!(without_local_secrets("/direct/held?code=secret"), "/direct/held");
        let request = "/redirect.aspx?target=AUTH&targetqs=appid%3Dx";
        assert_eq!(without_local_secrets(request), request, "an application's request goes on whole");
        assert_eq!(without_local_secrets("/connect?code=ABCD"), "/connect?code=ABCD");
    }
}
