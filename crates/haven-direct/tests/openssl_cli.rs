//! Direct messages built and checked by the `openssl` command line, as a provider's gateway
//! would build them: a test trust anchor with a provider under it, a second, untrusted anchor
//! with its own provider, and the instance's domain certificate under Haven's own anchor, all
//! made afresh in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test fixtures fail loudly")]

mod support;

use std::process::Command;

use haven_direct::{
    DirectAddress, DomainIdentity, IdentityError, RecipientCertificates, Refusal, TrustAnchors, receive, seal_outbound,
};
use openssl::x509::X509;
use support::{DirectPki, Pki, assert_accepted_visit, provider_message, s};

#[test]
fn accepts_a_signed_and_encrypted_message_with_a_ccda() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_accepted_visit(&pki.receive(&raw).unwrap());
}

#[test]
fn accepts_opaque_signed_data_and_bare_line_feeds() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, true);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_accepted_visit(&pki.receive(&raw).unwrap());
    // A relay that turned the outer message's CRLFs into LFs changes nothing inside the CMS.
    let lf_only: Vec<u8> = raw.iter().copied().filter(|&byte| byte != b'\r').collect();
    assert_accepted_visit(&pki.receive(&lf_only).unwrap());
}

#[test]
fn refuses_a_tampered_signature() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    let tampered = String::from_utf8(std::fs::read(&signed).unwrap()).unwrap().replace("Hello Jane", "Jello Jane");
    let tampered = pki.write("tampered.eml", tampered.as_bytes());
    let raw = pki.encrypt(&tampered, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::BadSignature));
    assert_eq!(Refusal::BadSignature.smtp_reply().to_string(), "554 5.7.7 Message signature does not verify");
}

#[test]
fn refuses_a_trusted_signer_writing_as_another_sender() {
    let pki = Pki::new();
    let trusted =
        support::Leaf { certificate: pki.trusted_anchor.clone(), key: pki.trusted_anchor.with_extension("key") };
    let other = haven_testkit::pki::leaf(pki.dir.path(), "other-clinic", &trusted, "email:desk@other-clinic.example");
    let signed = pki.sign(&provider_message("Hello Jane"), &other, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::SenderMismatch), "From: dr.smith@provider.example");
    assert_eq!(Refusal::SenderMismatch.smtp_reply().code, 550);
    // A certificate bound to the sender's domain (an organisation's) may sign for any address in it.
    let organisation = haven_testkit::pki::leaf(pki.dir.path(), "organisation", &trusted, "DNS:provider.example");
    let signed = pki.sign(&provider_message("Hello Jane"), &organisation, false);
    assert_accepted_visit(&pki.receive(&pki.encrypt(&signed, &pki.instance.certificate)).unwrap());
}

#[test]
fn refuses_a_sender_under_an_untrusted_anchor() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.rogue_provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::UntrustedSender));
    // The same message is accepted once its anchor is trusted.
    let both = TrustAnchors::load([&pki.trusted_anchor, &pki.untrusted_anchor]).unwrap();
    assert_accepted_visit(&receive(&raw, &pki.instance_identity(), &both).unwrap());
}

#[test]
fn refuses_a_message_encrypted_to_another_key() {
    let pki = Pki::new();
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.other_instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::CannotDecrypt));
    assert_eq!(Refusal::CannotDecrypt.smtp_reply().enhanced, "5.7.5");
}

#[test]
fn refuses_malformed_mime() {
    let pki = Pki::new();
    let no_boundary = String::from_utf8(provider_message("Hello Jane"))
        .unwrap()
        .replace("multipart/mixed; boundary=\"mixed-1\"", "multipart/mixed");
    let signed = pki.sign(no_boundary.as_bytes(), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::MalformedMime { detail: "a multipart without a boundary" }));

    let unterminated = String::from_utf8(provider_message("Hello Jane")).unwrap().replace("--mixed-1--", "");
    let signed = pki.sign(unterminated.as_bytes(), &pki.provider, false);
    let raw = pki.encrypt(&signed, &pki.instance.certificate);
    let refusal = Refusal::MalformedMime { detail: "a multipart without its closing delimiter" };
    assert_eq!(pki.receive(&raw), Err(refusal));

    let garbage = pki.receive(b"\x00\x01\x02 not a message");
    assert_eq!(garbage, Err(Refusal::MalformedMime { detail: "the message has no header section" }));

    let bad_base64 = b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\
                       Content-Transfer-Encoding: base64\r\n\r\n!!!! not base64 ****\r\n";
    assert_eq!(pki.receive(bad_base64), Err(Refusal::MalformedSmime));
    assert_eq!(Refusal::MalformedMime { detail: "x" }.smtp_reply().enhanced, "5.6.0");
}

