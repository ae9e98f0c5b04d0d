//! GetPersonInfo (v1): the person on whose behalf the application calls, and the records
//! they authorized it for.

use haven_domain::ids::{PersonId, RecordId};

use crate::error::WireError;
use crate::record_info::RecordInfo;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, children_named, optional_child, optional_text, parse_document, required_text};

/// The method name.
pub const METHOD: &str = "GetPersonInfo";

/// The request's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetPersonInfoRequest {
    /// `group-membership`: include the groups the person belongs to.
    pub group_membership: bool,
    /// `effective-record-permissions`: include what the application may do per record.
    pub effective_record_permissions: bool,
}

impl GetPersonInfoRequest {
    /// Reads the request's `<info>` (absent or empty means no options).
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let Some(info_xml) = request.info_xml() else {
            return Ok(Self::default());
        };
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        let flag = |name: &'static str| -> Result<bool, WireError> {
            Ok(optional_text(info, "info", name)?.is_some_and(|text| text == "true" || text == "1"))
        };
        Ok(Self {
            group_membership: flag("group-membership")?,
            effective_record_permissions: flag("effective-record-permissions")?,
        })
    }
}

/// `<person-info>` (`types.xsd` `PersonInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonInfo {
    /// `person-id`.
    pub person_id: PersonId,
    /// `name`.
    pub name: String,
    /// `selected-record-id`: the record the person picked for the application.
    pub selected_record_id: Option<RecordId>,
    /// `record*`: the records the application is authorized for.
    pub records: Vec<RecordInfo>,
    /// `preferred-culture/language`, e.g. `en-US`.
    pub preferred_culture: Option<String>,
    /// `location/country`.
    pub location_country: Option<String>,
}

impl PersonInfo {
    /// Writes `<person-info>...</person-info>`, in the schema's element order.
    pub(crate) fn write(&self, builder: &mut XmlBuilder) {
        builder.start("person-info");
        builder.text_element("person-id", &self.person_id.to_string());
        builder.text_element("name", &self.name);
        if let Some(selected) = self.selected_record_id {
            builder.text_element("selected-record-id", &selected.to_string());
        }
        for record in &self.records {
            record.write(builder);
        }
        if let Some(culture) = &self.preferred_culture {
            builder.start("preferred-culture");
            builder.text_element("language", culture);
            builder.end("preferred-culture");
        }
        if let Some(country) = &self.location_country {
            builder.start("location");
            builder.text_element("country", country);
            builder.end("location");
        }
        builder.end("person-info");
    }

    /// The `wc:info` of the response.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        self.write(&mut builder);
        ResponseInfo::new("GetPersonInfo", builder.finish())
    }

    /// Reads the inner XML of a response's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let person = optional_child(document.root_element(), "info", "person-info")?
            .ok_or(WireError::MissingElement { parent: "info", element: "person-info" })?;
        let guid_text = required_text(person, "person-info", "person-id")?;
        Ok(Self {
            person_id: PersonId::parse(&guid_text)
                .map_err(|source| WireError::InvalidGuid { element: "person-id", source })?,
            name: required_text(person, "person-info", "name")?.trim().to_owned(),
            selected_record_id: optional_text(person, "person-info", "selected-record-id")?
                .map(|text| RecordId::parse(&text))
                .transpose()
                .map_err(|source| WireError::InvalidGuid { element: "selected-record-id", source })?,
            records: children_named(person, "record").map(RecordInfo::read).collect::<Result<_, _>>()?,
            preferred_culture: match optional_child(person, "person-info", "preferred-culture")? {
                Some(culture) => optional_text(culture, "preferred-culture", "language")?,
                None => None,
            },
            location_country: match optional_child(person, "person-info", "location")? {
                Some(location) => optional_text(location, "location", "country")?,
                None => None,
            },
        })
    }
}

#[cfg(test)]
mod tests;
