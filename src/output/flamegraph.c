/* -f flamegraph: the maps keyed by stacks as one self-contained SVG flame
 * graph, written once the maps are printed (at exit). Each entry's key is a
 * stack of frames as fold.h reads them (root first); stacks merge by common
 * prefix into a tree whose frames are drawn as boxes as wide as their
 * counts, the root "all" at the bottom, siblings in name order, coloured by
 * a hash of the name (the same function has the same colour everywhere).
 * Every print of a map adds to the graph, as the folded lines of each print
 * would add up in flamegraph.pl; entries whose value is not positive are
 * left out. With maps of more than one name, each map is a frame above
 * "all". Embedded JavaScript shows a frame's title on hover, zooms on a
 * click and searches (a button, or "?s=REGEX" in the URL; "?z=NAME" zooms).
 *
 * The SVG is the only thing on the output (-o's file or stdout): what the
 * script prints itself (printf, print(value), system, ...), the "Attaching"
 * line and lost events go to stderr as text. */
#include "output/output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output/fold.h"
#include "util/utf8.h"

/* Geometry, in pixels */
#define IMAGE_WIDTH 1200
#define X_PAD 10
#define FRAME_HEIGHT 16
#define FONT_SIZE 12
#define FONT_WIDTH 0.59 /* an average character's width per pixel of font size */
#define PAD_TOP (FONT_SIZE * 3) /* the title and the buttons */
#define PAD_BOTTOM (FONT_SIZE * 2 + 10) /* the details line */
#define MIN_WIDTH 0.1 /* narrower frames, and what they hold, are not drawn */

struct frame {
	char *name;
	uint64_t count;      /* of every stack through this frame */
	struct frame *child; /* the first, children in name order */
	struct frame *next;  /* the next sibling */
};

/* ---- the tree of stacks ---- */

/* parent's child named name, inserted in name order when new */
static struct frame *child_named(struct frame *parent, const char *name)
{
	struct frame **p = &parent->child;
	int cmp = 1;
	while (*p && (cmp = strcmp((*p)->name, name)) < 0)
		p = &(*p)->next;
	if (*p && cmp == 0)
		return *p;
	struct frame *f = calloc(1, sizeof(*f));
	f->name = strdup(name);
	f->next = *p;
	*p = f;
	return f;
}

/* The frame reached so far while adding a stack, and the stack's count */
struct path {
	struct frame *at;
	uint64_t count;
};

static void add_frame(const char *name, void *ctx)
{
	struct path *p = ctx;
	p->at = child_named(p->at, name);
	p->at->count += p->count;
}

static void free_frames(struct frame *f)
{
	while (f) {
		struct frame *next = f->next;
		free_frames(f->child);
		free(f->name);
		free(f);
		f = next;
	}
}

static void flame_map(struct output *o, const struct map_data *d)
{
	if (!fold_map_or_warn(&output_flamegraph, d->m))
		return;
	if (!o->state)
		o->state = calloc(1, sizeof(struct frame)); /* "all": its children are the maps */
	for (int i = 0; i < d->n; i++) {
		bool is_signed;
		int64_t v = map_number_value(d, &d->e[i], &is_signed);
		if (v == 0 || (is_signed && v < 0))
			continue;
		struct path p = { o->state, (uint64_t)v };
		p.at->count += p.count;
		add_frame(d->m->name, &p);
		fold_key_frames(d->m, d->e[i].key, add_frame, &p);
	}
}

/* ---- the SVG ---- */

/* A byte outside UTF-8 sequences in XML text: markup characters as
 * entities, controls as U+FFFD (XML 1.0 cannot hold them), other bytes as
 * the code point of their value (as JSON's \u00XX). */
static void xml_byte(FILE *out, unsigned char c)
{
	if (c == '&' || c == '<' || c == '>' || c == '"')
		fputs(c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : "&quot;", out);
	else if (c < 0x20)
		fputs("&#xfffd;", out);
	else if (c >= 0x80)
		fprintf(out, "&#x%x;", c);
	else
		fputc(c, out);
}

/* Text inside an element or attribute: UTF-8 as it is, the other bytes escaped. */
static void put_xml(FILE *out, const char *s, size_t len)
{
	utf8_write(out, s, len, xml_byte);
}

