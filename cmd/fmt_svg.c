// SPDX-License-Identifier: MIT
/*
 * An interactive flame graph as one self-contained SVG file: frame widths
 * are total times, the root is at the bottom, hovering shows a frame's name
 * and time, clicking zooms to it (a few lines of inline script), and
 * clicking the root or "Reset zoom" zooms out. The width follows the
 * window's, labels are cut to fit their frames (the full name is the
 * tooltip), and Search colours matching frames and shows their share.
 */
#include <string.h>

#include "trace.h"

#define SVG_W 1200
#define FRAME_H 16
#define PAD 10
#define TOP 34
#define BOTTOM 30
/* Wider than a 12px monospace character, so that labels fit without the
 * script too (the script refits them with the font's real widths). */
#define CHAR_W 8

struct svg_ctx {
	struct report *r;
	struct cct *t;
	double scale; /* px per ns */
	int height;
};

static void xml_text(FILE *out, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		switch (s[i]) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)s[i] >= 0x20)
				fputc(s[i], out);
		}
	}
}

static unsigned int hash(const char *s)
{
	unsigned int h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static int max_depth(const struct cct *t, uint32_t id)
{
	int d = 0;

	for (uint32_t c = t->v[id].first; c; c = t->v[c].next) {
		int cd = max_depth(t, c) + 1;

		if (cd > d)
			d = cd;
	}
	return d;
}

static void frame(struct svg_ctx *s, uint32_t id, uint64_t x, int depth)
{
	const struct cct_node *n = &s->t->v[id];
	const char *name = id ? name_str(n->name) : "all";
	double px = PAD + x * s->scale, pw = n->total * s->scale;
	int y = s->height - BOTTOM - (depth + 1) * FRAME_H;
	unsigned int h = hash(name);
	size_t fit = pw / CHAR_W;
	char dur[32];
	FILE *out = s->r->out;

	/* Too narrow to see or click: FlameGraph's cut-off. */
	if (pw < 0.1)
		return;
	fprintf(out, "<g class=\"f\" data-x=\"%llu\" data-w=\"%llu\" data-d=\"%d\"><title>",
		(unsigned long long)x, (unsigned long long)n->total, depth);
	xml_text(out, name, SIZE_MAX);
	fprintf(out, " (%s, %.2f%%, %llu call%s)</title>", dur_text(n->total, dur, sizeof(dur)),
		100.0 * n->total / s->t->v[0].total, (unsigned long long)n->hits,
		n->hits == 1 ? "" : "s");
	fprintf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"rgb(%u,%u,%u)\"/>",
		px, y, pw, FRAME_H - 1, 205 + h % 50, (h >> 8) % 230, (h >> 16) % 55);
	fprintf(out, "<text x=\"%.2f\" y=\"%d\">", px + 3, y + FRAME_H - 4);
	if (fit > 3) {
		xml_text(out, name, strlen(name) <= fit - 1 ? fit : fit - 3);
		if (strlen(name) > fit - 1)
			fputs("..", out);
	}
	fputs("</text></g>\n", out);
	for (uint32_t c = n->first; c; c = s->t->v[c].next) {
		frame(s, c, x, depth + 1);
		x += s->t->v[c].total;
	}
}

/*
 * The page's script: frames are laid out from their data-x/-w/-d (ns and
 * depth) for the window's width, and again when it changes or on a zoom;
 * each label is cut to what fits its frame, measured in the font the
 * browser uses. Search (the button, Ctrl-F, or #search=REGEX in the
 * address) colours the matching frames and shows their share of the total,
 * each stretch of time counted once. check() is for the tests: it compares
 * every label's rendered width with its frame's.
 */
