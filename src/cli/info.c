#include "cli/info.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "codegen/insn.h"
#include "probes/uprobe.h"

#define BPF_TRACE_UPROBE_MULTI_ 48 /* after Debian 12's uapi headers */

static const char *yes(bool b) { return b ? "yes" : "no"; }

/* A program that returns 0, of this type and expected attach type; -errno. */
static int load_trivial(enum bpf_prog_type type, enum bpf_attach_type attach)
{
	struct bpf_insn insns[] = { MOV64_IMM(R0, 0), EXIT_INSN() };
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	int fd = bpf_prog_load(type, "scry_feature", "GPL", insns, 2, &opts);
	return fd < 0 ? -errno : fd;
}

/* libbpf's tests: a multi link that cannot attach fails with EBADF (uprobe,
 * path "/") or ESRCH/ENOENT (kprobe, no such symbol) where the kernel has
 * them, with EINVAL or EOPNOTSUPP where it has not. Nothing is attached. */
static bool have_uprobe_multi(void)
{
	int prog = load_trivial(BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI_), link;
	if (prog < 0)
		return false;
	uint64_t offset = 0;
	link = uprobe_multi_attach(prog, "/", &offset, NULL, 1, false, 0);
	if (link >= 0)
		close(link);
	close(prog);
	return link == -EBADF;
}

static bool have_kprobe_multi(void)
{
	int prog = load_trivial(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI), link;
	if (prog < 0)
		return false;
	const char *sym = "scry_no_such_function";
	LIBBPF_OPTS(bpf_link_create_opts, opts, .kprobe_multi.syms = &sym, .kprobe_multi.cnt = 1);
	link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &opts);
	link = link < 0 ? -errno : link;
	if (link >= 0)
		close(link);
	close(prog);
	return access("/sys/bus/event_source/devices/kprobe", F_OK) == 0 && link != -EOPNOTSUPP && link != -EINVAL;
}

/* fentry: a tracing program attached (at load) to a function of vmlinux's BTF. */
static bool have_fentry(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id = btf ? btf__find_by_name_kind(btf, "bpf_fentry_test1", BTF_KIND_FUNC) : -1;
	btf__free(btf);
	if (id <= 0)
		return false;
	struct bpf_insn insns[] = { MOV64_IMM(R0, 0), EXIT_INSN() };
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY, .attach_btf_id = id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "scry_feature", "GPL", insns, 2, &opts);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static bool have_prog(enum bpf_prog_type t) { return libbpf_probe_bpf_prog_type(t, NULL) == 1; }
static bool have_map(enum bpf_map_type t) { return libbpf_probe_bpf_map_type(t, NULL) == 1; }
static bool have_helper(enum bpf_prog_type t, enum bpf_func_id h) { return libbpf_probe_bpf_helper(t, h, NULL) == 1; }
static bool exists(const char *path) { return access(path, F_OK) == 0; }

void info_print(FILE *out, const char *version)
{
	struct utsname u;
	uname(&u);
	fprintf(out, "System\n  OS: %s %s %s\n  Arch: %s\n\n", u.sysname, u.release, u.version, u.machine);
	fprintf(out, "Build\n  version: %s\n  libbpf: v%s\n\n", version, libbpf_version_string() + (*libbpf_version_string() == 'v'));
	fprintf(out, "Kernel helpers\n");
	fprintf(out, "  probe_read_user: %s\n", yes(have_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_probe_read_user)));
	fprintf(out, "  probe_read_kernel: %s\n", yes(have_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_probe_read_kernel)));
	fprintf(out, "  get_current_cgroup_id: %s\n", yes(have_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_current_cgroup_id)));
	fprintf(out, "  send_signal: %s\n", yes(have_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_send_signal)));
	fprintf(out, "  for_each_map_elem: %s\n\n", yes(have_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_for_each_map_elem)));
	fprintf(out, "Kernel features\n");
	fprintf(out, "  btf: %s\n", yes(exists("/sys/kernel/btf/vmlinux")));
	fprintf(out, "  ring buffer: %s\n", yes(have_map(BPF_MAP_TYPE_RINGBUF)));
	fprintf(out, "  tracefs: %s\n\n", yes(exists("/sys/kernel/tracing/events") || exists("/sys/kernel/debug/tracing/events")));
	fprintf(out, "Map types\n");
	fprintf(out, "  hash: %s\n  percpu hash: %s\n  array: %s\n  percpu array: %s\n  stack_trace: %s\n  ringbuf: %s\n\n",
		yes(have_map(BPF_MAP_TYPE_HASH)), yes(have_map(BPF_MAP_TYPE_PERCPU_HASH)), yes(have_map(BPF_MAP_TYPE_ARRAY)),
		yes(have_map(BPF_MAP_TYPE_PERCPU_ARRAY)), yes(have_map(BPF_MAP_TYPE_STACK_TRACE)),
		yes(have_map(BPF_MAP_TYPE_RINGBUF)));
	fprintf(out, "Probe types\n");
	fprintf(out, "  kprobe (kprobe PMU): %s\n", yes(exists("/sys/bus/event_source/devices/kprobe")));
	fprintf(out, "  kprobe_multi: %s\n", yes(have_kprobe_multi()));
	fprintf(out, "  uprobe (uprobe PMU): %s\n", yes(exists("/sys/bus/event_source/devices/uprobe")));
	fprintf(out, "  uprobe_multi: %s\n", yes(have_uprobe_multi()));
	fprintf(out, "  tracepoint: %s\n", yes(have_prog(BPF_PROG_TYPE_TRACEPOINT)));
	fprintf(out, "  raw_tracepoint: %s\n", yes(have_prog(BPF_PROG_TYPE_RAW_TRACEPOINT)));
	fprintf(out, "  perf_event: %s\n", yes(have_prog(BPF_PROG_TYPE_PERF_EVENT)));
	fprintf(out, "  fentry (kernel): %s (not supported by scry yet)\n", yes(have_fentry()));
}
