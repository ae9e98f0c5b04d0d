//! The package thing's data-xml: which algorithm sealed the package, and the salt, iteration
//! count and key length its key was derived with.

use std::fmt;

use roxmltree::{Document, Node};

use crate::error::PackageError;

/// The namespace of `password-protected-package.xsd`. Instances in the wild (the SDK's, the
/// documentation's sample) put the root element in no namespace; both are accepted.
pub const PACKAGE_NAMESPACE: &str = "urn:com.microsoft.wc.thing.password.protected.package";

/// The iteration count the schema gives when `<iteration-count>` is empty, and the one
/// [`PackageParameters::recommended`] uses.
pub const DEFAULT_ITERATION_COUNT: u32 = 20_000;

/// The most PBKDF2 iterations a package may ask for. The count comes from whoever made the
/// package, and opening one runs the derivation up to twice per attempt, so it is bounded to keep
/// a package from making the server spin: a million iterations is fifty times the SDK's default.
pub const MAX_ITERATION_COUNT: u32 = 1_000_000;

/// How a package is encrypted. The schema's third value, `none`, is refused when parsing: a
/// package must be protected by its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageAlgorithm {
    /// `hmac-sha256-aes256`: PBKDF2 with HMAC-SHA256 (the .NET SDK used HMAC-SHA1, which opening
    /// also accepts), Rijndael with a 256-bit block and key in CBC mode, and an HMAC-SHA256
    /// integrity check. Despite the name, the cipher is not AES, whose block is 128 bits.
    HmacSha256Aes256,
    /// `hmac-sha1-3des`: PBKDF2 with HMAC-SHA1, three-key triple DES in CBC mode, and an
    /// HMAC-SHA1 integrity check. Kept for packages made by old applications.
    HmacSha1TripleDes,
}

impl PackageAlgorithm {
    /// The name in `<algorithm-name>`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::HmacSha256Aes256 => "hmac-sha256-aes256",
            Self::HmacSha1TripleDes => "hmac-sha1-3des",
        }
    }

    /// The cipher's block length in bytes: 32 for Rijndael-256, 8 for triple DES.
    pub const fn block_len(self) -> usize {
        match self {
            Self::HmacSha256Aes256 => 32,
            Self::HmacSha1TripleDes => 8,
        }
    }

    /// The key length the schema gives when `<key-length>` is absent or empty: 256 bits for
    /// Rijndael, 168 (the effective strength of a 24-byte three-key triple DES key) for 3DES.
    pub const fn default_key_length_bits(self) -> u32 {
        match self {
            Self::HmacSha256Aes256 => 256,
            Self::HmacSha1TripleDes => 168,
        }
    }

    /// The length of one encrypted blob chunk: a full [`crate::BLOB_CHUNK_LEN`] chunk gains a
    /// whole block of padding. The last chunk of a blob may be shorter.
    pub const fn encrypted_chunk_len(self) -> usize {
        crate::BLOB_CHUNK_LEN + self.block_len()
    }

    /// Whether `bits` names this algorithm's key. Triple DES keys are 24 bytes, which the
    /// documentation calls 192 bits and the schema 168 (not counting parity bits); both mean the
    /// same key.
    const fn accepts_key_length(self, bits: u32) -> bool {
        match self {
            Self::HmacSha256Aes256 => bits == 256,
            Self::HmacSha1TripleDes => bits == 192 || bits == 168,
        }
    }

    fn from_name(name: &str) -> Result<Self, PackageError> {
        match name {
            "hmac-sha256-aes256" => Ok(Self::HmacSha256Aes256),
            "hmac-sha1-3des" => Ok(Self::HmacSha1TripleDes),
            "none" => Err(PackageError::Unprotected),
            other => Err(PackageError::UnknownAlgorithm(other.to_owned())),
        }
    }
}

