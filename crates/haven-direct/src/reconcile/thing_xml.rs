//! Writing thing data: the shared HealthVault value types (`codable-value`, `approx-date-time`,
//! `general-measurement`) with every piece of text escaped.

use super::codes::Codable;
use super::dates::ApproxDateTime;

/// Thing data XML being written, element by element, in the order the caller gives.
#[derive(Debug, Default)]
pub(super) struct ThingXml {
    xml: String,
}

/// A measured value: text for people, and the number with its units when the document gives
/// both (`general-measurement`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Measurement {
    pub(super) display: String,
    pub(super) structured: Option<StructuredValue>,
}

/// A number and its units. Invariant: `value` is a plain decimal number (see `decimal`) and
/// `units` is not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StructuredValue {
    pub(super) value: String,
    pub(super) units: String,
}

impl Measurement {
    /// A number with optional UCUM units, as an HL7 `PQ` gives it: `1` (the unit of counted
    /// things) and a missing unit show no units, and UCUM annotations lose their braces
    /// (`{tablet}` is "tablet"). `None` when the number is not a plain decimal.
    pub(super) fn quantity(value: &str, unit: Option<&str>) -> Option<Self> {
        let value = decimal(value)?;
        let units = unit.map(str::trim).filter(|unit| !unit.is_empty() && *unit != "1").map(|unit| {
            let without_braces = unit.trim_start_matches('{').trim_end_matches('}');
            if without_braces.is_empty() { unit.to_owned() } else { without_braces.to_owned() }
        });
        Some(match units {
            Some(units) => Self {
                display: format!("{value} {units}"),
                structured: Some(StructuredValue { value: value.to_owned(), units }),
            },
            None => Self { display: value.to_owned(), structured: None },
        })
    }

    /// Text alone.
    pub(super) fn text(display: String) -> Self {
        Self { display, structured: None }
    }
}

impl ThingXml {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// `<name>`, what `content` writes, then `</name>`.
    pub(super) fn element(&mut self, name: &str, content: impl FnOnce(&mut Self)) {
        self.xml.push('<');
        self.xml.push_str(name);
        self.xml.push('>');
        content(self);
        self.xml.push_str("</");
        self.xml.push_str(name);
        self.xml.push('>');
    }

    /// An element holding text.
    pub(super) fn text(&mut self, name: &str, text: &str) {
        self.element(name, |xml| escape_into(&mut xml.xml, text));
    }

    /// An optional element holding text.
    pub(super) fn optional_text(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(name, text);
        }
    }

    /// A `codable-value`: `<text>` then a `<code>` for each code.
    pub(super) fn codable(&mut self, name: &str, codable: &Codable) {
        self.element(name, |xml| {
            xml.text("text", &codable.text);
            for code in &codable.codes {
                xml.element("code", |xml| {
                    xml.text("value", &code.value);
                    xml.optional_text("family", code.family.as_deref());
                    xml.text("type", &code.vocabulary);
                    xml.optional_text("version", code.version.as_deref());
                });
            }
        });
    }

    /// An optional `codable-value`.
    pub(super) fn optional_codable(&mut self, name: &str, codable: Option<&Codable>) {
        if let Some(codable) = codable {
            self.codable(name, codable);
        }
    }

    /// A structured `approx-date-time`.
    pub(super) fn approx_date_time(&mut self, name: &str, date: &ApproxDateTime) {
        self.element(name, |xml| {
            xml.element("structured", |xml| {
                xml.element("date", |xml| {
                    xml.text("y", &date.year.to_string());
                    if let Some(month) = date.month {
                        xml.text("m", &month.to_string());
                    }
                    if let Some(day) = date.day {
                        xml.text("d", &day.to_string());
                    }
                });
                if let Some(time) = date.time {
                    xml.element("time", |xml| {
                        xml.text("h", &time.hour.to_string());
                        xml.text("m", &time.minute.to_string());
                        if let Some(second) = time.second {
                            xml.text("s", &second.to_string());
                            if let Some(millisecond) = time.millisecond {
                                xml.text("f", &millisecond.to_string());
                            }
                        }
                    });
                }
                if let Some(zone) = &date.zone {
                    xml.element("tz", |xml| xml.text("text", zone));
                }
            });
        });
    }

    /// An optional `approx-date-time`.
    pub(super) fn optional_approx_date_time(&mut self, name: &str, date: Option<&ApproxDateTime>) {
        if let Some(date) = date {
            self.approx_date_time(name, date);
        }
    }

    /// A `general-measurement`.
    pub(super) fn measurement(&mut self, name: &str, measurement: &Measurement) {
        self.element(name, |xml| {
            xml.text("display", &measurement.display);
            if let Some(structured) = &measurement.structured {
                xml.element("structured", |xml| {
                    xml.text("value", &structured.value);
                    xml.element("units", |xml| xml.text("text", &structured.units));
                });
            }
        });
    }

    /// An optional `general-measurement`.
    pub(super) fn optional_measurement(&mut self, name: &str, measurement: Option<&Measurement>) {
        if let Some(measurement) = measurement {
            self.measurement(name, measurement);
        }
    }

    /// The XML written.
    pub(super) fn finish(self) -> String {
        self.xml
    }
}

