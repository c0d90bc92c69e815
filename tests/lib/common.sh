# Shared helpers for petmail's shell tests. Source it first:
#   . "$top_srcdir/tests/lib/common.sh"
# It gives each test a private scratch directory (removed on exit unless
# the test failed and PETMAIL_KEEP_TMP is set) and small assertions.
set -u

: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"

PETMAIL="$top_builddir/src/petmail"
PETMAILD="$top_builddir/src/petmaild"
test_name=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/petmail-$test_name.XXXXXX")
chmod 700 "$TEST_TMP"

# Cleanup hooks run in reverse order of registration, on any exit.
_cleanups=""
at_exit() { _cleanups="$1;$_cleanups"; }
_run_cleanups() {
	rc=$?
	trap - EXIT INT TERM
	eval "$_cleanups" || :
	# A failure shows the end of each agent's log (they hold no
	# secrets: tests/net/secrets.sh), so that a failure in CI can be
	# understood from its output alone.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for _log in "$TEST_TMP"/*/petmaild.log; do
			[ -f "$_log" ] || continue
			echo "--- the last 40 lines of $(basename "$(dirname "$_log")")'s log:" >&2
			tail -n 40 "$_log" >&2
		done
	fi
	if [ "$rc" -ne 0 ] && [ -n "${PETMAIL_KEEP_TMP:-}" ]; then
		echo "kept $TEST_TMP" >&2
	else
		rm -rf "$TEST_TMP"
	fi
	exit "$rc"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# Each step says when it ended, in seconds since the test began.
_t0=$(date +%s)
ok() { echo "ok - $* [at $(($(date +%s) - _t0)) s]"; }

# wait_for SECS CMD...: poll CMD (output dropped) every 0.2 s until it
# succeeds (status 0) or SECS have passed (status 1).
wait_for() {
	_wn=$(($1 * 5)); shift
	while [ "$_wn" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		_wn=$((_wn - 1))
	done
	return 1
}

# expect_status N CMD...: run CMD, require exit status N; output in $out.
expect_status() {
	want=$1; shift
	set +e
	out=$("$@" 2>&1)
	got=$?
	set -e
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want: $out"
}

# expect_match PATTERN TEXT: grep -E PATTERN in TEXT.
expect_match() {
	printf '%s\n' "$2" | grep -Eq -- "$1" || fail "no match for /$1/ in: $2"
}
