//! What forms share: messages next to the fields they concern, and the page to go to after
//! a form, which is only ever a path on this Shell.

use std::collections::BTreeMap;

/// Messages for a form's fields, keyed by field name; the template shows each next to its
/// field and keeps what the person typed (never passwords).
#[derive(Debug, Default, Clone)]
pub(crate) struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    /// Adds the message for `field`, keeping the first if there is one.
    pub(crate) fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// The message for `field`.
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Whether the form had no mistakes.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields have a message.
    pub(crate) fn count(&self) -> usize {
        self.0.len()
    }
}

/// Where to go after a form: `next` if it is a path on this Shell, otherwise `fallback`.
/// Anything that could leave the Shell (`//host`, `/\host`, a scheme) is refused, so a
/// link cannot turn the Shell into an open redirect.
pub(crate) fn local_path(next: &str, fallback: &str) -> String {
    let next = next.trim();
    let leaves = !next.starts_with('/')
        || next.starts_with("//")
        || next.starts_with("/\\")
        || next.chars().any(|character| character.is_control() || character == '\\');
    if next.is_empty() || leaves { fallback.to_owned() } else { next.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/records?x=1", "/"), "/records?x=1");
        assert_eq!(local_path("", "/"), "/");
        for outside in ["https://evil.example/", "//evil.example/", "/\\evil.example", "evil", "/a\nb", "javascript:x"]
        {
            assert_eq!(local_path(outside, "/"), "/", "{outside:?}");
        }
    }

    #[test]
    fn the_first_message_per_field_stays() {
        let mut errors = FieldErrors::default();
        errors.add("email", "first");
        errors.add("email", "second");
        assert_eq!(errors.get("email"), Some("first"));
        assert_eq!(errors.count(), 1);
        assert!(errors.get("password").is_none());
    }
}
