use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::{ReferenceDocs, Xmllint};

fn response() -> GetUpdatedRecordsResponse {
    GetUpdatedRecordsResponse {
        records: vec![
            UpdatedRecord {
                record_id: RecordId::parse("7a231675-4e78-451f-b94d-1e05b2a24586").unwrap(),
                update_date: datetime!(2017-03-17 19:00:02.177 UTC),
                person_id: PersonId::parse("f2455640-2294-4e8f-99b0-a386fd478699").unwrap(),
                latest_operation_sequence: Some(36),
            },
            UpdatedRecord {
                record_id: RecordId::parse("0b6e0f55-3a3d-4bc1-9f0a-3c8f4a1d2e7b").unwrap(),
                update_date: datetime!(2017-03-18 08:00 UTC),
                person_id: PersonId::parse("f2455640-2294-4e8f-99b0-a386fd478699").unwrap(),
                latest_operation_sequence: None,
            },
        ],
    }
}

/// The .NET SDK's `GetUpdatedRecordsForApplicationAsync` calls version 2 with
/// `<update-date>` written by `SDKHelper.XmlFromDateTime`, or no parameters.
#[test]
fn reads_the_dotnet_request_and_round_trips() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetUpdatedRecordsForApplication</method><method-version>2</method-version>",
        "<app-id>05a059c9-c309-46af-9b86-b06d42510550</app-id></header>",
        "<info><update-date>2017-03-17T12:00:02.1770000-07:00</update-date></info></wc-request:request>"
    );
    let request = GetUpdatedRecordsRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(
        request,
        GetUpdatedRecordsRequest { version: 2, update_date: Some(datetime!(2017-03-17 19:00:02.177 UTC)) }
    );
    assert_eq!(GetUpdatedRecordsRequest::parse_info(2, &request.to_info_xml()).unwrap(), request);
    let everything = GetUpdatedRecordsRequest::parse_info(1, "<info/>").unwrap();
    assert_eq!(everything, GetUpdatedRecordsRequest { version: 1, update_date: None });
    assert_eq!(everything.to_info_xml(), "<info></info>");
}

#[test]
fn bad_requests_are_named() {
    assert!(matches!(
        GetUpdatedRecordsRequest::parse_info(2, "<info><update-date>yesterday</update-date></info>"),
        Err(WireError::InvalidDateTime { element: "update-date", .. })
    ));
    assert_eq!(
        GetUpdatedRecordsRequest::parse_info(3, "<info/>"),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 3 })
    );
}

#[test]
fn version_2_round_trips() {
    let info = response().to_info(2);
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 2));
    assert!(info.inner_xml.starts_with(concat!(
        "<updated-records><updated-record><record-id>7a231675-4e78-451f-b94d-1e05b2a24586</record-id>",
        "<update-date>2017-03-17T19:00:02.177Z</update-date><person-id>f2455640-2294-4e8f-99b0-a386fd478699</person-id>",
        "<latest-operation-sequence-number>36</latest-operation-sequence-number></updated-record>"
    )));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some("GetUpdatedRecordsForApplication2"));
    assert_eq!(GetUpdatedRecordsResponse::parse_info_xml(parsed.inner_xml).unwrap(), response());
    assert!(matches!(
        GetUpdatedRecordsResponse::parse_info_xml(
            "<updated-records><updated-record><record-id>7a231675-4e78-451f-b94d-1e05b2a24586</record-id>\
             <update-date>2017-03-17T19:00:02Z</update-date><person-id>f2455640-2294-4e8f-99b0-a386fd478699</person-id>\
             <latest-operation-sequence-number>-1</latest-operation-sequence-number></updated-record></updated-records>"
        ),
        Err(WireError::InvalidNumber { element: "latest-operation-sequence-number", .. })
    ));
}

#[test]
fn version_1_keeps_ids_and_dates() {
    let info = response().to_info(1);
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert_eq!(
        info.inner_xml,
        concat!(
            r#"<record-id update-date="2017-03-17T19:00:02.177Z">7a231675-4e78-451f-b94d-1e05b2a24586</record-id>"#,
            r#"<record-id update-date="2017-03-18T08:00:00Z">0b6e0f55-3a3d-4bc1-9f0a-3c8f4a1d2e7b</record-id>"#
        )
    );
    let parsed = GetUpdatedRecordsResponse::parse_version_1_info_xml(&info.inner_xml).unwrap();
    let expected: Vec<_> = response()
        .records
        .iter()
        .map(|record| UpdatedRecordId { record_id: record.record_id, update_date: record.update_date })
        .collect();
    assert_eq!(parsed, expected);
    assert_eq!(
        GetUpdatedRecordsResponse::parse_version_1_info_xml(
            "<record-id>7a231675-4e78-451f-b94d-1e05b2a24586</record-id>"
        ),
        Err(WireError::MissingAttribute { element: "record-id", attribute: "update-date" })
    );
}

#[test]
fn responses_validate_against_the_xsds() {
    let Some(docs) = ReferenceDocs::locate("GetUpdatedRecordsForApplication XSD validation") else {
        return;
    };
    let Some(xmllint) = Xmllint::locate("GetUpdatedRecordsForApplication XSD validation", &docs) else {
        return;
    };
    let empty = GetUpdatedRecordsResponse { records: Vec::new() };
    for (version, schema) in
        [(1, "response-getupdatedrecordsforapplication.xsd"), (2, "response-getupdatedrecordsforapplication2.xsd")]
    {
        for response in [response(), empty.clone()] {
            let info = response.to_info(version);
            let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
            if let Err(report) = xmllint.validate(schema, &standalone) {
                panic!("GetUpdatedRecordsForApplication v{version} does not validate:\n{report}");
            }
        }
    }
}
