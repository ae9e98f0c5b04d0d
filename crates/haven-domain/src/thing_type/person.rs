//! HealthVault's `person` type and its parts (`name`, `contact`, `address`, `phone`,
//! `email`): a provider, prescriber or administrator named inside a thing.

use super::ThingDataError;
use super::common::{CodableValue, optional_boolean, optional_codable, optional_text};
use super::reader::Element;

/// A `person` inside a thing, such as the doctor who prescribed a medication. Not to be
/// confused with `crate::person::Person`, who signs in to Haven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonItem {
    /// The person's name.
    pub name: PersonName,
    /// The organization the person belongs to.
    pub organization: Option<String>,
    /// The person's professional training, e.g. "MD".
    pub professional_training: Option<String>,
    /// An identifier, e.g. a license number.
    pub id: Option<String>,
    /// How to reach the person.
    pub contact: Option<ContactInfo>,
    /// The person's role, e.g. "Provider" (the `<type>` element).
    pub person_type: Option<CodableValue>,
}

impl PersonItem {
    /// Reads the `person` sequence.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let name = PersonName::parse(&children.required("name")?)?;
        let organization = optional_text(children.optional("organization"))?;
        let professional_training = optional_text(children.optional("professional-training"))?;
        let id = optional_text(children.optional("id"))?;
        let contact = children.optional("contact").map(|contact| ContactInfo::parse(&contact)).transpose()?;
        let person_type = optional_codable(children.optional("type"))?;
        children.finish()?;
        Ok(Self { name, organization, professional_training, id, contact, person_type })
    }
}

/// A `name`: the full name, and its parts when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    /// The full name as written, e.g. "Dr John Mc Kense".
    pub full: String,
    /// A title such as "Dr".
    pub title: Option<CodableValue>,
    /// The first name.
    pub first: Option<String>,
    /// The middle name.
    pub middle: Option<String>,
    /// The last name.
    pub last: Option<String>,
    /// A suffix such as "Sr".
    pub suffix: Option<CodableValue>,
}

impl PersonName {
    /// Reads the `name` sequence.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let full = children.required("full")?.text()?;
        let title = optional_codable(children.optional("title"))?;
        let first = optional_text(children.optional("first"))?;
        let middle = optional_text(children.optional("middle"))?;
        let last = optional_text(children.optional("last"))?;
        let suffix = optional_codable(children.optional("suffix"))?;
        children.finish()?;
        Ok(Self { full, title, first, middle, last, suffix })
    }
}

/// A `contact`: addresses, then phones, then e-mail addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactInfo {
    /// Postal addresses.
    pub addresses: Vec<Address>,
    /// Phone numbers.
    pub phones: Vec<Phone>,
    /// E-mail addresses.
    pub emails: Vec<Email>,
}

impl ContactInfo {
    /// Reads any number of `<address>`, `<phone>` and `<email>`, in that order.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let addresses = children.repeated("address").iter().map(Address::parse).collect::<Result<_, _>>()?;
        let phones = children.repeated("phone").iter().map(Phone::parse).collect::<Result<_, _>>()?;
        let emails = children.repeated("email").iter().map(Email::parse).collect::<Result<_, _>>()?;
        children.finish()?;
        Ok(Self { addresses, phones, emails })
    }
}

/// An `address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// What the address is, e.g. "Office".
    pub description: Option<String>,
    /// Whether this is the primary address.
    pub is_primary: Option<bool>,
    /// Street lines; at least one.
    pub streets: Vec<String>,
    /// The city.
    pub city: String,
    /// The state or province.
    pub state: Option<String>,
    /// The postal code.
    pub postcode: String,
    /// The country.
    pub country: String,
    /// The county.
    pub county: Option<String>,
}

impl Address {
    /// Reads the `address` sequence; at least one `<street>` is required.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let description = optional_text(children.optional("description"))?;
        let is_primary = optional_boolean(children.optional("is-primary"))?;
        let street_elements = children.repeated("street");
        if street_elements.is_empty() {
            // Report the missing street the same way as any other missing element.
            children.required("street")?;
        }
        let streets = street_elements.iter().map(Element::text).collect::<Result<_, _>>()?;
        let city = children.required("city")?.text()?;
        let state = optional_text(children.optional("state"))?;
        let postcode = children.required("postcode")?.text()?;
        let country = children.required("country")?.text()?;
        let county = optional_text(children.optional("county"))?;
        children.finish()?;
        Ok(Self { description, is_primary, streets, city, state, postcode, country, county })
    }
}

/// A `phone` number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// What the number is, e.g. "Office".
    pub description: Option<String>,
    /// Whether this is the primary number.
    pub is_primary: Option<bool>,
    /// The number as written.
    pub number: String,
}

impl Phone {
    /// Reads the `phone` sequence.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let description = optional_text(children.optional("description"))?;
        let is_primary = optional_boolean(children.optional("is-primary"))?;
        let number = children.required("number")?.text()?;
        children.finish()?;
        Ok(Self { description, is_primary, number })
    }
}

/// An `email` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// What the address is, e.g. "Work".
    pub description: Option<String>,
    /// Whether this is the primary address.
    pub is_primary: Option<bool>,
    /// The address as written.
    pub address: String,
}

impl Email {
    /// Reads the `email` sequence.
    pub(super) fn parse(element: &Element<'_, '_>) -> Result<Self, ThingDataError> {
        let mut children = element.children()?;
        let description = optional_text(children.optional("description"))?;
        let is_primary = optional_boolean(children.optional("is-primary"))?;
        let address = children.required("address")?.text()?;
        children.finish()?;
        Ok(Self { description, is_primary, address })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_person(xml: &str) -> Result<PersonItem, String> {
        let document = roxmltree::Document::parse(xml).unwrap();
        PersonItem::parse(&Element::root(document.root_element())).map_err(|error| error.to_string())
    }

    #[test]
    fn a_person_needs_a_full_name() {
        let person = parse_person("<p><name><full>Jane Roe</full><last>Roe</last></name><id/></p>").unwrap();
        assert_eq!(person.name.last.as_deref(), Some("Roe"));
        assert_eq!(person.id.as_deref(), Some(""));
        let error = parse_person("<p><name><first>Jane</first></name></p>").unwrap_err();
        assert_eq!(error, "p/name/full: is required but missing");
    }

    #[test]
    fn an_address_needs_a_street_city_postcode_and_country() {
        let good = "<p><name><full>J</full></name><contact><address><street>1 Main St</street><street>Apt 2</street>\
                    <city>Seattle</city><postcode>98101</postcode><country>US</country></address>\
                    <phone><number>555</number></phone></contact></p>";
        let contact = parse_person(good).unwrap().contact.unwrap();
        assert_eq!(contact.addresses[0].streets, ["1 Main St", "Apt 2"]);
        assert_eq!(contact.phones[0].number, "555");
        let no_street = "<p><name><full>J</full></name><contact><address><city>Seattle</city>\
                         <postcode>98101</postcode><country>US</country></address></contact></p>";
        assert_eq!(parse_person(no_street).unwrap_err(), "p/contact/address/street: is required but missing");
        let phone_first = "<p><name><full>J</full></name><contact><phone><number>1</number></phone>\
                           <address><street>s</street><city>c</city><postcode>p</postcode><country>c</country>\
                           </address></contact></p>";
        assert_eq!(
            parse_person(phone_first).unwrap_err(),
            "p/contact/address: is out of order or repeated: the schema fixes where it goes and how often"
        );
    }
}
