//! The hidden widths `H` that digitnet builds a network for: one list, used by
//! the host (`--hidden`, model files, the fast path's padding), the page and
//! the firmware's kernels.
//!
//! A network's sizes are types, so each supported width is compiled once;
//! code that must choose a width at run time expands
//! [`for_each_width!`](crate::for_each_width) into one arm per width. Adding a
//! width means adding one line here.

/// Every supported hidden width, smallest first.
pub const WIDTHS: [usize; 8] = [10, 16, 20, 30, 50, 64, 100, 128];

/// Calls a macro with the list of widths.
///
/// `for_each_width!([callback] args…)` expands to `callback! { (args…) [H10 10 16] [H16 16 16] … }`:
/// for each width a name (`H` and the width), the width `H`, and the fast
/// path's padded row width (`H` rounded up to whole 16-float vectors).
/// `callback` may be a path, e.g. `$crate::name` inside another macro.
///
/// ```
/// macro_rules! sum {
///     (() $([$name:ident $h:literal $padded:literal])*) => { 0 $(+ $h)* };
/// }
/// assert_eq!(digitnet_core::for_each_width!([sum]), 10 + 16 + 20 + 30 + 50 + 64 + 100 + 128);
/// ```
#[macro_export]
macro_rules! for_each_width {
    ([$($callback:tt)+] $($args:tt)*) => {
        $($callback)+! {
            ($($args)*)
            [H10 10 16]
            [H16 16 16]
            [H20 20 32]
            [H30 30 32]
            [H50 50 64]
            [H64 64 64]
            [H100 100 112]
            [H128 128 128]
        }
    };
}

#[cfg(test)]
mod tests {
    use super::WIDTHS;

    macro_rules! listed {
        (() $([$name:ident $h:literal $padded:literal])*) => {
            [$(($h, $padded)),*]
        };
    }

    #[test]
    fn the_macro_lists_the_widths_with_whole_vectors_of_padding() {
        let listed = for_each_width!([listed]);
        assert_eq!(listed.map(|(h, _)| h), WIDTHS);
        for (h, padded) in listed {
            assert!(
                padded >= h && padded % 16 == 0 && padded - h < 16,
                "{h} → {padded}"
            );
        }
    }

    #[test]
    fn widths_are_sorted_and_distinct() {
        assert!(WIDTHS.windows(2).all(|w| w[0] < w[1]));
    }
}
