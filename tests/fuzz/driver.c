/*
 * A fuzz target's main() in builds without libFuzzer: run the target
 * once over every file named on the command line, or in a directory
 * named there (in name order), and report. make check runs each target
 * this way over its committed corpus and regression inputs
 * (tests/fuzz/replay.sh), so that a fixed crash stays fixed in every
 * build, the sanitizer and valgrind ones included.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define DRIVER_INPUT_MAX	(4 * 1024 * 1024)

int LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static int	ran;

static void
run_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf;
	size_t	 len;

	if ((f = fopen(path, "rb")) == NULL)
		fuzz_die("%s: %s", path, strerror(errno));
	if ((buf = malloc(DRIVER_INPUT_MAX)) == NULL)
		fuzz_die("out of memory");
	len = fread(buf, 1, DRIVER_INPUT_MAX, f);
	if (ferror(f) || !feof(f))
		fuzz_die("%s: unreadable or larger than %d bytes", path,
		    DRIVER_INPUT_MAX);
	fclose(f);
	/* Named before it runs: a crash says which input it was. */
	printf("%s\n", path);
	fflush(stdout);
	/* An exact-size copy, so that ASan sees a read past the end. */
	if ((buf = realloc(buf, len > 0 ? len : 1)) == NULL)
		fuzz_die("out of memory");
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	ran++;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_path(const char *path)
{
	struct stat	  sb;
	struct dirent	 *de;
	DIR		 *d;
	char		**names = NULL, *full;
	size_t		  n = 0, i;

	if (stat(path, &sb) == -1)
		fuzz_die("%s: %s", path, strerror(errno));
	if (!S_ISDIR(sb.st_mode)) {
		run_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		fuzz_die("%s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = reallocarray(names, n + 1, sizeof(*names))) ==
		    NULL || (names[n] = strdup(de->d_name)) == NULL)
			fuzz_die("out of memory");
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (asprintf(&full, "%s/%s", path, names[i]) == -1)
			fuzz_die("out of memory");
		if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode))
			run_file(full);
		free(full);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	int	i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file-or-directory ...\n", argv[0]);
		return 64;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	if (ran == 0) {
		fprintf(stderr, "%s: no input found\n", argv[0]);
		return 1;
	}
	printf("%d passed, 0 failed\n", ran);
	return 0;
}
