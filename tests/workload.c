/* A workload the end-to-end tests drive: exact, known numbers of events.
 *   workload open PATH N    openat(PATH) N times
 *   workload getpid N       getpid() N times (raw syscall)
 *   workload read N         read 1 byte of /dev/zero N times */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: workload open PATH N | getpid N | read N\n");
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
	} else if (!strcmp(argv[1], "read")) {
		int fd = open("/dev/zero", O_RDONLY);
		char c;
		for (long i = 0, n = atol(argv[2]); i < n; i++)
			if (read(fd, &c, 1) != 1)
				return 1;
		close(fd);
	} else {
		return 2;
	}
	return 0;
}
