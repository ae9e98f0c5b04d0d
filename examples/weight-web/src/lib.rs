//! A sample web application for Haven (and HealthVault), written with axum and haven-sdk.
//! It owns nothing but its pages and one small JSON data file: `GET /` offers a link to the
//! default instance's Shell (`redirect.aspx?target=APPAUTH`, with `aib=true` so people of
//! other instances are sent on to theirs) and, once a person has connected, shows their name
//! and latest weight read offline, with a form to add a weight (`POST /weight`, written
//! offline to the person's instance); `/action` is its action URL, where the Shell sends the
//! person back with `target`, `actionqs`, `instanceid` and a user token (`wctoken`), by GET
//! or, with `trm=Post`, by a posted form. The `instanceid` picks the Platform to call
//! (`haven_sdk::InstanceDirectory`), and is kept with the person and record ids.
//!
//! ```no_run
//! # async fn example(config: haven_example_weight_web::Config) -> anyhow::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8130").await?;
//! haven_example_weight_web::serve(listener, config).await
//! # }
//! ```

mod action;
mod error;
mod home;
mod pages;
mod state;
mod weight;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::response::Response;
use axum::routing::get;
use haven_sdk::ApplicationCredentials;
use url::Url;

pub use error::AppError;

/// How the application is configured: its default instance (where it sends people to
/// connect), whether it serves people of the other instances, who it is, and where it keeps
/// the connections it uses offline.
#[derive(Debug, Clone)]
pub struct Config {
    /// Root URL of the default instance's Shell, where people connect (e.g.
    /// `http://127.0.0.1:8110/`); the redirect interface is `redirect.aspx` below it.
    pub shell_url: Url,
    /// Root URL of the default instance's Platform (e.g. `http://127.0.0.1:8111/`). The
    /// other instances' Platforms are found in its service definition.
    pub platform_url: Url,
    /// Whether people whose account is in another instance are served too: the Connect link
    /// allows the Shell to send them there (`aib=true`), and the `instanceid` the Shell
    /// returns picks the Platform. When false (`aib=false`), only the default instance is
    /// used and a return from any other is refused.
    pub multi_instance_aware: bool,
    /// The application's id, private key and certificate.
    pub credentials: ApplicationCredentials,
    /// The JSON file that keeps each connected record (instance, person id and record id)
    /// across restarts (`haven_sdk::ConnectionStore`). Created when a person connects; its
    /// directory must exist.
    pub data_file: PathBuf,
}

/// The application's routes: `GET /`, `POST /weight` (add a weight), and `GET` and `POST
/// /action`. Every response tells the
/// browser not to cache it and not to send its address (which may hold a user token) as a
/// referrer. Fails only if the HTTP client cannot be built.
pub fn router(config: Config) -> Result<Router, AppError> {
    let state = Arc::new(state::AppState::new(config)?);
    Ok(Router::new()
        .route("/", get(home::home))
        .route("/weight", axum::routing::post(home::add_weight_post))
        .route("/action", get(action::action_get).post(action::action_post))
        .with_state(state)
        .layer(axum::middleware::map_response(private_headers)))
}

/// Serves [`router`] on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> anyhow::Result<()> {
    axum::serve(listener, router(config)?).await?;
    Ok(())
}

/// Adds `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
async fn private_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}
