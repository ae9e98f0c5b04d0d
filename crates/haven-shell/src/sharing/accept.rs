//! Accepting a sharing invitation: the e-mailed link, sign-in, then the code the custodian gave
//! separately. A right code adds the person to the record with the access the invitation
//! grants, once; three wrong codes lock the invitation
//! ([`haven_domain::sharing::MAX_INVITATION_ATTEMPTS`], counted in the store), and wrong codes
//! and unknown links count towards the per-client limit shared with clinic codes.
//!
//! Any account of this instance may accept (people are often invited at another address than
//! the one they sign in with); the code is what proves the custodian meant them. A link this
//! instance does not know may belong to another instance, which the page explains without
//! asking anyone: the link itself names the instance whose Shell it opens.

use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::session::TokenHash;
use haven_domain::sharing::{InvitationStatus, MAX_INVITATION_ATTEMPTS, SharingCode, SharingInvitation};
use haven_store::StoreError;
use serde::Deserialize;

use crate::connect::{Notice, client};
use crate::error::{ShellError, render};
use crate::records::{moment_text, see_other, sign_in_first};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// The longest link token looked up (ours are 64 hex digits).
const MAX_TOKEN_CHARS: usize = 64;

/// The link's query.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct AcceptQuery {
    invitation: String,
}

/// The code form (no `Debug`: the code must not reach a log).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct AcceptForm {
    csrf: String,
    invitation: String,
    code: String,
}

#[derive(Template)]
#[template(path = "sharing_accept.html")]
struct AcceptPage<'a> {
    chrome: Chrome,
    invitation: &'a str,
    grantor: String,
    record_name: String,
    access: String,
    until: Option<String>,
    error: Option<String>,
    error_count: usize,
}

fn this_page(token: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("/sharing/accept?invitation={encoded}")
}

async fn find(state: &ShellState, token: &str) -> Result<Option<SharingInvitation>, ShellError> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Ok(None);
    }
    Ok(state.store.sharing_invitation_by_link(TokenHash::of_token(token)).await?)
}

fn unknown(state: &ShellState) -> Notice {
    let here = state.instance_name();
    Notice::new(
        StatusCode::NOT_FOUND,
        "This invitation is not known here",
        vec![
            format!(
                "Haven {here} does not know this invitation. Check that you opened the whole link from the e-mail."
            ),
            "A record is shared only within the Haven instance that keeps it, and the invitation's link opens that \
         instance. If you signed in and were sent here from there, your account is kept by another instance: open \
         the link again, and create an account there, choosing as the country where you live one that it serves."
                .to_owned(),
        ],
    )
}

/// The page for an invitation that cannot be accepted, if it cannot.
fn unavailable(invitation: &SharingInvitation, state: &ShellState) -> Option<Notice> {
    let gone = |title: &str, text: String| Some(Notice::new(StatusCode::GONE, title, vec![text]));
    match invitation.status_at(state.clock.now()) {
        InvitationStatus::Pending => None,
        InvitationStatus::Accepted => gone("This invitation was accepted", "It can be accepted only once.".to_owned()),
        InvitationStatus::Revoked => {
            gone("This invitation was withdrawn", "The person who sent it withdrew it. Nothing was shared.".to_owned())
        }
        InvitationStatus::Expired => gone(
            "This invitation has expired",
            "Ask the person who sent it to invite you again. Nothing was shared.".to_owned(),
        ),
        InvitationStatus::Locked => gone(
            "This invitation is locked",
            format!(
                "The code was wrong {MAX_INVITATION_ATTEMPTS} times, so the invitation is locked to keep the record \
                 safe. Ask the person who sent it to invite you again."
            ),
        ),
    }
}

