#!/usr/bin/env python3
"""Write three SYNTHETIC FHIR R4 sample patients to public/samples/.

    python3 model/make_samples.py                 # stdlib only
    python3 model/make_samples.py --validate-r4   # also parse with fhir.resources 5.1.1 (FHIR 4.0.1)

Every byte is deterministic: fixed seed, fixed dates (2019-2026), uuid5 ids.
None of these people exist; every resource carries the tag
https://assent.invalid/tags|synthetic.

  Patient A  every feature of the shipped model present   -> hint computable, moderate risk
  Patient B  every feature present                        -> hint computable, low risk
  Patient C  no 2-hour OGTT glucose (LOINC 1518-0)        -> "cannot compute: missing ..."

The expected hints are computed from public/model/<model>.json (raw-unit
coefficients) and written to public/samples/README.md.
"""

from __future__ import annotations

import json
import math
import random
import sys
import uuid
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "public" / "samples"
MODEL_JSON = ROOT / "model" / "model.json"

SEED = 1988
AS_OF = date(2026, 1, 15)  # the date the README's expected hints are computed for
NS = uuid.UUID("6f1c2a52-7a43-5b0e-9d0e-8a1b5e2f0c11")  # fixed namespace for uuid5

TAG = {"system": "https://assent.invalid/tags", "code": "synthetic", "display": "Synthetic test data"}
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
CAT_DISPLAY = {"vital-signs": "Vital Signs", "laboratory": "Laboratory", "social-history": "Social History"}

# code -> (display, UCUM code, category)
OBS = {
    "29463-7": ("Body weight", "kg", "vital-signs"),
    "8302-2": ("Body height", "cm", "vital-signs"),
    "39156-5": ("Body mass index (BMI) [Ratio]", "kg/m2", "vital-signs"),
    "8480-6": ("Systolic blood pressure", "mm[Hg]", "vital-signs"),
    "8462-4": ("Diastolic blood pressure", "mm[Hg]", "vital-signs"),
    "8867-4": ("Heart rate", "/min", "vital-signs"),
    "4548-4": ("Hemoglobin A1c/Hemoglobin.total in Blood", "%", "laboratory"),
    "1558-6": ("Fasting glucose [Mass/volume] in Serum or Plasma", "mg/dL", "laboratory"),
    "1518-0": ("Glucose [Mass/volume] in Serum or Plasma --2 hours post 75 g glucose PO", "mg/dL", "laboratory"),
    "11996-6": ("[#] Pregnancies", "{#}", "social-history"),
}
UNIT_TEXT = {"kg": "kg", "cm": "cm", "kg/m2": "kg/m2", "mm[Hg]": "mmHg", "/min": "beats/minute", "%": "%",
             "mg/dL": "mg/dL", "{#}": "{#}"}

# model feature id -> how it appears in a bundle (LOINC code, or Patient.birthDate)
FEATURE_SOURCE = {"npreg": "11996-6", "glu": "1518-0", "bp": "8462-4", "bmi": "39156-5", "age": "birthDate"}


def uid(*parts) -> str:
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


def meta():
    return {"tag": [dict(TAG)]}


