//! Record sharing (protocol notes, section 11): a custodian invites a person by e-mail to a
//! record, choosing what they may do ([`ShareAccess`]) and, optionally, when that access ends.
//! The e-mail carries a link with a random token; the grantor passes on a short
//! [`SharingCode`] separately, which the invitee types after signing in. Both are kept only as
//! hashes. Accepting makes the invitee a [`RecordMember`] with the granted access
//! ([`SharingInvitation::new_member`]); the store re-checks the invitation's status under its
//! write lock, so an invitation is accepted at most once.
//!
//! The limits are [`INVITATION_LIFETIME`], [`MAX_INVITATION_ATTEMPTS`] and
//! [`MAX_INVITATION_NAME_CHARS`].

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use crate::connect::CodeSpelling;
use crate::direct::uuid_id;
use crate::ids::{PersonId, RecordId, ThingTypeId};
use crate::person::EmailAddress;
use crate::record::{RecordMember, Relationship};
use crate::session::TokenHash;
use crate::thing_type;

/// How long an invitation waits to be accepted: 14 days from its creation. After it the link
/// and the code are refused and the grantor invites again.
pub const INVITATION_LIFETIME: Duration = Duration::days(14);

/// Wrong codes allowed for one invitation: the third wrong code locks it for good.
pub const MAX_INVITATION_ATTEMPTS: u32 = 3;

/// The longest name a grantor may give the invitee (what they call them), in characters.
pub const MAX_INVITATION_NAME_CHARS: usize = 100;

/// Symbols in a [`SharingCode`].
pub const SHARING_CODE_CHARS: usize = 8;

/// The name of the rule that lets a shared member read.
pub const VIEW_RULE: &str = "view";

/// The name of the rule that lets a shared member create, update and delete.
pub const EDIT_RULE: &str = "edit";

/// How sharing codes are spelled: digits and capitals without the look-alikes 0, O, 1, I and
/// L (31 symbols), in two groups of four.
const SPELLING: CodeSpelling =
    CodeSpelling { alphabet: b"23456789ABCDEFGHJKMNPQRSTUVWXYZ", length: SHARING_CODE_CHARS, group: 4 };

uuid_id!(
    /// A sharing invitation's id (the store's key; links carry a token, never the id).
    SharingInvitationId
);

/// What a person may do on a record shared with them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShareAccess {
    /// Read every thing; change nothing.
    ViewOnly,
    /// Read every thing, and create, update and delete things of the listed types.
    ViewAndEdit {
        /// The types they may change; empty means every type.
        type_ids: BTreeSet<ThingTypeId>,
    },
    /// Full control, including sharing (and removing other custodians).
    Custodian,
}

impl ShareAccess {
    /// The rules that limit a member with this access ([`RecordMember::access`]): `None` for a
    /// custodian (no limit); a [`VIEW_RULE`] giving READ on every type; and for view and edit
    /// an [`EDIT_RULE`] giving CREATE, UPDATE and DELETE on the listed types (or every type).
    pub fn member_access(&self) -> Option<RuleSet> {
        let edited = match self {
            Self::Custodian => return None,
            Self::ViewOnly => None,
            Self::ViewAndEdit { type_ids } => Some(type_ids.clone()),
        };
        let mut rules = vec![shared_rule(VIEW_RULE, Permissions::READ, BTreeSet::new())];
        if let Some(type_ids) = edited {
            let change = Permissions::CREATE.union(Permissions::UPDATE).union(Permissions::DELETE);
            rules.push(shared_rule(EDIT_RULE, change, type_ids));
        }
        Some(RuleSet { rules })
    }

    /// Whether it makes the invitee a custodian.
    pub fn is_custodian(&self) -> bool {
        matches!(self, Self::Custodian)
    }

    /// The access in plain words for pages and e-mails: "view only", "view and edit weight
    /// and blood pressure", "custodian: full control, including sharing". Types are named as
    /// the registry names them, in its order.
    pub fn describe(&self) -> String {
        match self {
            Self::ViewOnly => "view only".to_owned(),
            Self::ViewAndEdit { type_ids } if type_ids.is_empty() => "view and edit everything".to_owned(),
            Self::ViewAndEdit { type_ids } => {
                let mut names: Vec<String> = thing_type::all()
                    .iter()
                    .filter(|thing_type| type_ids.contains(&thing_type.id))
                    .map(|thing_type| plain_name(thing_type.name))
                    .collect();
                // Types the registry does not know are named by id, after the others.
                names.extend(
                    type_ids
                        .iter()
                        .filter(|type_id| thing_type::by_id(**type_id).is_none())
                        .map(|type_id| format!("type {type_id}")),
                );
                format!("view and edit {}", join_in_words(&names))
            }
            Self::Custodian => "custodian: full control, including sharing".to_owned(),
        }
    }
}

