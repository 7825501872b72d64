#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_testkit::fuzzing::keygen_client_round2(data));
