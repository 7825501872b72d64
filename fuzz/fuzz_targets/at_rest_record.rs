#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = tandem_testkit::fuzzing::at_rest_record(data);
});
