/* Finding (or mounting) tracefs and reading its files. */
#include "util/tracefs.h"

#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

static const char *const candidates[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static int is_tracefs(const char *dir)
{
	struct statfs st;
	return !statfs(dir, &st) && st.f_type == TRACEFS_MAGIC;
}

const char *tracefs_dir(void)
{
	static const char *found;
	if (found)
		return found;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (is_tracefs(candidates[i]))
			return found = candidates[i];
	/* Not mounted (minimal systems): mount it where the kernel expects it. */
	if (mount("tracefs", candidates[0], "tracefs", 0, NULL))
		return NULL;
	return found = candidates[0];
}

/* Read all of fd; tracefs files report size 0, so read until EOF. */
static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return NULL;
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
		if (cap - len == 1) {
			cap *= 2;
			char *grown = realloc(buf, cap);
			if (!grown)
				free(buf);
			buf = grown;
		}
	}
	buf[len] = 0;
	return buf;
}

char *tracefs_read(const char *rel)
{
	const char *dir = tracefs_dir();
	if (!dir)
		return NULL;
	char path[512];
	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *text = read_all(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return text;
}

int tracefs_events(struct strlist *out)
{
	char *text = tracefs_read("available_events");
	if (!text)
		return -errno;
	for (char *save, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strchr(line, ':'))
			strlist_add(out, line);
	free(text);
	strlist_sort_unique(out);
	return 0;
}
