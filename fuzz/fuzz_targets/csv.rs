//! Fuzz target `csv`: a CSV file of labelled digits (`digitnet::data::csv_file`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    digitnet::fuzzing::run("csv", data);
});
