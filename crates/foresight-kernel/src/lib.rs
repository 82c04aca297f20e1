//! The engine's hot loops, in a crate of its own so that the wasm build can compile them at
//! opt-level 3 while the rest of the engine is optimised for size: cargo's per-package
//! `opt-level` applies to whole crates (root Cargo.toml, `wasm-release`).
//!
//! - The Prophet fit's objective (`objective.rs`): the negative log posterior of Prophet's
//!   Stan model and its gradient over the prepared feature matrix ([`Kernel`]; foresight-core's
//!   `prophet::objective` builds it from augurs-prophet's data), or from sufficient statistics
//!   ([`Gram`]). Parameters are packed as `[k, m, ln sigma_obs, delta[0..S], beta[0..K]]`.
//! - The L-BFGS driver ([`lbfgs`]) and the sampling of uncertainty intervals ([`uncertainty`]).
//! - The detector's innermost loops ([`robust`]: medians, sorted windows, rolling medians) and
//!   the dot products both use (`math.rs`).
//! - Feature columns recognised by fingerprint (`columns.rs`) and a stable merge sort
//!   (`sort.rs`), small in wasm.

mod columns;
mod gram;
mod lbfgs;
mod math;
mod objective;
pub mod robust;
mod sort;
pub mod uncertainty;
mod vector;

pub use columns::{fingerprint, fourier_fingerprints};
pub use gram::Gram;
pub use lbfgs::{lbfgs, LbfgsSettings};
pub use math::{column_sums, sigmoid, sign, unrolled_dot};
pub use objective::{Design, Kernel, Scratch, SparseColumn, Trend, DELTA0, LN_SIGMA_MIN};
pub use sort::{merge_sort_by, merge_sort_vec_by};
