//! Reading the envelope and dispatching on method name and version.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use haven_domain::application::{Application, MethodGroup};
use haven_wire::request::Caller;
use haven_wire::{Request, Response, StatusCode, parse_request};

use crate::auth;
use crate::error::PlatformError;

use crate::AppState;
use crate::methods;
use crate::service_definition::MAX_REQUEST_BYTES;

/// A method version this Platform answers, and the method groups that let an application
/// call it (any one of them suffices; none listed means every application may).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MethodVersion {
    pub(crate) name: &'static str,
    pub(crate) version: u32,
    pub(crate) groups: &'static [MethodGroup],
}

impl MethodVersion {
    /// Whether `application` may call this method version: it lists no groups, or the
    /// application has one of them.
    pub(crate) fn callable_by(&self, application: &Application) -> bool {
        self.groups.is_empty() || self.groups.iter().any(|group| application.may_call(*group))
    }
}

/// The names of the methods `application` may call (some version of), in METHODS order.
pub(crate) fn methods_callable_by(application: &Application) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for method in METHODS.iter().filter(|method| method.callable_by(application)) {
        if !names.contains(&method.name) {
            names.push(method.name);
        }
    }
    names
}

/// The data methods every web application (Basic) or mobile application (SODA) may call.
const DATA: &[MethodGroup] = &[MethodGroup::Basic, MethodGroup::Soda];
/// Anonymous methods anyone may call.
const ANYONE: &[MethodGroup] = &[];
/// Methods of SODA applications. NewApplicationCreationInfo is anonymous, so the group only
/// decides where it is listed (GetApplicationInfo) and refuses session calls by others; its
/// handler refuses masters that are not SODA applications.
const SODA: &[MethodGroup] = &[MethodGroup::Soda];
/// Provisioning child applications.
const MASTER: &[MethodGroup] = &[MethodGroup::Master];
/// Managing event subscriptions.
const EVENTING: &[MethodGroup] = &[MethodGroup::Eventing];
/// Patient Connect and DOPU (protocol notes, sections 13 and 14).
const CONNECT_PACKAGE: &[MethodGroup] = &[MethodGroup::ConnectPackage];
/// GetAuthorizedConnectRequests: a ConnectPackage method, and the way a master reads its
/// children's validated connect requests (the Master group includes it; protocol notes,
/// sections 6 and 18).
const CONNECT_REQUESTS_READ: &[MethodGroup] = &[MethodGroup::ConnectPackage, MethodGroup::Master];
/// GetApplicationInfo: a data method, and the way a master reads its children back
/// (`child-app-id`), so masters may call it too.
const APPLICATION_INFO: &[MethodGroup] = &[MethodGroup::Basic, MethodGroup::Soda, MethodGroup::Master];

const fn method(name: &'static str, version: u32, groups: &'static [MethodGroup]) -> MethodVersion {
    MethodVersion { name, version, groups }
}

/// Every method and version the dispatcher handles; GetServiceDefinition lists these.
pub(crate) const METHODS: &[MethodVersion] = &[
    method("AddApplication", 1, MASTER),
    method("AddApplication", 2, MASTER),
    method("AllocatePackageId", 1, CONNECT_PACKAGE),
    method("AssociateAlternateId", 1, DATA),
    method("BeginPutBlob", 1, DATA),
    method("BeginPutConnectPackageBlob", 1, CONNECT_PACKAGE),
    method("CreateAuthenticatedSessionToken", 1, ANYONE),
    method("CreateAuthenticatedSessionToken", 2, ANYONE),
    method("CreateConnectPackage", 1, CONNECT_PACKAGE),
    method("CreateConnectPackage", 2, CONNECT_PACKAGE),
    method("CreateConnectRequest", 1, CONNECT_PACKAGE),
    method("DeletePendingConnectPackage", 1, CONNECT_PACKAGE),
    method("DeletePendingConnectRequest", 1, CONNECT_PACKAGE),
    method("DisassociateAlternateId", 1, DATA),
    method("GetAlternateIds", 1, DATA),
    method("GetApplicationInfo", 1, APPLICATION_INFO),
    method("GetApplicationInfo", 2, APPLICATION_INFO),
    method("GetApplicationSettings", 1, DATA),
    method("GetAuthorizedConnectRequests", 1, CONNECT_REQUESTS_READ),
    method("GetAuthorizedPeople", 1, DATA),
    method("GetAuthorizedRecords", 1, DATA),
    method("GetEventSubscriptions", 1, EVENTING),
    method("GetPersonAndRecordForAlternateId", 1, DATA),
    method("GetPersonInfo", 1, DATA),
    method("GetRecordOperations", 1, DATA),
    method("GetServiceDefinition", 1, ANYONE),
    method("GetServiceDefinition", 2, ANYONE),
    method("GetThingType", 1, DATA),
    method("GetThings", 1, DATA),
    method("GetThings", 2, DATA),
    method("GetThings", 3, DATA),
    method("GetUpdatedRecordsForApplication", 1, DATA),
    method("GetUpdatedRecordsForApplication", 2, DATA),
    method("NewApplicationCreationInfo", 1, SODA),
    method("PutThings", 1, DATA),
    method("PutThings", 2, DATA),
    method("QueryPermissions", 1, DATA),
    method("RemoveThings", 1, DATA),
    method("SelectInstance", 1, ANYONE),
    method("SetApplicationSettings", 1, DATA),
    method("SubscribeToEvent", 1, EVENTING),
    method("UnsubscribeToEvent", 1, EVENTING),
    method("UpdateApplication", 1, MASTER),
    method("UpdateApplication", 2, MASTER),
    method("UpdateEventSubscription", 1, EVENTING),
    method("UpdateExternalId", 1, CONNECT_PACKAGE),
];

