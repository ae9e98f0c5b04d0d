//! HealthVault status codes: the number in `<response><status><code>`.
//!
//! The names and meanings are those of the HealthVault docs
//! (`concepts/xml-api/status-codes.md`); a test checks this table against that page when the
//! reference docs are present. The .NET SDK knows further codes (162 to 190 and negative
//! client-only ones); they have no constant here and [`StatusCode::name`] returns `None`.

use std::fmt;

/// A HealthVault status code. Any `u32` can be held, so codes from newer servers survive a
/// round trip; the constants name those the docs list.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(u32);

macro_rules! status_codes {
    ($($(#[doc = $doc:literal])* $name:ident = $value:literal,)+) => {
        impl StatusCode {
            $(
                $(#[doc = $doc])*
                pub const $name: StatusCode = StatusCode($value);
            )+

            /// The HealthVault name of this code (e.g. `"BAD_SIG"` for 4), or `None` for a code
            /// the docs do not list.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)+
                    _ => None,
                }
            }
        }

        /// Every named code, in numeric order.
        #[cfg(test)]
        pub(crate) const ALL_NAMED: &[StatusCode] = &[$(StatusCode::$name,)+];
    };
}

impl StatusCode {
    /// Wraps a code read from a response or chosen by the server.
    pub const fn new(code: u32) -> Self {
        Self(code)
    }

    /// The number written in `<code>`.
    pub const fn code(self) -> u32 {
        self.0
    }

    /// Whether this is `OK` (0); every other code is an error.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }
}

/// `NAME (n)` for named codes, `n` otherwise.
impl fmt::Display for StatusCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(formatter, "{name} ({})", self.0),
            None => write!(formatter, "{}", self.0),
        }
    }
}

impl fmt::Debug for StatusCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "StatusCode({self})")
    }
}

