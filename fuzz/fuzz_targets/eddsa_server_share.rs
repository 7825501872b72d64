#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_testkit::fuzzing::eddsa_server_share(data));
