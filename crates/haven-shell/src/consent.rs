//! Consent: the screen where a person authorizes an application on their records (APPAUTH,
//! and AUTH, CREATEACCOUNT and CREATERECORD when consent is needed), and the decision it
//! posts to `/consent`.
//!
//! The screen shows what the application declared at registration: its name and
//! description, and for online and offline access each rule's reason, thing types and
//! permissions in plain words. Required rules are granted together when the person accepts;
//! optional rules are checkboxes. Every optional rule is shown (so the person sees all the
//! application may ask for); display flags and `onoptN`/`offoptN` only decide which are
//! pre-checked. The decision is checked against the registration on the server: rule names
//! the application did not declare, or records the person cannot use, refuse the whole
//! decision and nothing is written.
//!
//! The screen and the decision serve any [`Subject`]: a registered application (the targets
//! above), or a SODA application's installed copy being connected (CREATEAPPLICATION), whose
//! screen names the device and whose acceptance first completes the copy's creation, at most
//! once, before anything is granted; what differs between them is the subject's
//! [`Completion`].
//!
//! AUTH skips the screen when the person has already fully authorized the application on a
//! record they can still use (all required rules granted as now declared, on every avenue
//! with required rules), unless `forceappauth=true`; it then returns at once with a fresh
//! user token for the record the person last selected. APPAUTH always shows the screen: it
//! is how applications ask for more records or optional rules.

use std::collections::BTreeSet;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::application::{Application, PersonApplicationSettings};
use haven_domain::auth_rules::{AuthRule, Permissions, RuleSet, TargetSet};
use haven_domain::authorization::{AppAuthorization, RecordAuthAction, record_auth_action};
use haven_domain::ids::{ApplicationId, RecordId};
use haven_domain::person::Person;
use haven_domain::record::{Record, RecordMember, Relationship};
use haven_domain::session::{TokenHash, USER_TOKEN_LIFETIME, UserToken};
use haven_domain::thing_type;
use serde::Deserialize;
use time::Duration;

use crate::error::render;
use crate::redirect::{
    Destination, PendingCreation, RedirectFailure, RedirectProblem, Return, ShellRequest, Target, destination, go_back,
    records_of, registered_application,
};
use crate::tokens::new_token;
use crate::visit::Visit;
use crate::{Chrome, ShellState};

/// Display flag (`auth.xsd`): the optional rule is checked at first authorization. (0x1,
/// DisplayFirstTime, changes nothing here: Haven shows every optional rule.)
const CHECKED_FIRST_TIME: u32 = 0x2;
/// Display flag (`auth.xsd`): the optional rule is checked when the person authorizes again.
const CHECKED_BY_DEFAULT: u32 = 0x4;

/// How long after an account is opened a CREATEACCOUNT return still reports
/// `targetDetails=CreateAccountSuccess` (the account was opened in this visit).
const ACCOUNT_JUST_OPENED: Duration = Duration::minutes(30);

/// The two access avenues, as the consent form names their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Avenue {
    /// While the person uses the application.
    Online,
    /// When the application acts alone.
    Offline,
}

impl Avenue {
    fn field(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
        }
    }

    fn declared(self, application: &Application) -> &RuleSet {
        match self {
            Self::Online => &application.online_rules,
            Self::Offline => &application.offline_rules,
        }
    }

    fn granted(self, authorization: &AppAuthorization) -> Option<&RuleSet> {
        match self {
            Self::Online => authorization.online.as_ref(),
            Self::Offline => authorization.offline.as_ref(),
        }
    }

    fn requested_parameter(self) -> &'static str {
        match self {
            Self::Online => "onopt",
            Self::Offline => "offopt",
        }
    }
}

/// The application a consent is for, as the screen names it, and what accepting does
/// besides writing the authorizations.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    /// The application the authorizations are written for (a SODA child, for
    /// CREATEAPPLICATION); its registration decides which rules may be granted.
    application: Application,
    /// The name the screen shows.
    display_name: String,
    /// A line saying what is being connected, for an installed copy.
    device_note: Option<String>,
    /// The completion hook.
    completion: Completion,
}