class Builder:
    def __init__(self, key: str, rng: random.Random):
        self.key = key
        self.rng = rng
        self.entries = []
        self.counter = 0
        self.patient_url = None

    def add(self, resource):
        self.entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})

    def patient(self, birth_date: str):
        pid = uid(self.key, "Patient")
        self.patient_url = f"urn:uuid:{pid}"
        self.add({
            "resourceType": "Patient",
            "id": pid,
            "meta": meta(),
            "text": {"status": "generated",
                     "div": f"<div xmlns=\"http://www.w3.org/1999/xhtml\">Synthetic Patient {self.key} "
                            "(synthetic test data; not a real person)</div>"},
            "active": True,
            "name": [{"use": "official", "text": f"Synthetic Patient {self.key}", "family": f"Patient {self.key}",
                      "given": ["Synthetic"]}],
            "gender": "female",
            "birthDate": birth_date,
        })

    def obs(self, code: str, value, when: str):
        display, ucum, cat = OBS[code]
        self.counter += 1
        oid = uid(self.key, "Observation", code, when, self.counter)
        self.add({
            "resourceType": "Observation",
            "id": oid,
            "meta": meta(),
            "status": "final",
            "category": [{"coding": [{"system": OBS_CAT, "code": cat, "display": CAT_DISPLAY[cat]}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
            "subject": {"reference": self.patient_url},
            "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": UNIT_TEXT[ucum], "system": UCUM, "code": ucum},
        })

    def condition(self, code: str, display: str, onset: str, status: str = "active"):
        self.add({
            "resourceType": "Condition",
            "id": uid(self.key, "Condition", code),
            "meta": meta(),
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                      "code": "problem-list-item", "display": "Problem List Item"}]}],
            "code": {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display},
            "subject": {"reference": self.patient_url},
            "onsetDateTime": onset,
            "recordedDate": onset,
        })

    def medication(self, rxcui: str, display: str, dosage: str, start: str, end: str | None = None):
        period = {"start": start}
        if end:
            period["end"] = end
        self.add({
            "resourceType": "MedicationStatement",
            "id": uid(self.key, "MedicationStatement", rxcui),
            "meta": meta(),
            "status": "completed" if end else "active",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxcui, "display": display}],
                                          "text": display},
            "subject": {"reference": self.patient_url},
            "effectivePeriod": period,
            "dateAsserted": start,
            "dosage": [{"text": dosage}],
        })

    def bundle(self):
        return {
            "resourceType": "Bundle",
            "id": uid(self.key, "Bundle"),
            "meta": meta(),
            "type": "collection",
            "timestamp": "2026-01-15T12:00:00Z",
            "entry": self.entries,
        }


def vitals_series(b: Builder, visits, height_cm, bmis, sys_bp, dia_bp, hr):
    """One weight, BMI, BP pair and heart rate per visit. The last visit's values are exact targets."""
    b.obs("8302-2", height_cm, visits[0])
    h2 = (height_cm / 100) ** 2
    for i, when in enumerate(visits):
        bmi = bmis[i]
        b.obs("29463-7", round(bmi * h2, 1), when)
        b.obs("39156-5", bmi, when)
        b.obs("8480-6", sys_bp[i], when)
        b.obs("8462-4", dia_bp[i], when)
        b.obs("8867-4", hr[i], when)


def jitter(rng, base, spread, n, last, digits=0):
    vals = [round(base + rng.uniform(-spread, spread), digits) for _ in range(n - 1)] + [last]
    return [int(v) if digits == 0 else v for v in vals]


def at(d: str, t: str = "09:30:00") -> str:
    return f"{d}T{t}Z"


def patient_a(rng):
    b = Builder("A", rng)
    b.patient("1979-04-12")
    visits = [at(d) for d in ("2019-06-03", "2020-07-15", "2021-09-02", "2022-10-11", "2023-11-20",
                              "2024-03-05", "2025-04-22")]
    bmis = [29.8, 30.2, 30.9, 31.4, 30.8, 31.2, 31.0]
    vitals_series(b, visits, 162.0, bmis, jitter(rng, 134, 6, 7, 136), jitter(rng, 84, 4, 7, 82),
                  jitter(rng, 76, 6, 7, 78))
    for d, a1c, fpg in (("2019-06-03", 5.8, 104), ("2021-09-02", 6.0, 109), ("2023-11-20", 6.1, 112),
                        ("2025-04-22", 6.2, 114)):
        b.obs("4548-4", a1c, at(d, "08:10:00"))
        b.obs("1558-6", fpg, at(d, "08:10:00"))
    b.obs("1518-0", 128, at("2021-09-02", "10:15:00"))
    b.obs("1518-0", 135, at("2024-03-05", "10:15:00"))  # latest 2-hour OGTT value
    b.obs("11996-6", 3, at("2019-06-03"))
    b.obs("11996-6", 3, at("2025-04-22"))
    b.condition("714628002", "Prediabetes", "2021-09-02")
    b.condition("59621000", "Essential hypertension", "2020-07-15")
    b.medication("29046", "lisinopril", "10 mg by mouth once daily", "2020-07-15")
    return b


