/* A tracing session: load, attach, run BEGIN, poll events until exit(), a
 * signal or the end of the followed process (-c, -p), detach, run END, print
 * the maps, and leave nothing behind. */
#include "runtime/run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/events.h"
#include "runtime/load.h"
#include "runtime/map_read.h"
#include "probes/probe.h"
#include "runtime/stacks.h"
#include "runtime/target.h"
#include "util/diag.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: poll must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct session {
	const struct compiled *c;
	const struct run_opts *opts;
	int *map_fds;
	int *prog_fds;
	struct attachment *atts;
	int natts;
	struct ring_buffer *rb;
	struct output out;      /* -o's file or stdout, in -f's format */
	struct events ev;
	struct attach_env env;  /* opts->env, with -c's child as the pid */
	struct target *target;  /* -c or -p; NULL: none */
	int epfd;               /* the ring buffer and the target's pidfd; -1: none */
	bool output_gone;       /* the output is a pipe nobody reads any more */
	uint64_t lost_said;     /* ring-buffer records reported lost so far */
	time_t lost_checked;    /* when the count was last read */
	uint64_t *helper_errors_summed; /* per helper error id: the count its last summary gave */
};

static bool has_cap(const struct __user_cap_data_struct *caps, int cap)
{
	return caps[cap / 32].effective & (1u << (cap % 32));
}

/* Loading BPF programs takes CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN):
 * say so before anything is loaded, not in the kernel's EPERM. */
static int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { 0 };
	if (syscall(SYS_capget, &hdr, caps))
		return 0; /* let the kernel decide */
	if (has_cap(caps, CAP_SYS_ADMIN) || (has_cap(caps, CAP_BPF) && has_cap(caps, CAP_PERFMON)))
		return 0;
	diag_fatal("scry needs root to load BPF programs (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)%s",
		   geteuid() ? "" : ": this process lacks them");
	return -1;
}

/* Whether the kernel can attach every probe, said before anything loads:
 * each reason once, where the script first needs what is missing. */
static int check_available(const struct compiled *c)
{
	const char *reported[PROV__COUNT];
	int nreported = 0;
	for (int i = 0; i < c->nprogs; i++) {
		const struct attach_spec *spec = c->progs[i].spec;
		const struct probe_type *pt = c->progs[i].type;
		const char *why = pt->unavailable ? pt->unavailable() : NULL;
		bool seen = false;
		for (int r = 0; why && r < nreported; r++)
			seen |= !strcmp(reported[r], why);
		if (why && !seen && nreported < PROV__COUNT) {
			diag_error(&spec->loc, "%s", why);
			reported[nreported++] = why;
		}
	}
	return nreported ? -1 : 0;
}

static int load_all(struct session *s)
{
	const struct compiled *c = s->c;
	if (load_maps(&c->res, s->map_fds))
		return -1;
	int rc = 0;
	for (int i = 0; i < c->nprogs; i++) {
		s->prog_fds[i] = load_prog(&c->progs[i], i, s->map_fds, s->opts->verbose, s->opts->log_size);
		if (s->prog_fds[i] < 0)
			rc = -1;
	}
	return rc;
}

static int count_probes(const struct compiled *c)
{
	int n = 0;
	for (int i = 0; i < c->nprogs; i++)
		n += c->progs[i].targets.len;
	return n;
}

/* A signal meanwhile stops it (each attach costs a detach, at 25 ms and
 * more each): the session then ends with what is attached. */
static int attach_all(struct session *s)
{
	const struct compiled *c = s->c;
	s->atts = calloc(count_probes(c) + 1, sizeof(*s->atts));
	for (int i = 0; i < c->nprogs && !stop_signal; i++) {
		const struct prog *p = &c->progs[i];
		const struct probe_type *pt = p->type;
		if (pt->once)
			continue;
		if (pt->attach_all) {
			/* -p's env, not -c's child: bpftrace 0.17 does not limit uprobes to the command */
			int err = pt->attach_all(p->spec, &p->targets, s->prog_fds[i], &s->opts->env,
						 &s->atts[s->natts]);
			if (err) {
				diag_fatal("Error attaching probe: %s: %s", p->name, strerror(-err));
				return -1;
			}
			s->natts++;
			continue;
		}
		for (int t = 0; t < p->targets.len && !stop_signal; t++) {
			int err = pt->attach(p->spec, p->targets.items[t], s->prog_fds[i], &s->env,
					     &s->atts[s->natts]);
			if (err) {
				diag_fatal("Error attaching probe: %s%s%s: %s", p->spec->provider_name,
					   *p->targets.items[t] ? ":" : "", p->targets.items[t], strerror(-err));
				return -1;
			}
			s->natts++;
		}
	}
	return 0;
}

