#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
# The grader needs Python 3.10 or newer and NumPy only: the references are closed forms in NumPy.
set -euo pipefail
apt-get install -y python3 python3-pip
# An older base image (Ubuntu 20.04 has Python 3.8) would build, and then every submission would score 0
# with 'the grader stopped': stop the build here instead, saying why (until 2026-12-04 it went on).
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "setup.sh: the MyTorch grader needs Python 3.10 or newer, and this image has $(python3 --version 2>&1);" \
        "choose Ubuntu 22.04 or newer as the autograder's base image" >&2
    exit 1
fi
# The NumPy students use: pin it (numpy==1.26.4) to grade with the version the course names.
python3 -m pip install --break-system-packages "numpy>=1.26.4" 2>/dev/null || python3 -m pip install "numpy>=1.26.4"
