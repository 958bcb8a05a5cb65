/* -c CMD and -p PID: the process a session follows. */
#include "runtime/target.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/diag.h"
#include "util/strlist.h"

#define PID_MAX (4 * 1024 * 1024) /* bpftrace's bound, the kernel's PID_MAX_LIMIT */
#define CMD_MAX_ARGS 256           /* bpftrace's, with the terminating NULL */

extern char **environ;

/* ---- -p PID ---- */

/* As bpftrace's std::stol: leading blanks and a sign allowed, the whole
 * string must be the number. */
static int parse_pid(const char *str, pid_t *out)
{
	char *end;
	errno = 0;
	long v = strtol(str, &end, 10);
	if (end == str || *end) {
		diag_fatal("pid '%s' is not a valid decimal number", str);
		return -1;
	}
	if (errno == ERANGE) {
		diag_fatal("pid '%s' outside of integer range", str);
		return -1;
	}
	if (v < 1 || v > PID_MAX) {
		diag_fatal("pid '%s' out of valid pid range [1,%d]", str, PID_MAX);
		return -1;
	}
	*out = (pid_t)v;
	return 0;
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int target_open_pid(struct target *t, const char *str)
{
	pid_t pid;
	if (parse_pid(str, &pid))
		return -1;
	int fd = pidfd_open(pid);
	if (fd < 0) {
		/* bpftrace prints ESRCH with an empty message: "ERROR: : No such process" */
		diag_fatal("%s: %s", errno == ESRCH ? "" : "Failed to pidfd_open pid", strerror(errno));
		return -1;
	}
	t->pid = pid;
	t->pidfd = fd;
	return 0;
}

/* ---- -c CMD: the words and the program ---- */

/* std::getline's split: every delimiter ends a word (so empty words stay),
 * and a delimiter at the very end opens no new one. */
static void split(const char *s, char delim, struct strlist *out)
{
	while (*s) {
		const char *d = strchr(s, delim);
		size_t n = d ? (size_t)(d - s) : strlen(s);
		char *word = strndup(s, n);
		strlist_add(out, word);
		free(word);
		s += n + (d ? 1 : 0);
	}
}

/* The ELF file type (ET_EXEC, ET_DYN, ...), or ET_NONE when path is no ELF file. */
static int elf_type(const char *path)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ET_NONE;
	ssize_t n = read(fd, h, sizeof(h));
	close(fd);
	if (n < EI_NIDENT + 2 || memcmp(h, ELFMAG, SELFMAG))
		return ET_NONE;
	size_t need = h[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if ((h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64) || (size_t)n < need)
		return ET_NONE;
	if (h[EI_DATA] == ELFDATA2MSB)
		return h[EI_NIDENT] << 8 | h[EI_NIDENT + 1];
	return h[EI_NIDENT] | h[EI_NIDENT + 1] << 8;
}

/* bcc's bcc_elf_is_exe() || bcc_elf_is_shared_obj(), which bpftrace asks. */
static bool runnable(const char *path)
{
	int type = elf_type(path);
	return (type != ET_NONE && access(path, X_OK) == 0) || type == ET_DYN;
}

/* The paths the program may be, as bpftrace's resolve_binary_path(): the
 * name itself, then each PATH directory when the name has no '/'. Every one
 * that is runnable counts, so a name found twice (/bin and /usr/bin on a
 * merged /usr) is an error there, and here. */
static void resolve(const char *name, struct strlist *found)
{
	struct strlist dirs = { 0 };
	const char *path = getenv("PATH");
	if (path && !strchr(name, '/'))
		split(path, ':', &dirs);
	if (runnable(name))
		strlist_add(found, name);
	for (int i = 0; i < dirs.len; i++) {
		char *cand;
		if (asprintf(&cand, "%s/%s", dirs.items[i], name) < 0)
			continue;
		if (runnable(cand))
			strlist_add(found, cand);
		free(cand);
	}
	strlist_free(&dirs);
}

int target_parse_cmd(struct target *t, const char *cmd)
{
	struct strlist words = { 0 }, found = { 0 };
	split(cmd, ' ', &words);
	const char *name = words.len ? words.items[0] : "";
	resolve(name, &found);
	int rc = -1;
	if (found.len == 0)
		diag_fatal("Failed to fork child: path '%s' does not exist or is not executable", name);
	else if (found.len > 1)
		diag_fatal("Failed to fork child: path '%s' must refer to a unique binary but matched %d binaries",
			   name, found.len);
	else if (words.len >= CMD_MAX_ARGS - 1)
		diag_fatal("Failed to fork child: Too many arguments for command (%d > %d)", words.len,
			   CMD_MAX_ARGS - 1);
	else
		rc = 0;
	if (rc == 0) {
		t->argv = calloc(words.len + 1, sizeof(char *));
		t->argv[0] = strdup(found.items[0]);
		for (int i = 1; i < words.len; i++)
			t->argv[i] = strdup(words.items[i]);
	}
	strlist_free(&words);
	strlist_free(&found);
	return rc;
}

/* ---- the child ---- */

/* In the child: wait for the go byte (EOF: scry gave up, leave quietly), then
 * exec. It dies with scry, as bpftrace's does. */
static void child_main(char **argv, int go_rd, pid_t parent)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(10);
	char go;
	ssize_t n;
	while ((n = read(go_rd, &go, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(11);
	close(go_rd);
	execve(argv[0], argv, environ);
	fprintf(stderr, "child: failed to execve: %s: %s\n", argv[0], strerror(errno));
	_exit(12);
}

int target_fork(struct target *t)
{
	int go[2];
	if (pipe2(go, O_CLOEXEC)) {
		diag_fatal("Failed to fork child: pipe: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		diag_fatal("Failed to fork child: %s", strerror(errno));
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		child_main(t->argv, go[0], parent);
	}
	close(go[0]);
	t->pid = pid;
	t->go_fd = go[1];
	t->pidfd = pidfd_open(pid); /* our unreaped child: it cannot be another process */
	if (t->pidfd < 0) {
		diag_fatal("Failed to fork child: pidfd_open: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void target_release(struct target *t)
{
	if (t->go_fd < 0)
		return;
	if (write(t->go_fd, "g", 1) != 1)
		diag_fatal("Failed to run child: %s", strerror(errno));
	close(t->go_fd);
	t->go_fd = -1;
}

static bool is_child(const struct target *t)
{
	return t->argv && t->pid > 0;
}

bool target_exited(struct target *t)
{
	if (t->reaped)
		return true;
	if (t->pidfd < 0)
		return false;
	struct pollfd p = { .fd = t->pidfd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return false;
	if (is_child(t))
		t->reaped = waitpid(t->pid, NULL, WNOHANG) == t->pid;
	return true;
}

void target_signal(struct target *t, int sig)
{
	if (is_child(t) && !target_exited(t))
		kill(t->pid, sig);
}

void target_close(struct target *t)
{
	if (t->go_fd >= 0)
		close(t->go_fd); /* a child still held reads EOF and leaves */
	if (is_child(t) && !target_exited(t))
		kill(t->pid, SIGKILL);
	if (is_child(t) && !t->reaped)
		while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (t->pidfd >= 0)
		close(t->pidfd);
	for (char **a = t->argv; a && *a; a++)
		free(*a);
	free(t->argv);
	*t = TARGET_NONE;
}
