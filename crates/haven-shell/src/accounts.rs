//! Accounts: sign-up (the country decides the instance; the instance's minimum age applies),
//! sign-in with per-account lockout and per-address rate limiting, sign-out, the account
//! page and password change.

use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::{HeaderMap, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use haven_domain::account::{AccountError, AccountRequest, NewAccountIds, open_account};
use haven_domain::country::CountryCode;
use haven_domain::credential::{Credential, check_new_password};
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::person::{EmailAddress, Person};
use haven_domain::topology::{CountryPlacement, Instance};
use haven_store::StoreError;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::bounce::{Journey, arrival_notice, bounce};
use crate::error::{ShellError, render};
use crate::form::{FieldErrors, local_path};
use crate::peers::AccountLocation;
use crate::visit::{Visit, cleared_cookie, session_cookie, start_session};
use crate::{Chrome, ShellState, password};

/// Where people go after signing in or up when nothing else was asked.
const AFTER_SIGN_IN: &str = "/records";

/// A 303 to `location` (a local path), with extra headers.
fn see_other(location: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    if let Some(cookie) = cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// The sign-in page's address that comes back to `here` afterwards.
pub(crate) fn sign_in_then(here: &str) -> String {
    format!("/signin?next={}", url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>())
}

/// The query of the sign-in and sign-up pages: where to go afterwards, the instance that
/// sent the person here (`from`, see [`crate::bounce`]) and, for sign-up, the country chosen.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct NextQuery {
    next: String,
    from: String,
    country: String,
}

// ---------------------------------------------------------------------------- sign-up

/// What the sign-up form sends; every field a string so any submission can be answered
/// with the form and its messages.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct SignUpForm {
    csrf: String,
    email: String,
    password: String,
    password_again: String,
    given_name: String,
    family_name: String,
    birth_date: String,
    country: String,
    next: String,
}

/// A country in the picker.
#[derive(Debug)]
pub(crate) struct CountryOption {
    code: String,
    name: &'static str,
}

/// Sign-up asks for the country first, because it decides the instance: a person whose
/// country maps to another instance is sent there before typing anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignUpStep {
    /// Choose the country.
    Country,
    /// The rest of the form, for a country this instance serves.
    Details,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    chrome: Chrome,
    step: SignUpStep,
    form: &'a SignUpForm,
    errors: FieldErrors,
    countries: Vec<CountryOption>,
    /// The country's name when it is settled (one this instance serves); otherwise the
    /// form offers the country picker again.
    country_fixed: Option<&'static str>,
    birth_date_hint: String,
    notice: Option<String>,
}

fn countries() -> Vec<CountryOption> {
    let mut countries: Vec<CountryOption> =
        CountryCode::all().map(|code| CountryOption { code: code.as_str().to_owned(), name: code.name() }).collect();
    countries.sort_by(|first, second| first.name.cmp(second.name));
    countries
}

