//! `GET /`: the start page, or, once a person connected, their latest weight read offline.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use haven_sdk::CallAs;

use crate::data_file;
use crate::error::AppError;
use crate::pages::{HomePage, StartPage, WeightView, render_page};
use crate::state::AppState;
use crate::weight::latest_weight;

/// `GET /`. Without a stored connection, or when the offline read fails (the person revoked
/// the application's offline access, say, or the Platform is down), it offers to connect.
pub(crate) async fn home(State(state): State<Arc<AppState>>) -> Result<Response, AppError> {
    let Some(stored) = data_file::load(&state.config.data_file).await? else {
        return start_page(&state, None);
    };
    let connection = state.connection(&stored.instance_id)?;
    let call_as = CallAs::Offline(stored.person_id);
    let read = async {
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
    };
    Ok(render_page(&page)?.into_response())
}

/// The start page with a new "Connect to Haven" link.
fn start_page(state: &AppState, notice: Option<&str>) -> Result<Response, AppError> {
    let page = StartPage { connect_url: state.connect_url()?.into(), notice: notice.map(str::to_owned) };
    Ok(render_page(&page)?.into_response())
}
