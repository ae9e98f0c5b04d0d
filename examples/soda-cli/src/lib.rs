//! A sample SODA (software on device) client for Haven (and HealthVault): a command line
//! that is an installed copy of a mobile or desktop application. Each step is a library
//! function, so tests run them in-process:
//!
//! 1. [`connect`] asks the Platform for a new instance of the SODA master
//!    (NewApplicationCreationInfo), keeps its id and shared secret in the state file, and
//!    returns the Shell page (CREATEAPPLICATION) where a person completes its creation.
//! 2. [`wait`] signs in as the instance (CreateAuthenticatedSessionToken v2 with `hmacSig`)
//!    until the Platform accepts it, that is until the person completed the Shell's page,
//!    then learns the person and record from GetAuthorizedPeople and keeps them.
//! 3. [`read`] and [`add_weight`] read and add weights in that record offline.
//!
//! ```no_run
//! # async fn example() -> Result<(), haven_example_soda_cli::SodaCliError> {
//! use haven_example_soda_cli::{ConnectRequest, WaitOptions, connect, read, wait};
//! let request = ConnectRequest {
//!     platform_url: "http://127.0.0.1:8111/".parse().unwrap(),
//!     shell_url: "http://127.0.0.1:8110/".parse().unwrap(),
//!     master_application_id: "00000000-0000-0000-0000-000000000000".parse().unwrap(),
//!     device_name: "Sam's laptop".to_owned(),
//!     multi_record: false,
//!     state_file: "soda.json".into(),
//! };
//! let outcome = connect(&request).await?;
//! // The person opens outcome.shell_url_to_open and allows access.
//! wait(&request.state_file, &WaitOptions::default()).await?;
//! for weight in read(&request.state_file).await? {
//!     println!("{weight}");
//! }
//! # Ok(()) }
//! ```

mod error;
mod state_file;
mod weight;

use std::path::{Path, PathBuf};
use std::time::Duration;

use haven_domain::ids::{ApplicationId, PersonId, RecordId};
use haven_domain::thing::ThingKey;
use haven_domain::thing_type::WEIGHT;
use haven_sdk::{ApplicationCredentials, CallAs, Connection, SdkError};
use haven_wire::StatusCode;
use haven_wire::base64_text::encode_base64;
use haven_wire::methods::get_authorized_people::{self, GetAuthorizedPeopleResponse};
use url::Url;

pub use error::SodaCliError;
pub use state_file::{State, load as load_state};
pub use weight::Weight;

/// What `connect` needs.
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// Root URL of the Platform to create the instance in (e.g. `http://127.0.0.1:8111/`).
    pub platform_url: Url,
    /// Root URL of that instance's Shell (e.g. `http://127.0.0.1:8110/`).
    pub shell_url: Url,
    /// The SODA master application registered in that instance.
    pub master_application_id: ApplicationId,
    /// The name the person sees for this device in the Shell.
    pub device_name: String,
    /// Whether the person may authorize several records (`ismra`).
    pub multi_record: bool,
    /// Where to keep the instance; must not exist yet. Its directory must exist.
    pub state_file: PathBuf,
}

/// What `connect` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOutcome {
    /// The Shell page (CREATEAPPLICATION) the person opens to complete the instance's
    /// creation. It carries the one-time app-creation token.
    pub shell_url_to_open: Url,
    /// The new instance's (child) application id.
    pub application_id: ApplicationId,
}

/// Creates an instance of the SODA master (NewApplicationCreationInfo), saves it in the
/// state file (mode 0600: it holds the shared secret) and returns the Shell page to open.
/// Refuses to overwrite an existing state file.
pub async fn connect(request: &ConnectRequest) -> Result<ConnectOutcome, SodaCliError> {
    let path = &request.state_file;
    if std::fs::exists(path).map_err(|source| SodaCliError::StateFile { path: path.clone(), source })? {
        return Err(SodaCliError::StateFileExists(path.clone()));
    }
    let master = Connection::new(
        request.platform_url.clone(),
        ApplicationCredentials::soda_master(request.master_application_id),
    )?;
    let instance = master.new_application_creation_info().await?;
    let state = State {
        platform_url: request.platform_url.clone(),
        master_application_id: request.master_application_id,
        device_name: request.device_name.clone(),
        application_id: instance.application_id,
        shared_secret: encode_base64(&instance.shared_secret),
        person_id: None,
        record_id: None,
    };
    state_file::save(path, &state)?;
    let shell_url_to_open = instance.create_application_url(
        &request.shell_url,
        request.master_application_id,
        &request.device_name,
        request.multi_record,
    );
    Ok(ConnectOutcome { shell_url_to_open, application_id: instance.application_id })
}

