//! Direct messaging's S/MIME and MIME, with no network and no database: Direct addresses
//! ([`DirectAddress`]), the instance's domain certificate and key ([`DomainIdentity`]) and the
//! trust anchors of accepted senders ([`TrustAnchors`]); [`receive`], which opens a message as
//! received over SMTP (S/MIME enveloped data decrypted with the domain key, a signature verified
//! up to a trust anchor, then the inner MIME read into an [`InboundMessage`] with its
//! attachments) or names why it must be refused ([`Refusal`], with its SMTP reply);
//! [`classify`], which recognises CCD, C-CDA, CDA and CCR attachments; and [`seal_outbound`],
//! which signs a reply with the domain key and encrypts it to the recipient's certificate.
//!
//! The SMTP listener, the message center and the outbound relay are other crates' concerns; they
//! hand this crate bytes and certificates, and store or send what it returns. Refusals and
//! errors never carry message content, so they can be logged as they are.

mod address;
mod classify;
mod identity;
mod mime;
mod receive;
mod refusal;
mod seal;

pub use address::{AddressError, DirectAddress};
pub use classify::{DocumentKind, classify};
pub use identity::{DomainIdentity, IdentityError, TrustAnchors};
pub use receive::{Attachment, InboundMessage, receive};
pub use refusal::{Refusal, SmtpReply};
pub use seal::{SealError, seal_outbound};