/// What accepting does besides writing the authorizations, and what goes back.
#[derive(Debug, Clone)]
enum Completion {
    /// A user token for the selected record (when an action URL will receive it), the
    /// selection remembered, and `AppAuthSuccess` or `SelectedRecordChanged`.
    UserToken,
    /// The SODA child's creation (the hash of its app-creation token) is completed before
    /// anything is written; if it was spent or expired meanwhile, nothing is. The return
    /// names the child (`appid`) and carries no user token: the copy signs in with its own
    /// secret and works offline.
    SodaCreation(TokenHash),
}

impl Subject {
    /// A registered application asking for consent.
    pub(crate) fn web(application: Application) -> Self {
        let display_name = application.name.clone();
        Self { application, display_name, device_note: None, completion: Completion::UserToken }
    }

    /// A SODA application's installed copy being connected (CREATEAPPLICATION).
    pub(crate) fn soda_instance(creation: PendingCreation) -> Self {
        let display_name = creation.display_name();
        let device_note = Some(match &creation.instance_name {
            Some(instance_name) => format!(
                "This connects the copy of {} installed on {instance_name}. It will use your records on its own, \
                 without you being signed in.",
                creation.master.name
            ),
            None => format!(
                "This connects a copy of {} installed on a device. It will use your records on its own, without you \
                 being signed in.",
                creation.master.name
            ),
        });
        let completion = Completion::SodaCreation(creation.token_hash);
        Self { application: creation.child, display_name, device_note, completion }
    }

    /// Fields the return carries besides the usual ones: an installed copy's id (`appid`),
    /// which `/application/complete` carries anyway, also at an action URL.
    fn return_fields(&self, destination: &Destination) -> Vec<(&'static str, String)> {
        match (&self.completion, destination) {
            (Completion::SodaCreation(_), Destination::ActionUrl(_)) => {
                vec![("appid", self.application.id.to_string())]
            }
            (Completion::SodaCreation(_), Destination::Complete) | (Completion::UserToken, _) => Vec::new(),
        }
    }
}

/// What the person chose (or what is pre-selected).
#[derive(Debug, Clone, Default)]
struct Choices {
    records: BTreeSet<RecordId>,
    online: BTreeSet<String>,
    offline: BTreeSet<String>,
}

impl Choices {
    fn optional(&self, avenue: Avenue) -> &BTreeSet<String> {
        match avenue {
            Avenue::Online => &self.online,
            Avenue::Offline => &self.offline,
        }
    }
}

/// Everything known about the person and the application before deciding.
struct Situation<'a> {
    /// The signed-in person.
    person: &'a Person,
    /// What the consent is for.
    subject: &'a Subject,
    /// The subject's application (the one authorized).
    application: &'a Application,
    /// The request, as the redirect interface received it or the form carried it back.
    request: &'a ShellRequest,
    /// Where the person goes back to.
    destination: Destination,
    /// Records the person can use now.
    records: Vec<(Record, RecordMember)>,
    /// The person's authorizations of the application in force, on those records.
    authorizations: Vec<AppAuthorization>,
    /// Whether the person never authorized the application before.
    first_time: bool,
    /// The record the person last selected for the application.
    settings: Option<PersonApplicationSettings>,
}

