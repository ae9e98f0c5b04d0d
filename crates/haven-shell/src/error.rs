//! What goes wrong in the Shell, and the page a person sees when it does. Form mistakes are
//! not errors: forms show them next to their fields. These are the failures that end a
//! request: a refused form submission, a missing page, a store that cannot be reached.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use haven_store::StoreError;

use crate::tokens::RandomnessError;

/// A failure that ends a Shell request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ShellError {
    /// A form arrived without the session's CSRF token, or from another site.
    #[error("this form was not sent from this page; go back, reload the page and try again")]
    Forgery,
    /// The page needs a signed-in person; the caller redirects instead where it can.
    #[error("sign in to see this page")]
    SignInRequired,
    /// Nothing here.
    #[error("there is no such page")]
    NotFound,
    /// Storage failed.
    #[error("the service could not reach its storage; try again in a moment")]
    Store(#[from] StoreError),
    /// Randomness failed.
    #[error("the service could not create a secure token; try again in a moment")]
    Randomness(#[from] RandomnessError),
    /// Something that should not happen.
    #[error("something went wrong on our side; try again in a moment")]
    Internal(String),
}

impl ShellError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Forgery => StatusCode::FORBIDDEN,
            Self::SignInRequired => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Store(_) | Self::Randomness(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
}

impl IntoResponse for ShellError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // The message for people is generic; the log keeps the cause (never content).
            tracing::error!(error = ?self, "Shell request failed");
        }
        let title = status.canonical_reason().unwrap_or("Error");
        let page = ErrorPage { title, message: self.to_string() };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "rendering the error page failed");
                (status, self.to_string()).into_response()
            }
        }
    }
}

/// Renders a template, or fails with [`ShellError::Internal`].
pub(crate) fn render(template: &impl Template) -> Result<Html<String>, ShellError> {
    template.render().map(Html).map_err(|error| ShellError::Internal(format!("rendering a page failed: {error}")))
}