/// A rule of a shared member's access, on `type_ids` (empty: every type).
fn shared_rule(name: &str, permissions: Permissions, type_ids: BTreeSet<ThingTypeId>) -> AuthRule {
    AuthRule {
        name: name.to_owned(),
        reason: "granted by a custodian who shared the record".to_owned(),
        is_optional: false,
        is_incremental: false,
        display_flags: 0,
        permissions,
        target_sets: vec![TargetSet { type_ids, date_ranges: Vec::new() }],
        exception_sets: Vec::new(),
    }
}

/// A type's registry name as it reads inside a sentence: the first letter lower-cased, unless
/// the first word is an abbreviation with more capitals or digits ("HbA1C").
fn plain_name(name: &str) -> String {
    let first_word = name.split(' ').next().unwrap_or_default();
    let abbreviation =
        first_word.chars().skip(1).any(|character| character.is_ascii_uppercase() || character.is_ascii_digit());
    let mut characters = name.chars();
    match characters.next() {
        Some(first) if !abbreviation => first.to_lowercase().chain(characters).collect(),
        _ => name.to_owned(),
    }
}

/// "a", "a and b", "a, b and c".
fn join_in_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A short code the invitee types to accept an invitation, passed on by the grantor apart
/// from the e-mailed link: [`SHARING_CODE_CHARS`] symbols from an alphabet without look-alikes
/// (no 0, O, 1, I or L), shown as `ABCD-EFGH`.
///
/// Invariant: held in its canonical form (capitals, one hyphen), so equal codes compare and
/// hash alike however they were typed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SharingCode(String);

/// Why a text is not a sharing code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SharingCodeError {
    /// Something other than the code's symbols, hyphens and spaces, or the wrong number of
    /// symbols.
    #[error("a sharing code is 8 letters and digits, such as ABCD-EF23")]
    Malformed,
}

impl SharingCode {
    /// The code for 128 random bits (the caller draws them; the domain does no randomness).
    /// The number is reduced modulo the 31^8 codes, a bias below one in 10^26.
    pub fn from_random(random: [u8; 16]) -> Self {
        Self(SPELLING.draw(random))
    }

    /// Reads a code as a person types it: either case, with or without hyphens and spaces.
    pub fn parse(text: &str) -> Result<Self, SharingCodeError> {
        SPELLING.parse(text).map(Self).ok_or(SharingCodeError::Malformed)
    }

    /// The code as shown to the grantor, e.g. `ABCD-EF23`.
    pub fn as_display(&self) -> &str {
        &self.0
    }

    /// The hash the store keeps instead of the code: of the canonical form.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of_token(&self.0)
    }
}

impl fmt::Debug for SharingCode {
    // The code is a secret: logs never see it.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("SharingCode(…)")
    }
}

/// What a custodian asks for when inviting someone; [`SharingInvitation::create`] checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingInvitationDraft {
    /// The record shared.
    pub record_id: RecordId,
    /// The custodian inviting.
    pub grantor_id: PersonId,
    /// Where the invitation goes.
    pub invitee_email: EmailAddress,
    /// What the grantor calls the invitee (shown in the e-mail and the record's sharing page).
    pub invitee_name: String,
    /// How the invitee relates to the record's subject.
    pub relationship: Relationship,
    /// What the invitee may do.
    pub access: ShareAccess,
    /// When the granted access ends; `None` for never.
    pub access_expires_at: Option<OffsetDateTime>,
}

/// Why an invitation cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharingInvitationError {
    /// The invitee's name is empty.
    #[error("give the name of the person you are inviting")]
    EmptyName,
    /// The invitee's name is longer than [`MAX_INVITATION_NAME_CHARS`].
    #[error("the name is longer than {MAX_INVITATION_NAME_CHARS} characters")]
    NameTooLong,
    /// The invitee's name holds a line break or another control character.
    #[error("the name may not hold line breaks or control characters")]
    InvalidName,
    /// The access would end at or before the invitation is made.
    #[error("the access must end in the future")]
    AccessAlreadyExpired,
    /// View and edit names a type the registry does not know.
    #[error("thing type {0} is not known here")]
    UnknownThingType(ThingTypeId),
}