impl Situation<'_> {
    async fn load<'a>(
        state: &ShellState,
        person: &'a Person,
        request: &'a ShellRequest,
        subject: &'a Subject,
        destination: Destination,
    ) -> Result<Situation<'a>, RedirectFailure> {
        let application = &subject.application;
        let now = state.clock.now();
        let records = records_of(state, person).await?;
        let all = state.store.authorizations_of_person(person.id, application.id).await?;
        let first_time = all.is_empty();
        let authorizations = all
            .into_iter()
            .filter(|authorization| {
                authorization.is_active_at(now)
                    && records.iter().any(|(record, _)| record.id == authorization.record_id)
            })
            .collect();
        let settings = state.store.application_settings(person.id, application.id).await?;
        Ok(Situation {
            person,
            subject,
            application,
            request,
            destination,
            records,
            authorizations,
            first_time,
            settings,
        })
    }

    fn is_record(&self, record_id: RecordId) -> bool {
        self.records.iter().any(|(record, _)| record.id == record_id)
    }

    /// Records on which the application is authorized with nothing left to consent to.
    fn fully_authorized(&self, state: &ShellState) -> Vec<RecordId> {
        let now = state.clock.now();
        self.authorizations
            .iter()
            .filter(|authorization| {
                let avenues_granted = [Avenue::Online, Avenue::Offline].into_iter().all(|avenue| {
                    avenue.declared(self.application).required().next().is_none()
                        || avenue.granted(authorization).is_some()
                });
                avenues_granted
                    && record_auth_action(self.application, Some(authorization), &state.instance_id, now)
                        == RecordAuthAction::NoActionRequired
            })
            .map(|authorization| authorization.record_id)
            .collect()
    }

    /// Whether some authorization needs renewing because the required rules grew.
    fn needs_reauthorization(&self, state: &ShellState) -> bool {
        let now = state.clock.now();
        self.authorizations.iter().any(|authorization| {
            record_auth_action(self.application, Some(authorization), &state.instance_id, now)
                == RecordAuthAction::ReauthorizationRequired
        })
    }

    /// `targetDetails=CreateAccountSuccess` for CREATEACCOUNT when the account was opened
    /// in this visit.
    fn target_details(&self, visit: &Visit) -> Option<&'static str> {
        let opened = visit.session.created_at - self.person.created_at;
        (self.request.target == Target::CreateAccount && opened >= Duration::ZERO && opened <= ACCOUNT_JUST_OPENED)
            .then_some("CreateAccountSuccess")
    }

    /// The pre-selection of the consent screen.
    fn preselection(&self, external_record: Option<RecordId>) -> Choices {
        let mut records = BTreeSet::new();
        let newest = self.records.iter().max_by_key(|(record, _)| record.created_at).map(|(record, _)| record.id);
        let own = self
            .records
            .iter()
            .find(|(_, member)| member.is_custodian && member.relationship == Relationship::SELF)
            .or_else(|| self.records.first())
            .map(|(record, _)| record.id);
        let last_selected =
            self.settings.as_ref().and_then(|settings| settings.selected_record_id).filter(|id| self.is_record(*id));
        let authorized = self.authorizations.iter().map(|authorization| authorization.record_id);
        let wanted = external_record.or(if self.request.record_created { newest } else { None });
        if self.request.is_multi_record() {
            records.extend(authorized);
            records.extend(wanted);
            if records.is_empty() {
                records.extend(own);
            }
        } else {
            let mut authorized = authorized;
            records.extend(wanted.or(last_selected).or_else(|| authorized.next()).or(own));
        }
        let mut choices = Choices { records, ..Choices::default() };
        for avenue in [Avenue::Online, Avenue::Offline] {
            let requested = self.request.params.numbered(avenue.requested_parameter());
            let checked: BTreeSet<String> = avenue
                .declared(self.application)
                .rules
                .iter()
                .filter(|rule| rule.is_optional)
                .filter(|rule| {
                    let granted_before = self.authorizations.iter().any(|authorization| {
                        avenue.granted(authorization).is_some_and(|granted| granted.rule(&rule.name).is_some())
                    });
                    let by_flags = if self.first_time {
                        rule.display_flags & CHECKED_FIRST_TIME != 0
                    } else {
                        rule.display_flags & CHECKED_BY_DEFAULT != 0
                    };
                    requested.contains(&rule.name) || granted_before || by_flags
                })
                .map(|rule| rule.name.clone())
                .collect();
            match avenue {
                Avenue::Online => choices.online = checked,
                Avenue::Offline => choices.offline = checked,
            }
        }
        choices
    }
}

