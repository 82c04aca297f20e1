//! An alerting path outside the browser: Prometheus recording and alerting rules that
//! reproduce the contextual detection for one PromQL query as closely as PromQL allows.

use super::Labels;

use serde::{Deserialize, Serialize};

use crate::anomaly::Direction;
use crate::error::Result;

/// Label that tells the past periods apart inside the baseline expression.
const SEASON_LABEL: &str = "foresight_season";

/// How the seasonal baseline summarises each past period's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BaselineStatistic {
    /// `quantile_over_time(0.5, …)`: robust to a past incident in the window.
    #[default]
    Median,
    /// `avg_over_time(…)`.
    Mean,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRuleOptions {
    /// The panel's PromQL query (any instant-vector expression).
    pub query: String,
    /// Names the rules: recorded series `foresight:<name>:…`, alert `Foresight<Name>Anomaly`.
    /// Anything outside `[a-zA-Z0-9_]` becomes `_`.
    pub name: String,
    /// Detected seasonal period in ms (the detector's period in points × the step). `None`
    /// or 0: no seasonality, the baseline is the median of the recent `lookback_ms`.
    pub period_ms: Option<f64>,
    /// Past periods combined into the baseline (1–10); with 3 or more, the median across
    /// them ignores an incident in one of them.
    pub seasons: usize,
    /// Width of the window around the same time in each past period (ms), smoothing the
    /// baseline; must be shorter than twice the period.
    pub window_ms: f64,
    /// Subquery resolution and rule evaluation interval (ms), normally the scrape interval.
    pub step_ms: f64,
    /// Baseline window without seasonality (ms).
    pub lookback_ms: f64,
    pub statistic: BaselineStatistic,
    /// Robust standard deviation of the fitted residuals (value units), e.g. the detector's
    /// band half-width divided by its band sigmas.
    pub residual_spread: f64,
    /// 0–1 as in the panel: band of ±(1.5 + 3·(1 − sensitivity)) residual spreads.
    pub sensitivity: f64,
    pub direction: Direction,
    /// The band is never narrower than this (value units).
    pub min_abs_deviation: f64,
    /// …nor than this fraction of the baseline.
    pub min_rel_deviation: f64,
    /// Becomes the alert's `for:` (ms; 0: fires on the first evaluation).
    pub min_duration_ms: f64,
    /// Extra labels on the alert (`severity` defaults to `warning`).
    pub labels: Labels,
}

impl Default for AlertRuleOptions {
    fn default() -> Self {
        Self {
            query: String::new(),
            name: "panel".into(),
            period_ms: None,
            seasons: 3,
            window_ms: 600_000.0,
            step_ms: 60_000.0,
            lookback_ms: 3_600_000.0,
            statistic: BaselineStatistic::Median,
            residual_spread: 0.0,
            sensitivity: crate::anomaly::DEFAULT_SENSITIVITY,
            direction: Direction::Both,
            min_abs_deviation: 0.0,
            min_rel_deviation: 0.0,
            min_duration_ms: 0.0,
            labels: Labels::new(),
        }
    }
}

impl AlertRuleOptions {
    /// Band half-width in residual spreads, as the detector's.
    pub fn band_sigmas(&self) -> f64 {
        crate::anomaly::band_sigmas(self.sensitivity)
    }

    /// The constant part of the band half-width (value units).
    pub fn band_width(&self) -> f64 {
        (self.band_sigmas() * self.residual_spread).max(self.min_abs_deviation)
    }

    fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, reason: String| Err(crate::error::invalid(name, reason));
        if self.query.trim().is_empty() {
            return bad("query", "the PromQL query is empty".into());
        }
        if !(self.sensitivity.is_finite() && (0.0..=1.0).contains(&self.sensitivity)) {
            return bad(
                "sensitivity",
                format!("must be between 0 and 1, got {}", self.sensitivity),
            );
        }
        for (name, v) in [
            ("residualSpread", self.residual_spread),
            ("minAbsDeviation", self.min_abs_deviation),
            ("minRelDeviation", self.min_rel_deviation),
            ("minDurationMs", self.min_duration_ms),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(name, format!("must be a non-negative number, got {v}"));
            }
        }
        if !self.band_width().is_finite() {
            return bad(
                "residualSpread",
                format!(
                    "the band ({} × {}) is too wide to write as a number",
                    self.band_sigmas(),
                    self.residual_spread
                ),
            );
        }
        if self.band_width() <= 0.0 && self.min_rel_deviation <= 0.0 {
            return bad(
                "residualSpread",
                "the band would have zero width: give the residual spread (> 0) or a minimum deviation".into(),
            );
        }
        for (name, v) in [
            ("stepMs", self.step_ms),
            ("windowMs", self.window_ms),
            ("lookbackMs", self.lookback_ms),
        ] {
            if !(v.is_finite() && v >= 1000.0) {
                return bad(name, format!("must be at least 1000 ms, got {v}"));
            }
        }
        // Prometheus reads durations into 64-bit nanoseconds (about 292 years); the rules
        // need far less, so anything past MAX_DURATION_MS is a mistake in the input.
        for (name, v) in [
            ("stepMs", self.step_ms),
            ("windowMs", self.window_ms),
            ("lookbackMs", self.lookback_ms),
            ("minDurationMs", self.min_duration_ms),
        ] {
            if v > MAX_DURATION_MS {
                return bad(
                    name,
                    format!("must be at most 10 years ({MAX_DURATION_MS} ms), got {v}"),
                );
            }
        }
        if self.window_ms < self.step_ms || self.lookback_ms < self.step_ms {
            return bad(
                "windowMs",
                "the baseline windows must be at least one step long".into(),
            );
        }
        if let Some(p) = self.period_ms.filter(|p| *p != 0.0) {
            if !(p.is_finite() && p > 0.0) {
                return bad("periodMs", format!("must be a positive number, got {p}"));
            }
            if self.window_ms >= 2.0 * p {
                return bad(
                    "windowMs",
                    format!(
                        "the window ({} ms) must be shorter than twice the period ({p} ms)",
                        self.window_ms
                    ),
                );
            }
            if !(1..=10).contains(&self.seasons) {
                return bad(
                    "seasons",
                    format!("must be between 1 and 10, got {}", self.seasons),
                );
            }
            // The farthest offset the baseline reads is `seasons` periods back.
            if p * self.seasons as f64 > MAX_DURATION_MS {
                return bad(
                    "periodMs",
                    format!(
                        "{} periods of {p} ms reach back more than 10 years ({MAX_DURATION_MS} ms)",
                        self.seasons
                    ),
                );
            }
        }
        for (k, _) in self.labels.iter() {
            if !valid_label_name(k) {
                return bad(
                    "labels",
                    format!("`{k}` is not a valid Prometheus label name"),
                );
            }
        }
        Ok(())
    }
}

/// Names the generated rules use.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRules {
    /// The rule file (YAML), ready for `promtool check rules`.
    pub yaml: String,
    pub group: String,
    pub alert: String,
    /// Recorded series: value, baseline, upper, lower.
    pub records: Vec<String>,
}

fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with("__")
}

/// `name` reduced to `[a-z0-9_]`, never empty, never starting with a digit.
fn snake(name: &str) -> String {
    let mut s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "panel".into()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("q_{s}")
    } else {
        s
    }
}

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A Prometheus duration: whole seconds as `Ns`, else `Nms`.
fn duration(ms: f64) -> String {
    let ms = ms.round() as i64;
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The longest duration the rules write (10 years).
const MAX_DURATION_MS: f64 = 10.0 * 365.25 * 86_400_000.0;

/// A YAML double-quoted scalar. Everything YAML does not allow raw in a document (C0 and C1
/// controls, DEL, the byte order mark, non-characters) and what readers take for line breaks
/// (NEL, U+2028, U+2029) is written as an escape.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        let code = c as u32;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ if code < 0x20 || (0x7f..=0x9f).contains(&code) => {
                out.push_str(&format!("\\x{code:02x}"))
            }
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' => {
                out.push_str(&format!("\\u{code:04x}"))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text that Prometheus's Go templates print as it is: `{{` opens an action anywhere in an
