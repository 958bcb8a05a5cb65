#include "util/ldcache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The layout glibc's ldconfig writes (elf/cache.c, sysdeps/generic/dl-cache.h) */
#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache1.1"

struct old_header {
	char magic[11];
	uint32_t nlibs;
};

struct old_entry {
	int32_t flags;
	uint32_t key, value;
};

struct new_header {
	char magic[20]; /* "glibc-ld.so.cache" "1.1", no NUL */
	uint32_t nlibs, len_strings;
	uint8_t flags, pad[3];
	uint32_t extension_offset, unused[3];
};

struct new_entry {
	int32_t flags;
	uint32_t key, value; /* string offsets from the start of the new header */
	uint32_t osversion;
	uint64_t hwcap;
};

/* An entry's flags name its ABI: the low byte the libc (3 = libc6), the high
 * byte the architecture variant. Other ABIs' libraries (lib32) are skipped. */
#define FLAG_TYPE_MASK 0x00ff
#define FLAG_ELF_LIBC6 0x0003
#define FLAG_ARCH_MASK 0xff00
#if defined(__x86_64__)
#define FLAG_ARCH 0x0300 /* FLAG_X8664_LIB64 */
#elif defined(__aarch64__)
#define FLAG_ARCH 0x0a00 /* FLAG_AARCH64_LIB64 */
#endif

static bool our_abi(int32_t flags)
{
	if ((flags & FLAG_TYPE_MASK) != FLAG_ELF_LIBC6)
		return false;
#ifdef FLAG_ARCH
	return (flags & FLAG_ARCH_MASK) == FLAG_ARCH;
#else
	return true;
#endif
}

static char *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	if (!f)
		return NULL;
	char *buf = NULL;
	if (!fstat(fileno(f), &st) && st.st_size > 0 && (buf = malloc(st.st_size)))
		*size = fread(buf, 1, st.st_size, f);
	fclose(f);
	return buf;
}

/* Where the new format starts: at 0, or after the old format's entries */
static size_t new_header_at(const char *buf, size_t size)
{
	if (size >= sizeof(struct new_header) && !memcmp(buf, NEW_MAGIC, strlen(NEW_MAGIC)))
		return 0;
	if (size < sizeof(struct old_header) || memcmp(buf, OLD_MAGIC, strlen(OLD_MAGIC)))
		return SIZE_MAX;
	const struct old_header *old = (const void *)buf;
	size_t at = sizeof(*old) + (size_t)old->nlibs * sizeof(struct old_entry);
	at = (at + 7) & ~(size_t)7; /* __alignof__(struct cache_file_new) */
	if (at > size || size - at < sizeof(struct new_header) || memcmp(buf + at, NEW_MAGIC, strlen(NEW_MAGIC)))
		return SIZE_MAX;
	return at;
}

/* A NUL-terminated string at off in [base, base+size), or NULL */
static const char *string_at(const char *base, size_t size, uint32_t off)
{
	if (off >= size || !memchr(base + off, '\0', size - off))
		return NULL;
	return base + off;
}

static bool key_matches(const char *name, const char *key, bool prefix)
{
	return prefix ? !strncmp(name, key, strlen(key)) : !strcmp(name, key);
}

char *ldcache_find(const char *cache_file, const char *key, bool prefix)
{
	size_t size;
	char *buf = read_all(cache_file, &size);
	if (!buf)
		return NULL;
	char *found = NULL;
	size_t at = new_header_at(buf, size);
	if (at != SIZE_MAX) {
		const char *base = buf + at;
		size_t avail = size - at;
		struct new_header h;
		memcpy(&h, base, sizeof(h));
		size_t max = (avail - sizeof(h)) / sizeof(struct new_entry);
		for (size_t i = 0; i < h.nlibs && i < max && !found; i++) {
			struct new_entry e;
			memcpy(&e, base + sizeof(h) + i * sizeof(e), sizeof(e));
			const char *name = string_at(base, avail, e.key);
			const char *path = string_at(base, avail, e.value);
			if (name && path && our_abi(e.flags) && key_matches(name, key, prefix))
				found = strdup(path);
		}
	}
	free(buf);
	return found;
}