def patient_b(rng):
    b = Builder("B", rng)
    b.patient("1994-08-30")
    visits = [at(d) for d in ("2019-02-18", "2020-11-09", "2022-05-16", "2023-08-28", "2025-06-10")]
    bmis = [22.1, 22.8, 22.4, 22.9, 22.5]
    vitals_series(b, visits, 168.0, bmis, jitter(rng, 112, 5, 5, 110), jitter(rng, 71, 4, 5, 70),
                  jitter(rng, 66, 5, 5, 64))
    for d, a1c, fpg in (("2020-11-09", 5.1, 86), ("2023-08-28", 5.2, 88), ("2025-06-10", 5.2, 87)):
        b.obs("4548-4", a1c, at(d, "08:05:00"))
        b.obs("1558-6", fpg, at(d, "08:05:00"))
    b.obs("1518-0", 98, at("2023-08-28", "10:05:00"))
    b.obs("11996-6", 1, at("2025-06-10"))
    b.condition("40930008", "Hypothyroidism", "2020-11-09")
    b.medication("10582", "levothyroxine", "50 micrograms by mouth once daily", "2020-11-09")
    return b


def patient_c(rng):
    b = Builder("C", rng)
    b.patient("1968-01-20")
    visits = [at(d) for d in ("2019-09-23", "2021-01-11", "2022-06-27", "2024-02-14", "2025-10-06")]
    bmis = [34.6, 35.2, 35.9, 36.3, 36.0]
    vitals_series(b, visits, 158.0, bmis, jitter(rng, 138, 6, 5, 140), jitter(rng, 86, 4, 5, 88),
                  jitter(rng, 80, 6, 5, 82))
    # Fasting glucose and HbA1c are present, but they are NOT the 2-hour OGTT value the model needs.
    for d, a1c, fpg in (("2019-09-23", 5.9, 106), ("2022-06-27", 6.0, 108), ("2025-10-06", 6.1, 111)):
        b.obs("4548-4", a1c, at(d, "08:20:00"))
        b.obs("1558-6", fpg, at(d, "08:20:00"))
    b.obs("11996-6", 4, at("2019-09-23"))
    b.condition("414916001", "Obesity", "2019-09-23")
    b.condition("55822004", "Hyperlipidemia", "2021-01-11")
    b.medication("83367", "atorvastatin", "20 mg by mouth once daily", "2021-01-11")
    b.medication("6809", "metformin", "500 mg by mouth twice daily", "2022-06-27", "2023-03-01")
    return b


# ------------------------------------------------------------------ self-check


def check(bundle, key):
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert TAG in bundle["meta"]["tag"]
    urls, ids = set(), set()
    patient_url = None
    for e in bundle["entry"]:
        r = e["resource"]
        assert e["fullUrl"] == f"urn:uuid:{r['id']}", e["fullUrl"]
        uuid.UUID(r["id"])
        assert e["fullUrl"] not in urls and r["id"] not in ids, "duplicate id"
        urls.add(e["fullUrl"])
        ids.add(r["id"])
        assert TAG in r["meta"]["tag"], f"{r['resourceType']} {r['id']} not tagged synthetic"
        if r["resourceType"] == "Patient":
            assert patient_url is None
            patient_url = e["fullUrl"]
            assert r["gender"] == "female" and r["name"][0]["text"] == f"Synthetic Patient {key}"
            date.fromisoformat(r["birthDate"])
    assert patient_url
    for e in bundle["entry"]:
        r = e["resource"]
        rt = r["resourceType"]
        if rt != "Patient":
            assert r["subject"]["reference"] == patient_url
        if rt == "Observation":
            assert r["status"] == "final"
            cats = [c for cc in r["category"] for c in cc["coding"]]
            assert cats and all(c["system"] == OBS_CAT and c["code"] in CAT_DISPLAY for c in cats)
            (coding,) = r["code"]["coding"]
            assert coding["system"] == LOINC and coding["code"] in OBS
            q = r["valueQuantity"]
            assert isinstance(q["value"], (int, float)) and not isinstance(q["value"], bool)
            assert q["system"] == UCUM and q["code"] == OBS[coding["code"]][1] and q["unit"]
            assert "2019-01-01" <= r["effectiveDateTime"][:10] <= "2026-12-31"
            assert r["effectiveDateTime"].endswith("Z") and len(r["effectiveDateTime"]) == 20
            datetime.fromisoformat(r["effectiveDateTime"].replace("Z", "+00:00"))  # a real instant
        elif rt == "Condition":
            assert r["clinicalStatus"]["coding"][0]["code"] in ("active", "resolved", "inactive")
            assert r["code"]["coding"][0]["system"] == SNOMED
            assert "2019-01-01" <= r["onsetDateTime"] <= "2026-12-31"
            date.fromisoformat(r["onsetDateTime"])
        elif rt == "MedicationStatement":
            assert r["status"] in ("active", "completed")
            assert r["medicationCodeableConcept"]["coding"][0]["system"] == RXNORM
            assert "2019-01-01" <= r["effectivePeriod"]["start"] <= "2026-12-31"
            for v in r["effectivePeriod"].values():
                date.fromisoformat(v)
        else:
            assert rt == "Patient", rt