/// annotation or a label value, so no two braces stay next to each other (`{{{` too).
fn template_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '{' && out.ends_with('{') {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Numbers in PromQL: plain decimal, enough digits to round-trip.
fn number(v: f64) -> String {
    let s = format!("{v}");
    if s.contains('e') {
        format!("{v:.12}")
    } else {
        s
    }
}

/// Generates the rule file. Recorded series (all keep the query's labels):
///
/// - `foresight:<name>:value`: the query;
/// - `foresight:<name>:baseline`: with a period P, the median (or mean) across k =
///   1…seasons of the median (or mean) of the query in a window of `window_ms` centred on
///   the same time k periods ago (`quantile_over_time(0.5, (query)[w:step] offset (k·P −
///   w/2))`, each tagged `foresight_season="k"` and combined by `quantile without
///   (foresight_season) (0.5, …)`); without a period, the median of the last `lookback_ms`;
/// - `foresight:<name>:upper` / `:lower`: baseline ± max(band sigmas × residual spread,
///   min abs deviation, min rel deviation × |baseline|).
///
/// The alert fires when the value stays above `upper` (direction up), below `lower` (down)
/// or either (both) for `min_duration_ms`.
pub fn alert_rules(options: &AlertRuleOptions) -> Result<AlertRules> {
    options.validate()?;
    let base = snake(&options.name);
    let group = format!("foresight_{base}");
    let alert = format!("Foresight{}Anomaly", camel(&base));
    let rec = |suffix: &str| format!("foresight:{base}:{suffix}");
    let (value, baseline, upper, lower) =
        (rec("value"), rec("baseline"), rec("upper"), rec("lower"));
    let query = options.query.trim();
    let step = duration(options.step_ms);
    let over_time = |range_ms: f64, offset_ms: Option<f64>| {
        let sub = format!("({query})[{}:{step}]", duration(range_ms));
        let sub = match offset_ms {
            Some(o) => format!("{sub} offset {}", duration(o)),
            None => sub,
        };
        match options.statistic {
            BaselineStatistic::Median => format!("quantile_over_time(0.5, {sub})"),
            BaselineStatistic::Mean => format!("avg_over_time({sub})"),
        }
    };
    let period = options.period_ms.filter(|p| *p > 0.0);
    let (baseline_expr, baseline_text) = match period {
        Some(p) => {
            let terms: Vec<String> = (1..=options.seasons)
                .map(|k| {
                    let term = over_time(
                        options.window_ms,
                        Some(k as f64 * p - options.window_ms / 2.0),
                    );
                    format!("label_replace({term}, \"{SEASON_LABEL}\", \"{k}\", \"\", \"\")")
                })
                .collect();
            // Each past period is tagged with its own label so the union keeps them apart;
            // the median (or mean) across them ignores one period's incident (with 3 or
            // more periods) and a missing period.
            let across = match options.statistic {
                BaselineStatistic::Median => "quantile without ({SEASON_LABEL}) (0.5, ",
                BaselineStatistic::Mean => "avg without ({SEASON_LABEL}) (",
            }
            .replace("{SEASON_LABEL}", SEASON_LABEL);
            let expr = format!("{across}{})", terms.join(" or "));
            (
                expr,
                format!(
                    "the same time in the last {} period(s) of {}",
                    options.seasons,
                    duration(p)
                ),
            )
        }
        None => (
            over_time(options.lookback_ms, None),
            format!("the last {}", duration(options.lookback_ms)),
        ),
    };
    let width = number(options.band_width());
    let half_width = if options.min_rel_deviation > 0.0 {
        format!(
            "clamp_min(abs({baseline}) * {}, {width})",
            number(options.min_rel_deviation)
        )
    } else {
        width.clone()
    };
    let alert_expr = match options.direction {
        Direction::Up => format!("{value} > {upper}"),
        Direction::Down => format!("{value} < {lower}"),
        Direction::Both => format!("({value} > {upper}) or ({value} < {lower})"),
    };
    let side = match options.direction {
        Direction::Up => "above",
        Direction::Down => "below",
        Direction::Both => "outside",
    };
    let mut labels: Labels = options
        .labels
        .iter()
        .map(|(k, v)| (k, template_text(v)))
        .collect();
    if labels.get("severity").is_none() {
        labels.insert("severity", "warning");
    }
    let summary = format!(
        "{} is {side} its seasonal band",
        template_text(options.name.trim())
    );
    let description = format!(
        "Value {{{{ $value | humanize }}}} is {side} the band of ±{} around the baseline ({baseline_text}). Generated by Foresight for: {}",
        width,
        template_text(query)
    );

    let mut y = String::new();
    y.push_str("# Generated by Foresight: reproduces the panel's contextual anomaly detection.\n");
    y.push_str(&format!(
        "# Band: ±max({} × {} residual spread, {} min deviation){}; for: {}.\n",
        number(options.band_sigmas()),
        number(options.residual_spread),
        number(options.min_abs_deviation),
        if options.min_rel_deviation > 0.0 {
            format!(
                ", at least {} × |baseline|",
                number(options.min_rel_deviation)
            )
        } else {
            String::new()
        },
        duration(options.min_duration_ms)
    ));
    y.push_str("groups:\n");
    y.push_str(&format!("  - name: {}\n", quote(&group)));
    y.push_str(&format!("    interval: {step}\n"));
    y.push_str("    rules:\n");
    let mut record = |name: &str, expr: &str| {
        y.push_str(&format!("      - record: {}\n", quote(name)));
        y.push_str(&format!("        expr: {}\n", quote(expr)));
    };
    record(&value, query);
    record(&baseline, &baseline_expr);
    record(&upper, &format!("{baseline} + {half_width}"));
    record(&lower, &format!("{baseline} - {half_width}"));
    y.push_str(&format!("      - alert: {}\n", quote(&alert)));
    y.push_str(&format!("        expr: {}\n", quote(&alert_expr)));
    if options.min_duration_ms > 0.0 {
        y.push_str(&format!(
            "        for: {}\n",
            duration(options.min_duration_ms)
        ));
    }
    y.push_str("        labels:\n");
    for (k, v) in labels.iter() {
        y.push_str(&format!("          {k}: {}\n", quote(v)));
    }
    y.push_str("        annotations:\n");
    y.push_str(&format!("          summary: {}\n", quote(&summary)));
    y.push_str(&format!("          description: {}\n", quote(&description)));
    Ok(AlertRules {
        yaml: y,
        group,
        alert,
        records: vec![value, baseline, upper, lower],
    })
}
