/* Perf-event providers: interval (CPU 0), profile (every CPU), software and
 * hardware events (every CPU). One table names the events, one function
 * turns a spec into a perf_event_attr, one attach opens it per CPU. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/probe.h"
#include "util/diag.h"

/* Event names, aliases and default periods as bpftrace 0.17 has them. */
static const struct perf_event_row {
	enum provider_kind kind; /* PROV_SOFTWARE or PROV_HARDWARE */
	const char *name, *alias;
	uint64_t config;
	uint64_t default_period;
} events[] = {
	{ PROV_SOFTWARE, "alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ PROV_SOFTWARE, "bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1 },
	{ PROV_SOFTWARE, "context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ PROV_SOFTWARE, "cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ PROV_SOFTWARE, "cpu-migrations", "migrations", PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ PROV_SOFTWARE, "dummy", NULL, PERF_COUNT_SW_DUMMY, 1 },
	{ PROV_SOFTWARE, "emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ PROV_SOFTWARE, "major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ PROV_SOFTWARE, "minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ PROV_SOFTWARE, "page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ PROV_SOFTWARE, "task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1000000 },
	{ PROV_HARDWARE, "backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ PROV_HARDWARE, "branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ PROV_HARDWARE, "branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ PROV_HARDWARE, "bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ PROV_HARDWARE, "cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ PROV_HARDWARE, "cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ PROV_HARDWARE, "cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ PROV_HARDWARE, "frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ PROV_HARDWARE, "instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ PROV_HARDWARE, "ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
};

#define NEVENTS (sizeof(events) / sizeof(events[0]))

/* Units of interval and profile: nanoseconds per count, or 0 for a frequency. */
static const struct {
	const char *unit;
	uint64_t ns;
} units[] = { { "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 }, { "hz", 0 } };

static const struct perf_event_row *event_find(enum provider_kind kind, const char *name)
{
	for (size_t i = 0; i < NEVENTS; i++)
		if (events[i].kind == kind &&
		    (!strcmp(events[i].name, name) || (events[i].alias && !strcmp(events[i].alias, name))))
			return &events[i];
	return NULL;
}

static int rate_attr(const struct attach_spec *spec, struct perf_event_attr *attr)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(units[i].unit, spec->target))
			continue;
		attr->type = PERF_TYPE_SOFTWARE;
		attr->config = PERF_COUNT_SW_CPU_CLOCK;
		if (units[i].ns) {
			attr->sample_period = spec->freq * units[i].ns;
		} else {
			attr->freq = 1;
			attr->sample_freq = spec->freq;
		}
		return 0;
	}
	diag_error(&spec->loc, "%s is not an accepted unit of time", spec->target);
	return -1;
}

static int event_attr(const struct attach_spec *spec, struct perf_event_attr *attr)
{
	const struct perf_event_row *ev = event_find(spec->provider, spec->target);
	if (!ev) {
		diag_error(&spec->loc, "%s is not a %s probe", spec->target, spec->provider_name);
		return -1;
	}
	attr->type = ev->kind == PROV_HARDWARE ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	attr->config = ev->config;
	attr->sample_period = spec->freq ? spec->freq : ev->default_period;
	return 0;
}

int perf_attr_for(const struct attach_spec *spec, struct perf_event_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	if (spec->provider == PROV_INTERVAL || spec->provider == PROV_PROFILE)
		return rate_attr(spec, attr);
	return event_attr(spec, attr);
}

int perf_event_attach(struct perf_event_attr *attr, int cpu, pid_t pid, int prog_fd, struct attachment *out)
{
	attr->size = sizeof(*attr);
	attr->disabled = 1; /* enabled once the program is linked */
	int pfd = syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	attachment_add(out, pfd);
	int lfd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, NULL);
	if (lfd < 0)
		return lfd;
	attachment_add(out, lfd);
	return ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) ? -errno : 0;
}

static int perf_expand(const struct attach_spec *spec, const struct attach_env *env, struct strlist *targets)
{
	(void)env;
	struct perf_event_attr attr;
	if (perf_attr_for(spec, &attr))
		return -1;
	char target[128];
	if (spec->freq)
		snprintf(target, sizeof(target), "%s:%llu", spec->target, (unsigned long long)spec->freq);
	else
		snprintf(target, sizeof(target), "%s", spec->target);
	strlist_add(targets, target);
	return 0;
}

