//! Typed identifiers. Every id is parsed at the edge into one of these newtypes, so a
//! `RecordId` can never be passed where a `PersonId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The text given where a GUID was expected could not be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} must be a GUID, got {text:?}")]
pub struct InvalidId {
    /// What kind of id was expected, e.g. "record id".
    pub kind: &'static str,
    /// The text that was given (trimmed to 64 characters).
    pub text: String,
}

macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID the caller generated or read.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses a GUID in any of the textual forms HealthVault clients send
            /// (hyphenated, braced, upper or lower case), ignoring surrounding whitespace.
            pub fn parse(text: &str) -> Result<Self, InvalidId> {
                Uuid::parse_str(text.trim()).map(Self).map_err(|_| InvalidId {
                    kind: $kind,
                    text: text.chars().take(64).collect(),
                })
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        /// Lower-case hyphenated, the form HealthVault writes on the wire.
        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), formatter)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }
    };
}

guid_id!(
    /// A person: someone who signs in to the Shell.
    PersonId,
    "person id"
);
guid_id!(
    /// A health record, which one or more persons can access.
    RecordId,
    "record id"
);
guid_id!(
    /// A thing (health item); stays the same across its versions.
    ThingId,
    "thing id"
);
guid_id!(
    /// One version of a thing; changes on every write.
    VersionStamp,
    "version stamp"
);
guid_id!(
    /// A thing type, such as Weight.
    ThingTypeId,
    "thing type id"
);
guid_id!(
    /// A registered application.
    ApplicationId,
    "application id"
);
guid_id!(
    /// A stored blob (file content) referenced by a thing.
    BlobId,
    "blob id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_clients_send() {
        let lower = ThingTypeId::parse("3d34d87e-7fc1-4153-800f-f56592cb0d17").unwrap();
        let upper = ThingTypeId::parse(" 3D34D87E-7FC1-4153-800F-F56592CB0D17\n").unwrap();
        let braced = ThingTypeId::parse("{3d34d87e-7fc1-4153-800f-f56592cb0d17}").unwrap();
        assert_eq!(lower, upper);
        assert_eq!(lower, braced);
        assert_eq!(lower.to_string(), "3d34d87e-7fc1-4153-800f-f56592cb0d17");
    }

    #[test]
    fn rejects_what_is_not_a_guid_and_names_the_kind() {
        let error = RecordId::parse("not-a-guid").unwrap_err();
        assert_eq!(error.to_string(), "record id must be a GUID, got \"not-a-guid\"");
    }
}
