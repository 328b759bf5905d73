//! Before a model is loaded the module answers `NO_MODEL` (alone in its test
//! binary: the exports share one state, which the other tests fill).

use digitnet_web::exports;

#[test]
fn no_model_until_one_is_loaded() {
    assert_eq!(exports::classify_input(), exports::NO_MODEL);
    // A drawing is still prepared, so the page can show what it would read.
    let side = 20;
    let mut rgba = vec![255u8; 4 * side * side];
    for y in 4..16 {
        let i = 4 * (y * side + 9);
        rgba[i..i + 3].fill(0);
    }
    // SAFETY: within the buffer, and this is the only test of this binary.
    #[allow(unsafe_code)]
    unsafe {
        std::ptr::copy_nonoverlapping(rgba.as_ptr(), exports::picture(), rgba.len());
    }
    assert_eq!(exports::classify_picture(side, side), exports::NO_MODEL);
    // SAFETY: ten f32s and 784 bytes, read after the call.
    #[allow(unsafe_code)]
    let (outputs, input) = unsafe {
        (
            *exports::outputs().cast::<[f32; 10]>(),
            *exports::input().cast::<[u8; 784]>(),
        )
    };
    assert_eq!(outputs, [0.0; 10]);
    // A 1 × 12 line scaled to 2 × 20 (round(20 / 12) = 2).
    assert_eq!(input.iter().filter(|&&v| v == 255).count(), 2 * 20);
}