/// Consent targets after sign-in: straight back for AUTH when nothing is left to consent
/// to, `AppAuthInvalidRecord` for an `extrecordid` the person cannot use, otherwise the
/// consent screen for `subject`.
pub(crate) async fn authorize(
    state: &ShellState,
    visit: &Visit,
    person: &Person,
    request: &ShellRequest,
    subject: &Subject,
    destination: &Destination,
) -> Result<Response, RedirectFailure> {
    let application = &subject.application;
    let situation = Situation::load(state, person, request, subject, destination.clone()).await?;
    let external_record = match request.external_record_id() {
        Ok(None) => None,
        Ok(Some(record_id)) if situation.is_record(record_id) => Some(record_id),
        Ok(Some(_)) | Err(_) => {
            let outcome =
                Return { extra: subject.return_fields(destination), ..Return::target("AppAuthInvalidRecord") };
            return Ok(go_back(state, visit, application, request, destination, outcome)?);
        }
    };
    if request.target == Target::Auth && !request.params.is_true("forceappauth") {
        let ready = situation.fully_authorized(state);
        if !ready.is_empty() {
            let last_selected = situation.settings.as_ref().and_then(|settings| settings.selected_record_id);
            let selected = last_selected.filter(|record_id| ready.contains(record_id)).unwrap_or(ready[0]);
            return succeed(state, visit, &situation, selected, false).await;
        }
    }
    let choices = situation.preselection(external_record);
    consent_page(state, visit, &situation, &choices, None)
}

/// Returns `AppAuthSuccess` after consent (or for AUTH with nothing left to consent to). For
/// a [`Completion::UserToken`] subject, issues the user token for the selected record,
/// remembers the selection, and returns `SelectedRecordChanged` instead when a single-record
/// application's record changed. An installed SODA copy gets neither token nor selection.
async fn succeed(
    state: &ShellState,
    visit: &Visit,
    situation: &Situation<'_>,
    selected: RecordId,
    may_change_selection: bool,
) -> Result<Response, RedirectFailure> {
    if let Completion::SodaCreation(_) = situation.subject.completion {
        let (person_id, application_id) = (situation.person.id, situation.application.id);
        tracing::info!(person = %person_id, application = %application_id, "SODA instance connected; returning");
        let outcome = Return {
            extra: situation.subject.return_fields(&situation.destination),
            ..Return::target("AppAuthSuccess")
        };
        return Ok(go_back(state, visit, situation.application, situation.request, &situation.destination, outcome)?);
    }
    let now = state.clock.now();
    let previous = situation.settings.as_ref().and_then(|settings| settings.selected_record_id);
    let wctoken = match situation.destination {
        Destination::ActionUrl(_) => {
            let wctoken = new_token()?;
            let token = UserToken {
                token_hash: TokenHash::of_token(&wctoken),
                person_id: situation.person.id,
                application_id: situation.application.id,
                selected_record_id: Some(selected),
                created_at: now,
                expires_at: now + USER_TOKEN_LIFETIME,
                revoked_at: None,
            };
            state.store.create_user_token(&token).await?;
            Some(wctoken)
        }
        // Nobody would receive a token at the completion page (see `returning`).
        Destination::Complete => None,
    };
    if previous != Some(selected) {
        let settings = PersonApplicationSettings {
            person_id: situation.person.id,
            application_id: situation.application.id,
            settings_xml: situation.settings.as_ref().and_then(|settings| settings.settings_xml.clone()),
            selected_record_id: Some(selected),
            updated_at: now,
        };
        state.store.put_application_settings(&settings).await?;
    }
    let changed =
        may_change_selection && !situation.request.is_multi_record() && previous.is_some_and(|id| id != selected);
    let target = if changed { "SelectedRecordChanged" } else { "AppAuthSuccess" };
    let (person_id, application_id) = (situation.person.id, situation.application.id);
    tracing::info!(person = %person_id, application = %application_id, target, "returning to the application");
    let outcome = Return {
        target: target.to_owned(),
        target_details: situation.target_details(visit),
        wctoken,
        extra: Vec::new(),
    };
    Ok(go_back(state, visit, situation.application, situation.request, &situation.destination, outcome)?)
}

