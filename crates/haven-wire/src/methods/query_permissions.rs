//! QueryPermissions (v1): what the application may do, online and offline, on each of the
//! thing types asked about, in the record the call names.

use haven_domain::auth_rules::Permissions;
use haven_domain::ids::ThingTypeId;
use roxmltree::Node;

use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, children_named, optional_child, parse_document, required_text, text_of};

/// The method name.
pub const METHOD: &str = "QueryPermissions";

/// The types asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPermissionsRequest {
    /// `thing-type-id+`.
    pub type_ids: Vec<ThingTypeId>,
}

impl QueryPermissionsRequest {
    /// Reads the request's `<info>`.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info_xml = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        let document = parse_document(info_xml)?;
        let type_ids: Vec<ThingTypeId> = children_named(document.root_element(), "thing-type-id")
            .map(|element| {
                ThingTypeId::parse(&text_of(element))
                    .map_err(|source| WireError::InvalidGuid { element: "thing-type-id", source })
            })
            .collect::<Result<_, _>>()?;
        if type_ids.is_empty() {
            return Err(WireError::MissingElement { parent: "info", element: "thing-type-id" });
        }
        Ok(Self { type_ids })
    }
}

/// The permissions on one type (`thing-type-permission`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypePermission {
    /// The type.
    pub type_id: ThingTypeId,
    /// Online permissions; written only when not empty. A type with neither online nor
    /// offline permissions is left out of the answer, as the schema documents.
    pub online: Permissions,
    /// Offline permissions; written only when not empty.
    pub offline: Permissions,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPermissionsResponse {
    /// One entry per type asked about, in request order.
    pub permissions: Vec<TypePermission>,
}

fn write_permissions(builder: &mut XmlBuilder, element: &str, permissions: Permissions) {
    if permissions.is_empty() {
        return;
    }
    builder.start(element);
    for name in permissions.names() {
        builder.text_element("permission", name);
    }
    builder.end(element);
}

fn read_permissions(element: Option<Node<'_, '_>>) -> Result<Permissions, WireError> {
    let Some(element) = element else { return Ok(Permissions::NONE) };
    children_named(element, "permission").try_fold(Permissions::NONE, |granted, permission| {
        let text = text_of(permission);
        Permissions::parse_name(&text).map(|parsed| granted.union(parsed)).ok_or(WireError::InvalidValue {
            element: "permission",
            expected: "All, Read, Update, Create or Delete",
            text: crate::error::excerpt(&text),
        })
    })
}

impl QueryPermissionsResponse {
    /// The `wc:info` of the response.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        for permission in self
            .permissions
            .iter()
            .filter(|permission| !(permission.online.is_empty() && permission.offline.is_empty()))
        {
            builder.start("thing-type-permission");
            builder.text_element("thing-type-id", &permission.type_id.to_string());
            write_permissions(&mut builder, "online-access-permissions", permission.online);
            write_permissions(&mut builder, "offline-access-permissions", permission.offline);
            builder.end("thing-type-permission");
        }
        // Required by the schema; Meaningful Use opt-in is not reported.
        builder.raw("<other-settings/>");
        ResponseInfo::new("QueryPermissions", builder.finish())
    }

    /// Reads the inner XML of a response's `wc:info`.
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let permissions = children_named(document.root_element(), "thing-type-permission")
            .map(|entry| {
                let type_text = required_text(entry, "thing-type-permission", "thing-type-id")?;
                Ok(TypePermission {
                    type_id: ThingTypeId::parse(&type_text)
                        .map_err(|source| WireError::InvalidGuid { element: "thing-type-id", source })?,
                    online: read_permissions(optional_child(
                        entry,
                        "thing-type-permission",
                        "online-access-permissions",
                    )?)?,
                    offline: read_permissions(optional_child(
                        entry,
                        "thing-type-permission",
                        "offline-access-permissions",
                    )?)?,
                })
            })
            .collect::<Result<_, WireError>>()?;
        Ok(Self { permissions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse_request;
    use crate::response::{Response, parse_response};
    use crate::testing::{ReferenceDocs, Xmllint};

    const WEIGHT: &str = "3d34d87e-7fc1-4153-800f-f56592cb0d17";

    fn response() -> QueryPermissionsResponse {
        QueryPermissionsResponse {
            permissions: vec![
                TypePermission {
                    type_id: ThingTypeId::parse(WEIGHT).unwrap(),
                    online: Permissions::ALL,
                    offline: Permissions::READ,
                },
                TypePermission {
                    type_id: ThingTypeId::parse("40750a6a-89b2-455c-bd8d-b420a4cb500b").unwrap(),
                    online: Permissions::NONE,
                    offline: Permissions::NONE,
                },
            ],
        }
    }

    #[test]
    fn reads_requests_and_round_trips_responses() {
        let body = format!(
            r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>QueryPermissions</method><method-version>1</method-version></header><info><thing-type-id>{WEIGHT}</thing-type-id></info></wc-request:request>"#
        );
        let parsed = QueryPermissionsRequest::from_request(&parse_request(&body).unwrap()).unwrap();
        assert_eq!(parsed.type_ids, vec![ThingTypeId::parse(WEIGHT).unwrap()]);
        let written = Response::ok(response().to_info()).to_xml();
        let info = parse_response(&written).unwrap().info.unwrap();
        let reread = QueryPermissionsResponse::parse_info_xml(info.inner_xml).unwrap();
        assert_eq!(reread.permissions, response().permissions[..1].to_vec(), "types without permissions are left out");
    }

    #[test]
    fn a_request_without_types_is_refused() {
        let body = r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>QueryPermissions</method><method-version>1</method-version></header><info/></wc-request:request>"#;
        assert!(QueryPermissionsRequest::from_request(&parse_request(body).unwrap()).is_err());
    }

    #[test]
    fn responses_validate_against_the_xsd() {
        let Some(docs) = ReferenceDocs::locate("QueryPermissions XSD validation") else { return };
        let Some(xmllint) = Xmllint::locate("QueryPermissions XSD validation", &docs) else { return };
        let info = response().to_info();
        let standalone = format!(r#"<wc:info xmlns:wc="{}">{}</wc:info>"#, info.namespace(), info.inner_xml);
        if let Err(report) = xmllint.validate("response-querypermissions.xsd", &standalone) {
            panic!("QueryPermissions does not validate:\n{report}");
        }
    }
}
