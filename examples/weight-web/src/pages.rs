//! The pages, as askama templates (`templates/`, each extending `layout.html`); askama
//! escapes every value as HTML.

use askama::Template;
use axum::response::Html;

use crate::weight::LatestWeight;

/// A weight as a page shows it.
#[derive(Debug, Clone)]
pub(crate) struct WeightView {
    /// E.g. `72.5 kg`.
    pub(crate) kilograms: String,
    /// E.g. `2026-10-05 07:30`.
    pub(crate) date: String,
}

impl WeightView {
    /// The view of `weight`, or `None` for no weight.
    pub(crate) fn of(weight: Option<&LatestWeight>) -> Option<Self> {
        weight.map(|weight| Self { kilograms: weight.kilograms_text(), date: weight.date_text() })
    }
}

/// `GET /` before anyone connected: the "Connect to Haven" link.
#[derive(Debug, Template)]
#[template(path = "start.html")]
pub(crate) struct StartPage {
    /// The Shell's APPAUTH address, with a fresh `actionqs`.
    pub(crate) connect_url: String,
    /// Why the stored connection could not be used, if that is why this page shows.
    pub(crate) notice: Option<String>,
}

/// `GET /` once connected: the person and their latest weight, read offline.
#[derive(Debug, Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    /// The person's name.
    pub(crate) name: String,
    /// Their newest weight.
    pub(crate) weight: Option<WeightView>,
    /// A link to connect again (another person, or another record).
    pub(crate) connect_url: String,
    /// The one-time token of the "Add a weight" form.
    pub(crate) form_token: String,
}

/// `/action` after AppAuthSuccess: the person and their latest weight, read online.
#[derive(Debug, Template)]
#[template(path = "connected.html")]
pub(crate) struct ConnectedPage {
    /// The person's name.
    pub(crate) name: String,
    /// Their newest weight.
    pub(crate) weight: Option<WeightView>,
    /// The Shell's APPSIGNOUT address.
    pub(crate) sign_out_url: String,
}

/// `/action` after AppAuthReject.
#[derive(Debug, Template)]
#[template(path = "declined.html")]
pub(crate) struct DeclinedPage;

/// `/action` after SignOut.
#[derive(Debug, Template)]
#[template(path = "signed_out.html")]
pub(crate) struct SignedOutPage;

/// `/action` with any other target.
#[derive(Debug, Template)]
#[template(path = "other_target.html")]
pub(crate) struct OtherTargetPage {
    /// The target, as received.
    pub(crate) target: String,
}

/// A request that could not be served.
#[derive(Debug, Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    /// What the person is told.
    pub(crate) message: String,
    /// For server-side failures, the id of the log line with the cause.
    pub(crate) error_id: Option<String>,
}

/// Renders `page` as an HTML response body.
pub(crate) fn render_page(page: &impl Template) -> Result<Html<String>, askama::Error> {
    page.render().map(Html)
}
