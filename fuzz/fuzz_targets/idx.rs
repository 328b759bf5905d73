//! Fuzz target `idx`: an IDX images and labels file, raw or gzip (`digitnet::data::idx`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    digitnet::fuzzing::run("idx", data);
});
