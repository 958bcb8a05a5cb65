/* Many syscall tracepoints (tracepoint:syscalls:sys_enter_*) through the
 * raw tracepoints every syscall passes, sys_enter and sys_exit.
 *
 * Why: a perf-event tracepoint costs two RCU grace periods to close, one of
 * them under a kernel-wide mutex, so `sys_enter_*` took 7 to 15 s to attach
 * and detach. A raw tracepoint link closes at once.
 *
 * How: a program's syscalls are the slots of a BPF prog array indexed by
 * syscall number, each holding the program. A small dispatcher attached to
 * sys_enter (or sys_exit) tail-calls the slot of the syscall being made;
 * other syscalls fall through it. It skips the syscalls of 32-bit tasks, as
 * the syscall tracepoints do (their numbers are another table's).
 *
 * The program's context is the raw tracepoint's (struct pt_regs *regs, long
 * id or ret); `args` points at the user registers, and its record (the
 * event's format) places each argument where its register is saved.
 *
 * x86-64 only: elsewhere the perf-event tracepoint serves (NULL variant). */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/insn.h"
#include "probes/probe.h"
#include "probes/tracepoint.h"

#if defined(__x86_64__)

/* struct pt_regs of x86-64 (a stable layout: ptrace's user_regs_struct). */
enum {
	REGS_R10 = 56, REGS_R9 = 64, REGS_R8 = 72, REGS_AX = 80, REGS_DX = 96, REGS_SI = 104,
	REGS_DI = 112, REGS_ORIG_AX = 120, REGS_CS = 136, REGS_SIZE = 168,
};
/* Where the syscall convention passes arguments 0..5, and the 64-bit user code segment. */
static const int syscall_arg_regs[] = { REGS_DI, REGS_SI, REGS_DX, REGS_R10, REGS_R8, REGS_R9 };
#define USER_CS_64 0x33

struct syscall_nr {
	const char *name;
	int nr;
};

/* The build's <asm/unistd.h>, then the syscalls added up to Linux 6.17, which
 * older headers lack (numbers are never reused: a duplicate is the same). */
static const struct syscall_nr syscall_nrs[] = {
#include "syscall_nrs.h"
	{ "uretprobe", 335 }, { "uprobe", 336 }, { "cachestat", 451 }, { "fchmodat2", 452 },
	{ "map_shadow_stack", 453 }, { "futex_wake", 454 }, { "futex_wait", 455 },
	{ "futex_requeue", 456 }, { "statmount", 457 }, { "listmount", 458 },
	{ "lsm_get_self_attr", 459 }, { "lsm_set_self_attr", 460 }, { "lsm_list_modules", 461 },
	{ "mseal", 462 }, { "setxattrat", 463 }, { "getxattrat", 464 }, { "listxattrat", 465 },
	{ "removexattrat", 466 }, { "open_tree_attr", 467 }, { "file_getattr", 468 },
	{ "file_setattr", 469 },
};

/* Tracepoints named after the kernel function where <asm/unistd.h> has the
 * syscall's name. The plain names are refused: on some kernels they are
 * tracepoints of older syscalls with other numbers (sys_enter_fstat). */
static const char *const renamed[][2] = {
	{ "newfstat", "fstat" }, { "newlstat", "lstat" }, { "newstat", "stat" },
	{ "newuname", "uname" }, { "sendfile64", "sendfile" }, { "umount", "umount2" },
};

/* The number of a syscall tracepoint's syscall ("openat"), or -1. */
static int syscall_nr(const char *name)
{
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
		if (!strcmp(name, renamed[i][1]))
			return -1;
		if (!strcmp(name, renamed[i][0]))
			name = renamed[i][1];
	}
	for (size_t i = 0; i < sizeof(syscall_nrs) / sizeof(syscall_nrs[0]); i++)
		if (!strcmp(syscall_nrs[i].name, name))
			return syscall_nrs[i].nr;
	return -1;
}

/* "syscalls:sys_enter_openat": whether it is an exit, and its number (-1: not a syscall's). */
static int target_nr(const char *target, bool *exit)
{
	static const char enter[] = "syscalls:sys_enter_", leave[] = "syscalls:sys_exit_";
	*exit = !strncmp(target, leave, sizeof(leave) - 1);
	if (*exit)
		return syscall_nr(target + sizeof(leave) - 1);
	return strncmp(target, enter, sizeof(enter) - 1) ? -1 : syscall_nr(target + sizeof(enter) - 1);
}

