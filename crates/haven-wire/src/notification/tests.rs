use super::*;
use crate::testing::Xmllint;

const SUBSCRIPTION_ID: &str = "9b1c5f0e-3d2a-4c61-8f4e-2a7b9c0d1e2f";
const OTHER_SUBSCRIPTION_ID: &str = "0f6d2b1a-8c3e-4d5f-9a7b-1c2d3e4f5a6b";
const PERSON_ID: &str = "f0199615-0979-4dcd-a7ca-b9530d2b787d";
const RECORD_ID: &str = "7a231675-4e78-451f-b94d-1e05b2a24586";
const THING_IDS: [&str; 2] = ["5d5a8e7f-1b2c-4d3e-8f9a-0b1c2d3e4f50", "6e6b9f80-2c3d-4e4f-9a0b-1c2d3e4f5061"];

fn notification(subscription_id: &str, things: &[&str]) -> Notification {
    Notification {
        subscription_id: subscription_id.to_owned(),
        record_change: RecordChangeNotification {
            person_id: PersonId::parse(PERSON_ID).unwrap(),
            record_id: RecordId::parse(RECORD_ID).unwrap(),
            thing_ids: things.iter().map(|text| ThingId::parse(text).unwrap()).collect(),
        },
    }
}

fn batch() -> Vec<Notification> {
    vec![notification(SUBSCRIPTION_ID, &THING_IDS), notification(OTHER_SUBSCRIPTION_ID, &THING_IDS[..1])]
}

#[test]
fn notifications_round_trip() {
    let body = write_notifications(&batch());
    assert_eq!(
        body,
        format!(
            concat!(
                r#"<wc:notifications xmlns:wc="urn:com.microsoft.wc.notification"><notification>"#,
                "<common><subscription-id>{subscription}</subscription-id></common><record-change-notification>",
                "<person-id>{person}</person-id><record-id>{record}</record-id><things>",
                "<thing><thing-id>{first}</thing-id></thing><thing><thing-id>{second}</thing-id></thing></things>",
                "</record-change-notification></notification><notification>",
                "<common><subscription-id>{other}</subscription-id></common><record-change-notification>",
                "<person-id>{person}</person-id><record-id>{record}</record-id><things>",
                "<thing><thing-id>{first}</thing-id></thing></things>",
                "</record-change-notification></notification></wc:notifications>"
            ),
            subscription = SUBSCRIPTION_ID,
            other = OTHER_SUBSCRIPTION_ID,
            person = PERSON_ID,
            record = RECORD_ID,
            first = THING_IDS[0],
            second = THING_IDS[1],
        )
    );
    assert_eq!(parse_notifications(&body).unwrap(), batch());
}

/// The sample's shape, indented, with a declaration and a byte-order mark, and another prefix.
#[test]
fn reads_the_sample_shape() {
    let body = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>
<n:notifications xmlns:n=\"urn:com.microsoft.wc.notification\">
  <notification>
    <common><subscription-id>{}</subscription-id></common>
    <record-change-notification>
      <person-id>{PERSON_ID}</person-id>
      <record-id>{RECORD_ID}</record-id>
      <things>
        <thing><thing-id>{}</thing-id></thing>
        <thing><thing-id>{}</thing-id></thing>
      </things>
    </record-change-notification>
  </notification>
</n:notifications>",
        SUBSCRIPTION_ID.to_uppercase(),
        THING_IDS[0],
        THING_IDS[1].to_uppercase()
    );
    assert_eq!(parse_notifications(&body).unwrap(), vec![notification(SUBSCRIPTION_ID, &THING_IDS)]);
}

/// `notification.xsd` as published: `things` holds one `thing-id` directly. The text validates
/// against the schema, and reads.
#[test]
fn reads_the_schema_shape() {
    let body = format!(
        concat!(
            r#"<wc:notifications xmlns:wc="urn:com.microsoft.wc.notification"><notification>"#,
            "<common><subscription-id>{}</subscription-id></common><record-change-notification>",
            "<person-id>{}</person-id><record-id>{}</record-id><things><thing-id>{}</thing-id></things>",
            "</record-change-notification></notification></wc:notifications>"
        ),
        SUBSCRIPTION_ID, PERSON_ID, RECORD_ID, THING_IDS[0]
    );
    assert_eq!(parse_notifications(&body).unwrap(), vec![notification(SUBSCRIPTION_ID, &THING_IDS[..1])]);

    let Some(xmllint) = Xmllint::for_test("notification XSD validation") else {
        return;
    };
    if let Err(report) = xmllint.validate("notification.xsd", &body) {
        panic!("the schema-shaped notification does not validate:\n{report}");
    }
    // What we write follows the sample and the .NET SDK, which the published schema refuses.
    assert!(xmllint.validate("notification.xsd", &write_notifications(&batch())).is_err());
}

