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

mod decision;
mod screen;

pub(crate) use decision::decide;
use screen::consent_page;
pub(crate) use screen::describe_rule;

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
