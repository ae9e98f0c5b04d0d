//! RemoveThings (version 1): delete things, each named by its current key. A delete writes a
//! new Deleted version, so the key must name the current version (the platform checks that).
//! The answer has no `wc:info`.

use haven_domain::thing::ThingKey;

use crate::error::WireError;
use crate::request::Request;
use crate::thing_xml::{parse_key, write_key};
use crate::xml::{XmlBuilder, children_named, parse_document};

/// The method name.
pub const METHOD: &str = "RemoveThings";

/// The request's info: `thing-id@version-stamp+`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveThingsRequest {
    /// The things to delete, in request order.
    pub keys: Vec<ThingKey>,
}

impl RemoveThingsRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>`. Every `thing-id` needs its `version-stamp`, and there must be
    /// at least one.
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if version != 1 {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let keys: Vec<_> = children_named(document.root_element(), "thing-id")
            .map(|key| parse_key(key, "thing-id", "thing-id@version-stamp"))
            .collect::<Result<_, _>>()?;
        if keys.is_empty() {
            return Err(WireError::MissingElement { parent: "info", element: "thing-id" });
        }
        Ok(Self { keys })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        for key in &self.keys {
            write_key(&mut builder, "thing-id", *key);
        }
        builder.end("info");
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::response_schema_name;

    const INFO: &str = concat!(
        "<info><thing-id version-stamp=\"672B1C15-4704-4BCD-97D6-3E183309AF0A\">",
        " 31501360-362b-4791-ae12-141386ac5da6 </thing-id>",
        "<thing-id version-stamp=\"e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f\">60ed4338-0b1b-4061-aad4-effe2b8bbccd</thing-id>",
        "</info>"
    );

    #[test]
    fn reads_keys_in_order_and_round_trips() {
        let request = RemoveThingsRequest::parse_info(1, INFO).unwrap();
        let texts: Vec<_> = request.keys.iter().map(|key| (key.id.to_string(), key.version.to_string())).collect();
        assert_eq!(
            texts,
            [
                ("31501360-362b-4791-ae12-141386ac5da6".to_owned(), "672b1c15-4704-4bcd-97d6-3e183309af0a".to_owned()),
                ("60ed4338-0b1b-4061-aad4-effe2b8bbccd".to_owned(), "e6ecfb7c-4cc9-4267-8fd5-a5e49af7d40f".to_owned()),
            ]
        );
        assert_eq!(RemoveThingsRequest::parse_info(1, &request.to_info_xml()).unwrap(), request);
        assert_eq!(response_schema_name(METHOD, 1), None, "RemoveThings answers without wc:info");
    }

    #[test]
    fn bad_requests_are_named() {
        let no_stamp = "<info><thing-id>31501360-362b-4791-ae12-141386ac5da6</thing-id></info>";
        assert_eq!(
            RemoveThingsRequest::parse_info(1, no_stamp),
            Err(WireError::MissingAttribute { element: "thing-id", attribute: "version-stamp" })
        );
        let bad_guid = "<info><thing-id version-stamp=\"672b1c15-4704-4bcd-97d6-3e183309af0a\">42</thing-id></info>";
        assert!(matches!(
            RemoveThingsRequest::parse_info(1, bad_guid),
            Err(WireError::InvalidGuid { element: "thing-id", .. })
        ));
        assert_eq!(
            RemoveThingsRequest::parse_info(1, "<info/>"),
            Err(WireError::MissingElement { parent: "info", element: "thing-id" })
        );
        assert_eq!(
            RemoveThingsRequest::parse_info(2, INFO),
            Err(WireError::UnsupportedMethodVersion { method: METHOD, version: 2 })
        );
    }
}
