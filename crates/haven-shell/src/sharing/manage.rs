//! A custodian's sharing page: the record's members and pending invitations, the invitation
//! form, and withdrawing access.
//!
//! An invitation is two secrets sent by two channels: the e-mailed link (a random token) and a
//! short code the custodian reads on the page after inviting and passes on themself (by phone,
//! in person). Only their hashes are stored. Choices where the documentation is silent: access
//! "until" a date lasts to the end of that day in UTC; a custodian may remove any member,
//! another member only themself (leaving the record); removing someone also withdraws the
//! applications they authorized on the record.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::ids::{PersonId, ThingTypeId};
use haven_domain::person::EmailAddress;
use haven_domain::record::{Record, Relationship};
use haven_domain::session::TokenHash;
use haven_domain::sharing::{
    InvitationStatus, MAX_INVITATION_NAME_CHARS, ShareAccess, SharingCode, SharingInvitation, SharingInvitationDraft,
    SharingInvitationId,
};
use haven_domain::thing_type;
use haven_mail::notification;
use haven_store::StoreError;
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time};

use super::member_access_text;
use crate::connect::Notice;
use crate::error::{ShellError, render};
use crate::form::{FieldErrors, local_path};
use crate::peers::AccountLocation;
use crate::records::create::CHOOSABLE_RELATIONSHIPS;
use crate::records::{OpenRecord, moment_text, open_record, read_only_page, see_other, sign_in_first};
use crate::tokens::{new_token, random_bytes};
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// A member as the page lists them.
#[derive(Debug)]
struct MemberRow {
    name: String,
    email: String,
    access: String,
    until: Option<String>,
    is_you: bool,
    remove_path: String,
}

/// A pending invitation as the page lists it.
#[derive(Debug)]
struct InvitationRow {
    name: String,
    email: String,
    access: String,
    until: Option<String>,
    invitation_expires: String,
    revoke_path: String,
}

/// A kind of information the invitee may be allowed to edit.
#[derive(Debug)]
struct TypeChoice {
    id: String,
    name: &'static str,
    checked: bool,
}

/// A relationship in the invitation form.
#[derive(Debug)]
struct RelationshipChoice {
    value: i32,
    name: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "record_sharing.html")]
struct SharingPage<'a> {
    chrome: Chrome,
    record: &'a Record,
    record_path: String,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    form: &'a InviteForm,
    relationships: Vec<RelationshipChoice>,
    types: Vec<TypeChoice>,
    errors: FieldErrors,
    problem: Option<String>,
    notice: Option<&'static str>,
}

/// What the invitation form sends.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct InviteForm {
    csrf: String,
    email: String,
    name: String,
    relationship: String,
    access: String,
    edit_types: Vec<String>,
    until: String,
    /// Where to go on after inviting (SHARERECORD's way back to the application), a path on
    /// this Shell.
    next: String,
}

/// Notices after an action.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct SharingQuery {
    revoked: Option<String>,
    removed: Option<String>,
    next: Option<String>,
}

/// Opens the record for its custodian, or answers for anyone else.
async fn open_for_custodian(
    state: &ShellState,
    visit: &Visit,
    record_id: &str,
) -> Result<Result<OpenRecord, Response>, ShellError> {
    let here = format!("/records/{record_id}/sharing");
    let Some(person) = &visit.person else { return Ok(Err(sign_in_first(&here))) };
    let open = open_record(state, person, record_id).await?;
    if !open.can_manage() {
        return Ok(Err(read_only_page(state, visit, &open)?));
    }
    Ok(Ok(open))
}

