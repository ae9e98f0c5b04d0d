//! A person going through the real Shell over HTTP, as a browser without JavaScript does:
//! sign up, follow an application's APPAUTH link, accept the consent screen and land on the
//! application's action URL with a wctoken. Used where a test needs a real user token but
//! not a real browser (the browser tests drive Chromium instead).

use std::collections::BTreeMap;

use haven_domain::ids::ApplicationId;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// The password every person of these tests uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// What the application received at its action URL.
#[derive(Debug)]
pub struct Returned {
    /// The query parameters of the action URL the Shell redirected to.
    pub parameters: BTreeMap<String, String>,
}

impl Returned {
    /// One parameter, which must be there.
    pub fn get(&self, name: &str) -> &str {
        self.parameters.get(name).unwrap_or_else(|| panic!("no {name} in {:?}", self.parameters))
    }
}

/// A browser's cookies and the HTTP client.
pub struct Session {
    client: reqwest::Client,
    shell_url: url::Url,
    cookies: BTreeMap<String, String>,
}

impl Session {
    /// A browser with no cookies yet, visiting the Shell at `shell_url`.
    pub fn new(shell_url: &str) -> Self {
        Self {
            client: haven_testkit::http_client().unwrap(),
            shell_url: url::Url::parse(shell_url).unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> (reqwest::StatusCode, Option<String>, String) {
        let cookie = self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
        let response = request.header(COOKIE, cookie).send().await.unwrap();
        for set_cookie in response.headers().get_all(SET_COOKIE) {
            let text = set_cookie.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
        let status = response.status();
        let location = response.headers().get(LOCATION).map(|value| value.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    /// GETs `path` (relative to the Shell) without following a redirect; returns the
    /// status, the `Location` header and the body.
    pub async fn get(&mut self, path: &str) -> (reqwest::StatusCode, Option<String>, String) {
        let url = self.shell_url.join(path).unwrap();
        let request = self.client.get(url);
        self.send(request).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (reqwest::StatusCode, Option<String>, String) {
        let url = self.shell_url.join(path).unwrap();
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let request =
            self.client.post(url).header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(body);
        self.send(request).await
    }
}

/// The value of the first input named `name` in `html`.
fn input_value(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no input {name} in {html}"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..at + html[at..].find('>').unwrap()];
    let value_at = tag.find("value=\"").unwrap() + 7;
    tag[value_at..value_at + tag[value_at..].find('"').unwrap()].to_owned()
}

/// Signs a new person up at `shell_url` (a US resident); returns when the account is open.
pub async fn sign_up(shell_url: &str, email: &str, given_name: &str, family_name: &str) {
    let mut session = Session::new(shell_url);
    sign_up_in(&mut session, email, given_name, family_name, "/records").await;
}

/// Sends the sign-up form in `session` (a US resident), asking to go to `next` afterwards.
pub async fn sign_up_in(session: &mut Session, email: &str, given_name: &str, family_name: &str, next: &str) {
    let (_, _, form) = session.get("/signup?country=US").await;
    let csrf = input_value(&form, "csrf");
    let (status, location, body) = session
        .post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
                ("given_name", given_name),
                ("family_name", family_name),
                ("birth_date", "1984-03-09"),
                ("country", "US"),
                ("next", next),
            ],
        )
        .await;
    assert_eq!(status, 303, "sign-up: {body}");
    assert_eq!(location.as_deref(), Some(next), "sign-up goes on to {next}");
}

/// Sends the sign-in form in `session` for `email` with the tests' password; returns the
/// status, the `Location` header and the page.
pub async fn sign_in(session: &mut Session, email: &str) -> (reqwest::StatusCode, Option<String>, String) {
    let (_, _, form) = session.get("/signin").await;
    let csrf = input_value(&form, "csrf");
    session.post("/signin", &[("csrf", &csrf), ("email", email), ("password", PASSWORD)]).await
}

/// Sends the sign-up form in `session` for a resident of `country` (one the Shell's
/// instance serves) with `email`, without checking the outcome; returns the status, the
/// `Location` header and the page.
pub async fn try_sign_up(
    session: &mut Session,
    email: &str,
    country: &str,
) -> (reqwest::StatusCode, Option<String>, String) {
    let (_, _, form) = session.get(&format!("/signup?country={country}")).await;
    let csrf = input_value(&form, "csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", email),
        ("password", PASSWORD),
        ("password_again", PASSWORD),
        ("given_name", "Pat"),
        ("family_name", "Doe"),
        ("birth_date", "1984-03-09"),
        ("country", country),
    ];
    session.post("/signup", &fields).await
}

/// Signs a new person up at `shell_url` (a US resident) and authorizes `application_id` on
/// their own record, accepting its required rules; returns what the application received.
pub async fn sign_up_and_authorize(
    shell_url: &str,
    application_id: ApplicationId,
    email: &str,
    given_name: &str,
    family_name: &str,
) -> Returned {
    let mut session = Session::new(shell_url);
    let targetqs = format!("appid={application_id}&actionqs=e2e-state");
    let redirect = format!(
        "/redirect.aspx?target=APPAUTH&targetqs={}",
        url::form_urlencoded::byte_serialize(targetqs.as_bytes()).collect::<String>()
    );

    sign_up_in(&mut session, email, given_name, family_name, &redirect).await;

    let (status, _, consent) = session.get(&redirect).await;
    assert_eq!(status, 200, "the consent page: {consent}");
    let csrf = input_value(&consent, "csrf");
    let record = input_value(&consent, "record");
    let (status, location, body) = session
        .post(
            "/consent",
            &[
                ("csrf", &csrf),
                ("target", "APPAUTH"),
                ("targetqs", &targetqs),
                ("decision", "accept"),
                ("record", &record),
            ],
        )
        .await;
    assert_eq!(status, 303, "consent: {body}");
    let location = url::Url::parse(&location.expect("a redirect to the action URL")).unwrap();
    Returned {
        parameters: location.query_pairs().map(|(name, value)| (name.into_owned(), value.into_owned())).collect(),
    }
}
