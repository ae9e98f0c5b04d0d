//! A group's `filter` (method-getthings.xsd `ThingFilterSpec`, shared by every version).

use haven_domain::ids::{ApplicationId, PersonId, ThingTypeId};
use haven_domain::thing::{ThingQuery, ThingState};
use roxmltree::Node;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::date_time::format_date_time;
use crate::error::WireError;
use crate::thing_xml::{format_wall_clock, parse_guid, parse_instant, parse_state, parse_wall_clock};
use crate::xml::{XmlBuilder, children_named, optional_text, text_of};

const FILTER: &str = "group/filter";

/// One `filter`. Values within a list (type ids, states) are alternatives; the conditions of a
/// filter all apply, and so do the filters of a group.
///
/// Effective and updated-end dates are wall-clock times (any offset sent is ignored, see
/// [`crate::thing_xml`]); created and updated dates are instants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThingFilter {
    /// `type-id*`.
    pub type_ids: Vec<ThingTypeId>,
    /// `thing-state{0,2}`.
    pub states: Vec<ThingState>,
    /// `eff-date-min`.
    pub eff_date_min: Option<PrimitiveDateTime>,
    /// `eff-date-max`.
    pub eff_date_max: Option<PrimitiveDateTime>,
    /// `created-app-id`.
    pub created_application: Option<ApplicationId>,
    /// `created-person-id`.
    pub created_person: Option<PersonId>,
    /// `updated-app-id`.
    pub updated_application: Option<ApplicationId>,
    /// `updated-person-id`.
    pub updated_person: Option<PersonId>,
    /// `created-date-min`.
    pub created_date_min: Option<OffsetDateTime>,
    /// `created-date-max`.
    pub created_date_max: Option<OffsetDateTime>,
    /// `updated-date-min`.
    pub updated_date_min: Option<OffsetDateTime>,
    /// `updated-date-max`.
    pub updated_date_max: Option<OffsetDateTime>,
    /// `xpath`: an existence test on the thing's XML, for the platform to evaluate or refuse.
    pub xpath: Option<String>,
    /// `updated-end-date-max`.
    pub updated_end_date_max: Option<PrimitiveDateTime>,
    /// `updated-end-date-min`.
    pub updated_end_date_min: Option<PrimitiveDateTime>,
}

impl ThingFilter {
    /// Reads `filter`. Blank optional elements count as absent.
    pub(super) fn parse(filter: Node<'_, '_>) -> Result<Self, WireError> {
        let text = |name| optional_text(filter, FILTER, name);
        let wall_clock = |name, path| -> Result<Option<PrimitiveDateTime>, WireError> {
            text(name)?.map(|text| parse_wall_clock(path, &text)).transpose()
        };
        let instant = |name, path| -> Result<Option<OffsetDateTime>, WireError> {
            text(name)?.map(|text| parse_instant(path, &text)).transpose()
        };
        let application = |name, path| -> Result<Option<ApplicationId>, WireError> {
            text(name)?.map(|text| parse_guid(path, &text, ApplicationId::parse)).transpose()
        };
        let person = |name, path| -> Result<Option<PersonId>, WireError> {
            text(name)?.map(|text| parse_guid(path, &text, PersonId::parse)).transpose()
        };
        Ok(Self {
            type_ids: children_named(filter, "type-id")
                .map(|element| parse_guid("group/filter/type-id", &text_of(element), ThingTypeId::parse))
                .collect::<Result<_, _>>()?,
            states: children_named(filter, "thing-state")
                .map(|element| parse_state("group/filter/thing-state", &text_of(element)))
                .collect::<Result<_, _>>()?,
            eff_date_min: wall_clock("eff-date-min", "group/filter/eff-date-min")?,
            eff_date_max: wall_clock("eff-date-max", "group/filter/eff-date-max")?,
            created_application: application("created-app-id", "group/filter/created-app-id")?,
            created_person: person("created-person-id", "group/filter/created-person-id")?,
            updated_application: application("updated-app-id", "group/filter/updated-app-id")?,
            updated_person: person("updated-person-id", "group/filter/updated-person-id")?,
            created_date_min: instant("created-date-min", "group/filter/created-date-min")?,
            created_date_max: instant("created-date-max", "group/filter/created-date-max")?,
            updated_date_min: instant("updated-date-min", "group/filter/updated-date-min")?,
            updated_date_max: instant("updated-date-max", "group/filter/updated-date-max")?,
            xpath: text("xpath")?,
            updated_end_date_max: wall_clock("updated-end-date-max", "group/filter/updated-end-date-max")?,
            updated_end_date_min: wall_clock("updated-end-date-min", "group/filter/updated-end-date-min")?,
        })
    }