/// Kinds of notification this crate does not know are skipped, as the schema asks receivers
/// to do.
#[test]
fn unknown_kinds_are_skipped() {
    let known = write_notifications(&batch());
    let with_unknown = known.replacen(
        "<notification>",
        &format!(
            "<notification><common><subscription-id>{OTHER_SUBSCRIPTION_ID}</subscription-id></common>\
             <record-authorization-notification/></notification><notification>"
        ),
        1,
    );
    assert_eq!(parse_notifications(&with_unknown).unwrap(), batch());
}

#[test]
fn malformed_bodies_are_named() {
    let body = write_notifications(&batch()[..1]);
    let wrong_namespace = body.replace(NOTIFICATION_NAMESPACE, "urn:com.microsoft.wc.subscription");
    assert!(matches!(parse_notifications(&wrong_namespace), Err(WireError::WrongRoot { .. })));
    let unqualified = body.replace("wc:notifications", "notifications").replace(" xmlns:wc=", " xmlns:x=");
    assert!(matches!(parse_notifications(&unqualified), Err(WireError::WrongRoot { .. })));
    assert_eq!(
        parse_notifications(r#"<wc:notifications xmlns:wc="urn:com.microsoft.wc.notification"/>"#),
        Err(WireError::MissingElement { parent: "notifications", element: "notification" })
    );
    let cases = [
        (
            body.replace(&format!("<subscription-id>{SUBSCRIPTION_ID}</subscription-id>"), ""),
            "common",
            "subscription-id",
        ),
        (body.replace(&format!("<person-id>{PERSON_ID}</person-id>"), ""), "record-change-notification", "person-id"),
        (body.replace(&format!("<record-id>{RECORD_ID}</record-id>"), ""), "record-change-notification", "record-id"),
        (
            body.replace("<thing>", "")
                .replace("</thing>", "")
                .replace("<thing-id>", "<id>")
                .replace("</thing-id>", "</id>"),
            "things",
            "thing",
        ),
        (body.replace(&format!("<thing-id>{}</thing-id>", THING_IDS[1]), ""), "thing", "thing-id"),
    ];
    for (text, parent, element) in cases {
        assert_eq!(parse_notifications(&text), Err(WireError::MissingElement { parent, element }), "{text}");
    }
    let no_common = body.replace(&format!("<common><subscription-id>{SUBSCRIPTION_ID}</subscription-id></common>"), "");
    assert_eq!(
        parse_notifications(&no_common),
        Err(WireError::MissingElement { parent: "notification", element: "common" })
    );
    let no_things = body.replace(&body[body.find("<things>").unwrap()..body.find("</things>").unwrap() + 9], "");
    assert_eq!(
        parse_notifications(&no_things),
        Err(WireError::MissingElement { parent: "record-change-notification", element: "things" })
    );
    let bad_subscription = parse_notifications(&body.replace(SUBSCRIPTION_ID, "1")).unwrap_err();
    assert!(matches!(bad_subscription, WireError::InvalidGuid { element: "common/subscription-id", .. }));
    let bad_thing = parse_notifications(&body.replace(THING_IDS[0], "thing")).unwrap_err();
    assert!(matches!(bad_thing, WireError::InvalidGuid { element: "thing/thing-id", .. }), "{bad_thing}");
    let bad_person = parse_notifications(&body.replace(PERSON_ID, "me")).unwrap_err();
    assert!(matches!(bad_person, WireError::InvalidGuid { element: "person-id", .. }), "{bad_person}");
}

#[test]
fn webhook_events_have_the_documented_json() {
    let timestamp = time::macros::datetime!(2026-11-21 12:00:00.25 UTC);
    let event = WebhookEvent::record_things_changed(&batch()[0], timestamp);
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(
        json,
        format!(
            concat!(
                r#"{{"type":"record.things.changed","timestamp":"2026-11-21T12:00:00.25Z","data":{{"#,
                r#""subscription_id":"{}","person_id":"{}","record_id":"{}","thing_ids":["{}","{}"]}}}}"#
            ),
            SUBSCRIPTION_ID, PERSON_ID, RECORD_ID, THING_IDS[0], THING_IDS[1]
        )
    );
    let read_back: WebhookEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(read_back, event);
    assert_eq!(read_back.data.to_notification(), batch()[0]);

    let with_extra_member = json.replacen(r#""type""#, r#""future":1,"type""#, 1);
    assert_eq!(serde_json::from_str::<WebhookEvent>(&with_extra_member).unwrap(), event);
    let offset = json.replace("12:00:00.25Z", "13:00:00.25+01:00");
    assert_eq!(serde_json::from_str::<WebhookEvent>(&offset).unwrap().timestamp, timestamp);
}
