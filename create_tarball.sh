#!/bin/sh
# Build handin.tar: the mytorch/ package, as Autolab and the autograder's --handin expect it.
#
#   sh create_tarball.sh [OUTPUT]     (from any folder; OUTPUT defaults to handin.tar next to
#                                      this script)
#
# Packs every regular file under mytorch/ except Python caches (__pycache__/, *.pyc, *.pyo)
# and hidden files or folders (names starting with "."); symbolic links are skipped too, since
# the autograder refuses them, each named in a warning on stderr. Prints what it packed.
#
# Refuses (exit 1, one line) a mytorch/ that is a link or lacks a file the handout requires (the
# graded code cannot import without them; a required file that is a link, or inside a linked
# folder, is named as such), one holding what the autograder would refuse (a file over
# 20 MiB, over 50 MiB, 2000 files or 2000 folders in all, the tar headers of long names counted
# with them, a name with a newline or a backslash, a path over 32 folders deep: the whole hand-in
# would score 0; with Python and the autograder beside this script, the archive is also checked
# as the autograder checks it), and an output path that cannot be written.
#
# Windows line endings (a git checkout with core.autocrlf, an editor's conversion) break every line of a
# shell script (until 2026-12-04: "set: Illegal option -" and nothing packed): this script then runs its
# own text without them. Each line of this block ends in a comment, which takes the carriage return.
if [ -z "${CREATE_TARBALL_HERE:-}" ] && grep -q "$(printf '\r')" "$0"; then #
    echo "create_tarball.sh: note: this script has Windows line endings (CRLF); running it without them" >&2 #
    CREATE_TARBALL_HERE=$(cd "$(dirname "$0")" && pwd); export CREATE_TARBALL_HERE #
    exec sh -c "$(tr -d '\r' < "$0")" create_tarball.sh "$@" #
fi #
set -eu

here=${CREATE_TARBALL_HERE:-$(cd "$(dirname "$0")" && pwd)}
out=${1:-"$here/handin.tar"}

# The handout's files, and every file `import mytorch` and the graded modules need.
required="mytorch/__init__.py mytorch/autograd_engine.py mytorch/utils.py mytorch/function.py
mytorch/tensor.py mytorch/tensor_numpy.py mytorch/backward_graph.py mytorch/saved.py mytorch/sandbox.py
mytorch/nn/__init__.py mytorch/nn/functional.py mytorch/arguments.py mytorch/dtypes.py mytorch/factories.py
mytorch/tensor_math.py mytorch/tensor_methods.py mytorch/tensor_shape.py mytorch/tensor_graph.py mytorch/tensor_index.py
mytorch/tensor_sort.py mytorch/tensor_einsum.py mytorch/serialization.py mytorch/atomic.py
mytorch/tensor_select.py mytorch/tensor_matrix.py mytorch/tensor_pointwise.py mytorch/tensor_stats.py mytorch/printing.py mytorch/op_names.py
mytorch/tensor_vjps.py mytorch/tensor_layout.py mytorch/tensor_composed.py mytorch/tensor_order.py mytorch/porting.py
mytorch/tensor_special.py mytorch/tensor_missing.py mytorch/tensor_complex.py mytorch/memory_copy.py mytorch/spectral.py
mytorch/size.py mytorch/tensor_views.py mytorch/view_positions.py mytorch/index_layout.py
mytorch/nn/modules/__init__.py mytorch/nn/modules/module.py mytorch/nn/modules/activation.py
mytorch/nn/modules/linear.py mytorch/nn/modules/loss.py"

if [ -L "$here/mytorch" ]; then  # (find would list nothing in it: an empty archive)
    echo "create_tarball.sh: error: $here/mytorch is a symbolic link, which the autograder refuses; make mytorch/ a folder holding your files (cp -RL)" >&2
    exit 1
fi
if [ ! -d "$here/mytorch" ]; then
    echo "create_tarball.sh: error: no mytorch/ package in $here (expected $here/mytorch/__init__.py)" >&2
    exit 1
fi

list=$(mktemp)
check=""
trap 'rm -f "$list" "$out.tmp"; [ -z "$check" ] || rm -rf "$check"' EXIT
(
    cd "$here"
    find mytorch \( -name '.*' -o -name '__pycache__' \) -prune \
        -o -type f ! -name '*.pyc' ! -name '*.pyo' -print | LC_ALL=C sort
) > "$list"

# A required file must be among those packed: one that is a symbolic link (or lies in a linked folder)
# passed the check of its existence and was left out of the archive, and the hand-in scored 0 (until
# 2026-12-04).
missing=""
linked=""
for name in $required; do
    if ! grep -qxF "$name" "$list"; then
        if [ -e "$here/$name" ] || [ -L "$here/$name" ]; then linked="$linked $name"; else missing="$missing $name"; fi
    fi
done
if [ -n "$missing" ]; then
    echo "create_tarball.sh: error: mytorch/ lacks files the handout requires:$missing (restore them from the starter code)" >&2
    exit 1