// ---------------------------------------------------------------------------- the screen

/// One rule as the screen shows it.
#[derive(Debug)]
struct RuleView {
    name: String,
    reason: String,
    access: Vec<String>,
    checked: bool,
    requested: bool,
}

/// One avenue's rules.
#[derive(Debug)]
struct AvenueView {
    field: &'static str,
    heading: &'static str,
    intro: &'static str,
    required: Vec<RuleView>,
    optional: Vec<RuleView>,
}

/// One record in the picker.
#[derive(Debug)]
struct RecordView {
    id: String,
    name: String,
    relationship: &'static str,
    checked: bool,
    authorized: bool,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    chrome: Chrome,
    application_id: String,
    application_name: String,
    application_description: String,
    device_note: Option<String>,
    avenues: Vec<AvenueView>,
    records: Vec<RecordView>,
    multiple: bool,
    reauthorization: bool,
    problem: Option<String>,
    target: &'static str,
    targetqs: String,
    trm: &'static str,
}

fn consent_page(
    state: &ShellState,
    visit: &Visit,
    situation: &Situation<'_>,
    choices: &Choices,
    problem: Option<String>,
) -> Result<Response, RedirectFailure> {
    let mut avenues = Vec::new();
    for avenue in [Avenue::Online, Avenue::Offline] {
        let declared = avenue.declared(situation.application);
        if declared.is_empty() {
            continue;
        }
        let requested = situation.request.params.numbered(avenue.requested_parameter());
        let view = |rule: &AuthRule| RuleView {
            name: rule.name.clone(),
            reason: rule.reason.clone(),
            access: describe_rule(rule),
            checked: !rule.is_optional || choices.optional(avenue).contains(&rule.name),
            requested: requested.contains(&rule.name),
        };
        let (heading, intro) = match avenue {
            Avenue::Online => (
                "While you use the application",
                "The application can do this only while you are signed in and using it.",
            ),
            Avenue::Offline => (
                "When you are not using the application (offline access)",
                "The application can do this at any time, without you being signed in, until you withdraw your \
                 consent.",
            ),
        };
        avenues.push(AvenueView {
            field: avenue.field(),
            heading,
            intro,
            required: declared.required().map(view).collect(),
            optional: declared.rules.iter().filter(|rule| rule.is_optional).map(view).collect(),
        });
    }
    let records = situation
        .records
        .iter()
        .map(|(record, member)| RecordView {
            id: record.id.to_string(),
            name: record.display_name.clone(),
            relationship: if member.relationship == Relationship::SELF { "you" } else { member.relationship.name() },
            checked: choices.records.contains(&record.id),
            authorized: situation.authorizations.iter().any(|authorization| authorization.record_id == record.id),
        })
        .collect();
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ConsentPage {
        chrome: visit.chrome(state),
        application_id: situation.application.id.to_string(),
        application_name: situation.subject.display_name.clone(),
        application_description: situation.application.description.clone(),
        device_note: situation.subject.device_note.clone(),
        avenues,
        records,
        multiple: situation.request.is_multi_record(),
        reauthorization: situation.needs_reauthorization(state),
        problem,
        target: situation.request.target.as_str(),
        targetqs: situation.request.targetqs.clone(),
        trm: situation.request.token_redirection.as_str(),
    };
    Ok((status, render(&page)?).into_response())
}

/// What a rule lets the application do, one line per target set, in plain words.
fn describe_rule(rule: &AuthRule) -> Vec<String> {
    let verbs = permission_words(rule.permissions);
    let mut lines: Vec<String> =
        rule.target_sets.iter().map(|set| format!("{verbs}: {}", describe_targets(set))).collect();
    for exception in &rule.exception_sets {
        lines.push(format!("Except: {}", describe_targets(exception)));
    }
    lines
}

