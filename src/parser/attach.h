/* Attach points: splitting the text of one attach point into its parts.
 *
 * The text is split at ':' (quotes protect a ':' inside a path or symbol),
 * the provider is found through one alias table (t -> tracepoint, k -> kprobe,
 * kfunc -> fentry, ...), and the number and form of the parts is checked per
 * provider, with bpftrace's error messages. The runtime's providers receive
 * an attach_spec and never see the raw text. */
#ifndef SCRY_ATTACH_H
#define SCRY_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "parser/ast.h"

enum provider_kind {
	PROV_BEGIN,
	PROV_END,
	PROV_TRACEPOINT,
	PROV_RAWTRACEPOINT,
	PROV_KPROBE,
	PROV_KRETPROBE,
	PROV_UPROBE,
	PROV_URETPROBE,
	PROV_USDT,
	PROV_FENTRY,
	PROV_FEXIT,
	PROV_PROFILE,
	PROV_INTERVAL,
	PROV_SOFTWARE,
	PROV_HARDWARE,
	PROV__COUNT,
};

struct attach_spec {
	enum provider_kind provider;
	const char *provider_name; /* canonical: "tracepoint", "kprobe", "fentry", ... */
	char *target; /* tracepoint category, binary path, time unit, event name; or NULL */
	char *ns;     /* usdt provider namespace; or NULL */
	char *func;   /* tracepoint/function/probe name, may hold wildcards; or NULL */
	uint64_t offset; /* kprobe/uprobe "func+off", or uprobe absolute address */
	uint64_t freq;   /* interval/profile rate, software/hardware sample period (0: default) */
	bool has_wildcard; /* '*' or '?' or '[' in target or func */
	struct loc loc;
};

/* Parse the text of an N_ATTACH node. Returns 0, or -1 after reporting an
 * error at the node's location. Free with attach_spec_free. */
int attach_parse(const struct node *attach, struct attach_spec *out);
void attach_spec_free(struct attach_spec *spec);
/* Canonical name of a provider: "tracepoint", "fentry", ... */
const char *provider_name(enum provider_kind kind);

#endif