    /// Writes `filter` in schema order.
    pub(super) fn write(&self, builder: &mut XmlBuilder) {
        builder.start("filter");
        for type_id in &self.type_ids {
            builder.text_element("type-id", &type_id.to_string());
        }
        for state in &self.states {
            builder.text_element("thing-state", state.as_str());
        }
        let wall_clock = |value: Option<PrimitiveDateTime>| value.map(format_wall_clock);
        let instant = |value: Option<OffsetDateTime>| value.map(format_date_time);
        builder.optional_text_element("eff-date-min", wall_clock(self.eff_date_min).as_deref());
        builder.optional_text_element("eff-date-max", wall_clock(self.eff_date_max).as_deref());
        builder.optional_text_element("created-app-id", self.created_application.map(|id| id.to_string()).as_deref());
        builder.optional_text_element("created-person-id", self.created_person.map(|id| id.to_string()).as_deref());
        builder.optional_text_element("updated-app-id", self.updated_application.map(|id| id.to_string()).as_deref());
        builder.optional_text_element("updated-person-id", self.updated_person.map(|id| id.to_string()).as_deref());
        builder.optional_text_element("created-date-min", instant(self.created_date_min).as_deref());
        builder.optional_text_element("created-date-max", instant(self.created_date_max).as_deref());
        builder.optional_text_element("updated-date-min", instant(self.updated_date_min).as_deref());
        builder.optional_text_element("updated-date-max", instant(self.updated_date_max).as_deref());
        builder.optional_text_element("xpath", self.xpath.as_deref());
        builder.optional_text_element("updated-end-date-max", wall_clock(self.updated_end_date_max).as_deref());
        builder.optional_text_element("updated-end-date-min", wall_clock(self.updated_end_date_min).as_deref());
        builder.end("filter");
    }

    /// Narrows `query` by this filter's conditions that [`ThingQuery`] can express (everything
    /// but `xpath`). `states` collects the state condition, which
    /// starts unset because the query's default (Active only) is not a condition to intersect
    /// with. Returns `None` when the conditions contradict the query's, so nothing can match.
    pub(super) fn narrow(&self, query: &mut ThingQuery, states: &mut Option<Vec<ThingState>>) -> Option<()> {
        intersect(&mut query.type_ids, &self.type_ids)?;
        if !self.states.is_empty() {
            let mut current = states.take().unwrap_or_else(|| self.states.clone());
            intersect(&mut current, &self.states)?;
            *states = Some(current);
        }
        query.eff_date_min = latest(query.eff_date_min, self.eff_date_min);
        query.eff_date_max = earliest(query.eff_date_max, self.eff_date_max);
        query.updated_end_date_min = latest(query.updated_end_date_min, self.updated_end_date_min);
        query.updated_end_date_max = earliest(query.updated_end_date_max, self.updated_end_date_max);
        query.created_min = latest(query.created_min, self.created_date_min);
        query.created_max = earliest(query.created_max, self.created_date_max);
        query.updated_min = latest(query.updated_min, self.updated_date_min);
        query.updated_max = earliest(query.updated_max, self.updated_date_max);
        same(&mut query.created_by_application, self.created_application)?;
        same(&mut query.created_by_person, self.created_person)?;
        same(&mut query.updated_by_application, self.updated_application)?;
        same(&mut query.updated_by_person, self.updated_person)?;
        Some(())
    }
}

/// Keeps the values of `current` that are also in `new` (or takes `new` if `current` is
/// empty, meaning "any"); `None` if that leaves nothing.
fn intersect<Value: Clone + PartialEq>(current: &mut Vec<Value>, new: &[Value]) -> Option<()> {
    if new.is_empty() {
        return Some(());
    }
    if current.is_empty() {
        for value in new {
            if !current.contains(value) {
                current.push(value.clone());
            }
        }
    } else {
        current.retain(|value| new.contains(value));
    }
    (!current.is_empty()).then_some(())
}

/// Sets `current` to `new`; `None` if both are set and differ.
fn same<Value: Copy + PartialEq>(current: &mut Option<Value>, new: Option<Value>) -> Option<()> {
    match (*current, new) {
        (Some(existing), Some(new)) if existing != new => None,
        (_, Some(new)) => {
            *current = Some(new);
            Some(())
        }
        (_, None) => Some(()),
    }
}

fn latest<Value: Ord>(current: Option<Value>, new: Option<Value>) -> Option<Value> {
    match (current, new) {
        (Some(current), Some(new)) => Some(current.max(new)),
        (current, new) => current.or(new),
    }
}

fn earliest<Value: Ord>(current: Option<Value>, new: Option<Value>) -> Option<Value> {
    match (current, new) {
        (Some(current), Some(new)) => Some(current.min(new)),
        (current, new) => current.or(new),
    }
}
