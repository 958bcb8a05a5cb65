/* Providers against the real kernel: tracepoint expansion and formats, perf
 * event names and rates, and attaching real programs that leave nothing
 * behind once closed. Run as root. */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>

#include "probes/probe.h"
#include "util/tracefs.h"
#include "util/diag.h"
#include "check.h"


static struct source src = { "test", "probe" };

static struct attach_spec spec(enum provider_kind kind, const char *target, const char *func, uint64_t freq)
{
	struct attach_spec s = {
		.provider = kind,
		.provider_name = probe_type_for(kind)->name,
		.target = target ? strdup(target) : NULL,
		.func = func ? strdup(func) : NULL,
		.freq = freq,
		.loc = { 1, 1, 1, 6 },
	};
	s.has_wildcard = (s.target && strpbrk(s.target, "*?[")) || (s.func && strpbrk(s.func, "*?["));
	return s;
}

/* syscalls:<event> for each event directory matching pattern, sorted. */
static void list_events_dir(const char *pattern, struct strlist *out)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/events/syscalls", tracefs_dir());
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_DIR || fnmatch(pattern, e->d_name, 0))
			continue;
		char name[300];
		snprintf(name, sizeof(name), "syscalls:%s", e->d_name);
		strlist_add(out, name);
	}
	if (d)
		closedir(d);
	strlist_sort_unique(out);
}

