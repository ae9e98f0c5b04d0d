//! Request envelopes as the Python clients build them: signed session calls, the
//! `<auth-session>` forms (application only, online, offline) and reading answers.

use super::*;

/// A session call as pyhealthvault builds it: HMACSHA1 over the header string, SHA1 info hash.
pub fn session_call(token: &str, secret: &[u8], info: &str, tamper: impl Fn(String) -> String) -> String {
    call(
        "GetServiceDefinition",
        2,
        &format!("<auth-token>{token}</auth-token><offline-person-info><offline-person-id/></offline-person-info>"),
        secret,
        info,
        tamper,
    )
}

/// Any method within a session; `auth_session` is the inside of `<auth-session>`.
pub fn call(
    method: &str,
    version: u32,
    auth_session: &str,
    secret: &[u8],
    info: &str,
    tamper: impl Fn(String) -> String,
) -> String {
    signed_call(method, version, None, auth_session, secret, info, tamper)
}

/// A call about one record (`<record-id>` in the signed header).
pub fn record_call(
    method: &str,
    version: u32,
    record_id: &str,
    auth_session: &str,
    secret: &[u8],
    info: &str,
) -> String {
    signed_call(method, version, Some(record_id), auth_session, secret, info, |body| body)
}

/// Any call within a session, about one record when `record_id` is given, signed with
/// `secret`; `tamper` edits the finished envelope.
pub fn signed_call(
    method: &str,
    version: u32,
    record_id: Option<&str>,
    auth_session: &str,
    secret: &[u8],
    info: &str,
    tamper: impl Fn(String) -> String,
) -> String {
    let info_hash = STANDARD.encode(Sha1::digest(info.as_bytes()));
    let record = record_id.map(|id| format!("<record-id>{id}</record-id>")).unwrap_or_default();
    let header = format!(
        r#"<header><method>{method}</method><method-version>{version}</method-version>{record}<auth-session>{auth_session}</auth-session><language>en</language><country>US</country><msg-time>2026-11-21T12:01:00</msg-time><msg-ttl>36000</msg-ttl><version>1.0</version><info-hash><hash-data algName="SHA1">{info_hash}</hash-data></info-hash></header>"#
    );
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(header.as_bytes());
    let hmac = STANDARD.encode(mac.finalize().into_bytes());
    tamper(format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><auth><hmac-data algName="HMACSHA1">{hmac}</hmac-data></auth>{header}{info}</wc-request:request>"#
    ))
}

/// The inside of `<auth-session>` for an online call.
pub fn online(session_token: &str, user_token: &str) -> String {
    format!("<auth-token>{session_token}</auth-token><user-auth-token>{user_token}</user-auth-token>")
}

/// The inside of `<auth-session>` for an offline call.
pub fn offline(session_token: &str, person_id: haven_domain::ids::PersonId) -> String {
    format!(
        "<auth-token>{session_token}</auth-token><offline-person-info><offline-person-id>{person_id}</offline-person-id></offline-person-info>"
    )
}

/// The inner XML of a successful answer's `wc:info` (empty when there is none).
pub fn info_of(text: &str) -> String {
    let response = parse_response(text).unwrap();
    assert_eq!(response.status, StatusCode::OK, "{text}");
    response.info.map(|info| info.inner_xml.to_owned()).unwrap_or_default()
}

/// The inside of `<auth-session>` for a call by the application alone.
pub fn application_only(session_token: &str) -> String {
    format!("<auth-token>{session_token}</auth-token>")
}

/// A CAST v1 request for `application`, signed with its key; `content_override` replaces the
/// signed `<content>` in what is sent.
pub fn cast_v1_request(application: &AppCredentials, secret: &[u8], content_override: Option<&str>) -> String {
    let app_id = application.app_id;
    let content = format!(
        r#"<content><app-id>{app_id}</app-id><shared-secret><hmac-alg algName="HMACSHA1">{}</hmac-alg></shared-secret></content>"#,
        STANDARD.encode(secret)
    );
    let signature = sign_with(&application.key, &content);
    let sent = content_override.unwrap_or(&content);
    format!(
        r#"<wc-request:request xmlns:wc-request="urn:com.microsoft.wc.request"><header><method>CreateAuthenticatedSessionToken</method><method-version>1</method-version><app-id>{app_id}</app-id><language>en</language><country>US</country><msg-time>2008-06-21T03:13:50.750-04:00</msg-time><msg-ttl>36000</msg-ttl><version>0.1.5</version></header><info><auth-info><app-id>{app_id}</app-id><credential><appserver><sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="{}">{signature}</sig>{sent}</appserver></credential></auth-info></info></wc-request:request>"#,
        application.thumbprint
    )
}
