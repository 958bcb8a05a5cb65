/* Splitting attach points into their parts, in the shape each probe type declares. */
#include "probes/attach.h"
#include "probes/probe.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Split text at ':' outside double quotes, removing the quotes. */
static int split_parts(const char *text, char **parts, int max)
{
	int n = 0;
	size_t len = strlen(text);
	char *cur = malloc(len + 1);
	size_t o = 0;
	bool quoted = false;
	for (size_t i = 0;; i++) {
		char c = text[i];
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == 0 || (c == ':' && !quoted)) {
			cur[o] = 0;
			if (n < max)
				parts[n] = strdup(cur);
			n++;
			o = 0;
			if (c == 0)
				break;
			continue;
		}
		cur[o++] = c;
	}
	free(cur);
	return n;
}

static bool has_wildcard(const char *s)
{
	return s && strpbrk(s, "*?[") != NULL;
}

/* "func+0x10": split off the offset. Returns false when the offset is bad. */
static bool split_offset(char *func, uint64_t *offset)
{
	char *plus = strchr(func, '+');
	if (!plus)
		return true;
	char *end;
	errno = 0;
	*offset = strtoull(plus + 1, &end, 0);
	if (errno || end == plus + 1 || *end)
		return false;
	*plus = 0;
	return true;
}

static bool parse_count(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

static const char *const time_units[] = { "s", "ms", "us", "hz", NULL };

#define MAX_PARTS 8

int attach_parse(const struct node *attach, struct attach_spec *out)
{
	const struct loc *loc = &attach->loc;
	memset(out, 0, sizeof(*out));
	out->loc = *loc;

	char *parts[MAX_PARTS] = { 0 };
	int n = split_parts(attach->attach.text, parts, MAX_PARTS);
	int nparts = n < MAX_PARTS ? n : MAX_PARTS;
	int rc = -1;

	const struct probe_type *row = probe_type_named(parts[0]);
	if (!row) {
		diag_error(loc, "Invalid probe type: %s", parts[0]);
		goto done;
	}
	out->provider = row->kind;
	out->provider_name = row->name;
	int args = n - 1;
	if (args < row->min_parts || args > row->max_parts) {
		if (row->min_parts == row->max_parts)
			diag_error(loc, "%s probe type requires %d argument%s", parts[0], row->min_parts,
				   row->min_parts == 1 ? "" : "s");
		else
			diag_error(loc, "%s probe type requires %d or %d arguments", parts[0], row->min_parts,
				   row->max_parts);
		goto done;
	}

	switch (row->shape) {
	case SHAPE_NONE:
		break;
	case SHAPE_TP:
		out->target = parts[1], parts[1] = NULL;
		out->func = parts[2], parts[2] = NULL;
		if (!*out->target || !*out->func) {
			diag_error(loc, "%s", "tracepoint probe type requires a category and an event name");
			goto done;
		}
		break;
	case SHAPE_FUNC:
	case SHAPE_MODFUNC:
		out->func = parts[n - 1], parts[n - 1] = NULL;
		if (n == 3)
			out->target = parts[1], parts[1] = NULL;
		if (row->shape == SHAPE_FUNC && !split_offset(out->func, &out->offset)) {
			diag_error(loc, "Invalid offset in %s", attach->attach.text);
			goto done;
		}
		if (!*out->func) {
			diag_error(loc, "%s probe type requires a function name", row->name);
			goto done;
		}
		break;
	case SHAPE_UPROBE:
		out->target = parts[1], parts[1] = NULL;
		out->func = parts[2], parts[2] = NULL;
		if (isdigit((unsigned char)out->func[0])) {
			out->is_address = true;
			if (!parse_count(out->func, &out->offset)) {
				diag_error(loc, "Invalid address in %s", attach->attach.text);
				goto done;
			}
		} else if (!split_offset(out->func, &out->offset)) {
			diag_error(loc, "Invalid offset in %s", attach->attach.text);
			goto done;
		}
		break;
	case SHAPE_USDT:
		out->target = parts[1], parts[1] = NULL;
		if (n == 4)
			out->ns = parts[2], parts[2] = NULL;
		out->func = parts[n - 1], parts[n - 1] = NULL;
		break;
	case SHAPE_RATE: {
		bool known = false;
		for (int i = 0; time_units[i]; i++)
			known |= !strcmp(parts[1], time_units[i]);
		if (!known) {
			diag_error(loc, "%s is not an accepted unit of time", parts[1]);
			goto done;
		}
		out->target = parts[1], parts[1] = NULL;
		if (!parse_count(parts[2], &out->freq)) {
			diag_error(loc, "Invalid rate of %s probe: %s", row->name, parts[2]);
			goto done;
		}
		if (out->freq == 0) {
			diag_error(loc, "%s rate must be greater than 0", row->name);
			goto done;
		}
		break;
	}
	case SHAPE_EVENT:
		out->target = parts[1], parts[1] = NULL;
		if (n == 3 && !parse_count(parts[2], &out->freq)) {
			diag_error(loc, "Invalid count for %s probe: %s", row->name, parts[2]);
			goto done;
		}
		break;
	}
	out->has_wildcard = has_wildcard(out->target) || has_wildcard(out->func);
	if (out->has_wildcard && !row->wildcards) {
		diag_error(loc, "%s probe type does not support wildcards", row->name);
		goto done;
	}
	rc = 0;
done:
	for (int i = 0; i < nparts; i++)
		free(parts[i]);
	if (rc)
		attach_spec_free(out);
	return rc;
}

void attach_spec_free(struct attach_spec *spec)
{
	free(spec->target);
	free(spec->ns);
	free(spec->func);
	spec->target = spec->ns = spec->func = NULL;
}
