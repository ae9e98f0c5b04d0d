//! The record's access history: one [`RecordAccess`] for every read and write of a record's
//! things, by a person in the Shell or by an application (online for a person who is present,
//! or offline under a grant). Custodians read it to see who accessed what and when. An entry
//! names the thing types touched and how many things, never their content.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::{ApplicationId, PersonId, RecordId, ThingTypeId};
use crate::thing::AccessAvenue;

/// The most thing types one entry names; an access touching more keeps the first this many
/// (in id order), so an entry stays small however wide the query.
pub const MAX_LOGGED_TYPES: usize = 32;

/// An access history entry's id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordAccessId(Uuid);

impl RecordAccessId {
    /// Wraps a UUID the caller generated or read.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The underlying UUID.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for RecordAccessId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(formatter)
    }
}

impl fmt::Debug for RecordAccessId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "RecordAccessId({self})")
    }
}

/// Whether an access read the record or changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// Things (or a blob) were read.
    Read,
    /// Things were created, updated or deleted, or a blob was uploaded.
    Write,
}

impl AccessKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::Read, Self::Write];

    /// The stored name: `"Read"` or `"Write"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "Read",
            Self::Write => "Write",
        }
    }

    /// The kind [`Self::as_str`] names, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// Who accessed a record. Each variant keeps what is known in that case, so an entry always
/// names someone and never an offline person without the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Accessor {
    /// A person in the Shell (online, no application).
    Person(PersonId),
    /// An application calling online for a person who is present (their user token).
    OnlineApplication {
        /// The application.
        application_id: ApplicationId,
        /// The person it acts for.
        person_id: PersonId,
    },
    /// An application acting alone under an offline grant.
    OfflineApplication {
        /// The application.
        application_id: ApplicationId,
        /// The person the offline call was made for, when the caller knows it.
        person_id: Option<PersonId>,
    },
}

impl Accessor {
    /// The person, if known.
    pub const fn person_id(self) -> Option<PersonId> {
        match self {
            Self::Person(person_id) | Self::OnlineApplication { person_id, .. } => Some(person_id),
            Self::OfflineApplication { person_id, .. } => person_id,
        }
    }

    /// The application, unless a person accessed the record in the Shell.
    pub const fn application_id(self) -> Option<ApplicationId> {
        match self {
            Self::Person(_) => None,
            Self::OnlineApplication { application_id, .. } | Self::OfflineApplication { application_id, .. } => {
                Some(application_id)
            }
        }
    }

    /// Online or offline.
    pub const fn avenue(self) -> AccessAvenue {
        match self {
            Self::Person(_) | Self::OnlineApplication { .. } => AccessAvenue::Online,
            Self::OfflineApplication { .. } => AccessAvenue::Offline,
        }
    }

    /// The accessor these parts describe (as [`Self::person_id`], [`Self::application_id`]
    /// and [`Self::avenue`] give them); `None` for a combination no accessor has: nobody, an
    /// offline access without an application, or an online one by an application with no
    /// person.
    pub const fn from_parts(
        person_id: Option<PersonId>,
        application_id: Option<ApplicationId>,
        avenue: AccessAvenue,
    ) -> Option<Self> {
        match (avenue, application_id, person_id) {
            (AccessAvenue::Online, None, Some(person_id)) => Some(Self::Person(person_id)),
            (AccessAvenue::Online, Some(application_id), Some(person_id)) => {
                Some(Self::OnlineApplication { application_id, person_id })
            }
            (AccessAvenue::Offline, Some(application_id), person_id) => {
                Some(Self::OfflineApplication { application_id, person_id })
            }
            (AccessAvenue::Online, _, None) | (AccessAvenue::Offline, None, _) => None,
        }
    }
}

/// One read or write of a record, as its access history shows it.
///
/// Invariants when built with [`RecordAccess::new`] and [`RecordAccess::with_things`]: `person_id`, `application_id` and
/// `avenue` are those of one [`Accessor`] (see [`RecordAccess::accessor`]); `type_ids` are
/// distinct, sorted and at most [`MAX_LOGGED_TYPES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAccess {
    /// Its id.
    pub id: RecordAccessId,
    /// The record accessed.
    pub record_id: RecordId,
    /// When (UTC).
    pub at: OffsetDateTime,
    /// The person: the Shell's user, the person an application acted for online, or the
    /// person an offline call named (when known).
    pub person_id: Option<PersonId>,
    /// The application; `None` when the person used the Shell.
    pub application_id: Option<ApplicationId>,
    /// Online (a person present) or offline (an application alone).
    pub avenue: AccessAvenue,
    /// Read or write.
    pub kind: AccessKind,
    /// What was done, in a word or two: the Platform method (`"GetThings"`) or the Shell page
    /// (`"record page"`).
    pub operation: String,
    /// The distinct thing types touched, sorted, at most [`MAX_LOGGED_TYPES`]; empty when
    /// the access names none (a blob on its own, or nothing found).
    pub type_ids: Vec<ThingTypeId>,
    /// How many things were read or written.
    pub thing_count: u32,
}

