/* Attach points: splitting the text of one attach point into its parts.
 *
 * The text is split at ':' (quotes protect a ':' inside a path or symbol),
 * the probe type is found by its name or alias (t -> tracepoint, k -> kprobe,
 * kfunc -> fentry, ...), and the number and form of the parts is checked
 * against the shape the probe type declares, with bpftrace's error messages.
 * Probe types receive an attach_spec and never see the raw text. */
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

/* The form of the parts after the provider. */
enum attach_shape {
	SHAPE_NONE,     /* BEGIN, END */
	SHAPE_TP,       /* category:event */
	SHAPE_FUNC,     /* func[+off] */
	SHAPE_MODFUNC,  /* [module:]func */
	SHAPE_UPROBE,   /* path:func[+off] or path:address */
	SHAPE_USDT,     /* path:[ns:]probe */
	SHAPE_RATE,     /* unit:count */
	SHAPE_EVENT,    /* event[:count] */
};

struct attach_spec {
	enum provider_kind provider;
	const char *provider_name; /* canonical: "tracepoint", "kprobe", "fentry", ... */
	char *target; /* tracepoint category, binary path, time unit, event name; or NULL */
	char *ns;     /* usdt provider namespace; or NULL */
	char *func;   /* tracepoint/function/probe name, may hold wildcards; or NULL */
	uint64_t offset; /* kprobe/uprobe "func+off", or uprobe absolute address */
	bool is_address; /* uprobe: func was an address, held in offset */
	uint64_t freq;   /* interval/profile rate, software/hardware sample period (0: default) */
	bool has_wildcard; /* '*' or '?' or '[' in target or func */
	bool one_of_many;  /* its probe has other attach points (bpftrace then skips a
			    * kernel function it cannot attach, with a warning) */
	struct loc loc;
};

/* Parse the text of an N_ATTACH node. Returns 0, or -1 after reporting an
 * error at the node's location. Free with attach_spec_free. */
int attach_parse(const struct node *attach, struct attach_spec *out);
void attach_spec_free(struct attach_spec *spec);

#endif