/* Online CPUs from "0-3,6,8-9". Returns how many were stored, or -errno. */
static int online_cpus(int *cpus, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f)
		return -errno;
	int n = 0, lo, hi;
	char sep;
	while (fscanf(f, "%d", &lo) == 1) {
		hi = lo;
		sep = fgetc(f);
		if (sep == '-' && fscanf(f, "%d", &hi) == 1)
			sep = fgetc(f);
		for (int c = lo; c <= hi && n < max; c++)
			cpus[n++] = c;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n;
}

static int attach_cpus(struct perf_event_attr *attr, int prog_fd, struct attachment *out)
{
	int max = libbpf_num_possible_cpus();
	if (max < 0)
		return max;
	int *cpus = calloc(max, sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	int n = online_cpus(cpus, max), err = n < 0 ? n : 0;
	for (int i = 0; i < n && !err; i++)
		err = perf_event_attach(attr, cpus[i], -1, prog_fd, out);
	free(cpus);
	return err;
}

static int perf_attach(const struct attach_spec *spec, const char *target, int prog_fd,
		       const struct attach_env *env, struct attachment *out)
{
	(void)target;
	(void)env;
	struct perf_event_attr attr;
	if (perf_attr_for(spec, &attr))
		return -EINVAL;
	/* interval fires once per period in total, so on one CPU only. */
	int err = spec->provider == PROV_INTERVAL ? perf_event_attach(&attr, 0, -1, prog_fd, out)
						  : attach_cpus(&attr, prog_fd, out);
	if (err)
		attachment_close(out);
	return err;
}

/* Virtual machines often have no PMU: say so before loading anything. */
static const char *hardware_unavailable(void)
{
	static char why[160];
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
	};
	int fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	if (errno != ENOENT && errno != EOPNOTSUPP && errno != ENODEV)
		return NULL;
	snprintf(why, sizeof(why),
		 "hardware events are not available on this machine (no hardware PMU: perf_event_open: %s)",
		 strerror(errno));
	return why;
}

/* bpftrace lists "software:cpu-clock:" and "software:cpu:" alike. */
static void list_kind(const char *pattern, struct strlist *names, enum provider_kind kind)
{
	struct strlist items = { 0 };
	for (size_t i = 0; i < NEVENTS; i++) {
		if (events[i].kind != kind)
			continue;
		const char *spellings[] = { events[i].name, events[i].alias };
		for (int s = 0; s < 2 && spellings[s]; s++) {
			char item[64];
			snprintf(item, sizeof(item), "%s:", spellings[s]);
			strlist_add(&items, item);
		}
	}
	names_add_matching(names, pattern, probe_type_for(kind)->name, &items);
	strlist_free(&items);
}

static void software_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	(void)env;
	list_kind(pattern, names, PROV_SOFTWARE);
}

static void hardware_list(const char *pattern, const struct attach_env *env, struct strlist *names)
{
	(void)env;
	list_kind(pattern, names, PROV_HARDWARE);
}

#define PERF_PROBE(k, n, alias, shp, lo, hi, ...)                                              \
	{ .kind = k, .name = n, .aliases = { alias }, .shape = shp, .min_parts = lo, .max_parts = hi, \
	  .prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = perf_expand, .attach = perf_attach,       \
	  __VA_ARGS__ }

const struct probe_type probe_interval = PERF_PROBE(PROV_INTERVAL, "interval", "i", SHAPE_RATE, 2, 2);
const struct probe_type probe_profile = PERF_PROBE(PROV_PROFILE, "profile", "p", SHAPE_RATE, 2, 2);
const struct probe_type probe_software =
	PERF_PROBE(PROV_SOFTWARE, "software", "s", SHAPE_EVENT, 1, 2, .list = software_list);
const struct probe_type probe_hardware = PERF_PROBE(PROV_HARDWARE, "hardware", "h", SHAPE_EVENT, 1, 2,
						    .list = hardware_list, .unavailable = hardware_unavailable);

int perf_pmu_type(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", name);
	FILE *f = fopen(path, "re");
	int type = -1;
	if (f) {
		if (fscanf(f, "%d", &type) != 1)
			type = -1;
		fclose(f);
	}
	return type;
}
