//! In-process Shell harness: the real router over a real SQLite store in a temporary
//! directory, a manual clock, and a tiny browser that keeps cookies and reads forms.
#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use haven_domain::clock::{Clock, ManualClock};
use haven_domain::topology::{EXAMPLE_TOML, InstanceId, Topology};
use haven_shell::{ShellSettings, ShellState};
use haven_store::{SqlStore, Store, StoreConfig};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

/// When the tests' clock starts.
pub const START: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

/// A password that passes the rules.
pub const PASSWORD: &str = "correct horse battery staple";

/// A Shell of instance 1 (US) of the example topology.
pub struct TestShell {
    pub router: Router,
    pub state: ShellState,
    pub store: Arc<SqlStore>,
    pub clock: Arc<ManualClock>,
    _directory: tempfile::TempDir,
}

impl TestShell {
    /// A Shell at an HTTP URL (no Secure cookies).
    pub async fn start() -> Self {
        Self::start_with(|settings| settings).await
    }

    /// A Shell whose settings `adjust` changes.
    pub async fn start_with(adjust: impl FnOnce(ShellSettings) -> ShellSettings) -> Self {
        Self::start_with_state(adjust, |state| state).await
    }

    /// A Shell whose settings `adjust` changes, and whose state `extend` adds to (mail, Direct).
    pub async fn start_with_state(
        adjust: impl FnOnce(ShellSettings) -> ShellSettings,
        extend: impl FnOnce(ShellState) -> ShellState,
    ) -> Self {
        let topology = Arc::new(Topology::from_toml("topology.toml", EXAMPLE_TOML).unwrap());
        let clock = Arc::new(ManualClock::new(START));
        Self::start_extended("1", topology, clock, None, adjust, extend).await
    }

    /// The Shell of `instance_id` in `topology`, asking its peers through `peers` if given.
    pub async fn start_instance(
        instance_id: &str,
        topology: Arc<Topology>,
        clock: Arc<ManualClock>,
        peers: Option<haven_shell::Peers>,
        adjust: impl FnOnce(ShellSettings) -> ShellSettings,
    ) -> Self {
        Self::start_extended(instance_id, topology, clock, peers, adjust, |state| state).await
    }

    async fn start_extended(
        instance_id: &str,
        topology: Arc<Topology>,
        clock: Arc<ManualClock>,
        peers: Option<haven_shell::Peers>,
        adjust: impl FnOnce(ShellSettings) -> ShellSettings,
        extend: impl FnOnce(ShellState) -> ShellState,
    ) -> Self {
        let directory = tempfile::tempdir().unwrap();
        let store = Arc::new(SqlStore::open(&StoreConfig::sqlite(directory.path().join("shell.db"))).await.unwrap());
        let instance_id = InstanceId::parse(instance_id).unwrap();
        let shell_url = topology.instance(&instance_id).unwrap().shell_url.clone();
        let settings = adjust(ShellSettings::for_shell_url(&shell_url));
        let store_dyn: Arc<dyn Store> = store.clone();
        let clock_dyn: Arc<dyn Clock> = clock.clone();
        let mut state = ShellState::new(instance_id, topology, store_dyn, clock_dyn, settings);
        if let Some(peers) = peers {
            state = state.with_peers(peers);
        }
        let state = extend(state);
        Self { router: haven_shell::router(state.clone()), state, store, clock, _directory: directory }
    }

    /// A browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser { router: self.router.clone(), cookies: BTreeMap::new(), peer: "127.0.0.1:50000".parse().unwrap() }
    }
}

/// A response as the tests read it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The `Location` header.
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).map(|value| value.to_str().unwrap()).unwrap_or("")
    }

    /// The value of the hidden or filled input `name` in the page's first form that has it.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let at = self.body.find(&marker)?;
        let tag_start = self.body[..at].rfind('<')?;
        let tag_end = at + self.body[at..].find('>')?;
        let tag = &self.body[tag_start..tag_end];
        let value_at = tag.find("value=\"")? + 7;
        let value_end = value_at + tag[value_at..].find('"')?;
        Some(tag[value_at..value_end].to_owned())
    }

    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        self.input("csrf").expect("the page has a form with a CSRF token")
    }

    /// The `Set-Cookie` headers.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|value| value.to_str().unwrap().to_owned()).collect()
    }
}

