#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_protocol::fuzzing::eddsa_client_response(data));
