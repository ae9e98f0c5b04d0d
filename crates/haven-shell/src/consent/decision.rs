//! The decision the consent screen posts to `/consent`, checked against the registration
//! before anything is written.

use super::*;

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
