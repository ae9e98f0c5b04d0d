//! GetThings (versions 1 to 3): read things from a record. A request holds one or more groups,
//! each a query (ids, keys or client ids, and filters) with the format of its answer; the
//! answer holds one group per request group (protocol notes, section 10).
//!
//! v1 and v2 share `method-getthings.xsd` and answer in `GetThings` with thing.xsd's `Thing`;
//! v3 (`method-getthings3.xsd`) adds blob payload requests, intents and order-by, and answers
//! in `GetThings3` with `Thing2`. Running the query, paging (`max-full`) and authorization are
//! the platform's; this module only reads and writes the XML.

mod filter;
mod format;
mod group;
mod response;

#[cfg(test)]
mod tests;

pub use filter::ThingFilter;
pub use format::{BlobFormat, BlobPayloadRequest, ThingFormat, ThingSection};
pub use group::{Intent, OrderByProperty, ThingTarget, ThingsGroupRequest};
pub use response::{GetThingsResponse, GroupResponse, ThingsGroupResult, UnprocessedThingKey};

use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::thing_xml::{ThingNames, ThingSchema};
use crate::xml::{XmlBuilder, children_named, parse_document};

/// The method name.
pub const METHOD: &str = "GetThings";

/// The request's info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetThingsRequest {
    /// The method version, 1 to 3.
    pub version: u32,
    /// `group+`, in request order.
    pub groups: Vec<ThingsGroupRequest>,
}

impl GetThingsRequest {
    /// Reads the typed request from a parsed envelope.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        let info = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(request.method_version(), info)
    }

    /// Reads `<info>...</info>` for `version`. Every version accepts every section name and
    /// element; v3-only parts sent in v1 or v2 are read too (the answer's schema still follows
    /// the version).
    pub fn parse_info(version: u32, info_xml: &str) -> Result<Self, WireError> {
        if !(1..=3).contains(&version) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let document = parse_document(info_xml)?;
        let groups: Vec<_> = children_named(document.root_element(), "group")
            .map(ThingsGroupRequest::parse)
            .collect::<Result<_, _>>()?;
        if groups.is_empty() {
            return Err(WireError::MissingElement { parent: "info", element: "group" });
        }
        Ok(Self { version, groups })
    }

    /// Writes `<info>...</info>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("info");
        for group in &self.groups {
            group.write(&mut builder, self.version);
        }
        builder.end("info");
        builder.finish()
    }

    /// The thing schema of this version's answer: `Thing` for v1/v2, `Thing2` for v3.
    pub fn thing_schema(&self) -> ThingSchema {
        thing_schema(self.version)
    }

    /// The answer: `groups` (usually one per request group, in order) in this version's schema.
    pub fn respond(&self, groups: &[GroupResponse<'_>], names: &dyn ThingNames) -> ResponseInfo {
        ResponseInfo::new(response_schema(self.version), response::write_groups(groups, self.thing_schema(), names))
    }
}

/// The response schema of a version: `GetThings` for v1 and v2, `GetThings3` after.
pub fn response_schema(version: u32) -> &'static str {
    match version {
        1 | 2 => "GetThings",
        _ => "GetThings3",
    }
}

/// The thing schema of a version's answer.
pub fn thing_schema(version: u32) -> ThingSchema {
    match version {
        1 | 2 => ThingSchema::Thing,
        _ => ThingSchema::Thing2,
    }
}