/// "Read, add, change and delete" for the permissions held.
fn permission_words(permissions: Permissions) -> String {
    let words: Vec<&str> = [
        (Permissions::READ, "read"),
        (Permissions::CREATE, "add"),
        (Permissions::UPDATE, "change"),
        (Permissions::DELETE, "delete"),
    ]
    .into_iter()
    .filter(|(permission, _)| permissions.contains(*permission))
    .map(|(_, word)| word)
    .collect();
    let sentence = match words.as_slice() {
        [] => "nothing".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let mut characters = sentence.chars();
    characters.next().map(|first| first.to_uppercase().chain(characters).collect()).unwrap_or_default()
}

/// The types of a target set by name, and its date limits.
fn describe_targets(set: &TargetSet) -> String {
    let types = if set.type_ids.is_empty() {
        "every kind of information in the record".to_owned()
    } else {
        let mut names: Vec<String> = set
            .type_ids
            .iter()
            .map(|type_id| {
                thing_type::by_id(*type_id)
                    .map_or_else(|| format!("information of type {type_id}"), |thing_type| thing_type.name.to_owned())
            })
            .collect();
        names.sort();
        names.join(", ")
    };
    let dates: Vec<String> = set
        .date_ranges
        .iter()
        .map(|range| match (range.min, range.max) {
            (Some(min), Some(max)) => format!("from {} to {}", min.date(), max.date()),
            (Some(min), None) => format!("from {} on", min.date()),
            (None, Some(max)) => format!("up to {}", max.date()),
            (None, None) => "of any date".to_owned(),
        })
        .collect();
    if dates.is_empty() { types } else { format!("{types} (only items dated {})", dates.join(" or ")) }
}

// ---------------------------------------------------------------------------- the decision

/// What the consent form sends. Rule names and records are checked against the
/// registration and the person's records; the rest identifies the request. `application` is
/// the application the screen was shown for: when sent it must be the one the request
/// resolves to, and CREATEAPPLICATION requires it, so a form for one installed copy cannot
/// be turned into consent for another.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ConsentForm {
    csrf: String,
    application: String,
    target: String,
    targetqs: String,
    trm: String,
    decision: String,
    record: Vec<String>,
    online: Vec<String>,
    offline: Vec<String>,
}

/// The request the form carries, as the query of `redirect.aspx`. (A separate function:
/// the serializer is not `Send` and must not live across an await.)
fn form_query(form: &ConsentForm) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("target", &form.target).append_pair("targetqs", &form.targetqs);
    if !form.trm.is_empty() {
        query.append_pair("trm", &form.trm);
    }
    query.finish()
}

/// `POST /consent`: the person's decision.
pub(crate) async fn decide(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    match decide_in(&state, &visit, &headers, &form).await {
        Ok(response) => response,
        Err(failure) => failure.into_page(&state, &visit),
    }
}

