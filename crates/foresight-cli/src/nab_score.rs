//! The Numenta Anomaly Benchmark's scoring rules, and leave-one-category-out cross-validation.
//!
//! NAB's published rules (numenta/NAB, `nab/scorer.py`, `nab/sweeper.py`):
//! - a row is a detection when its `anomaly_score` is at or above the threshold; the threshold
//!   is the one that maximises the summed score over the corpus, searched per profile;
//! - the first min(⌊0.15·N⌋, 750) rows of a file are probation and are ignored;
//! - a labelled window earns the reward of its earliest detection (a scaled sigmoid, about +1 at
//!   its left edge falling to 0 at its right edge) times the true-positive weight; a window with
//!   no detection costs the false-negative weight;
//! - a detection outside every window costs the false-positive weight, less just after a window
//!   (the sigmoid continued past its right edge), the full weight before a file's first window;
//! - normalised score = 100 · (raw − null) / (perfect − null), where the null detector fires
//!   nowhere or everywhere (whichever scores better) and the perfect one finds every window at
//!   its left edge.
//!
//! Checked (the tests below) against NAB's published result files for ARTime, Numenta HTM and
//! CAD OSE on the development files kept in `tests/data/nab`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::table;

/// True-positive, false-positive and false-negative weights of a NAB profile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    pub tp: f64,
    pub fp: f64,
    pub fn_: f64,
}

/// NAB's three application profiles.
pub const PROFILES: [Profile; 3] = [
    Profile {
        name: "standard",
        tp: 1.0,
        fp: 0.11,
        fn_: 1.0,
    },
    Profile {
        name: "reward_low_FP",
        tp: 1.0,
        fp: 0.22,
        fn_: 1.0,
    },
    Profile {
        name: "reward_low_FN",
        tp: 1.0,
        fp: 0.11,
        fn_: 2.0,
    },
];

const PROBATION_FRACTION: f64 = 0.15;
const PROBATION_MAX_ROWS: f64 = 750.0;

/// Where a row stands for scoring.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Row {
    Probation,
    Outside,
    /// Inside the file's window with this index.
    Window(usize),
}

/// One data file with its labels: per row, its window (if any) and what a detection there
/// earns before the profile's weight (positive in a window, negative outside).
#[derive(Clone, Debug)]
pub struct LabelledFile {
    /// `category/file.csv`.
    pub name: String,
    rows: Vec<Row>,
    earn: Vec<f64>,
    /// All labelled windows, probation ones included (they count in the perfect score).
    windows: usize,
}