/// The page, with the form as given and its messages.
async fn sharing_page(
    state: &ShellState,
    visit: &Visit,
    open: &OpenRecord,
    form: &InviteForm,
    errors: FieldErrors,
    problem: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, ShellError> {
    let now = state.clock.now();
    let record_path = open.path();
    let mut members = Vec::new();
    for member in state.store.record_members(open.record.id).await? {
        if !member.is_active_at(now) {
            continue;
        }
        let person = state.store.person(member.person_id).await?;
        let (name, email) = person.map_or_else(
            || ("(unknown)".to_owned(), String::new()),
            |person| (person.full_name(), person.sign_in_email.as_str().to_owned()),
        );
        members.push(MemberRow {
            name,
            email,
            access: member_access_text(&member),
            until: member.expires_at.map(moment_text),
            is_you: member.person_id == open.person.id,
            remove_path: format!("{record_path}/sharing/members/{}/remove", member.person_id),
        });
    }
    let invitations = state
        .store
        .sharing_invitations_of_record(open.record.id)
        .await?
        .into_iter()
        .filter(|invitation| invitation.status_at(now) == InvitationStatus::Pending)
        .map(|invitation| InvitationRow {
            name: invitation.invitee_name.clone(),
            email: invitation.invitee_email.as_str().to_owned(),
            access: invitation.access.describe(),
            until: invitation.access_expires_at.map(moment_text),
            invitation_expires: moment_text(invitation.expires_at),
            revoke_path: format!("{record_path}/sharing/invitations/{}/revoke", invitation.id),
        })
        .collect();
    let chosen_relationship: Option<i32> = form.relationship.parse().ok();
    let relationships = CHOOSABLE_RELATIONSHIPS
        .iter()
        .map(|relationship| RelationshipChoice {
            value: relationship.0,
            name: relationship.name(),
            selected: chosen_relationship == Some(relationship.0),
        })
        .collect();
    let types = thing_type::all()
        .iter()
        .map(|thing_type| TypeChoice {
            id: thing_type.id.to_string(),
            name: thing_type.name,
            checked: form.edit_types.iter().any(|chosen| *chosen == thing_type.id.to_string()),
        })
        .collect();
    let status = if errors.is_empty() && problem.is_none() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = SharingPage {
        chrome: visit.chrome(state),
        record: &open.record,
        record_path,
        members,
        invitations,
        form,
        relationships,
        types,
        errors,
        problem,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /records/{id}/sharing`.
pub(crate) async fn page(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
    Query(query): Query<SharingQuery>,
) -> Result<Response, ShellError> {
    let open = match open_for_custodian(&state, &visit, &record_id).await? {
        Ok(open) => open,
        Err(page) => return Ok(page),
    };
    let notice = if query.revoked.is_some() {
        Some("The invitation was withdrawn.")
    } else {
        query.removed.is_some().then_some("Their access was removed, with the applications they had allowed.")
    };
    let next = query.next.as_deref().map(|next| local_path(next, "")).unwrap_or_default();
    let form = InviteForm { access: "view".to_owned(), next, ..InviteForm::default() };
    sharing_page(&state, &visit, &open, &form, FieldErrors::default(), None, notice).await
}

/// The end of the access for an "until" date: the end of that day in UTC.
fn access_end(until: Date) -> OffsetDateTime {
    until.next_day().unwrap_or(until).with_time(Time::MIDNIGHT).assume_utc()
}

/// Reads the form into an access, an end and a relationship, adding messages for mistakes.
fn read_form(
    form: &InviteForm,
    now: OffsetDateTime,
    errors: &mut FieldErrors,
) -> Option<(ShareAccess, Option<OffsetDateTime>, Relationship)> {
    let access = match form.access.as_str() {
        "view" => Some(ShareAccess::ViewOnly),
        "custodian" => Some(ShareAccess::Custodian),
        "edit" => {
            let mut type_ids = std::collections::BTreeSet::new();
            for text in &form.edit_types {
                match ThingTypeId::parse(text).ok().filter(|id| thing_type::by_id(*id).is_some()) {
                    Some(type_id) => {
                        type_ids.insert(type_id);
                    }
                    None => errors.add("access", "Choose kinds of information from the list."),
                }
            }
            Some(ShareAccess::ViewAndEdit { type_ids })
        }
        _ => {
            errors.add("access", "Choose what they may do.");
            None
        }
    };
    let until = match form.until.trim() {
        "" => None,
        text => match Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")) {
            Ok(date) if access_end(date) > now => Some(access_end(date)),
            Ok(_) => {
                errors.add("until", "The end date must be today or later.");
                None
            }
            Err(_) => {
                errors.add("until", "Enter the date as year-month-day, for example 2027-03-31.");
                None
            }
        },
    };
    let relationship = form
        .relationship
        .parse::<i32>()
        .ok()
        .map(Relationship)
        .filter(|relationship| CHOOSABLE_RELATIONSHIPS.contains(relationship));
    if relationship.is_none() {
        errors.add("relationship", "Choose how they relate to the person this record is about.");
    }
    Some((access?, until, relationship?))
}

#[derive(Template)]
#[template(path = "sharing_invited.html")]
struct InvitedPage<'a> {
    chrome: Chrome,
    record_path: String,
    name: &'a str,
    email: &'a str,
    code: String,
    access: String,
    expires: String,
    /// Back to the application that asked for the sharing (SHARERECORD), if one did.
    next: Option<String>,
}

/// `POST /records/{id}/sharing/invite`.
pub(crate) async fn invite(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path(record_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let open = match open_for_custodian(&state, &visit, &record_id).await? {
        Ok(open) => open,
        Err(page) => return Ok(page),
    };
    let now = state.clock.now();
    let mut errors = FieldErrors::default();
    let email = EmailAddress::parse(&form.email).ok();
    if email.is_none() {
        errors.add("email", "Enter their e-mail address, such as name@example.org.");
    }
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > MAX_INVITATION_NAME_CHARS {
        errors.add("name", format!("Enter their name, at most {MAX_INVITATION_NAME_CHARS} characters."));
    }
    let read = read_form(&form, now, &mut errors);
    if email.as_ref() == Some(&open.person.sign_in_email) {
        errors.add("email", "This is your own address: you have access already.");
    }
    let (Some(email), Some((access, until, relationship)), true) = (email, read, errors.is_empty()) else {
        return sharing_page(&state, &visit, &open, &form, errors, None, None).await;
    };
    let invitee_here = state.store.person_by_email(&email).await?;
    if let Some(invitee) = &invitee_here
        && let Some(member) = state.store.record_member(open.record.id, invitee.id).await?
        && member.is_active_at(now)
    {
        errors.add("email", "This person has access to the record already.");
        return sharing_page(&state, &visit, &open, &form, errors, None, None).await;
    }
    if invitee_here.is_none() {
        match state.locate_account(&email).await {
            AccountLocation::Nowhere => {}
            AccountLocation::Elsewhere(there) => {
                let here = state.instance_name();
                let problem = format!(
                    "The account of {email} is kept by Haven {there_name}, and a record can be shared only with \
                     accounts kept where the record is, at Haven {here}. Nothing was shared. Ask them to create an \
                     account at Haven {here} with another e-mail address, choosing as the country where they live \
                     one that Haven {here} serves, then invite that address.",
                    email = email.as_str(),
                    there_name = there.name,
                );
                tracing::info!(record = %open.record.id, "an invitation to an account of another instance was refused");
                return sharing_page(&state, &visit, &open, &form, FieldErrors::default(), Some(problem), None).await;
            }
            AccountLocation::Unknown(_) => {
                let problem = "Haven cannot check right now whether this address has an account in another Haven \
                               instance, so nothing was shared. Try again in a few minutes."
                    .to_owned();
                return sharing_page(&state, &visit, &open, &form, FieldErrors::default(), Some(problem), None).await;
            }
        }
    }
    let Some(mail) = &state.mail else {
        let problem = "This Haven instance cannot send e-mail, so it cannot send invitations.".to_owned();
        return sharing_page(&state, &visit, &open, &form, FieldErrors::default(), Some(problem), None).await;
    };
    let link_token = new_token()?;
    let code = SharingCode::from_random(random_bytes()?);
    let draft = SharingInvitationDraft {
        record_id: open.record.id,
        grantor_id: open.person.id,
        invitee_email: email.clone(),
        invitee_name: name.to_owned(),
        relationship,
        access,
        access_expires_at: until,
    };
    let id = SharingInvitationId::from_uuid(uuid::Uuid::new_v4());
    let invitation = match SharingInvitation::create(id, draft, TokenHash::of_token(&link_token), code.hash(), now) {
        Ok(invitation) => invitation,
        Err(error) => {
            errors.add("name", format!("This invitation cannot be made: {error}."));
            return sharing_page(&state, &visit, &open, &form, errors, None, None).await;
        }
    };
    state.store.create_sharing_invitation(&invitation).await?;
    let link = state.shell_link(&format!("sharing/accept?invitation={link_token}"));
    let text = format!(
        "Hello {name},\r\n\r\n{grantor} invites you to use the health record \"{record}\" in Haven {instance}, with this \
         access: {access}.\r\n\r\nTo accept, open this link and sign in, or create an account if you have none:\r\n\r\n\
         {link}\r\n\r\nYou will be asked for a code that {grantor} gives you separately; it is not in this e-mail. The \
         invitation can be accepted until {expires}.\r\n",
        grantor = open.person.full_name(),
        record = open.record.display_name,
        instance = state.instance_name(),
        access = invitation.access.describe(),
        expires = moment_text(invitation.expires_at),
    );
    let sent = match notification(&mail.from, email.as_str(), "A health record was shared with you", &text) {
        Ok(message) => mail.mailer.send(message).await.map_err(|error| error.to_string()),
        Err(error) => Err(error.to_string()),
    };
    if let Err(error) = sent {
        tracing::warn!(record = %open.record.id, invitation = %invitation.id, %error, "the invitation e-mail was not sent");
        state.store.revoke_sharing_invitation(open.record.id, invitation.id, now).await?;
        let problem = "The invitation e-mail could not be sent, so nothing was shared. Try again later.".to_owned();
        return sharing_page(&state, &visit, &open, &form, FieldErrors::default(), Some(problem), None).await;
    }
    tracing::info!(record = %open.record.id, invitation = %invitation.id, "record sharing invitation sent");
    let page = InvitedPage {
        chrome: visit.chrome(&state),
        record_path: open.path(),
        name,
        email: email.as_str(),
        code: code.as_display().to_owned(),
        access: invitation.access.describe(),
        expires: moment_text(invitation.expires_at),
        next: Some(local_path(&form.next, "")).filter(|next| !next.is_empty()),
    };
    Ok(render(&page)?.into_response())
}

/// The form of the action buttons.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ActionForm {
    csrf: String,
}

/// `POST /records/{id}/sharing/invitations/{invitation}/revoke`.
pub(crate) async fn revoke(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((record_id, invitation_id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let open = match open_for_custodian(&state, &visit, &record_id).await? {
        Ok(open) => open,
        Err(page) => return Ok(page),
    };
    let id = uuid::Uuid::parse_str(&invitation_id).map_err(|_| ShellError::NotFound)?;
    let revoked = state
        .store
        .revoke_sharing_invitation(open.record.id, SharingInvitationId::from_uuid(id), state.clock.now())
        .await?;
    if revoked {
        tracing::info!(record = %open.record.id, invitation = %invitation_id, "sharing invitation withdrawn");
    }
    Ok(see_other(&format!("{}/sharing?revoked=1", open.path())))
}

/// `POST /records/{id}/sharing/members/{person}/remove`: a custodian removes someone, or a
/// member leaves.
pub(crate) async fn remove(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Path((record_id, person_id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let open = open_record(&state, person, &record_id).await?;
    let target = PersonId::parse(&person_id).map_err(|_| ShellError::NotFound)?;
    let leaving = target == person.id;
    if !leaving && !open.can_manage() {
        return read_only_page(&state, &visit, &open);
    }
    match state.store.remove_record_member(open.record.id, target, state.clock.now()).await {
        Ok(true) => {
            tracing::info!(record = %open.record.id, person = %target, leaving, "record access removed");
            Ok(see_other(&if leaving { "/records".to_owned() } else { format!("{}/sharing?removed=1", open.path()) }))
        }
        Ok(false) => Err(ShellError::NotFound),
        Err(StoreError::LastCustodian) => Notice::new(
            StatusCode::CONFLICT,
            "The last custodian cannot leave",
            vec![
                "A record always has at least one custodian, who looks after it and decides who may use it. Nothing \
                 was changed."
                    .to_owned(),
                "To leave, first invite someone as custodian; once they have accepted, you can leave or be removed."
                    .to_owned(),
            ],
        )
        .link(format!("{}/sharing", open.path()), "Back to sharing")
        .page(&state, &visit),
        Err(error) => Err(error.into()),
    }
}
