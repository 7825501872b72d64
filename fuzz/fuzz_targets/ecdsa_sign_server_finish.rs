#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_testkit::fuzzing::ecdsa_sign_server_finish(data));
