//! Reading the `<thing>` of a GetThings answer back, for the SDK and for tests.

use haven_domain::auth_rules::Permissions;
use haven_domain::ids::{ApplicationId, PersonId, ThingTypeId};
use haven_domain::thing::{AccessAvenue, AuditAction, CommonData, ThingFlags, ThingKey, ThingState};
use roxmltree::Node;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::blob::{BlobPayloadEntry, parse_blob_payload, parse_data_other};
use super::submitted::parse_data_xml;
use super::write::EffectivePermissions;
use super::{parse_boolean, parse_guid, parse_instant, parse_key, parse_state, parse_wall_clock};
use crate::error::{WireError, excerpt};
use crate::xml::{
    children_named, describe_element, optional_child, optional_text, parse_document, parse_number, required_child,
    text_of,
};

/// A `<thing>` as a GetThings answer carries it. Which parts are present depends on the
/// sections the request asked for; the key and type are always there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireThing {
    /// `thing-id@version-stamp`.
    pub key: ThingKey,
    /// `type-id`.
    pub type_id: ThingTypeId,
    /// `type-id@name`.
    pub type_name: Option<String>,
    /// `thing-state` (core section).
    pub state: Option<ThingState>,
    /// `flags` (core section).
    pub flags: Option<ThingFlags>,
    /// `eff-date` (core section), as the wall-clock time written.
    pub eff_date: Option<PrimitiveDateTime>,
    /// `created` (audits section).
    pub created: Option<WireAudit>,
    /// `updated` (audits section).
    pub updated: Option<WireAudit>,
    /// The type's element from the `data-xml` without a `transform`, verbatim. Transformed
    /// `data-xml` elements are skipped.
    pub data_xml: Option<String>,
    /// That `data-xml`'s `common` (empty when it has none).
    pub common: Option<CommonData>,
    /// `blob-payload`, or `Thing`'s `data-other` as the default blob.
    pub blobs: Vec<BlobPayloadEntry>,
    /// `eff-permissions`. Unknown permission names are ignored, as the .NET SDK ignores them.
    pub effective_permissions: Option<EffectivePermissions>,
    /// The top-level `tags`.
    pub tags: Option<String>,
    /// `updated-end-date`, as the wall-clock time written.
    pub updated_end_date: Option<PrimitiveDateTime>,
}

/// `created` or `updated` (thing.xsd `Audit2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireAudit {
    /// `timestamp`.
    pub timestamp: OffsetDateTime,
    /// `app-id`.
    pub application_id: ApplicationId,
    /// `app-id@name`.
    pub application_name: Option<String>,
    /// `person-id`.
    pub person_id: PersonId,
    /// `person-id@name`.
    pub person_name: Option<String>,
    /// `access-avenue`.
    pub access_avenue: Option<AccessAvenue>,
    /// `audit-action`.
    pub action: AuditAction,
    /// `master-app-id`: the master application of a child or SODA application.
    pub master_application_id: Option<ApplicationId>,
}

/// Reads a document whose element is one `<thing>` (for example a .NET SDK sample file).
pub fn parse_wire_thing(xml: &str) -> Result<WireThing, WireError> {
    let document = parse_document(xml)?;
    let root = document.root_element();
    if root.tag_name().name() != "thing" {
        return Err(WireError::WrongRoot { expected: "<thing>", found: describe_element(root) });
    }
    WireThing::parse(xml, root)
}

