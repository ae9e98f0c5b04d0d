//! Fuzzes what Haven does with a DOPU package an application dropped off: the Platform reads
//! the package thing's data-xml into parameters, and the Shell opens the ciphertext with the
//! answer a person types and reads the things inside. Nothing may panic, whatever the bytes.
//!
//! The input is split at its first NUL: before it, the data-xml; after it, the ciphertext.
//! Parameters asking for many PBKDF2 rounds are opened with one round instead, so the fuzzer
//! spends its time in parsing, decryption and padding, not in key derivation.
#![no_main]

use haven_package::{PackageAlgorithm, PackageParameters, open};
use haven_wire::thing_xml::parse_submitted_things;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|byte| *byte == 0).unwrap_or(data.len());
    let (head, ciphertext) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    if let Ok(data_xml) = std::str::from_utf8(head) {
        if let Ok(mut parameters) = PackageParameters::from_data_xml(data_xml) {
            let _ = parameters.to_data_xml();
            parameters.iteration_count = 1;
            let _ = open(&parameters, "an answer", ciphertext);
        }
        // The things a package holds, as the Shell reads them once the answer opened it.
        let _ = parse_submitted_things(data_xml);
    }
    for algorithm in [PackageAlgorithm::HmacSha256Aes256, PackageAlgorithm::HmacSha1TripleDes] {
        let parameters = PackageParameters {
            algorithm,
            salt: "fuzz".to_owned(),
            iteration_count: 1,
            key_length_bits: algorithm.default_key_length_bits(),
        };
        let _ = open(&parameters, "an answer", ciphertext);
    }
});