/// An invitation to share a record, as stored.
///
/// Invariants: the link token and the code are kept only as hashes; `expires_at` is
/// `created_at` + [`INVITATION_LIFETIME`]; `access_expires_at`, if any, was after
/// `created_at`; `accepted` and `revoked_at` are never both set, and once either is set
/// nothing else changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingInvitation {
    /// Its id.
    pub id: SharingInvitationId,
    /// The record shared.
    pub record_id: RecordId,
    /// The custodian who invited.
    pub grantor_id: PersonId,
    /// Where the invitation went.
    pub invitee_email: EmailAddress,
    /// What the grantor calls the invitee (trimmed).
    pub invitee_name: String,
    /// How the invitee relates to the record's subject.
    pub relationship: Relationship,
    /// What the invitee may do once accepted.
    pub access: ShareAccess,
    /// When the granted access ends; `None` for never.
    pub access_expires_at: Option<OffsetDateTime>,
    /// Hash of the random token in the e-mailed link.
    pub link_hash: TokenHash,
    /// Hash of the [`SharingCode`] the grantor passes on separately.
    pub code_hash: TokenHash,
    /// When the grantor invited.
    pub created_at: OffsetDateTime,
    /// When the invitation itself lapses unaccepted.
    pub expires_at: OffsetDateTime,
    /// Wrong codes typed so far; at [`MAX_INVITATION_ATTEMPTS`] it is locked.
    pub failed_attempts: u32,
    /// Who accepted and when.
    pub accepted: Option<(PersonId, OffsetDateTime)>,
    /// When a custodian revoked it before acceptance.
    pub revoked_at: Option<OffsetDateTime>,
}

/// Where an invitation stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationStatus {
    /// Waiting for the invitee.
    Pending,
    /// Accepted (once, for good).
    Accepted,
    /// Revoked by a custodian before acceptance.
    Revoked,
    /// Its lifetime, or the access it offers, is over.
    Expired,
    /// Too many wrong codes: it can no longer be accepted.
    Locked,
}

impl SharingInvitation {
    /// When an invitation made at `created_at` lapses.
    pub fn expiry_for(created_at: OffsetDateTime) -> OffsetDateTime {
        created_at + INVITATION_LIFETIME
    }

    /// A new pending invitation made at `now`, with the generated id and the hashes of the
    /// link token and the code. The name is trimmed; see [`SharingInvitationError`] for what
    /// is refused.
    pub fn create(
        id: SharingInvitationId,
        draft: SharingInvitationDraft,
        link_hash: TokenHash,
        code_hash: TokenHash,
        now: OffsetDateTime,
    ) -> Result<Self, SharingInvitationError> {
        let invitee_name = draft.invitee_name.trim().to_owned();
        if invitee_name.is_empty() {
            return Err(SharingInvitationError::EmptyName);
        }
        if invitee_name.chars().count() > MAX_INVITATION_NAME_CHARS {
            return Err(SharingInvitationError::NameTooLong);
        }
        if invitee_name.chars().any(char::is_control) {
            return Err(SharingInvitationError::InvalidName);
        }
        if draft.access_expires_at.is_some_and(|access_expires_at| access_expires_at <= now) {
            return Err(SharingInvitationError::AccessAlreadyExpired);
        }
        if let ShareAccess::ViewAndEdit { type_ids } = &draft.access
            && let Some(unknown) = type_ids.iter().find(|type_id| thing_type::by_id(**type_id).is_none())
        {
            return Err(SharingInvitationError::UnknownThingType(*unknown));
        }
        Ok(Self {
            id,
            record_id: draft.record_id,
            grantor_id: draft.grantor_id,
            invitee_email: draft.invitee_email,
            invitee_name,
            relationship: draft.relationship,
            access: draft.access,
            access_expires_at: draft.access_expires_at,
            link_hash,
            code_hash,
            created_at: now,
            expires_at: Self::expiry_for(now),
            failed_attempts: 0,
            accepted: None,
            revoked_at: None,
        })
    }

