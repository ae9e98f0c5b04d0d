//! NewApplicationCreationInfo (version 1): a copy of a SODA (mobile or desktop) application
//! asks for an identity of its own. Anonymous: the header's `<app-id>` names the SODA
//! master and the request has no parameters (`<info />`). The answer holds the new child
//! application's id, the secret it will sign CreateAuthenticatedSessionToken v2 `hmacSig`
//! with (base64), and the app-creation token the person takes to the Shell
//! (CREATEAPPLICATION).

use haven_domain::ids::ApplicationId;

use crate::base64_text::{decode_base64, encode_base64};
use crate::error::WireError;
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{XmlBuilder, parse_document, required_text};

/// The method name.
pub const METHOD: &str = "NewApplicationCreationInfo";

/// The response schema.
pub const RESPONSE_SCHEMA: &str = "NewApplicationCreationInfo";

/// The request, which has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewApplicationCreationInfoRequest;

impl NewApplicationCreationInfoRequest {
    /// Checks the version of a parsed envelope; any `<info>` content is ignored.
    pub fn from_request(request: &Request<'_>) -> Result<Self, WireError> {
        match request.method_version() {
            1 => Ok(Self),
            version => Err(WireError::UnsupportedMethodVersion { method: METHOD, version }),
        }
    }

    /// Writes `<info/>` as a client sends it.
    pub fn to_info_xml(&self) -> String {
        "<info/>".to_owned()
    }
}

/// The answer: `app-id`, `shared-secret`, `app-token`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewApplicationCreationInfo {
    /// The new child application.
    pub app_id: ApplicationId,
    /// The child's HMAC secret (base64 on the wire).
    pub shared_secret: Vec<u8>,
    /// The one-time app-creation token for the Shell's CREATEAPPLICATION target.
    pub app_token: String,
}

impl std::fmt::Debug for NewApplicationCreationInfo {
    // The secret and the token are credentials; they stay out of logs.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("NewApplicationCreationInfo").field("app_id", &self.app_id).finish_non_exhaustive()
    }
}

impl NewApplicationCreationInfo {
    /// The answer's `wc:info`, in the `NewApplicationCreationInfo` schema.
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        builder.text_element("app-id", &self.app_id.to_string());
        builder.text_element("shared-secret", &encode_base64(&self.shared_secret));
        builder.text_element("app-token", &self.app_token);
        ResponseInfo::new(RESPONSE_SCHEMA, builder.finish())
    }

    /// Reads the inner XML of the answer's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let info = document.root_element();
        let app_id = ApplicationId::parse(&required_text(info, "info", "app-id")?)
            .map_err(|source| WireError::InvalidGuid { element: "app-id", source })?;
        let shared_secret = decode_base64(&required_text(info, "info", "shared-secret")?)?;
        let app_token = required_text(info, "info", "app-token")?.trim().to_owned();
        Ok(Self { app_id, shared_secret, app_token })
    }
}

#[cfg(test)]
mod tests;
