//! The `[mail]` table: how an instance sends e-mail (invitations, new-message notifications,
//! Direct replies): through an SMTP relay, or, for development, into a folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use haven_domain::source::{SourceError, SourceText};
use haven_mail::{MailFolder, Mailer, RelaySecurity, RelaySettings, SmtpRelay};
use haven_shell::MailSettings;
use serde::Deserialize;
use toml::Spanned;

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// An SMTP relay.
    Relay(RelaySettings),
    /// A folder each mail is written to as an `.eml` file (development).
    Folder(PathBuf),
}

/// The validated `[mail]` table.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The address mail from the service comes from.
    pub from: String,
    /// Where it goes.
    pub transport: MailTransport,
}

impl MailConfig {
    /// The Shell's mail settings: the relay (checked, not contacted) or the folder (created
    /// if missing, mode 0700 on Unix).
    pub fn settings(&self) -> anyhow::Result<MailSettings> {
        let mailer: Arc<dyn Mailer> = match &self.transport {
            MailTransport::Relay(relay) => Arc::new(SmtpRelay::new(relay.clone())?),
            MailTransport::Folder(folder) => {
                create_private_directory(folder)?;
                Arc::new(MailFolder::new(folder.clone()))
            }
        };
        Ok(MailSettings { mailer, from: self.from.clone() })
    }
}

fn create_private_directory(folder: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(folder)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(folder)?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawMail {
    from: Spanned<String>,
    relay: Option<Spanned<String>>,
    #[serde(default)]
    relay_security: Option<Spanned<String>>,
    relay_username: Option<String>,
    relay_password_file: Option<Spanned<String>>,
    folder: Option<Spanned<String>>,
}

/// Reads the `[mail]` table; paths are relative to the configuration file's directory `base`.
pub(super) fn read(source: &SourceText<'_>, base: &Path, raw: RawMail) -> Result<MailConfig, SourceError> {
    let from = raw.from.get_ref().trim().to_owned();
    if haven_domain::person::EmailAddress::parse(&from).is_err() {
        return Err(
            source.error(raw.from.span(), "mail.from: must be an e-mail address such as no-reply@haven.example")
        );
    }
    let transport = match (raw.relay, raw.folder) {
        (Some(relay), None) => {
            let (host, port) = relay
                .get_ref()
                .rsplit_once(':')
                .and_then(|(host, port)| Some((host.trim_matches(['[', ']']).to_owned(), port.parse::<u16>().ok()?)))
                .filter(|(host, _)| !host.is_empty())
                .ok_or_else(|| {
                    source.error(relay.span(), "mail.relay: must be HOST:PORT, such as smtp.example.org:587")
                })?;
            let security = match raw.relay_security.as_ref().map(|security| security.get_ref().as_str()) {
                None | Some("starttls") => RelaySecurity::StartTls,
                Some("tls") => RelaySecurity::Tls,
                Some("none") => RelaySecurity::None,
                Some(_) => {
                    let span = raw.relay_security.as_ref().map_or(relay.span(), Spanned::span);
                    return Err(source.error(span, "mail.relay-security: must be \"starttls\", \"tls\" or \"none\""));
                }
            };
            let mut settings = RelaySettings::new(host, port, security);
            match (raw.relay_username, raw.relay_password_file) {
                (Some(user), Some(file)) => {
                    let path = base.join(file.get_ref());
                    let password = std::fs::read_to_string(&path).map_err(|error| {
                        source.error(
                            file.span(),
                            format!("mail.relay-password-file: cannot read {}: {error}", path.display()),
                        )
                    })?;
                    settings.credentials = Some((user, password.trim_end_matches(['\r', '\n']).to_owned()));
                }
                (None, None) => {}
                _ => {
                    return Err(source.error(relay.span(), "mail: relay-username and relay-password-file go together"));
                }
            }
            // Refuses plain SMTP to a remote host before anything starts.
            SmtpRelay::new(settings.clone())
                .map_err(|error| source.error(relay.span(), format!("mail.relay: {error}")))?;
            MailTransport::Relay(settings)
        }
        (None, Some(folder)) => MailTransport::Folder(base.join(folder.get_ref())),
        (Some(relay), Some(_)) => {
            return Err(source.error(relay.span(), "mail: give either relay or folder, not both"));
        }
        (None, None) => {
            return Err(source.error(
                raw.from.span(),
                "mail: give relay = \"HOST:PORT\" (an SMTP relay) or folder = \"DIR\" (development: mail saved as files)",
            ));
        }
    };
    Ok(MailConfig { from, transport })
}
