//! Writing request envelopes, for clients (the SDK, the CLI, tests). The caller signs: the
//! header text is written first so that its HMAC can be computed over exactly the bytes
//! that will be sent, and `info` is hashed the same way.

use haven_domain::ids::{ApplicationId, PersonId, RecordId};

use crate::xml::XmlBuilder;

/// Who a request is sent as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestCaller {
    /// An anonymous method (`<app-id>`).
    Application(ApplicationId),
    /// Within a session, for the application alone.
    Session {
        /// The session token.
        auth_token: String,
    },
    /// Within a session, online for the person holding the user token.
    Online {
        /// The session token.
        auth_token: String,
        /// The person's user token (wctoken).
        user_auth_token: String,
    },
    /// Within a session, offline for a person who granted offline access.
    Offline {
        /// The session token.
        auth_token: String,
        /// The person.
        person_id: PersonId,
    },
}

/// The header fields a client chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHeader {
    /// Method name.
    pub method: String,
    /// Method version.
    pub method_version: u32,
    /// The record the call is about.
    pub record_id: Option<RecordId>,
    /// Who calls.
    pub caller: RequestCaller,
    /// `msg-time`, already formatted (`date_time::format_date_time`).
    pub msg_time: String,
    /// `msg-ttl` in seconds.
    pub msg_ttl: u32,
    /// Free-text client version.
    pub version: String,
    /// `info-hash`: the algorithm name and base64 hash of the exact `<info>` text; `None`
    /// for anonymous calls.
    pub info_hash: Option<(String, String)>,
}

impl RequestHeader {
    /// `<header>...</header>`, exactly as it will be sent (and signed).
    pub fn to_xml(&self) -> String {
        let mut builder = XmlBuilder::new();
        builder.start("header");
        builder.text_element("method", &self.method);
        builder.text_element("method-version", &self.method_version.to_string());
        if let Some(record_id) = self.record_id {
            builder.text_element("record-id", &record_id.to_string());
        }
        match &self.caller {
            RequestCaller::Application(app_id) => builder.text_element("app-id", &app_id.to_string()),
            RequestCaller::Session { auth_token } => {
                builder.start("auth-session");
                builder.text_element("auth-token", auth_token);
                builder.end("auth-session");
            }
            RequestCaller::Online { auth_token, user_auth_token } => {
                builder.start("auth-session");
                builder.text_element("auth-token", auth_token);
                builder.text_element("user-auth-token", user_auth_token);
                builder.end("auth-session");
            }
            RequestCaller::Offline { auth_token, person_id } => {
                builder.start("auth-session");
                builder.text_element("auth-token", auth_token);
                builder.start("offline-person-info");
                builder.text_element("offline-person-id", &person_id.to_string());
                builder.end("offline-person-info");
                builder.end("auth-session");
            }
        }
        builder.text_element("msg-time", &self.msg_time);
        builder.text_element("msg-ttl", &self.msg_ttl.to_string());
        builder.text_element("version", &self.version);
        if let Some((algorithm, hash)) = &self.info_hash {
            builder.start("info-hash");
            builder.text_element_with("hash-data", &[("algName", algorithm)], hash);
            builder.end("info-hash");
        }
        builder.end("header");
        builder.finish()
    }
}

/// The whole envelope from an already written header and info, with the header's HMAC
/// (algorithm name, base64) for session calls.
pub fn write_request(hmac: Option<(&str, &str)>, header_xml: &str, info_xml: &str) -> String {
    let mut builder = XmlBuilder::new();
    builder.start_with("wc-request:request", &[("xmlns:wc-request", super::REQUEST_NAMESPACE)]);
    if let Some((algorithm, value)) = hmac {
        builder.start("auth");
        builder.text_element_with("hmac-data", &[("algName", algorithm)], value);
        builder.end("auth");
    }
    builder.raw(header_xml);
    builder.raw(info_xml);
    builder.end("wc-request:request");
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Caller, parse_request};

    #[test]
    fn written_requests_parse_back_with_the_same_signed_bytes() {
        let person_id = PersonId::parse("f2455640-2294-4e8f-99b0-a386fd478699").unwrap();
        let header = RequestHeader {
            method: "GetThings".to_owned(),
            method_version: 3,
            record_id: Some(RecordId::parse("7a231675-4e78-451f-b94d-1e05b2a24586").unwrap()),
            caller: RequestCaller::Offline { auth_token: "dG9rZW4=".to_owned(), person_id },
            msg_time: "2026-11-21T12:00:00.000Z".to_owned(),
            msg_ttl: 1800,
            version: "haven-sdk/0.1".to_owned(),
            info_hash: Some(("SHA256".to_owned(), "aGFzaA==".to_owned())),
        };
        let header_xml = header.to_xml();
        let body = write_request(Some(("HMACSHA256", "bWFj")), &header_xml, "<info><group/></info>");
        let parsed = parse_request(&body).unwrap();
        assert_eq!(parsed.header_xml(), header_xml);
        assert_eq!(parsed.info_xml(), Some("<info><group/></info>"));
        assert_eq!(parsed.method(), "GetThings");
        assert!(
            matches!(&parsed.header.caller, Some(Caller::Session(session)) if session.offline_person_id == Some(person_id))
        );
        assert_eq!(parsed.hmac.unwrap().text, "bWFj");
    }
}