/// The number if it is a plain decimal (an optional sign, digits, an optional fraction), which
/// both `xsd:double` and the domain's reading accept; exponents, `INF` and `NaN` are refused.
pub(super) fn decimal(text: &str) -> Option<&str> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    Some(text)
}

/// Appends `text` escaped for element content or an attribute value.
fn escape_into(xml: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            // A carriage return would be read back as a line feed unless escaped.
            '\r' => xml.push_str("&#13;"),
            other => xml.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::codes::Code;

    #[test]
    fn text_is_escaped() {
        let mut xml = ThingXml::new();
        let name = Codable {
            text: "<b>\"A&B\"</b>'".to_owned(),
            codes: vec![Code::from_oid("1&2", "2.16.840.1.113883.6.96", None).unwrap()],
        };
        xml.codable("name", &name);
        assert_eq!(
            xml.finish(),
            "<name><text>&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;&apos;</text><code><value>1&amp;2</value>\
             <family>HL7</family><type>SNOMED CT</type></code></name>"
        );
    }

    #[test]
    fn dates_are_written_with_their_precision() {
        let mut xml = ThingXml::new();
        xml.approx_date_time("when", &ApproxDateTime::from_hl7("20240315083012.5-0500").unwrap());
        xml.approx_date_time("onset", &ApproxDateTime::from_hl7("201506").unwrap());
        assert_eq!(
            xml.finish(),
            "<when><structured><date><y>2024</y><m>3</m><d>15</d></date>\
             <time><h>8</h><m>30</m><s>12</s><f>500</f></time><tz><text>-0500</text></tz></structured></when>\
             <onset><structured><date><y>2015</y><m>6</m></date></structured></onset>"
        );
    }

    #[test]
    fn quantities_and_decimals() {
        let dose = Measurement::quantity("500", Some("mg")).unwrap();
        assert_eq!(dose.display, "500 mg");
        assert_eq!(Measurement::quantity("1", Some("{tbl}")).unwrap().display, "1 tbl");
        assert_eq!(Measurement::quantity("2", Some("1")).unwrap(), Measurement::text("2".to_owned()));
        assert_eq!(Measurement::quantity("1e3", Some("mg")), None);
        for good in ["1", "-0.5", "+3.", ".25", " 13.2 "] {
            assert!(decimal(good).is_some(), "{good}");
        }
        for bad in ["", ".", "-", "NaN", "inf", "1e5", "1,5", "0x10", "1.2.3"] {
            assert!(decimal(bad).is_none(), "{bad}");
        }
    }
}
