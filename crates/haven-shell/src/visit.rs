//! The browser's session with the Shell, attached to every page request by [`attach`]: the
//! session cookie names a [`WebSession`] (a visitor's, or a signed-in person's); a request
//! without a valid one gets a new visitor session and its cookie. Forms carry the session's
//! CSRF token, which [`Visit::check_form`] compares in constant time, after refusing requests
//! the browser marks as coming from another site.

use axum::extract::{Request, State};
use axum::http::header::{HeaderMap, HeaderValue, SET_COOKIE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use haven_domain::person::Person;
use haven_domain::session::TokenHash;
use haven_domain::web_session::WebSession;
use haven_store::Store;
use subtle::ConstantTimeEq;

use crate::error::ShellError;
use crate::tokens::new_token;
use crate::{Chrome, ShellState};

/// The session cookie's name over HTTPS. The `__Host-` prefix makes browsers insist on
/// `Secure`, `Path=/` and no `Domain`, so no other host can plant or read it.
pub(crate) const SECURE_COOKIE: &str = "__Host-haven-session";

/// The session cookie's name on a plain-HTTP Shell (loopback development only), where a
/// `Secure` cookie would never come back.
pub(crate) const PLAIN_COOKIE: &str = "haven-session";

/// The current request's session and, if someone is signed in, who.
#[derive(Debug, Clone)]
pub(crate) struct Visit {
    /// The session.
    pub(crate) session: WebSession,
    /// The person signed in, if anyone.
    pub(crate) person: Option<Person>,
}

impl Visit {
    /// The signed-in person, or [`ShellError::SignInRequired`].
    pub(crate) fn person(&self) -> Result<&Person, ShellError> {
        self.person.as_ref().ok_or(ShellError::SignInRequired)
    }

    /// The frame every page shares.
    pub(crate) fn chrome(&self, state: &ShellState) -> Chrome {
        Chrome {
            instance_name: state.instance_name(),
            person_name: self.person.as_ref().map(Person::full_name),
            csrf: self.session.csrf_token.clone(),
            messages: state.direct.is_some(),
        }
    }

    /// Refuses a form submission that another site made the browser send, or that lacks
    /// this session's CSRF token.
    pub(crate) fn check_form(&self, headers: &HeaderMap, submitted_token: &str) -> Result<(), ShellError> {
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|site| !matches!(site, "same-origin" | "none"));
        let expected = self.session.csrf_token.as_bytes();
        let token_matches = !submitted_token.is_empty() && bool::from(submitted_token.as_bytes().ct_eq(expected));
        if cross_site || !token_matches {
            tracing::warn!(cross_site, "refused a form without this session's CSRF token");
            return Err(ShellError::Forgery);
        }
        Ok(())
    }
}

/// The session cookie's name for this Shell.
pub(crate) fn cookie_name(state: &ShellState) -> &'static str {
    if state.settings.secure_cookies { SECURE_COOKIE } else { PLAIN_COOKIE }
}

/// A `Set-Cookie` value that hands the browser `token`: HttpOnly (no script reads it),
/// SameSite=Lax (sent when an application sends the person here, never on another site's
/// form posts), Secure over HTTPS, and no Max-Age, so it ends when the browser closes.
pub(crate) fn session_cookie(state: &ShellState, token: &str) -> HeaderValue {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let text = format!("{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}", cookie_name(state));
    // Hex tokens and fixed names are always valid header text.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("haven-session=; Path=/"))
}

/// A `Set-Cookie` value that removes the session cookie.
pub(crate) fn cleared_cookie(state: &ShellState) -> HeaderValue {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let text = format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}", cookie_name(state));
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("haven-session=; Path=/; Max-Age=0"))
}

/// Starts a session: a new random token, and the session stored under its hash.
pub(crate) async fn start_session(
    store: &dyn Store,
    person: Option<&Person>,
    now: time::OffsetDateTime,
) -> Result<(String, WebSession), ShellError> {
    let token = new_token()?;
    let csrf = new_token()?;
    let hash = TokenHash::of_token(&token);
    let session = match person {
        Some(person) => WebSession::signed_in(hash, person.id, csrf, now),
        None => WebSession::visitor(hash, csrf, now),
    };
    store.create_web_session(&session).await?;
    Ok((token, session))
}

/// Middleware for page routes: finds the request's session (or starts a visitor session)
/// and attaches the [`Visit`]; sets the cookie of a session it started, unless the handler
/// set the cookie itself (sign-in and sign-out do).
pub(crate) async fn attach(
    State(state): State<ShellState>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    match find_or_start(&state, &jar).await {
        Ok((visit, started)) => {
            request.extensions_mut().insert(visit);
            let mut response = next.run(request).await;
            if let Some(token) = started {
                let name = format!("{}=", cookie_name(&state));
                let handler_set_it = response
                    .headers()
                    .get_all(SET_COOKIE)
                    .iter()
                    .any(|value| value.to_str().is_ok_and(|text| text.starts_with(&name)));
                if !handler_set_it {
                    response.headers_mut().append(SET_COOKIE, session_cookie(&state, &token));
                }
            }
            response
        }
        Err(error) => error.into_response(),
    }
}

async fn find_or_start(state: &ShellState, jar: &CookieJar) -> Result<(Visit, Option<String>), ShellError> {
    let store = state.store.as_ref();
    let now = state.clock.now();
    if let Some(cookie) = jar.get(cookie_name(state))
        && let Some(session) = store.web_session(TokenHash::of_token(cookie.value())).await?
        && session.is_active_at(now)
    {
        let person = match session.person_id {
            Some(person_id) => store.person(person_id).await?,
            None => None,
        };
        return Ok((Visit { session, person }, None));
    }
    let (token, session) = start_session(store, None, now).await?;
    Ok((Visit { session, person: None }, Some(token)))
}
