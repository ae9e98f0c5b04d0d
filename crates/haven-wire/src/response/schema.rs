//! Which response schema answers which method version.
//!
//! A response's `wc:info` is in the namespace `urn:com.microsoft.wc.methods.response.<Schema>`,
//! where `<Schema>` is the `targetNamespace` suffix of a `response-*.xsd`. It is not simply the
//! method name plus its version: GetThings v1 and v2 share `GetThings` while v3 has
//! `GetThings3`, and PutThings v2 still answers in `PutThings` (protocol notes, section 3).
//! The table below is that mapping as data; a test checks every entry against the XSD files.

use std::ops::RangeInclusive;

/// One row of the table: the versions of a method that answer in a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSchema {
    /// The method name, as in `<header><method>`.
    pub method: &'static str,
    /// The method versions this row covers.
    pub versions: RangeInclusive<u32>,
    /// The schema name: the namespace suffix and, lower-cased, the XSD file name
    /// (`response-<schema>.xsd`).
    pub schema: &'static str,
}

/// The highest version a row can cover; rows reaching it cover every later version.
const LATEST: u32 = u32::MAX;

/// Every version of a method that has a single response schema.
const ANY: RangeInclusive<u32> = 1..=LATEST;

/// A method whose every version answers in the schema named like the method.
const fn same(method: &'static str) -> ResponseSchema {
    entry(method, ANY, method)
}

const fn entry(method: &'static str, versions: RangeInclusive<u32>, schema: &'static str) -> ResponseSchema {
    ResponseSchema { method, versions, schema }
}

/// Every method with a response schema. Methods absent here answer without a `wc:info`
/// (RemoveThings, DeletePendingConnectRequest, UnsubscribeToEvent, ...).
pub const RESPONSE_SCHEMAS: &[ResponseSchema] = &[
    same("AddApplication"),
    same("AddApplicationPrivileged"),
    same("AddRecordAudit"),
    same("AddSodaApplication"),
    same("AllocatePackageId"),
    same("AuthorizeRecordForApplication"),
    same("BeginPutBlob"),
    same("BeginPutConnectPackageBlob"),
    same("CreateAccountWithTicket"),
    same("CreateAdminAccount"),
    same("CreateApplicationWithTicket"),
    entry("CreateAuthenticatedSessionToken", 1..=1, "CreateAuthenticatedSessionToken"),
    entry("CreateAuthenticatedSessionToken", 2..=LATEST, "CreateAuthenticatedSessionToken2"),
    same("CreateAuthenticationTokensWithTicket"),
    same("CreateConnectPackage"),
    same("CreateConnectPackagePrivileged"),
    same("CreateConnectRequest"),
    same("CreateCredentialToken"),
    same("CreateCredentialTokenForApplication"),
    same("CreateCredentialTokenWithTicket"),
    same("CreateDataConnection"),
    same("CreateDirectAddress"),
    same("CreatePersistentToken"),
    same("CreatePersonAccount"),
    same("CreatePromotionToken"),
    same("CreateRecord"),
    same("CreateSessionWithCredential"),
    same("GetAccountInfo"),
    same("GetAlternateIds"),
    same("GetApplication"),
    same("GetApplicationCacheItems"),
    same("GetApplicationDirectory"),
    same("GetApplicationInfo"),
    same("GetApplicationPrivileged"),
    same("GetApplicationSettings"),
    same("GetApplicationSettingsPrivileged"),
    same("GetAppLocationsPrivileged"),
    same("GetAppRecordAuthorizations"),
    same("GetAppSpecificPseudoId"),
    same("GetAuthorizedApplicationsForPerson"),
    same("GetAuthorizedConnectRequests"),
    same("GetAuthorizedPeople"),
    same("GetAuthorizedPeopleForRecord"),
    same("GetAuthorizedPersonsForApplication"),
    same("GetAuthorizedRecordPrivileged"),
    same("GetAuthorizedRecords"),
    same("GetBinaryContent"),
    same("GetClaims"),
    same("GetCredentials"),
    same("GetDataConnectionsPrivileged"),
    same("GetDeviceDirectory"),
    same("GetDirectAddressesPrivileged"),
    same("GetEntitiesManagedByPerson"),
    same("GetEntityManagers"),
    same("GetEventSubscriptions"),
    same("GetMeaningfulUseAudit"),
    same("GetMeaningfulUseTimelyAccessReport"),
    same("GetMeaningfulUseTimelyAccessReportPrivileged"),
    same("GetMeaningfulUseVDTReport"),
    same("GetMeaningfulUseVDTReportPrivileged"),
    same("GetMshPairing"),
    same("GetNonActiveRecordAuthorization"),
    same("GetPairingByMshId"),
    same("GetPeopleForRecord"),
    same("GetPersonAndRecordForAlternateId"),
    same("GetPersonCommunicationPreferences"),
    same("GetPersonInfo"),
    same("GetPersonInfoForDirectAccess"),
    same("GetPersonInfoPrivileged"),
    same("GetProfileInfoFromCredential"),
    same("GetRecordAudit"),
    same("GetRecordOperations"),
    entry("GetServiceDefinition", 1..=1, "GetServiceDefinition"),
    entry("GetServiceDefinition", 2..=LATEST, "GetServiceDefinition2"),
    same("GetSpecialAccountInfo"),
    same("GetThingOperator"),
    same("GetThingOperatorHistory"),
    entry("GetThings", 1..=2, "GetThings"),
    entry("GetThings", 3..=LATEST, "GetThings3"),
    same("GetThingsBulk"),
    same("GetThingType"),
    same("GetThingTypePrivileged"),
    entry("GetUpdatedRecordsForApplication", 1..=1, "GetUpdatedRecordsForApplication"),
    entry("GetUpdatedRecordsForApplication", 2..=LATEST, "GetUpdatedRecordsForApplication2"),
    same("GetValidGroupMembership"),
    same("GetVocabulary"),
    same("GetVocabularyPrivileged"),
    same("IsValidHealthVaultAccount"),
    same("NewApplicationCreationInfo"),
    same("NewSignupCode"),
    same("OverwriteThings"),
    same("PermanentlyRemoveThings"),
    same("PutApplicationCacheItems"),
    same("PutThings"),
    same("PutThingsByClientIds"),
    same("QueryDrugList"),
    same("QueryPermissions"),
    entry("QueryPersons", 2..=LATEST, "QueryPersons2"),
    same("RemoveApplicationCacheItems"),
    same("ResetPassword"),
    same("SearchVocabulary"),
    same("SelectInstance"),
    same("SelectInstancePrivileged"),
    same("SubscribeToEvent"),
    same("UpdateDirectAddress"),
    same("ValidateConnectRequest"),
    same("ValidatePartnerConnectRequest"),
];

