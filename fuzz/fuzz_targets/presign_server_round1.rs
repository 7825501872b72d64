#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_testkit::fuzzing::presign_server_round1(data));