status_codes! {
    /// The request was successful.
    OK = 0,
    /// Generic failure due to unknown causes or internal error.
    FAILED = 1,
    /// HTTP protocol problem.
    BAD_HTTP = 2,
    /// Request XML cannot be parsed or is non-conformant.
    INVALID_XML = 3,
    /// Signature validation failed.
    BAD_SIG = 4,
    /// No such method.
    BAD_METHOD = 5,
    /// App does not exist app is invalid app is not active or calling IP is invalid.
    INVALID_APP = 6,
    /// Credential token has expired need a new one.
    CREDENTIAL_TOKEN_EXPIRED = 7,
    /// Auth token malformed or otherwise busted.
    INVALID_TOKEN = 8,
    /// Person does not exist or is not active.
    INVALID_PERSON = 9,
    /// Given record id does not exist.
    INVALID_RECORD = 10,
    /// Person or app does not have sufficient rights.
    ACCESS_DENIED = 11,
    /// The functionality being accessed is not yet implemented.
    NYI = 12,
    /// Invalid thing identifier.
    INVALID_THING = 13,
    /// Data table already exists with incompatible units.
    CANT_CONVERT_UNITS = 14,
    /// Missing or invalid GetThingsFilter.
    INVALID_FILTER = 15,
    /// Missing or invalid GetThings format specifier.
    INVALID_FORMAT = 16,
    /// A credential was supplied without a shared secret.
    MISSING_SHARED_SECRET = 17,
    /// Authorized_applications entry missing.
    INVALID_APPAUTH = 18,
    /// Thing type doesn't exist.
    INVALID_THING_TYPE = 19,
    /// Can't update things of this type.
    THING_TYPE_IMMUTABLE = 20,
    /// Can't create things of this type.
    THING_TYPE_UNCREATABLE = 21,
    /// Duplicate Credential found.
    DUPLICATE_CREDENTIAL_FOUND = 22,
    /// Invalid Record name.
    INVALID_RECORD_NAME = 23,
    /// Cannot find the drug specified.
    DRUG_NOT_FOUND = 24,
    /// Invalid person state.
    INVALID_PERSON_STATE = 25,
    /// Requested code set was not found.
    INVALID_CODESET = 26,
    /// Invalid validation token for contact email validation.
    INVALID_VALIDATION_TOKEN = 28,
    /// Invalid contact email.
    INVALID_CONTACT_EMAIL = 30,
    /// Invalid login name.
    INVALID_LOGIN_NAME = 31,
    /// Invalid password.
    INVALID_PASSWORD = 32,
    /// Open query id not found.
    INVALID_OPENQUERY = 33,
    /// Transform cannot be loaded.
    INVALID_TRANSFORM = 34,
    /// Invalid relationship type.
    INVALID_RELATIONSHIP_TYPE = 35,
    /// Invalid credential type.
    INVALID_CREDENTIAL_TYPE = 36,
    /// Invalid record state.
    INVALID_RECORD_STATE = 37,
    /// Application authorization is not required for this app.
    APP_AUTH_NOT_REQUIRED = 38,
    /// The request provided has exceeded maximum allowed request length.
    REQUEST_TOO_LONG = 39,
    /// Duplicate authorized record found.
    DUPLICATE_AUTHORIZED_RECORD_FOUND = 40,
    /// Person email must be validated but it's not.
    EMAIL_NOT_VALIDATED = 41,
    /// The email address specified to SendInsecureMessage is malformed.
    MAIL_ADDRESS_MALFORMED = 45,
    /// The password does not meet the complexity requirements.
    PASSWORD_NOT_STRONG = 46,
    /// The last custodian for a record cannot be removed.
    CANNOT_REMOVE_LAST_CUSTODIAN = 47,
    /// The email address is invalid.
    INVALID_EMAIL_ADDRESS = 48,
    /// The request sent to HealthVault reached its time to live and is now too old to be processed.
    REQUEST_TIMED_OUT = 49,
    /// The sponsor email address is invalid.
    INVALID_SPONSOR_EMAIL = 50,
    /// Promotion token is invalid.
    INVALID_PROMOTION_TOKEN = 51,
    /// Record authorization token is invalid.
    INVALID_RECORD_AUTHORIZATION_TOKEN = 52,
    /// GetThings Query has too many request groups.
    TOO_MANY_GROUPS_IN_QUERY = 53,
    /// The permissions to be granted exceed the default permissions available to be granted. e.g. an attempt to grant all access when only read access is available.
    GRANT_AUTHZ_EXCEEDS_DEFAULT = 54,
    /// Requested vocabulary was not found.
    INVALID_VOCABULARY = 55,
    /// A vocabulary could not be loaded (the docs table repeats DUPLICATE_APPLICATION_FOUND here; the .NET SDK names 56 VocabularyLoadError).
    VOCABULARY_LOAD_ERROR = 56,
    /// Record authorization token has expired.
    RECORD_AUTHORIZATION_TOKEN_EXPIRED = 57,
    /// Record authorization does not exist.
    RECORD_AUTHORIZATION_DOES_NOT_EXIST = 58,
    /// Can't delete things of this type.
    THING_TYPE_UNDELETABLE = 59,
    /// Version stamp is missing.
    VERSION_STAMP_MISSING = 60,
    /// Version stamp mismatch.
    VERSION_STAMP_MISMATCH = 61,
    /// Requested open query has expired.
    EXPIRED_OPENQUERY = 62,
    /// Public key is invalid.
    INVALID_PUBLIC_KEY = 63,
    /// The application's domain name hasn't been set.
    DOMAIN_NAME_NOT_SET = 64,
    /// Authenticated session token has expired need a new one.
    AUTHENTICATED_SESSION_TOKEN_EXPIRED = 65,
    /// The credential key was not found.
    INVALID_CREDENTIAL_KEY = 66,
    /// Pseudo id for person not valid.
    INVALID_PERSON_ID = 67,
    /// The size occupied by the things in the put things request will cause the record to exceed the size quota alloted to it.
    RECORD_QUOTA_EXCEEDED = 68,
    /// The DateTime supplied is invalid (exceeds the bounds for the DateTime).
    INVALID_DATETIME = 69,
    /// Certificate validation failed.
    BAD_CERT = 70,
    /// The response has exceeded maximum allowed size.
    RESPONSE_TOO_LONG = 71,
    /// Verification question for connect request invalid.
    INVALID_VERIFICATION_QUESTION = 72,
    /// The verification answer for the connect request is invalid.
    INVALID_VERIFICATION_ANSWER = 73,
    /// There is no connect request corresponding to the given code.
    INVALID_IDENTITY_CODE = 74,
    /// Maximum number of retries has been exceeded.
    RETRY_LIMIT_EXCEEDED = 75,
    /// Request header culture not supported.
    CULTURE_NOT_SUPPORTED = 76,
    /// The file extension is not supported.
    INVALID_FILE_EXTENSION = 77,
    /// The vocabulary item does not exist.
    INVALID_VOCABULARY_ITEM = 78,
    /// Duplicate connect request found.
    DUPLICATE_CONNECT_REQUEST_FOUND = 79,
    /// The account type specified is invalid.
    INVALID_SPECIAL_ACCOUNT_TYPE = 80,
    /// A type with the specified identifier already exists.
    DUPLICATE_TYPE_FOUND = 81,
    /// Credential not found.
    CREDENTIAL_NOT_FOUND = 82,
    /// Attempt to delete last credential associated with an account.
    CANNOT_REMOVE_LAST_CREDENTIAL = 83,
    /// The connect request has been previously authorized.
    CONNECT_REQUEST_ALREADY_AUTHORIZED = 84,
    /// The type specified to update an instance of a thing is an older version of the type than the existing instance.
    INVALID_THING_TYPE_VERSION = 85,
    /// The maximum number of allowed credentials has been exceeded.
    CREDENTIALS_LIMIT_EXCEEDED = 86,
    /// One or more invalid methods were specified in the method mask.
    INVALID_METHOD = 87,
    /// The blob reference URL supplied for the blob streaming API is invalid.
    INVALID_BLOB_REF_URL = 88,
    /// Other data put in to HealthVault via the streaming API cannot be requested as an other data string.
    CANNOT_GET_STREAMED_OTHER_DATA = 89,
    /// The type version of the thing cannot be changed without a data XML supplied for validation.
    UPDATE_THING_TYPE_VERSION_NO_DATA_XML = 90,
    /// The content encoding specified for the blob is not supported.
    UNSUPPORTED_CONTENT_ENCODING = 91,
    /// The content encoding specified for the blob does not match the blob data.
    CONTENT_ENCODING_DATA_MISMATCH = 92,
    /// The user exceeded the maximum number of applications allowed.
    APPLICATION_LIMIT_EXCEEDED = 93,
    /// The specified binary content identifier was not found.
    INVALID_BINARY_CONTENT_ID = 94,
    /// The connect request was found but does not yet have any contents.
    CONNECT_REQUEST_INCOMPLETE = 95,
    /// The connect package has already been fully created and populated.
    CONNECT_PACKAGE_EXISTS = 96,
    /// The file name is not supported.
    INVALID_FILE_NAME = 97,
    /// The signup code is invalid.
    INVALID_SIGNUP_CODE = 98,
    /// The blob is too large and cannot be returned inline.
    BLOB_SIZE_TOO_LARGE_FOR_INLINE = 99,
    /// A blob of this name is already present in the request.
    DUPLICATE_BLOB = 100,
    /// The blob token corresponds to a blob that is already committed.
    BLOB_TOKEN_COMMITTED = 101,
    /// The blob token corresponds to a blob that was not marked completed through the streaming interface.
    BLOB_TOKEN_NOT_COMPLETED = 102,
    /// The thing being updated has data items that cannot be seen in this version, e.g. signatures with new signature methods or multiple blobs.
    THING_POTENTIALLY_INCOMPLETE = 104,
    /// The signature algorithm is not valid.
    INVALID_SIGNATURE_ALGORITHM = 105,
    /// The blob hash algorithm is invalid or not supported.
    INVALID_BLOB_HASH_ALGORITHM = 106,
    /// The blob hash block size is unsupported.
    UNSUPPORTED_BLOB_HASH_BLOCK_SIZE = 107,
    /// The specified blob hash algorithm does not match the blob's hash algorithm.
    BLOB_HASH_ALGORITHM_MISMATCH = 108,
    /// The specified blob hash block size does not match the blob's hash block size.
    BLOB_HASH_BLOCK_SIZE_MISMATCH = 109,
    /// The signature method is not supported in the context it is being used.
    UNSUPPORTED_SIGNATURE_METHOD = 110,
    /// The specified blob hash is invalid.
    INVALID_BLOB_HASH = 111,
    /// The blob is associated with a connect package that is not yet created.
    PACKAGE_BLOB_NOT_COMMITTED = 112,
    /// Changing the application state from deleted is not supported.
    APPLICATION_STATE_TRANSITION_NOT_SUPPORTED = 113,
    /// The contents of the connect package are not valid XML.
    INVALID_PACKAGE_CONTENTS = 120,
    /// The content type is not supported.
    INVALID_CONTENT_TYPE = 121,
    /// The contents of the connect package must be validated before they are put into a health record.
    CONNECT_PACKAGE_VALIDATION_REQUIRED = 122,
    /// Invalid thing state.
    INVALID_THING_STATE = 123,
    /// The maximum number of things specified has been exceeded.
    TOO_MANY_THINGS_SPECIFIED = 124,
    /// The directory item passed in is invalid.
    INVALID_DIRECTORY_ITEM = 126,
    /// The vocabulary authorization is invalid.
    INVALID_VOCABULARY_AUTHORIZATION = 129,
    /// Access to the requested vocabulary is denied.
    VOCABULARY_ACCESS_DENIED = 130,
    /// The personal flag is not supported with this type.
    UNSUPPORTED_PERSONAL_FLAG = 131,
    /// The requested subscription was not found.
    SUBSCRIPTION_NOT_FOUND = 132,
    /// The number of subscriptions for the application was exceeded.
    SUBSCRIPTION_LIMIT_EXCEEDED = 133,
    /// The subscription contains invalid data.
    SUBSCRIPTION_INVALID = 134,
    /// Invalid App Creation Token.
    APPLICATION_CREATION_TOKEN_INVALID = 135,
    /// An application with the same ID already exists.
    DUPLICATE_APPLICATION_FOUND = 136,
    /// Sharing requesting application not found.
    SHARING_REQUESTING_APPLICATION_NOT_FOUND = 137,
    /// An encrypted credential was expired.
    ENCRYPTED_CREDENTIAL_EXPIRED = 138,
    /// The alternate id already exists.
    DUPLICATE_ALTERNATE_ID = 139,
    /// The alternate id was not found.
    ALTERNATE_ID_NOT_FOUND = 140,
    /// The maximum number of alternate ids has been exceeded.
    ALTERNATE_IDS_LIMIT_EXCEEDED = 141,
    /// The alternate id was not specified.
    ALTERNATE_ID_MISSING = 142,
    /// The requested record Audit was not found.
    RECORD_AUDIT_NOT_FOUND = 143,
    /// The pin for the record sharing invitation was incorrect.
    RECORD_SHARING_INVITATION_PIN_MISMATCH = 144,
    /// The maximum number of attempts for accepted/rejected the sharing invitation has been exceeded.
    RECORD_SHARING_MAXIMUM_NUMBER_OF_ATTEMPTS_EXCEEDED = 145,
    /// Optimistic concurrency violation detected.
    CONCURRENCY_VIOLATION = 146,
    /// The record location is not supported by the application.
    RECORD_LOCATION_NOT_SUPPORTED = 147,
    /// The number of messages to be enqueued exceeds the config-defined limit.
    TOO_MANY_MESSAGES = 148,
    /// There was an error when trying to add the messages to the queue.
    COULD_NOT_ENQUEUE = 149,
    /// The specified location already exists for this application, or a warning message in the specified language already exists for this location.
    DUPLICATE_APP_LOCATION_INFO = 150,
    /// The auth allowed warning messages are not required in the input for the remove app locations method.
    REMOVELOCATIONS_INVALID_WARNINGMESSAGES = 151,
    /// Platform is currently in read-only mode due to maintenance.
    MAINTENANCE_MODE_ACCESS_DENIED = 152,
    /// The specified instance ID is not valid.
    INVALID_INSTANCE_ID = 153,
    /// Cannot update immutable thing instance.
    CANNOT_UPDATE_IMMUTABLE_THING = 154,
    /// Cannot create immutable thing instance.
    CANNOT_CREATE_IMMUTABLE_THING = 155,
    /// Cannot change immutable flag to false if it is true.
    CANNOT_CHANGE_IMMUTABLE_FLAG = 156,
    /// Age not supported for new accounts.
    INVALID_AGE = 157,
    /// IP Address not supported.
    INVALID_IP_ADDRESS = 158,
    /// MSA Ticket invalid.
    INVALID_MSA_TICKET = 159,
    /// Max records exceeded.
    MAX_RECORDS_EXCEEDED = 160,
    /// Cannot set immutable flag when updating thing.
    CANNOT_SET_IMMUTABLE_FLAG = 161,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ReferenceDocs;

    #[test]
    fn named_codes_and_numbers() {
        assert_eq!(StatusCode::OK.code(), 0);
        assert!(StatusCode::OK.is_ok());
        assert_eq!(StatusCode::BAD_SIG.name(), Some("BAD_SIG"));
        assert_eq!(StatusCode::INVALID_APP.code(), 6);
        assert_eq!(StatusCode::CANNOT_SET_IMMUTABLE_FLAG.code(), 161);
        assert_eq!(StatusCode::AUTHENTICATED_SESSION_TOKEN_EXPIRED.code(), 65);
        assert_eq!(StatusCode::new(190).name(), None);
        assert_eq!(StatusCode::INVALID_XML.to_string(), "INVALID_XML (3)");
        assert_eq!(StatusCode::new(999).to_string(), "999");
    }

    #[test]
    fn codes_are_unique_and_ordered() {
        for pair in ALL_NAMED.windows(2) {
            assert!(pair[0].code() < pair[1].code(), "{:?} then {:?}", pair[0], pair[1]);
        }
    }

    /// Every row of the docs' status-code table is a constant with the same name, except 56,
    /// which the table mislabels (see [`StatusCode::VOCABULARY_LOAD_ERROR`]).
    #[test]
    fn table_matches_the_docs() {
        let Some(docs) = ReferenceDocs::locate("status code table") else {
            return;
        };
        let page = docs.read("concepts/xml-api/status-codes.md");
        let cells: Vec<&str> =
            page.split("<td><p>").skip(1).map(|cell| cell.split("</p></td>").next().unwrap_or_default()).collect();
        let mut rows = 0;
        for row in cells.chunks(3) {
            let (name, code) = (row[0], row[1].parse::<u32>().unwrap());
            rows += 1;
            if code == 56 {
                continue;
            }
            assert_eq!(StatusCode::new(code).name(), Some(name), "code {code}");
        }
        assert_eq!(rows, ALL_NAMED.len());
    }
}
