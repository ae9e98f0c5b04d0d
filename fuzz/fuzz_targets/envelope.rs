//! Fuzzes what the Platform does with an untrusted request body before any authentication:
//! parse the envelope, then read its info as each method that takes client data would.
//! Nothing may panic, whatever the bytes.
#![no_main]

use haven_wire::methods::create_authenticated_session_token::SessionTokenRequest;
use haven_wire::methods::get_service_definition::GetServiceDefinitionRequest;
use haven_wire::methods::get_things::GetThingsRequest;
use haven_wire::methods::put_things::PutThingsRequest;
use haven_wire::methods::remove_things::RemoveThingsRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(request) = haven_wire::parse_request(text) else { return };
    let _ = request.header.msg_time_parsed();
    if let Some(hmac) = &request.hmac {
        let _ = hmac.decode();
    }
    let _ = SessionTokenRequest::from_request(&request);
    let _ = GetServiceDefinitionRequest::from_request(&request);
    let _ = GetThingsRequest::from_request(&request);
    let _ = PutThingsRequest::from_request(&request);
    let _ = RemoveThingsRequest::from_request(&request);
});
