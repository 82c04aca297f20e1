//! Feature columns recognised by content: a one-number fingerprint per column, so the fit
//! can lay out its columns in the order Prophet (Python) builds them.

use ndarray::Array2;

/// A one-number summary of a feature column (a fixed pseudo-random weighting of its rows),
/// to recognise columns without comparing them element by element.
#[inline(never)]
pub fn fingerprint(column: &[f64]) -> f64 {
    fingerprint_of(column.iter().copied())
}

/// [`fingerprint`] of a column given as an iterator (a strided column of X).
fn fingerprint_of(column: impl Iterator<Item = f64>) -> f64 {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    column
        .map(|v| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let w = 0.5 + (state >> 11) as f64 / (1u64 << 53) as f64;
            w * v
        })
        .sum()
}

/// Appends the fingerprints ([`fingerprint`]) of the 2 x `order` Fourier columns Prophet
/// builds for a seasonality of `period` days at times `t_days`: sin then cos of each harmonic,
/// zero on the rows where `mask` (a conditional seasonality's condition) is false.
/// Harmonic i comes from the first by the angle-addition recurrence (one sin/cos per row
/// instead of one per row and column; the fingerprints' tolerance is 1e-7, the recurrence's
/// error about 1e-15 per harmonic).
#[inline(never)]
pub fn fourier_fingerprints(
    t_days: &[f64],
    period: f64,
    order: u32,
    mask: Option<&[bool]>,
    out: &mut Vec<f64>,
) {
    let w = 2.0 * std::f64::consts::PI / period;
    let (s1, c1): (Vec<f64>, Vec<f64>) = t_days.iter().map(|t| (w * t).sin_cos()).unzip();
    let (mut sin, mut cos) = (s1.clone(), c1.clone());
    let masked = |col: &[f64]| -> f64 {
        match mask {
            Some(m) => fingerprint_of(col.iter().zip(m).map(|(&v, &on)| if on { v } else { 0.0 })),
            None => fingerprint(col),
        }
    };
    for i in 1..=order {
        if i > 1 {
            for (((s, c), s1), c1) in sin.iter_mut().zip(&mut cos).zip(&s1).zip(&c1) {
                (*s, *c) = (*s * c1 + *c * s1, *c * c1 - *s * s1);
            }
        }
        out.push(masked(&sin));
        out.push(masked(&cos));
    }
}

/// For each hinted fingerprint in turn, an unused column of `x` with that fingerprint.
pub(crate) fn match_columns(x: &Array2<f64>, hint: &[f64]) -> Option<Vec<usize>> {
    if hint.len() != x.ncols() {
        return None;
    }
    let prints: Vec<f64> = x
        .columns()
        .into_iter()
        .map(|c| fingerprint_of(c.iter().copied()))
        .collect();
    let mut used = vec![false; prints.len()];
    let mut order = Vec::with_capacity(hint.len());
    for &h in hint {
        let tol = 1e-7 * h.abs().max(1.0);
        let j = (0..prints.len()).find(|&j| !used[j] && (prints[j] - h).abs() <= tol)?;
        used[j] = true;
        order.push(j);
    }
    Some(order)
}
