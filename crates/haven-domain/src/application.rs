//! Applications: the web sites, mobile apps and clinic systems that reach records with a
//! person's consent.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use crate::auth_rules::{RuleError, RuleSet};
use crate::ids::ApplicationId;
use crate::topology::InstanceId;

/// A certificate's SHA-1 thumbprint: 40 upper-case hex digits, how HealthVault names the
/// certificate that signed a request.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Thumbprint(String);

/// The text is not 40 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a certificate thumbprint is 40 hex digits, got {0:?}")]
pub struct InvalidThumbprint(pub String);

impl Thumbprint {
    /// Reads 40 hex digits in either case (spaces and colons are ignored, as certificate
    /// tools print them).
    pub fn parse(text: &str) -> Result<Self, InvalidThumbprint> {
        let digits: String = text.chars().filter(|character| !matches!(character, ' ' | ':')).collect();
        if digits.len() == 40 && digits.chars().all(|character| character.is_ascii_hexdigit()) {
            Ok(Self(digits.to_ascii_uppercase()))
        } else {
            Err(InvalidThumbprint(text.chars().take(64).collect()))
        }
    }

    /// The thumbprint of a 20-byte SHA-1 digest.
    pub fn from_sha1(digest: &[u8; 20]) -> Self {
        Self(digest.iter().map(|byte| format!("{byte:02X}")).collect())
    }

    /// The 40 upper-case hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Thumbprint {
    type Error = InvalidThumbprint;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Thumbprint> for String {
    fn from(thumbprint: Thumbprint) -> Self {
        thumbprint.0
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Thumbprint({})", self.0)
    }
}

/// A public certificate registered for an application; requests signed with its private
/// key authenticate the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppCertificate {
    /// SHA-1 of `der`.
    pub thumbprint: Thumbprint,
    /// The X.509 certificate, DER-encoded.
    pub der: Vec<u8>,
}

/// Sets of Platform methods an application may call (the "Methods" tab of HealthVault's
/// application configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MethodGroup {
    /// Common methods every non-SODA application uses.
    Basic,
    /// A web application talking to the Platform from its server.
    HostedWebApplication,
    /// Methods of mobile and desktop (SODA) applications.
    Soda,
    /// Patient Connect and drop-off/pick-up.
    ConnectPackage,
    /// OpenQuery.
    OpenQuery,
    /// Provisioning child applications.
    Master,
    /// Creating accounts.
    Signup,
    /// Event subscriptions.
    Eventing,
    /// Sending e-mail to account holders.
    SendEmail,
}

impl MethodGroup {
    /// Every group.
    pub const ALL: [Self; 9] = [
        Self::Basic,
        Self::HostedWebApplication,
        Self::Soda,
        Self::ConnectPackage,
        Self::OpenQuery,
        Self::Master,
        Self::Signup,
        Self::Eventing,
        Self::SendEmail,
    ];

    /// The kebab-case name used in manifests and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::HostedWebApplication => "hosted-web-application",
            Self::Soda => "soda",
            Self::ConnectPackage => "connect-package",
            Self::OpenQuery => "open-query",
            Self::Master => "master",
            Self::Signup => "signup",
            Self::Eventing => "eventing",
            Self::SendEmail => "send-email",
        }
    }

    /// Reads a kebab-case name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|group| group.as_str() == text.trim())
    }

    /// The groups a web application gets by default.
    pub fn web_defaults() -> BTreeSet<Self> {
        [Self::Basic, Self::HostedWebApplication].into_iter().collect()
    }
}

/// Longest application name.
pub const MAX_APPLICATION_NAME_LENGTH: usize = 200;

/// A registered application.
///
/// Invariants (checked by [`Application::validate`]): a name; rule sets valid; a SODA
/// application has only offline rules; a web application that asks for online access has
/// an action URL to return people to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// The application id.
    pub id: ApplicationId,
    /// Name shown to people at consent.
    pub name: String,
    /// What the application does, shown at consent.
    pub description: String,
    /// Certificates whose keys may sign for it; SODA applications need none.
    pub certificates: Vec<AppCertificate>,
    /// Where the Shell returns people (the application's `redirect.aspx`-style endpoint).
    pub action_url: Option<Url>,
    /// Rules for access while the person is present.
    pub online_rules: RuleSet,
    /// Rules for access when the application acts alone.
    pub offline_rules: RuleSet,
    /// Methods it may call.
    pub method_groups: BTreeSet<MethodGroup>,
    /// Instances where it has gone live; people from other instances cannot use it.
    pub supported_instances: BTreeSet<InstanceId>,
    /// The master application that provisioned it, if it is a child.
    pub master_id: Option<ApplicationId>,
    /// Whether it is a mobile/desktop (SODA) application whose children are created on
    /// devices.
    pub is_soda: bool,
    /// The secret a SODA child (one installed copy of a SODA application, created by
    /// NewApplicationCreationInfo) signs CreateAuthenticatedSessionToken v2 `hmacSig` with;
    /// `None` for every other application. Kept usable, not hashed, because each sign-in is
    /// verified with it. Absent from documents stored before SODA children existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soda_secret: Option<SodaSecret>,
    /// When it was registered.
    pub created_at: OffsetDateTime,
}

/// The HMAC key of a SODA child application, issued once by NewApplicationCreationInfo.
/// Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SodaSecret(Vec<u8>);

impl SodaSecret {
    /// Wraps the secret's bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret's bytes: the HMAC key.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SodaSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "SodaSecret({} bytes)", self.0.len())
    }
}

