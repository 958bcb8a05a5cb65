/* The stack frame of one BPF program. Slots are handed out downward from r10:
 * scratch variables first (they live for the whole program), then per-statement
 * temporaries (key buffers, string results) released at the end of each
 * statement, then the register allocator's spill slots. The BPF stack is
 * 512 bytes; going over is a compile error reported by the caller. */
#ifndef SCRY_FRAME_H
#define SCRY_FRAME_H

#define BPF_STACK_LIMIT 512
/* BPF_COMPLEXITY_LIMIT_INSNS: the most instructions a program of a
 * privileged user may have; bpf(BPF_PROG_LOAD) says E2BIG past it */
#define BPF_INSNS_LIMIT 1000000
/* MAX_USED_MAPS: the most maps one program may use */
#define BPF_MAPS_LIMIT 64

struct frame {
	int used;      /* bytes in use now */
	int high;      /* the most ever in use */
};

/* Returns the (negative) r10 offset of a new slot of size bytes, 8-aligned. */
static inline int frame_alloc(struct frame *f, int size)
{
	f->used += (size + 7) & ~7;
	if (f->used > f->high)
		f->high = f->used;
	return -f->used;
}

static inline int frame_mark(const struct frame *f) { return f->used; }
static inline void frame_release(struct frame *f, int mark) { f->used = mark; }

#endif
