/* A tracing session: load, attach, run BEGIN, poll events until exit() or a
 * signal, detach, run END, print the maps, and leave nothing behind. */
#include "runtime/run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "runtime/events.h"
#include "runtime/load.h"
#include "runtime/output.h"
#include "probes/probe.h"
#include "runtime/stacks.h"
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
}

struct session {
	const struct compiled *c;
	const struct run_opts *opts;
	int *map_fds;
	int *prog_fds;
	struct attachment *atts;
	int natts;
	struct ring_buffer *rb;
	struct events ev;
};

static int load_all(struct session *s)
{
	const struct compiled *c = s->c;
	if (load_maps(&c->res, s->map_fds))
		return -1;
	int rc = 0;
	for (int i = 0; i < c->nprogs; i++) {
		s->prog_fds[i] = load_prog(&c->progs[i], i, s->map_fds, s->opts->verbose);
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

static int attach_all(struct session *s)
{
	const struct compiled *c = s->c;
	s->atts = calloc(count_probes(c) + 1, sizeof(*s->atts));
	for (int i = 0; i < c->nprogs; i++) {
		const struct prog *p = &c->progs[i];
		const struct probe_type *pt = probe_type_for(p->spec->provider);
		if (pt->once)
			continue;
		if (pt->attach_all) {
			int err = pt->attach_all(p->spec, &p->targets, s->prog_fds[i], &s->opts->env,
						 &s->atts[s->natts]);
			if (err) {
				diag_fatal("failed to attach %s: %s", p->name, strerror(-err));
				return -1;
			}
			s->natts++;
			continue;
		}
		for (int t = 0; t < p->targets.len; t++) {
			int err = pt->attach(p->spec, p->targets.items[t], s->prog_fds[i], &s->opts->env,
					     &s->atts[s->natts]);
			if (err) {
				diag_fatal("failed to attach %s%s%s: %s", p->spec->provider_name,
					   *p->targets.items[t] ? ":" : "", p->targets.items[t], strerror(-err));
				return -1;
			}
			s->natts++;
		}
	}
	return 0;
}

/* Closing a perf event waits for an RCU grace period (20-40 ms here), one
 * after another: 350 syscall tracepoints took 15 s. Closes running in
 * parallel overlap their waits outside the kernel's event_mutex: half the time. */
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
	while (nthreads < DETACH_THREADS && nthreads < s->natts / 4 &&
	       !pthread_create(&threads[nthreads], NULL, detach_worker, &w))
		nthreads++;
	detach_worker(&w);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(s->atts);
	s->atts = NULL;
	s->natts = 0;
}

/* BEGIN and END run once, in this process, through BPF_PROG_TEST_RUN. */
static void run_once(struct session *s, enum provider_kind kind)
{
	for (int i = 0; i < s->c->nprogs; i++) {
		if (s->c->progs[i].spec->provider != kind)
			continue;
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int err = bpf_prog_test_run_opts(s->prog_fds[i], &opts);
		if (err)
			diag_fatal("failed to run %s: %s", s->c->progs[i].name, strerror(errno));
	}
}

static bool exit_requested(struct session *s)
{
	uint32_t key = 0;
	struct control ctl = { 0 };
	bpf_map_lookup_elem(s->map_fds[MAP_CONTROL], &key, &ctl);
	return ctl.exit || s->ev.exiting || stop_signal;
}

/* `elapsed` counts from here: the clock of bpf_ktime_get_ns. */
static void set_start_time(struct session *s)
{
	uint32_t key = 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	struct control ctl = { .start_ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec };
	bpf_map_update_elem(s->map_fds[MAP_CONTROL], &key, &ctl, BPF_ANY);
}

static uint64_t lost_events(struct session *s)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals = calloc(ncpus, sizeof(*vals)), total = 0;
	uint32_t key = 0;
	if (vals && !bpf_map_lookup_elem(s->map_fds[MAP_LOST], &key, vals))
		for (int i = 0; i < ncpus; i++)
			total += vals[i];
	free(vals);
	return total;
}

static void print_maps(struct session *s)
{
	const struct resources *res = &s->c->res;
	int n = 0;
	int *order = malloc((res->nmaps + 1) * sizeof(*order));
	for (int i = MAP__INTERNAL; i < res->nmaps; i++)
		if (res->maps[i].name[0] == '@') /* the script's, not scry's own */
			order[n++] = i;
	/* bpftrace prints maps in the order of their names */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(res->maps[order[j - 1]].name, res->maps[order[j]].name) > 0; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		output_map(stdout, &res->maps[order[i]], s->map_fds[order[i]], 0, 1);
	free(order);
}

static void session_close(struct session *s)
{
	detach_all(s);
	ring_buffer__free(s->rb);
	close_fds(s->prog_fds, s->c->nprogs);
	close_fds(s->map_fds, s->c->res.nmaps);
	free(s->prog_fds);
	free(s->map_fds);
}

int run(const struct compiled *c, const struct run_opts *opts)
{
	struct session s = {
		.c = c, .opts = opts,
		.map_fds = malloc(c->res.nmaps * sizeof(int)),
		.prog_fds = malloc((c->nprogs + 1) * sizeof(int)),
	};
	s.ev = (struct events){ .res = &c->res, .map_fds = s.map_fds, .out = stdout };
	for (int i = 0; i < c->nprogs; i++)
		s.prog_fds[i] = -1;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	catch_signals();

	int rc = 1;
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
	printf("Attaching %d probe%s...\n", n, n == 1 ? "" : "s");
	fflush(stdout);
	set_start_time(&s);
	if (attach_all(&s))
		goto out;

	run_once(&s, PROV_BEGIN);
	/* bpftrace's hook for test harnesses: "Attaching" comes before the attach */
	if (getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED")) {
		fprintf(stderr, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
		fflush(stderr);
	}
	while (!exit_requested(&s)) {
		int err = ring_buffer__poll(s.rb, 100);
		if (err < 0 && err != -EINTR) {
			diag_fatal("failed to read events: %s", strerror(-err));
			break;
		}
		fflush(stdout);
	}
	detach_all(&s);
	ring_buffer__consume(s.rb);
	s.ev.exiting = false;
	run_once(&s, PROV_END);
	ring_buffer__consume(s.rb);

	printf("\n\n");
	print_maps(&s);
	fflush(stdout);
	uint64_t lost = lost_events(&s);
	if (lost)
		fprintf(stderr, "WARNING: %llu events were lost: the ring buffer was full\n", (unsigned long long)lost);
	rc = 0;
out:
	session_close(&s);
	return rc;
}
