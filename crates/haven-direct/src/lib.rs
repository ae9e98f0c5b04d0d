//! Direct messaging's S/MIME and MIME, with no network and no database: Direct addresses
//! ([`DirectAddress`]), the instance's domain certificate and key ([`DomainIdentity`]) and the
//! trust anchors of accepted senders ([`TrustAnchors`]); [`receive`], which opens a message as
//! received over SMTP (S/MIME enveloped data decrypted with the domain key, a signature verified
//! up to a trust anchor, then the inner MIME read into an [`InboundMessage`] with its
//! attachments) or names why it must be refused ([`Refusal`], with its SMTP reply);
//! [`classify`], which recognises CCD, C-CDA, CDA and CCR attachments; [`reconcile`], which
//! turns such a document's problems, medications, allergies, results and immunizations into
//! [`ReconciledItem`]s (a summary, and thing data that validates as its type in `haven-domain`)
//! for the person to review before adding them; and [`seal_outbound`],
//! which signs a reply with the domain key and encrypts it to the recipient's certificate,
//! found by address or domain in [`RecipientCertificates`].
//!
//! The [`smtp`] module is the listener: it accepts mail for the Direct domain (with STARTTLS),
//! opens it with [`receive`] and hands it to a [`smtp::Mailbox`], which the message center
//! implements. The message center itself and the outbound relay are other crates' concerns; they
//! store or send what this crate returns. Refusals and errors never carry message content, so
//! they can be logged as they are.

mod address;
mod classify;
mod identity;
mod mime;
mod receive;
mod recipients;
mod reconcile;
mod refusal;
mod seal;
pub mod smtp;

pub use address::{AddressError, DirectAddress};
pub use classify::{DocumentKind, classify};
pub use identity::{DomainIdentity, IdentityError, TrustAnchors};
pub use receive::{Attachment, InboundMessage, receive};
pub use recipients::RecipientCertificates;
pub use reconcile::{ReconcileError, ReconciledItem, ReconciledSection, reconcile};
pub use refusal::{Refusal, SmtpReply};
pub use seal::{SealError, seal_outbound};
