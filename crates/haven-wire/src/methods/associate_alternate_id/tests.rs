use super::*;
use crate::request::parse_request;
use crate::response::response_schema_name;

/// python-healthvault's `associate_alternate_id`: `<info><alternate-id>%s</alternate-id></info>`
/// in an online request for a record.
#[test]
fn reads_python_healthvault() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><auth><hmac-data algName="HMACSHA1">"#,
        "c2lnbmF0dXJl</hmac-data></auth><header><method>AssociateAlternateId</method>",
        "<method-version>1</method-version><record-id>7a231675-4e78-451f-b94d-1e05b2a24586</record-id>",
        "<auth-session><auth-token>token</auth-token><user-auth-token>wctoken</user-auth-token></auth-session>",
        "<language>en</language><country>US</country><msg-time>2013-01-01T10:00:00Z</msg-time>",
        "<msg-ttl>36000</msg-ttl><version>0.0.0.1</version></header>",
        "<info><alternate-id>Patient-42</alternate-id></info></wc-request:request>"
    );
    let request = AssociateAlternateIdRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(request.alternate_id.as_str(), "Patient-42");
    assert_eq!(AssociateAlternateIdRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
    assert_eq!(response_schema_name(METHOD, 1), None, "AssociateAlternateId answers without wc:info");
}

#[test]
fn an_overlong_id_is_refused() {
    let info = format!("<info><alternate-id>{}</alternate-id></info>", "7".repeat(256));
    assert!(matches!(
        AssociateAlternateIdRequest::parse_info(1, &info),
        Err(WireError::InvalidValue { element: "alternate-id", .. })
    ));
}
