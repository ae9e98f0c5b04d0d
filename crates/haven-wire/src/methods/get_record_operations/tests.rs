use haven_domain::ids::{RecordId, ThingId, VersionStamp};
use haven_domain::thing_type::{ALLERGY, WEIGHT};
use time::macros::datetime;

use super::*;
use crate::request::parse_request;
use crate::response::{Response, parse_response, response_schema_name};
use crate::testing::Xmllint;

fn key(id: &str, version: &str) -> ThingKey {
    ThingKey { id: ThingId::parse(id).unwrap(), version: VersionStamp::parse(version).unwrap() }
}

fn operations() -> Vec<RecordOperation> {
    let record_id = RecordId::parse("7a231675-4e78-451f-b94d-1e05b2a24586").unwrap();
    let thing = "31501360-362b-4791-ae12-141386ac5da6";
    [
        (35, "672b1c15-4704-4bcd-97d6-3e183309af0a", AuditAction::Created),
        (36, "e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f", AuditAction::Updated),
        (37, "11d99ccc-ee45-4748-9076-ef005634b04d", AuditAction::Deleted),
    ]
    .into_iter()
    .map(|(sequence, version, action)| RecordOperation {
        record_id,
        sequence,
        thing_key: key(thing, version),
        type_id: WEIGHT,
        eff_date: datetime!(2017-05-09 11:00:44.759),
        action,
        timestamp: datetime!(2017-05-09 18:00 UTC),
    })
    .collect()
}

#[test]
fn requests_are_read_and_round_trip() {
    let body = concat!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header>"#,
        "<method>GetRecordOperations</method><method-version>1</method-version>",
        "<record-id>7a231675-4e78-451f-b94d-1e05b2a24586</record-id></header>",
        "<info><record-operation-sequence-number> 34 </record-operation-sequence-number></info></wc-request:request>"
    );
    let request = GetRecordOperationsRequest::from_request(&parse_request(body).unwrap()).unwrap();
    assert_eq!(request, GetRecordOperationsRequest { since_sequence: 34 });
    assert_eq!(GetRecordOperationsRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
}

