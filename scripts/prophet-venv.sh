# Sourced by scripts/prophet-reference.sh and scripts/prophet-fuzz.sh: makes (once) a Python
# venv under target/prophet-venv with Python Prophet from PyPI, and sets PROPHET_PY to its
# interpreter. The version is pinned: the reference outputs and the fuzzer's cache were made
# with it.
PROPHET_VERSION=1.5.0
PROPHET_VENV=target/prophet-venv
if [ ! -x "$PROPHET_VENV/bin/python" ] || ! "$PROPHET_VENV/bin/python" -c \
    "import prophet, sys; sys.exit(prophet.__version__ != '$PROPHET_VERSION')" 2>/dev/null; then
  echo "[prophet-venv] creating $PROPHET_VENV with prophet==$PROPHET_VERSION" >&2
  python3 -m venv "$PROPHET_VENV"
  "$PROPHET_VENV/bin/pip" install -q --upgrade pip
  "$PROPHET_VENV/bin/pip" install -q "prophet==$PROPHET_VERSION"
fi
PROPHET_PY="$PROPHET_VENV/bin/python"