static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';\n"
	"var PAD = %d, FH = %d, svg = document.documentElement, fs, zoomed, total, re = null;\n"
	"function num(e, n) { return +e.getAttribute(n); }\n"
	"function name(g) { return g.querySelector('title').textContent.replace(/ \\([^(]*$/, ''); }\n"
	"function width() { return Math.max(200, (window.innerWidth || %d) - 2 * PAD); }\n"
	"function fit(t, s, w) {\n"
	"  t.textContent = s;\n"
	"  if (w < 20) { t.textContent = ''; return; }\n"
	"  if (t.getComputedTextLength() <= w) return;\n"
	"  var lo = 0, hi = s.length;\n"
	"  while (lo < hi) {\n"
	"    var mid = (lo + hi + 1) >> 1;\n"
	"    t.textContent = s.slice(0, mid) + '..';\n"
	"    if (t.getComputedTextLength() <= w) lo = mid; else hi = mid - 1;\n"
	"  }\n"
	"  t.textContent = lo > 1 ? s.slice(0, lo) + '..' : '';\n"
	"}\n"
	"function layout() {\n"
	"  var W = width(), z = zoomed, zx = num(z, 'data-x'), zw = num(z, 'data-w') || 1, zd = num(z, 'data-d');\n"
	"  svg.setAttribute('width', W + 2 * PAD);\n"
	"  document.getElementById('reset').setAttribute('x', W + PAD - 70);\n"
	"  document.getElementById('search').setAttribute('x', W + PAD - 170);\n"
	"  document.getElementById('matched').setAttribute('x', W + PAD - 170);\n"
	"  for (var i = 0; i < fs.length; i++) {\n"
	"    var g = fs[i], x = num(g, 'data-x'), w = num(g, 'data-w'), d = num(g, 'data-d');\n"
	"    var inside = d < zd ? x <= zx && x + w >= zx + zw : x >= zx && x + w <= zx + zw;\n"
	"    var nx = d < zd ? 0 : (x - zx) / zw * W, nw = d < zd ? W : w / zw * W;\n"
	"    if (!inside || nw < 0.1) { g.style.display = 'none'; continue; }\n"
	"    g.style.display = '';\n"
	"    var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"    r.setAttribute('x', PAD + nx); r.setAttribute('width', nw);\n"
	"    t.setAttribute('x', PAD + nx + 3);\n"
	"    fit(t, name(g), nw - 6);\n"
	"  }\n"
	"}\n"
	"function search(s) {\n"
	"  re = s ? new RegExp(s) : null;\n"
	"  var spans = [], m = document.getElementById('matched');\n"
	"  for (var i = 0; i < fs.length; i++) {\n"
	"    var g = fs[i], r = g.querySelector('rect'), hit = re && re.test(name(g));\n"
	"    if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));\n"
	"    r.setAttribute('fill', hit ? 'rgb(230,0,230)' : r.getAttribute('data-fill'));\n"
	"    if (hit) spans.push([num(g, 'data-x'), num(g, 'data-x') + num(g, 'data-w')]);\n"
	"  }\n"
	"  spans.sort(function(a, b) { return a[0] - b[0]; });\n"
	"  var sum = 0, end = -1;\n"
	"  for (var k = 0; k < spans.length; k++) {\n"
	"    var a = Math.max(spans[k][0], end);\n"
	"    if (spans[k][1] > a) sum += spans[k][1] - a;\n"
	"    end = Math.max(end, spans[k][1]);\n"
	"  }\n"
	"  var share = total ? 100 * sum / total : 0;\n"
	"  m.textContent = re ? 'Matched: ' + spans.length + ' frames, ' + share.toFixed(2) + '%%' : '';\n"
	"  svg.setAttribute('data-search', re ? spans.length + ' ' + share.toFixed(2) : '');\n"
	"  document.getElementById('search').textContent = re ? 'Reset search' : 'Search';\n"
	"}\n"
	"function check() {\n"
	"  var bad = 0, shown = 0;\n"
	"  for (var i = 0; i < fs.length; i++) {\n"
	"    var g = fs[i], t = g.querySelector('text'), r = g.querySelector('rect');\n"
	"    if (g.style.display == 'none' || !t.textContent) continue;\n"
	"    shown++;\n"
	"    var b = t.getBBox();\n"
	"    if (b.x < num(r, 'x') || b.x + b.width > num(r, 'x') + num(r, 'width')) bad++;\n"
	"  }\n"
	"  svg.setAttribute('data-check', 'frames ' + fs.length + ' labels ' + shown + ' overflowing ' + bad + ' width ' + svg.getAttribute('width'));\n"
	"}\n"
	"window.addEventListener('load', function() {\n"
	"  fs = document.querySelectorAll('g.f');\n"
	"  zoomed = fs[0];\n"
	"  total = zoomed ? num(zoomed, 'data-w') : 0;\n"
	"  if (!zoomed) return;\n"
	"  layout();\n"
	"  var h = /[#&]search=([^&]*)/.exec(location.hash);\n"
	"  if (h) search(decodeURIComponent(h[1]));\n"
	"  check();\n"
	"});\n"
	"window.addEventListener('resize', function() { if (zoomed) layout(); });\n"
	"document.addEventListener('click', function(e) {\n"
	"  var g = e.target.closest('g.f');\n"
	"  if (g) { zoomed = g; layout(); }\n"
	"  else if (e.target.id == 'reset') { zoomed = fs[0]; layout(); }\n"
	"  else if (e.target.id == 'search') {\n"
	"    if (re) search(null);\n"
	"    else { var s = prompt('Search for (a regular expression):', ''); if (s) search(s); }\n"
	"  }\n"
	"});\n"
	"document.addEventListener('keydown', function(e) {\n"
	"  if ((e.ctrlKey || e.metaKey) && e.key == 'f') {\n"
	"    e.preventDefault();\n"
	"    var s = prompt('Search for (a regular expression):', ''); if (s) search(s);\n"
	"  }\n"
	"});\n"
	"document.addEventListener('mouseover', function(e) {\n"
	"  var g = e.target.closest('g.f');\n"
	"  if (g) document.getElementById('details').textContent = g.querySelector('title').textContent;\n"
	"});\n"
	"]]></script>\n";

