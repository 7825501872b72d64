#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_testkit::fuzzing::full_sign_server_request(data));
