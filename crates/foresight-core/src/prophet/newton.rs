//! Newton's method as Stan's `optimize` runs it, which Prophet asks for when the history has
//! fewer than 100 rows.
//!
//! Each step: the Hessian from central finite differences of the analytic gradient (a
//! four-point stencil with step 1e-3, symmetrised), made positive definite by taking the
//! absolute value of its eigenvalues, the Newton direction from it, and a step of 1 halved
//! until the objective does not increase. The run stops when the objective changes by at
//! most 1e-8. Written from the algorithm's description (Stan reference manual,
//! "Optimization"); the problems it sees are small (tens of parameters, < 100 rows).

/// Stan's stencil: perturbations of -2e, -e, e, 2e with these weights, e = 1e-3.
const EPSILON: f64 = 1e-3;
const STENCIL: [(f64, f64); 4] = [
    (-2.0, 1.0 / 12.0),
    (-1.0, -2.0 / 3.0),
    (1.0, 2.0 / 3.0),
    (2.0, -1.0 / 12.0),
];
const MIN_STEP: f64 = 1e-50;
const TOL_OBJ: f64 = 1e-8;

pub(crate) struct Outcome {
    pub x: Vec<f64>,
    pub f: f64,
    pub iterations: usize,
    /// Whether the objective settled (rather than the iteration budget running out).
    pub converged: bool,
}

/// Minimises `f` (value, gradient written into the slice) from `x0`.
pub(crate) fn minimize<F: Fn(&[f64], &mut [f64]) -> f64>(
    f: &F,
    x0: Vec<f64>,
    max_iter: usize,
) -> Result<Outcome, String> {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err("the objective is not finite at the initial values".into());
    }
    let mut scratch = vec![0.0; n];
    for it in 1..=max_iter {
        let h = hessian(f, &x, &mut scratch);
        let (values, vectors) = symmetric_eigen(h, n);
        // Direction: -sum_i v_i (v_i . g) / |lambda_i|.
        let mut dir = vec![0.0; n];
        for (i, &lambda) in values.iter().enumerate() {
            let v = |k: usize| vectors[k * n + i];
            let proj: f64 = (0..n).map(|k| v(k) * g[k]).sum::<f64>() / lambda.abs().max(1e-300);
            for (k, d) in dir.iter_mut().enumerate() {
                *d -= proj * v(k);
            }
        }
        let mut step = 1.0;
        let mut moved = None;
        while step >= MIN_STEP {
            let trial: Vec<f64> = x.iter().zip(&dir).map(|(a, d)| a + step * d).collect();
            let f1 = f(&trial, &mut scratch);
            if f1.is_finite() && scratch.iter().all(|v| v.is_finite()) && f1 <= fx {
                moved = Some((trial, f1, scratch.clone()));
                break;
            }
            step *= 0.5;
        }
        let Some((x1, f1, g1)) = moved else {
            // No step decreases the objective: Stan keeps the point and its run ends.
            return Ok(Outcome {
                x,
                f: fx,
                iterations: it,
                converged: true,
            });
        };
        let change = (fx - f1).abs();
        (x, fx, g) = (x1, f1, g1);
        if change <= TOL_OBJ {
            return Ok(Outcome {
                x,
                f: fx,
                iterations: it,
                converged: true,
            });
        }
    }
    Ok(Outcome {
        x,
        f: fx,
        iterations: max_iter,
        converged: false,
    })
}

/// Symmetrised finite-difference Hessian of `f` at `x` (row-major, n x n).
fn hessian<F: Fn(&[f64], &mut [f64]) -> f64>(f: &F, x: &[f64], grad: &mut [f64]) -> Vec<f64> {
    let n = x.len();
    let mut h = vec![0.0; n * n];
    let mut probe = x.to_vec();
    for d in 0..n {
        for (offset, weight) in STENCIL {
            probe[d] = x[d] + offset * EPSILON;
            f(&probe, grad);
            let w = 0.5 * weight / EPSILON;
            for (dd, &gv) in grad.iter().enumerate() {
                h[d * n + dd] += w * gv;
                h[dd * n + d] += w * gv;
            }
        }
        probe[d] = x[d];
    }
    h
}

/// Eigenvalues and eigenvectors (columns of the row-major n x n result) of a symmetric
/// matrix, by cyclic Jacobi rotations.
fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        let diag: f64 = (0..n).map(|i| a[i * n + i] * a[i * n + i]).sum();
        if off <= 1e-30 * diag || off == 0.0 || !off.is_finite() {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_decomposition_reconstructs_the_matrix() {
        let n = 4;
        let a = vec![
            4.0, 1.0, -2.0, 0.5, //
            1.0, 3.0, 0.0, 1.0, //
            -2.0, 0.0, -1.0, 2.0, //
            0.5, 1.0, 2.0, 0.0,
        ];
        let (values, vectors) = symmetric_eigen(a.clone(), n);
        for i in 0..n {
            for j in 0..n {
                let r: f64 = (0..n)
                    .map(|k| vectors[i * n + k] * values[k] * vectors[j * n + k])
                    .sum();
                assert!((r - a[i * n + j]).abs() < 1e-10, "({i},{j}): {r}");
            }
        }
    }

    #[test]
    fn minimises_a_quadratic_and_rosenbrock() {
        let quad = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] - 3.0) + x[1];
            g[1] = 4.0 * (x[1] + 1.0) + x[0];
            (x[0] - 3.0).powi(2) + 2.0 * (x[1] + 1.0).powi(2) + x[0] * x[1]
        };
        let out = minimize(&quad, vec![0.0, 0.0], 100).unwrap();
        // Stationary point: 2x + y = 6, x + 4y = -4.
        assert!((out.x[0] - 4.0).abs() < 1e-6 && (out.x[1] + 2.0).abs() < 1e-6);
        let rosen = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let out = minimize(&rosen, vec![-1.2, 1.0], 10_000).unwrap();
        assert!(out.converged);
        assert!((out.x[0] - 1.0).abs() < 1e-3 && (out.x[1] - 1.0).abs() < 1e-3);
    }
}
