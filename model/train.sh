#!/usr/bin/env bash
# Reproduce the risk-hint model and the synthetic sample patients:
#   bash model/train.sh
# Makes (once) two venvs under $HOME/.cache/assent, installs the exact pins from PyPI,
# runs model/train.py (model, metrics, ONNX, reference predictions) and
# model/make_samples.py (public/samples/*.json, validated against FHIR R4).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
CACHE="${ASSENT_CACHE:-$HOME/.cache/assent}"
export PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS=1 PIP_DISABLE_PIP_VERSION_CHECK=1

venv() { # venv DIR REQUIREMENTS
  if [ ! -x "$1/bin/python" ]; then
    "$PY" -m venv "$1"
  fi
  "$1/bin/python" -m pip install --quiet -r "$2"
}

venv "$CACHE/model-venv" model/requirements.txt
"$CACHE/model-venv/bin/python" model/train.py

venv "$CACHE/fhir-r4-venv" model/requirements-samples.txt
"$CACHE/fhir-r4-venv/bin/python" model/make_samples.py --validate-r4