/* The label of a frame w pixels wide: its name, cut to what fits with
 * ".." (not within a UTF-8 sequence), or nothing below 3 characters. The
 * script's fit() does the same after a zoom; this one is for viewers that
 * run no script (an <img>). */
static void put_label(FILE *out, const char *name, double w)
{
	size_t fits = (size_t)(w / (FONT_SIZE * FONT_WIDTH)), len = strlen(name);
	if (fits < 3)
		return;
	if (len <= fits) {
		put_xml(out, name, len);
		return;
	}
	size_t cut = fits - 2;
	while (cut > 0 && ((unsigned char)name[cut] & 0xc0) == 0x80)
		cut--;
	put_xml(out, name, cut);
	fputs("..", out);
}

/* A colour of the "hot" palette (reds to yellows) from a hash of the name */
static void put_colour(FILE *out, const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 16777619u;
	double v1 = (h & 0xff) / 255.0, v2 = (h >> 8 & 0xff) / 255.0, v3 = (h >> 16 & 0xff) / 255.0;
	fprintf(out, "rgb(%d,%d,%d)", 205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
}

struct layout {
	FILE *out;
	uint64_t total;
	double px_per_count;
	int height;
};

static bool drawn(const struct layout *l, uint64_t count)
{
	return count * l->px_per_count >= MIN_WIDTH;
}

/* Levels of drawn frames from f's children up (f's own not counted) */
static int levels_above(const struct layout *l, const struct frame *f)
{
	int most = 0;
	for (const struct frame *c = f->child; c; c = c->next)
		if (drawn(l, c->count)) {
			int n = 1 + levels_above(l, c);
			most = n > most ? n : most;
		}
	return most;
}

/* A frame at depth (0: the root) whose stacks start at count start, then
 * its children left to right. The g's data-s is that start: the script
 * zooms and searches with counts, not pixels. */
static void draw_frame(const struct layout *l, const char *name, const struct frame *f, int depth, uint64_t start)
{
	double x = X_PAD + start * l->px_per_count, w = f->count * l->px_per_count;
	int y = l->height - PAD_BOTTOM - (depth + 1) * FRAME_HEIGHT;
	fprintf(l->out, "<g class=\"f\" data-s=\"%" PRIu64 "\"><title>", start);
	put_xml(l->out, name, strlen(name));
	fprintf(l->out, " (%" PRIu64 " samples, %.2f%%)</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"",
		f->count, 100.0 * f->count / l->total, x, y, w, FRAME_HEIGHT - 1);
	put_colour(l->out, name);
	fprintf(l->out, "\" rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FRAME_HEIGHT * 0.7);
	put_label(l->out, name, w);
	fputs("</text></g>\n", l->out);
	for (const struct frame *c = f->child; c; start += c->count, c = c->next)
		if (drawn(l, c->count))
			draw_frame(l, c->name, c, depth + 1, start);
}

static const char style[] =
	"text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
	"#title { font-size: 17px; text-anchor: middle; }\n"
	".button, g.f { cursor: pointer; }\n"
	".button:hover { fill: rgb(0,0,160); }\n"
	"g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
	".hide { display: none; }\n"
	".parent { opacity: 0.5; }\n";

/* Frames are found by their g.f; a frame's name and count come from its
 * title, its start (in counts) from data-s. */
static const char script[] =
	"\"use strict\";\n"
	"var WIDTH = 1200, PAD = 10, CHAR_WIDTH = 12 * 0.59, MATCH_FILL = \"rgb(230,0,230)\";\n"
	"var frames = [], total = 0, details, matched, unzoomButton, searchButton;\n"
	"\n"
	"function frameOf(g) {\n"
	"  var title = g.querySelector(\"title\").textContent, rect = g.querySelector(\"rect\");\n"
	"  var m = / \\((\\d+) samples, [0-9.]+%\\)$/.exec(title);\n"
	"  return { g: g, rect: rect, label: g.querySelector(\"text\"), title: title,\n"
	"    name: title.slice(0, m.index), n: +m[1], s: +g.getAttribute(\"data-s\"),\n"
	"    x: +rect.getAttribute(\"x\"), y: +rect.getAttribute(\"y\"), w: +rect.getAttribute(\"width\"),\n"
	"    fill: rect.getAttribute(\"fill\") };\n"
	"}\n"
	"\n"
	"function fit(name, w) {\n"
	"  var chars = Math.floor(w / CHAR_WIDTH);\n"
	"  return chars < 3 ? \"\" : name.length <= chars ? name : name.slice(0, chars - 2) + \"..\";\n"
	"}\n"
	"\n"
	"function place(f, x, w) {\n"
	"  f.rect.setAttribute(\"x\", x.toFixed(2));\n"
	"  f.rect.setAttribute(\"width\", w.toFixed(2));\n"
	"  f.label.setAttribute(\"x\", (x + 3).toFixed(2));\n"
	"  f.label.textContent = fit(f.name, w);\n"
	"}\n"
	"\n"
	"/* z fills the width; its ancestors (below it) span it, faded; the rest hides */\n"
	"function zoom(z) {\n"
	"  var scale = (WIDTH - 2 * PAD) / z.n;\n"
	"  frames.forEach(function (f) {\n"
	"    var below = f.y > z.y;\n"
	"    var shown = below ? f.s <= z.s && f.s + f.n >= z.s + z.n : f.s >= z.s && f.s + f.n <= z.s + z.n;\n"
	"    f.g.classList.toggle(\"hide\", !shown);\n"
	"    f.g.classList.toggle(\"parent\", shown && below);\n"
	"    if (shown && below)\n"
	"      place(f, PAD, WIDTH - 2 * PAD);\n"
	"    else if (shown)\n"
	"      place(f, PAD + (f.s - z.s) * scale, f.n * scale);\n"
	"  });\n"
	"  unzoomButton.classList.remove(\"hide\");\n"
	"}\n"
	"\n"
	"function unzoom() {\n"
	"  frames.forEach(function (f) {\n"
	"    f.g.classList.remove(\"hide\", \"parent\");\n"
	"    place(f, f.x, f.w);\n"
	"  });\n"
	"  unzoomButton.classList.add(\"hide\");\n"
	"}\n"
	"\n"
	"/* Frames whose name matches in MATCH_FILL; the share of all counts they\n"
	"   hold, a match within another counted once */\n"
	"function search(term) {\n"
	"  var re;\n"
	"  try { re = new RegExp(term); } catch (e) { matched.textContent = \"Bad regexp: \" + term; return; }\n"
	"  var hits = frames.filter(function (f) { return re.test(f.name); });\n"
	"  frames.forEach(function (f) { f.rect.setAttribute(\"fill\", f.fill); });\n"
	"  hits.forEach(function (f) { f.rect.setAttribute(\"fill\", MATCH_FILL); });\n"
	"  hits.sort(function (a, b) { return a.s - b.s || b.n - a.n; });\n"
	"  var covered = 0, end = 0;\n"
	"  hits.forEach(function (f) {\n"
	"    if (f.s >= end) { covered += f.n; end = f.s + f.n; }\n"
	"  });\n"
	"  matched.textContent = \"Matched: \" + (100 * covered / total).toFixed(2) + \"%\";\n"
	"  searchButton.textContent = \"Reset Search\";\n"
	"}\n"
	"\n"
	"function resetSearch() {\n"
	"  frames.forEach(function (f) { f.rect.setAttribute(\"fill\", f.fill); });\n"
	"  matched.textContent = \" \";\n"
	"  searchButton.textContent = \"Search\";\n"
	"}\n"
	"\n"
	"function init() {\n"
	"  details = document.getElementById(\"details\");\n"
	"  matched = document.getElementById(\"matched\");\n"
	"  unzoomButton = document.getElementById(\"unzoom\");\n"
	"  searchButton = document.getElementById(\"search\");\n"
	"  frames = Array.prototype.map.call(document.querySelectorAll(\"g.f\"), frameOf);\n"
	"  frames.forEach(function (f) {\n"
	"    total = Math.max(total, f.n);\n"
	"    f.g.addEventListener(\"mouseover\", function () { details.textContent = f.title; });\n"
	"    f.g.addEventListener(\"mouseout\", function () { details.textContent = \" \"; });\n"
	"    f.g.addEventListener(\"click\", function () { zoom(f); });\n"
	"  });\n"
	"  unzoomButton.addEventListener(\"click\", unzoom);\n"
	"  searchButton.addEventListener(\"click\", function () {\n"
	"    if (searchButton.textContent !== \"Search\")\n"
	"      return resetSearch();\n"
	"    var term = prompt(\"Search frames (a regular expression):\", \"\");\n"
	"    if (term)\n"
	"      search(term);\n"
	"  });\n"
	"  var params = new URLSearchParams(location.search);\n"
	"  var z = frames.filter(function (f) { return f.name === params.get(\"z\"); })[0];\n"
	"  if (z)\n"
	"    zoom(z);\n"
	"  if (params.get(\"s\"))\n"
	"    search(params.get(\"s\"));\n"
	"}\n"
	"\n"
	"window.addEventListener(\"load\", init);\n";

static void put_head(FILE *out, int height)
{
	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style type=\"text/css\">\n%s</style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n"
		"<defs><linearGradient id=\"background\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%%\"/>"
		"</linearGradient></defs>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n"
		"<text id=\"title\" x=\"%d\" y=\"%d\">Flame Graph</text>\n"
		"<text id=\"unzoom\" class=\"button hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n"
		"<text id=\"search\" class=\"button\" x=\"%d\" y=\"%d\">Search</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n",
		IMAGE_WIDTH, height, IMAGE_WIDTH, height, style, script, IMAGE_WIDTH, height, IMAGE_WIDTH / 2,
		FONT_SIZE * 2, X_PAD, FONT_SIZE * 2, IMAGE_WIDTH - X_PAD - 100, FONT_SIZE * 2, X_PAD,
		height - FONT_SIZE - 5, IMAGE_WIDTH - X_PAD - 100, height - FONT_SIZE - 5);
}

/* The one map's stacks under "all", or each map as a frame above it */
static const struct frame *graph_root(const struct frame *all)
{
	return all->child && !all->child->next ? all->child : all;
}

static void flame_end(struct output *o)
{
	struct frame *all = o->state, none = { 0 };
	const struct frame *root = graph_root(all ? all : &none);
	struct layout l = { o->out, root->count, 0, 0 };
	if (!l.total) {
		l.height = PAD_TOP + FRAME_HEIGHT + PAD_BOTTOM;
		put_head(o->out, l.height);
		fprintf(o->out, "<text x=\"%d\" y=\"%d\">No stacks: no map keyed by kstack or ustack has counts</text>\n",
			X_PAD, PAD_TOP + FONT_SIZE);
	} else {
		l.px_per_count = (IMAGE_WIDTH - 2.0 * X_PAD) / l.total;
		l.height = (levels_above(&l, root) + 1) * FRAME_HEIGHT + PAD_TOP + PAD_BOTTOM;
		put_head(o->out, l.height);
		fputs("<g id=\"frames\">\n", o->out);
		draw_frame(&l, "all", root, 0, 0);
		fputs("</g>\n", o->out);
	}
	fputs("</svg>\n", o->out);
	if (all)
		free_frames(all->child);
	free(all);
	o->state = NULL;
}

/* ---- everything else: text on stderr ---- */

static struct output *on_stderr(void)
{
	static struct output err = { &output_text, NULL, NULL };
	err.out = stderr;
	return &err;
}

static void flame_attached(struct output *o, int nprobes)
{
	(void)o;
	output_text.attached(on_stderr(), nprobes);
}

static void flame_message(struct output *o, enum message_kind kind, const char *text, size_t len)
{
	(void)o;
	output_text.message(on_stderr(), kind, text, len);
}

static void flame_value(struct output *o, const struct type *t, const void *data)
{
	(void)o;
	output_text.value(on_stderr(), t, data);
}

static void flame_lost(struct output *o, uint64_t n)
{
	(void)o;
	output_text.lost(on_stderr(), n);
}

static void flame_helper_error(struct output *o, const struct helper_failure *f)
{
	(void)o;
	text_helper_error(on_stderr(), f);
}

static void flame_helper_errors(struct output *o, const struct helper_failure *f)
{
	(void)o;
	text_helper_errors(on_stderr(), f);
}

static void flame_maps_start(struct output *o)
{
	(void)o;
}

const struct output_backend output_flamegraph = {
	.name = "flamegraph",
	.attached = flame_attached,
	.message = flame_message,
	.value = flame_value,
	.map = flame_map,
	.lost = flame_lost,
	.helper_error = flame_helper_error,
	.helper_errors = flame_helper_errors,
	.maps_start = flame_maps_start,
	.end = flame_end,
};