impl RecordAccess {
    /// An entry for an access by `accessor` that names no thing (yet): add them with
    /// [`Self::with_things`].
    pub fn new(
        id: RecordAccessId,
        record_id: RecordId,
        at: OffsetDateTime,
        accessor: Accessor,
        kind: AccessKind,
        operation: impl Into<String>,
    ) -> Self {
        Self {
            id,
            record_id,
            at,
            person_id: accessor.person_id(),
            application_id: accessor.application_id(),
            avenue: accessor.avenue(),
            kind,
            operation: operation.into(),
            type_ids: Vec::new(),
            thing_count: 0,
        }
    }

    /// The entry with the things touched: `thing_count` things of `type_ids`, which are
    /// sorted, deduplicated and cut to [`MAX_LOGGED_TYPES`].
    #[must_use]
    pub fn with_things(mut self, type_ids: impl IntoIterator<Item = ThingTypeId>, thing_count: u32) -> Self {
        let mut type_ids: Vec<ThingTypeId> = type_ids.into_iter().collect();
        type_ids.sort_unstable();
        type_ids.dedup();
        type_ids.truncate(MAX_LOGGED_TYPES);
        self.type_ids = type_ids;
        self.thing_count = thing_count;
        self
    }

    /// Who accessed the record; `None` only if the fields were set by hand to a combination
    /// no [`Accessor`] has.
    pub const fn accessor(&self) -> Option<Accessor> {
        Accessor::from_parts(self.person_id, self.application_id, self.avenue)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use uuid::uuid;

    use super::*;

    const RECORD: RecordId = RecordId::from_uuid(uuid!("00000000-0000-0000-0000-00000000000a"));
    const PERSON: PersonId = PersonId::from_uuid(uuid!("00000000-0000-0000-0000-00000000000b"));
    const APPLICATION: ApplicationId = ApplicationId::from_uuid(uuid!("00000000-0000-0000-0000-00000000000c"));

    fn type_id(number: u128) -> ThingTypeId {
        ThingTypeId::from_uuid(Uuid::from_u128(number))
    }

    fn entry(accessor: Accessor, type_ids: Vec<ThingTypeId>) -> RecordAccess {
        RecordAccess::new(
            RecordAccessId::from_uuid(Uuid::from_u128(1)),
            RECORD,
            datetime!(2026-11-21 12:00 UTC),
            accessor,
            AccessKind::Read,
            "GetThings",
        )
        .with_things(type_ids, 3)
    }

    #[test]
    fn types_are_sorted_distinct_and_capped() {
        let access = entry(Accessor::Person(PERSON), vec![type_id(3), type_id(1), type_id(3), type_id(2)]);
        assert_eq!(access.type_ids, vec![type_id(1), type_id(2), type_id(3)]);

        let many: Vec<ThingTypeId> = (0..100).rev().map(type_id).collect();
        let access = entry(Accessor::Person(PERSON), many);
        assert_eq!(access.type_ids.len(), MAX_LOGGED_TYPES);
        assert_eq!(access.type_ids, (0..MAX_LOGGED_TYPES as u128).map(type_id).collect::<Vec<_>>(), "the lowest ids");
    }

    #[test]
    fn each_accessor_fills_who_and_how() {
        let shell = entry(Accessor::Person(PERSON), Vec::new());
        assert_eq!((shell.person_id, shell.application_id, shell.avenue), (Some(PERSON), None, AccessAvenue::Online));

        let online = entry(Accessor::OnlineApplication { application_id: APPLICATION, person_id: PERSON }, Vec::new());
        assert_eq!(
            (online.person_id, online.application_id, online.avenue),
            (Some(PERSON), Some(APPLICATION), AccessAvenue::Online)
        );

        let offline =
            entry(Accessor::OfflineApplication { application_id: APPLICATION, person_id: Some(PERSON) }, Vec::new());
        assert_eq!(
            (offline.person_id, offline.application_id, offline.avenue),
            (Some(PERSON), Some(APPLICATION), AccessAvenue::Offline)
        );

        let anonymous =
            entry(Accessor::OfflineApplication { application_id: APPLICATION, person_id: None }, Vec::new());
        assert_eq!(
            (anonymous.person_id, anonymous.application_id, anonymous.avenue),
            (None, Some(APPLICATION), AccessAvenue::Offline)
        );
    }

    #[test]
    fn the_accessor_comes_back_from_its_parts() {
        for accessor in [
            Accessor::Person(PERSON),
            Accessor::OnlineApplication { application_id: APPLICATION, person_id: PERSON },
            Accessor::OfflineApplication { application_id: APPLICATION, person_id: Some(PERSON) },
            Accessor::OfflineApplication { application_id: APPLICATION, person_id: None },
        ] {
            assert_eq!(entry(accessor, Vec::new()).accessor(), Some(accessor));
        }
        assert_eq!(Accessor::from_parts(None, None, AccessAvenue::Online), None, "nobody");
        assert_eq!(Accessor::from_parts(None, Some(APPLICATION), AccessAvenue::Online), None, "online needs a person");
        assert_eq!(
            Accessor::from_parts(Some(PERSON), None, AccessAvenue::Offline),
            None,
            "offline needs the application"
        );
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for kind in AccessKind::ALL {
            assert_eq!(AccessKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AccessKind::parse("read"), None);
    }
}