def latest(bundle, code):
    vals = [(e["resource"]["effectiveDateTime"], e["resource"]["valueQuantity"]["value"])
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation"
            and e["resource"]["code"]["coding"][0]["code"] == code]
    return max(vals)[1] if vals else None


def age_on(birth: str, on: date) -> int:
    y, m, d = (int(p) for p in birth.split("-"))
    return on.year - y - ((on.month, on.day) < (m, d))


def expected_hint(bundle, model):
    feats = model["feature_order"]
    birth = next(e["resource"]["birthDate"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    x, missing = {}, []
    for f in feats:
        src = FEATURE_SOURCE[f]
        v = age_on(birth, AS_OF) if src == "birthDate" else latest(bundle, src)
        if v is None:
            missing.append(f)
        x[f] = v
    if missing:
        return x, missing, None
    by_id = {fe["id"]: fe for fe in model["features"]}
    logit = model["intercept_raw"] + sum(by_id[f]["coefficient_raw"] * x[f] for f in feats)
    return x, [], 1 / (1 + math.exp(-logit))


def validate_r4(bundle):
    from fhir.resources import __fhir_version__
    from fhir.resources.bundle import Bundle

    assert __fhir_version__ == "4.0.1", __fhir_version__
    parsed = Bundle(bundle, strict=True)  # raises FHIRValidationError on any structural error
    again = parsed.as_json()  # re-serializing also checks required elements
    assert len(again["entry"]) == len(bundle["entry"])
    return __fhir_version__


def main(argv):
    model = json.loads(MODEL_JSON.read_text(encoding="utf-8"))
    unknown = [f for f in model["feature_order"] if f not in FEATURE_SOURCE]
    if unknown:
        sys.exit(f"make_samples.py does not know how to write features {unknown}; extend FEATURE_SOURCE")

    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    fhir_version = None
    for key, make, want in (("A", patient_a, "moderate"), ("B", patient_b, "low"), ("C", patient_c, "missing")):
        bundle = make(rng).bundle()
        check(bundle, key)
        text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
        assert json.loads(text) == bundle  # well-formed, round-trips
        if "--validate-r4" in argv:
            fhir_version = validate_r4(bundle)
        x, missing, p = expected_hint(bundle, model)
        if want == "missing":
            assert missing == ["glu"], missing
        else:
            assert not missing, missing
            assert (0.25 <= p <= 0.6) if want == "moderate" else (p < 0.1), (key, p)
        path = OUT / f"synthetic-patient-{key.lower()}.json"
        path.write_text(text, encoding="utf-8")
        counts = {}
        for e in bundle["entry"]:
            counts[e["resource"]["resourceType"]] = counts.get(e["resource"]["resourceType"], 0) + 1
        rows.append((key, path.name, x, missing, p, counts))
        print(f"{path.relative_to(ROOT)}: {counts} features={x} missing={missing} "
              f"p={'-' if p is None else f'{p:.4f}'}")
    if fhir_version:
        print(f"validated against FHIR {fhir_version} with fhir.resources (strict)")
    write_readme(rows, model)


def write_readme(rows, model):
    feats = model["feature_order"]
    lines = [
        "# Synthetic sample patients",
        "",
        "**These people do not exist.** The three files here are synthetic FHIR R4 `Bundle`s (type",
        "`collection`) made up for testing and demonstrating Assent's records view and its on-device",
        "risk hint. No real patient data was used to write them. Every resource, the bundle included, carries",
        "",
        "```json",
        json.dumps(TAG),
        "```",
        "",
        "and each patient is named \"Synthetic Patient A/B/C\".",
        "",
        "| file | patient | what it tests | expected hint (as of " + AS_OF.isoformat() + ") |",
        "|---|---|---|---|",
    ]
    what = {"A": "every model feature present; moderate risk",
            "B": "every model feature present; low risk",
            "C": "no 2-hour OGTT glucose (LOINC 1518-0): the wallet must say it cannot compute"}
    for key, name, x, missing, p, _ in rows:
        by_id = {fe["id"]: fe for fe in model["features"]}
        names = [f"{by_id[f]['name']} (LOINC {by_id[f]['code']['code']})" if by_id[f]["code"] else by_id[f]["name"]
                 for f in missing]
        hint = f"cannot compute: missing {', '.join(names)}" if missing else f"P(diabetes) = {p:.3f}"
        lines.append(f"| `{name}` | Synthetic Patient {key} | {what[key]} | {hint} |")
    lines += [
        "",
        f"Feature values used (latest Observation of each code; age in completed years on {AS_OF.isoformat()};",
        f"model `{model['model']}`, feature order {feats}):",
        "",
        "| patient | " + " | ".join(feats) + " |",
        "|---|" + "---|" * len(feats),
    ]
    for key, _, x, _, _, _ in rows:
        lines.append(f"| {key} | " + " | ".join("—" if x[f] is None else str(x[f]) for f in feats) + " |")
    lines += [
        "",
        "The probability is computed in float64 from the raw-unit coefficients in",
        f"`public/model/{model['model']}.json`; the float32 ONNX model agrees to within 1e-5. Age grows with",
        "the date the hint is computed (each year adds "
        f"{next(fe['coefficient_raw'] for fe in model['features'] if fe['id'] == 'age'):.4f} to the log-odds), so",
        "the wallet's figure drifts slowly from the table above.",
        "",
        "Patient C has a fasting glucose (1558-6) and HbA1c (4548-4) but no 2-hour OGTT value; those are",
        "**not** substitutes for it, and the wallet never invents a missing value.",
        "",
        "## Contents",
        "",
        "Each bundle holds one `Patient` (female, with `birthDate`) and, referenced by `urn:uuid:` `fullUrl`s:",
        "",
        "- `Observation`s (`status` final, `category` from",
        "  `http://terminology.hl7.org/CodeSystem/observation-category`, LOINC `code`, UCUM `valueQuantity`,",
        "  `effectiveDateTime`), as time series between 2019 and 2025: body weight 29463-7 (kg), body height",
        "  8302-2 (cm, once), BMI 39156-5 (kg/m2), systolic 8480-6 and diastolic 8462-4 blood pressure",
        "  (mm[Hg], separate Observations, no panel), heart rate 8867-4 (/min) — category `vital-signs`;",
        "  HbA1c 4548-4 (%), fasting glucose 1558-6 (mg/dL), 2-hour 75 g OGTT glucose 1518-0 (mg/dL) —",
        "  category `laboratory`; number of pregnancies 11996-6 (`{#}`) — category `social-history`.",
        "- `Condition`s with SNOMED CT codes, `clinicalStatus`, `verificationStatus` and `onsetDateTime`.",
        "- `MedicationStatement`s with RxNorm ingredient codes (`http://www.nlm.nih.gov/research/umls/rxnorm`)",
        "  and an `effectivePeriod`.",
        "",
        "| patient | resources |",
        "|---|---|",
    ]
    for key, _, _, _, _, counts in rows:
        lines.append(f"| {key} | " + ", ".join(f"{v} {k}" for k, v in counts.items()) + " |")
    lines += [
        "",
        "## How they were made",
        "",
        "```sh",
        "python3 model/make_samples.py                # stdlib only; rewrites these files byte for byte",
        "bash model/train.sh                          # model first, then the samples, validated against R4",
        "```",
        "",
        "The script is deterministic (fixed seed, fixed dates, uuid5 ids), reads the shipped model's",
        "feature list from `model/model.json`, and checks every bundle: JSON round-trip, unique ids,",
        "`fullUrl` = `urn:uuid:<id>`, the synthetic tag on every resource, subject references, and the",
        "required Observation fields above. With `--validate-r4` (as `model/train.sh` runs it) it also",
        "parses every bundle in strict mode with `fhir.resources` 5.1.1, whose models are FHIR 4.0.1 (R4).",
        "",
        "## Licence",
        "",
        "Made for this project and released under the project's own licence (Apache-2.0 OR MIT). They contain",
        "no third-party data.",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