static void test_expand(void)
{
	const struct probe_type *p = probe_type_for(PROV_TRACEPOINT);
	struct attach_spec s = spec(PROV_TRACEPOINT, "syscalls", "sys_enter_open*", 0);
	struct strlist got = { 0 }, want = { 0 };
	CHECK(p->expand(&s, &(struct attach_env){ 0 }, &got) == 0, "expand failed");
	list_events_dir("sys_enter_open*", &want);
	CHECK(want.len >= 2 && strlist_find(&want, "syscalls:sys_enter_openat") >= 0, "tracefs listing");
	CHECK(got.len == want.len, "%d targets, tracefs has %d", got.len, want.len);
	for (int i = 0; i < got.len && i < want.len; i++)
		CHECK(!strcmp(got.items[i], want.items[i]), "%s != %s", got.items[i], want.items[i]);
	strlist_free(&got);
	strlist_free(&want);
	attach_spec_free(&s);

	const char *bad[][2] = { { "syscalls", "sys_enter_foo*" }, { "syscalls", "sys_enter_foo" },
				 { "nosuchcat", "*" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = spec(PROV_TRACEPOINT, bad[i][0], bad[i][1], 0);
		int errors = diag_error_count();
		CHECK(p->expand(&s, &(struct attach_env){ 0 }, &got) == -1 && got.len == 0, "%s:%s expanded", bad[i][0], bad[i][1]);
		CHECK(diag_error_count() == errors + 1, "%s:%s not reported", bad[i][0], bad[i][1]);
		attach_spec_free(&s);
	}

	s = spec(PROV_RAWTRACEPOINT, NULL, "sched_switc?", 0);
	CHECK(probe_type_for(PROV_RAWTRACEPOINT)->expand(&s, &(struct attach_env){ 0 }, &got) == 0 && got.len == 1 &&
		      !strcmp(got.items[0], "sched_switch"), "rawtracepoint sched_switc?");
	strlist_free(&got);
	attach_spec_free(&s);
}

static const struct field *field(const struct type *rec, const char *name)
{
	const struct field *f = rec ? type_field(rec, name) : NULL;
	CHECK(f, "no field %s", name);
	return f;
}

static void check_int(const struct type *rec, const char *name, int offset, int size, bool is_signed)
{
	const struct field *f = field(rec, name);
	if (!f)
		return;
	CHECK(f->offset == offset, "%s at %d", name, f->offset);
	CHECK(f->type->kind == T_INT && f->type->size == size && f->type->is_signed == is_signed,
	      "%s: kind %d size %d signed %d", name, f->type->kind, f->type->size, f->type->is_signed);
}

/* Offsets as /sys/kernel/tracing/events/syscalls/sys_enter_openat/format
 * and .../sched/sched_switch/format say on 6.18; `int dfd` is widened to
 * size 8 with signed:0, yet signed as declared (bpftrace prints -100). */
static void test_args(void)
{
	const struct probe_type *p = probe_type_for(PROV_TRACEPOINT);
	struct attach_spec s = spec(PROV_TRACEPOINT, "syscalls", "sys_enter_openat", 0);
	const struct type *rec = p->args_type(&(struct probe_site){ &s, "syscalls:sys_enter_openat" });
	CHECK(rec && rec->kind == T_RECORD && !strcmp(rec->name, "struct _tracepoint_syscalls_sys_enter_openat"),
	      "openat record");
	CHECK(rec && rec->size == 48, "openat size %d", rec ? rec->size : -1);
	check_int(rec, "common_pid", 4, 4, true);
	check_int(rec, "__syscall_nr", 8, 4, true);
	check_int(rec, "dfd", 16, 8, true);
	check_int(rec, "flags", 32, 8, true);
	check_int(rec, "mode", 40, 8, false);
	const struct field *f = field(rec, "filename");
	CHECK(f && f->offset == 24 && f->type->kind == T_PTR && f->type->user && f->type->to->size == 1,
	      "filename: a user pointer to char at 24");
	attach_spec_free(&s);

	s = spec(PROV_TRACEPOINT, "sched", "sched_switch", 0);
	rec = p->args_type(&(struct probe_site){ &s, "sched:sched_switch" });
	f = field(rec, "prev_comm");
	CHECK(f && f->offset == 8 && f->type->kind == T_STR && f->type->size == 16, "prev_comm string[16]");
	check_int(rec, "prev_pid", 24, 4, true);
	check_int(rec, "prev_state", 32, 8, true);
	f = field(rec, "next_comm");
	CHECK(f && f->offset == 40 && f->type->kind == T_STR, "next_comm");
	attach_spec_free(&s);
}

/* The syscall variant (many syscall tracepoints through sys_enter/sys_exit):
 * only for 32 or more syscalls; its records place each field where ptrace's
 * user_regs_struct (the layout of the saved pt_regs) keeps the register
 * passing it. */
static void test_syscall_variant(void)
{
#if defined(__x86_64__)
	const struct probe_type *tp = probe_type_for(PROV_TRACEPOINT);
	struct attach_spec s = spec(PROV_TRACEPOINT, "syscalls", "sys_*", 0);
	struct strlist few = { 0 }, many = { 0 };
	list_events_dir("sys_enter_get*", &few);
	list_events_dir("sys_*", &many);
	CHECK(few.len < 32 && !tp->variant(&s, &few, true), "%d syscalls: perf events", few.len);
	const struct probe_type *sc = tp->variant(&s, &many, true);
	CHECK(sc == &probe_syscall, "%d syscalls: the dispatcher", many.len);
	strlist_add(&few, "sched:sched_switch");
	for (int i = few.len; i < 40; i++)
		strlist_add(&few, "syscalls:sys_enter_getpid");
	CHECK(!tp->variant(&s, &few, true), "not every target a syscall: perf events");
	strlist_free(&few);
	strlist_free(&many);

	const struct type *rec = sc->args_type(&(struct probe_site){ &s, "syscalls:sys_enter_getsockopt" });
	CHECK(rec && !type_field(rec, "common_pid"), "no common fields");
	check_int(rec, "__syscall_nr", offsetof(struct user_regs_struct, orig_rax), 4, true);
	check_int(rec, "fd", offsetof(struct user_regs_struct, rdi), 8, true);
	check_int(rec, "level", offsetof(struct user_regs_struct, rsi), 8, true);
	check_int(rec, "optname", offsetof(struct user_regs_struct, rdx), 8, true);
	const struct field *f = field(rec, "optval");
	CHECK(f && f->offset == offsetof(struct user_regs_struct, r10) && f->type->kind == T_PTR && f->type->user,
	      "optval: a user pointer in r10");
	f = field(rec, "optlen");
	CHECK(f && f->offset == offsetof(struct user_regs_struct, r8), "optlen in r8");
	rec = sc->args_type(&(struct probe_site){ &s, "syscalls:sys_exit_getsockopt" });
	check_int(rec, "ret", offsetof(struct user_regs_struct, rax), 8, true);
	rec = sc->args_type(&(struct probe_site){ &s, "syscalls:sys_enter_mmap" });
	f = field(rec, "off");
	CHECK(f && f->offset == offsetof(struct user_regs_struct, r9), "mmap's sixth argument in r9");
	attach_spec_free(&s);
#endif
}

/* A tracepoint whose record the probe does not read is served by its raw
 * tracepoint; one whose record it reads, a syscall's or ftrace's, by a perf
 * event (syscall tracepoints and ftrace's events have no raw tracepoint). */
static void test_tracepoint_raw_variant(void)
{
	const struct probe_type *tp = probe_type_for(PROV_TRACEPOINT);
	struct attach_spec s = spec(PROV_TRACEPOINT, "sched", "sched_*", 0);
	struct strlist sched = { 0 };
	strlist_add(&sched, "sched:sched_switch");
	strlist_add(&sched, "sched:sched_process_exec");
	CHECK(tp->variant(&s, &sched, false) == &probe_tracepoint_raw, "sched: raw tracepoints");
	CHECK(!tp->variant(&s, &sched, true), "sched, args read: perf events");
	strlist_add(&sched, "syscalls:sys_enter_getpid");
	CHECK(!tp->variant(&s, &sched, false), "with a syscall's: perf events");
	strlist_free(&sched);
	strlist_add(&sched, "ftrace:print");
	CHECK(!tp->variant(&s, &sched, false), "ftrace's: perf events");
	strlist_free(&sched);
	attach_spec_free(&s);
}

static void check_event(enum provider_kind kind, const char *name, uint64_t count, uint32_t type,
			uint64_t config, uint64_t period)
{
	struct attach_spec s = spec(kind, name, NULL, count);
	struct perf_event_attr attr;
	CHECK(perf_attr_for(&s, &attr) == 0, "%s unknown", name);
	CHECK(attr.type == type && attr.config == config && attr.sample_period == period && !attr.freq,
	      "%s: type %u config %llu period %llu", name, attr.type, (unsigned long long)attr.config,
	      (unsigned long long)attr.sample_period);
	attach_spec_free(&s);
}

static void check_rate(enum provider_kind kind, const char *unit, uint64_t n, uint64_t period, uint64_t freq)
{
	struct attach_spec s = spec(kind, unit, NULL, n);
	struct perf_event_attr attr;
	CHECK(perf_attr_for(&s, &attr) == 0, "%s:%llu", unit, (unsigned long long)n);
	CHECK(attr.type == PERF_TYPE_SOFTWARE && attr.config == PERF_COUNT_SW_CPU_CLOCK, "cpu-clock");
	if (freq)
		CHECK(attr.freq && attr.sample_freq == freq, "%s: freq %llu", unit, (unsigned long long)attr.sample_freq);
	else
		CHECK(!attr.freq && attr.sample_period == period, "%s: period %llu", unit,
		      (unsigned long long)attr.sample_period);
	attach_spec_free(&s);
}

static void test_perf_names(void)
{
	check_event(PROV_SOFTWARE, "cpu-clock", 0, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1000000);
	check_event(PROV_SOFTWARE, "cpu", 0, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1000000);
	check_event(PROV_SOFTWARE, "faults", 0, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 100);
	check_event(PROV_SOFTWARE, "cs", 7, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 7);
	check_event(PROV_SOFTWARE, "major-faults", 0, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1);
	check_event(PROV_HARDWARE, "cycles", 0, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1000000);
	check_event(PROV_HARDWARE, "branches", 0, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000);
	const char *bad[][2] = { { "software", "foo" }, { "hardware", "cpu" }, { "software", "cycles" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum provider_kind kind = bad[i][0][0] == 's' ? PROV_SOFTWARE : PROV_HARDWARE;
		struct attach_spec s = spec(kind, bad[i][1], NULL, 0);
		struct strlist targets = { 0 };
		int errors = diag_error_count();
		CHECK(probe_type_for(kind)->expand(&s, &(struct attach_env){ 0 }, &targets) == -1 && diag_error_count() == errors + 1,
		      "%s:%s accepted", bad[i][0], bad[i][1]);
		attach_spec_free(&s);
	}
	check_rate(PROV_INTERVAL, "s", 2, 2000000000, 0);
	check_rate(PROV_INTERVAL, "ms", 100, 100000000, 0);
	check_rate(PROV_PROFILE, "us", 50, 50000, 0);
	check_rate(PROV_PROFILE, "hz", 99, 0, 99);
}

static void test_table(void)
{
	for (int k = 0; k < PROV__COUNT; k++)
		CHECK(probe_type_for(k) && probe_type_for(k)->kind == (enum provider_kind)k, "provider %d", k);
	const char *why = probe_type_for(PROV_KPROBE)->unavailable();
	bool pmu = access("/sys/bus/event_source/devices/kprobe", F_OK) == 0;
	CHECK(pmu ? !why : why && strstr(why, "CONFIG_KPROBES is off"), "kprobe: %s", why);
	CHECK(probe_type_named("kfunc") == &probe_fentry && probe_type_named("kretfunc") == &probe_fexit, "kfunc aliases");
	CHECK(probe_type_for(PROV_FEXIT)->prog_per_target && probe_type_for(PROV_FEXIT)->attach_btf, "fexit: a program per function");
	struct attach_spec s = spec(PROV_BEGIN, NULL, NULL, 0);
	struct strlist targets = { 0 };
	CHECK(probe_type_for(PROV_BEGIN)->expand(&s, &(struct attach_env){ 0 }, &targets) == 0 && targets.len == 1 && !*targets.items[0],
	      "BEGIN target");
	strlist_free(&targets);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int n = probe_list("software:cpu*", &(struct attach_env){ 0 }, out);
	n += probe_list("tracepoint:sched:sched_switch", &(struct attach_env){ 0 }, out);
	n += probe_list("rawtracepoint:sched_switch", &(struct attach_env){ 0 }, out);
	fclose(out);
	CHECK(n == 5 && !strcmp(text, "software:cpu-clock:\nsoftware:cpu-migrations:\nsoftware:cpu:\n"
				       "tracepoint:sched:sched_switch\nrawtracepoint:sched_switch\n"),
	      "listing:\n%s", text);
	free(text);
}

/* --- attaching --- */

static int load(enum bpf_prog_type type)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(type, "scry_test", "GPL", insns, 2, NULL);
	CHECK(fd >= 0, "bpf_prog_load(%d): %s", type, strerror(errno));
	return fd;
}

static struct bpf_prog_info prog_info(int fd)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	bpf_obj_get_info_by_fd(fd, &info, &len);
	return info;
}