/// A browser: keeps cookies, sends forms.
#[derive(Clone)]
pub struct Browser {
    router: Router,
    pub cookies: BTreeMap<String, String>,
    pub peer: SocketAddr,
}

impl Browser {
    /// GET `path`.
    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None, &[]).await
    }

    /// POST the form `fields` to `path`.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[]).await
    }

    /// POST the form `fields` to `path` with extra headers.
    pub async fn post_with(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.send(Method::POST, path, Some(body), headers).await
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>, headers: &[(&str, &str)]) -> Page {
        let mut request = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie =
                self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
            request = request.header(header::COOKIE, cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match form {
            Some(form) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(form)
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = String::from_utf8(to_bytes(response.into_body(), 4 << 20).await.unwrap().to_vec()).unwrap();
        for set_cookie in headers.get_all(header::SET_COOKIE) {
            let text = set_cookie.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page { status, headers, body }
    }

    /// Fills in and sends the sign-up form; returns the response to the POST.
    /// The form is the second step, for the country given in `fields` (US by default).
    pub async fn sign_up(&mut self, email: &str, fields: &[(&str, &str)]) -> Page {
        let country = fields.iter().find(|(name, _)| *name == "country").map_or("US", |(_, value)| *value);
        let country = if country.is_empty() { "US" } else { country };
        let form = self.get(&format!("/signup?country={country}")).await;
        if form.status != StatusCode::OK {
            // Sent elsewhere, or the country refused: the country step's answer is the outcome.
            return form;
        }
        let csrf = form.csrf();
        let mut values: BTreeMap<&str, &str> = [
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
            ("given_name", "Ana"),
            ("family_name", "Rivera"),
            ("birth_date", "1984-03-09"),
            ("country", "US"),
        ]
        .into_iter()
        .collect();
        for (name, value) in fields {
            values.insert(name, value);
        }
        let fields: Vec<(&str, &str)> = values.into_iter().collect();
        self.post("/signup", &fields).await
    }

    /// Fills in and sends the sign-in form; returns the response to the POST.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/signin").await;
        let csrf = form.csrf();
        self.post("/signin", &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }
}

// ---------------------------------------------------------------------------- records

use haven_domain::ids::RecordId;
use haven_domain::person::{EmailAddress, Person};
use haven_store::{PersonStore, RecordStore};

/// A signed-in browser for a new account, with the person and their own record.
pub async fn signed_up_with_record(shell: &TestShell, email: &str) -> (Browser, Person, RecordId) {
    let mut browser = shell.browser();
    let page = browser.sign_up(email, &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-up failed: {}", page.body);
    let person = shell.store.person_by_email(&EmailAddress::parse(email).unwrap()).await.unwrap().unwrap();
    let records = shell.store.records_for_person(person.id).await.unwrap();
    let record_id = records.first().expect("the person's own record").0.id;
    (browser, person, record_id)
}

impl Browser {
    /// GETs `form_path` for its CSRF token, then POSTs `fields` and the token to `action`.
    pub async fn submit(&mut self, form_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_path).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

/// A signed-in browser for a new account, with the person's id and their own record's id.
pub async fn signed_in(shell: &TestShell, email: &str) -> (Browser, haven_domain::ids::PersonId, RecordId) {
    let (browser, person, record_id) = signed_up_with_record(shell, email).await;
    (browser, person.id, record_id)
}

/// An attribute value as the browser reads it (askama escapes `&`, quotes and angles).
pub fn unescape(text: &str) -> String {
    text.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
}

/// The consent form's hidden fields (`application` when the form has it) and the decision,
/// with `extra` added.
pub fn consent_fields(page: &Page, decision: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = ["csrf", "target", "targetqs", "trm"]
        .into_iter()
        .map(|name| {
            (name.to_owned(), unescape(&page.input(name).unwrap_or_else(|| panic!("no {name}: {}", page.body))))
        })
        .collect();
    if let Some(application) = page.input("application") {
        fields.push(("application".to_owned(), unescape(&application)));
    }
    fields.push(("decision".to_owned(), decision.to_owned()));
    fields.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())));
    fields
}

/// POSTs consent form fields.
pub async fn post_consent(browser: &mut Browser, fields: &[(String, String)]) -> Page {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    browser.post("/consent", &borrowed).await
}

// ---------------------------------------------------------------------------- two instances

use haven_domain::federation::FederationKey;
use haven_platform::{PeerState, peer_routes};
use haven_shell::{PEER_LOOKUP_TIMEOUT, Peers};
use tokio::net::TcpListener;

/// The US Shell of the example topology.
pub const US_SHELL: &str = "http://127.0.0.1:8110/";
/// The EU Shell of the example topology.
pub const EU_SHELL: &str = "http://127.0.0.1:8120/";

/// The US and EU instances of the example topology, sharing one clock, with their Platforms'
/// peer routes on loopback sockets (or, for the EU with `eu_down`, an address where nothing
/// listens).
pub struct Deployment {
    pub us: TestShell,
    pub eu: TestShell,
}

impl Deployment {
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    pub async fn start_with(eu_down: bool) -> Self {
        let key = FederationKey::from_hex(&"5a".repeat(32)).unwrap();
        let us_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let eu_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let us_platform = format!("http://{}/", us_listener.local_addr().unwrap());
        let eu_platform = format!("http://{}/", eu_listener.local_addr().unwrap());
        let text = EXAMPLE_TOML
            .replace("\"http://127.0.0.1:8111\"", &format!("\"{us_platform}\""))
            .replace("\"http://127.0.0.1:8121/\"", &format!("\"{eu_platform}\""));
        let topology = Arc::new(Topology::from_toml("topology.toml", &text).unwrap());
        let clock = Arc::new(ManualClock::new(START));
        let peers = || Some(Peers::new(key.clone(), PEER_LOOKUP_TIMEOUT).unwrap());
        let us = TestShell::start_instance("1", topology.clone(), clock.clone(), peers(), |settings| settings).await;
        let eu = TestShell::start_instance("2", topology.clone(), clock.clone(), peers(), |settings| settings).await;
        for (id, shell, listener) in [("1", &us, us_listener), ("2", &eu, eu_listener)] {
            if id == "2" && eu_down {
                drop(listener);
                continue;
            }
            let store: Arc<dyn Store> = shell.store.clone();
            let clock: Arc<dyn Clock> = clock.clone();
            let state = PeerState {
                instance_id: InstanceId::parse(id).unwrap(),
                topology: topology.clone(),
                store,
                clock,
                key: key.clone(),
            };
            tokio::spawn(async move { axum::serve(listener, peer_routes(state)).await.unwrap() });
        }
        Self { us, eu }
    }
}

// ---------------------------------------------------------------------------- mail

/// The mail a `MailFolder` wrote to `folder`, oldest first, as saved (envelope lines first).
pub fn folder_mails(folder: &std::path::Path) -> Vec<String> {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "eml"))
        .collect();
    paths.sort();
    paths.iter().map(|path| String::from_utf8(std::fs::read(path).unwrap()).unwrap()).collect()
}

/// A saved mail's header section, then its text body decoded (mail-parser undoes the transfer
/// encoding, as a mail client would).
pub fn readable_mail(raw: &str) -> String {
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    let text = parsed.body_text(0).map(|text| text.into_owned()).unwrap_or_default();
    format!("{}\r\n\r\n{text}", &raw[..raw.find("\r\n\r\n").unwrap()])
}
