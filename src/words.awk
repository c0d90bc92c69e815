# Turn data/pgp-words.txt into C: code_words[byte][0 even, 1 odd].
BEGIN {
	print "/* Generated from data/pgp-words.txt by src/words.awk. */"
	print "const char *const code_words[256][2] = {"
}
/^#/ || NF == 0 { next }
NF != 3 || $2 !~ /^[a-z]+$/ || $3 !~ /^[a-z]+$/ {
	print "words.awk: bad line " NR ": " $0 > "/dev/stderr"; bad = 1; exit 1
}
{ printf "\t{ \"%s\", \"%s\" },\n", $2, $3; n++ }
END {
	if (bad) exit 1
	if (n != 256) { print "words.awk: " n " lines, not 256" > "/dev/stderr"; exit 1 }
	print "};"
}
