use super::*;

fn selector(info: &str) -> Result<ConnectItemSelector, WireError> {
    let document = parse_document(info).unwrap();
    ConnectItemSelector::parse(document.root_element(), "external-id")
}

#[test]
fn texts_are_kept_as_sent_and_bounded() {
    assert_eq!(connect_text("external-id", " patient 7 ").unwrap(), " patient 7 ");
    for bad in ["", "  \n", &"x".repeat(MAX_WIRE_TEXT_CHARS + 1)] {
        let error = connect_text("external-id", bad).unwrap_err();
        assert!(matches!(error, WireError::InvalidValue { element: "external-id", .. }), "{error}");
    }
    assert!(connect_text("external-id", &"é".repeat(MAX_WIRE_TEXT_CHARS)).is_ok());
    assert_eq!(
        identity_code_text("identity-code", "\n JKYZ-QNMN-VHRX-ZGNR-GZNH ").unwrap(),
        "JKYZ-QNMN-VHRX-ZGNR-GZNH"
    );
    assert!(identity_code_text("identity-code", " ").is_err());
    assert!(identity_code_text("identity-code", &"A".repeat(MAX_IDENTITY_CODE_CHARS + 1)).is_err());
}

#[test]
fn a_long_secret_is_refused_without_being_echoed() {
    let info = format!("<info><answer>{}</answer></info>", "secret".repeat(200));
    let document = parse_document(&info).unwrap();
    let error = required_secret_text(document.root_element(), "answer").unwrap_err();
    assert!(!error.to_string().contains("secret"), "{error}");
    assert!(error.to_string().contains("1200 characters"), "{error}");
    let empty = parse_document("<info><answer/></info>").unwrap();
    assert_eq!(required_secret_text(empty.root_element(), "answer").unwrap(), "");
}

#[test]
fn the_choice_takes_exactly_one() {
    assert_eq!(
        selector("<info><identity-code> ABCD </identity-code></info>").unwrap(),
        ConnectItemSelector::IdentityCode("ABCD".to_owned())
    );
    assert_eq!(
        selector("<info><external-id>p-1</external-id></info>").unwrap(),
        ConnectItemSelector::ExternalId("p-1".to_owned())
    );
    assert_eq!(selector("<info/>"), Err(WireError::MissingElement { parent: "info", element: "identity-code" }));
    let both = selector("<info><identity-code>A</identity-code><external-id>p-1</external-id></info>");
    assert!(matches!(both, Err(WireError::InvalidValue { element: "external-id", .. })), "{both:?}");
    let twice = selector("<info><external-id>1</external-id><external-id>2</external-id></info>");
    assert_eq!(twice, Err(WireError::DuplicateElement { parent: "info", element: "external-id" }));
}

#[test]
fn identity_code_answers_round_trip() {
    let inner = identity_code_info_xml("JKYZ-QNMN-VHRX-ZGNR-GZNH");
    assert_eq!(inner, "<identity-code>JKYZ-QNMN-VHRX-ZGNR-GZNH</identity-code>");
    assert_eq!(parse_identity_code_info_xml(&inner).unwrap(), "JKYZ-QNMN-VHRX-ZGNR-GZNH");
    assert_eq!(
        parse_identity_code_info_xml(""),
        Err(WireError::MissingElement { parent: "info", element: "identity-code" })
    );
    assert!(parse_identity_code_info_xml("<identity-code> </identity-code>").is_err());
}