/* Closing a perf event's BPF link waits for a grace period, and closing the
 * perf event another (some 35 ms each here). Closes in parallel share the
 * first; the second waits under the kernel's event_mutex, one after another.
 * So a thread per attachment, up to 16: six tracepoints took 170 ms, two at
 * a time. */
#define DETACH_THREADS 16

struct detach_work {
	struct attachment *atts;
	int n;
	atomic_int next;
};

static void *detach_worker(void *arg)
{
	struct detach_work *w = arg;
	for (int i; (i = atomic_fetch_add(&w->next, 1)) < w->n;)
		attachment_close(&w->atts[i]);
	return NULL;
}

static void detach_all(struct session *s)
{
	struct detach_work w = { .atts = s->atts, .n = s->natts };
	pthread_t threads[DETACH_THREADS];
	int nthreads = 0;
	while (nthreads < DETACH_THREADS && nthreads < s->natts - 1 &&
	       !pthread_create(&threads[nthreads], NULL, detach_worker, &w))
		nthreads++;
	detach_worker(&w);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(s->atts);
	s->atts = NULL;
	s->natts = 0;
}

/* BEGIN and END run once, in this process, through BPF_PROG_TEST_RUN.
 * Returns -1 when one could not run. */
static int run_once(struct session *s, enum provider_kind kind)
{
	for (int i = 0; i < s->c->nprogs; i++) {
		if (s->c->progs[i].spec->provider != kind)
			continue;
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		if (bpf_prog_test_run_opts(s->prog_fds[i], &opts)) {
			diag_fatal("failed to run %s: %s", s->c->progs[i].name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Why the event loop ends. */
enum stop_reason { RUNNING, STOP_EXIT, STOP_SIGNAL, STOP_TARGET, STOP_OUTPUT };

/* Write out what the output holds. A write fails with EPIPE once the pipe's
 * reader is gone only where SIGPIPE, which would end scry, is ignored (as
 * systemd's services have it): the trace then ends instead of tracing for
 * nobody. Other failures (-o /dev/full) go unreported, as in bpftrace. */
static void flush_output(struct session *s)
{
	if (fflush(s->out.out) == EOF && errno == EPIPE)
		s->output_gone = true;
}

static enum stop_reason stop_reason(struct session *s)
{
	uint32_t key = 0;
	struct control ctl = { 0 };
	bpf_map_lookup_elem(s->map_fds[MAP_CONTROL], &key, &ctl);
	if (ctl.exit || s->ev.exiting)
		return STOP_EXIT;
	if (stop_signal)
		return STOP_SIGNAL;
	if (s->target && target_exited(s->target))
		return STOP_TARGET;
	if (s->output_gone)
		return STOP_OUTPUT;
	return RUNNING;
}

/* `elapsed` counts from here: the clock of bpf_ktime_get_ns. `cpid` is -c's child. */
static void init_control(struct session *s)
{
	uint32_t key = 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	struct control ctl = {
		.start_ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec,
		.cpid = s->target && s->target->argv ? (uint64_t)s->target->pid : 0,
	};
	bpf_map_update_elem(s->map_fds[MAP_CONTROL], &key, &ctl, BPF_ANY);
}

/* Wake for records or for the target's exit, whichever comes first. */
static int watch_target(struct session *s)
{
	if (!s->target || s->target->pidfd < 0)
		return 0;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event rb = { .events = EPOLLIN }, pid = { .events = EPOLLIN };
	if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(s->rb), &rb) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->target->pidfd, &pid)) {
		diag_fatal("failed to watch pid %d: %s", (int)s->target->pid, strerror(errno));
		return -1;
	}
	return 0;
}

/* Event records wake the reader only once much data waits (see
 * EVENTS_WAKEUP_DATA): at low rates their output comes when the wait ends. */
#define POLL_MS 50

/* Handle what the ring buffer holds, waiting up to POLL_MS for a wake-up
 * first unless the last batch ended with records left. */
static int poll_events(struct session *s, bool more)
{
	s->ev.batch_end_ns = 0;
	struct epoll_event ev[2];
	int epfd = s->epfd >= 0 ? s->epfd : ring_buffer__epoll_fd(s->rb);
	if (epoll_wait(epfd, ev, 2, more ? 0 : POLL_MS) < 0)
		return -errno;
	return ring_buffer__consume(s->rb);
}

/* The script's maps (not scry's own), in the order of their names as
 * bpftrace prints them; returns how many. order holds res->nmaps. */
static int script_maps_by_name(const struct resources *res, int *order)
{
	int n = 0;
	for (int i = MAP__INTERNAL; i < res->nmaps; i++)
		if (res->maps[i].name[0] == '@')
			order[n++] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(res->maps[order[j - 1]].name, res->maps[order[j]].name) > 0; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	return n;
}

static void print_maps(struct session *s)
{
	const struct resources *res = &s->c->res;
	int *order = malloc((res->nmaps + 1) * sizeof(*order));
	int n = script_maps_by_name(res, order);
	for (int i = 0; i < n; i++)
		map_output(&s->out, &res->maps[order[i]], s->map_fds[order[i]], 0, 1);
	free(order);
}

/* Counter i of one of scry's counter maps (its one value: an array of u64). */
static uint64_t counter(const struct session *s, int map, int i)
{
	uint32_t key = 0, size = s->c->res.maps[map].value_size;
	uint64_t *vals = calloc(1, size), n = 0;
	if (vals && !bpf_map_lookup_elem(s->map_fds[map], &key, vals) && (uint32_t)i < size / 8)
		n = vals[i];
	free(vals);
	return n;
}

/* The sum over CPUs of what entry key of a per-CPU counter array holds
 * beyond floor. */
static uint64_t percpu_sum_over(int fd, uint32_t key, uint64_t floor)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals = calloc(ncpus, sizeof(*vals)), total = 0;
	if (vals && !bpf_map_lookup_elem(fd, &key, vals))
		for (int i = 0; i < ncpus; i++)
			total += vals[i] > floor ? vals[i] - floor : 0;
	free(vals);
	return total;
}

