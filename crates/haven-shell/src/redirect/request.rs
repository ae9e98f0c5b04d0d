//! Reading a `redirect.aspx` request: the target, its URL-encoded `targetqs`, and the
//! parameters the targets share. Parameter names are matched case-insensitively (the
//! HealthVault SDKs send both `ismra` and `isMra`); values are kept as sent.

use haven_domain::ids::{ApplicationId, RecordId};

use super::problem::RedirectProblem;

/// The outer query parameter that marks a CREATERECORD request coming back from
/// `/records/new`, so the Shell goes on to consent instead of asking for a record again.
pub(crate) const RECORD_CREATED: &str = "recordcreated";
/// The outer marker of a SHARERECORD request coming back from the sharing page after an
/// invitation was sent. Like `recordcreated` it is only a hint the Shell adds to its own
/// links: an application that adds it itself only misleads itself.
pub(crate) const SHARED: &str = "shared";

/// A Shell function an application can send a person to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Sign in, and authorize the application if it is not yet (fully) authorized.
    Auth,
    /// Authorize the application on one or more records, or change optional rules.
    AppAuth,
    /// Open an account, then authorize.
    CreateAccount,
    /// Create a record, then authorize it.
    CreateRecord,
    /// Connect a SODA application's installed copy (a provisional child application).
    CreateApplication,
    /// Sign out, invalidating the application's user token.
    AppSignOut,
    /// Go on to another application's action URL.
    AppRedirect,
    /// Help, privacy policy, service agreement.
    Help,
    /// The account page.
    ManageAccount,
    /// The person's records.
    RecordList,
    /// The things of a record.
    ViewItems,
    /// Redeem a Patient Connect request's identity code (`packageid`).
    Connect,
    /// Pick up a DOPU package with its identity code (`packageid`).
    Pickup,
    /// Share a record (`extrecordid`, or the person's own) with someone: the record's sharing
    /// page, then back with `ShareRecordSuccess`.
    ShareRecord,
}

impl Target {
    /// Every target this Shell knows.
    const ALL: [Self; 14] = [
        Self::Auth,
        Self::AppAuth,
        Self::CreateAccount,
        Self::CreateRecord,
        Self::CreateApplication,
        Self::AppSignOut,
        Self::AppRedirect,
        Self::Help,
        Self::ManageAccount,
        Self::RecordList,
        Self::ViewItems,
        Self::Connect,
        Self::Pickup,
        Self::ShareRecord,
    ];

    /// The name as HealthVault documents it (upper case).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "AUTH",
            Self::AppAuth => "APPAUTH",
            Self::CreateAccount => "CREATEACCOUNT",
            Self::CreateRecord => "CREATERECORD",
            Self::CreateApplication => "CREATEAPPLICATION",
            Self::AppSignOut => "APPSIGNOUT",
            Self::AppRedirect => "APPREDIRECT",
            Self::Help => "HELP",
            Self::ManageAccount => "MANAGEACCOUNT",
            Self::RecordList => "RECORDLIST",
            Self::ViewItems => "VIEWITEMS",
            Self::Connect => "CONNECT",
            Self::Pickup => "PICKUP",
            Self::ShareRecord => "SHARERECORD",
        }
    }

    /// Reads a target name in any case.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|target| target.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Whether the target ends on the consent screen (or straight back when nothing is
    /// left to consent to).
    pub(crate) fn leads_to_consent(self) -> bool {
        matches!(self, Self::Auth | Self::AppAuth | Self::CreateAccount | Self::CreateRecord)
    }
}

/// How the user token goes back to the application (`trm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRedirection {
    /// In the query of a redirect (the default).
    Get,
    /// As fields of a form the browser posts to the action URL.
    Post,
}

impl TokenRedirection {
    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Get => "Get",
            Self::Post => "Post",
        }
    }
}