#[test]
fn refuses_plain_and_signed_only_mail() {
    let pki = Pki::new();
    assert_eq!(pki.receive(&provider_message("Hello Jane")), Err(Refusal::NotEncrypted));
    let signed = pki.sign(&provider_message("Hello Jane"), &pki.provider, false);
    assert_eq!(pki.receive(&std::fs::read(signed).unwrap()), Err(Refusal::NotEncrypted));
    let opaque = pki.sign(&provider_message("Hello Jane"), &pki.provider, true);
    assert_eq!(pki.receive(&std::fs::read(opaque).unwrap()), Err(Refusal::NotEncrypted));
    assert_eq!(Refusal::NotEncrypted.smtp_reply().to_string(), "554 5.7.1 Direct messages must be S/MIME encrypted");
}

#[test]
fn refuses_encrypted_but_unsigned_mail() {
    let pki = Pki::new();
    let plain = pki.write("plain.eml", &provider_message("Hello Jane"));
    let raw = pki.encrypt(&plain, &pki.instance.certificate);
    assert_eq!(pki.receive(&raw), Err(Refusal::NotSigned));
}

const REPLY: &str = "From: Jane Doe <jane@direct.haven.test>\n\
                     To: dr.smith@provider.example\n\
                     Subject: Re: Your visit summary\n\
                     Message-ID: <reply-1@direct.haven.test>\n\
                     In-Reply-To: <visit-1@provider.example>\n\
                     MIME-Version: 1.0\n\
                     Content-Type: text/plain; charset=utf-8\n\
                     \n\
                     Thank you, Dr Smith.\n";

#[test]
fn an_outbound_reply_decrypts_and_verifies_with_openssl() {
    let pki = Pki::new();
    let provider_certificate = X509::from_pem(&std::fs::read(&pki.provider.certificate).unwrap()).unwrap();
    let sealed = seal_outbound(REPLY.as_bytes(), &pki.instance_identity(), &provider_certificate).unwrap();
    let sealed_text = String::from_utf8(sealed.clone()).unwrap();
    assert!(sealed_text.starts_with("From: Jane Doe <jane@direct.haven.test>\r\nTo: dr.smith@provider.example\r\n"));
    assert!(sealed_text.contains("Content-Type: application/pkcs7-mime; smime-type=enveloped-data"));
    assert!(!sealed_text.contains("Thank you"), "the body travels only encrypted");

    assert_eq!(pki.open_sealed(&sealed, &pki.provider, &pki.haven_anchor), REPLY.replace('\n', "\r\n"));

    // A gateway that trusts some other anchor refuses the signature (of the content
    // `open_sealed` left decrypted).
    let wrong_anchor = Command::new("openssl")
        .args(["cms", "-verify", "-in", s(&pki.path("decrypted.eml")), "-CAfile", s(&pki.trusted_anchor)])
        .output()
        .unwrap();
    assert!(!wrong_anchor.status.success());
}

#[test]
fn an_outbound_reply_is_received_by_another_haven() {
    let pki = Pki::new();
    // The provider's side plays the receiving instance: it trusts Haven's anchor.
    let provider = DomainIdentity::load(&pki.provider.certificate, &pki.provider.key).unwrap();
    let instance_certificate = X509::from_pem(&std::fs::read(&pki.instance.certificate).unwrap()).unwrap();
    let sealed = seal_outbound(REPLY.as_bytes(), &pki.instance_identity(), &instance_certificate).unwrap();
    let haven_anchors = TrustAnchors::load([&pki.haven_anchor]).unwrap();
    let received = receive(&sealed, &pki.instance_identity(), &haven_anchors).unwrap();
    assert_eq!(received.from.as_str(), "jane@direct.haven.test");
    assert_eq!(received.subject.as_deref(), Some("Re: Your visit summary"));
    assert_eq!(received.text.as_deref(), Some("Thank you, Dr Smith.\r\n"));
    assert!(received.attachments.is_empty());
    // Sealed to the instance, it cannot be opened with the provider's key.
    assert_eq!(receive(&sealed, &provider, &haven_anchors), Err(Refusal::CannotDecrypt));
    // And the provider's anchors do not cover Haven's signature.
    assert_eq!(receive(&sealed, &pki.instance_identity(), &pki.trusted_anchors()), Err(Refusal::UntrustedSender));
}

