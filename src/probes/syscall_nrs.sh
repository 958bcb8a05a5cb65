#!/bin/sh
# syscall_nrs.sh OUTPUT CC...: the syscall numbers of the target's <asm/unistd.h>
# as C table rows { "name", nr }, read through the compiler's preprocessor.
out=$1
shift
echo '#include <asm/unistd.h>' | "$@" -E -dM - |
	awk '$1 == "#define" && $2 ~ /^__NR_/ && $3 ~ /^[0-9]+$/ { printf "{ \"%s\", %s },\n", substr($2, 6), $3 }' >"$out"