#[test]
fn bad_requests_are_named() {
    assert_eq!(
        GetRecordOperationsRequest::parse_info(1, "<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "record-operation-sequence-number" })
    );
    assert_eq!(
        GetRecordOperationsRequest::parse_info(
            1,
            "<info><record-operation-sequence-number>-1</record-operation-sequence-number></info>"
        ),
        Err(WireError::InvalidNumber { element: "record-operation-sequence-number", text: "-1".to_owned() })
    );
    assert_eq!(
        GetRecordOperationsRequest::parse_info(2, "<info/>"),
        Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
    );
}

#[test]
fn maps_the_domain_log_and_round_trips() {
    let response = GetRecordOperationsResponse::new(37, &operations());
    let info = response.to_info();
    assert_eq!(Some(info.schema.as_str()), response_schema_name(METHOD, 1));
    assert!(info.inner_xml.starts_with(concat!(
        "<latest-record-operation-sequence-number>37</latest-record-operation-sequence-number><operations>",
        "<record-operation><operation>Create</operation><sequence-number>35</sequence-number>",
        r#"<thing-id version-stamp="672b1c15-4704-4bcd-97d6-3e183309af0a">31501360-362b-4791-ae12-141386ac5da6</thing-id>"#,
        "<type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><eff-date>2017-05-09T11:00:44.759</eff-date>",
        "</record-operation><record-operation><operation>Update</operation>"
    )));
    assert!(info.inner_xml.contains("<operation>Delete</operation><sequence-number>37</sequence-number>"));
    let written = Response::ok(info).to_xml();
    let parsed = parse_response(&written).unwrap().info.unwrap();
    assert_eq!(parsed.schema(), Some(RESPONSE_SCHEMA));
    assert_eq!(GetRecordOperationsResponse::parse_info_xml(parsed.inner_xml).unwrap(), response);
    let caught_up = GetRecordOperationsResponse::new(37, &[]);
    assert_eq!(
        caught_up.to_info().inner_xml,
        "<latest-record-operation-sequence-number>37</latest-record-operation-sequence-number>"
    );
}

/// The answer the iOS SDK's sync tests mock for GetRecordOperations.
#[test]
fn reads_the_ios_sdk_answer() {
    let body = concat!(
        r#"<response><status><code>0</code></status><wc:info xmlns:wc="urn:com.microsoft.wc.methods.response.GetRecordOperations">"#,
        "<latest-record-operation-sequence-number>959</latest-record-operation-sequence-number><operations>",
        "<record-operation><operation>Create</operation><sequence-number>959</sequence-number>",
        r#"<thing-id version-stamp="11d99ccc-ee45-4748-9076-ef005634b04d">a01e7b0b-9ab1-40d9-b172-d5035d1620d7</thing-id>"#,
        "<type-id>52bf9104-2c5e-4f1f-a66d-552ebcc53df7</type-id><eff-date>2017-07-05T06:24:58</eff-date>",
        "<updated-end-date>2017-07-05T06:24:58</updated-end-date></record-operation></operations></wc:info></response>"
    );
    let info = parse_response(body).unwrap().info.unwrap();
    let parsed = GetRecordOperationsResponse::parse_info_xml(info.inner_xml).unwrap();
    assert_eq!(parsed.latest_sequence, 959);
    let [operation] = parsed.operations.as_slice() else { panic!("one operation expected") };
    assert_eq!(operation.action, AuditAction::Created);
    assert_eq!(operation.sequence, 959);
    assert_eq!(operation.key, key("a01e7b0b-9ab1-40d9-b172-d5035d1620d7", "11d99ccc-ee45-4748-9076-ef005634b04d"));
    assert_eq!(operation.type_id, ALLERGY);
    assert_eq!(operation.eff_date, Some(datetime!(2017-07-05 06:24:58)));
    assert_eq!(operation.updated_end_date, Some(datetime!(2017-07-05 06:24:58)));
}

#[test]
fn bad_answers_are_named() {
    let operation = |name: &str| {
        format!(
            "<latest-record-operation-sequence-number>1</latest-record-operation-sequence-number><operations>\
             <record-operation><operation>{name}</operation><sequence-number>1</sequence-number>\
             <thing-id version-stamp=\"11d99ccc-ee45-4748-9076-ef005634b04d\">a01e7b0b-9ab1-40d9-b172-d5035d1620d7</thing-id>\
             <type-id>52bf9104-2c5e-4f1f-a66d-552ebcc53df7</type-id></record-operation></operations>"
        )
    };
    assert!(GetRecordOperationsResponse::parse_info_xml(&operation("Delete")).is_ok());
    assert_eq!(
        GetRecordOperationsResponse::parse_info_xml(&operation("Created")),
        Err(WireError::InvalidValue {
            element: "record-operation/operation",
            expected: "Create, Update or Delete",
            text: "Created".to_owned()
        })
    );
    assert_eq!(
        GetRecordOperationsResponse::parse_info_xml("<operations/>"),
        Err(WireError::MissingElement { parent: "info", element: "latest-record-operation-sequence-number" })
    );
}

#[test]
fn responses_validate_against_the_xsd() {
    let Some(schemas) = Xmllint::for_test("GetRecordOperations XSD validation") else {
        return;
    };
    let with_end_date = GetRecordOperationsResponse {
        latest_sequence: 38,
        operations: vec![RecordOperationInfo {
            updated_end_date: Some(datetime!(2017-07-05 06:24:58)),
            eff_date: None,
            ..RecordOperationInfo::from(&operations()[0])
        }],
    };
    for response in
        [GetRecordOperationsResponse::new(37, &operations()), GetRecordOperationsResponse::new(0, &[]), with_end_date]
    {
        let info = response.to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = schemas.validate("response-getrecordoperations.xsd", &standalone) {
            panic!("GetRecordOperations does not validate:\n{report}");
        }
    }
}
