//! The names a written thing carries: `type-id@name`, and `app-id@name` and `person-id@name` in
//! its audits. They come from the caller, never from storage, so this crate stays pure.

use std::collections::HashMap;

use haven_domain::ids::{ApplicationId, PersonId, ThingTypeId};
use haven_domain::thing_type;

/// Looks up the names written beside ids in a thing.
///
/// thing.xsd requires `app-id` and `person-id` (with a `name`) in every audit, and the .NET SDK
/// fails on an audit without them, so an unknown name is written as `name=""`, an audit with no
/// application as [`ThingNames::shell_application_id`] (or the nil GUID), and one with no
/// person as the nil GUID.
pub trait ThingNames {
    /// The name for `type-id@name`; `None` leaves the attribute out. By default the registry's
    /// English name, e.g. "Blood pressure".
    fn type_name(&self, type_id: ThingTypeId) -> Option<String> {
        thing_type::by_id(type_id).map(|thing_type| thing_type.name.to_owned())
    }

    /// An application's name, for `app-id@name`.
    fn application_name(&self, application_id: ApplicationId) -> Option<String>;

    /// A person's name, for `person-id@name`.
    fn person_name(&self, person_id: PersonId) -> Option<String>;

    /// The application written for audits that have none (the person wrote in the Shell).
    /// HealthVault wrote its Shell's own application id there.
    fn shell_application_id(&self) -> Option<ApplicationId> {
        None
    }
}

/// A [`ThingNames`] filled in by the caller before writing, e.g. with the applications and
/// persons the things of one response refer to. Type names come from the registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThingNameTable {
    /// Application names by id.
    pub applications: HashMap<ApplicationId, String>,
    /// Person names by id.
    pub persons: HashMap<PersonId, String>,
    /// See [`ThingNames::shell_application_id`].
    pub shell_application_id: Option<ApplicationId>,
}

impl ThingNames for ThingNameTable {
    fn application_name(&self, application_id: ApplicationId) -> Option<String> {
        self.applications.get(&application_id).cloned()
    }

    fn person_name(&self, person_id: PersonId) -> Option<String> {
        self.persons.get(&person_id).cloned()
    }

    fn shell_application_id(&self) -> Option<ApplicationId> {
        self.shell_application_id
    }
}