static void svg_end(struct report *r)
{
	struct cct *t = r->priv;
	struct svg_ctx s = { .r = r, .t = t };
	FILE *out = r->out;

	cct_finish(t);
	s.height = TOP + BOTTOM + (max_depth(t, 0) + 1) * FRAME_H;
	s.scale = t->v[0].total ? (double)SVG_W / t->v[0].total : 0;
	/* The width is the window's once the script runs; without it, the
	 * frames are laid out for SVG_W. */
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" width=\"%d\" height=\"%d\" "
		     "xmlns=\"http://www.w3.org/2000/svg\">\n",
		SVG_W + 2 * PAD, s.height);
	fprintf(out, "<style>text { font: 12px monospace; fill: #000; pointer-events: none; "
		     "white-space: pre } "
		     "g.f:hover rect { stroke: #000; stroke-width: 0.5 } "
		     "#reset, #search { cursor: pointer; fill: #00c; pointer-events: all }</style>\n");
	fprintf(out, script, PAD, FRAME_H, SVG_W + 2 * PAD);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n");
	fprintf(out, "<text x=\"%d\" y=\"20\" style=\"font-size: 16px\">Flame graph: ", PAD);
	xml_text(out, r->t->argv ? r->t->argv : "", 120);
	fprintf(out, "</text>\n<text id=\"reset\" x=\"%d\" y=\"20\">Reset zoom</text>\n",
		SVG_W + PAD - 70);
	fprintf(out, "<text id=\"search\" x=\"%d\" y=\"20\">Search</text>\n", SVG_W + PAD - 170);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"></text>\n", SVG_W + PAD - 170,
		s.height - 10);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", PAD, s.height - 10);
	if (t->v[0].total)
		frame(&s, 0, 0, 0);
	fputs("</svg>\n", out);
	cct_free(r);
}

const struct fmt fmt_svg = {
	.name = "svg",
	.flags = FMT_STACKS,
	.begin = cct_begin,
	.entry = cct_entry,
	.exit = cct_exit,
	.end = svg_end,
};
