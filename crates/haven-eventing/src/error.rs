//! Why a delivery worker cannot be built.

/// Why [`crate::DeliveryWorker::new`] refused.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The settings break one of [`crate::DeliverySettings::check`]'s rules.
    #[error("invalid delivery settings: {0}")]
    InvalidSettings(String),
    /// The HTTP client could not be built (its TLS set-up failed).
    #[error("cannot build the HTTP client for notification delivery: {0}")]
    HttpClient(#[from] reqwest::Error),
}
