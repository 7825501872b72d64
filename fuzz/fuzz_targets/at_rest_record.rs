#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = tandem_wallet::fuzzing::at_rest_record(data);
});
