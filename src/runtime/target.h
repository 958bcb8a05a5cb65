/* The process a session follows: the child that -c CMD runs, or the process
 * -p PID names. scry ends when it exits. Errors are bpftrace 0.17's. */
#ifndef SCRY_TARGET_H
#define SCRY_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

struct target {
	pid_t pid;    /* 0: not started (-c) or none */
	int pidfd;    /* readable once the process has exited; -1: none */
	int go_fd;    /* -c: the pipe's write end that holds the child before exec; -1 */
	char **argv;  /* -c: the command, argv[0] resolved as bpftrace resolves it */
	bool reaped;  /* -c: waitpid() has collected the child */
};

#define TARGET_NONE ((struct target){ .pidfd = -1, .go_fd = -1 })

/* -p: parse PID and open a pidfd on it. Returns 0, or -1 after printing
 * bpftrace's error (`pid 'a1' is not a valid decimal number`, ...). */
int target_open_pid(struct target *t, const char *str);
/* -c: split CMD at each space (empty words kept, as bpftrace does) and find
 * the program: CMD's first word itself, and in each PATH directory when it
 * has no '/'; exactly one must be an ELF executable or shared object.
 * Returns 0, or -1 after printing bpftrace's error. */
int target_parse_cmd(struct target *t, const char *cmd);

/* -c: fork the child, held before exec until target_release(). Returns 0 or
 * -1 after reporting the error. */
int target_fork(struct target *t);
/* Let the held child exec the command. */
void target_release(struct target *t);
/* Whether the process has exited (a child is reaped then). */
bool target_exited(struct target *t);
/* Send sig to the child if it still runs (never to a -p process). */
void target_signal(struct target *t, int sig);
/* Kill a child still running (SIGKILL, as bpftrace at exit), reap it and
 * close everything. */
void target_close(struct target *t);

#endif
