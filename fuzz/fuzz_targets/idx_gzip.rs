//! Fuzz target `idx_gzip`: any content, gzipped, read as IDX images and labels (the gunzipping reader's bounds).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    digitnet::fuzzing::run("idx_gzip", data);
});
