#!/bin/sh
# Build handin.tar: the mytorch/ package, as Autolab and the autograder's --handin expect it.
#
#   sh create_tarball.sh [OUTPUT]     (from any folder; OUTPUT defaults to handin.tar next to
#                                      this script)
#
# Packs every regular file under mytorch/ except Python caches (__pycache__/, *.pyc, *.pyo)
# and hidden files or folders (names starting with "."); links are skipped too, since the
# autograder refuses them. Prints what it packed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/handin.tar"}

if [ ! -f "$here/mytorch/__init__.py" ]; then
    echo "create_tarball.sh: error: no mytorch/ package in $here (expected $here/mytorch/__init__.py)" >&2
    exit 1
fi

list=$(mktemp)
trap 'rm -f "$list" "$out.tmp"' EXIT
(
    cd "$here"
    find mytorch \( -name '.*' -o -name '__pycache__' \) -prune \
        -o -type f ! -name '*.pyc' ! -name '*.pyo' -print | LC_ALL=C sort
) > "$list"

count=$(wc -l < "$list" | tr -d ' ')
tar -cf "$out.tmp" -C "$here" -T "$list"
mv "$out.tmp" "$out"

sed 's/^/  packed  /' "$list"
echo "create_tarball.sh: wrote $out ($count files, $(wc -c < "$out" | tr -d ' ') bytes); submit it to Autolab."
