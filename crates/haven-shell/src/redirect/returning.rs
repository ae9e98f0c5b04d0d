//! Going back to the application: to its registered action URL only (never to an address
//! a link supplies), with `target`, `actionqs`, `targetDetails`, `instanceid` and, on
//! success, `wctoken`; as a redirect, or with `trm=Post` as a form the person posts with a
//! Continue button (the Shell runs no script). An application without an action URL ends at
//! this Shell's `/application/complete`.

use askama::Template;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use haven_domain::application::Application;
use url::Url;

use super::problem::RedirectProblem;
use super::request::{ShellRequest, TokenRedirection};
use crate::error::{ShellError, render};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// This Shell's page for applications without an action URL.
pub(crate) const COMPLETE_PATH: &str = "/application/complete";

/// Where the person goes back to.
#[derive(Debug, Clone)]
pub(crate) enum Destination {
    /// The application's registered action URL.
    ActionUrl(Url),
    /// `/application/complete` on this Shell.
    Complete,
}

/// Where `application` takes people back to for `request`.
///
/// `redirect` (HealthVault's non-production override of the action URL) is honoured only
/// when it names the registered action URL itself: same scheme, host, port and path; the
/// registered URL is then used as registered. Haven has no per-application setting that
/// would allow other addresses, and following one would make the Shell an open redirect
/// that carries user tokens, so anything else is refused.
pub(crate) fn destination(application: &Application, request: &ShellRequest) -> Result<Destination, RedirectProblem> {
    let refused = || RedirectProblem::RedirectRefused(application.name.clone());
    match (&application.action_url, request.params.get("redirect")) {
        (Some(action_url), Some(redirect)) => {
            let override_url = Url::parse(redirect.trim()).map_err(|_| refused())?;
            let same = override_url.scheme() == action_url.scheme()
                && override_url.host_str() == action_url.host_str()
                && override_url.port_or_known_default() == action_url.port_or_known_default()
                && override_url.path() == action_url.path();
            if same { Ok(Destination::ActionUrl(action_url.clone())) } else { Err(refused()) }
        }
        (None, Some(_)) => Err(refused()),
        (Some(action_url), None) => Ok(Destination::ActionUrl(action_url.clone())),
        (None, None) => Ok(Destination::Complete),
    }
}

/// What goes back to the application.
#[derive(Debug, Clone, Default)]
pub(crate) struct Return {
    /// The return target (`AppAuthSuccess`, `AppAuthReject`, `SignOut`...).
    pub(crate) target: String,
    /// `targetDetails`, if any (`CreateAccountSuccess`).
    pub(crate) target_details: Option<&'static str>,
    /// The user token, on success.
    pub(crate) wctoken: Option<String>,
    /// Further fields (APPREDIRECT's `targetqs`).
    pub(crate) extra: Vec<(&'static str, String)>,
}

impl Return {
    /// A return with just a target.
    pub(crate) fn target(target: &str) -> Self {
        Self { target: target.to_owned(), ..Self::default() }
    }
}

#[derive(Template)]
#[template(path = "redirect_post.html")]
struct PostPage {
    chrome: Chrome,
    application_name: String,
    action: String,
    fields: Vec<(String, String)>,
}

/// Sends the person back: a 303 to the action URL (or `/application/complete`), or, with
/// `trm=Post` and a token to carry, a page whose form posts the fields to the action URL.
pub(crate) fn go_back(
    state: &ShellState,
    visit: &Visit,
    application: &Application,
    request: &ShellRequest,
    destination: &Destination,
    outcome: Return,
) -> Result<Response, ShellError> {
    let mut fields: Vec<(String, String)> = vec![("target".to_owned(), outcome.target)];
    for (name, value) in outcome.extra {
        fields.push((name.to_owned(), value));
    }
    if let Some(actionqs) = request.actionqs() {
        fields.push(("actionqs".to_owned(), actionqs.to_owned()));
    }
    if let Some(details) = outcome.target_details {
        fields.push(("targetDetails".to_owned(), details.to_owned()));
    }
    fields.push(("instanceid".to_owned(), state.instance_id.to_string()));
    match destination {
        Destination::Complete => {
            // The completion page is this Shell's own: a token in its address would only
            // end up in the browser's history, so none is issued for it (see `consent`).
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("appid", &application.id.to_string());
            query.extend_pairs(fields.iter().filter(|(name, _)| name != "wctoken"));
            Ok(see_other(&format!("{COMPLETE_PATH}?{}", query.finish())))
        }
        Destination::ActionUrl(action_url) => {
            if let Some(wctoken) = outcome.wctoken {
                fields.push(("wctoken".to_owned(), wctoken));
                if request.token_redirection == TokenRedirection::Post {
                    let page = PostPage {
                        chrome: visit.chrome(state),
                        application_name: application.name.clone(),
                        action: action_url.to_string(),
                        fields,
                    };
                    return Ok(render(&page)?.into_response());
                }
            }
            let mut url = action_url.clone();
            url.query_pairs_mut().extend_pairs(fields.iter());
            Ok(see_other(url.as_str()))
        }
    }
}

/// A 303 to `location`.
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(LOCATION, value);
            response
        }
        Err(_) => ShellError::Internal("a redirect address was not valid header text".to_owned()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use haven_domain::application::MethodGroup;
    use haven_domain::auth_rules::RuleSet;
    use haven_domain::ids::ApplicationId;
    use time::macros::datetime;

    fn application(action_url: Option<&str>) -> Application {
        Application {
            id: ApplicationId::from_uuid(uuid::Uuid::nil()),
            name: "Tracker".to_owned(),
            description: String::new(),
            certificates: Vec::new(),
            action_url: action_url.map(|url| Url::parse(url).unwrap()),
            online_rules: RuleSet::default(),
            offline_rules: RuleSet::default(),
            method_groups: MethodGroup::web_defaults(),
            supported_instances: Default::default(),
            master_id: None,
            is_soda: false,
            soda_secret: None,
            created_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    fn request(redirect: &str) -> ShellRequest {
        let targetqs = format!(
            "appid=x&redirect={}",
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        );
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("target", "AUTH")
            .append_pair("targetqs", &targetqs)
            .finish();
        ShellRequest::parse(&query).unwrap()
    }

    #[test]
    fn redirect_is_only_accepted_when_it_is_the_registered_action_url() {
        let app = application(Some("https://tracker.example/hv/action?x=1"));
        for same in ["https://tracker.example/hv/action", "https://tracker.example:443/hv/action?other=2"] {
            let Ok(Destination::ActionUrl(url)) = destination(&app, &request(same)) else { panic!("{same}") };
            assert_eq!(url.as_str(), "https://tracker.example/hv/action?x=1", "the registered URL is used");
        }
        for other in [
            "https://evil.example/hv/action",
            "http://tracker.example/hv/action",
            "https://tracker.example:8443/hv/action",
            "https://tracker.example/elsewhere",
            "/hv/action",
            "javascript:alert(1)",
        ] {
            assert!(matches!(destination(&app, &request(other)), Err(RedirectProblem::RedirectRefused(_))), "{other}");
        }
        assert!(matches!(
            destination(&application(None), &request("https://tracker.example/")),
            Err(RedirectProblem::RedirectRefused(_))
        ));
        let plain = ShellRequest::parse("target=AUTH&targetqs=appid%3Dx").unwrap();
        assert!(matches!(destination(&application(None), &plain), Ok(Destination::Complete)));
    }
}
