//! The Shell: the web pages people use (sign-up, sign-in, records, consent...). For now it
//! serves the instance's home page, which names the instance and links to the others,
//! and a health endpoint.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use haven_domain::topology::{Instance, InstanceId, Topology};

/// What the Shell needs to answer requests.
#[derive(Debug, Clone)]
pub struct ShellState {
    /// The instance this Shell belongs to.
    pub instance_id: InstanceId,
    /// The whole topology.
    pub topology: Arc<Topology>,
}

impl ShellState {
    fn instance(&self) -> Option<&Instance> {
        self.topology.instance(&self.instance_id)
    }
}

/// The Shell's routes.
pub fn router(state: ShellState) -> Router {
    Router::new().route("/", get(home)).route("/healthz", get(health)).with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    instance: &'a Instance,
    others: Vec<&'a Instance>,
}

async fn home(State(state): State<ShellState>) -> Response {
    let Some(instance) = state.instance() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "this instance is missing from the topology").into_response();
    };
    let others = state.topology.instances().iter().filter(|other| other.id != instance.id).collect();
    match (HomePage { instance, others }).render() {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering the home page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use haven_domain::topology::EXAMPLE_TOML;
    use tower::ServiceExt;

    fn state() -> ShellState {
        ShellState {
            instance_id: InstanceId::parse("1").unwrap(),
            topology: Arc::new(
                Topology::from_toml("topology.toml", &EXAMPLE_TOML.replace("EU instance", "EU <instance>")).unwrap(),
            ),
        }
    }

    #[tokio::test]
    async fn home_page_names_the_instance_and_links_the_others() {
        let response = router(state()).oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
        assert!(body.contains("<h1>Haven US</h1>"), "{body}");
        assert!(body.contains("href=\"http://127.0.0.1:8120/\""), "{body}");
        assert!(
            body.contains("EU &#60;instance&#62;") || body.contains("EU &lt;instance&gt;"),
            "text is escaped: {body}"
        );
    }

    #[tokio::test]
    async fn health_answers_ok() {
        let response = router(state()).oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
