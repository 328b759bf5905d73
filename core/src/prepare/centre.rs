//! Step 5: where the scaled digit goes in the field, its centre of mass on
//! the centre pixel.

use super::{BOX, CENTRE, SIDE};

/// Where to put the `tw × th` scaled box (rows of [`BOX`] in `scaled`) in the
/// field so its centre of mass is nearest the centre; `None` if it is all zero.
pub(super) fn centre(scaled: &[u8; BOX * BOX], tw: usize, th: usize) -> Option<(usize, usize)> {
    let (mut mass, mut mx, mut my) = (0i64, 0i64, 0i64);
    for (y, row) in scaled.chunks_exact(BOX).take(th).enumerate() {
        for (x, &v) in row.iter().take(tw).enumerate() {
            let v = i64::from(v);
            mass += v;
            // Twice the pixel centre, 2x + 1, keeps the halves whole.
            mx += v * (2 * x as i64 + 1);
            my += v * (2 * y as i64 + 1);
        }
    }
    if mass == 0 {
        return None;
    }
    // With pixel x's centre at x, the centre of mass is c = m / (2·mass) − 1/2,
    // and offset = floor(14 − c + 1/2) = floor((30·mass − m) / (2·mass)).
    let place = |m: i64, size: usize| {
        let target = CENTRE as i64;
        let off = ((2 * target + 2) * mass - m).div_euclid(2 * mass);
        let max = (SIDE - size) as i64;
        // Clamped so no ink leaves the field; fits a usize after the clamp.
        off.clamp(0, max) as usize
    };
    Some((place(mx, tw), place(my, th)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_puts_the_centre_of_mass_in_the_middle_pixel() {
        // One pixel: its centre goes to pixel 14 of 0..28.
        let mut scaled = [0u8; BOX * BOX];
        scaled[0] = 255;
        assert_eq!(centre(&scaled, 1, 1), Some((CENTRE, CENTRE)));
        // A 3 × 3 square: its middle pixel (1, 1) goes to 14.
        let mut scaled = [0u8; BOX * BOX];
        for y in 0..3 {
            for x in 0..3 {
                scaled[y * BOX + x] = 90;
            }
        }
        assert_eq!(centre(&scaled, 3, 3), Some((CENTRE - 1, CENTRE - 1)));
        assert_eq!(centre(&[0; BOX * BOX], 3, 3), None);
    }
}
