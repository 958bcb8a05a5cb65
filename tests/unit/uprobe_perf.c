/* The perf-event uprobe path, which scry takes on kernels without
 * uprobe_multi (before 6.6): this kernel has uprobe_multi, so the e2e tests
 * never reach it. A counting program attached to the suite's test programs
 * (next to this binary) as uprobe, uretprobe and USDT site with a semaphore
 * must count every call, and closing the attachment must detach it. Run as
 * root. */
#include <bpf/bpf.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/insn.h"
#include "probes/uprobe.h"
#include "probes/usdt_notes.h"
#include "check.h"


static char dir[1024]; /* where the test programs are: this binary's directory */

/* A program adding 1 to the u64 at key 0 of an array map. */
static int counting_prog(int map_fd)
{
	struct bpf_insn insns[] = {
		ST_MEM(BPF_W, FP, -4, 0),
		LD_IMM64_LO(R1, BPF_PSEUDO_MAP_FD, map_fd),
		LD_IMM64_HI(map_fd),
		MOV64_REG(R2, FP),
		ALU64_IMM(BPF_ADD, R2, -4),
		CALL_HELPER(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, R0, 0, 2),
		MOV64_IMM(R1, 1),
		ATOMIC_ADD(BPF_DW, R0, R1, 0),
		MOV64_IMM(R0, 0),
		EXIT_INSN(),
	};
	return bpf_prog_load(BPF_PROG_TYPE_KPROBE, "scry_unit", "GPL", insns, sizeof(insns) / sizeof(insns[0]), NULL);
}

static uint64_t count(int map_fd)
{
	uint32_t key = 0;
	uint64_t n = 0;
	bpf_map_lookup_elem(map_fd, &key, &n);
	bpf_map_update_elem(map_fd, &key, &(uint64_t){ 0 }, BPF_ANY);
	return n;
}

/* Output of a test program run with args. */
static void run(const char *args, char *out, size_t len)
{
	char cmd[PATH_MAX + 128];
	snprintf(cmd, sizeof(cmd), "%s/%s", dir, args);
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, len - 1, p) : 0;
	out[n] = 0;
	if (p)
		pclose(p);
}

static void test_uprobe(int prog, int map, bool ret)
{
	struct uprobe_target t = { 0 };
	uint64_t offset;
	char out[256];
	snprintf(t.path, sizeof(t.path), "%s/uprobe_target", dir);
	snprintf(t.func, sizeof(t.func), "scry_add");
	CHECK(uprobe_file_offset(&t, &offset) == 0, "no offset of scry_add in %s", t.path);
	struct attachment att = { 0 };
	int err = uprobe_perf_attach(prog, t.path, offset, 0, ret, 0, &att);
	CHECK(err == 0, "attach: %s", strerror(-err));
	count(map);
	run("uprobe_target add 5", out, sizeof(out));
	CHECK(count(map) == 5, "%s: not 5 calls", ret ? "uretprobe" : "uprobe");
	attachment_close(&att);
	run("uprobe_target add 5", out, sizeof(out));
	CHECK(count(map) == 0, "still attached after close");
}

/* The semaphore is the uprobe's reference counter: set while attached. */
static void test_semaphore(int prog, int map)
{
	char path[PATH_MAX + 16], err[256], out[256];
	snprintf(path, sizeof(path), "%s/usdt_target", dir);
	struct usdt_probe *probes = NULL;
	int n = 0;
	CHECK(usdt_notes_read(path, &probes, &n, err, sizeof(err)) == 0, "%s", err);
	const struct usdt_probe *p = NULL;
	for (int i = 0; i < n; i++)
		if (!strcmp(probes[i].name, "withsem"))
			p = &probes[i];
	CHECK(p && p->sem_offset, "no scry:withsem with a semaphore");
	if (p) {
		struct attachment att = { 0 };
		int e = uprobe_perf_attach(prog, path, p->file_offset, p->sem_offset, false, 0, &att);
		CHECK(e == 0, "attach: %s", strerror(-e));
		count(map);
		run("usdt_target withsem 3", out, sizeof(out));
		CHECK(strstr(out, "withsem 3/3"), "semaphore not set while attached: %s", out);
		CHECK(count(map) == 3, "not 3 firings");
		attachment_close(&att);
		run("usdt_target withsem 3", out, sizeof(out));
		CHECK(strstr(out, "withsem 0/3"), "semaphore still set after close: %s", out);
	}
	usdt_notes_free(probes, n);
}

int main(void)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return 1;
	self[len] = 0;
	snprintf(dir, sizeof(dir), "%s", dirname(self));

	int map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "scry_unit", 4, 8, 1, NULL);
	int prog = map >= 0 ? counting_prog(map) : -1;
	CHECK(prog >= 0, "cannot load the counting program");
	if (prog >= 0) {
		test_uprobe(prog, map, false);
		test_uprobe(prog, map, true);
		test_semaphore(prog, map);
		close(prog);
	}
	close(map);
	return failures ? 1 : 0;
}
