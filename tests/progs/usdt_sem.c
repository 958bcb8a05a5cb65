/* scry:withsem, the probe of usdt_target with a semaphore. In its own file
 * because <sys/sdt.h> gives every probe of a translation unit compiled with
 * _SDT_HAS_SEMAPHORES a semaphore named PROVIDER_NAME_semaphore.
 *
 * The kernel increments the semaphore (the uprobe's ref_ctr_offset) while a
 * tracer is attached; the probe fires only then, so counting its firings
 * proves the tracer set it. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#ifdef __clang__
#define SCRY_TARGET __attribute__((noinline, used))
#else
#define SCRY_TARGET __attribute__((noipa, used))
#endif

/* volatile: read afresh at every call, never cached by the compiler. */
volatile unsigned short scry_withsem_semaphore __attribute__((unused)) __attribute__((section(".probes")));

/* Fires scry:withsem(i) if the semaphore is set; returns whether it did. */
SCRY_TARGET int scry_withsem(int i)
{
	if (!scry_withsem_semaphore)
		return 0;
	DTRACE_PROBE1(scry, withsem, i);
	return 1;
}