static uint64_t percpu_sum(int fd, uint32_t key)
{
	return percpu_sum_over(fd, key, 0);
}

/* Records lost since the last report, said as bpftrace says it, on stdout
 * in line with the events. */
static void report_lost(struct session *s)
{
	uint64_t lost = counter(s, MAP_LOST, LOST_EVENTS);
	if (lost > s->lost_said)
		s->out.backend->lost(&s->out, lost - s->lost_said);
	s->lost_said = lost;
}

/* -k: the counts of call sites that failed more often than their records
 * said (each CPU sends a burst of them, the rest are only counted), with the
 * map and the probe, when they grew since the last summary. While the trace
 * runs, records may still be on their way: only failures past a CPU's burst
 * count as unreported; at the end (final) so do records the ring lost. */
static void report_helper_errors(struct session *s, bool final)
{
	const struct resources *res = &s->c->res;
	if (!res->nhelper_errors)
		return;
	int fd = s->map_fds[res->helper_error_map];
	for (int id = 0; id < res->nhelper_errors; id++) {
		struct helper_failure f = helper_failure_at(res, id);
		f.count = percpu_sum(fd, (uint32_t)id);
		f.said = s->ev.helper_errors_said[id];
		bool unsaid = percpu_sum_over(fd, (uint32_t)id, HELPER_ERROR_BURST) || (final && f.count > f.said);
		if (unsaid && f.count > s->helper_errors_summed[id]) {
			s->out.backend->helper_errors(&s->out, &f);
			s->helper_errors_summed[id] = f.count;
		}
	}
}

/* While events flow: at most once a second (a helper error's count too). */
static void report_lost_now_and_then(struct session *s)
{
	time_t now = time(NULL);
	if (now != s->lost_checked) {
		s->lost_checked = now;
		report_lost(s);
		report_helper_errors(s, false);
	}
}

/* What the kernel side could not store or do, said on stderr. */
static void report_losses(struct session *s)
{
	const struct resources *res = &s->c->res;
	uint64_t control = counter(s, MAP_LOST, LOST_CONTROL);
	if (control)
		fprintf(stderr, "WARNING: %llu exit(), print(), clear() or zero() records were lost: the ring buffer was full\n",
			(unsigned long long)control);
	int *order = malloc((res->nmaps + 1) * sizeof(*order));
	int n = script_maps_by_name(res, order);
	for (int i = 0; i < n; i++) {
		uint64_t dropped = counter(s, MAP_FULL, order[i]);
		if (dropped)
			fprintf(stderr, "WARNING: map %s is full: %llu updates were dropped (raise BPFTRACE_MAP_KEYS_MAX)\n",
				res->maps[order[i]].name, (unsigned long long)dropped);
	}
	free(order);
	if (s->ev.skipped_system)
		fprintf(stderr, "WARNING: %llu system() commands were not run: the trace was ending\n",
			(unsigned long long)s->ev.skipped_system);
}

static void session_close(struct session *s)
{
	detach_all(s);
	ring_buffer__free(s->rb);
	events_close(&s->ev);
	if (s->epfd >= 0)
		close(s->epfd);
	close_fds(s->prog_fds, s->c->nprogs);
	close_fds(s->map_fds, s->c->res.nmaps);
	free(s->prog_fds);
	free(s->map_fds);
	free(s->ev.helper_errors_said);
	free(s->helper_errors_summed);
}

