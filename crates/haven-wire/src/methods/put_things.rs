//! PutThings (versions 1 and 2): create things, or new versions of existing ones. The request
//! is `thing+` (thing.xsd `Thing` in v1, `Thing2` in v2); the answer lists the new key of each
//! thing, in request order, and is in the `PutThings` schema for both versions (there is no
//! `PutThings2` response schema; pyhealthvault expects `PutThings`).
//!
//! Writes in one request are one transaction, new things must not carry a `thing-id`, and an
//! update must name the current version; those checks are the platform's.

use haven_domain::thing::ThingKey;

use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{SubmittedThing, ThingSchema, parse_key, write_key};
use crate::xml::{XmlBuilder, children_named, parse_document};

/// The method name.
pub const METHOD: &str = "PutThings";

/// The response schema of every version.
pub const RESPONSE_SCHEMA: &str = "PutThings";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutThingsRequest {
    /// The method version, 1 or 2.
    pub version: u32,
    /// `thing+`, in request order.
    pub things: Vec<SubmittedThing>,
}

impl PutThingsRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version`. Both versions accept `data-other` and
    /// `blob-payload` (see [`SubmittedThing`]); at least one `thing` is required.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let things: Vec<_> = children_named(document.root_element(), "thing")
            .map(|thing| SubmittedThing::parse(info_xml, thing))
            .collect::<Result<_, _>>()?;
        if things.is_empty() {
            return Err(WireError::MissingElement { parent: "info", element: "thing" });
        }
        Ok(Self { version, things })
    }

    /// Writes `<info>...</info>` as a client sends it (see [`SubmittedThing`] for what each
    /// version can carry).
    pub fn to_info_xml(&self) -> String {
        let schema = if self.version >= 2 { ThingSchema::Thing2 } else { ThingSchema::Thing };
        let mut builder = XmlBuilder::new();
        builder.start("info");
        for thing in &self.things {
            thing.write(&mut builder, schema);
        }
        builder.end("info");
        builder.finish()
    }
}

/// The answer: the key of each thing written, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutThingsResponse {
    /// `thing-id@version-stamp+`.
    pub keys: Vec<ThingKey>,
}

impl PutThingsResponse {
    /// The answer's `wc:info`, in the `PutThings` schema.
    pub fn to_response_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        for key in &self.keys {
            write_key(&mut builder, "thing-id", *key);
        }
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info`.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let keys = children_named(document.root_element(), "thing-id")
            .map(|key| parse_key(key, "thing-id", "thing-id@version-stamp"))
            .collect::<Result<_, _>>()?;
        Ok(Self { keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse_request;
    use crate::response::{Response, parse_response, response_schema_name};
    use crate::testing::Xmllint;
    use haven_domain::ids::{ThingId, VersionStamp};
    use haven_domain::thing_type::HEIGHT;

    /// pyhealthvault 1.0's PutThings v2 for a Height (its `HealthRecordItem.write_xml`): no
    /// `thing-id`, `thing-state` and `flags` always, an `eff-date` with a `+00:00` offset and
    /// microseconds, and `data-xml` without `common`.
    const PYHEALTHVAULT_HEIGHT: &str = concat!(
        "<info><thing><type-id>40750a6a-89b2-455c-bd8d-b420a4cb500b</type-id>",
        "<thing-state>Active</thing-state><flags>0</flags>",
        "<eff-date>2016-03-01T10:20:30.123456+00:00</eff-date><data-xml><height><when><date><y>2016</y>",
        "<m>3</m><d>1</d></date><time><h>10</h><m>20</m><s>30</s></time></when><value><m>1.8</m>",
        "<display units=\"cm\">180.0</display></value></height></data-xml></thing></info>"
    );

    #[test]
    fn reads_pyhealthvault_height() {
        let body = format!(
            concat!(
                r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
                "<method>PutThings</method><method-version>2</method-version>",
                "<record-id>7a2f1c3e-0000-4000-8000-000000000001</record-id></header>{}</wc-request:request>"
            ),
            PYHEALTHVAULT_HEIGHT
        );
        let request = PutThingsRequest::from_request(&parse_request(&body).unwrap()).unwrap();
        assert_eq!(request.version, 2);
        let [thing] = request.things.as_slice() else { panic!("one thing expected") };
        assert_eq!(thing.key, None);
        assert_eq!(thing.draft.type_id, HEIGHT);
        assert_eq!(thing.draft.flags.0, 0);
        assert!(thing.draft.data_xml.starts_with("<height><when>"));
        assert!(thing.draft.data_xml.ends_with("</value></height>"));
        assert_eq!(thing.draft.common, Default::default());
        assert!(haven_domain::thing_type::by_id(HEIGHT).unwrap().validate(&thing.draft.data_xml).is_ok());
    }

    #[test]
    fn requests_round_trip_and_bad_ones_are_refused() {
        let mut request = PutThingsRequest::parse_info(2, PYHEALTHVAULT_HEIGHT).unwrap();
        request.things[0].draft.updated_end_date = Some(time::macros::datetime!(2016-09-01 0:00));
        assert_eq!(PutThingsRequest::parse_info(2, &request.to_info_xml()).unwrap(), request);
        // `Thing` has no updated-end-date, so v1 requests go without it.
        request.things[0].draft.updated_end_date = None;
        let v1 = PutThingsRequest { version: 1, ..request };
        assert_eq!(PutThingsRequest::parse_info(1, &v1.to_info_xml()).unwrap(), v1);
        assert_eq!(
            PutThingsRequest::parse_info(2, "<info/>"),
            Err(WireError::MissingElement { parent: "info", element: "thing" })
        );
        assert_eq!(
            PutThingsRequest::parse_info(3, PYHEALTHVAULT_HEIGHT),
            Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 3 })
        );
    }

    fn keys() -> PutThingsResponse {
        let key = |id: &str, version: &str| ThingKey {
            id: ThingId::parse(id).unwrap(),
            version: VersionStamp::parse(version).unwrap(),
        };
        PutThingsResponse {
            keys: vec![
                key("31501360-362b-4791-ae12-141386ac5da6", "672b1c15-4704-4bcd-97d6-3e183309af0a"),
                key("60ed4338-0b1b-4061-aad4-effe2b8bbccd", "e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f"),
            ],
        }
    }

    #[test]
    fn response_round_trips_in_the_put_things_schema() {
        let response = keys();
        let info = response.to_response_info();
        assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
        assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 2));
        assert_eq!(
            info.inner_xml,
            concat!(
                r#"<thing-id version-stamp="672b1c15-4704-4bcd-97d6-3e183309af0a">31501360-362b-4791-ae12-141386ac5da6</thing-id>"#,
                r#"<thing-id version-stamp="e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f">60ed4338-0b1b-4061-aad4-effe2b8bbccd</thing-id>"#
            )
        );
        let body = Response::ok(info).to_xml();
        let parsed = parse_response(&body).unwrap().info.unwrap();
        assert_eq!(parsed.schema(), Some("PutThings"));
        assert_eq!(PutThingsResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);
    }

    /// Requests as the SDK writes them, with an updated-end-date, follow both request schemas.
    #[test]
    fn requests_validate_against_the_xsds() {
        let Some(schemas) = Xmllint::for_test("PutThings request XSD validation") else {
            return;
        };
        let mut request = PutThingsRequest::parse_info(2, PYHEALTHVAULT_HEIGHT).unwrap();
        request.things[0].draft.updated_end_date = Some(time::macros::datetime!(2016-09-01 0:00));
        for (version, xsd, namespace) in [
            (1, "method-putthings.xsd", "urn:com.microsoft.wc.methods.PutThings"),
            (2, "method-putthings2.xsd", "urn:com.microsoft.wc.methods.PutThings2"),
        ] {
            let info = PutThingsRequest { version, ..request.clone() }.to_info_xml();
            assert_eq!(info.contains("<updated-end-date>2016-09-01T00:00:00</updated-end-date>"), version == 2);
            let qualified = info.replacen("<info>", &format!(r#"<wc:info xmlns:wc="{namespace}">"#), 1);
            let qualified = qualified.replacen("</info>", "</wc:info>", 1);
            if let Err(report) = schemas.validate(xsd, &qualified) {
                panic!("PutThings v{version} request does not validate against {xsd}:\n{report}");
            }
        }
    }

    #[test]
    fn response_validates_against_the_xsd() {
        let Some(schemas) = Xmllint::for_test("PutThings XSD validation") else {
            return;
        };
        let info = keys().to_response_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = schemas.validate("response-putthings.xsd", &standalone) {
            panic!("PutThings response does not validate:\n{report}");
        }
    }
}
