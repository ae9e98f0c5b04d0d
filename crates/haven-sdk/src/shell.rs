//! Addresses on the Shell's redirect interface (`redirect.aspx`), where an application sends a
//! person to sign in, consent, sign out or complete a SODA instance.

use url::Url;

/// The redirect interface below the Shell root `shell_url` for `target`, with the `targetqs`
/// parameters URL-encoded into the one `targetqs` parameter (so they are encoded twice on the
/// wire, as the Shell expects). A root without a trailing slash is read as a directory; its
/// query, if any, is dropped.
pub fn shell_redirect_url(shell_url: &Url, target: &str, targetqs: &[(&str, &str)]) -> Url {
    let mut root = shell_url.clone();
    if !root.path().ends_with('/') {
        let path = format!("{}/", root.path());
        root.set_path(&path);
    }
    let mut redirect = root.join("redirect.aspx").unwrap_or(root);
    redirect.set_query(None);
    let inner = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(targetqs).finish();
    redirect.query_pairs_mut().append_pair("target", target).append_pair("targetqs", &inner);
    redirect
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::*;

    #[test]
    fn targetqs_is_one_encoded_parameter() {
        let shell = Url::parse("http://127.0.0.1:8110/shell?stale=1").unwrap();
        let url = shell_redirect_url(&shell, "APPAUTH", &[("appid", "a b"), ("actionqs", "x&y=z")]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8110/shell/redirect.aspx?target=APPAUTH&targetqs=appid%3Da%2Bb%26actionqs%3Dx%2526y%253Dz"
        );
        let outer: Vec<_> = url.query_pairs().into_owned().collect();
        let inner: Vec<_> = url::form_urlencoded::parse(outer[1].1.as_bytes()).into_owned().collect();
        assert_eq!(inner, [("appid".to_owned(), "a b".to_owned()), ("actionqs".to_owned(), "x&y=z".to_owned())]);
    }
}