int run(const struct compiled *c, const struct run_opts *opts)
{
	struct session s = {
		.c = c, .opts = opts, .env = opts->env, .target = opts->target, .epfd = -1,
		.map_fds = malloc(c->res.nmaps * sizeof(int)),
		.prog_fds = malloc((c->nprogs + 1) * sizeof(int)),
		.helper_errors_summed = calloc(c->res.nhelper_errors + 1, sizeof(uint64_t)),
	};
	s.out = (struct output){ .backend = opts->format ? opts->format : &output_text,
				 .out = opts->out ? opts->out : stdout };
	s.ev = (struct events){ .res = &c->res, .map_fds = s.map_fds, .out = &s.out,
			       .stop = &stop_signal, .bounded = true, .cat_bytes_max = opts->cat_bytes_max,
			       .helper_errors_said = calloc(c->res.nhelper_errors + 1, sizeof(uint64_t)) };
	for (int i = 0; i < c->nprogs; i++)
		s.prog_fds[i] = -1;
	for (int i = 0; i < c->res.nmaps; i++) /* closed on every way out */
		s.map_fds[i] = -1;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	catch_signals();

	int rc = 1;
	if (check_privileges())
		goto out;
	if (!opts->dry_run && check_available(c))
		goto out;
	if (load_all(&s))
		goto out;
	stacks_init(c->res.stack_map >= 0 ? s.map_fds[c->res.stack_map] : -1);
	if (opts->dry_run) {
		rc = 0;
		goto out;
	}
	s.rb = ring_buffer__new(s.map_fds[MAP_EVENTS], events_handle, &s.ev, NULL);
	if (!s.rb) {
		diag_fatal("failed to open the ring buffer: %s", strerror(errno));
		goto out;
	}
	int n = count_probes(c);
	if (!n) { /* every attach point was a wildcard that matched nothing */
		if (!opts->quiet)
			fprintf(s.out.out, "No probes to attach\n"); /* plain text in every format, as bpftrace */
		goto out;
	}
	if (!opts->quiet)
		s.out.backend->attached(&s.out, n);
	flush_output(&s);
	rc = 255; /* bpftrace's status for a session that fails once attaching (its run() returns -1) */
	/* -c: the child exists before the attach (probes may name its pid) and
	 * execs once BEGIN has run, so none of its events is missed */
	if (s.target && s.target->argv) {
		if (target_fork(s.target))
			goto out;
		s.env.pid = s.target->pid;
	}
	if (watch_target(&s))
		goto out;
	init_control(&s);
	if (attach_all(&s))
		goto out;

	/* as bpftrace, a BEGIN or END that cannot run ends the session (255), without the maps */
	if (run_once(&s, PROV_BEGIN))
		goto out;
	if (s.target && !stop_signal) /* stopped while attaching: -c's command never starts */
		target_release(s.target);
	/* bpftrace's hook for test harnesses: "Attaching" comes before the attach */
	if (getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED")) {
		fprintf(stderr, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
		fflush(stderr);
	}
	enum stop_reason why;
	for (int err = 0; (why = stop_reason(&s)) == RUNNING;) {
		err = poll_events(&s, err == EVENTS_BREAK);
		if (err < 0 && err != -EINTR && err != EVENTS_BREAK) {
			diag_fatal("failed to read events: %s", strerror(-err));
			break;
		}
		report_lost_now_and_then(&s);
		flush_output(&s);
	}
	/* bpftrace 0.17 ends a child still running with SIGTERM on exit(); on
	 * SIGINT/SIGTERM it leaves it until its own exit (target_close: SIGKILL) */
	if (s.target && why != STOP_SIGNAL)
		target_signal(s.target, SIGTERM);
	detach_all(&s);
	/* what the probes left, bounded now that they are detached (after a
	 * signal, without running the commands of system()) */
	s.ev.bounded = false;
	ring_buffer__consume(s.rb);
	report_lost(&s);
	s.ev.exiting = false;
	s.ev.stop = NULL;
	if (run_once(&s, PROV_END))
		goto out;
	ring_buffer__consume(s.rb);

	s.out.backend->maps_start(&s.out);
	print_maps(&s);
	report_helper_errors(&s, true);
	if (s.out.backend->end)
		s.out.backend->end(&s.out);
	flush_output(&s);
	report_losses(&s);
	rc = 0;
	if (s.output_gone) {
		diag_fatal("failed to write the output: %s", strerror(EPIPE));
		rc = 1;
	}
out:
	session_close(&s);
	return rc;
}