/// Why an application registration is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationError {
    /// Empty or overlong name.
    #[error("an application name must have 1 to {MAX_APPLICATION_NAME_LENGTH} characters")]
    BadName,
    /// A rule set is invalid.
    #[error("{avenue} rules: {error}")]
    BadRules {
        /// "online" or "offline".
        avenue: &'static str,
        /// What is wrong.
        error: RuleError,
    },
    /// A SODA application declared online rules.
    #[error("a SODA application may only have offline rules")]
    SodaOnlineRules,
    /// Online access without a place to return people to.
    #[error("an application with online rules needs an action URL")]
    MissingActionUrl,
    /// The action URL is not http(s).
    #[error("the action URL must be an http or https URL")]
    BadActionUrl,
    /// A non-SODA application without any certificate cannot authenticate.
    #[error("an application needs at least one certificate (only SODA applications have none)")]
    NoCertificate,
}

impl Application {
    /// Checks the invariants listed on the type.
    pub fn validate(&self) -> Result<(), ApplicationError> {
        let name_length = self.name.trim().chars().count();
        if name_length == 0 || name_length > MAX_APPLICATION_NAME_LENGTH {
            return Err(ApplicationError::BadName);
        }
        self.online_rules.validate().map_err(|error| ApplicationError::BadRules { avenue: "online", error })?;
        self.offline_rules.validate().map_err(|error| ApplicationError::BadRules { avenue: "offline", error })?;
        if self.is_soda && !self.online_rules.is_empty() {
            return Err(ApplicationError::SodaOnlineRules);
        }
        if !self.is_soda && self.certificates.is_empty() {
            return Err(ApplicationError::NoCertificate);
        }
        match &self.action_url {
            Some(url) if !matches!(url.scheme(), "http" | "https") => Err(ApplicationError::BadActionUrl),
            None if !self.online_rules.is_empty() && !self.is_soda => Err(ApplicationError::MissingActionUrl),
            _ => Ok(()),
        }
    }

    /// The registered certificate with this thumbprint.
    pub fn certificate(&self, thumbprint: &Thumbprint) -> Option<&AppCertificate> {
        self.certificates.iter().find(|certificate| &certificate.thumbprint == thumbprint)
    }

    /// Whether it may call methods of `group`.
    pub fn may_call(&self, group: MethodGroup) -> bool {
        self.method_groups.contains(&group)
    }

    /// Whether it is live in `instance`.
    pub fn supports_instance(&self, instance: &InstanceId) -> bool {
        self.supported_instances.contains(instance)
    }
}

/// What an application keeps for one person (Get/SetApplicationSettings): its own settings
/// XML, kept verbatim, and the record the person last selected for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonApplicationSettings {
    /// The person.
    pub person_id: crate::ids::PersonId,
    /// The application.
    pub application_id: ApplicationId,
    /// The application's settings document (`app-settings` inner XML), if it stored one.
    pub settings_xml: Option<String>,
    /// The record the person selected for the application.
    pub selected_record_id: Option<crate::ids::RecordId>,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::uuid;

    fn application() -> Application {
        Application {
            id: ApplicationId::from_uuid(uuid!("30000000-0000-0000-0000-000000000000")),
            name: "Weight tracker".to_owned(),
            description: "Charts your weight".to_owned(),
            certificates: vec![AppCertificate {
                thumbprint: Thumbprint::parse("00112233445566778899aabbccddeeff00112233").unwrap(),
                der: vec![0x30],
            }],
            action_url: Some(Url::parse("https://tracker.example/hv/redirect").unwrap()),
            online_rules: RuleSet::default(),
            offline_rules: RuleSet::default(),
            method_groups: MethodGroup::web_defaults(),
            supported_instances: [InstanceId::parse("1").unwrap()].into_iter().collect(),
            master_id: None,
            is_soda: false,
            soda_secret: None,
            created_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    #[test]
    fn thumbprints_are_normalised() {
        let thumbprint = Thumbprint::parse("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33").unwrap();
        assert_eq!(thumbprint.as_str(), "00112233445566778899AABBCCDDEEFF00112233");
        assert!(Thumbprint::parse("0011").is_err());
        assert!(Thumbprint::parse(&"zz".repeat(20)).is_err());
        assert_eq!(Thumbprint::from_sha1(&[0xAB; 20]).as_str(), "AB".repeat(20));
    }

    #[test]
    fn valid_application_passes_and_lookups_work() {
        let app = application();
        assert_eq!(app.validate(), Ok(()));
        assert!(app.certificate(&Thumbprint::parse("00112233445566778899AABBCCDDEEFF00112233").unwrap()).is_some());
        assert!(app.may_call(MethodGroup::Basic));
        assert!(!app.may_call(MethodGroup::Master));
        assert!(app.supports_instance(&InstanceId::parse("1").unwrap()));
        assert!(!app.supports_instance(&InstanceId::parse("2").unwrap()));
    }

    #[test]
    fn invalid_applications_are_refused() {
        let mut unnamed = application();
        unnamed.name = "  ".to_owned();
        assert_eq!(unnamed.validate(), Err(ApplicationError::BadName));

        let mut no_certificate = application();
        no_certificate.certificates.clear();
        assert_eq!(no_certificate.validate(), Err(ApplicationError::NoCertificate));

        let mut ftp = application();
        ftp.action_url = Some(Url::parse("ftp://tracker.example/").unwrap());
        assert_eq!(ftp.validate(), Err(ApplicationError::BadActionUrl));
    }

    #[test]
    fn method_group_names_round_trip() {
        for group in MethodGroup::ALL {
            assert_eq!(MethodGroup::parse(group.as_str()), Some(group));
        }
        assert_eq!(MethodGroup::parse("admin"), None);
    }
}
