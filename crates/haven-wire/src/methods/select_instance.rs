//! SelectInstance (version 1): which instance a new account from a given location belongs
//! in. The request carries `preferred-location` (an ISO 3166-1 country and, optionally, an
//! ISO 3166-2 state or province); the answer is that instance as a `selected-instance` of
//! type `Instance` (the shape GetServiceDefinition v2 lists in `instances`), or an empty
//! `wc:info` when the country is one the deployment does not support.

use haven_domain::country::CountryCode;

use crate::error::{WireError, excerpt};
use crate::instance::ServiceInstance;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, optional_child, optional_text, parse_document, required_child, required_text};

/// The method name.
pub const METHOD: &str = "SelectInstance";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "SelectInstance";

/// Longest `state-province` the schema allows (`string3nw`).
const MAX_STATE_PROVINCE_CHARS: usize = 3;

/// `<preferred-location>`, of type `Location`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredLocation {
    /// `<country>`: a valid ISO 3166-1 alpha-2 code.
    pub country: CountryCode,
    /// `<state-province>`: 1 to 3 characters (ISO 3166-2 subdivision), kept as sent (trimmed).
    pub state_province: Option<String>,
}

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectInstanceRequest {
    /// Where the person who will hold the new account is.
    pub preferred_location: PreferredLocation,
}

impl SelectInstanceRequest {
    /// Reads the typed request from a parsed envelope. A request without `<info>` lacks the
    /// required `preferred-location`.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        match request.method_version() {
            1 => Self::parse_info(request.info_xml().unwrap_or("<info/>")),
            version => Err(WireError::UnsupportedMethodVersion { method: METHOD, version }),
        }
    }

    /// Reads `<info>...</info>`. The country is parsed here, so an unknown code is an
    /// `InvalidValue` naming `<country>`; a blank `state-province` counts as absent.
    pub fn parse_info(info_xml: &str) -> Result<Self, WireError> {
        let document = parse_document(info_xml)?;
        let location = required_child(document.root_element(), "info", "preferred-location")?;
        let country_text = required_text(location, "preferred-location", "country")?;
        let country = CountryCode::parse(&country_text).map_err(|_| WireError::InvalidValue {
            element: "country",
            expected: "an ISO 3166-1 alpha-2 country code such as US or NL",
            text: excerpt(country_text.trim()),
        })?;
        let state_province = optional_text(location, "preferred-location", "state-province")?;
        if let Some(state) = &state_province
            && state.chars().count() > MAX_STATE_PROVINCE_CHARS
        {
            return Err(WireError::InvalidValue {
                element: "state-province",
                expected: "an ISO 3166-2 subdivision code of at most 3 characters, such as WA",
                text: excerpt(state),
            });
        }
        Ok(Self { preferred_location: PreferredLocation { country, state_province } })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        builder.start("preferred-location");
        builder.text_element("country", self.preferred_location.country.as_str());
        builder.optional_text_element("state-province", self.preferred_location.state_province.as_deref());
        builder.end("preferred-location");
        builder.end("info");
        builder.finish()
    }
}

/// The answer: the instance for the location, or none for an unsupported country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectInstanceResponse {
    /// `<selected-instance>`; `None` when no instance takes accounts from the country.
    pub selected_instance: Option<ServiceInstance>,
}

impl SelectInstanceResponse {
    /// The answer's `wc:info`, in the `SelectInstance` schema; empty when no instance was
    /// selected.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        if let Some(instance) = &self.selected_instance {
            instance.write(&mut builder, "selected-instance");
        }
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let selected_instance = optional_child(document.root_element(), "info", "selected-instance")?
            .map(|element| ServiceInstance::parse(element, "selected-instance"))
            .transpose()?;
        Ok(Self { selected_instance })
    }
}

#[cfg(test)]
mod tests;
