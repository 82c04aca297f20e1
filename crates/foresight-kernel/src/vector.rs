//! A parameter vector type for argmin.
//!
//! argmin-math's own `Vec<f64>` backend pulls in rand 0.9 and getrandom 0.3, which do not
//! build for wasm32-unknown-unknown without a global `--cfg`. Implementing argmin's math
//! traits for a small newtype keeps the optimiser dependency-light and wasm-clean.

use argmin_math::{
    ArgminAdd, ArgminDot, ArgminL1Norm, ArgminL2Norm, ArgminMinMax, ArgminMul, ArgminScaledAdd,
    ArgminSignum, ArgminSub, ArgminZeroLike,
};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Theta(pub Vec<f64>);

impl Theta {
    fn zip_with(&self, other: &Self, f: impl Fn(f64, f64) -> f64) -> Self {
        debug_assert_eq!(self.0.len(), other.0.len());
        Theta(
            self.0
                .iter()
                .zip(&other.0)
                .map(|(a, b)| f(*a, *b))
                .collect(),
        )
    }

    fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        Theta(self.0.iter().map(|a| f(*a)).collect())
    }
}

impl ArgminAdd<Theta, Theta> for Theta {
    fn add(&self, other: &Theta) -> Theta {
        self.zip_with(other, |a, b| a + b)
    }
}

impl ArgminAdd<f64, Theta> for Theta {
    fn add(&self, other: &f64) -> Theta {
        self.map(|a| a + other)
    }
}

impl ArgminSub<Theta, Theta> for Theta {
    fn sub(&self, other: &Theta) -> Theta {
        self.zip_with(other, |a, b| a - b)
    }
}

impl ArgminSub<f64, Theta> for Theta {
    fn sub(&self, other: &f64) -> Theta {
        self.map(|a| a - other)
    }
}

impl ArgminMul<Theta, Theta> for Theta {
    fn mul(&self, other: &Theta) -> Theta {
        self.zip_with(other, |a, b| a * b)
    }
}

impl ArgminMul<f64, Theta> for Theta {
    fn mul(&self, other: &f64) -> Theta {
        self.map(|a| a * other)
    }
}

impl ArgminDot<Theta, f64> for Theta {
    fn dot(&self, other: &Theta) -> f64 {
        self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum()
    }
}

impl ArgminScaledAdd<Theta, f64, Theta> for Theta {
    fn scaled_add(&self, factor: &f64, vec: &Theta) -> Theta {
        self.zip_with(vec, |a, b| a + factor * b)
    }
}

impl ArgminL1Norm<f64> for Theta {
    fn l1_norm(&self) -> f64 {
        self.0.iter().map(|a| a.abs()).sum()
    }
}

impl ArgminL2Norm<f64> for Theta {
    fn l2_norm(&self) -> f64 {
        self.0.iter().map(|a| a * a).sum::<f64>().sqrt()
    }
}

impl ArgminSignum for Theta {
    fn signum(self) -> Theta {
        self.map(f64::signum)
    }
}

impl ArgminZeroLike for Theta {
    fn zero_like(&self) -> Theta {
        Theta(vec![0.0; self.0.len()])
    }
}

impl ArgminMinMax for Theta {
    fn min(x: &Theta, y: &Theta) -> Theta {
        x.zip_with(y, f64::min)
    }

    fn max(x: &Theta, y: &Theta) -> Theta {
        x.zip_with(y, f64::max)
    }
}
