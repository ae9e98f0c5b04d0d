use super::*;
use crate::request::parse_request;
use crate::response::response_schema_name;

#[test]
fn reads_python_healthvault_and_round_trips() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>DisassociateAlternateId</method><method-version>1</method-version>",
        "<record-id>7a231675-4e78-451f-b94d-1e05b2a24586</record-id></header>",
        "<info><alternate-id>Patient-42</alternate-id></info></wc-request:request>"
    );
    let request = DisassociateAlternateIdRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(request.alternate_id.as_str(), "Patient-42");
    assert_eq!(DisassociateAlternateIdRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
    assert_eq!(response_schema_name(METHOD, 1), None, "DisassociateAlternateId answers without wc:info");
}

#[test]
fn a_request_without_info_is_refused() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>DisassociateAlternateId</method><method-version>1</method-version></header></wc-request:request>"
    );
    assert_eq!(
        DisassociateAlternateIdRequest::from_request(&parse_request(body).unwrap()),
        Err(WireError::MissingElement { parent: "request", element: "info" })
    );
}
