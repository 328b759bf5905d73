//! Fuzz target `picture`: a picture file, decoded and prepared as `digitnet predict` does (`digitnet::data::picture`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    digitnet::fuzzing::run("picture", data);
});
