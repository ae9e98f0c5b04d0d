//! The HealthVault XML wire format, shared by the server, the SDK and the CLI. This crate
//! owns the request envelope as received (`wc-request:request` with its `auth`, `header` and
//! `info`, and the exact bytes of `<header>` and `<info>` that signatures cover), the response
//! envelope (`response/status/code`, `error/message`, `wc:info` in the response schema's
//! namespace), the status codes, and one typed request/response module per method under
//! [`methods`]. It parses and writes text only: no crypto, no HTTP, no storage. The domain has
//! no XML knowledge; XML lives here.

pub mod base64_text;
pub mod date_time;
pub mod error;
pub mod instance;
pub mod methods;
pub mod notification;
pub mod record_info;
pub mod request;
pub mod response;
pub mod status;
pub mod thing_xml;
mod xml;

#[cfg(test)]
mod golden_samples;
#[cfg(test)]
mod testing;

pub use error::WireError;
pub use request::{Request, parse_request};
pub use response::{ParsedResponse, Response, ResponseInfo, parse_response};
pub use status::StatusCode;