impl LabelledFile {
    /// Labels `timestamps` (ms) with `windows` (start and end ms, both matching a timestamp).
    pub fn new(name: &str, timestamps: &[f64], windows: &[(f64, f64)]) -> Result<Self> {
        let n = timestamps.len();
        // The last row of a timestamp wins, as in NAB's own index.
        let index: HashMap<u64, usize> = timestamps
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_bits(), i))
            .collect();
        let mut spans = Vec::with_capacity(windows.len());
        for &(a, b) in windows {
            match (index.get(&a.to_bits()), index.get(&b.to_bits())) {
                (Some(&l), Some(&r)) if l <= r => spans.push((l, r)),
                _ => bail!("{name}: window {a} .. {b} (ms) does not match the data's timestamps"),
            }
        }
        spans.sort_unstable();
        let probation = ((PROBATION_FRACTION * n as f64).floor()).min(PROBATION_MAX_ROWS);
        let mut rows = vec![Row::Outside; n];
        let mut earn = vec![0.0; n];
        let mut previous: Option<(usize, usize)> = None; // (right edge, width)
        let mut k = 0;
        for i in 0..n {
            if k < spans.len() && spans[k].0 <= i && i <= spans[k].1 {
                let (left, right) = spans[k];
                let width = right - left + 1;
                rows[i] = Row::Window(k);
                earn[i] = reward(-((right - i + 1) as f64) / width as f64) / reward(-1.0);
                if i == right {
                    previous = Some((right, width));
                    k += 1;
                }
            } else {
                earn[i] = match previous {
                    None => -1.0,
                    Some((right, width)) => reward((i - right) as f64 / (width as f64 - 1.0)),
                };
            }
            if (i as f64) < probation {
                rows[i] = Row::Probation;
            }
        }
        Ok(Self {
            name: name.to_string(),
            rows,
            earn,
            windows: spans.len(),
        })
    }

    /// `category` of `category/file.csv`.
    pub fn category(&self) -> &str {
        self.name.split('/').next().unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// NAB's scaled sigmoid: about +0.987 at a window's left edge, 0 at its right edge, −1 well
/// after it.
fn reward(position: f64) -> f64 {
    if position > 3.0 {
        return -1.0;
    }
    2.0 / (1.0 + (5.0 * position).exp()) - 1.0
}

/// The labelled files of a corpus, in a fixed order (sorted by name).
#[derive(Clone, Debug)]
pub struct Corpus {
    pub files: Vec<LabelledFile>,
}

/// Reads a NAB-layout corpus: `data_dir/<category>/<file>.csv` for every file named in
/// `windows_json` (`{"category/file.csv": [["start", "end"], ...]}`).
pub fn load_corpus(data_dir: &Path, windows_json: &Path) -> Result<Corpus> {
    let text = std::fs::read_to_string(windows_json)
        .with_context(|| format!("cannot read {}", windows_json.display()))?;
    let labels: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON object", windows_json.display()))?;
    let mut files = Vec::with_capacity(labels.len());
    for (name, windows) in &labels {
        let windows = windows
            .as_array()
            .with_context(|| format!("{name}: windows are not a list"))?
            .iter()
            .map(|w| {
                let pair = w.as_array().filter(|p| p.len() == 2);
                let time = |i: usize| -> Result<f64> {
                    let s = pair
                        .and_then(|p| p[i].as_str())
                        .with_context(|| format!("{name}: a window is not [start, end]"))?;
                    table::parse_time_ms(s).with_context(|| format!("{name}: bad time {s:?}"))
                };
                Ok((time(0)?, time(1)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let path = data_dir.join(name);
        let (raw, _) = table::read_raw(&path)?;
        let ts = raw
            .iter()
            .map(|t| table::parse_time_ms(t).with_context(|| format!("{name}: bad time {t:?}")))
            .collect::<Result<Vec<_>>>()?;
        files.push(LabelledFile::new(name, &ts, &windows)?);
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Corpus { files })
}

/// Reads a detector's scores for every file of `corpus` from `results`:
/// `results/<category>/<file>.csv`, or NAB's own `results/<category>/<detector>_<file>.csv`,
/// column `anomaly_score` in [0, 1], one row per data row.
pub fn read_results(corpus: &Corpus, results: &Path) -> Result<Vec<Vec<f64>>> {
    corpus
        .files
        .iter()
        .map(|f| {
            let path = find_result(results, &f.name)?;
            let scores = read_scores(&path)?;
            if scores.len() != f.len() {
                bail!(
                    "{}: {} result rows for {} data rows",
                    path.display(),
                    scores.len(),
                    f.len()
                );
            }
            Ok(scores)
        })
        .collect()
}

fn find_result(results: &Path, name: &str) -> Result<PathBuf> {
    let direct = results.join(name);
    if direct.is_file() {
        return Ok(direct);
    }
    let (category, base) = name.split_once('/').unwrap_or(("", name));
    let folder = results.join(category);
    let suffix = format!("_{base}");
    if let Ok(entries) = std::fs::read_dir(&folder) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().ends_with(&suffix) {
                return Ok(entry.path());
            }
        }
    }
    bail!("no result file for {name} under {}", results.display())
}

fn read_scores(path: &Path) -> Result<Vec<f64>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let column = reader
        .headers()?
        .iter()
        .position(|h| h.trim() == "anomaly_score")
        .with_context(|| format!("{}: no column anomaly_score", path.display()))?;
    let mut scores = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record?;
        let raw = record.get(column).unwrap_or("").trim();
        let s: f64 = raw.parse().with_context(|| {
            format!(
                "{} row {}: anomaly_score {raw:?} is not a number",
                path.display(),
                row + 2
            )
        })?;
        if !(0.0..=1.0).contains(&s) {
            bail!(
                "{} row {}: anomaly_score {s} outside [0, 1]",
                path.display(),
                row + 2
            );
        }
        scores.push(s);
    }
    Ok(scores)
}

/// A profile's result at one threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileScore {
    pub profile: &'static str,
    pub threshold: f64,
    pub raw: f64,
    pub null_raw: f64,
    pub perfect: f64,
    /// 100 · (raw − null) / (perfect − null).
    pub score: f64,
    pub windows_found: usize,
    pub windows_missed: usize,
    pub false_positive_points: usize,
}

