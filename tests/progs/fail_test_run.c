/* A fault no script can cause, for the exit-path tests: preloaded into scry
 * (LD_PRELOAD), it makes the Nth BPF_PROG_TEST_RUN fail with EINVAL, N from
 * SCRY_FAIL_TEST_RUN (1: BEGIN's, 2: END's when the script has both). libbpf
 * makes its bpf() calls through syscall(3), which this replaces. */
#include <dlfcn.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	static int runs;
	va_list ap;
	va_start(ap, nr);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long); /* as glibc's syscall reads them: unused ones are harmless */
	va_end(ap);
	const char *fail = getenv("SCRY_FAIL_TEST_RUN");
	if (nr == SYS_bpf && a[0] == BPF_PROG_TEST_RUN && fail && ++runs == atoi(fail)) {
		errno = EINVAL;
		return -1;
	}
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
