//! Fuzz target `model`: a safetensors model file (`digitnet::model`: header, tensor names, shapes, dtypes, metadata).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    digitnet::fuzzing::run("model", data);
});