/* Links in the kernel that run program prog_id. */
static int links_of(uint32_t prog_id)
{
	int n = 0;
	for (uint32_t id = 0; !bpf_link_get_next_id(id, &id);) {
		int fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_link_info info = { 0 };
		uint32_t len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.prog_id == prog_id)
			n++;
		close(fd);
	}
	return n;
}

/* Whether the program is still in the kernel, waiting a little for the
 * kernel's deferred release. */
static bool prog_alive(uint32_t id)
{
	for (int i = 0; i < 100; i++) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			return false;
		close(fd);
		usleep(10000);
	}
	return true;
}

static int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Attach a trivial program, make it fire, close, and check nothing stays. */
static void check_attach(enum provider_kind kind, const char *target, const char *func, uint64_t freq,
			 enum bpf_prog_type type, int want_fds, int want_links, void (*fire)(void))
{
	const struct probe_type *p = probe_type_for(kind);
	struct attach_spec s = spec(kind, target, func, freq);
	struct strlist targets = { 0 };
	int prog = load(type);
	if (prog < 0 || p->expand(&s, &(struct attach_env){ 0 }, &targets) || targets.len != 1) {
		CHECK(0, "setup of %s:%s", s.provider_name, target ? target : func);
		goto out;
	}
	uint32_t id = prog_info(prog).id;
	struct attachment att = { 0 };
	int err = p->attach(&s, targets.items[0], prog, &(struct attach_env){ 0 }, &att);
	CHECK(!err, "attach %s: %s", targets.items[0], strerror(-err));
	CHECK(att.nfds == want_fds, "%s: %d fds, want %d", targets.items[0], att.nfds, want_fds);
	CHECK(links_of(id) == want_links, "%s: %d links", targets.items[0], links_of(id));
	fire();
	CHECK(prog_info(prog).run_cnt > 0, "%s: program never ran", targets.items[0]);
	int fds[64], nfds = att.nfds < 64 ? att.nfds : 64;
	memcpy(fds, att.fds, nfds * sizeof(*fds));
	attachment_close(&att);
	CHECK(att.nfds == 0 && !att.fds, "attachment not emptied");
	for (int i = 0; i < nfds; i++)
		CHECK(fcntl(fds[i], F_GETFD) < 0, "%s: fd %d left open", targets.items[0], fds[i]);
	CHECK(links_of(id) == 0, "%s: links left after close", targets.items[0]);
	close(prog);
	prog = -1;
	CHECK(!prog_alive(id), "%s: program still loaded after close", targets.items[0]);
out:
	if (prog >= 0)
		close(prog);
	strlist_free(&targets);
	attach_spec_free(&s);
}