fi
if [ -n "$linked" ]; then
    echo "create_tarball.sh: error: required files are symbolic links or inside linked folders, which the autograder refuses:$linked (replace each link by the file itself)" >&2
    exit 1
fi
if [ -d "$out" ] || ! touch "$out.tmp" 2>/dev/null; then
    echo "create_tarball.sh: error: cannot write $out (a folder, or its folder is missing or not writable); give another file path" >&2
    exit 1
fi
# What the autograder refuses (autograder/sandbox.py, Limits), refused here: the whole hand-in would score 0.
refuse() {
    printf 'create_tarball.sh: error: %s; nothing was packed (keep data and other files outside mytorch/)\n' "$1" >&2
    exit 1
}
nl='
'
odd=$(cd "$here" && find mytorch \( -name '.*' -o -name '__pycache__' \) -prune -o \( -name "*$nl*" -o -name '*\\*' \) -print | head -c 200)
[ -z "$odd" ] || refuse "a name in mytorch/ holds a newline or a backslash ($(printf '%s' "$odd" | tr '\n' '?')), which the autograder refuses"
count=$(wc -l < "$list" | tr -d ' ')
[ "$count" -le 2000 ] || refuse "mytorch/ holds $count files, over the autograder's limit of 2000"
folders=$(awk -F/ '{ path = $1; print path; for (i = 2; i < NF; i++) { path = path "/" $i; print path } }' "$list" | LC_ALL=C sort -u | wc -l | tr -d ' ')
[ "$folders" -le 2000 ] || refuse "mytorch/ holds $folders folders, over the autograder's limit of 2000"
deep=$(awk -F/ 'NF > 32 { print substr($0, 1, 200); exit }' "$list")
[ -z "$deep" ] || refuse "$deep has more than 32 parts in its path, over the autograder's limit"
# The autograder counts the headers that hold names over 100 bytes (tar's ././@LongLink, the name and
# its NUL) with the files: until 2026-12-02 they were left out here, and files just under 50 MiB with
# long names were packed and refused.
total=$(LC_ALL=C awk 'length($0) > 100 { bytes += length($0) + 1 } END { print bytes + 0 }' "$list")
while IFS= read -r name; do
    size=$(wc -c < "$here/$name" | tr -d ' ')
    [ "$size" -le 20971520 ] || refuse "$name is $size bytes, over the autograder's limit of 20 MiB per file"
    total=$((total + size))
done < "$list"
[ "$total" -le 52428800 ] || refuse "mytorch/'s files (with the tar headers of names over 100 bytes) are $total bytes in all, over the autograder's limit of 50 MiB"
# Files with more than one name (hard links: cp -al, ln) are archived as links to the first, which the
# autograder refuses whole (until 2026-12-04 the hand-in scored 0): GNU tar stores each in full; another
# tar (macOS's bsdtar) has no such option, and such files are refused here by name.
dereference=""
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    dereference="--hard-dereference"
else
    linked=$(cd "$here" && find mytorch \( -name '.*' -o -name '__pycache__' \) -prune -o -type f ! -name '*.pyc' ! -name '*.pyo' -links +1 -print | LC_ALL=C sort)
    shared=$(cd "$here" && printf '%s\n' "$linked" | while IFS= read -r name; do [ -z "$name" ] || ls -di "$name"; done | awk '{ print $1 }' | sort | uniq -d)
    [ -z "$shared" ] || refuse "files in mytorch/ are hard links to one another, which the autograder refuses and this tar cannot pack as files: $(printf '%s' "$linked" | tr '\n' ' ' | head -c 300) (copy each: cp FILE FILE.new && mv FILE.new FILE)"
fi
COPYFILE_DISABLE=1 tar -cf "$out.tmp" $dereference -C "$here" -T "$list"  # (on macOS: no ._ file of attributes per file)
# The archive as the autograder checks it, where Python and the autograder are beside this script (another
# tar than GNU tar may write other headers, pax ones, which count as the long names' do).
if [ -f "$here/autograder/sandbox.py" ] && command -v python3 >/dev/null 2>&1; then
    check=$(mktemp -d)
    problem=$(python3 -I -c 'import sys
sys.path.insert(0, sys.argv[1])
from autograder.sandbox import HandinError, extract_handin
try:
    extract_handin(sys.argv[2], sys.argv[3])
except HandinError as error:
    print(str(error).replace("\n", " "))' "$here" "$out.tmp" "$check/files" 2>/dev/null | head -c 300) || true
    [ -z "$problem" ] || refuse "the autograder would refuse the archive: $problem"
fi
mv "$out.tmp" "$out"
links=$(cd "$here" && find mytorch \( -name '.*' -o -name '__pycache__' \) -prune -o -type l -print | LC_ALL=C sort | tr '\n' ' ' | head -c 1000)
[ -z "$links" ] || echo "create_tarball.sh: warning: symbolic links are not packed (the autograder refuses them): $links" >&2

sed 's/^/  packed  /' "$list"
echo "create_tarball.sh: wrote $out ($count files, $(wc -c < "$out" | tr -d ' ') bytes); hand it in (Autolab or Gradescope) as your course says."
