/* A workload the end-to-end tests drive: exact, known numbers of events.
 *   workload open PATH N    openat(PATH) N times
 *   workload getpid N       getpid() N times (raw syscall)
 *   workload read N         read 1 byte of /dev/zero N times
 *   workload sizes N        read 1, 2, ..., N bytes of /dev/zero: N reads of known, different sizes
 *   workload sleep N MS     sleep MS milliseconds N times (each a voluntary context switch)
 *   workload badsockopt N   getsockopt(-1, 2, 3, 0x4, 0x5) N times (raw syscall): known arguments
 *                           in five registers, EBADF
 *   workload hold N MS      open /dev/null N times, then sleep MS milliseconds with the N files open */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: workload open PATH N | getpid N | badsockopt N | read N | sizes N | sleep N MS | hold N MS\n");
		return 2;
	}
	if (!strcmp(argv[1], "open") && argc == 4) {
		for (long i = 0, n = atol(argv[3]); i < n; i++) {
			int fd = openat(AT_FDCWD, argv[2], O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
	} else if (!strcmp(argv[1], "getpid")) {
		for (long i = 0, n = atol(argv[2]); i < n; i++)
			syscall(SYS_getpid);
	} else if (!strcmp(argv[1], "badsockopt")) {
		for (long i = 0, n = atol(argv[2]); i < n; i++)
			syscall(SYS_getsockopt, -1, 2, 3, 4L, 5L);
	} else if (!strcmp(argv[1], "read")) {
		int fd = open("/dev/zero", O_RDONLY);
		char c;
		for (long i = 0, n = atol(argv[2]); i < n; i++)
			if (read(fd, &c, 1) != 1)
				return 1;
		close(fd);
	} else if (!strcmp(argv[1], "sizes")) {
		int fd = open("/dev/zero", O_RDONLY);
		static char buf[1 << 20];
		for (long i = 1, n = atol(argv[2]); i <= n && i <= (long)sizeof(buf); i++)
			if (read(fd, buf, i) != i)
				return 1;
		close(fd);
	} else if (!strcmp(argv[1], "sleep") && argc == 4) {
		long ms = atol(argv[3]);
		struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
		for (long i = 0, n = atol(argv[2]); i < n; i++)
			nanosleep(&ts, NULL);
	} else if (!strcmp(argv[1], "hold") && argc == 4) {
		long ms = atol(argv[3]);
		struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
		for (long i = 0, n = atol(argv[2]); i < n; i++)
			if (open("/dev/null", O_RDONLY) < 0)
				return 1;
		nanosleep(&ts, NULL);
	} else {
		return 2;
	}
	return 0;
}