/// A window of the corpus: (file index, window index in the file).
type WindowId = (usize, usize);

/// One candidate level of the sweep: detections are rows scoring at least `threshold`.
#[derive(Clone, Copy, Debug)]
struct Level {
    threshold: f64,
    raw: f64,
}

/// The raw score at every distinct score level of `files` (highest threshold first), starting
/// from "no detection" (threshold 1.1), or only down to `stop_at` when given.
fn sweep(files: &[(&LabelledFile, &[f64])], profile: Profile, stop_at: Option<f64>) -> Vec<Level> {
    // (score, window as (file, window index) or None outside windows, earn)
    let mut points: Vec<(f64, Option<WindowId>, f64)> = Vec::new();
    let mut window_ids = Vec::new();
    for (fi, (file, scores)) in files.iter().enumerate() {
        for (i, &row) in file.rows.iter().enumerate() {
            match row {
                Row::Probation => {}
                Row::Outside => points.push((scores[i], None, file.earn[i])),
                Row::Window(k) => {
                    window_ids.push((fi, k));
                    points.push((scores[i], Some((fi, k)), file.earn[i]));
                }
            }
        }
    }
    window_ids.sort_unstable();
    window_ids.dedup();
    let slot: HashMap<WindowId, usize> = window_ids
        .iter()
        .enumerate()
        .map(|(i, &w)| (w, i))
        .collect();
    let mut best = vec![-profile.fn_; window_ids.len()];
    let mut total_windows = -profile.fn_ * window_ids.len() as f64;
    let mut fp_sum = 0.0;
    points.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut levels = vec![Level {
        threshold: 1.1,
        raw: total_windows,
    }];
    let mut i = 0;
    while i < points.len() {
        let level = points[i].0;
        if stop_at.is_some_and(|t| level < t) {
            break;
        }
        while i < points.len() && points[i].0 == level {
            let (_, window, earn) = points[i];
            match window {
                None => fp_sum += earn * profile.fp,
                Some(w) => {
                    let s = slot[&w];
                    let gain = earn * profile.tp;
                    if gain > best[s] {
                        total_windows += gain - best[s];
                        best[s] = gain;
                    }
                }
            }
            i += 1;
        }
        levels.push(Level {
            threshold: level,
            raw: fp_sum + total_windows,
        });
    }
    levels
}

/// The best level (first of equal maxima: the highest threshold), or the raw score at a given
/// threshold.
fn choose(files: &[(&LabelledFile, &[f64])], profile: Profile, threshold: Option<f64>) -> Level {
    let levels = sweep(files, profile, threshold);
    match threshold {
        Some(t) => Level {
            threshold: t,
            raw: levels.last().map_or(0.0, |l| l.raw),
        },
        None => levels
            .into_iter()
            .reduce(|best, l| if l.raw > best.raw { l } else { best })
            .expect("the sweep always has the no-detection level"),
    }
}

/// Windows found, windows missed and detections outside windows at `threshold`.
fn detections(files: &[(&LabelledFile, &[f64])], threshold: f64) -> (usize, usize, usize) {
    let (mut found, mut missed, mut false_pos) = (0, 0, 0);
    for (file, scores) in files {
        let mut hit = vec![false; file.windows];
        let mut scored = vec![false; file.windows];
        for (i, &row) in file.rows.iter().enumerate() {
            match row {
                Row::Probation => {}
                Row::Outside => false_pos += usize::from(scores[i] >= threshold),
                Row::Window(k) => {
                    scored[k] = true;
                    hit[k] |= scores[i] >= threshold;
                }
            }
        }
        found += hit.iter().filter(|&&h| h).count();
        missed += scored.iter().zip(&hit).filter(|(&s, &h)| s && !h).count();
    }
    (found, missed, false_pos)
}

fn null_scores(files: &[&LabelledFile]) -> Vec<Vec<f64>> {
    files.iter().map(|f| vec![0.5; f.len()]).collect()
}

