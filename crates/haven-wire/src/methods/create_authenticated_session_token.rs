//! CreateAuthenticatedSessionToken (v1 and v2): an application proves who it is and gets a
//! session token. Anonymous: the header carries `<app-id>` and no `<auth>`.
//!
//! v1 (`appserver`): the client chooses the session's shared secret and signs `<content>`
//! (app id + secret) with its certificate's key (RSA-SHA1). v2 (`appserver2`): `<content>`
//! holds the app id, the HMAC algorithm wanted and a signing time, signed either with the
//! certificate (`sig`) or, for SODA child applications, with an HMAC keyed by the
//! application's own secret (`hmacSig`); the server issues the session's shared secret.
//!
//! Signatures cover the exact bytes of `<content>...</content>` as received, so the request
//! keeps them ([`SessionTokenRequest::content_xml`]).

use haven_domain::authorization::RecordAuthAction;
use haven_domain::ids::ApplicationId;
use roxmltree::Node;

use crate::base64_text::{decode_base64, encode_base64};
use crate::date_time::parse_date_time;
use crate::error::{WireError, excerpt};
use crate::request::Request;
use crate::response::ResponseInfo;
use crate::xml::{
    XmlBuilder, children_named, optional_child, parse_document, required_attribute, required_child, required_text,
    text_of,
};

/// The method name.
pub const METHOD: &str = "CreateAuthenticatedSessionToken";

/// A certificate signature: `<sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="...">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSignature {
    /// The `thumbprint` attribute: SHA-1 of the signing certificate, hex.
    pub thumbprint: String,
    /// `digestMethod`, e.g. `SHA1`.
    pub digest_method: String,
    /// `sigMethod`, e.g. `RSA-SHA1`.
    pub signature_method: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// How `<content>` is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentSignature {
    /// With the application's certificate key.
    Certificate(CertificateSignature),
    /// v2 `hmacSig`: an HMAC keyed by the (SODA child) application's shared secret.
    Hmac {
        /// `algName`, e.g. `HMACSHA256`.
        algorithm: String,
        /// The HMAC bytes.
        value: Vec<u8>,
    },
}

/// What `<content>` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionContent {
    /// v1: the client's shared secret.
    Version1 {
        /// `content/app-id`.
        app_id: ApplicationId,
        /// `hmac-alg/@algName`, e.g. `HMACSHA1`.
        hmac_algorithm: String,
        /// The secret bytes (base64-decoded).
        shared_secret: Vec<u8>,
    },
    /// v2: the algorithm wanted and when the client signed.
    Version2 {
        /// `content/app-id`.
        app_id: ApplicationId,
        /// `content/hmac`, e.g. `HMACSHA256`.
        hmac_algorithm: String,
        /// `content/signing-time` as sent.
        signing_time: String,
    },
}

impl SessionContent {
    /// The application id inside the signed content.
    pub fn app_id(&self) -> ApplicationId {
        match self {
            Self::Version1 { app_id, .. } | Self::Version2 { app_id, .. } => *app_id,
        }
    }

    /// The HMAC algorithm name the session will use.
    pub fn hmac_algorithm(&self) -> &str {
        match self {
            Self::Version1 { hmac_algorithm, .. } | Self::Version2 { hmac_algorithm, .. } => hmac_algorithm,
        }
    }
}

/// A parsed CreateAuthenticatedSessionToken request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTokenRequest<'body> {
    /// 1 or 2.
    pub version: u32,
    /// `auth-info/app-id`.
    pub app_id: ApplicationId,
    /// `app-id/@is-multi-record-app`.
    pub is_multi_record_app: bool,
    /// How the content is signed.
    pub signature: ContentSignature,
    /// What the content says.
    pub content: SessionContent,
    /// The exact bytes of `<content>...</content>` as received: what the signature covers.
    pub content_xml: &'body str,
}

impl<'body> SessionTokenRequest<'body> {
    /// Reads the request's `<info>`; the method version decides between `appserver` and
    /// `appserver2`.
    pub fn from_request(request: &Request<'body>) -> Result<Self, WireError> {
        let version = request.method_version();
        if !matches!(version, 1 | 2) {
            return Err(WireError::UnsupportedMethodVersion { method: METHOD, version });
        }
        let info_xml = request.info_xml().ok_or(WireError::MissingElement { parent: "request", element: "info" })?;
        Self::parse_info(version, info_xml)
    }