/* The dispatcher adds 160-350 ns to every syscall of the machine (a getpid
 * loop here: 1.05-1.25 us a call without it), where the kernel's syscall
 * tracepoints cost a bitmap test to the syscalls not traced (nothing
 * measurable), so it is used where perf events cost more: for many
 * syscalls, whose perf events take 20 ms each to close, one after another
 * (7 s for sys_enter_*), and cost as much per event. */
#define DISPATCH_MIN_SYSCALLS 32

const struct probe_type *syscall_variant(const struct attach_spec *spec, const struct strlist *targets)
{
	(void)spec;
	bool exit;
	if (targets->len < DISPATCH_MIN_SYSCALLS)
		return NULL;
	for (int i = 0; i < targets->len; i++)
		if (target_nr(targets->items[i], &exit) < 0)
			return NULL;
	return &probe_syscall;
}

/* The event's record with each field where its value is saved in pt_regs:
 * __syscall_nr in orig_ax, the arguments in their registers, ret in ax. The
 * common_* fields have no place there. */
static const struct type *syscall_args_type(const struct probe_site *site)
{
	const struct type *event = tracepoint_record(site);
	if (!event)
		return NULL;
	bool exit;
	target_nr(site->target, &exit);
	struct type *rec = type_record_new(event->name, REGS_SIZE);
	for (int i = 0; i < event->nfields; i++) {
		const struct field *f = &event->fields[i];
		/* the format: common fields, __syscall_nr at 8, then 8-byte arguments or ret from 16 */
		int arg = (f->offset - 16) / 8;
		if (f->offset == 8)
			type_record_add(rec, f->name, f->type, REGS_ORIG_AX);
		else if (f->offset >= 16 && exit)
			type_record_add(rec, f->name, f->type, REGS_AX);
		else if (f->offset >= 16 && arg < 6)
			type_record_add(rec, f->name, f->type, syscall_arg_regs[arg]);
	}
	return rec;
}

/* args: the saved user registers, the raw tracepoint's first argument */
static int syscall_emit_args(const struct probe_emit *e)
{
	int v = ir_vreg(e->ir);
	ir_load(e->ir, 8, v, e->ctx, 0);
	return v;
}

/* The syscalls of 32-bit tasks, whose numbers are another table's: the
 * syscall tracepoints skip them. Checked by the programs of the syscalls
 * traced rather than by the dispatcher every syscall passes: their saved
 * code segment is not the 64-bit one (nor is 0, a failed read's). */
static int syscall_emit_skip(const struct probe_emit *e)
{
	struct ir *ir = e->ir;
	int cs = ir_vreg(ir), slot = frame_alloc(e->frame, 8);
	ir_load(ir, 8, cs, e->ctx, 0);
	ir_alui(ir, BPF_ADD, cs, REGS_CS);
	ir_mov(ir, R1, FP);
	ir_alui(ir, BPF_ADD, R1, slot);
	ir_movi(ir, R2, 8);
	ir_mov(ir, R3, cs);
	ir_call(ir, BPF_FUNC_probe_read_kernel);
	ir_load(ir, 8, cs, FP, (int16_t)slot);
	ir_alui(ir, BPF_XOR, cs, USER_CS_64);
	return cs;
}

/* --- attaching: per spec, a dispatcher per direction over a prog array by syscall number --- */

/* The dispatchers of the specs attached so far: all the programs of a spec
 * (one per target when its body asks for `probe` or `args`) fill the slots
 * of the same prog arrays, so that a syscall passes one dispatcher per
 * spec. The fds belong to the attachment of the program that needed them
 * first; the runtime closes all attachments together. */
struct dispatch {
	const struct attach_spec *spec;
	int slots_fd[2]; /* sys_enter's, sys_exit's; 0: none yet */
};
static struct dispatch *dispatches;
static int ndispatches;

static int syscall_slots(void)
{
	int max = 0;
	for (size_t i = 0; i < sizeof(syscall_nrs) / sizeof(syscall_nrs[0]); i++)
		if (syscall_nrs[i].nr > max)
			max = syscall_nrs[i].nr;
	return max + 1;
}

static struct dispatch *dispatch_of(const struct attach_spec *spec)
{
	for (int i = 0; i < ndispatches; i++)
		if (dispatches[i].spec == spec)
			return &dispatches[i];
	dispatches = realloc(dispatches, (ndispatches + 1) * sizeof(*dispatches));
	if (!dispatches)
		abort();
	dispatches[ndispatches] = (struct dispatch){ .spec = spec };
	return &dispatches[ndispatches++];
}