impl WireThing {
    /// Reads `thing`, an element of the document parsed from `source`.
    pub(crate) fn parse(source: &str, thing: Node<'_, '_>) -> Result<Self, WireError> {
        let key =
            parse_key(required_child(thing, "thing", "thing-id")?, "thing/thing-id", "thing/thing-id@version-stamp")?;
        let type_element = required_child(thing, "thing", "type-id")?;
        let wall_clock = |name, path| -> Result<Option<PrimitiveDateTime>, WireError> {
            optional_text(thing, "thing", name)?.map(|text| parse_wall_clock(path, &text)).transpose()
        };
        let audit = |name| optional_child(thing, "thing", name)?.map(parse_audit).transpose();
        let untransformed =
            children_named(thing, "data-xml").find(|data_xml| data_xml.attribute("transform").is_none());
        let (data_xml, common) = match untransformed {
            Some(data_xml) => {
                let (data_xml, common) = parse_data_xml(source, data_xml)?;
                (Some(data_xml), Some(common))
            }
            None => (None, None),
        };
        let mut blobs = Vec::new();
        if let Some(data_other) = optional_child(thing, "thing", "data-other")? {
            blobs.push(parse_data_other(data_other)?);
        }
        if let Some(payload) = optional_child(thing, "thing", "blob-payload")? {
            blobs.extend(parse_blob_payload(payload)?);
        }
        Ok(Self {
            key,
            type_id: parse_guid("thing/type-id", &text_of(type_element), ThingTypeId::parse)?,
            type_name: type_element.attribute("name").map(str::to_owned),
            state: optional_text(thing, "thing", "thing-state")?
                .map(|text| parse_state("thing/thing-state", &text))
                .transpose()?,
            flags: optional_text(thing, "thing", "flags")?
                .map(|text| parse_number("thing/flags", &text).map(ThingFlags))
                .transpose()?,
            eff_date: wall_clock("eff-date", "thing/eff-date")?,
            created: audit("created")?,
            updated: audit("updated")?,
            data_xml,
            common,
            blobs,
            effective_permissions: optional_child(thing, "thing", "eff-permissions")?
                .map(parse_effective_permissions)
                .transpose()?,
            tags: optional_text(thing, "thing", "tags")?,
            updated_end_date: wall_clock("updated-end-date", "thing/updated-end-date")?,
        })
    }
}

fn parse_audit(audit: Node<'_, '_>) -> Result<WireAudit, WireError> {
    let application = required_child(audit, "thing/audit", "app-id")?;
    let person = required_child(audit, "thing/audit", "person-id")?;
    let access_avenue = optional_text(audit, "thing/audit", "access-avenue")?
        .map(|text| match text.as_str() {
            "Online" => Ok(AccessAvenue::Online),
            "Offline" => Ok(AccessAvenue::Offline),
            _ => Err(WireError::InvalidValue {
                element: "thing/audit/access-avenue",
                expected: "Online or Offline",
                text: excerpt(&text),
            }),
        })
        .transpose()?;
    let action_text = text_of(required_child(audit, "thing/audit", "audit-action")?);
    let action = match action_text.trim() {
        "Created" => AuditAction::Created,
        "Updated" => AuditAction::Updated,
        "Deleted" => AuditAction::Deleted,
        _ => {
            return Err(WireError::InvalidValue {
                element: "thing/audit/audit-action",
                expected: "Created, Updated or Deleted",
                text: excerpt(&action_text),
            });
        }
    };
    Ok(WireAudit {
        timestamp: parse_instant(
            "thing/audit/timestamp",
            &text_of(required_child(audit, "thing/audit", "timestamp")?),
        )?,
        application_id: parse_guid("thing/audit/app-id", &text_of(application), ApplicationId::parse)?,
        application_name: application.attribute("name").map(str::to_owned),
        person_id: parse_guid("thing/audit/person-id", &text_of(person), PersonId::parse)?,
        person_name: person.attribute("name").map(str::to_owned),
        access_avenue,
        action,
        master_application_id: optional_text(audit, "thing/audit", "master-app-id")?
            .map(|text| parse_guid("thing/audit/master-app-id", &text, ApplicationId::parse))
            .transpose()?,
    })
}

fn parse_effective_permissions(element: Node<'_, '_>) -> Result<EffectivePermissions, WireError> {
    let immutable = element
        .attribute("immutable")
        .map(|text| parse_boolean("thing/eff-permissions@immutable", text))
        .transpose()?
        .unwrap_or(false);
    let permissions = children_named(element, "permission")
        .filter_map(|permission| Permissions::parse_name(&text_of(permission)))
        .fold(Permissions::NONE, Permissions::union);
    Ok(EffectivePermissions { permissions, immutable })
}
