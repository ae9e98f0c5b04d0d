//! The `<record>` element (`types.xsd` `Record`): a record as an application sees it,
//! with the person's relationship to it and what the application must do before using it.
//! GetPersonInfo, GetAuthorizedRecords and GetAuthorizedPeople all write it.

use haven_domain::authorization::RecordAuthAction;
use haven_domain::ids::RecordId;
use haven_domain::record::{Record, RecordMember};
use roxmltree::Node;
use time::OffsetDateTime;

use crate::date_time::{format_date_time, parse_date_time};
use crate::error::{WireError, excerpt};
use crate::xml::{XmlBuilder, required_attribute, text_of};

/// HealthVault writes this for an access that never expires.
pub const NEVER_EXPIRES: &str = "9999-12-31T23:59:59.999Z";

/// A record as reported to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInfo {
    /// `@id`.
    pub id: RecordId,
    /// The element's text: the record's name.
    pub name: String,
    /// `@record-custodian`.
    pub is_custodian: bool,
    /// `@rel-type` (vocabulary `wc.relationship-types`).
    pub relationship_type: i32,
    /// `@rel-name`.
    pub relationship_name: String,
    /// `@auth-expires`; `None` is written as [`NEVER_EXPIRES`].
    pub auth_expires: Option<OffsetDateTime>,
    /// `@display-name`.
    pub display_name: String,
    /// `@state`: Active, ReadOnly, Suspended or Deleted.
    pub state: String,
    /// `@date-created`.
    pub created_at: OffsetDateTime,
    /// `@max-size-bytes`.
    pub max_size_bytes: u64,
    /// `@size-bytes`.
    pub size_bytes: u64,
    /// `@app-record-auth-action`.
    pub auth_action: RecordAuthAction,
    /// `@location-country`.
    pub location_country: Option<String>,
    /// `@latest-operation-sequence-number`.
    pub latest_operation_sequence: u64,
}

impl RecordInfo {
    /// How `member` sees `record`, with the application's pending action.
    pub fn new(record: &Record, member: &RecordMember, auth_action: RecordAuthAction) -> Self {
        Self {
            id: record.id,
            name: record.display_name.clone(),
            is_custodian: member.is_custodian,
            relationship_type: member.relationship.0,
            relationship_name: member.relationship.name().to_owned(),
            auth_expires: member.expires_at,
            display_name: record.display_name.clone(),
            state: record.state.as_str().to_owned(),
            created_at: record.created_at,
            max_size_bytes: record.max_size_bytes,
            size_bytes: record.size_bytes,
            auth_action,
            location_country: record.location_country.map(|country| country.as_str().to_owned()),
            latest_operation_sequence: record.latest_operation_sequence,
        }
    }

    /// Writes `<record ...>name</record>`.
    pub(crate) fn write(&self, builder: &mut XmlBuilder) {
        let id = self.id.to_string();
        let relationship_type = self.relationship_type.to_string();
        let auth_expires = self.auth_expires.map_or_else(|| NEVER_EXPIRES.to_owned(), format_date_time);
        let created = format_date_time(self.created_at);
        let max_size = self.max_size_bytes.to_string();
        let size = self.size_bytes.to_string();
        let sequence = self.latest_operation_sequence.to_string();
        let mut attributes: Vec<(&str, &str)> = vec![
            ("id", &id),
            ("record-custodian", if self.is_custodian { "true" } else { "false" }),
            ("rel-type", &relationship_type),
            ("rel-name", &self.relationship_name),
            ("auth-expires", &auth_expires),
            ("display-name", &self.display_name),
            ("state", &self.state),
            ("date-created", &created),
            ("max-size-bytes", &max_size),
            ("size-bytes", &size),
            ("app-record-auth-action", self.auth_action.as_str()),
        ];
        if let Some(country) = &self.location_country {
            attributes.push(("location-country", country));
        }
        attributes.push(("latest-operation-sequence-number", &sequence));
        builder.text_element_with("record", &attributes, &self.name);
    }

    /// Reads a `<record>` element.
    pub(crate) fn read(element: Node<'_, '_>) -> Result<Self, WireError> {
        let attribute = |name: &'static str| required_attribute(element, "record", name);
        let number = |name: &'static str| -> Result<u64, WireError> {
            let text = element.attribute(name).unwrap_or("0");
            text.trim().parse().map_err(|_| WireError::InvalidNumber { element: "record", text: excerpt(text) })
        };
        let date = |name: &'static str| -> Result<Option<OffsetDateTime>, WireError> {
            element
                .attribute(name)
                .map(|text| {
                    parse_date_time(text).ok_or(WireError::InvalidDateTime { element: "record", text: excerpt(text) })
                })
                .transpose()
        };
        let action_text = element.attribute("app-record-auth-action").unwrap_or("NoActionRequired");
        let auth_action = [
            RecordAuthAction::NoActionRequired,
            RecordAuthAction::AuthorizationRequired,
            RecordAuthAction::ReauthorizationRequired,
            RecordAuthAction::RecordLocationNotSupported,
        ]
        .into_iter()
        .find(|action| action.as_str() == action_text)
        .unwrap_or(RecordAuthAction::NoActionRequired);
        let auth_expires = match element.attribute("auth-expires") {
            Some(text) if text.starts_with("9999-12-31") => None,
            _ => date("auth-expires")?,
        };
        Ok(Self {
            id: RecordId::parse(attribute("id")?)
                .map_err(|source| WireError::InvalidGuid { element: "record", source })?,
            name: text_of(element).trim().to_owned(),
            is_custodian: element.attribute("record-custodian").is_some_and(|value| value.trim() == "true"),
            relationship_type: attribute("rel-type")?.trim().parse().map_err(|_| WireError::InvalidNumber {
                element: "record",
                text: excerpt(element.attribute("rel-type").unwrap_or("")),
            })?,
            relationship_name: element.attribute("rel-name").unwrap_or("").to_owned(),
            auth_expires,
            display_name: element.attribute("display-name").unwrap_or("").to_owned(),
            state: element.attribute("state").unwrap_or("Active").to_owned(),
            created_at: date("date-created")?.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            max_size_bytes: number("max-size-bytes")?,
            size_bytes: number("size-bytes")?,
            auth_action,
            location_country: element.attribute("location-country").map(str::to_owned),
            latest_operation_sequence: number("latest-operation-sequence-number")?,
        })
    }
}