fn pairs<'a>(
    files: &[&'a LabelledFile],
    scores: &'a [Vec<f64>],
) -> Vec<(&'a LabelledFile, &'a [f64])> {
    files
        .iter()
        .copied()
        .zip(scores.iter().map(Vec::as_slice))
        .collect()
}

/// Scores a detector (`scores[i]` for `corpus.files[i]`) under one profile, at its best
/// threshold over the corpus or at a given one.
pub fn score(
    corpus: &Corpus,
    scores: &[Vec<f64>],
    profile: Profile,
    threshold: Option<f64>,
) -> ProfileScore {
    assert_eq!(
        scores.len(),
        corpus.files.len(),
        "one score column per file"
    );
    let files: Vec<&LabelledFile> = corpus.files.iter().collect();
    let chosen = choose(&pairs(&files, scores), profile, threshold);
    let nulls = null_scores(&files);
    let null_raw = choose(&pairs(&files, &nulls), profile, None).raw;
    let windows: usize = files.iter().map(|f| f.windows).sum();
    let perfect = windows as f64 * profile.tp;
    let (found, missed, fp) = detections(&pairs(&files, scores), chosen.threshold);
    ProfileScore {
        profile: profile.name,
        threshold: chosen.threshold,
        raw: chosen.raw,
        null_raw,
        perfect,
        score: normalise(chosen.raw, null_raw, perfect),
        windows_found: found,
        windows_missed: missed,
        false_positive_points: fp,
    }
}

fn normalise(raw: f64, null: f64, perfect: f64) -> f64 {
    100.0 * (raw - null) / (perfect - null)
}

/// What one left-out category was scored with.
#[derive(Clone, Debug, PartialEq)]
pub struct Fold {
    pub category: String,
    /// Index of the candidate chosen on the other categories.
    pub candidate: usize,
    /// Threshold chosen on the other categories.
    pub threshold: f64,
    /// Raw score of the left-out category at that candidate and threshold.
    pub raw: f64,
}

/// Leave-one-category-out result for one profile.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossValidated {
    pub profile: &'static str,
    /// 100 · (Σ raw of each left-out category − null) / (perfect − null), the null detector
    /// cross-validated the same way.
    pub score: f64,
    pub raw: f64,
    pub null_raw: f64,
    pub folds: Vec<Fold>,
}

/// Leave-one-category-out cross-validation over candidate settings. `candidates[k][i]` are the
/// scores of setting `k` for `corpus.files[i]`. For each category in turn, the setting and the
/// threshold that maximise the raw score on the other categories (first of equal maxima) score
/// the left-out category; their raw scores add up to the corpus's (NAB's raw score is a sum
/// over files), normalised as NAB normalises.
pub fn cross_validate(
    corpus: &Corpus,
    candidates: &[Vec<Vec<f64>>],
    profile: Profile,
) -> CrossValidated {
    assert!(!candidates.is_empty(), "at least one candidate setting");
    let mut categories: Vec<&str> = corpus.files.iter().map(LabelledFile::category).collect();
    categories.sort_unstable();
    categories.dedup();
    let nulls = vec![null_scores(&corpus.files.iter().collect::<Vec<_>>())];
    let run = |candidates: &[Vec<Vec<f64>>]| {
        let mut folds = Vec::with_capacity(categories.len());
        for &category in &categories {
            let split = |left_out: bool, k: usize| -> Vec<(&LabelledFile, &[f64])> {
                corpus
                    .files
                    .iter()
                    .zip(&candidates[k])
                    .filter(|(f, _)| (f.category() == category) == left_out)
                    .map(|(f, s)| (f, s.as_slice()))
                    .collect()
            };
            let (mut best_k, mut best) = (0, choose(&split(false, 0), profile, None));
            for k in 1..candidates.len() {
                let level = choose(&split(false, k), profile, None);
                if level.raw > best.raw {
                    (best_k, best) = (k, level);
                }
            }
            let raw = choose(&split(true, best_k), profile, Some(best.threshold)).raw;
            folds.push(Fold {
                category: category.to_string(),
                candidate: best_k,
                threshold: best.threshold,
                raw,
            });
        }
        folds
    };
    let folds = run(candidates);
    let raw = folds.iter().map(|f| f.raw).sum();
    let null_raw = run(&nulls).iter().map(|f| f.raw).sum();
    let windows: usize = corpus.files.iter().map(|f| f.windows).sum();
    let perfect = windows as f64 * profile.tp;
    CrossValidated {
        profile: profile.name,
        score: normalise(raw, null_raw, perfect),
        raw,
        null_raw,
        folds,
    }
}

