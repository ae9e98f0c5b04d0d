//! Why a `redirect.aspx` request or a consent decision is refused, and the page that says
//! so. A refusal never redirects: the person sees what went wrong, and the application gets
//! nothing it could misuse.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use haven_store::StoreError;

use crate::error::{ShellError, render};
use crate::tokens::RandomnessError;
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// A request the Shell will not carry out.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum RedirectProblem {
    /// No `target`.
    #[error("The link that brought you here does not say what to do (it has no target).")]
    MissingTarget,
    /// A target this Shell does not know.
    #[error("The link that brought you here asks for {0:?}, which Haven does not offer.")]
    UnknownTarget(String),
    /// A target that needs `appid` came without it.
    #[error("The link that brought you here does not name an application (it has no appid).")]
    MissingApplication,
    /// Several application ids at once.
    #[error("The link asks you to authorize several applications at once; Haven asks for one application at a time.")]
    SeveralApplications,
    /// A parameter that cannot be read.
    #[error("The link that brought you here has an invalid {0}: {1:?}.")]
    BadParameter(&'static str, String),
    /// No application is registered under the id.
    #[error("No application with the id {0} is registered with this Haven service.")]
    UnknownApplication(String),
    /// The application is registered but not live in this instance.
    #[error("The application {0:?} is not available on Haven {1}.")]
    NotLiveHere(String, String),
    /// The person belongs to another instance, and the application sent `aib=false`.
    #[error(
        "{reason} The application that sent you here asked Haven to keep you on Haven {here} (it does not allow \
         moving between instances), so this cannot go on here. Nothing was created or shared. Go back to the \
         application and choose Haven {there} there if it offers it, or go to Haven {there} yourself: {there_url}"
    )]
    BounceRefused {
        /// Why the person belongs elsewhere.
        reason: String,
        /// This instance's name.
        here: String,
        /// The other instance's name.
        there: String,
        /// The other instance's Shell.
        there_url: String,
    },
    /// The person belongs to an instance where the application is not live.
    #[error(
        "{reason} The application {application:?} works only with Haven {live_in}, so it cannot be connected to an \
         account kept by Haven {there}. Nothing was created or shared."
    )]
    NotLiveThere {
        /// Why the person belongs elsewhere.
        reason: String,
        /// The application's name.
        application: String,
        /// The names of the instances it is live in.
        live_in: String,
        /// The other instance's name.
        there: String,
    },
    /// `redirect` names another place than the registered action URL.
    #[error(
        "The link asks to send you back to an address the application {0:?} did not register. Haven only \
         returns people to an application's registered address."
    )]
    RedirectRefused(String),
    /// The application has no registered address to go to.
    #[error("The application {0:?} has no registered address to send you to.")]
    NoActionUrl(String),
    /// CREATEAPPLICATION named an application that is not a SODA master.
    #[error(
        "The application {0:?} is not a mobile or desktop (SODA) application, so it cannot connect a device this way."
    )]
    NotSodaMaster(String),
    /// CREATEAPPLICATION's app-creation token is missing, unknown, expired, already used, or
    /// another application's (HealthVault's APPLICATION_CREATION_TOKEN_INVALID).
    #[error(
        "This link to connect {0:?} cannot be used: it has expired, it was already used, or it does not belong to \
         this application. Nothing was connected. Go back to the application and start again; it will ask for a \
         new link."
    )]
    CreationTokenInvalid(String),
    /// The consent form's application is not the one its request is for.
    #[error(
        "The consent form does not match the application it was shown for. Nothing was granted; go back to the \
         application and start again."
    )]
    MismatchedApplication,
    /// The consent form named a rule the application does not declare.
    #[error(
        "The consent form asked for access the application {application:?} never asked for ({avenue} rule \
         {rule:?}). Nothing was granted; go back to the application and start again."
    )]
    UndeclaredRule {
        /// The application's name.
        application: String,
        /// "online" or "offline".
        avenue: &'static str,
        /// The rule name sent.
        rule: String,
    },
    /// The consent form named a record the person cannot authorize.
    #[error("The consent form named a record you do not have access to. Nothing was granted.")]
    ForeignRecord,
    /// The consent form chose several records for a single-record application.
    #[error("This application works with one record at a time; choose one record. Nothing was granted.")]
    SeveralRecords,
    /// The consent form was not sent for a consent target or had no decision.
    #[error("The consent form was incomplete. Nothing was granted; go back to the application and start again.")]
    BadConsentForm,
}

impl RedirectProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::UnknownApplication(_) => StatusCode::NOT_FOUND,
            Self::BounceRefused { .. } | Self::NotLiveThere { .. } => StatusCode::CONFLICT,
            Self::ForeignRecord
            | Self::UndeclaredRule { .. }
            | Self::RedirectRefused(_)
            | Self::MismatchedApplication => StatusCode::FORBIDDEN,
            Self::MissingTarget
            | Self::UnknownTarget(_)
            | Self::MissingApplication
            | Self::SeveralApplications
            | Self::BadParameter(..)
            | Self::NotLiveHere(..)
            | Self::NoActionUrl(_)
            | Self::NotSodaMaster(_)
            | Self::CreationTokenInvalid(_)
            | Self::SeveralRecords
            | Self::BadConsentForm => StatusCode::BAD_REQUEST,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::CreationTokenInvalid(_) => "Start again from the application",
            Self::BounceRefused { .. } | Self::NotLiveThere { .. } => "Your records belong to another Haven instance",
            Self::UndeclaredRule { .. }
            | Self::ForeignRecord
            | Self::SeveralRecords
            | Self::BadConsentForm
            | Self::MismatchedApplication => "Nothing was granted",
            Self::MissingTarget
            | Self::UnknownTarget(_)
            | Self::MissingApplication
            | Self::SeveralApplications
            | Self::BadParameter(..)
            | Self::UnknownApplication(_)
            | Self::NotLiveHere(..)
            | Self::RedirectRefused(_)
            | Self::NoActionUrl(_)
            | Self::NotSodaMaster(_) => "This link does not work",
        }
    }
}

/// What ends a redirect or consent request: a refusal shown as a page, or a Shell failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RedirectFailure {
    /// The request is refused.
    #[error(transparent)]
    Problem(#[from] RedirectProblem),
    /// Something failed (storage, randomness, a forged form).
    #[error(transparent)]
    Shell(#[from] ShellError),
}

impl From<StoreError> for RedirectFailure {
    fn from(error: StoreError) -> Self {
        Self::Shell(error.into())
    }
}

impl From<RandomnessError> for RedirectFailure {
    fn from(error: RandomnessError) -> Self {
        Self::Shell(error.into())
    }
}

#[derive(Template)]
#[template(path = "redirect_error.html")]
struct ProblemPage {
    chrome: Chrome,
    title: &'static str,
    message: String,
}

impl RedirectFailure {
    /// The page for this failure, in the Shell's frame.
    pub(crate) fn into_page(self, state: &ShellState, visit: &Visit) -> Response {
        match self {
            Self::Shell(error) => error.into_response(),
            Self::Problem(problem) => {
                tracing::info!(problem = ?problem, "refused a Shell redirect request");
                let page =
                    ProblemPage { chrome: visit.chrome(state), title: problem.title(), message: problem.to_string() };
                match render(&page) {
                    Ok(html) => (problem.status(), html).into_response(),
                    Err(error) => error.into_response(),
                }
            }
        }
    }
}
