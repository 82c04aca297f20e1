"""Python prophet (cmdstan) on the same inputs as the browser benchmark, natively.

Reads a JSON list of series on stdin (see tests/bench/run.mjs), prints timings as JSON.
"""
import json
import logging
import statistics
import sys
import time

import pandas as pd
from prophet import Prophet

logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
logging.getLogger("prophet").setLevel(logging.WARNING)


def frame(ds_ms, s):
    df = pd.DataFrame({"ds": pd.to_datetime(ds_ms, unit="ms")})
    if s.get("cap") is not None:
        df["cap"] = s["cap"]
    if s.get("floor") is not None:
        df["floor"] = s["floor"]
    return df


def run(s, repeats):
    kwargs = {}
    for key, name in [("growth", "growth"), ("seasonalityMode", "seasonality_mode"),
                      ("changepointPriorScale", "changepoint_prior_scale")]:
        if s.get(key) is not None:
            kwargs[name] = s[key]
    fit_ms, predict_ms = [], []
    for _ in range(repeats):
        train = frame(s["ds"], s)
        train["y"] = s["y"]
        model = Prophet(**kwargs)
        t0 = time.perf_counter()
        model.fit(train)
        t1 = time.perf_counter()
        model.predict(frame(s["predictDs"], s))
        t2 = time.perf_counter()
        fit_ms.append((t1 - t0) * 1000)
        predict_ms.append((t2 - t1) * 1000)
    return {"name": s["name"], "engine": "python prophet", "fitMs": fit_ms, "predictMs": predict_ms}


def main():
    series = json.load(sys.stdin)
    out = [run(s, 3 if len(s["ds"]) > 10_000 else 5) for s in series]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
