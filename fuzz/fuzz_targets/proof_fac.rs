#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tandem_paillier::fuzzing::proof_fac(data));