/// The request body, at most [`MAX_REQUEST_BYTES`] after decompression; anything longer
/// answers REQUEST_TOO_LONG (in the XML, with HTTP 200, as clients expect) rather than a
/// bare HTTP 413.
async fn read_body(body: Body) -> Result<Bytes, Response> {
    match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => Ok(bytes),
        Err(error) => {
            let too_long =
                std::error::Error::source(&error).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if too_long {
                Err(Response::error(
                    StatusCode::REQUEST_TOO_LONG,
                    format!("a request may have at most {MAX_REQUEST_BYTES} bytes once decompressed"),
                ))
            } else {
                Err(Response::error(StatusCode::INVALID_XML, format!("the request body could not be read: {error}")))
            }
        }
    }
}

/// `POST /platform/wildcat.ashx`. Always HTTP 200; the outcome is in `<status><code>`.
/// Logs the method, version, status and duration of every request; never its content.
pub(crate) async fn wildcat(State(state): State<AppState>, body: Body) -> impl IntoResponse {
    let started = std::time::Instant::now();
    let mut method = String::from("(unparsed)");
    let mut version = 0;
    let body = read_body(body).await;
    let response = match body.as_deref().map(std::str::from_utf8) {
        Err(response) => response.clone(),
        Ok(Err(_)) => Response::error(StatusCode::INVALID_XML, "the request body is not UTF-8 text"),
        Ok(Ok(text)) => match parse_request(text.trim_start_matches('\u{feff}')) {
            Err(error) => Response::error(error.status_code(), error.to_string()),
            Ok(request) => {
                method = request.method().chars().take(64).collect();
                version = request.method_version();
                handle(&state, &request).await
            }
        },
    };
    tracing::info!(
        method,
        version,
        status = response.status().code(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "platform request"
    );
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], response.to_xml())
}

async fn handle(state: &AppState, request: &Request<'_>) -> Response {
    let method = request.method();
    let version = request.method_version();
    tracing::debug!(method, version, "dispatching");
    respond(state, request, method, version).await.unwrap_or_else(|error| {
        let reference = uuid::Uuid::new_v4().simple().to_string();
        if error.is_server_fault() {
            tracing::error!(%error, reference, method, "request failed on the server side");
        }
        error.to_response(&reference)
    })
}