#[test]
fn loading_names_what_is_wrong() {
    let pki = Pki::new();
    let mismatched = DomainIdentity::load(&pki.instance.certificate, &pki.provider.key);
    assert!(matches!(mismatched, Err(IdentityError::KeyMismatch)), "{mismatched:?}");
    let no_certificate = DomainIdentity::load(&pki.instance.key, &pki.instance.key);
    assert!(matches!(no_certificate, Err(IdentityError::NoCertificate)), "{no_certificate:?}");
    let missing = DomainIdentity::load(&pki.path("missing.pem"), &pki.instance.key);
    assert!(matches!(missing, Err(IdentityError::Read { .. })), "{missing:?}");
    let not_pem = TrustAnchors::load([&pki.instance.key]);
    assert!(matches!(not_pem, Err(IdentityError::NoCertificateInFile { .. })), "{not_pem:?}");
    assert!(matches!(TrustAnchors::from_pem(b""), Err(IdentityError::NoTrustAnchors)));
    let bundle = [std::fs::read(&pki.trusted_anchor).unwrap(), std::fs::read(&pki.haven_anchor).unwrap()].concat();
    assert_eq!(TrustAnchors::from_pem(&bundle).unwrap().certificates().len(), 2);
    let identity = pki.instance_identity();
    assert!(format!("{identity:?}").contains("CN=instance"));
    assert!(!format!("{identity:?}").contains("PRIVATE"));
}

#[test]
fn recipient_certificates_are_found_by_address_then_domain_under_an_anchor() {
    let pki = Pki::new();
    let anchors = pki.trusted_anchors();
    let configured =
        RecipientCertificates::load([&pki.provider.certificate, &pki.rogue_provider.certificate, &pki.trusted_anchor])
            .unwrap();
    assert_eq!(configured.len(), 2, "the anchor is not a recipient");
    let provider = X509::from_pem(&std::fs::read(&pki.provider.certificate).unwrap()).unwrap();
    let address = |text: &str| DirectAddress::parse(text).unwrap();
    let found = configured.certificate_for(&address("Dr.Smith@provider.example"), &anchors).unwrap();
    assert_eq!(found.to_der().unwrap(), provider.to_der().unwrap(), "by address, not the rogue one");
    let by_domain = configured.certificate_for(&address("front.desk@provider.example"), &anchors).unwrap();
    assert_eq!(by_domain.to_der().unwrap(), provider.to_der().unwrap(), "the organisation's certificate");
    assert!(configured.certificate_for(&address("someone@elsewhere.example"), &anchors).is_none());
    let untrusting = TrustAnchors::load([&pki.untrusted_anchor]).unwrap();
    let rogue = X509::from_pem(&std::fs::read(&pki.rogue_provider.certificate).unwrap()).unwrap();
    let found = configured.certificate_for(&address("dr.smith@provider.example"), &untrusting).unwrap();
    assert_eq!(found.to_der().unwrap(), rogue.to_der().unwrap(), "only certificates under the anchors count");

    // A trust bundle holding a provider's certificate beside its anchor serves as well.
    let bundle =
        [std::fs::read(&pki.trusted_anchor).unwrap(), std::fs::read(&pki.provider.certificate).unwrap()].concat();
    let bundle_anchors = TrustAnchors::from_pem(&bundle).unwrap();
    let discovered = RecipientCertificates::from_certificates(Vec::new()).with_leaves_of(&bundle_anchors);
    assert!(discovered.certificate_for(&address("dr.smith@provider.example"), &bundle_anchors).is_some());
    assert!(RecipientCertificates::load([pki.path("missing.pem")]).is_err());
}