/// `foresight nab-score`: prints the three profiles' scores (and, with `cv`, the
/// leave-one-category-out figure of the one setting, which cross-validates the threshold).
pub fn run(
    data: &Path,
    windows: &Path,
    results: &Path,
    threshold: Option<f64>,
    cv: bool,
) -> Result<()> {
    let corpus = load_corpus(data, windows)?;
    let scores = read_results(&corpus, results)?;
    let windows: usize = corpus.files.iter().map(|f| f.windows).sum();
    println!("{} files, {} windows", corpus.files.len(), windows);
    println!(
        "{:<15}{:>8}{:>12}{:>10}{:>7}{:>7}{:>8}{}",
        "profile",
        "score",
        "threshold",
        "raw",
        "found",
        "missed",
        "FP pts",
        if cv { "   cross-validated" } else { "" }
    );
    let candidates = [scores];
    let mut folds = Vec::new();
    for profile in PROFILES {
        let s = score(&corpus, &candidates[0], profile, threshold);
        let cv_text = if cv {
            let c = cross_validate(&corpus, &candidates, profile);
            folds.push(c.clone());
            format!("{:>18.2}", c.score)
        } else {
            String::new()
        };
        println!(
            "{:<15}{:>8.2}{:>12.6}{:>10.3}{:>7}{:>7}{:>8}{}",
            s.profile,
            s.score,
            s.threshold,
            s.raw,
            s.windows_found,
            s.windows_missed,
            s.false_positive_points,
            cv_text
        );
    }
    for c in folds {
        println!(
            "{} thresholds chosen with each category left out:",
            c.profile
        );
        for f in c.folds {
            println!(
                "  {:<24} threshold {:<10.6} raw {:>8.3} (candidate {})",
                f.category, f.threshold, f.raw, f.candidate
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: f64 = 300_000.0;

    fn file(name: &str, n: usize, windows: &[(usize, usize)]) -> LabelledFile {
        let ts: Vec<f64> = (0..n).map(|i| i as f64 * STEP).collect();
        let w: Vec<(f64, f64)> = windows
            .iter()
            .map(|&(a, b)| (a as f64 * STEP, b as f64 * STEP))
            .collect();
        LabelledFile::new(name, &ts, &w).unwrap()
    }

    #[test]
    fn reward_is_nab_sigmoid() {
        assert!((reward(-1.0) - 0.986_614_298).abs() < 1e-9);
        assert_eq!(reward(0.0), 0.0);
        assert_eq!(reward(3.5), -1.0);
    }

    #[test]
    fn detection_at_left_edge_is_perfect_and_nothing_is_null() {
        let corpus = Corpus {
            files: vec![file("a/x.csv", 1000, &[(500, 599)])],
        };
        let mut s = vec![0.0; 1000];
        s[500] = 1.0;
        let p = score(&corpus, &[s], PROFILES[0], None);
        assert!((p.score - 100.0).abs() < 1e-9, "{p:?}");
        assert_eq!(
            (p.windows_found, p.windows_missed, p.false_positive_points),
            (1, 0, 0)
        );
        let quiet = score(&corpus, &[vec![0.0; 1000]], PROFILES[0], None);
        assert!(quiet.score.abs() < 1e-9, "{quiet:?}");
    }

    #[test]
    fn late_and_false_detections_cost() {
        let corpus = Corpus {
            files: vec![file("a/x.csv", 1000, &[(500, 599)])],
        };
        let mut late = vec![0.0; 1000];
        late[590] = 1.0;
        let mut early_fp = vec![0.0; 1000];
        early_fp[500] = 1.0;
        early_fp[300] = 1.0; // before the first window: full false-positive weight
        let late = score(&corpus, &[late], PROFILES[0], None).score;
        let fp = score(&corpus, &[early_fp], PROFILES[0], Some(0.5));
        // 10 rows before the right edge of a 100-row window earns reward(-0.1) / reward(-1).
        let expected = 100.0 * (reward(-0.1) / reward(-1.0) + 1.0) / 2.0;
        assert!((late - expected).abs() < 1e-9 && late < 65.0, "{late}");
        assert!(
            (fp.raw - (0.986_614_298 / 0.986_614_298 - 0.11)).abs() < 1e-6,
            "{fp:?}"
        );
        assert_eq!(fp.false_positive_points, 1);
    }

    #[test]
    fn probation_rows_are_ignored() {
        let corpus = Corpus {
            files: vec![file("a/x.csv", 1000, &[(500, 599)])],
        };
        let mut s = vec![0.0; 1000];
        s[10] = 1.0; // inside the first 150 rows
        s[500] = 1.0;
        let p = score(&corpus, &[s], PROFILES[0], Some(0.5));
        assert_eq!(p.false_positive_points, 0);
        assert!((p.score - 100.0).abs() < 1e-9);
    }

    #[test]
    fn mismatched_window_is_an_error() {
        let ts: Vec<f64> = (0..10).map(|i| i as f64 * STEP).collect();
        assert!(LabelledFile::new("a/x.csv", &ts, &[(1.0, 2.0)]).is_err());
    }

    #[test]
    fn cross_validation_chooses_on_the_other_categories() {
        // Two categories. Setting 0 fires in every window; setting 1 only in category b's and
        // with a false positive in a's. Left out, each category is scored with setting 0,
        // chosen on the other.
        let files = vec![
            file("a/x.csv", 1000, &[(500, 599)]),
            file("b/y.csv", 1000, &[(400, 499)]),
        ];
        let corpus = Corpus { files };
        let hit = |at: &[usize]| {
            let mut s = vec![0.0; 1000];
            for &i in at {
                s[i] = 1.0;
            }
            s
        };
        let good = vec![hit(&[500]), hit(&[400])];
        let mixed = vec![hit(&[300]), hit(&[400])];
        let cv = cross_validate(&corpus, &[good.clone(), mixed], PROFILES[0]);
        assert_eq!(cv.folds.len(), 2);
        assert!(cv.folds.iter().all(|f| f.candidate == 0), "{cv:?}");
        assert!((cv.score - 100.0).abs() < 1e-9);
        // One setting scored on identical categories: the same as the plain score.
        let plain = score(&corpus, &good, PROFILES[0], None).score;
        let one = cross_validate(&corpus, &[good], PROFILES[0]).score;
        assert!((plain - one).abs() < 1e-9);
    }

    #[test]
    fn cross_validation_is_not_the_in_sample_optimum() {
        // Category a needs a low threshold, b a high one: each fold takes the other's, so the
        // cross-validated score is below the in-sample one.
        let corpus = Corpus {
            files: vec![
                file("a/x.csv", 1000, &[(500, 599)]),
                file("b/y.csv", 1000, &[(500, 599)]),
            ],
        };
        let mut a = vec![0.0; 1000];
        a[500] = 0.3;
        let mut b = vec![0.0; 1000];
        b[500] = 0.9;
        // b's false positives rule out b's low threshold.
        b[200..260].fill(0.5);
        let scores = vec![a, b];
        let plain = score(&corpus, &scores, PROFILES[0], None).score;
        let cv = cross_validate(&corpus, &[scores], PROFILES[0]).score;
        assert!(cv < plain, "cv {cv} plain {plain}");
    }

    /// NAB's published results for three detectors on the 27 development files score what NAB's
    /// own scorer gives them on those files (tests/data/nab/README.md), to 0.01.
    #[test]
    fn published_detectors_score_as_published() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/nab");
        let corpus = load_corpus(&root.join("data"), &root.join("windows.json")).unwrap();
        assert_eq!(corpus.files.len(), 27);
        let published = [
            ("ARTime", [71.65, 64.48, 78.01]),
            ("numenta", [63.36, 56.26, 67.55]),
            ("contextOSE", [67.67, 63.81, 71.65]),
        ];
        for (detector, expected) in published {
            let scores = read_results(&corpus, &root.join("results").join(detector)).unwrap();
            for (profile, want) in PROFILES.into_iter().zip(expected) {
                let got = score(&corpus, &scores, profile, None).score;
                assert!(
                    (got - want).abs() <= 0.005 + 1e-9,
                    "{detector} {}: {got:.4}, published {want}",
                    profile.name
                );
            }
        }
    }
}