static void call_getpid(void)
{
	for (int i = 0; i < 10; i++)
		syscall(SYS_getpid);
}

static void spin_50ms(void)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1000000000L + now.tv_nsec - start.tv_nsec < 50000000L);
}

static void test_attach(void)
{
	/* run_cnt is only counted while stats are enabled through this fd. */
	int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	CHECK(stats >= 0, "bpf_enable_stats: %s", strerror(errno));
	int cpus = online_cpus();
	check_attach(PROV_TRACEPOINT, "syscalls", "sys_enter_getpid", 0, BPF_PROG_TYPE_TRACEPOINT, 2, 1,
		     call_getpid);
	check_attach(PROV_RAWTRACEPOINT, NULL, "sys_enter", 0, BPF_PROG_TYPE_RAW_TRACEPOINT, 1, 1, call_getpid);
	check_attach(PROV_INTERVAL, "ms", NULL, 10, BPF_PROG_TYPE_PERF_EVENT, 2, 1, spin_50ms);
	check_attach(PROV_PROFILE, "hz", NULL, 99, BPF_PROG_TYPE_PERF_EVENT, 2 * cpus, cpus, spin_50ms);
	check_attach(PROV_SOFTWARE, "cpu", NULL, 1000, BPF_PROG_TYPE_PERF_EVENT, 2 * cpus, cpus, spin_50ms);
	if (stats >= 0)
		close(stats);
}

/* Hardware events where the machine has a PMU; a clear reason where not. */
static void test_hardware(void)
{
	const char *why = probe_type_for(PROV_HARDWARE)->unavailable();
	if (why) {
		CHECK(strstr(why, "not available"), "%s", why);
		printf("skipped hardware:cycles: %s\n", why);
		return;
	}
	int cpus = online_cpus();
	check_attach(PROV_HARDWARE, "cycles", NULL, 100000, BPF_PROG_TYPE_PERF_EVENT, 2 * cpus, cpus, spin_50ms);
}

int main(void)
{
	diag_set_source(&src);
	if (!tracefs_dir()) {
		fprintf(stderr, "FAIL: no tracefs: %s\n", strerror(errno));
		return 1;
	}
	test_expand();
	test_args();
	test_syscall_variant();
	test_tracepoint_raw_variant();
	test_perf_names();
	test_table();
	test_attach();
	test_hardware();
	types_free_all();
	if (failures)
		fprintf(stderr, "%d failure%s\n", failures, failures == 1 ? "" : "s");
	else
		printf("tracepoint: all passed\n");
	return failures != 0;
}
