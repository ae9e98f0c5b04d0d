//! Fuzzes what an instance does with a Direct message from the network before it knows who
//! sent it: the RFC 5322 and MIME parsing and the S/MIME structure `haven_direct::receive`
//! reads before and around decryption, the sniffing of an attachment's document kind, and the
//! reconciliation of a clinical document's entries into things.
//! Nothing may panic, whatever the bytes. The domain key and certificate are a throw-away
//! pair made for fuzzing (`fuzz/keys/`), never used anywhere else.
#![no_main]

use std::sync::OnceLock;

use haven_direct::{Attachment, DomainIdentity, TrustAnchors, classify, receive, reconcile};
use libfuzzer_sys::fuzz_target;

fn identity() -> &'static (DomainIdentity, TrustAnchors) {
    static IDENTITY: OnceLock<(DomainIdentity, TrustAnchors)> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let certificate = include_bytes!("../keys/domain-cert.pem");
        let key = include_bytes!("../keys/domain-key.pem");
        let domain = DomainIdentity::from_pem(certificate, key).expect("the fuzzing key pair loads");
        let anchors = TrustAnchors::from_pem(certificate).expect("the fuzzing anchor loads");
        (domain, anchors)
    })
}

fuzz_target!(|data: &[u8]| {
    let (domain, anchors) = identity();
    let _ = receive(data, domain, anchors);
    for content_type in ["application/xml", "text/xml", "application/cda+xml", "application/octet-stream"] {
        let attachment =
            Attachment { file_name: None, content_type: content_type.to_owned(), content: data.to_vec() };
        let _ = classify(&attachment);
    }
    let _ = reconcile(data);
});