/// Authenticates a call made within a session (whatever the method), then runs the method.
async fn respond(
    state: &AppState,
    request: &Request<'_>,
    method: &str,
    version: u32,
) -> Result<Response, PlatformError> {
    let call = match &request.header.caller {
        Some(Caller::Session(auth_session)) => {
            let call = auth::authenticate(state, request, auth_session).await?;
            tracing::debug!(application = %call.application.id, session_expires = %call.session.expires_at, "session call");
            Some(call)
        }
        Some(Caller::Application(_)) | None => None,
    };
    let entry = METHODS.iter().find(|known| known.name == method && known.version == version);
    if let (Some(entry), Some(call)) = (entry, &call)
        && !entry.groups.is_empty()
        && !entry.groups.iter().any(|group| call.application.may_call(*group))
    {
        return Err(PlatformError::AccessDenied(format!(
            "{method} is not among the methods application {} may call (its method groups)",
            call.application.id
        )));
    }
    let session_call = || {
        call.as_ref().ok_or_else(|| {
            PlatformError::AccessDenied(format!("{method} must be called within an application session"))
        })
    };
    match (method, version) {
        ("GetAuthorizedPeople", 1) => methods::get_authorized_people::handle(state, request, session_call()?).await,
        ("QueryPermissions", 1) => methods::query_permissions::handle(state, request, session_call()?).await,
        ("GetPersonInfo", 1) => methods::get_person_info::handle(state, request, session_call()?).await,
        ("GetThings", 1..=3) => methods::get_things::handle(state, request, session_call()?).await,
        ("PutThings", 1 | 2) => methods::put_things::handle(state, request, session_call()?).await,
        ("RemoveThings", 1) => methods::remove_things::handle(state, request, session_call()?).await,
        ("BeginPutBlob", 1) => methods::begin_put_blob::handle(state, request, session_call()?).await,
        ("GetAuthorizedRecords", 1) => methods::get_authorized_records::handle(state, request, session_call()?).await,
        ("GetApplicationInfo", 1 | 2) => methods::get_application_info::handle(state, request, session_call()?).await,
        ("SubscribeToEvent", 1) => methods::eventing::subscribe(state, request, session_call()?).await,
        ("GetEventSubscriptions", 1) => methods::eventing::list(state, request, session_call()?).await,
        ("UpdateEventSubscription", 1) => methods::eventing::update(state, request, session_call()?).await,
        ("UnsubscribeToEvent", 1) => methods::eventing::unsubscribe(state, request, session_call()?).await,
        ("AssociateAlternateId", 1) => methods::associate_alternate_id::handle(state, request, session_call()?).await,
        ("DisassociateAlternateId", 1) => {
            methods::disassociate_alternate_id::handle(state, request, session_call()?).await
        }
        ("GetAlternateIds", 1) => methods::get_alternate_ids::handle(state, request, session_call()?).await,
        ("GetPersonAndRecordForAlternateId", 1) => {
            methods::get_person_and_record_for_alternate_id::handle(state, request, session_call()?).await
        }
        ("GetApplicationSettings", 1) => {
            methods::get_application_settings::handle(state, request, session_call()?).await
        }
        ("SetApplicationSettings", 1) => {
            methods::set_application_settings::handle(state, request, session_call()?).await
        }
        ("GetUpdatedRecordsForApplication", 1 | 2) => {
            methods::get_updated_records_for_application::handle(state, request, session_call()?).await
        }
        ("CreateConnectRequest", 1) => methods::connect::create_request(state, request, session_call()?).await,
        ("GetAuthorizedConnectRequests", 1) => {
            methods::connect::authorized_requests(state, request, session_call()?).await
        }
        ("DeletePendingConnectRequest", 1) => methods::connect::delete_request(state, request, session_call()?).await,
        ("UpdateExternalId", 1) => methods::connect::update_external_id(state, request, session_call()?).await,
        ("AllocatePackageId", 1) => methods::package::allocate(state, request, session_call()?).await,
        ("CreateConnectPackage", 1 | 2) => methods::package::create(state, request, session_call()?).await,
        ("BeginPutConnectPackageBlob", 1) => methods::package::begin_blob(state, request, session_call()?).await,
        ("DeletePendingConnectPackage", 1) => methods::package::delete_pending(state, request, session_call()?).await,
        ("GetRecordOperations", 1) => methods::get_record_operations::handle(state, request, session_call()?).await,
        ("AddApplication", 1 | 2) => methods::add_application::handle(state, request, session_call()?).await,
        ("UpdateApplication", 1 | 2) => methods::update_application::handle(state, request, session_call()?).await,
        ("GetThingType", 1) => {
            session_call()?;
            methods::get_thing_type::handle(state, request)
        }
        ("CreateAuthenticatedSessionToken", 1 | 2) => {
            methods::create_authenticated_session_token::handle(state, request).await
        }
        ("GetServiceDefinition", 1 | 2) => Ok(methods::get_service_definition::handle(state, request)),
        ("SelectInstance", 1) => methods::select_instance::handle(state, request),
        ("NewApplicationCreationInfo", 1) => {
            methods::new_application_creation_info::handle(state, request, call.as_ref()).await
        }
        _ if METHODS.iter().any(|known| known.name == method) => {
            Ok(Response::error(StatusCode::INVALID_METHOD, format!("{method} has no version {version} on this server")))
        }
        _ => Ok(Response::error(StatusCode::BAD_METHOD, format!("{method} is not a method this server offers"))),
    }
}