fn sign_up_page(
    state: &ShellState,
    visit: &Visit,
    step: SignUpStep,
    form: &SignUpForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, ShellError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let minimum_age = state.instance().map_or(0, |instance| instance.min_signup_age);
    let birth_date_hint = format!("Year-month-day. You must be at least {minimum_age} years old.");
    let country_fixed = CountryCode::parse(&form.country)
        .ok()
        .filter(|country| matches!(placement(state, *country), Placement::Here))
        .map(|country| country.name());
    let page = SignUpPage {
        chrome: visit.chrome(state),
        step,
        form,
        errors,
        countries: countries(),
        country_fixed,
        birth_date_hint,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

/// Where a country's people keep their records, seen from this instance.
enum Placement<'topology> {
    /// Here.
    Here,
    /// In another instance.
    There(&'topology Instance),
    /// Nowhere: the service is not offered there.
    Unsupported,
}

fn placement(state: &ShellState, country: CountryCode) -> Placement<'_> {
    match state.topology.instance_for_country(country) {
        CountryPlacement::Instance(instance) if instance.id == state.instance_id => Placement::Here,
        CountryPlacement::Instance(instance) => Placement::There(instance),
        CountryPlacement::Unsupported => Placement::Unsupported,
    }
}

fn unsupported_message(country: CountryCode) -> String {
    format!("Haven is not offered to people living in {}, so an account cannot be opened for it.", country.name())
}

/// `GET /signup`: the country step, or (with a `country` this instance serves) the rest of
/// the form; a country served elsewhere sends the person there.
pub(crate) async fn sign_up_form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Query(query): Query<NextQuery>,
) -> Result<Response, ShellError> {
    if visit.person.is_some() {
        return Ok(see_other(&local_path(&query.next, AFTER_SIGN_IN), None));
    }
    let mut errors = FieldErrors::default();
    let mut form = SignUpForm { next: query.next, ..SignUpForm::default() };
    if !query.country.trim().is_empty() {
        match CountryCode::parse(&query.country) {
            Ok(country) => match placement(&state, country) {
                Placement::Here => {
                    form.country = country.as_str().to_owned();
                    let notice = arrival_notice(&state, &query.from, Journey::SignUp(country));
                    return sign_up_page(&state, &visit, SignUpStep::Details, &form, errors, notice);
                }
                Placement::There(there) => {
                    return Ok(bounce(&state, &visit, Journey::SignUp(country), there, &form.next).await);
                }
                Placement::Unsupported => {
                    errors.add("country", unsupported_message(country));
                    form.country = country.as_str().to_owned();
                }
            },
            Err(_) => errors.add("country", "Choose your country from the list."),
        }
    }
    sign_up_page(&state, &visit, SignUpStep::Country, &form, errors, None)
}

