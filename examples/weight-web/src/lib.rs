//! A sample web application for Haven (and HealthVault), written with axum and haven-sdk.
//! It owns nothing but its pages and one small JSON data file: `GET /` offers a link to the
//! Shell's redirect interface (`redirect.aspx?target=APPAUTH`) and, once a person has
//! connected, shows their name and latest weight read offline; `/action` is its action URL,
//! where the Shell sends the person back with `target`, `actionqs`, `instanceid` and a user
//! token (`wctoken`), by GET or, with `trm=Post`, by a posted form.
//!
//! ```no_run
//! # async fn example(config: haven_example_weight_web::Config) -> anyhow::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8130").await?;
//! haven_example_weight_web::serve(listener, config).await
//! # }
//! ```

mod action;
mod data_file;
mod error;
mod home;
mod pages;
mod state;
mod weight;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::response::Response;
use axum::routing::get;
use haven_domain::topology::InstanceId;
use haven_sdk::ApplicationCredentials;
use url::Url;

pub use data_file::StoredConnection;
pub use error::AppError;

/// How the application is configured: where the Shell and the Platforms are, who it is, and
/// where it keeps the connection it uses offline.
#[derive(Debug, Clone)]
pub struct Config {
    /// Root URL of the Shell people connect through (e.g. `http://127.0.0.1:8110/`); the
    /// redirect interface is `redirect.aspx` below it.
    pub shell_url: Url,
    /// The root URL of each instance's Platform (e.g. `1` -> `http://127.0.0.1:8111/`): the
    /// Shell says in `instanceid` which instance the person's record lives in.
    pub platforms: BTreeMap<InstanceId, Url>,
    /// The application's id, private key and certificate.
    pub credentials: ApplicationCredentials,
    /// The JSON file that keeps the connected person (instance, person id and record id)
    /// across restarts. Created when a person connects; its directory must exist.
    pub data_file: PathBuf,
}

/// The application's routes: `GET /`, and `GET` and `POST /action`. Every response tells the
/// browser not to cache it and not to send its address (which may hold a user token) as a
/// referrer.
pub fn router(config: Config) -> Router {
    let state = Arc::new(state::AppState::new(config));
    Router::new()
        .route("/", get(home::home))
        .route("/action", get(action::action_get).post(action::action_post))
        .with_state(state)
        .layer(axum::middleware::map_response(private_headers))
}

/// Serves [`router`] on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> anyhow::Result<()> {
    axum::serve(listener, router(config)).await?;
    Ok(())
}

/// Adds `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
async fn private_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}