impl fmt::Display for PackageAlgorithm {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// What a package's data-xml says about its encryption.
///
/// The fields are public so that callers can build parameters by hand; [`crate::seal`] and
/// [`crate::open`] call [`PackageParameters::validate`] before using them, and
/// [`PackageParameters::from_data_xml`] returns only valid parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageParameters {
    /// The algorithm the package was sealed with.
    pub algorithm: PackageAlgorithm,
    /// The salt, as the text of `<salt>`. Its UTF-8 bytes are the salt of the key derivation and
    /// the key of the integrity HMAC; the text is never decoded, whether it looks like base64 (as
    /// the documentation suggests) or a GUID (as the .NET SDK wrote).
    pub salt: String,
    /// PBKDF2's iteration count, from 1 to [`MAX_ITERATION_COUNT`].
    pub iteration_count: u32,
    /// The key length in bits, as written: 256 for Rijndael, 192 or 168 for triple DES.
    pub key_length_bits: u32,
}

impl PackageParameters {
    /// The parameters Haven recommends for a new package with `salt`: hmac-sha256-aes256, the
    /// schema's default 20,000 iterations and a 256-bit key. The caller supplies the salt because
    /// this crate has no randomness; 32 random bytes in base64 is a good one.
    pub fn recommended(salt: String) -> Self {
        Self {
            algorithm: PackageAlgorithm::HmacSha256Aes256,
            salt,
            iteration_count: DEFAULT_ITERATION_COUNT,
            key_length_bits: PackageAlgorithm::HmacSha256Aes256.default_key_length_bits(),
        }
    }

    /// Reads a package thing's data-xml.
    ///
    /// The root may be in no namespace or in [`PACKAGE_NAMESPACE`]. The schema makes
    /// `<parameters>` optional, but a package cannot be opened without a salt, so its absence is
    /// an error. An absent or empty `<iteration-count>` means the schema's 20,000, and an absent
    /// or empty `<key-length>` the algorithm's default; the schema requires both elements, but
    /// being lenient here loses nothing.
    pub fn from_data_xml(data_xml: &str) -> Result<Self, PackageError> {
        let document = Document::parse(data_xml).map_err(|error| PackageError::MalformedXml(error.to_string()))?;
        let root = document.root_element();
        if root.tag_name().name() != "password-protected-package" || !in_package_namespace(root) {
            // The name is given in Clark notation when it has a namespace, so that a foreign
            // `password-protected-package` is told apart from ours.
            let name = match root.tag_name().namespace() {
                Some(namespace) => format!("{{{namespace}}}{}", root.tag_name().name()),
                None => root.tag_name().name().to_owned(),
            };
            return Err(PackageError::NotAPackage(name));
        }
        let encrypt_algorithm =
            child(root, "encrypt-algorithm").ok_or(PackageError::MissingElement("encrypt-algorithm"))?;
        let algorithm_name =
            child(encrypt_algorithm, "algorithm-name").ok_or(PackageError::MissingElement("algorithm-name"))?;
        let algorithm = PackageAlgorithm::from_name(trim_xml_whitespace(&text_of(algorithm_name)))?;
        let parameters = child(encrypt_algorithm, "parameters").ok_or(PackageError::MissingElement("parameters"))?;
        let salt = text_of(child(parameters, "salt").ok_or(PackageError::MissingElement("salt"))?);
        let iteration_count = match integer_in(parameters, "iteration-count")? {
            None => DEFAULT_ITERATION_COUNT,
            Some(count) => u32::try_from(count)
                .ok()
                .filter(|count| (1..=MAX_ITERATION_COUNT).contains(count))
                .ok_or(PackageError::IterationCountOutOfRange(count))?,
        };
        let key_length_bits = match integer_in(parameters, "key-length")? {
            None => algorithm.default_key_length_bits(),
            Some(bits) => u32::try_from(bits)
                .ok()
                .filter(|bits| algorithm.accepts_key_length(*bits))
                .ok_or(PackageError::UnsupportedKeyLength { algorithm, bits })?,
        };
        let parameters = Self { algorithm, salt, iteration_count, key_length_bits };
        parameters.validate()?;
        Ok(parameters)
    }

