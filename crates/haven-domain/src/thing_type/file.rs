//! File (`file.xsd`): the description of a file whose content is the thing's blob.

use super::ThingDataError;
use super::common::{CodableValue, optional_codable};
use super::reader::Element;

/// A file's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The file name, 1 to 255 characters.
    pub name: String,
    /// The size in bytes, more than 0.
    pub size: u64,
    /// The content type, e.g. "application/pdf".
    pub content_type: Option<CodableValue>,
}

impl File {
    /// Reads `<name>`, `<size>` (a `positiveInteger`) and an optional `<content-type>`.
    pub(super) fn parse(root: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = root.children()?;
        let name = children.required("name")?.bounded_string(255)?;
        let size = children.required("size")?.whole_number(1_u64, None)?;
        let content_type = optional_codable(children.optional("content-type"))?;
        children.finish()?;
        Ok(Self { name, size, content_type })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{rejection, validate, validate_sample};
    use super::super::{FILE, TypedData};

    #[test]
    fn the_reference_sample_validates() {
        if let Some(validated) = validate_sample(FILE) {
            assert_eq!(validated.effective_date, None);
            assert!(matches!(validated.typed, Some(TypedData::File(_))));
        }
    }

    #[test]
    fn the_inline_sample_parses() {
        let validated = validate(FILE, "<file>\n\t<name>HVCCTest.xml</name>\n\t<size>20000</size>\n</file>").unwrap();
        assert_eq!(validated.effective_date, None);
        let Some(TypedData::File(file)) = validated.typed else { panic!("not a file") };
        assert_eq!((file.name.as_str(), file.size, file.content_type), ("HVCCTest.xml", 20000, None));
        let typed = validate(
            FILE,
            "<file><name>a.pdf</name><size>1</size><content-type><text>application/pdf</text></content-type></file>",
        );
        let Some(TypedData::File(file)) = typed.unwrap().typed else { panic!("not a file") };
        assert_eq!(file.content_type.map(|content_type| content_type.text), Some("application/pdf".to_owned()));
    }

    #[test]
    fn invalid_files_are_rejected_with_their_path() {
        assert_eq!(rejection(FILE, "<file><name>a.txt</name></file>"), "file/size: is required but missing");
        assert_eq!(
            rejection(FILE, "<file><name>a.txt</name><size>0</size></file>"),
            "file/size: must be a whole number of at least 1, got \"0\""
        );
        assert_eq!(
            rejection(FILE, "<file><name>a.txt</name><size>1.5</size></file>"),
            "file/size: must be a whole number of at least 1, got \"1.5\""
        );
        assert_eq!(
            rejection(FILE, "<file><name></name><size>1</size></file>"),
            "file/name: must be 1 to 255 characters long, got 0"
        );
        let long_name = "x".repeat(256);
        assert_eq!(
            rejection(FILE, &format!("<file><name>{long_name}</name><size>1</size></file>")),
            "file/name: must be 1 to 255 characters long, got 256"
        );
        assert_eq!(rejection(FILE, "<document/>"), "File data must have the root element <file>, not <document>");
        assert_eq!(
            rejection(FILE, "<file><name>a</name><size>1</size><hash>x</hash></file>"),
            "file/hash: is not an element the schema allows here"
        );
        assert_eq!(
            rejection(FILE, "<file><name>a<b/></name><size>1</size></file>"),
            "file/name/b: is not allowed here: the enclosing element holds a plain value"
        );
    }
}
