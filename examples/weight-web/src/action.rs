//! `/action`, the application's action URL: where the Shell sends the person back, with
//! `target`, `actionqs`, `instanceid` and, on success, `wctoken`, in the query (GET) or as
//! a posted form (`trm=Post`).

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use haven_domain::topology::InstanceId;
use haven_sdk::{CallAs, StoredConnection};

use crate::error::AppError;
use crate::pages::{ConnectedPage, DeclinedPage, OtherTargetPage, SignedOutPage, WeightView, render_page};
use crate::state::AppState;
use crate::weight::latest_weight;

/// The parameters of a return from the Shell. Names and targets are matched without regard
/// to case, as HealthVault's documentation spells them several ways (`instanceId`,
/// `APPAUTHSUCCESS`).
#[derive(Debug)]
struct ReturnFields(Vec<(String, String)>);

impl ReturnFields {
    /// The first non-empty value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(field, value)| field.eq_ignore_ascii_case(name) && !value.trim().is_empty())
            .map(|(_, value)| value.trim())
    }

    /// The value of `name`, which the target needs.
    fn required(&self, name: &'static str) -> Result<&str, AppError> {
        self.get(name).ok_or(AppError::MissingParameter(name))
    }
}

/// `GET /action`.
pub(crate) async fn action_get(
    State(state): State<Arc<AppState>>,
    Query(fields): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    handle_return(&state, ReturnFields(fields)).await
}

/// `POST /action` (the Shell's `trm=Post`).
pub(crate) async fn action_post(
    State(state): State<Arc<AppState>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    handle_return(&state, ReturnFields(fields)).await
}

/// Answers one return from the Shell according to its target.
async fn handle_return(state: &AppState, fields: ReturnFields) -> Result<Response, AppError> {
    let target = fields.get("target").unwrap_or_default();
    if target.eq_ignore_ascii_case("AppAuthSuccess") || target.eq_ignore_ascii_case("SelectedRecordChanged") {
        return connected(state, &fields).await;
    }
    let page = if target.eq_ignore_ascii_case("AppAuthReject") {
        render_page(&DeclinedPage)?
    } else if target.eq_ignore_ascii_case("SignOut") {
        render_page(&SignedOutPage)?
    } else {
        render_page(&OtherTargetPage { target: target.to_owned() })?
    };
    Ok(page.into_response())
}

/// AppAuthSuccess (or SelectedRecordChanged): checks that `actionqs` is a value issued here,
/// asks the Platform of `instanceid` (the instance of the person's account, which may not be
/// the default one) who the person is with the user token, stores the connection with that
/// instance for offline use, and shows the latest weight read online.
async fn connected(state: &AppState, fields: &ReturnFields) -> Result<Response, AppError> {
    let actionqs = fields.get("actionqs").ok_or(AppError::UnknownState)?;
    if !state.take_state(actionqs) {
        return Err(AppError::UnknownState);
    }
    let instance_text = fields.required("instanceid")?;
    let instance_id =
        InstanceId::parse(instance_text).map_err(|_| AppError::UnknownInstance(instance_text.to_owned()))?;
    let wctoken = fields.required("wctoken")?;
    let connection = state.connection(&instance_id).await?;
    let call_as = CallAs::Online(wctoken.to_owned());
    let person = connection.person_info(&call_as).await?;
    let record_id = person
        .selected_record_id
        .or_else(|| person.records.first().map(|record| record.id))
        .ok_or(AppError::NoRecord)?;
    let stored = StoredConnection { instance_id: instance_id.clone(), person_id: person.person_id, record_id };
    state.store().await?.put(stored).await?;
    tracing::info!(instance = instance_id.as_str(), "a person connected");
    let weight = latest_weight(&connection, &call_as, record_id).await?;
    let page = ConnectedPage {
        name: person.name,
        weight: WeightView::of(weight.as_ref()),
        sign_out_url: state.sign_out_url(&instance_id, wctoken).await?.into(),
    };
    Ok(render_page(&page)?.into_response())
}
