#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_protocol::fuzzing::presign_server_round3(data));
