"""Parity fuzzer: Prophet problems generated from a seed, fitted by Python Prophet.

Each problem is a series shape (frequency, length, gaps, level shifts, spikes, outliers,
negative values, large offsets, near-constant values) crossed with Prophet options (growth,
cap/floor, seasonality mode, holidays and one-off events, added seasonalities,
n_changepoints, changepoint_range, prior scales). Python Prophet fits each (MAP, cmdstan), and
a compact record goes to fuzz/<id>.json:

  data       t0 (ms, UTC), step (ms), idx (run-length pairs [first step index, count] of the
             rows kept), y0, dy, q (integers): y = y0 + dy * q, computed in float64 as here,
             so the Rust test sees the very values Python Prophet fitted
  options    Foresight's ForecastOptions (Prophet's names; holidays as rows with ds in ms)
  python     Prophet's fitted params (k, m, sigma_obs, delta, beta in Prophet's column
             order), lp__, seasonalities chosen, changepoints (ms), y_scale, in-sample RMSE,
             and yhat / trend at sampled training rows and horizon rows (ds in ms)
  error      instead of `python` when Python Prophet refuses the problem

Usage: python fuzz.py [--seed N] [--count N] [--jobs N] [ID ...]   (needs: pip install prophet)
The problem list depends only on the seed and count; IDs regenerate single problems.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fuzz")

MIN = 60_000
HOUR = 3_600_000
DAY = 86_400_000
FREQS = {  # name -> (step ms, typical row counts)
    "5min": (5 * MIN, (300, 4000)),
    "30min": (30 * MIN, (200, 3000)),
    "hourly": (HOUR, (150, 3000)),
    "daily": (DAY, (60, 2000)),
    "weekly": (7 * DAY, (40, 400)),
    "monthly": (None, (30, 180)),  # calendar months
}
SHAPES = ["smooth", "gaps", "level_shifts", "spikes", "outliers", "negative", "offset",
          "near_constant", "short", "trend_breaks"]


def month_starts(t0, n):
    start = pd.Timestamp(t0, unit="ms")
    return [int((start + pd.DateOffset(months=i)).value // 1_000_000) for i in range(n)]


def run_length(idx):
    runs = []
    for i in idx:
        if runs and runs[-1][0] + runs[-1][1] == i:
            runs[-1][1] += 1
        else:
            runs.append([int(i), 1])
    return runs


def seasonal(ts_ms, rng, amp_day, amp_week, amp_year):
    t = np.asarray(ts_ms, dtype=float)
    out = np.zeros_like(t)
    for period, amp in ((DAY, amp_day), (7 * DAY, amp_week), (365.25 * DAY, amp_year)):
        if amp == 0:
            continue
        for h in (1, 2):
            phase = rng.uniform(0, 2 * math.pi)
            out += amp / h * np.sin(2 * math.pi * h * t / period + phase)
    return out


def quantise(y, rng):
    """y as y0 + dy * q with integer q: about 4-5 significant digits of the spread."""
    lo, hi = float(np.min(y)), float(np.max(y))
    spread = max(hi - lo, abs(hi) * 1e-6, 1e-9)
    dy = float("%.3g" % (spread / rng.choice([2000, 10000, 30000])))
    y0 = float("%.6g" % lo)
    q = np.round((y - y0) / dy).astype(np.int64)
    return y0, dy, q


def make_problem(seed, i):
    rng = random.Random(seed * 1_000_003 + i)
    nrng = np.random.default_rng(seed * 1_000_003 + i)
    special = None
    kind = i % 20
    if i >= 220:
        # Issue 14's second stall as reported: the values themselves go from ~22 to ~92 (a
        # disk in %), cap 100, floors just below the data (15, 20 stalled) and further.
        special = "logistic_filling_pct"
    elif kind == 0:
        special = "hourly_temperature_gaps"
    elif kind == 10:
        special = "logistic_filling"
    elif i % 67 == 33:
        special = "long"
    freq = rng.choice(list(FREQS))
    shape = rng.choice(SHAPES)
    step, (lo_n, hi_n) = FREQS[freq]
    n = int(math.exp(rng.uniform(math.log(lo_n), math.log(hi_n))))
    if shape == "short":
        n = rng.randint(20, 99)
    if special == "hourly_temperature_gaps":
        freq, shape, step = "hourly", "gaps", HOUR
        n = rng.randint(5000, 8000)
    elif special in ("logistic_filling", "logistic_filling_pct"):
        freq, shape, step = "hourly", "smooth", HOUR
        n = rng.randint(900, 1600)
    elif special == "long":
        freq, shape, step = "5min", rng.choice(["smooth", "gaps", "spikes"]), 5 * MIN
        n = rng.randint(20_500, 26_000)
    t0 = int(pd.Timestamp(rng.choice(["2015-01-01", "2018-03-15", "2021-06-01", "2024-01-01"]),
                          tz="UTC").value // 1_000_000)
    if step is None:
        ts = np.array(month_starts(t0, n), dtype=np.int64)
    else:
        ts = t0 + step * np.arange(n, dtype=np.int64)
    idx = np.arange(n)

    # Values.
    level = rng.choice([0.0, 1.0, 10.0, 100.0, 1000.0])
    scale = rng.choice([0.1, 1.0, 10.0, 100.0]) if level else rng.choice([1.0, 10.0])
    span = float(ts[-1] - ts[0]) or 1.0
    u = (ts - ts[0]) / span
    trend = level + scale * rng.uniform(-2, 2) * u
    amp_day = scale * rng.choice([0, 0.5, 1, 3]) if step is not None and step < DAY else 0
    amp_week = scale * rng.choice([0, 0.3, 1]) if step is None or step < 7 * DAY else 0
    amp_year = scale * rng.choice([0, 1, 3]) if span > 300 * DAY else 0
    noise_sd = scale * rng.choice([0.05, 0.2, 0.5, 1.0])
    y = trend + seasonal(ts, rng, amp_day, amp_week, amp_year)
    if rng.random() < 0.2:
        y = y + nrng.standard_t(3, n) * noise_sd
    else:
        y = y + nrng.normal(0, noise_sd, n)
    if shape == "level_shifts":
        for _ in range(rng.randint(1, 4)):
            y[rng.randrange(n):] += scale * rng.uniform(-5, 5)
    elif shape == "trend_breaks":
        for _ in range(rng.randint(1, 3)):
            c = rng.random()
            y += scale * rng.uniform(-6, 6) * np.clip(u - c, 0, None)
    elif shape == "spikes":
        for _ in range(rng.randint(1, max(2, n // 200))):
            a = rng.randrange(n)
            y[a:a + rng.randint(1, 5)] += scale * rng.uniform(5, 30) * rng.choice([1, -1])
    elif shape == "outliers":
        k = max(1, int(n * rng.uniform(0.002, 0.02)))
        y[nrng.choice(n, k, replace=False)] += scale * nrng.normal(0, 20, k)
    elif shape == "negative":
        y = y - (np.max(y) + scale * rng.uniform(0.5, 5))
    elif shape == "offset":
        y = y + rng.choice([1e5, 1e6, 3e6, -1e6])
    elif shape == "near_constant":
        c = rng.choice([0.0, 5.0, 1e3])
        y = c + nrng.normal(0, rng.choice([1e-6, 1e-3]) * max(1.0, abs(c)), n)
        if rng.random() < 0.3:
            y[rng.randrange(n):] += max(1.0, abs(c)) * 1e-2
    if shape == "gaps" or special == "hourly_temperature_gaps":
        keep = np.ones(n, dtype=bool)
        gap_steps = [2, 6, 24, 72, 168] if step is not None and step <= HOUR else [2, 5, 10]
        if step is not None and step <= HOUR:
            gap_steps = [int(g * HOUR / step) for g in gap_steps]
        for _ in range(rng.randint(2, 12)):
            a = rng.randrange(n)
            keep[a:a + rng.choice(gap_steps)] = False
        keep[0] = keep[-1] = True
        idx = idx[keep]

    options = {}
    if special == "hourly_temperature_gaps":
        # Issue 14's first stall: hourly temperature over months, multi-day gaps, defaults.
        t = ts.astype(float)
        y = (12 + 8 * np.sin(2 * math.pi * t / (365.25 * DAY) + rng.uniform(0, 6))
             + rng.uniform(3, 7) * np.sin(2 * math.pi * t / DAY + rng.uniform(0, 6))
             + np.cumsum(nrng.normal(0, 0.3, n)) * 0.3 + nrng.normal(0, 1.0, n))
    elif special == "logistic_filling":
        # Issue 14's second stall: a disk filling from ~22 % towards ~92 % of cap 100, floor 20.
        cap, floor = 100.0, rng.choice([15.0, 20.0, 20.0, 10.0])
        a, b = rng.uniform(0.2, 0.25), rng.uniform(0.88, 0.93)
        frac = a + (b - a) * (1 - np.exp(-3 * u)) / (1 - math.exp(-3))
        y = floor + (cap - floor) * frac + nrng.normal(0, 0.5, n) \
            + 0.8 * np.sin(2 * math.pi * ts / DAY)
        if special == "logistic_filling_pct":
            floor = [15.0, 20.0, 20.0, 15.0, 10.0, 19.0][(i - 220) % 6]
            y = 100 * frac + nrng.normal(0, 0.5, n) + 0.8 * np.sin(2 * math.pi * ts / DAY)
        options = {"growth": "logistic", "cap": cap, "floor": floor}
    else:
        g = rng.random()
        if g < 0.55:
            pass
        elif g < 0.68:
            options["growth"] = "flat"
        else:
            options["growth"] = "logistic"
            lo_y, hi_y = float(np.min(y[idx])), float(np.max(y[idx]))
            r = max(hi_y - lo_y, 1e-6)
            near = rng.random() < 0.5
            options["cap"] = float("%.6g" % (hi_y + r * (rng.uniform(0.01, 0.1) if near else rng.uniform(0.5, 3))))
            if rng.random() < 0.6:
                options["floor"] = float("%.6g" % (lo_y - r * (rng.uniform(0.01, 0.1) if near else rng.uniform(0.3, 2))))
            elif lo_y <= 0:
                options["floor"] = float("%.6g" % (lo_y - r * 0.2))
        if rng.random() < 0.25 and shape != "negative":
            options["seasonality_mode"] = "multiplicative"
        if rng.random() < 0.3:
            options["n_changepoints"] = rng.choice([0, 1, 5, 10, 40])
        if rng.random() < 0.3:
            options["changepoint_range"] = rng.choice([0.5, 0.9, 1.0])
        if rng.random() < 0.4:
            options["changepoint_prior_scale"] = rng.choice([0.001, 0.01, 0.2, 0.5, 2.0])
        if rng.random() < 0.25:
            options["seasonality_prior_scale"] = rng.choice([0.01, 0.1, 1.0, 50.0])
        if rng.random() < 0.15:
            options[rng.choice(["yearly_seasonality", "weekly_seasonality", "daily_seasonality"])] = \
                rng.choice([True, False, 2, 6])
        if rng.random() < 0.2:
            period_days = rng.choice([30.5, 3.5, 0.5, 90.0]) if step is None or step < 30 * DAY else 365.25 / 4
            options["seasonalities"] = [{
                "name": "custom", "period": period_days, "fourier_order": rng.choice([1, 3, 5]),
                **({"prior_scale": rng.choice([0.1, 1.0])} if rng.random() < 0.5 else {}),
                **({"mode": rng.choice(["additive", "multiplicative"])} if rng.random() < 0.3 else {}),
            }]
        if rng.random() < 0.25:
            rows = []
            days = (ts[idx[-1]] - ts[0]) // DAY
            if rng.random() < 0.6:  # recurring, with windows
                for _ in range(rng.randint(2, 6)):
                    d = ts[0] // DAY * DAY + DAY * rng.randrange(max(1, days))
                    rows.append({"holiday": "recurring", "ds": int(d),
                                 "lower_window": -rng.choice([0, 0, 1]), "upper_window": rng.choice([0, 1, 2])})
            else:  # one-off multi-day event
                d = ts[0] // DAY * DAY + DAY * rng.randrange(max(1, days))
                rows.append({"holiday": "event", "ds": int(d), "lower_window": 0,
                             "upper_window": rng.randint(0, 20)})
                if shape in ("level_shifts", "spikes"):
                    pass
            options["holidays"] = rows
            if rng.random() < 0.4:
                options["holidays_prior_scale"] = rng.choice([0.1, 1.0, 50.0])
        if rng.random() < 0.05:
            options["scaling"] = "minmax"
    y0, dy, q = quantise(y[idx], rng)
    pid = f"s{seed}_{i:03d}"
    return {
        "id": pid,
        "shape": special or shape,
        "freq": freq,
        "data": {"t0": int(ts[0]), "step": step, "monthly": step is None,
                 "idx": run_length(idx.tolist()), "y0": y0, "dy": dy, "q": q.tolist()},
        "horizon": {"steps": max(5, min(len(idx) // 10, 2000))},
        "options": options,
    }


def decode(data):
    idx = [a + j for a, c in data["idx"] for j in range(c)]
    if data["monthly"]:
        ms = month_starts(data["t0"], idx[-1] + 1)
        ts = [ms[i] for i in idx]
    else:
        ts = [data["t0"] + data["step"] * i for i in idx]
    y = data["y0"] + data["dy"] * np.asarray(data["q"], dtype=np.float64)
    return np.asarray(ts, dtype=np.int64), y


def horizon_ts(data, last_ms, steps):
    if data["monthly"]:
        start = pd.Timestamp(last_ms, unit="ms")
        return [int((start + pd.DateOffset(months=i)).value // 1_000_000) for i in range(1, steps + 1)]
    return [last_ms + data["step"] * i for i in range(1, steps + 1)]


def to_ms(ds):
    return ((pd.to_datetime(ds) - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)).astype(np.int64)


def fit(problem):
    import logging
    from prophet import Prophet
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    ts, y = decode(problem["data"])
    o = dict(problem["options"])
    df = pd.DataFrame({"ds": pd.to_datetime(ts, unit="ms"), "y": y})
    kw = {k: v for k, v in o.items() if k not in ("cap", "floor", "seasonalities", "holidays")}
    if "holidays" in o:
        h = pd.DataFrame(o["holidays"])
        h["ds"] = pd.to_datetime(h["ds"], unit="ms")
        kw["holidays"] = h
    if o.get("growth") == "logistic":
        df["cap"] = o["cap"]
        if "floor" in o:
            df["floor"] = o["floor"]
    m = Prophet(uncertainty_samples=0, **kw)
    for s in o.get("seasonalities", []):
        m.add_seasonality(**s)
    t0 = time.perf_counter()
    m.fit(df)
    fit_s = time.perf_counter() - t0
    rng = random.Random(problem["id"])
    n = len(df)
    rows = sorted(set([0, n - 1, int(np.argmin(y)), int(np.argmax(y))]
                      + list(range(0, n, max(1, n // 40))) + rng.sample(range(n), min(n, 30))))
    hz = horizon_ts(problem["data"], int(ts[-1]), problem["horizon"]["steps"])
    hrows = sorted(set([0, len(hz) - 1] + rng.sample(range(len(hz)), min(len(hz), 18))))
    fut = pd.DataFrame({"ds": pd.concat([df["ds"], pd.Series(pd.to_datetime([hz[j] for j in hrows], unit="ms"))],
                                        ignore_index=True)})
    if o.get("growth") == "logistic":
        fut["cap"] = o["cap"]
        if "floor" in o:
            fut["floor"] = o["floor"]
    fc = m.predict(fut)
    ins = fc.iloc[:n]
    rmse = float(np.sqrt(np.mean((y - ins["yhat"].to_numpy()) ** 2)))
    check = pd.concat([fc.iloc[rows], fc.iloc[n:]])
    params = {k: np.asarray(v).ravel().tolist() for k, v in m.params.items()}
    return {
        "params": {k: (v if k in ("delta", "beta") else v[0]) for k, v in params.items()},
        "seasonalities": {k: {kk: (float(vv) if isinstance(vv, (np.floating, float)) else vv)
                              for kk, vv in v.items() if kk in ("period", "fourier_order", "prior_scale", "mode")}
                          for k, v in m.seasonalities.items()},
        "changepoints_ms": to_ms(m.changepoints).tolist(),
        "y_scale": float(m.y_scale),
        "insample_rmse": rmse,
        "fit_seconds": round(fit_s, 4),
        "check": {"ds": to_ms(check["ds"]).tolist(), "train": [True] * len(rows) + [False] * len(hrows),
                  "yhat": [float("%.10g" % v) for v in check["yhat"]],
                  "trend": [float("%.10g" % v) for v in check["trend"]]},
    }


def run(problem):
    try:
        problem["python"] = fit(problem)
    except Exception as e:  # Python Prophet refuses: the Rust side must not panic either
        problem["error"] = f"{type(e).__name__}: {e}"
    with open(os.path.join(OUT, problem["id"] + ".json"), "w") as f:
        json.dump(problem, f, separators=(",", ":"))
    p = problem.get("python")
    return (f"{problem['id']} {problem['shape']:>24} {problem['freq']:>7} n={len(problem['data']['q']):>6} "
            + (f"fit={p['fit_seconds']:.2f}s rmse={p['insample_rmse']:.4g}" if p else "error: " + problem["error"]))


def main():
    import logging
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--count", type=int, default=226)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("ids", nargs="*", type=int)
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    problems = [make_problem(a.seed, i) for i in (a.ids or range(a.count))]
    if a.jobs > 1:
        from multiprocessing import Pool
        with Pool(a.jobs) as pool:
            for line in pool.imap_unordered(run, problems):
                print(line, flush=True)
    else:
        for p in problems:
            print(run(p), flush=True)


if __name__ == "__main__":
    main()
