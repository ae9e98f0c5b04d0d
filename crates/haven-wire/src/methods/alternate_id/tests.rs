use super::*;

#[test]
fn ids_are_kept_exactly_and_limited_to_255_characters() {
    assert_eq!(parse_alternate_id("Patient-42").unwrap().as_str(), "Patient-42");
    assert_ne!(parse_alternate_id("abc").unwrap(), parse_alternate_id("ABC").unwrap(), "case-sensitive");
    assert_eq!(parse_alternate_id(" padded ").unwrap().as_str(), " padded ");
    assert_eq!(parse_alternate_id(&"é".repeat(255)).unwrap().as_str().chars().count(), 255);
    let too_long = "x".repeat(256);
    assert_eq!(
        parse_alternate_id(&too_long),
        Err(WireError::InvalidValue { element: "alternate-id", expected: EXPECTED, text: "x".repeat(64) })
    );
    for blank in ["", "   ", "\n\t"] {
        assert!(matches!(parse_alternate_id(blank), Err(WireError::InvalidValue { element: "alternate-id", .. })));
    }
}

#[test]
fn info_reads_and_writes_escaped_text() {
    let id = parse_alternate_id("a<b & \"c\"").unwrap();
    let info = alternate_id_info_xml(&id);
    assert_eq!(info, "<info><alternate-id>a&lt;b &amp; \"c\"</alternate-id></info>");
    assert_eq!(parse_alternate_id_info("AssociateAlternateId", 1, &info).unwrap(), id);
    assert_eq!(
        parse_alternate_id_info("AssociateAlternateId", 1, "<info/>"),
        Err(WireError::MissingElement { parent: "info", element: "alternate-id" })
    );
    assert_eq!(
        parse_alternate_id_info("AssociateAlternateId", 2, &info),
        Err(WireError::UnsupportedMethodVersion { method: "AssociateAlternateId", version: 2 })
    );
}