    /// Reads `<info>...</info>` for `version`.
    pub fn parse_info(version: u32, info_xml: &'body str) -> Result<Self, WireError> {
        let document = parse_document(info_xml)?;
        let info = document.root_element();
        let auth_info = required_child(info, "info", "auth-info")?;
        let app_id_element = required_child(auth_info, "auth-info", "app-id")?;
        let app_id = guid("app-id", &text_of(app_id_element))?;
        let is_multi_record_app =
            app_id_element.attribute("is-multi-record-app").is_some_and(|value| value.trim() == "true");
        let credential = required_child(auth_info, "auth-info", "credential")?;
        let (credential_name, signed) =
            if version == 1 { ("appserver", "appserver") } else { ("appserver2", "appserver2") };
        let server = required_child(credential, "credential", credential_name)?;
        let content_element = required_child(server, signed, "content")?;
        let content_xml = &info_xml[content_element.range()];
        let signature = match (optional_child(server, signed, "sig")?, optional_child(server, signed, "hmacSig")?) {
            (Some(sig), None) => ContentSignature::Certificate(certificate_signature(sig)?),
            (None, Some(hmac)) if version >= 2 => ContentSignature::Hmac {
                algorithm: required_attribute(hmac, "hmacSig", "algName")?.to_owned(),
                value: decode_base64(&text_of(hmac))?,
            },
            (Some(_), Some(_)) => return Err(WireError::DuplicateElement { parent: signed, element: "sig" }),
            _ => return Err(WireError::MissingElement { parent: signed, element: "sig" }),
        };
        let content_app_id = guid("app-id", &required_text(content_element, "content", "app-id")?)?;
        let content = if version == 1 {
            let hmac_alg = required_child(
                required_child(content_element, "content", "shared-secret")?,
                "shared-secret",
                "hmac-alg",
            )?;
            SessionContent::Version1 {
                app_id: content_app_id,
                hmac_algorithm: required_attribute(hmac_alg, "hmac-alg", "algName")?.to_owned(),
                shared_secret: decode_base64(&text_of(hmac_alg))?,
            }
        } else {
            let signing_time = required_text(content_element, "content", "signing-time")?.trim().to_owned();
            if parse_date_time(&signing_time).is_none() {
                return Err(WireError::InvalidDateTime { element: "signing-time", text: excerpt(&signing_time) });
            }
            SessionContent::Version2 {
                app_id: content_app_id,
                hmac_algorithm: required_text(content_element, "content", "hmac")?.trim().to_owned(),
                signing_time,
            }
        };
        Ok(Self { version, app_id, is_multi_record_app, signature, content, content_xml })
    }
}

fn guid(element: &'static str, text: &str) -> Result<ApplicationId, WireError> {
    ApplicationId::parse(text).map_err(|source| WireError::InvalidGuid { element, source })
}

fn certificate_signature(sig: Node<'_, '_>) -> Result<CertificateSignature, WireError> {
    Ok(CertificateSignature {
        thumbprint: required_attribute(sig, "sig", "thumbprint")?.trim().to_owned(),
        digest_method: sig.attribute("digestMethod").unwrap_or("SHA1").to_owned(),
        signature_method: sig.attribute("sigMethod").unwrap_or("RSA-SHA1").to_owned(),
        signature: decode_base64(&text_of(sig))?,
    })
}

/// The answer: the session token, and in v2 the shared secret the server chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTokenResponse {
    /// 1 or 2.
    pub version: u32,
    /// The application.
    pub app_id: ApplicationId,
    /// What the application must do before it can use records; HealthVault always sends
    /// an action here (NoActionRequired for a new session).
    pub record_auth_action: RecordAuthAction,
    /// The opaque session token.
    pub token: String,
    /// v2: the session's shared secret.
    pub shared_secret: Option<Vec<u8>>,
}

impl SessionTokenResponse {
    /// The `wc:info` of the response (`CreateAuthenticatedSessionToken` or `...2`).
    pub fn to_info(&self) -> ResponseInfo {
        let mut builder = XmlBuilder::new();
        let app_id = self.app_id.to_string();
        builder.text_element_with(
            "token",
            &[("app-id", &app_id), ("app-record-auth-action", self.record_auth_action.as_str())],
            &self.token,
        );
        if let (2.., Some(secret)) = (self.version, &self.shared_secret) {
            builder.text_element("shared-secret", &encode_base64(secret));
        }
        let schema =
            if self.version >= 2 { "CreateAuthenticatedSessionToken2" } else { "CreateAuthenticatedSessionToken" };
        ResponseInfo::new(schema, builder.finish())
    }

    /// Reads the inner XML of a response's `wc:info` (for the SDK and tests).
    pub fn parse_info_xml(version: u32, inner_xml: &str) -> Result<Self, WireError> {
        let wrapped = format!("<info>{inner_xml}</info>");
        let document = parse_document(&wrapped)?;
        let info = document.root_element();
        let token = required_child(info, "info", "token")?;
        let action_text = token.attribute("app-record-auth-action").unwrap_or("NoActionRequired");
        let record_auth_action = [
            RecordAuthAction::NoActionRequired,
            RecordAuthAction::AuthorizationRequired,
            RecordAuthAction::ReauthorizationRequired,
            RecordAuthAction::RecordLocationNotSupported,
        ]
        .into_iter()
        .find(|action| action.as_str() == action_text)
        .ok_or(WireError::InvalidValue {
            element: "token",
            expected: "an app-record-auth-action such as NoActionRequired",
            text: excerpt(action_text),
        })?;
        let shared_secret =
            children_named(info, "shared-secret").next().map(|secret| decode_base64(&text_of(secret))).transpose()?;
        Ok(Self {
            version,
            app_id: guid("token", required_attribute(token, "token", "app-id")?)?,
            record_auth_action,
            token: text_of(token).trim().to_owned(),
            shared_secret,
        })
    }
}

#[cfg(test)]
mod tests;