    /// Writes the data-xml of a package thing with these parameters, its root in no namespace as
    /// the SDK wrote it. Parameters that pass [`PackageParameters::validate`] always give
    /// well-formed XML that reads back the same; a salt XML cannot carry would be written as is.
    pub fn to_data_xml(&self) -> String {
        format!(
            "<password-protected-package><encrypt-algorithm><algorithm-name>{}</algorithm-name><parameters>\
             <salt>{}</salt><iteration-count>{}</iteration-count><key-length>{}</key-length></parameters>\
             </encrypt-algorithm></password-protected-package>",
            self.algorithm.name(),
            escape_text(&self.salt),
            self.iteration_count,
            self.key_length_bits,
        )
    }

    /// Checks what the type cannot: a non-empty salt that XML can carry, an iteration count from
    /// 1 to [`MAX_ITERATION_COUNT`], and a key length the algorithm takes.
    pub fn validate(&self) -> Result<(), PackageError> {
        if self.salt.is_empty() {
            return Err(PackageError::EmptySalt);
        }
        if !self.salt.chars().all(is_xml_char) {
            return Err(PackageError::SaltNotXmlText);
        }
        if !(1..=MAX_ITERATION_COUNT).contains(&self.iteration_count) {
            return Err(PackageError::IterationCountOutOfRange(i64::from(self.iteration_count)));
        }
        if !self.algorithm.accepts_key_length(self.key_length_bits) {
            return Err(PackageError::UnsupportedKeyLength {
                algorithm: self.algorithm,
                bits: i64::from(self.key_length_bits),
            });
        }
        Ok(())
    }
}

/// Whether `node` is in no namespace or the package's. The schema leaves local elements
/// unqualified, but a writer that declared the namespace as the default puts them in it.
fn in_package_namespace(node: Node<'_, '_>) -> bool {
    matches!(node.tag_name().namespace(), None | Some(PACKAGE_NAMESPACE))
}

fn child<'a, 'input>(parent: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    parent.children().find(|node| node.is_element() && node.tag_name().name() == name && in_package_namespace(*node))
}

/// The element's character data as written (entities and CDATA resolved), without trimming.
fn text_of(node: Node<'_, '_>) -> String {
    node.children().filter(Node::is_text).filter_map(|text| text.text()).collect()
}

/// Reads an `xs:int` element: `None` when it is absent or empty.
fn integer_in(parent: Node<'_, '_>, name: &'static str) -> Result<Option<i64>, PackageError> {
    let Some(element) = child(parent, name) else {
        return Ok(None);
    };
    let text = text_of(element);
    let trimmed = trim_xml_whitespace(&text);
    if trimmed.is_empty() {
        return Ok(None);
    }
    trimmed.parse::<i64>().map(Some).map_err(|_| PackageError::NotAnInteger { element: name, text })
}