async fn page(
    state: &ShellState,
    visit: &Visit,
    invitation: &SharingInvitation,
    token: &str,
    error: Option<String>,
) -> Result<Response, ShellError> {
    let grantor = state
        .store
        .person(invitation.grantor_id)
        .await?
        .map_or_else(|| "Someone".to_owned(), |person| person.full_name());
    let record_name =
        state.store.record(invitation.record_id).await?.map(|record| record.display_name).unwrap_or_default();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AcceptPage {
        chrome: visit.chrome(state),
        invitation: token,
        grantor,
        record_name,
        access: invitation.access.describe(),
        until: invitation.access_expires_at.map(moment_text),
        error_count: usize::from(error.is_some()),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /sharing/accept?invitation=...`.
pub(crate) async fn entry(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(query): Query<AcceptQuery>,
) -> Result<Response, ShellError> {
    let token: String = query.invitation.trim().chars().take(MAX_TOKEN_CHARS).collect();
    if visit.person.is_none() {
        return Ok(sign_in_first(&this_page(&token)));
    }
    let client = client(&visit, connection);
    let now = state.clock.now();
    if state.connect.is_limited(client, now) {
        return Notice::rate_limited().page(&state, &visit);
    }
    let Some(invitation) = find(&state, &token).await? else {
        state.connect.count_failure(client, now);
        return unknown(&state).page(&state, &visit);
    };
    if let Some(notice) = unavailable(&invitation, &state) {
        return notice.page(&state, &visit);
    }
    page(&state, &visit, &invitation, &token, None).await
}

/// `POST /sharing/accept`: checks the code and adds the person to the record.
pub(crate) async fn accept(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<AcceptForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let client = client(&visit, connection);
    let now = state.clock.now();
    if state.connect.is_limited(client, now) {
        return Notice::rate_limited().page(&state, &visit);
    }
    let token = form.invitation.trim();
    let Some(invitation) = find(&state, token).await? else {
        state.connect.count_failure(client, now);
        return unknown(&state).page(&state, &visit);
    };
    if let Some(notice) = unavailable(&invitation, &state) {
        return notice.page(&state, &visit);
    }
    let right = SharingCode::parse(&form.code).is_ok_and(|code| invitation.code_matches(&code));
    if !right {
        state.connect.count_failure(client, now);
        let failed = state.store.record_wrong_sharing_code(invitation.id).await?;
        tracing::info!(invitation = %invitation.id, failed, "wrong code for a sharing invitation");
        if failed >= MAX_INVITATION_ATTEMPTS {
            let mut locked = invitation.clone();
            locked.failed_attempts = failed;
            return unavailable(&locked, &state).unwrap_or_else(|| unknown(&state)).page(&state, &visit);
        }
        let left = MAX_INVITATION_ATTEMPTS - failed;
        let tries = if left == 1 { "1 more try".to_owned() } else { format!("{left} more tries") };
        let error = format!(
            "That is not the code. Type it as it was given to you, such as ABCD-EFGH. You have {tries}; after that \
             the invitation is locked."
        );
        return page(&state, &visit, &invitation, token, Some(error)).await;
    }
    let member = invitation.new_member(person.id, now);
    match state.store.accept_sharing_invitation(invitation.id, &member, now).await {
        Ok(()) => {
            tracing::info!(person = %person.id, record = %invitation.record_id, invitation = %invitation.id, "sharing invitation accepted");
            Ok(see_other(&format!("/records/{}", invitation.record_id)))
        }
        Err(StoreError::AlreadyMember) => Notice::new(
            StatusCode::CONFLICT,
            "You have access already",
            vec!["You can use this record already, so the invitation was not used.".to_owned()],
        )
        .link(format!("/records/{}", invitation.record_id), "Open the record")
        .page(&state, &visit),
        Err(StoreError::SharingInvitationUnavailable) => {
            let current = find(&state, token).await?.unwrap_or(invitation);
            unavailable(&current, &state).unwrap_or_else(|| unknown(&state)).page(&state, &visit)
        }
        Err(error) => Err(error.into()),
    }
}
