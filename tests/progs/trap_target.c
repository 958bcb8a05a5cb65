/* A program holding a function no uprobe can be attached to: scry_trap
 * begins with int3, and the kernel will not put its breakpoint on a
 * breakpoint (ENOTSUPP, 524). It refuses the uprobe only where the file is
 * mapped, so this program sleeps, mapped, while a test attaches.
 *   trap_target MS    sleep MS milliseconds; scry_trap is never called */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__asm__(".text\n"
	".globl scry_trap\n"
	".type scry_trap, @function\n"
	"scry_trap:\n"
	"\tint3\n"
	"\tret\n"
	".size scry_trap, . - scry_trap\n");

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: trap_target MS\n");
		return 2;
	}
	long ms = atol(argv[1]);
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	nanosleep(&ts, NULL);
	return 0;
}
