//! `haven clinic`: the tooling of a clinic without a patient-facing site, over its
//! application's Platform API through haven-sdk. Patient Connect requests (create, list the
//! validated ones, delete) and DOPU packages (drop off, delete), each in the instance that
//! SelectInstance chooses for the patient's country (protocol notes, sections 8, 13 and 14).
//!
//! A package is sealed here: the answer derives the key and never leaves the machine. A
//! connect request's answer, by contrast, is sent to the Platform, which compares it when the
//! person redeems the code. Both answers may come from `HAVEN_CLINIC_ANSWER` rather than the
//! command line, so that they stay out of the shell's history.

mod connect_request;
mod instance;
mod package;
mod things;

use std::path::PathBuf;

use anyhow::bail;
use clap::{ArgGroup, Args, Subcommand};
use haven_domain::connect::check_connect_texts;
use time::OffsetDateTime;

pub use instance::{ApplicationOptions, ClinicInstance, InstanceChoice};

/// The shortest answer accepted, in characters, as the .NET SDK required.
pub const MIN_ANSWER_CHARS: usize = 6;

/// Clinic commands.
#[derive(Debug, Subcommand)]
pub enum ClinicCommand {
    /// Patient Connect: a code the person redeems at the Shell to authorize the application on a
    /// record, which the clinic then reads and writes offline.
    #[command(subcommand)]
    ConnectRequest(ConnectRequestCommand),
    /// Drop-off/pick-up: things sealed with the answer to a question, which the person picks up
    /// once into a record.
    #[command(subcommand)]
    Package(PackageCommand),
}

/// Patient Connect commands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once at start-up")]
pub enum ConnectRequestCommand {
    /// Create a connect request (CreateConnectRequest) and print its identity code and the
    /// Shell address where the person redeems it.
    Create {
        #[command(flatten)]
        application: ApplicationOptions,
        #[command(flatten)]
        instance: InstanceChoice,
        #[command(flatten)]
        secret: Secret,
    },
    /// List the connect requests people have validated (GetAuthorizedConnectRequests): one
    /// line each, external id, person id, record id and application id, separated by tabs.
    List {
        #[command(flatten)]
        application: ApplicationOptions,
        #[command(flatten)]
        instance: InstanceChoice,
        /// Only those validated after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
        #[arg(long, value_parser = parse_rfc3339)]
        since: Option<OffsetDateTime>,
        /// Print a JSON array instead.
        #[arg(long)]
        json: bool,
    },
    /// Delete the pending connect request with an external id (DeletePendingConnectRequest).
    Delete {
        #[command(flatten)]
        application: ApplicationOptions,
        #[command(flatten)]
        instance: InstanceChoice,
        /// The clinic's id for the patient, given when the request was created.
        #[arg(long)]
        external_id: String,
    },
}

/// DOPU package commands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once at start-up")]
pub enum PackageCommand {
    /// Seal things (or a CCD) with the answer, here, and drop them off (CreateConnectPackage
    /// v2); print the identity code and the Shell address where the person picks them up.
    #[command(group(ArgGroup::new("content").required(true).args(["things", "ccd"])))]
    Drop {
        #[command(flatten)]
        application: ApplicationOptions,
        #[command(flatten)]
        instance: InstanceChoice,
        #[command(flatten)]
        secret: Secret,
        /// An XML file of `<thing>` elements, optionally inside one root element.
        #[arg(long)]
        things: Option<PathBuf>,
        /// A CCD (or C-CDA) document, dropped off as one Continuity of Care Document thing.
        #[arg(long)]
        ccd: Option<PathBuf>,
        /// A file to add as a File thing, its content streamed encrypted
        /// (BeginPutConnectPackageBlob).
        #[arg(long)]
        attach: Option<PathBuf>,
        /// The attachment's content type; guessed from its extension when omitted.
        #[arg(long, requires = "attach")]
        attach_content_type: Option<String>,
        /// Reserve the identity code first (AllocatePackageId) and print it before uploading.
        #[arg(long)]
        allocate_first: bool,
        /// Also write the sealed package (its parameters and base64 ciphertext) to this JSON
        /// file.
        #[arg(long)]
        write_package: Option<PathBuf>,
    },
    /// Delete a package not yet picked up (DeletePendingConnectPackage), by its code or every
    /// pending one with an external id.
    #[command(group(ArgGroup::new("which").required(true).args(["code", "external_id"])))]
    Delete {
        #[command(flatten)]
        application: ApplicationOptions,
        #[command(flatten)]
        instance: InstanceChoice,
        /// The package's identity code.
        #[arg(long)]
        code: Option<String>,
        /// The clinic's id for the patient.
        #[arg(long)]
        external_id: Option<String>,
    },
}

/// What the person is asked, and what names the item for the clinic and for the person.
#[derive(Debug, Args)]
pub struct Secret {
    /// The clinic's own id for the patient (its key for the request or package).
    #[arg(long)]
    pub external_id: String,
    /// The name shown to the person once they answer (e.g. "Lab results for Jane").
    #[arg(long)]
    pub friendly_name: String,
    /// The secret question the person answers.
    #[arg(long)]
    pub question: String,
    /// The answer: at least 6 characters, compared without regard to case. Prefer the
    /// environment variable, which stays out of the shell's history.
    #[arg(long, env = "HAVEN_CLINIC_ANSWER", hide_env_values = true)]
    pub answer: String,
}

impl Secret {
    /// Checks the texts before anything is sent: none blank, none too long, and an answer of
    /// at least [`MIN_ANSWER_CHARS`] characters.
    fn check(&self) -> anyhow::Result<()> {
        if let Err(error) =
            check_connect_texts(&self.friendly_name, &self.question, Some(&self.answer), &self.external_id)
        {
            bail!("{error}: check --friendly-name, --question, --answer (or HAVEN_CLINIC_ANSWER) and --external-id");
        }
        if self.answer.chars().count() < MIN_ANSWER_CHARS {
            bail!(
                "the answer has fewer than {MIN_ANSWER_CHARS} characters; choose a longer one (--answer or HAVEN_CLINIC_ANSWER)"
            );
        }
        Ok(())
    }
}

fn parse_rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| format!("{text:?} is not an RFC 3339 time like 2026-11-01T00:00:00Z"))
}

/// Runs a clinic command.
pub async fn run(command: ClinicCommand) -> anyhow::Result<()> {
    match command {
        ClinicCommand::ConnectRequest(command) => connect_request::run(command).await,
        ClinicCommand::Package(command) => package::run(command).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(answer: &str) -> Secret {
        Secret {
            external_id: "patient-1".to_owned(),
            friendly_name: "Jane".to_owned(),
            question: "First pet?".to_owned(),
            answer: answer.to_owned(),
        }
    }

    #[test]
    fn answers_need_six_characters_and_texts_must_not_be_blank() {
        assert!(secret("Rex the dog").check().is_ok());
        assert!(secret("123456").check().is_ok());
        let short = secret("Rex").check().unwrap_err().to_string();
        assert!(short.contains("fewer than 6 characters"), "{short}");
        let blank = Secret { question: " ".to_owned(), ..secret("Rex the dog") }.check().unwrap_err().to_string();
        assert!(blank.starts_with("the secret question is empty"), "{blank}");
    }

    #[test]
    fn since_is_an_rfc_3339_time() {
        assert_eq!(parse_rfc3339("2026-11-01T00:00:00Z").unwrap(), time::macros::datetime!(2026-11-01 0:00 UTC));
        assert!(parse_rfc3339("yesterday").unwrap_err().contains("RFC 3339"));
    }
}