/// The response schema name for a method version, e.g. `("GetThings", 3)` gives
/// `"GetThings3"`; `None` if the method answers without a `wc:info` or is unknown.
pub fn response_schema_name(method: &str, version: u32) -> Option<&'static str> {
    RESPONSE_SCHEMAS.iter().find(|row| row.method == method && row.versions.contains(&version)).map(|row| row.schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::RESPONSE_NAMESPACE_PREFIX;
    use crate::testing::ReferenceDocs;

    #[test]
    fn versions_that_change_the_schema() {
        for (method, version, expected) in [
            ("GetThings", 1, Some("GetThings")),
            ("GetThings", 2, Some("GetThings")),
            ("GetThings", 3, Some("GetThings3")),
            ("CreateAuthenticatedSessionToken", 1, Some("CreateAuthenticatedSessionToken")),
            ("CreateAuthenticatedSessionToken", 2, Some("CreateAuthenticatedSessionToken2")),
            ("GetServiceDefinition", 1, Some("GetServiceDefinition")),
            ("GetServiceDefinition", 2, Some("GetServiceDefinition2")),
            ("GetUpdatedRecordsForApplication", 2, Some("GetUpdatedRecordsForApplication2")),
            ("PutThings", 1, Some("PutThings")),
            ("PutThings", 2, Some("PutThings")),
            ("SelectInstance", 1, Some("SelectInstance")),
            ("RemoveThings", 1, None),
            ("NoSuchMethod", 1, None),
        ] {
            assert_eq!(response_schema_name(method, version), expected, "{method} v{version}");
        }
    }

    #[test]
    fn rows_do_not_overlap() {
        for (index, row) in RESPONSE_SCHEMAS.iter().enumerate() {
            for other in &RESPONSE_SCHEMAS[index + 1..] {
                let overlap = row.method == other.method
                    && row.versions.start() <= other.versions.end()
                    && other.versions.start() <= row.versions.end();
                assert!(!overlap, "{row:?} overlaps {other:?}");
            }
        }
    }

    fn target_namespace(xsd: &str) -> Option<&str> {
        let start = xsd.find("targetNamespace=\"")? + "targetNamespace=\"".len();
        let length = xsd[start..].find('"')?;
        Some(&xsd[start..start + length])
    }

    /// Every row names an XSD whose `targetNamespace` is the namespace we write, and every
    /// response XSD (except the generic `response-any.xsd`) has a row.
    #[test]
    fn table_matches_the_xsd_files() {
        let Some(docs) = ReferenceDocs::locate("response schema table") else {
            return;
        };
        for row in RESPONSE_SCHEMAS {
            let file = format!("reference/xsd/response-{}.xsd", row.schema.to_lowercase());
            let xsd = docs.read(&file);
            let expected = format!("{RESPONSE_NAMESPACE_PREFIX}{}", row.schema);
            assert_eq!(target_namespace(&xsd), Some(expected.as_str()), "{file}");
        }
        let mut unlisted = Vec::new();
        for dir_entry in std::fs::read_dir(docs.xsd_dir()).unwrap() {
            let name = dir_entry.unwrap().file_name().to_string_lossy().into_owned();
            let Some(schema) = name.strip_prefix("response-").and_then(|rest| rest.strip_suffix(".xsd")) else {
                continue;
            };
            let listed = RESPONSE_SCHEMAS.iter().any(|row| row.schema.to_lowercase() == schema);
            if !listed && schema != "any" {
                unlisted.push(name);
            }
        }
        assert!(unlisted.is_empty(), "response XSDs with no table row: {unlisted:?}");
    }
}
