//! `GET /`: the start page, or, once a person connected, their latest weight read offline.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use haven_sdk::CallAs;

use crate::error::AppError;
use crate::pages::{HomePage, StartPage, WeightView, render_page};
use crate::state::AppState;
use crate::weight::{add_weight, latest_weight, parse_kilograms};
use serde::Deserialize;

/// `GET /`. Shows the most recently connected record, read offline from the Platform of the
/// instance stored with it. Without a stored connection, or when the offline read fails (the
/// person revoked the application's offline access, say, or a Platform is down), it offers
/// to connect.
pub(crate) async fn home(State(state): State<Arc<AppState>>) -> Result<Response, AppError> {
    let Some(stored) = state.store().await?.list().await.pop() else {
        return start_page(&state, None);
    };
    let call_as = CallAs::Offline(stored.person_id);
    let read = async {
        let connection = state.connection(&stored.instance_id).await?;
        let person = connection.person_info(&call_as).await?;
        let weight = latest_weight(&connection, &call_as, stored.record_id).await?;
        Ok::<_, AppError>((person, weight))
    };
    let (person, weight) = match read.await {
        Ok(read) => read,
        Err(AppError::Platform(error)) => {
            tracing::warn!(%error, instance = stored.instance_id.as_str(), "the offline read failed");
            let notice = if error.status().is_some() {
                "Haven did not let this application read your record offline. Connect again to renew its access."
            } else {
                "Haven could not be reached to read your record. Try again later, or connect again."
            };
            return start_page(&state, Some(notice));
        }
        Err(other) => return Err(other),
    };
    let page = HomePage {
        name: person.name,
        weight: WeightView::of(weight.as_ref()),
        connect_url: state.connect_url()?.into(),
        form_token: state.issue_state()?,
    };
    Ok(render_page(&page)?.into_response())
}

/// What the "Add a weight" form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct WeightForm {
    token: String,
    kilograms: String,
}

/// `POST /weight`: adds a weight, measured now (UTC), to the most recently connected record,
/// offline through the Platform of its instance; then back to `GET /`. The form's one-time
/// token (issued with the page) keeps other sites from posting it.
pub(crate) async fn add_weight_post(
    State(state): State<Arc<AppState>>,
    Form(form): Form<WeightForm>,
) -> Result<Response, AppError> {
    if !state.take_state(&form.token) {
        return Err(AppError::StaleForm);
    }
    let kilograms = parse_kilograms(&form.kilograms)?;
    let stored = state.store().await?.list().await.pop().ok_or(AppError::NotConnected)?;
    let connection = state.connection(&stored.instance_id).await?;
    let now = time::OffsetDateTime::now_utc();
    let measured = time::PrimitiveDateTime::new(now.date(), now.time());
    add_weight(&connection, &CallAs::Offline(stored.person_id), stored.record_id, kilograms, measured).await?;
    tracing::info!(instance = stored.instance_id.as_str(), "added a weight offline");
    Ok(Redirect::to("/").into_response())
}

/// The start page with a new "Connect to Haven" link.
fn start_page(state: &AppState, notice: Option<&str>) -> Result<Response, AppError> {
    let page = StartPage { connect_url: state.connect_url()?.into(), notice: notice.map(str::to_owned) };
    Ok(render_page(&page)?.into_response())
}