pub(crate) async fn sign_up(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(mut form): Form<SignUpForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let now = state.clock.now();
    let mut errors = FieldErrors::default();

    let email = EmailAddress::parse(&form.email)
        .map_err(|error| errors.add("email", format!("Enter your e-mail address: {error}.")))
        .ok();
    if let Err(problem) = check_new_password(&form.password, &form.email) {
        errors.add("password", format!("Choose another password: {problem}."));
    } else if form.password != form.password_again {
        errors.add("password_again", "The two passwords differ; type the same password twice.");
    }
    if form.given_name.trim().is_empty() {
        errors.add("given_name", "Enter your first name.");
    }
    if form.family_name.trim().is_empty() {
        errors.add("family_name", "Enter your last name.");
    }
    let birth_date = time::Date::parse(form.birth_date.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| errors.add("birth_date", "Enter your date of birth as year-month-day, for example 1980-04-23."))
        .ok()
        .filter(|date| {
            let plausible = *date <= now.date() && date.year() >= 1900;
            if !plausible {
                errors.add("birth_date", "Enter your real date of birth.");
            }
            plausible
        });
    let country = CountryCode::parse(&form.country).map_err(|_| errors.add("country", "Choose your country.")).ok();

    if let Some(country) = country {
        match placement(&state, country) {
            Placement::Here => {}
            // Sent here with a country served elsewhere (the country step sends people on
            // before they type anything): on to that instance's form, leaving this one behind.
            Placement::There(there) => {
                return Ok(bounce(&state, &visit, Journey::SignUp(country), there, &form.next).await);
            }
            Placement::Unsupported => errors.add("country", unsupported_message(country)),
        }
    }
    let (Some(email), Some(birth_date), Some(country), true) = (email, birth_date, country, errors.is_empty()) else {
        form.password.clear();
        form.password_again.clear();
        return sign_up_page(&state, &visit, SignUpStep::Details, &form, errors, None);
    };
    match state.locate_account(&email).await {
        AccountLocation::Nowhere => {}
        AccountLocation::Elsewhere(there) => errors.add(
            "email",
            format!("An account with this e-mail address already exists at Haven {}; sign in instead.", there.name),
        ),
        AccountLocation::Unknown(silent) => errors.add(
            "email",
            format!(
                "Haven cannot check right now that this address has no account at Haven {} (it is not answering), \
                 so the account cannot be opened yet. Try again in a few minutes.",
                names(&silent)
            ),
        ),
    }
    if !errors.is_empty() {
        form.password.clear();
        form.password_again.clear();
        return sign_up_page(&state, &visit, SignUpStep::Details, &form, errors, None);
    }
    let request = AccountRequest {
        email,
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        birth_date,
        country,
    };
    let ids = NewAccountIds {
        person_id: PersonId::from_uuid(uuid::Uuid::new_v4()),
        record_id: RecordId::from_uuid(uuid::Uuid::new_v4()),
    };
    let account = match open_account(request, &state.topology, &state.instance_id, ids, now) {
        Ok(account) => account,
        Err(error) => {
            match error {
                // Both were answered above; kept for completeness.
                AccountError::UnsupportedCountry(country) => errors.add("country", unsupported_message(country)),
                AccountError::OtherInstance { country, .. } => {
                    errors.add("country", format!("{} is served by another Haven instance.", country.name()));
                }
                AccountError::TooYoung { minimum_age } => errors.add(
                    "birth_date",
                    format!("You must be at least {minimum_age} years old to open an account here."),
                ),
                AccountError::MissingName => errors.add("given_name", "Enter your name."),
            }
            form.password.clear();
            form.password_again.clear();
            return sign_up_page(&state, &visit, SignUpStep::Details, &form, errors, None);
        }
    };
    let hash = password::hash(form.password.clone()).await?;
    let credential = Credential::new(account.person.id, hash, now);
    match state.store.create_account(&account.person, &account.record, &account.custodian, &credential).await {
        Ok(()) => {}
        Err(StoreError::DuplicateEmail) => {
            errors.add("email", "An account with this e-mail address already exists; sign in instead.");
            form.password.clear();
            form.password_again.clear();
            return sign_up_page(&state, &visit, SignUpStep::Details, &form, errors, None);
        }
        Err(error) => return Err(error.into()),
    }
    tracing::info!(person = %account.person.id, "account opened");
    begin_signed_in(&state, &visit, &account.person, &local_path(&form.next, AFTER_SIGN_IN)).await
}

/// Replaces the visitor's session with a signed-in one (a token seen before sign-in is
/// worthless after) and goes to `next`.
async fn begin_signed_in(
    state: &ShellState,
    visit: &Visit,
    person: &Person,
    next: &str,
) -> Result<Response, ShellError> {
    let now = state.clock.now();
    let (token, _session) = start_session(state.store.as_ref(), Some(person), now).await?;
    state.store.delete_web_session(visit.session.token_hash).await?;
    Ok(see_other(next, Some(session_cookie(state, &token))))
}

// ---------------------------------------------------------------------------- sign-in

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct SignInForm {
    csrf: String,
    email: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    chrome: Chrome,
    form: &'a SignInForm,
    errors: FieldErrors,
    problem: Option<String>,
    notice: Option<String>,
}

fn sign_in_page(
    state: &ShellState,
    visit: &Visit,
    form: &SignInForm,
    status: StatusCode,
    problem: Option<String>,
) -> Result<Response, ShellError> {
    let page = SignInPage { chrome: visit.chrome(state), form, errors: FieldErrors::default(), problem, notice: None };
    Ok((status, render(&page)?).into_response())
}

pub(crate) async fn sign_in_form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Query(query): Query<NextQuery>,
) -> Result<Response, ShellError> {
    if visit.person.is_some() {
        return Ok(see_other(&local_path(&query.next, AFTER_SIGN_IN), None));
    }
    let form = SignInForm { next: query.next, ..SignInForm::default() };
    let notice = arrival_notice(&state, &query.from, Journey::SignIn);
    let page =
        SignInPage { chrome: visit.chrome(&state), form: &form, errors: FieldErrors::default(), problem: None, notice };
    Ok(render(&page)?.into_response())
}

