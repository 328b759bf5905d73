//! Fuzz target `prepare`: raw grey pixels into the core's preparation (`digitnet_core::prepare`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    digitnet::fuzzing::run("prepare", data);
});