async fn decide_in(
    state: &ShellState,
    visit: &Visit,
    headers: &HeaderMap,
    form: &ConsentForm,
) -> Result<Response, RedirectFailure> {
    visit.check_form(headers, &form.csrf)?;
    let person = visit.person()?;
    let request = ShellRequest::parse(&form_query(form))?;
    if !request.target.leads_to_consent() && request.target != Target::CreateApplication {
        return Err(RedirectProblem::BadConsentForm.into());
    }
    let application_id = request.application_id()?.ok_or(RedirectProblem::MissingApplication)?;
    let registered = registered_application(state, application_id).await?;
    let subject = if request.target == Target::CreateApplication {
        Subject::soda_instance(PendingCreation::check(state, &request, registered).await?)
    } else {
        Subject::web(registered)
    };
    let shown = form.application.trim();
    let bound = matches!(subject.completion, Completion::SodaCreation(_));
    if (bound || !shown.is_empty()) && ApplicationId::parse(shown).ok() != Some(subject.application.id) {
        return Err(RedirectProblem::MismatchedApplication.into());
    }
    let application = &subject.application;
    let destination = destination(application, &request)?;
    let situation = Situation::load(state, person, &request, &subject, destination).await?;

    match form.decision.as_str() {
        "reject" => {
            tracing::info!(person = %person.id, application = %application.id, "consent refused");
            let outcome = Return {
                target_details: situation.target_details(visit),
                extra: subject.return_fields(&situation.destination),
                ..Return::target("AppAuthReject")
            };
            return Ok(go_back(state, visit, application, &request, &situation.destination, outcome)?);
        }
        "accept" => {}
        _ => return Err(RedirectProblem::BadConsentForm.into()),
    }

    // Every name and record is checked before anything is written.
    let mut choices = Choices::default();
    for (avenue, names) in [(Avenue::Online, &form.online), (Avenue::Offline, &form.offline)] {
        for name in names {
            if avenue.declared(application).rule(name).is_none() {
                return Err(RedirectProblem::UndeclaredRule {
                    application: application.name.clone(),
                    avenue: avenue.field(),
                    rule: name.chars().take(40).collect(),
                }
                .into());
            }
            match avenue {
                Avenue::Online => choices.online.insert(name.clone()),
                Avenue::Offline => choices.offline.insert(name.clone()),
            };
        }
    }
    for text in &form.record {
        let record_id = RecordId::parse(text.trim()).map_err(|_| RedirectProblem::ForeignRecord)?;
        if !situation.is_record(record_id) {
            return Err(RedirectProblem::ForeignRecord.into());
        }
        choices.records.insert(record_id);
    }
    if choices.records.len() > 1 && !request.is_multi_record() {
        return Err(RedirectProblem::SeveralRecords.into());
    }
    if choices.records.is_empty() {
        let problem = "Choose the record the application may use.".to_owned();
        return consent_page(state, visit, &situation, &choices, Some(problem));
    }

    let now = state.clock.now();
    let granted = |avenue: Avenue| {
        let rules: Vec<AuthRule> = avenue
            .declared(application)
            .rules
            .iter()
            .filter(|rule| !rule.is_optional || choices.optional(avenue).contains(&rule.name))
            .cloned()
            .collect();
        (!rules.is_empty()).then_some(RuleSet { rules })
    };
    // In the person's record order, so the first chosen record is predictable.
    let chosen: Vec<RecordId> = situation
        .records
        .iter()
        .map(|(record, _)| record.id)
        .filter(|record_id| choices.records.contains(record_id))
        .collect();
    if let Completion::SodaCreation(token_hash) = subject.completion {
        // At most once: a token spent or expired since the screen was shown grants nothing.
        let completed = state.store.complete_soda_creation(token_hash, now).await?;
        if completed.is_none_or(|creation| creation.application_id != application.id) {
            return Err(RedirectProblem::CreationTokenInvalid(application.name.clone()).into());
        }
        tracing::info!(person = %person.id, application = %application.id, "SODA instance creation completed");
    }
    for record_id in &chosen {
        let authorization = AppAuthorization {
            person_id: person.id,
            record_id: *record_id,
            application_id: application.id,
            online: granted(Avenue::Online),
            offline: granted(Avenue::Offline),
            granted_at: now,
            expires_at: None,
            revoked_at: None,
        };
        state.store.put_authorization(&authorization).await?;
    }
    tracing::info!(person = %person.id, application = %application.id, records = chosen.len(), "consent given");
    let external = request.external_record_id().ok().flatten().filter(|record_id| chosen.contains(record_id));
    let selected = external.or_else(|| chosen.first().copied()).ok_or(RedirectProblem::BadConsentForm)?;
    succeed(state, visit, &situation, selected, true).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use haven_domain::thing_type::{HEIGHT, WEIGHT};

    #[test]
    fn permissions_read_as_words() {
        assert_eq!(permission_words(Permissions::ALL), "Read, add, change and delete");
        assert_eq!(permission_words(Permissions::READ), "Read");
        assert_eq!(permission_words(Permissions::READ.union(Permissions::CREATE)), "Read and add");
    }

    #[test]
    fn target_sets_name_their_types() {
        let set = TargetSet { type_ids: [WEIGHT, HEIGHT].into_iter().collect(), date_ranges: Vec::new() };
        assert_eq!(describe_targets(&set), "Height, Weight");
        assert_eq!(describe_targets(&TargetSet::default()), "every kind of information in the record");
    }
}
