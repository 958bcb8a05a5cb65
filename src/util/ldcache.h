/* Library lookup in glibc's /etc/ld.so.cache, as the dynamic linker does it:
 * how a bare uprobe target such as "libc" becomes /lib/x86_64-linux-gnu/libc.so.6. */
#ifndef SCRY_LDCACHE_H
#define SCRY_LDCACHE_H

#include <stdbool.h>

#define LDCACHE_PATH "/etc/ld.so.cache"

/* The path of the first library, in the cache's order, whose name equals key
 * (prefix false) or starts with it (prefix true), built for this machine's
 * ABI; malloc'd, NULL when none or when the cache is unreadable. Only the
 * "glibc-ld.so.cache1.1" format is read (alone or after the old format). */
char *ldcache_find(const char *cache_file, const char *key, bool prefix);

#endif
