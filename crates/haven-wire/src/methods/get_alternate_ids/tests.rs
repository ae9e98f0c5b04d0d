use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

fn response() -> GetAlternateIdsResponse {
    GetAlternateIdsResponse {
        alternate_ids: ["Patient-42", "patient-42", "mrn:0042 & <co>"]
            .into_iter()
            .map(|text| parse_alternate_id(text).unwrap())
            .collect(),
    }
}

/// python-healthvault's `get_alternate_ids` sends `<info/>`.
#[test]
fn reads_python_healthvault_request() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetAlternateIds</method><method-version>1</method-version>",
        "<record-id>7a231675-4e78-451f-b94d-1e05b2a24586</record-id></header><info/></wc-request:request>"
    );
    let request = parse_request(body).unwrap();
    assert_eq!(GetAlternateIdsRequest::from_request(&request), Ok(GetAlternateIdsRequest));
    assert_eq!(request.info_xml(), Some(GetAlternateIdsRequest.to_info_xml().as_str()));
    let version_two = body.replace("<method-version>1</method-version>", "<method-version>2</method-version>");
    assert_eq!(
        GetAlternateIdsRequest::from_request(&parse_request(&version_two).unwrap()),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

/// python-healthvault reads `info.findall("alternate-ids/alternate-id")` texts.
#[test]
fn response_round_trips() {
    let info = response().to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(
        info.inner_xml,
        concat!(
            "<alternate-ids><alternate-id>Patient-42</alternate-id><alternate-id>patient-42</alternate-id>",
            "<alternate-id>mrn:0042 &amp; &lt;co&gt;</alternate-id></alternate-ids>"
        )
    );
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(GetAlternateIdsResponse::parse_info_xml(parsed.inner_xml).unwrap(), response());
    let none = GetAlternateIdsResponse { alternate_ids: Vec::new() };
    assert_eq!(none.to_info().inner_xml, "<alternate-ids></alternate-ids>");
    assert_eq!(GetAlternateIdsResponse::parse_info_xml("<alternate-ids/>").unwrap(), none);
    assert_eq!(
        GetAlternateIdsResponse::parse_info_xml(""),
        Err(WireError::MissingElement { parent: "info", element: "alternate-ids" })
    );
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(docs) = ReferenceDocs::locate("GetAlternateIds XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetAlternateIds XSD validation", &docs) else {
        return;
    };
    for response in [response(), GetAlternateIdsResponse { alternate_ids: Vec::new() }] {
        let info = response.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-getalternateids.xsd", &standalone) {
            panic!("GetAlternateIds does not validate:\n{report}");
        }
    }
}
