use haven_domain::thing_type::{BLOOD_PRESSURE, WEIGHT};

use super::*;
use crate::testing::Xmllint;

/// The pattern `subscription.xsd` gives `EventingKeyVersionId`.
const KEY_VERSION_PATTERN: &str = "'^[a-zA-Z0-9-]*$'";

/// A 64-byte key, as the schema's annotation asks for.
pub(crate) fn key_bytes() -> Vec<u8> {
    (0..64).map(|index| index * 3).collect()
}

pub(crate) fn subscription(id: Option<&str>) -> Subscription {
    Subscription {
        id: id.map(str::to_owned),
        shared_key: SharedKey { key: key_bytes(), version_id: KeyVersionId::parse("key-2026-v1").unwrap() },
        url: "https://app.example/hv/events?source=haven&x=1".to_owned(),
        delivery_format: DeliveryFormat::HealthVault,
        filters: vec![
            RecordItemChangedFilter { type_ids: vec![WEIGHT] },
            RecordItemChangedFilter { type_ids: vec![BLOOD_PRESSURE, WEIGHT] },
        ],
    }
}

pub(crate) const SUBSCRIPTION_ID: &str = "9b1c5f0e-3d2a-4c61-8f4e-2a7b9c0d1e2f";

fn read(xml: &str) -> Result<Subscription, WireError> {
    let document = parse_document(xml)?;
    Subscription::read(document.root_element())
}

fn written(subscription: &Subscription) -> String {
    let mut builder = XmlBuilder::new();
    subscription.write(&mut builder);
    builder.finish()
}

/// Validates `document` against `schema`, forgiving only libxml2's reading of the key version
/// id's pattern: XML Schema regular expressions have no anchors, so libxml2 takes `^` and `$`
/// literally and refuses every id that does not begin with `^` and end with `$`, while .NET
/// (which HealthVault ran on) read them as anchors.
pub(crate) fn validate_subscription_document(xmllint: &Xmllint, schema: &str, document: &str) -> Result<(), String> {
    let Err(report) = xmllint.validate(schema, document) else {
        return Ok(());
    };
    let diagnostics = report.split("\n--- document ---").next().unwrap_or_default();
    let only_the_pattern = diagnostics.lines().filter(|line| !line.trim().is_empty()).all(|line| {
        line.trim() == "- fails to validate"
            || (line.contains("notification-key-version-id") && line.contains(KEY_VERSION_PATTERN))
    });
    if only_the_pattern { Ok(()) } else { Err(report) }
}

#[test]
fn subscriptions_round_trip() {
    let mut standard_webhooks = subscription(Some(SUBSCRIPTION_ID));
    standard_webhooks.delivery_format = DeliveryFormat::StandardWebhooks;
    for original in [subscription(None), subscription(Some(SUBSCRIPTION_ID)), standard_webhooks] {
        assert_eq!(read(&written(&original)).unwrap(), original);
    }
    let xml = written(&subscription(None));
    assert!(xml.starts_with("<subscription><common><notification-authentication-info><hv-eventing-shared-key>"));
    assert!(xml.contains(&format!("<notification-key>{}</notification-key>", encode_base64(&key_bytes()))));
    assert!(xml.contains("<url>https://app.example/hv/events?source=haven&amp;x=1</url>"));
    assert!(!xml.contains("delivery-format"), "the HealthVault format is written as no element: {xml}");
}

