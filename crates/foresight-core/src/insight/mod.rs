//! Insight on top of detection and forecasting: root-cause hints for an incident
//! ([`root_cause`], [`attribute_components`]), the time until a forecast crosses a threshold
//! ([`time_to_threshold`]) and Prometheus rules that carry the detection outside the browser
//! ([`alert_rules`]), and whether and how the panel forecasts a series ([`forecast_plan`]).
//!
//! Everything here is a pure, deterministic function of its inputs.

mod alert_rules;
mod components;
#[cfg(feature = "prophet")]
mod forecast_plan;
mod labels;
mod root_cause;
mod threshold;

pub use alert_rules::{alert_rules, AlertRuleOptions, AlertRules, BaselineStatistic};
pub use components::{
    attribute_components, Attribution, AttributionOptions, Cause, ComponentInput, DriverMove,
    DriverValues, NamedValues, Part,
};
#[cfg(feature = "prophet")]
pub use components::{attribute_incidents, IncidentWindow, ATTRIBUTED_INCIDENTS};
#[cfg(feature = "prophet")]
pub use forecast_plan::{
    forecast_plan, ForecastModel, ForecastPlan, ForecastPlanInput, AUTO_MIN_POINTS,
};
pub use labels::Labels;
pub use root_cause::{
    label_breakdown, root_cause, root_causes, LabelShare, RelatedSeries, RootCause,
    RootCauseOptions, MAX_ROOT_CAUSE_INCIDENTS,
};
pub use threshold::{
    describe_crossing, format_duration, format_number, time_to_threshold, unit_mismatch,
    CrossingInterval, CrossingState, ForecastPath, LastObserved, ThresholdCrossing,
    ThresholdDirection,
};