pub(crate) async fn sign_in(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(mut form): Form<SignInForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let password = std::mem::take(&mut form.password);
    if let Some(Extension(ConnectInfo(address))) = connection
        && state.limits.sign_in.check_key(&address.ip()).is_err()
    {
        tracing::warn!(address = %address.ip(), "sign-in rate limit reached");
        let problem = "Too many sign-in attempts from your network. Wait a minute, then try again.".to_owned();
        return sign_in_page(&state, &visit, &form, StatusCode::TOO_MANY_REQUESTS, Some(problem));
    }
    let now = state.clock.now();
    let wrong = || "The e-mail address or the password is wrong.".to_owned();
    let email = EmailAddress::parse(&form.email).ok();
    let person = match &email {
        Some(email) => state.store.person_by_email(email).await?,
        None => None,
    };
    // No account here: it may live in another instance, where the person is sent to sign in.
    if let (None, Some(email)) = (&person, &email) {
        match state.locate_account(email).await {
            AccountLocation::Nowhere => {}
            AccountLocation::Elsewhere(there) => {
                return Ok(bounce(&state, &visit, Journey::SignIn, there, &form.next).await);
            }
            AccountLocation::Unknown(silent) => {
                let problem = format!(
                    "Haven cannot reach the instance that holds this account (Haven {} is not answering), so you \
                     cannot sign in right now. Try again in a few minutes; there is no need to open a new account.",
                    names(&silent)
                );
                return sign_in_page(&state, &visit, &form, StatusCode::SERVICE_UNAVAILABLE, Some(problem));
            }
        }
    }
    let credential = match &person {
        Some(person) => state.store.credential(person.id).await?,
        None => None,
    };
    if let Some(credential) = &credential
        && credential.is_locked_at(now)
    {
        return sign_in_page(&state, &visit, &form, StatusCode::FORBIDDEN, Some(locked_message(credential)));
    }
    let matches =
        password::verify(password, credential.as_ref().map(|credential| credential.password_hash.clone())).await?;
    let (Some(person), Some(credential), true) = (&person, credential, matches) else {
        if let Some(person) = &person {
            let counted = state.store.record_sign_in_failure(person.id, now).await?;
            if counted.is_locked_at(now) {
                tracing::warn!(person = %person.id, "account locked after repeated failed sign-ins");
                return sign_in_page(&state, &visit, &form, StatusCode::FORBIDDEN, Some(locked_message(&counted)));
            }
        }
        return sign_in_page(&state, &visit, &form, StatusCode::UNAUTHORIZED, Some(wrong()));
    };
    if credential.failed_attempts > 0 || credential.locked_until.is_some() {
        state.store.put_credential(&credential.after_success()).await?;
    }
    tracing::info!(person = %person.id, "signed in");
    begin_signed_in(&state, &visit, person, &local_path(&form.next, AFTER_SIGN_IN)).await
}

/// Instances' names, for a sentence ("EU", "EU and APAC").
fn names(instances: &[&Instance]) -> String {
    instances.iter().map(|instance| instance.name.as_str()).collect::<Vec<_>>().join(" and ")
}

fn locked_message(credential: &Credential) -> String {
    let until = credential
        .locked_until
        .and_then(|until| until.format(format_description!("[hour]:[minute] UTC")).ok())
        .unwrap_or_else(|| "a few minutes from now".to_owned());
    format!(
        "This account is locked after too many wrong passwords, to keep it safe. Try again after {until}, or ask \
         the service's operator for help."
    )
}

// ---------------------------------------------------------------------------- sign-out

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

pub(crate) async fn sign_out(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    state.store.delete_web_session(visit.session.token_hash).await?;
    Ok(see_other("/", Some(cleared_cookie(&state))))
}

