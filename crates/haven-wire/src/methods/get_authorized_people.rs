//! GetAuthorizedPeople (v1): the people who authorized the application, with the records
//! they authorized it on, paged by person id.

use haven_domain::ids::PersonId;
use time::OffsetDateTime;

use crate::date_time::parse_date_time;
use crate::error::{WireError, excerpt};
use crate::methods::get_person_info::PersonInfo;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, children_named, optional_child, optional_text, parse_document};

/// The method name.
pub const METHOD: &str = "GetAuthorizedPeople";

/// The paging parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetAuthorizedPeopleRequest {
    /// `person-id-cursor`: start after this person (the last one of the previous page).
    pub person_id_cursor: Option<PersonId>,
    /// `authorizations-created-since`: only authorizations made at or after this time.
    pub authorizations_created_since: Option<OffsetDateTime>,
    /// `num-results`: at most this many people.
    pub number_of_results: Option<u32>,
}

impl GetAuthorizedPeopleRequest {
    /// Reads the request's `<info>` (missing parameters mean "from the start, everyone").
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let Some(info_xml) = request.info_xml() else { return Ok(Self::default()) };
        let document = parse_document(info_xml)?;
        let Some(parameters) = optional_child(document.root_element(), "info", "parameters")? else {
            return Ok(Self::default());
        };
        let person_id_cursor = optional_text(parameters, "parameters", "person-id-cursor")?
            .map(|text| {
                PersonId::parse(&text).map_err(|source| WireError::InvalidGuid { element: "person-id-cursor", source })
            })
            .transpose()?;
        let authorizations_created_since = optional_text(parameters, "parameters", "authorizations-created-since")?
            .map(|text| {
                parse_date_time(&text)
                    .ok_or(WireError::InvalidDateTime { element: "authorizations-created-since", text: excerpt(&text) })
            })
            .transpose()?;
        let number_of_results = optional_text(parameters, "parameters", "num-results")?
            .map(|text| {
                text.parse::<u32>()
                    .ok()
                    .filter(|number| *number > 0)
                    .ok_or(WireError::InvalidNumber { element: "num-results", text: excerpt(&text) })
            })
            .transpose()?;
        Ok(Self { person_id_cursor, authorizations_created_since, number_of_results })
    }
}

/// One page of people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAuthorizedPeopleResponse {
    /// `person-info*`.
    pub people: Vec<PersonInfo>,
    /// `more-results`: another page follows (ask again with the last person id as cursor).
    pub more_results: bool,
}

impl GetAuthorizedPeopleResponse {
    /// The `wc:info` of the response.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.start("response-results");
        for person in &self.people {
            person.write(&mut builder);
        }
        builder.text_element("more-results", if self.more_results { "true" } else { "false" });
        builder.end("response-results");
        ResponseInfo::new("GetAuthorizedPeople", builder.finish())
    }

    /// Reads the inner XML of a response's `wc:info`.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let results = optional_child(document.root_element(), "info", "response-results")?
            .ok_or(WireError::MissingElement { parent: "info", element: "response-results" })?;
        let people = children_named(results, "person-info")
            .map(|person| PersonInfo::parse_info_xml(&wrapped[person.range()]))
            .collect::<Result<_, _>>()?;
        let more_results =
            optional_text(results, "response-results", "more-results")?.is_some_and(|text| text == "true");
        Ok(Self { people, more_results })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse_request;
    use crate::response::{Response, parse_response};
    use crate::testing::{ReferenceDocs, Xmllint};

    #[test]
    fn reads_pyhealthvault_parameters() {
        let body = r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>GetAuthorizedPeople</method><method-version>1</method-version></header><info><parameters><person-id-cursor>cc5e5771-4da7-4961-a758-d7714223d9ab</person-id-cursor><num-results>10</num-results></parameters></info></wc-request:request>"#;
        let parsed = GetAuthorizedPeopleRequest::from_request(&parse_request(body).unwrap()).unwrap();
        assert_eq!(parsed.number_of_results, Some(10));
        assert!(parsed.person_id_cursor.is_some());
        let zero = body.replace("<num-results>10", "<num-results>0");
        assert!(GetAuthorizedPeopleRequest::from_request(&parse_request(&zero).unwrap()).is_err());
    }

    #[test]
    fn reads_the_sdk_sample_and_validates_what_it_writes() {
        let Some(docs) = ReferenceDocs::locate("GetAuthorizedPeople sample") else { return };
        let sample = docs.read("wire-samples/dotnetstandard-sdk-unittest-samples/GetAuthorizedPeopleResult.xml");
        let info = parse_response(&sample).unwrap().info.unwrap();
        let page = GetAuthorizedPeopleResponse::parse_info_xml(info.inner_xml).unwrap();
        assert!(!page.people.is_empty());
        assert_eq!(page.people[0].name, "David Rickard");
        let written = Response::ok(page.to_info()).to_xml();
        let reread =
            GetAuthorizedPeopleResponse::parse_info_xml(parse_response(&written).unwrap().info.unwrap().inner_xml)
                .unwrap();
        assert_eq!(reread, page);
        let Some(xmllint) = Xmllint::locate("GetAuthorizedPeople XSD validation", &docs) else { return };
        let info = page.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-getauthorizedpeople.xsd", &standalone) {
            panic!("GetAuthorizedPeople does not validate:\n{report}");
        }
    }
}
