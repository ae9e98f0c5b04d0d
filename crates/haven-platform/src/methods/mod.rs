//! One module per Platform method.

pub(crate) mod get_service_definition;