/// Trims the whitespace XML Schema collapses (space, tab, carriage return, line feed).
fn trim_xml_whitespace(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

/// XML 1.0's `Char` production.
fn is_xml_char(character: char) -> bool {
    matches!(character, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Escapes text for element content. Carriage returns become character references so that a
/// parser's line-end normalisation cannot change the salt's bytes.
fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\r' => escaped.push_str("&#13;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDK_STYLE: &str = "<password-protected-package><encrypt-algorithm>\
        <algorithm-name>hmac-sha256-aes256</algorithm-name><parameters>\
        <salt>5f0d4b3e-92c1-4f8e-b0a7-2d1c9e6f4a38</salt><iteration-count>20000</iteration-count>\
        <key-length>256</key-length></parameters></encrypt-algorithm></password-protected-package>";

    fn with(algorithm: &str, parameters: &str) -> String {
        format!(
            "<password-protected-package><encrypt-algorithm><algorithm-name>{algorithm}</algorithm-name>\
             {parameters}</encrypt-algorithm></password-protected-package>"
        )
    }

    #[test]
    fn reads_the_sdks_form() {
        let parameters = PackageParameters::from_data_xml(SDK_STYLE).unwrap();
        assert_eq!(
            parameters,
            PackageParameters {
                algorithm: PackageAlgorithm::HmacSha256Aes256,
                salt: "5f0d4b3e-92c1-4f8e-b0a7-2d1c9e6f4a38".to_owned(),
                iteration_count: 20_000,
                key_length_bits: 256,
            }
        );
    }

    /// The documentation's sample, whitespace and all.
    #[test]
    fn reads_the_documentations_sample() {
        let sample = "<password-protected-package>\n\t<encrypt-algorithm>\n\t\t<algorithm-name>hmac-sha1-3des</algorithm-name>\n\
            \t\t<parameters>\n\t\t\t<salt>base64</salt>\n\t\t\t<iteration-count>20000</iteration-count>\n\
            \t\t\t<key-length>168</key-length>\n\t\t</parameters>\n\t</encrypt-algorithm>\n</password-protected-package>";
        let parameters = PackageParameters::from_data_xml(sample).unwrap();
        assert_eq!(parameters.algorithm, PackageAlgorithm::HmacSha1TripleDes);
        assert_eq!(parameters.salt, "base64");
        assert_eq!(parameters.key_length_bits, 168);
    }

    #[test]
    fn the_root_may_be_in_the_package_namespace() {
        let prefixed = SDK_STYLE.replacen(
            "<password-protected-package>",
            &format!("<p:password-protected-package xmlns:p=\"{PACKAGE_NAMESPACE}\">"),
            1,
        );
        let prefixed = prefixed.replace("</password-protected-package>", "</p:password-protected-package>");
        assert!(PackageParameters::from_data_xml(&prefixed).is_ok());
        let defaulted = SDK_STYLE.replacen(
            "<password-protected-package>",
            &format!("<password-protected-package xmlns=\"{PACKAGE_NAMESPACE}\">"),
            1,
        );
        assert!(PackageParameters::from_data_xml(&defaulted).is_ok());
        let foreign =
            SDK_STYLE.replacen("<password-protected-package>", "<password-protected-package xmlns=\"urn:x\">", 1);
        assert_eq!(
            PackageParameters::from_data_xml(&foreign),
            Err(PackageError::NotAPackage("{urn:x}password-protected-package".to_owned()))
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let mut parameters = PackageParameters::recommended("a<b>&c\r\n d ".to_owned());
        parameters.iteration_count = 12_345;
        assert_eq!(PackageParameters::from_data_xml(&parameters.to_data_xml()).unwrap(), parameters);
        let sdk = PackageParameters::from_data_xml(SDK_STYLE).unwrap();
        assert_eq!(sdk.to_data_xml(), SDK_STYLE);
    }

    #[test]
    fn the_salt_is_kept_exactly_as_written() {
        let xml =
            with("hmac-sha256-aes256", "<parameters><salt> c2FsdA== </salt><key-length>256</key-length></parameters>");
        let parameters = PackageParameters::from_data_xml(&xml).unwrap();
        assert_eq!(parameters.salt, " c2FsdA== ");
    }

    #[test]
    fn absent_or_empty_numbers_take_the_schemas_defaults() {
        let xml = with("hmac-sha1-3des", "<parameters><salt>s</salt><iteration-count/></parameters>");
        let parameters = PackageParameters::from_data_xml(&xml).unwrap();
        assert_eq!((parameters.iteration_count, parameters.key_length_bits), (20_000, 168));
        let xml = with("hmac-sha256-aes256", "<parameters><salt>s</salt></parameters>");
        let parameters = PackageParameters::from_data_xml(&xml).unwrap();
        assert_eq!((parameters.iteration_count, parameters.key_length_bits), (20_000, 256));
    }

    #[test]
    fn malformed_parameters_have_distinct_errors() {
        let salted = |rest: &str| format!("<parameters><salt>s</salt>{rest}</parameters>");
        let cases = [
            ("<thing/>".to_owned(), PackageError::NotAPackage("thing".to_owned())),
            ("<password-protected-package/>".to_owned(), PackageError::MissingElement("encrypt-algorithm")),
            (with("none", ""), PackageError::Unprotected),
            (with("aes256", &salted("")), PackageError::UnknownAlgorithm("aes256".to_owned())),
            (with("hmac-sha256-aes256", ""), PackageError::MissingElement("parameters")),
            (with("hmac-sha256-aes256", "<parameters/>"), PackageError::MissingElement("salt")),
            (with("hmac-sha256-aes256", "<parameters><salt/></parameters>"), PackageError::EmptySalt),
            (
                with("hmac-sha256-aes256", &salted("<iteration-count>many</iteration-count>")),
                PackageError::NotAnInteger { element: "iteration-count", text: "many".to_owned() },
            ),
            (
                with("hmac-sha256-aes256", &salted("<iteration-count>0</iteration-count>")),
                PackageError::IterationCountOutOfRange(0),
            ),
            (
                with("hmac-sha256-aes256", &salted("<iteration-count>-5</iteration-count>")),
                PackageError::IterationCountOutOfRange(-5),
            ),
            (
                with("hmac-sha256-aes256", &salted("<iteration-count>1000001</iteration-count>")),
                PackageError::IterationCountOutOfRange(1_000_001),
            ),
            (
                with("hmac-sha256-aes256", &salted("<key-length>128</key-length>")),
                PackageError::UnsupportedKeyLength { algorithm: PackageAlgorithm::HmacSha256Aes256, bits: 128 },
            ),
            (
                with("hmac-sha1-3des", &salted("<key-length>256</key-length>")),
                PackageError::UnsupportedKeyLength { algorithm: PackageAlgorithm::HmacSha1TripleDes, bits: 256 },
            ),
        ];
        for (xml, error) in cases {
            assert_eq!(PackageParameters::from_data_xml(&xml), Err(error), "{xml}");
        }
        assert!(matches!(PackageParameters::from_data_xml("<unclosed>"), Err(PackageError::MalformedXml(_))));
        assert!(matches!(PackageParameters::from_data_xml(""), Err(PackageError::MalformedXml(_))));
    }

    #[test]
    fn both_3des_key_lengths_are_accepted() {
        for bits in ["168", "192", " 192 "] {
            let xml = with(
                "hmac-sha1-3des",
                &format!("<parameters><salt>s</salt><key-length>{bits}</key-length></parameters>"),
            );
            assert!(PackageParameters::from_data_xml(&xml).is_ok(), "{bits}");
        }
    }

    #[test]
    fn validation_covers_hand_built_parameters() {
        let valid = PackageParameters::recommended("salt".to_owned());
        assert_eq!(valid.validate(), Ok(()));
        assert_eq!(PackageParameters { salt: String::new(), ..valid.clone() }.validate(), Err(PackageError::EmptySalt));
        assert_eq!(
            PackageParameters { salt: "a\u{1}".to_owned(), ..valid.clone() }.validate(),
            Err(PackageError::SaltNotXmlText)
        );
        assert_eq!(
            PackageParameters { iteration_count: MAX_ITERATION_COUNT + 1, ..valid.clone() }.validate(),
            Err(PackageError::IterationCountOutOfRange(1_000_001))
        );
        assert_eq!(
            PackageParameters { key_length_bits: 192, ..valid }.validate(),
            Err(PackageError::UnsupportedKeyLength { algorithm: PackageAlgorithm::HmacSha256Aes256, bits: 192 })
        );
    }
}
