//! CREATEAPPLICATION: a SODA application's installed copy (a child of the SODA master,
//! created by NewApplicationCreationInfo and provisional until now) is connected by a person.
//! The request names the master (`appid`), the app-creation token the device received
//! (`appCreationToken`) and a name for the device (`instanceName`). Everything is checked
//! before sign-in and again when the consent form comes back: the master is registered, live
//! here and a SODA master, and the token names a pending, unexpired creation of one of its
//! children. The person then consents for that child (see [`crate::consent`]), and accepting
//! completes the creation (at most once) before anything is granted.

use haven_domain::application::Application;
use haven_domain::session::TokenHash;

use super::problem::{RedirectFailure, RedirectProblem};
use super::request::ShellRequest;
use crate::ShellState;

/// The most characters of `instanceName` shown; device names are short.
const MAX_INSTANCE_NAME_CHARS: usize = 80;

/// A pending creation of a SODA child, checked against its master and the clock.
///
/// Invariant: `child.master_id == Some(master.id)`, and the creation behind `token_hash`
/// was pending (not completed, not expired) when it was checked.
#[derive(Debug, Clone)]
pub(crate) struct PendingCreation {
    /// The SODA master the request names.
    pub(crate) master: Application,
    /// The child being created: the application the person authorizes.
    pub(crate) child: Application,
    /// The hash of the app-creation token.
    pub(crate) token_hash: TokenHash,
    /// The device's name, as the request gave it (trimmed, shortened, without control
    /// characters), if it gave one.
    pub(crate) instance_name: Option<String>,
}

impl PendingCreation {
    /// Checks a CREATEAPPLICATION request for `master` (already found registered and live
    /// here): a SODA master, and a token naming a pending creation of one of its children.
    pub(crate) async fn check(
        state: &ShellState,
        request: &ShellRequest,
        master: Application,
    ) -> Result<Self, RedirectFailure> {
        if !master.is_soda || master.master_id.is_some() {
            return Err(RedirectProblem::NotSodaMaster(master.name).into());
        }
        let invalid = || RedirectProblem::CreationTokenInvalid(master.name.clone());
        let token = request.params.get("appcreationtoken").map(repair_token).ok_or_else(invalid)?;
        let token_hash = TokenHash::of_token(&token);
        let now = state.clock.now();
        let creation = state.store.soda_creation(token_hash).await?.ok_or_else(invalid)?;
        if !creation.is_pending_at(now) || creation.master_id != master.id {
            tracing::info!(master = %master.id, "refused a CREATEAPPLICATION token that is spent, expired or another master's");
            return Err(invalid().into());
        }
        let child = state.store.application(creation.application_id).await?.ok_or_else(invalid)?;
        if child.master_id != Some(master.id) {
            return Err(invalid().into());
        }
        let instance_name = request.params.get("instancename").and_then(clean_instance_name);
        Ok(Self { master, child, token_hash, instance_name })
    }

    /// The name the consent screen shows: the master's name, and the device's when it gave
    /// one ("Weight tracker on Ana's phone").
    pub(crate) fn display_name(&self) -> String {
        match &self.instance_name {
            Some(instance_name) => format!("{} on {instance_name}", self.master.name),
            None => self.master.name.clone(),
        }
    }
}

/// The token as the Platform issued it. It is base64, and a client that put it into
/// `targetqs` without encoding it (as the documented example URL does) has its `+` signs
/// read as spaces when `targetqs` is decoded; base64 has no spaces, so they are put back.
fn repair_token(text: &str) -> String {
    text.trim().replace(' ', "+")
}

/// `instanceName` fit to show: trimmed, without control characters, at most
/// [`MAX_INSTANCE_NAME_CHARS`] characters; `None` when nothing is left.
fn clean_instance_name(text: &str) -> Option<String> {
    let cleaned: String =
        text.chars().filter(|character| !character.is_control()).take(MAX_INSTANCE_NAME_CHARS).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_signs_read_as_spaces_are_put_back() {
        let query = "target=CREATEAPPLICATION&targetqs=%3Fappid%3Dx%26appCreationToken%3DAB+c%2Fd%3D%3D";
        let request = ShellRequest::parse(query).unwrap();
        assert_eq!(request.params.get("appcreationtoken"), Some("AB c/d=="), "targetqs decoding reads + as space");
        assert_eq!(repair_token(request.params.get("appcreationtoken").unwrap()), "AB+c/d==");
        let encoded = ShellRequest::parse("target=CREATEAPPLICATION&targetqs=appCreationToken%3DAB%252Bc").unwrap();
        assert_eq!(repair_token(encoded.params.get("appcreationtoken").unwrap()), "AB+c");
    }

    #[test]
    fn instance_names_are_cleaned() {
        assert_eq!(clean_instance_name("  Ana's phone\n"), Some("Ana's phone".to_owned()));
        assert_eq!(clean_instance_name(" \t "), None);
        assert_eq!(clean_instance_name(&"x".repeat(200)).map(|name| name.chars().count()), Some(80));
    }
}
