#include "cli/info.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdbool.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "probes/probe.h"

static const char *yes(bool b) { return b ? "yes" : "no"; }

/* What the probe types themselves check before they attach. */
static bool available(enum provider_kind kind) { return !probe_type_for(kind)->unavailable(); }

static bool exists(const char *path) { return access(path, F_OK) == 0; }
static bool have_prog(enum bpf_prog_type t) { return libbpf_probe_bpf_prog_type(t, NULL) == 1; }
static bool have_map(enum bpf_map_type t) { return libbpf_probe_bpf_map_type(t, NULL) == 1; }
static bool have_helper(enum bpf_prog_type t, enum bpf_func_id h) { return libbpf_probe_bpf_helper(t, h, NULL) == 1; }

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
	fprintf(out, "  kprobe (kprobe PMU): %s\n", yes(available(PROV_KPROBE)));
	fprintf(out, "  kprobe_multi: %s\n", yes(kprobe_multi_available()));
	fprintf(out, "  uprobe (uprobe PMU): %s\n", yes(perf_pmu_type("uprobe") >= 0));
	fprintf(out, "  uprobe_multi: %s\n", yes(uprobe_multi_available()));
	fprintf(out, "  tracepoint: %s\n", yes(have_prog(BPF_PROG_TYPE_TRACEPOINT)));
	fprintf(out, "  raw_tracepoint: %s\n", yes(have_prog(BPF_PROG_TYPE_RAW_TRACEPOINT)));
	fprintf(out, "  perf_event: %s\n", yes(have_prog(BPF_PROG_TYPE_PERF_EVENT)));
	fprintf(out, "  fentry: %s\n", yes(available(PROV_FENTRY)));
}
