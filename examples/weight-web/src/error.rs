//! What can go wrong while serving a page, and the page each failure gets.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use haven_domain::thing_type::ThingDataError;
use haven_sdk::{ConnectionStoreError, SdkError};

use crate::pages::{ErrorPage, render_page};

/// A request that could not be served.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// `actionqs` is not a value this application issued, or it was used already: the
    /// return did not come from a connection started here.
    #[error("the actionqs value was not issued by this application or was already used")]
    UnknownState,
    /// The Shell's return lacks a parameter the target needs.
    #[error("the return from the Shell has no {0}")]
    MissingParameter(&'static str),
    /// The deployment has no instance of this id.
    #[error("the deployment has no instance {0:?}")]
    UnknownInstance(String),
    /// The application is single-instance and this is not its default instance.
    #[error(
        "instance {instance:?} is not the default instance {default_instance:?} of this single-instance application"
    )]
    InstanceNotServed {
        /// The instance the person came back from.
        instance: String,
        /// The only instance the application uses.
        default_instance: String,
    },
    /// The weight form was not one this application showed, or was sent twice.
    #[error("the form was not issued by this application or was already sent")]
    StaleForm,
    /// The weight typed is not a weight.
    #[error("{0:?} is not a weight in kilograms")]
    InvalidWeight(String),
    /// No one has connected yet.
    #[error("no record is connected")]
    NotConnected,
    /// The person authorized the application on no record.
    #[error("the person authorized no record for this application")]
    NoRecord,
    /// The Platform refused a call or could not be reached.
    #[error("the Platform call failed: {0}")]
    Platform(#[from] SdkError),
    /// A weight from the Platform could not be read.
    #[error("a weight from the Platform could not be read: {0}")]
    UnreadableWeight(#[from] ThingDataError),
    /// The data file (the store of connected records) could not be read or written.
    #[error(transparent)]
    Store(#[from] ConnectionStoreError),
    /// The operating system's random source failed.
    #[error("the operating system's random source failed: {0}")]
    Randomness(String),
    /// A page could not be rendered.
    #[error("rendering a page failed: {0}")]
    Render(#[from] askama::Error),
}

impl AppError {
    /// The HTTP status and what the person is told. Server-side failures say only that
    /// something went wrong; the cause goes to the log.
    fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            Self::UnknownState => (
                StatusCode::BAD_REQUEST,
                "This return from Haven does not belong to a connection started here (or was already used). \
                 Start again from this application's start page."
                    .to_owned(),
            ),
            Self::MissingParameter(name) => {
                (StatusCode::BAD_REQUEST, format!("The return from Haven has no \"{name}\" parameter."))
            }
            Self::UnknownInstance(instance) => {
                (StatusCode::BAD_REQUEST, format!("This application knows no Haven instance \"{instance}\"."))
            }
            Self::InstanceNotServed { instance, .. } => (
                StatusCode::BAD_REQUEST,
                format!(
                    "This application serves only one Haven instance, and your account is in another (\"{instance}\")."
                ),
            ),
            Self::StaleForm => (
                StatusCode::BAD_REQUEST,
                "This form was already sent, or is too old. Go back to the start page and try again.".to_owned(),
            ),
            Self::InvalidWeight(text) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("\"{text}\" is not a weight. Type the weight in kilograms, for example 72.5."),
            ),
            Self::NotConnected => {
                (StatusCode::CONFLICT, "Connect to Haven first; then you can add a weight.".to_owned())
            }
            Self::NoRecord => (StatusCode::FORBIDDEN, "You did not share a record with this application.".to_owned()),
            Self::Platform(_) | Self::UnreadableWeight(_) => {
                (StatusCode::BAD_GATEWAY, "Haven could not be reached or refused the request.".to_owned())
            }
            Self::Store(_) | Self::Randomness(_) | Self::Render(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong in this application.".to_owned())
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        let error_id = if status.is_server_error() {
            // An id the person can quote, and the log line it names.
            let error_id = format!("{:x}", time::OffsetDateTime::now_utc().unix_timestamp_nanos());
            tracing::error!(error_id, error = %self, "request failed");
            Some(error_id)
        } else {
            tracing::info!(error = %self, "request refused");
            None
        };
        let page = ErrorPage { message, error_id };
        match render_page(&page) {
            Ok(html) => (status, html).into_response(),
            Err(_) => (status, Html("<!doctype html><title>Error</title><p>Something went wrong.")).into_response(),
        }
    }
}