/* Load the dispatcher tail-calling the slot of the syscall's number in prog
 * array slots_fd: its fd or -errno. Every syscall of the machine passes it,
 * so it reads no more than that number: sys_enter's second argument, or the
 * orig_ax saved in the registers sys_exit passes. */
static int dispatcher_load(int slots_fd, bool exit)
{
	const struct bpf_insn enter[] = {
		LDX_MEM(BPF_DW, R3, R1, 8),
		LD_IMM64_LO(R2, BPF_PSEUDO_MAP_FD, (uint32_t)slots_fd),
		LD_IMM64_HI(0),
		CALL_HELPER(BPF_FUNC_tail_call),
		MOV64_IMM(R0, 0),
		EXIT_INSN(),
	};
	const struct bpf_insn leave[] = {
		MOV64_REG(R6, R1),
		MOV64_REG(R1, FP),
		ALU64_IMM(BPF_ADD, R1, -8),
		MOV64_IMM(R2, 8),
		LDX_MEM(BPF_DW, R3, R6, 0),
		ALU64_IMM(BPF_ADD, R3, REGS_ORIG_AX),
		CALL_HELPER(BPF_FUNC_probe_read_kernel),
		JMP_IMM(BPF_JNE, R0, 0, 5),
		LDX_MEM(BPF_DW, R3, FP, -8),
		MOV64_REG(R1, R6),
		LD_IMM64_LO(R2, BPF_PSEUDO_MAP_FD, (uint32_t)slots_fd),
		LD_IMM64_HI(0),
		CALL_HELPER(BPF_FUNC_tail_call),
		MOV64_IMM(R0, 0),
		EXIT_INSN(),
	};
	size_t n = exit ? sizeof(leave) / sizeof(leave[0]) : sizeof(enter) / sizeof(enter[0]);
	int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "scry_syscalls", "GPL", exit ? leave : enter, n, NULL);
	return fd < 0 ? -errno : fd;
}

/* The prog array of a direction, with its dispatcher attached to raw
 * tracepoint sys_enter or sys_exit: its fd or -errno. New fds go into out. */
static int slots_open(bool exit, struct attachment *out)
{
	int slots_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "scry_syscalls", 4, 4, syscall_slots(), NULL);
	if (slots_fd < 0)
		return -errno;
	attachment_add(out, slots_fd);
	int disp_fd = dispatcher_load(slots_fd, exit);
	if (disp_fd < 0)
		return disp_fd;
	attachment_add(out, disp_fd);
	int link = bpf_raw_tracepoint_open(exit ? "sys_exit" : "sys_enter", disp_fd);
	if (link < 0)
		return link;
	attachment_add(out, link);
	return slots_fd;
}

static int syscall_attach_all(const struct attach_spec *spec, const struct strlist *targets, int prog_fd,
			      const struct attach_env *env, struct attachment *out)
{
	(void)env;
	struct dispatch *d = dispatch_of(spec);
	int err = 0;
	for (int i = 0; i < targets->len && !err; i++) {
		bool exit;
		__u32 nr = target_nr(targets->items[i], &exit);
		if (!d->slots_fd[exit]) {
			int fd = slots_open(exit, out);
			if (fd < 0) {
				err = fd;
				break;
			}
			d->slots_fd[exit] = fd;
		}
		if (bpf_map_update_elem(d->slots_fd[exit], &nr, &prog_fd, BPF_ANY))
			err = -errno;
	}
	if (err)
		attachment_close(out);
	return err;
}

static bool syscall_user_memory(const struct attach_spec *spec)
{
	(void)spec;
	return true;
}

static const char *const syscall_per_target[] = { "args", NULL };

const struct probe_type probe_syscall = {
	.kind = PROV_TRACEPOINT, .name = "tracepoint", .shape = SHAPE_TP,
	.min_parts = 2, .max_parts = 2, .wildcards = true,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.per_target = syscall_per_target,
	.args_type = syscall_args_type,
	.emit_args = syscall_emit_args,
	.emit_skip = syscall_emit_skip,
	.user_memory = syscall_user_memory,
	.attach_all = syscall_attach_all,
};

#else

const struct probe_type *syscall_variant(const struct attach_spec *spec, const struct strlist *targets)
{
	(void)spec;
	(void)targets;
	return NULL;
}

const struct probe_type probe_syscall = { .kind = PROV_TRACEPOINT, .name = "tracepoint" };

#endif
