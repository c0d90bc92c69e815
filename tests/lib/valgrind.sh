# Shared by the valgrind tests (tests/valgrind.sh, torctl/test/valgrind.sh).
# Source after common.sh. vg_require skips in a sanitizer build (valgrind
# cannot run ASan binaries; make distcheck builds without them, so the
# tests run there) and without valgrind, except under CI, where a missing
# valgrind fails: the run must not pass by skipping.

vg_require() {
	if grep -q '^SAN_CFLAGS = .*fsanitize' "$top_builddir/Makefile"; then
		skip "sanitizer build: valgrind runs in builds without" \
		    "--enable-sanitizers (make distcheck)"
	fi
	if ! command -v valgrind >/dev/null 2>&1; then
		[ -n "${CI:-}" ] &&
		    fail "valgrind not installed (CI): run contrib/install-deps"
		skip "valgrind not installed"
	fi
}

# vg CMD...: memcheck with no invalid access and no definite or indirect
# leak; exit 99 on any.
vg() {
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --show-leak-kinds=definite,indirect --error-exitcode=99 "$@"
}
