//! Sharing a record with other people of this instance (issue 8; protocol notes, section 11),
//! and the record's access history.
//!
//! - `manage.rs`: a custodian's sharing page (`/records/{id}/sharing`): who has access and how,
//!   pending invitations, inviting someone by e-mail (view only, view and edit some or all kinds
//!   of information, or custodian; an optional end date), withdrawing an invitation, removing
//!   someone (or leaving a record oneself). The last custodian cannot leave or be removed.
//! - `accept.rs`: the invitee follows the e-mailed link, signs in, and types the code the
//!   custodian gave them by another channel; three wrong codes lock the invitation.
//! - `history.rs`: who read and wrote the record, and when (`/records/{id}/history`).
//!
//! A record is shared only within its instance. Inviting an address whose account lives in
//! another instance is refused with the guidance to open an account here, and that instance
//! learns only that someone asked whether the address has an account there (the usual peer
//! question), nothing about the record. An invitation's link works only here: a person signed
//! in elsewhere is sent here to sign in, and one without an account here is told to open one by
//! choosing a country this instance serves.

mod accept;
mod history;
mod manage;

use axum::Router;
use axum::routing::{get, post};
use haven_domain::auth_rules::Permissions;
use haven_domain::record::RecordMember;
use haven_domain::thing_type;

use crate::ShellState;

/// The sharing and history pages' routes.
pub(crate) fn routes() -> Router<ShellState> {
    Router::new()
        .route("/records/{record_id}/sharing", get(manage::page))
        .route("/records/{record_id}/sharing/invite", post(manage::invite))
        .route("/records/{record_id}/sharing/invitations/{invitation_id}/revoke", post(manage::revoke))
        .route("/records/{record_id}/sharing/members/{person_id}/remove", post(manage::remove))
        .route("/records/{record_id}/history", get(history::page))
        .route("/sharing/accept", get(accept::entry).post(accept::accept))
}

/// What a member may do, in plain words.
pub(crate) fn member_access_text(member: &RecordMember) -> String {
    if member.is_custodian {
        return "Custodian: full control, including sharing".to_owned();
    }
    let Some(rules) = &member.access else { return "Full access".to_owned() };
    let mut editable: Vec<&str> = Vec::new();
    let mut edits_everything = true;
    for thing_type in thing_type::all() {
        let permissions = rules.permissions_for(thing_type.id);
        let edits = permissions.contains(Permissions::CREATE) || permissions.contains(Permissions::UPDATE);
        if edits {
            editable.push(thing_type.name);
        } else {
            edits_everything = false;
        }
    }
    match (editable.is_empty(), edits_everything) {
        (true, _) => "View only".to_owned(),
        (false, true) => "View and edit everything".to_owned(),
        (false, false) => format!("View everything, edit {}", editable.join(", ")),
    }
}
