//! Small numeric helpers of the objective and the detector, in the summation order the
//! objective's results depend on.

/// The logistic function, without overflow for large |z|.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `sum(xs[i] * ys[i])` with ndarray's eight-way unrolled summation order (the order its
/// `dot` uses on contiguous data, which `value_grad`'s results must keep).
pub fn unrolled_dot(xs: &[f64], ys: &[f64]) -> f64 {
    let len = xs.len().min(ys.len());
    let (mut xs, mut ys) = (&xs[..len], &ys[..len]);
    let mut sum = 0.0;
    let mut p = [0.0f64; 8];
    while xs.len() >= 8 {
        for l in 0..8 {
            p[l] += xs[l] * ys[l];
        }
        xs = &xs[8..];
        ys = &ys[8..];
    }
    sum += p[0] + p[4];
    sum += p[1] + p[5];
    sum += p[2] + p[6];
    sum += p[3] + p[7];
    for (x, y) in xs.iter().zip(ys) {
        sum += x * y;
    }
    sum
}

/// `out[j] = sum_i x[i, j] * w[i]` for a column-major `x` of `rows` rows: one contiguous
/// unrolled dot product per column, as ndarray computes `x.t().dot(w)`.
pub fn column_sums(x: &[f64], rows: usize, w: &[f64], out: &mut Vec<f64>) {
    out.clear();
    if rows > 0 {
        out.extend(x.chunks_exact(rows).map(|col| unrolled_dot(col, w)));
    }
}

/// Subgradient of |x| that is zero at zero, as Stan's autodiff of `fabs` gives.
pub fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}