    /// Its status at `now`: acceptance and revocation are final; then the lock; then expiry,
    /// of the invitation or of the access it offers (accepting it would grant nothing).
    pub fn status_at(&self, now: OffsetDateTime) -> InvitationStatus {
        let access_over = self.access_expires_at.is_some_and(|access_expires_at| now >= access_expires_at);
        if self.accepted.is_some() {
            InvitationStatus::Accepted
        } else if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if self.failed_attempts >= MAX_INVITATION_ATTEMPTS {
            InvitationStatus::Locked
        } else if now >= self.expires_at || access_over {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }

    /// Whether `code` is the invitation's code.
    pub fn code_matches(&self, code: &SharingCode) -> bool {
        code.hash() == self.code_hash
    }

    /// The membership `person_id` gets by accepting at `now`: custodian or not, the
    /// relationship, the access rules, and the access's end.
    pub fn new_member(&self, person_id: PersonId, now: OffsetDateTime) -> RecordMember {
        RecordMember {
            record_id: self.record_id,
            person_id,
            is_custodian: self.access.is_custodian(),
            relationship: self.relationship,
            granted_at: now,
            expires_at: self.access_expires_at,
            access: self.access.member_access(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::person_permissions;
    use crate::thing_type::{BLOOD_PRESSURE, HBA1C, HEIGHT, WEIGHT};
    use time::macros::datetime;
    use uuid::uuid;

    const NOW: OffsetDateTime = datetime!(2026-11-01 9:00 UTC);

    fn draft(access: ShareAccess) -> SharingInvitationDraft {
        SharingInvitationDraft {
            record_id: RecordId::from_uuid(uuid!("20000000-0000-0000-0000-000000000001")),
            grantor_id: PersonId::from_uuid(uuid!("10000000-0000-0000-0000-000000000001")),
            invitee_email: EmailAddress::parse("bo@example.org").unwrap(),
            invitee_name: "  Bo Chen ".to_owned(),
            relationship: Relationship::SPOUSE,
            access,
            access_expires_at: None,
        }
    }

    fn invitation(access: ShareAccess) -> SharingInvitation {
        SharingInvitation::create(
            SharingInvitationId::from_uuid(uuid!("50000000-0000-0000-0000-000000000001")),
            draft(access),
            TokenHash::of_token("link-token"),
            SharingCode::parse("ABCD-EF23").unwrap().hash(),
            NOW,
        )
        .unwrap()
    }

    fn types(type_ids: &[ThingTypeId]) -> BTreeSet<ThingTypeId> {
        type_ids.iter().copied().collect()
    }

    #[test]
    fn view_only_reads_every_type_and_changes_none() {
        let rules = ShareAccess::ViewOnly.member_access().unwrap();
        assert_eq!(rules.validate(), Ok(()));
        assert_eq!(rules.rules.iter().map(|rule| rule.name.as_str()).collect::<Vec<_>>(), vec![VIEW_RULE]);
        for type_id in [WEIGHT, HEIGHT, BLOOD_PRESSURE] {
            assert_eq!(rules.permissions_for(type_id), Permissions::READ);
        }
    }

    #[test]
    fn view_and_edit_changes_the_listed_types_or_every_type() {
        let listed = ShareAccess::ViewAndEdit { type_ids: types(&[WEIGHT, BLOOD_PRESSURE]) }.member_access().unwrap();
        assert_eq!(listed.validate(), Ok(()));
        assert_eq!(listed.permissions_for(WEIGHT), Permissions::ALL);
        assert_eq!(listed.permissions_for(BLOOD_PRESSURE), Permissions::ALL);
        assert_eq!(listed.permissions_for(HEIGHT), Permissions::READ);
        assert_eq!(
            listed.rule(EDIT_RULE).unwrap().permissions,
            Permissions::CREATE.union(Permissions::UPDATE).union(Permissions::DELETE)
        );

        let everything = ShareAccess::ViewAndEdit { type_ids: BTreeSet::new() }.member_access().unwrap();
        assert_eq!(everything.validate(), Ok(()));
        assert_eq!(everything.permissions_for(HEIGHT), Permissions::ALL);
    }

    #[test]
    fn custodians_have_no_limits() {
        assert_eq!(ShareAccess::Custodian.member_access(), None);
        assert!(ShareAccess::Custodian.is_custodian());
        assert!(!ShareAccess::ViewOnly.is_custodian());
        assert!(!ShareAccess::ViewAndEdit { type_ids: BTreeSet::new() }.is_custodian());
    }

    #[test]
    fn access_reads_in_plain_words() {
        assert_eq!(ShareAccess::ViewOnly.describe(), "view only");
        assert_eq!(
            ShareAccess::ViewAndEdit { type_ids: types(&[BLOOD_PRESSURE, WEIGHT]) }.describe(),
            "view and edit weight and blood pressure"
        );
        assert_eq!(
            ShareAccess::ViewAndEdit { type_ids: types(&[BLOOD_PRESSURE, HEIGHT, WEIGHT, HBA1C]) }.describe(),
            "view and edit weight, height, blood pressure and HbA1C"
        );
        assert_eq!(ShareAccess::ViewAndEdit { type_ids: BTreeSet::new() }.describe(), "view and edit everything");
        let unknown = ThingTypeId::from_uuid(uuid!("99999999-0000-0000-0000-000000000000"));
        assert_eq!(
            ShareAccess::ViewAndEdit { type_ids: types(&[unknown, WEIGHT]) }.describe(),
            "view and edit weight and type 99999999-0000-0000-0000-000000000000"
        );
        assert_eq!(ShareAccess::Custodian.describe(), "custodian: full control, including sharing");
    }

    #[test]
    fn invitations_are_checked_when_made() {
        let made = invitation(ShareAccess::ViewOnly);
        assert_eq!(made.invitee_name, "Bo Chen");
        assert_eq!(made.expires_at, NOW + INVITATION_LIFETIME);
        assert_eq!(made.status_at(NOW), InvitationStatus::Pending);

        let make = |draft: SharingInvitationDraft| {
            SharingInvitation::create(
                SharingInvitationId::from_uuid(Uuid::nil()),
                draft,
                TokenHash::of_token("l"),
                TokenHash::of_token("c"),
                NOW,
            )
        };
        let named =
            |name: &str| SharingInvitationDraft { invitee_name: name.to_owned(), ..draft(ShareAccess::ViewOnly) };
        assert_eq!(make(named("  ")), Err(SharingInvitationError::EmptyName));
        assert_eq!(
            make(named(&"é".repeat(MAX_INVITATION_NAME_CHARS))).map(|made| made.invitee_name.chars().count()),
            Ok(100)
        );
        assert_eq!(make(named(&"é".repeat(MAX_INVITATION_NAME_CHARS + 1))), Err(SharingInvitationError::NameTooLong));
        assert_eq!(make(named("Bo\r\nBcc: x@example.org")), Err(SharingInvitationError::InvalidName));
        let expiring = |at| SharingInvitationDraft { access_expires_at: Some(at), ..draft(ShareAccess::ViewOnly) };
        assert_eq!(make(expiring(NOW)), Err(SharingInvitationError::AccessAlreadyExpired));
        assert_eq!(make(expiring(NOW - Duration::days(1))), Err(SharingInvitationError::AccessAlreadyExpired));
        assert!(make(expiring(NOW + Duration::seconds(1))).is_ok());
        let unknown = ThingTypeId::from_uuid(uuid!("99999999-0000-0000-0000-000000000000"));
        assert_eq!(
            make(draft(ShareAccess::ViewAndEdit { type_ids: types(&[WEIGHT, unknown]) })),
            Err(SharingInvitationError::UnknownThingType(unknown))
        );
    }

    #[test]
    fn acceptance_and_revocation_are_final_then_the_lock_then_expiry() {
        let pending = invitation(ShareAccess::ViewOnly);
        let later = NOW + INVITATION_LIFETIME;
        assert_eq!(pending.status_at(later - Duration::seconds(1)), InvitationStatus::Pending);
        assert_eq!(pending.status_at(later), InvitationStatus::Expired);

        let locked = SharingInvitation { failed_attempts: MAX_INVITATION_ATTEMPTS, ..pending.clone() };
        assert_eq!(locked.status_at(NOW), InvitationStatus::Locked);
        assert_eq!(locked.status_at(later), InvitationStatus::Locked);
        let two_wrong = SharingInvitation { failed_attempts: MAX_INVITATION_ATTEMPTS - 1, ..pending.clone() };
        assert_eq!(two_wrong.status_at(NOW), InvitationStatus::Pending);

        let bo = PersonId::from_uuid(uuid!("10000000-0000-0000-0000-000000000002"));
        let accepted = SharingInvitation { accepted: Some((bo, NOW)), ..locked.clone() };
        assert_eq!(accepted.status_at(later), InvitationStatus::Accepted);
        let revoked = SharingInvitation { revoked_at: Some(NOW), ..locked };
        assert_eq!(revoked.status_at(later), InvitationStatus::Revoked);

        let short = SharingInvitation { access_expires_at: Some(NOW + Duration::days(2)), ..pending };
        assert_eq!(short.status_at(NOW + Duration::days(1)), InvitationStatus::Pending);
        assert_eq!(short.status_at(NOW + Duration::days(2)), InvitationStatus::Expired);
    }

    #[test]
    fn accepting_makes_a_member_with_the_granted_access() {
        let bo = PersonId::from_uuid(uuid!("10000000-0000-0000-0000-000000000002"));
        let until = NOW + Duration::days(30);
        let view_only = SharingInvitation { access_expires_at: Some(until), ..invitation(ShareAccess::ViewOnly) };
        let accepted_at = NOW + Duration::hours(3);
        let member = view_only.new_member(bo, accepted_at);
        assert_eq!(member.record_id, view_only.record_id);
        assert_eq!(member.person_id, bo);
        assert!(!member.is_custodian);
        assert_eq!(member.relationship, Relationship::SPOUSE);
        assert_eq!(member.granted_at, accepted_at);
        assert_eq!(member.expires_at, Some(until));
        assert_eq!(member.access, ShareAccess::ViewOnly.member_access());
        assert!(member.may(Permissions::READ, WEIGHT));
        assert!(!member.may(Permissions::CREATE, WEIGHT));
        assert!(!member.may(Permissions::READ.union(Permissions::UPDATE), HEIGHT));

        let editor = invitation(ShareAccess::ViewAndEdit { type_ids: types(&[WEIGHT]) }).new_member(bo, NOW);
        assert!(editor.may(Permissions::ALL, WEIGHT));
        assert!(editor.may(Permissions::READ, HEIGHT));
        assert!(!editor.may(Permissions::DELETE, HEIGHT));
        assert_eq!(person_permissions(&editor, HEIGHT), Permissions::READ);

        let custodian = invitation(ShareAccess::Custodian).new_member(bo, NOW);
        assert!(custodian.is_custodian);
        assert_eq!(custodian.access, None);
        assert!(custodian.may(Permissions::ALL, HEIGHT));
    }

    #[test]
    fn sharing_codes_avoid_look_alikes() {
        let code = SharingCode::from_random([7; 16]);
        let text = code.as_display();
        assert_eq!(text.len(), 9);
        assert_eq!(text.as_bytes()[4], b'-');
        assert!(text.replace('-', "").bytes().all(|symbol| SPELLING.alphabet.contains(&symbol)));
        assert_eq!(SharingCode::from_random([0; 16]).as_display(), "2222-2222");
        assert_ne!(SharingCode::from_random([1; 16]), SharingCode::from_random([2; 16]));
        assert_eq!(SharingCode::from_random([255; 16]), SharingCode::from_random([255; 16]));
        for look_alike in [b'0', b'O', b'1', b'I', b'L'] {
            assert!(!SPELLING.alphabet.contains(&look_alike));
        }
        assert_eq!(SPELLING.alphabet.len(), 31);
    }

    #[test]
    fn sharing_codes_may_be_typed_loosely() {
        let code = SharingCode::parse("ABCD-EF23").unwrap();
        assert_eq!(code.as_display(), "ABCD-EF23");
        for typed in ["abcd-ef23", "ABCDEF23", " ab cd ef 23 ", "a-b-c-d-e-f-2-3"] {
            assert_eq!(SharingCode::parse(typed).unwrap(), code, "{typed}");
            assert_eq!(SharingCode::parse(typed).unwrap().hash(), code.hash(), "{typed}");
        }
        for malformed in ["", "ABCD-EF2", "ABCD-EF234", "ABCD-EF20", "ABCD-EFO3", "ABCD-EF13", "ILCD-EF23", "ÀBCD-EF23"]
        {
            assert_eq!(SharingCode::parse(malformed), Err(SharingCodeError::Malformed), "{malformed}");
        }
        let made = invitation(ShareAccess::ViewOnly);
        assert!(made.code_matches(&SharingCode::parse("abcdef23").unwrap()));
        assert!(!made.code_matches(&SharingCode::parse("ABCD-EF24").unwrap()));
        assert_eq!(format!("{code:?}"), "SharingCode(…)");
    }
}
