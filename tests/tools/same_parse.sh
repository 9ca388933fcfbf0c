#!/bin/sh
# Proves a refactoring left `timelined parse` unchanged: runs BASELINE_BIN
# and NEW_BIN on every corpus file (../shared/corpus, when present), every
# golden parse case (with its .args) and every scenario log, and compares
# the outputs byte for byte. Prints each input whose output differs (with
# the first lines of the diff) and a summary; exit 0 only if all are equal.
# usage: tests/tools/same_parse.sh BASELINE_BIN NEW_BIN
set -u
[ $# -eq 2 ] || { echo "usage: $0 BASELINE_BIN NEW_BIN" >&2; exit 2; }
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
old=$(abs "$1")
new=$(abs "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${SHARED:-$root/../shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
same=0 diff=0

# compare DIR ARGS FILE: parse FILE from DIR with ARGS under both binaries.
compare() {
	dir=$1 args=$2 file=$3
	# shellcheck disable=SC2086
	(cd "$dir" && "$old" parse $args "$file") >"$tmp/a" 2>&1
	# shellcheck disable=SC2086
	(cd "$dir" && "$new" parse $args "$file") >"$tmp/b" 2>&1
	if cmp -s "$tmp/a" "$tmp/b"; then
		same=$((same + 1))
	else
		diff=$((diff + 1))
		echo "DIFF $dir/$file ($args)"
		diff "$tmp/a" "$tmp/b" | head -6
	fi
}

if [ -d "$shared/corpus" ]; then
	for f in $(find "$shared/corpus" -type f ! -name LICENSE \
	    ! -name 'LICENSE.txt' ! -name '*.md' ! -name '*.csv' | sort); do
		compare "$(dirname "$f")" "--tz UTC --year 2024" "$(basename "$f")"
	done
else
	echo "no $shared/corpus: corpus skipped"
fi
for log in "$root"/tests/golden/parse/*.log; do
	[ -e "$log" ] || continue
	args="--tz UTC --year 2024"
	[ -f "${log%.log}.args" ] && args=$(cat "${log%.log}.args")
	compare "$root/tests/golden/parse" "$args" "$(basename "$log")"
done
for d in "$shared"/scenarios/*/ "$root"/tests/scenarios/*/ \
    "$root"/examples/*/; do
	[ -d "$d" ] || continue
	for f in "$d"*; do
		case $(basename "$f") in
		expected.* | replay.args | README.md | *.py) continue ;;
		esac
		[ -f "$f" ] && compare "$d" "--tz UTC --year 2024" "$(basename "$f")"
	done
done
echo "same_parse: $same identical, $diff different"
[ "$diff" -eq 0 ]