// ---------------------------------------------------------------------------- account

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    chrome: Chrome,
    person: &'a Person,
    instance_name: String,
    password_changed: String,
    notice: Option<&'static str>,
    /// The person's Direct address (or that they have none), when the instance has Direct.
    direct_address: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct AccountQuery {
    #[serde(default)]
    changed: Option<String>,
    #[serde(default)]
    direct: Option<String>,
}

pub(crate) async fn account(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    Query(query): Query<AccountQuery>,
) -> Result<Response, ShellError> {
    let Some(person) = &visit.person else { return Ok(see_other(&sign_in_then("/account"), None)) };
    let credential = state.store.credential(person.id).await?;
    let password_changed = credential
        .and_then(|credential| credential.changed_at.format(&Rfc3339).ok())
        .map_or_else(|| "never".to_owned(), |text| text.chars().take(10).collect());
    let placement_name = match state.topology.instance_for_country(person.country) {
        CountryPlacement::Instance(instance) => instance.name.clone(),
        CountryPlacement::Unsupported => state.instance_id.to_string(),
    };
    let notice = if query.changed.is_some() {
        Some("Your password was changed. Other browsers were signed out.")
    } else {
        query.direct.is_some().then_some("Your Direct address was saved.")
    };
    let direct_address = match crate::direct::enabled(&state) {
        Ok(direct) => Some(
            state
                .store
                .direct_address_of_person(person.id)
                .await?
                .map_or_else(|| "none chosen yet".to_owned(), |name| name.address_in(&direct.domain)),
        ),
        Err(_) => None,
    };
    let page = AccountPage {
        chrome: visit.chrome(&state),
        person,
        instance_name: placement_name,
        password_changed,
        notice,
        direct_address,
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------- password

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    new_password_again: String,
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: FieldErrors,
}

fn password_page(state: &ShellState, visit: &Visit, errors: FieldErrors) -> Result<Response, ShellError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(&PasswordPage { chrome: visit.chrome(state), errors })?).into_response())
}

pub(crate) async fn password_form(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
) -> Result<Response, ShellError> {
    if visit.person.is_none() {
        return Ok(see_other(&sign_in_then("/account/password"), None));
    }
    password_page(&state, &visit, FieldErrors::default())
}

pub(crate) async fn change_password(
    State(state): State<ShellState>,
    Extension(visit): Extension<Visit>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, ShellError> {
    visit.check_form(&headers, &form.csrf)?;
    let person = visit.person()?;
    let now = state.clock.now();
    let credential = state.store.credential(person.id).await?;
    let mut errors = FieldErrors::default();
    if let Some(credential) = &credential
        && credential.is_locked_at(now)
    {
        errors.add("current_password", locked_message(credential));
        return password_page(&state, &visit, errors);
    }
    let stored = credential.as_ref().map(|credential| credential.password_hash.clone());
    if !password::verify(form.current_password.clone(), stored).await? {
        // Wrong current passwords count toward the lockout as sign-ins do.
        if credential.is_some() {
            state.store.record_sign_in_failure(person.id, now).await?;
        }
        errors.add("current_password", "This is not your current password.");
    }
    if let Err(problem) = check_new_password(&form.new_password, person.sign_in_email.as_str()) {
        errors.add("new_password", format!("Choose another password: {problem}."));
    } else if form.new_password != form.new_password_again {
        errors.add("new_password_again", "The two new passwords differ; type the same password twice.");
    }
    if !errors.is_empty() {
        return password_page(&state, &visit, errors);
    }
    let hash = password::hash(form.new_password.clone()).await?;
    state.store.put_credential(&Credential::new(person.id, hash, now)).await?;
    let others = state.store.delete_web_sessions_of_person(person.id, Some(visit.session.token_hash)).await?;
    tracing::info!(person = %person.id, other_sessions_ended = others, "password changed");
    Ok(see_other("/account?changed=1", None))
}