/// The extension is the last child of `common`, in Haven's namespace.
#[test]
fn standard_webhooks_is_written_in_the_haven_namespace() {
    let mut original = subscription(Some(SUBSCRIPTION_ID));
    original.delivery_format = DeliveryFormat::StandardWebhooks;
    let xml = written(&original);
    assert!(
        xml.contains(concat!(
            "</notification-channel>",
            r#"<haven:delivery-format xmlns:haven="urn:haven:eventing">standard-webhooks</haven:delivery-format>"#,
            "</common>"
        )),
        "{xml}"
    );
    let other_prefix = xml.replace("haven:delivery-format", "h:delivery-format").replace("xmlns:haven", "xmlns:h");
    assert_eq!(read(&other_prefix).unwrap().delivery_format, DeliveryFormat::StandardWebhooks);
    let explicit = written(&subscription(None))
        .replace("</common>", "<delivery-format xmlns=\"urn:haven:eventing\"> healthvault </delivery-format></common>");
    assert_eq!(read(&explicit).unwrap().delivery_format, DeliveryFormat::HealthVault);
    let unqualified = written(&subscription(None))
        .replace("</common>", "<delivery-format>standard-webhooks</delivery-format></common>");
    assert_eq!(read(&unqualified).unwrap().delivery_format, DeliveryFormat::HealthVault, "not Haven's element");
    let unknown = xml.replace(">standard-webhooks<", ">cloudevents<");
    assert!(
        matches!(read(&unknown), Err(WireError::InvalidValue { element: "haven:delivery-format", .. })),
        "{unknown}"
    );
    let twice = xml
        .replace("</common>", r#"<delivery-format xmlns="urn:haven:eventing">healthvault</delivery-format></common>"#);
    assert_eq!(read(&twice), Err(WireError::DuplicateElement { parent: "common", element: "haven:delivery-format" }));
}

/// A subscription written by hand from `subscription.xsd` as a client might indent it: an
/// upper-case braced id, a wrapped key, the privileged elements and an unknown one.
#[test]
fn reads_a_hand_written_subscription() {
    let key = encode_base64(&key_bytes());
    let (first, second) = key.split_at(40);
    let xml = format!(
        r#"<subscription xmlns:s="urn:com.microsoft.wc.subscription">
  <common>
    <id> {{9B1C5F0E-3D2A-4C61-8F4E-2A7B9C0D1E2F}} </id>
    <notification-authentication-info>
      <hv-eventing-shared-key>
        <notification-key>
          {first}
          {second}
        </notification-key>
        <notification-key-version-id> key-2026-v1 </notification-key-version-id>
      </hv-eventing-shared-key>
    </notification-authentication-info>
    <notification-channel>
      <http-notification-channel><url> https://app.example/hv/events?source=haven&amp;x=1 </url></http-notification-channel>
    </notification-channel>
    <requires-msh-pairing>false</requires-msh-pairing>
    <delivery-priority>1</delivery-priority>
  </common>
  <record-item-changed-event>
    <filters>
      <filter><type-ids><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></type-ids></filter>
      <filter>
        <type-ids>
          <type-id>CA3C57F4-F4C1-4E15-BE67-0A3CAF5414ED</type-id>
          <type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id>
        </type-ids>
      </filter>
    </filters>
  </record-item-changed-event>
  <future-element/>
</subscription>"#
    );
    assert_eq!(read(&xml).unwrap(), subscription(Some(SUBSCRIPTION_ID)));
}

#[test]
fn missing_elements_are_named() {
    let full = written(&subscription(Some(SUBSCRIPTION_ID)));
    let cut = |from: &str, to: &str| {
        let start = full.find(from).unwrap();
        let end = full.find(to).unwrap() + to.len();
        format!("{}{}", &full[..start], &full[end..])
    };
    let filters_start = full.find("<filters>").unwrap() + "<filters>".len();
    let empty_filters = format!("{}{}", &full[..filters_start], &full[full.find("</filters>").unwrap()..]);
    for (xml, parent, element) in [
        (cut("<common>", "</common>"), "subscription", "common"),
        (
            cut("<record-item-changed-event>", "</record-item-changed-event>"),
            "subscription",
            "record-item-changed-event",
        ),
        (
            cut("<notification-authentication-info>", "</notification-authentication-info>"),
            "common",
            "notification-authentication-info",
        ),
        (
            cut("<hv-eventing-shared-key>", "</hv-eventing-shared-key>"),
            "notification-authentication-info",
            "hv-eventing-shared-key",
        ),
        (cut("<notification-key>", "</notification-key>"), "hv-eventing-shared-key", "notification-key"),
        (
            cut("<notification-key-version-id>", "</notification-key-version-id>"),
            "hv-eventing-shared-key",
            "notification-key-version-id",
        ),
        (cut("<notification-channel>", "</notification-channel>"), "common", "notification-channel"),
        (
            cut("<http-notification-channel>", "</http-notification-channel>"),
            "notification-channel",
            "http-notification-channel",
        ),
        (cut("<url>", "</url>"), "http-notification-channel", "url"),
        (full.replace("https://app.example/hv/events?source=haven&amp;x=1", " "), "http-notification-channel", "url"),
        (cut("<filters>", "</filters>"), "record-item-changed-event", "filters"),
        (empty_filters, "filters", "filter"),
        (cut("<type-ids>", "</type-ids>"), "filter", "type-ids"),
    ] {
        assert_eq!(read(&xml), Err(WireError::MissingElement { parent, element }), "{xml}");
    }
    let no_type_ids =
        full.replacen("<type-ids><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id></type-ids>", "<type-ids/>", 1);
    assert_eq!(read(&no_type_ids), Err(WireError::MissingElement { parent: "type-ids", element: "type-id" }));
    let two_urls = full.replace("</url>", "</url><url>https://other.example/</url>");
    assert_eq!(
        read(&two_urls),
        Err(WireError::DuplicateElement { parent: "http-notification-channel", element: "url" })
    );
    let blank_id = full.replace(SUBSCRIPTION_ID, "");
    assert_eq!(read(&blank_id).unwrap().id, None, "a blank id counts as absent");
}

#[test]
fn malformed_values_are_named() {
    let full = written(&subscription(Some(SUBSCRIPTION_ID)));
    let bad_id = read(&full.replace(SUBSCRIPTION_ID, "9b1c5f0e-3d2a-4c61-8f4e")).unwrap_err();
    assert!(matches!(bad_id, WireError::InvalidGuid { element: "common/id", .. }), "{bad_id}");
    assert_eq!(bad_id.to_string(), "<common/id>: subscription id must be a GUID, got \"9b1c5f0e-3d2a-4c61-8f4e\"");
    let bad_type = read(&full.replacen("3d34d87e-7fc1-4153-800f-f56592cb0d17", "weight", 1)).unwrap_err();
    assert!(matches!(bad_type, WireError::InvalidGuid { element: "type-ids/type-id", .. }), "{bad_type}");

    let key = encode_base64(&key_bytes());
    for bad_key in ["not base64!", " ", "", "====", &"A".repeat(132)] {
        let error = read(&full.replace(&key, bad_key)).unwrap_err();
        assert!(matches!(error, WireError::InvalidValue { element: "notification-key", .. }), "{bad_key:?}: {error}");
        assert!(!error.to_string().contains("AAAA"), "the key is not echoed: {error}");
    }
    // 128 characters is the schema's limit: 96 bytes.
    let longest = vec![7u8; 96];
    let read_back = read(&full.replace(&key, &encode_base64(&longest))).unwrap();
    assert_eq!(read_back.shared_key.key, longest);
    assert_eq!(read(&full.replace(&key, "aGVsbG8=")).unwrap().shared_key.key, b"hello", "any length is the domain's");

    for bad_version in ["", "key v1", "key_v1", "ключ", &"v".repeat(51)] {
        let error = read(&full.replace("key-2026-v1", bad_version)).unwrap_err();
        assert!(
            matches!(error, WireError::InvalidValue { element: "notification-key-version-id", .. }),
            "{bad_version:?}: {error}"
        );
    }
    assert_eq!(read(&full.replace("key-2026-v1", &"V".repeat(50))).unwrap().shared_key.version_id.as_str().len(), 50);
}

#[test]
fn subscription_ids_are_normalized() {
    for text in [SUBSCRIPTION_ID, " 9B1C5F0E-3D2A-4C61-8F4E-2A7B9C0D1E2F\n", "{9b1c5f0e-3d2a-4c61-8f4e-2a7b9c0d1e2f}"] {
        assert_eq!(parse_subscription_id("subscription-id", text).unwrap(), SUBSCRIPTION_ID, "{text:?}");
    }
    for text in [
        "",
        "9b1c5f0e3d2a4c618f4e2a7b9c0d1e2f",
        "9b1c5f0e-3d2a-4c61-8f4e-2a7b9c0d1e2g",
        "{9b1c5f0e-3d2a-4c61-8f4e-2a7b9c0d1e2f",
    ] {
        assert!(
            matches!(
                parse_subscription_id("subscription-id", text),
                Err(WireError::InvalidGuid { element: "subscription-id", .. })
            ),
            "{text:?}"
        );
    }
}

#[test]
fn debug_never_shows_the_key() {
    let debug = format!("{:?}", subscription(None));
    assert!(debug.contains("key: <64 bytes>"), "{debug}");
    assert!(!debug.contains("[0, 3, 6"), "{debug}");
}

/// The validation helper forgives libxml2's reading of the key version pattern and nothing
/// else; the Haven extension, as documented, takes a subscription outside the schema.
#[test]
fn validation_forgives_only_the_key_version_pattern() {
    let Some(xmllint) = Xmllint::for_test("subscription XSD validation") else {
        return;
    };
    let as_request = |subscription: &Subscription| {
        subscription_info_xml(subscription)
            .replacen("<info>", r#"<wc:info xmlns:wc="urn:com.microsoft.wc.methods.SubscribeToEvent">"#, 1)
            .replace("</info>", "</wc:info>")
    };
    let valid = as_request(&subscription(None));
    assert!(xmllint.validate("method-subscribetoevent.xsd", &valid).is_err(), "libxml2 reads `^` and `$` literally");
    validate_subscription_document(&xmllint, "method-subscribetoevent.xsd", &valid).unwrap();
    let without_url = valid.replace("<url>https://app.example/hv/events?source=haven&amp;x=1</url>", "");
    assert!(validate_subscription_document(&xmllint, "method-subscribetoevent.xsd", &without_url).is_err());
    let mut standard_webhooks = subscription(None);
    standard_webhooks.delivery_format = DeliveryFormat::StandardWebhooks;
    let extended = as_request(&standard_webhooks);
    assert!(validate_subscription_document(&xmllint, "method-subscribetoevent.xsd", &extended).is_err());
}