/// The parameters of `targetqs`, names lower-cased, in the order sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Reads a query string (a leading `?` is ignored, as the SODA SDK sends one).
    pub(crate) fn parse(query: &str) -> Self {
        let query = query.trim().trim_start_matches('?');
        Self(
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(name, value)| (name.to_ascii_lowercase(), value.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name` (lower case), if it is not empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).filter(|value| !value.is_empty())
    }

    /// Whether `name` is `true` (in any case).
    pub(crate) fn is_true(&self, name: &str) -> bool {
        self.get(name).is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    }

    /// The values of `prefix1`, `prefix2`, ... in number order (`onopt1=a&onopt2=b`).
    pub(crate) fn numbered(&self, prefix: &str) -> Vec<String> {
        let mut numbered: Vec<(u32, String)> = self
            .0
            .iter()
            .filter_map(|(key, value)| {
                let number = key.strip_prefix(prefix)?.parse::<u32>().ok()?;
                Some((number, value.trim().to_owned()))
            })
            .filter(|(_, value)| !value.is_empty())
            .collect();
        numbered.sort_by_key(|(number, _)| *number);
        numbered.into_iter().map(|(_, value)| value).collect()
    }
}

/// A parsed `redirect.aspx` request.
#[derive(Debug, Clone)]
pub(crate) struct ShellRequest {
    /// What the application asks for.
    pub(crate) target: Target,
    /// `targetqs` as received (once decoded from the outer query); the consent form carries
    /// it so the decision is checked against the same request.
    pub(crate) targetqs: String,
    /// The parameters inside `targetqs`.
    pub(crate) params: Params,
    /// How a user token goes back.
    pub(crate) token_redirection: TokenRedirection,
    /// Whether a CREATERECORD request comes back from creating the record.
    pub(crate) record_created: bool,
    /// Whether a SHARERECORD request comes back from the sharing page after an invitation.
    pub(crate) shared: bool,
}

impl ShellRequest {
    /// Reads the query of `redirect.aspx`: `target`, `targetqs`, and `trm` (inside `targetqs`
    /// as documented, or beside it as one documented example has it).
    pub(crate) fn parse(raw_query: &str) -> Result<Self, RedirectProblem> {
        let outer = Params::parse(raw_query);
        let target_text = outer.get("target").ok_or(RedirectProblem::MissingTarget)?;
        let target = Target::parse(target_text)
            .ok_or_else(|| RedirectProblem::UnknownTarget(target_text.chars().take(40).collect()))?;
        let targetqs = outer.get("targetqs").unwrap_or_default().to_owned();
        let params = Params::parse(&targetqs);
        let trm = params.get("trm").or_else(|| outer.get("trm"));
        let token_redirection = match trm.map(str::trim) {
            None => TokenRedirection::Get,
            Some(text) if text.eq_ignore_ascii_case("get") => TokenRedirection::Get,
            Some(text) if text.eq_ignore_ascii_case("post") => TokenRedirection::Post,
            Some(other) => return Err(RedirectProblem::BadParameter("trm", other.chars().take(40).collect())),
        };
        Ok(Self {
            target,
            targetqs,
            params,
            token_redirection,
            record_created: outer.is_true(RECORD_CREATED),
            shared: outer.is_true(SHARED),
        })
    }

    /// This request as the query of `redirect.aspx` (for coming back after sign-in or
    /// record creation); `record_created` adds the marker.
    pub(crate) fn to_query(&self, record_created: bool) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("target", self.target.as_str()).append_pair("targetqs", &self.targetqs);
        if self.token_redirection == TokenRedirection::Post && self.params.get("trm").is_none() {
            query.append_pair("trm", TokenRedirection::Post.as_str());
        }
        if record_created {
            query.append_pair(RECORD_CREATED, "true");
        }
        query.finish()
    }

    /// This request as the query of `redirect.aspx` coming back from the sharing page.
    pub(crate) fn shared_query(&self) -> String {
        format!("{}&{SHARED}=true", self.to_query(false))
    }

    /// The application id (`appid`), if one was given. A comma list (several applications
    /// at once, which HealthVault allowed for APPAUTH only) is refused: Haven asks consent
    /// for one application at a time.
    pub(crate) fn application_id(&self) -> Result<Option<ApplicationId>, RedirectProblem> {
        let Some(text) = self.params.get("appid") else { return Ok(None) };
        if text.contains(',') {
            return Err(RedirectProblem::SeveralApplications);
        }
        ApplicationId::parse(text.trim())
            .map(Some)
            .map_err(|_| RedirectProblem::BadParameter("appid", text.chars().take(60).collect()))
    }

    /// The opaque value to echo back.
    pub(crate) fn actionqs(&self) -> Option<&str> {
        self.params.get("actionqs")
    }

    /// Whether the application works with several records at once.
    pub(crate) fn is_multi_record(&self) -> bool {
        self.params.is_true("ismra")
    }

    /// The identity code a CONNECT or PICKUP link carries (`packageid`), as sent.
    pub(crate) fn identity_code(&self) -> Option<&str> {
        self.params.get("packageid").map(str::trim).filter(|code| !code.is_empty())
    }

    /// The record the application asks about (`extrecordid`): `Ok(None)` when absent,
    /// `Err` with the text when it is not a record id.
    pub(crate) fn external_record_id(&self) -> Result<Option<RecordId>, String> {
        match self.params.get("extrecordid") {
            None => Ok(None),
            Some(text) => RecordId::parse(text.trim()).map(Some).map_err(|_| text.chars().take(60).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_case_insensitive_and_targetqs_is_decoded() {
        let request = ShellRequest::parse(
            "target=appAuth&targetqs=appid%3D11111111-1111-1111-1111-111111111111\
             %26isMra%3DTrue%26actionqs%3Da%2526b%26onopt2%3Dy%26onopt1%3Dx",
        )
        .unwrap();
        assert_eq!(request.target, Target::AppAuth);
        assert!(request.is_multi_record());
        assert_eq!(request.actionqs(), Some("a&b"), "decoded twice: the outer query, then targetqs");
        assert_eq!(request.params.numbered("onopt"), vec!["x", "y"]);
        assert_eq!(request.token_redirection, TokenRedirection::Get);
        assert!(request.application_id().unwrap().is_some());
    }

    #[test]
    fn trm_is_read_inside_or_beside_targetqs() {
        let inside = ShellRequest::parse("target=AUTH&targetqs=appid%3Dx%26trm%3Dpost").unwrap();
        assert_eq!(inside.token_redirection, TokenRedirection::Post);
        let beside = ShellRequest::parse("target=AUTH&targetqs=appid%3Dx&trm=Post").unwrap();
        assert_eq!(beside.token_redirection, TokenRedirection::Post);
        let again = ShellRequest::parse(&beside.to_query(false)).unwrap();
        assert_eq!(again.token_redirection, TokenRedirection::Post);
        assert!(matches!(
            ShellRequest::parse("target=AUTH&targetqs=trm%3Dput"),
            Err(RedirectProblem::BadParameter("trm", _))
        ));
    }

    #[test]
    fn bad_requests_are_named() {
        assert!(matches!(ShellRequest::parse(""), Err(RedirectProblem::MissingTarget)));
        assert!(matches!(ShellRequest::parse("target=NOPE"), Err(RedirectProblem::UnknownTarget(_))));
        let several = ShellRequest::parse("target=APPAUTH&targetqs=appid%3Da%2Cb").unwrap();
        assert!(matches!(several.application_id(), Err(RedirectProblem::SeveralApplications)));
        let bad = ShellRequest::parse("target=APPAUTH&targetqs=appid%3Dnot-a-guid").unwrap();
        assert!(matches!(bad.application_id(), Err(RedirectProblem::BadParameter("appid", _))));
        let soda = ShellRequest::parse("target=CREATEAPPLICATION&targetqs=%3Fappid%3Dabc").unwrap();
        assert_eq!(soda.params.get("appid"), Some("abc"));
    }

    #[test]
    fn connect_and_pickup_links_carry_the_code() {
        let request = ShellRequest::parse("target=connect&targetqs=packageid%3DJKYZ-QNMN-VHRX-ZGNR-GZNH").unwrap();
        assert_eq!(request.target, Target::Connect);
        assert_eq!(request.identity_code(), Some("JKYZ-QNMN-VHRX-ZGNR-GZNH"));
        let request = ShellRequest::parse("target=PICKUP").unwrap();
        assert_eq!(request.target, Target::Pickup);
        assert_eq!(request.identity_code(), None);
    }

    #[test]
    fn the_record_created_marker_round_trips() {
        let request = ShellRequest::parse("target=CREATERECORD&targetqs=appid%3Dx").unwrap();
        assert!(!request.record_created);
        let back = ShellRequest::parse(&request.to_query(true)).unwrap();
        assert!(back.record_created);
        assert_eq!(back.targetqs, "appid=x");
    }
}