/// How long `wait` tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long.
    pub timeout: Duration,
    /// Pause between tries.
    pub retry_delay: Duration,
}

impl Default for WaitOptions {
    /// Ten minutes, trying every two seconds.
    fn default() -> Self {
        Self { timeout: Duration::from_secs(600), retry_delay: Duration::from_secs(2) }
    }
}

/// The person and record `wait` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// The person who authorized the instance.
    pub person_id: PersonId,
    /// Their name.
    pub person_name: String,
    /// The record the instance uses: the one the person selected, else the first.
    pub record_id: RecordId,
    /// The record's name.
    pub record_name: String,
}

/// Waits until the person has completed the instance's creation in the Shell: signs in as
/// the instance and calls GetAuthorizedPeople, again after `retry_delay` while the Platform
/// refuses the instance as not live (INVALID_APP) or no one has authorized it on a record
/// yet, for at most `timeout`. Saves the person and record in the state file.
pub async fn wait(state_file: &Path, options: &WaitOptions) -> Result<Connected, SodaCliError> {
    let mut state = state_file::load(state_file)?;
    let connection = Connection::new(state.platform_url.clone(), state.credentials(state_file)?)?;
    let started = tokio::time::Instant::now();
    let deadline = started + options.timeout;
    loop {
        let waiting_for = match authorized_person(&connection).await {
            Ok(Some(connected)) => {
                state.person_id = Some(connected.person_id);
                state.record_id = Some(connected.record_id);
                state_file::save(state_file, &state)?;
                return Ok(connected);
            }
            Ok(None) => Waiting::Authorization,
            Err(error) if error.status() == Some(StatusCode::INVALID_APP) => Waiting::Creation,
            Err(error) => return Err(error.into()),
        };
        if tokio::time::Instant::now() + options.retry_delay > deadline {
            let application_id = state.application_id;
            let waited_seconds = started.elapsed().as_secs();
            return Err(match waiting_for {
                Waiting::Creation => SodaCliError::CreationNotCompleted { application_id, waited_seconds },
                Waiting::Authorization => SodaCliError::NoAuthorizedRecord { application_id, waited_seconds },
            });
        }
        tokio::time::sleep(options.retry_delay).await;
    }
}

/// What `wait` has not seen yet.
#[derive(Debug, Clone, Copy)]
enum Waiting {
    /// The Platform refuses the instance: its creation is not complete.
    Creation,
    /// The instance is live, but authorized on no record.
    Authorization,
}

/// The first person GetAuthorizedPeople lists with a record, if any.
async fn authorized_person(connection: &Connection) -> Result<Option<Connected>, SdkError> {
    let inner = connection
        .call(get_authorized_people::METHOD, 1, &CallAs::Application, None, "<info><parameters/></info>")
        .await?;
    let page = GetAuthorizedPeopleResponse::parse_info_xml(&inner)?;
    Ok(page.people.into_iter().find_map(|person| {
        let record = person
            .selected_record_id
            .and_then(|selected| person.records.iter().find(|record| record.id == selected))
            .or_else(|| person.records.first())?;
        Some(Connected {
            person_id: person.person_id,
            person_name: person.name.clone(),
            record_id: record.id,
            record_name: record.name.clone(),
        })
    }))
}

/// The connection, person and record of a connected state file.
fn offline_connection(state_file: &Path) -> Result<(Connection, CallAs, RecordId), SodaCliError> {
    let state = state_file::load(state_file)?;
    let (person_id, record_id) = state.person_and_record(state_file)?;
    let connection = Connection::new(state.platform_url.clone(), state.credentials(state_file)?)?;
    Ok((connection, CallAs::Offline(person_id), record_id))
}

/// Every weight in the record, newest first (GetThings offline, paging as needed).
pub async fn read(state_file: &Path) -> Result<Vec<Weight>, SodaCliError> {
    let (connection, call_as, record_id) = offline_connection(state_file)?;
    let things = connection.things_of_type(&call_as, record_id, WEIGHT).await?;
    let mut weights = things
        .iter()
        .filter_map(|thing| thing.data_xml.as_deref())
        .map(Weight::from_data_xml)
        .collect::<Result<Vec<_>, _>>()?;
    weights.sort_by_key(|weight| std::cmp::Reverse(weight.measured));
    Ok(weights)
}

/// Adds a weight to the record (PutThings offline); returns the new thing's key.
pub async fn add_weight(state_file: &Path, weight: Weight) -> Result<ThingKey, SodaCliError> {
    let (connection, call_as, record_id) = offline_connection(state_file)?;
    let keys = connection.put_things(&call_as, record_id, vec![(None, weight.to_draft())]).await?;
    keys.into_iter().next().ok_or(SodaCliError::Platform(SdkError::MissingInfo("PutThings")))
}
