// SPDX-License-Identifier: MIT
/*
 * An interactive flame graph as one self-contained SVG file: frame widths
 * are total times, the root is at the bottom, hovering shows a frame's name
 * and time, clicking zooms to it (a few lines of inline script), and
 * clicking the root or "Reset zoom" zooms out.
 */
#include <string.h>

#include "trace.h"

#define SVG_W 1200
#define FRAME_H 16
#define PAD 10
#define TOP 34
#define BOTTOM 30
#define CHAR_W 7 /* of the 12px monospace font, for fitting labels */

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
	fprintf(out, " (%s, %.2f%%, %llu calls)</title>", dur_text(n->total, dur, sizeof(dur)),
		100.0 * n->total / s->t->v[0].total, (unsigned long long)n->hits);
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

/* Zoom: frames inside the clicked one are rescaled, its ancestors span the
 * width, the rest hide. Labels are refitted from the full name in title. */
static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"var W = %d, PAD = %d, CW = %d;\n"
	"function attr(e, n) { return +e.getAttribute(n); }\n"
	"function zoom(z) {\n"
	"  var zx = attr(z, 'data-x'), zw = attr(z, 'data-w'), zd = attr(z, 'data-d');\n"
	"  var fs = document.querySelectorAll('g.f');\n"
	"  for (var i = 0; i < fs.length; i++) {\n"
	"    var g = fs[i], x = attr(g, 'data-x'), w = attr(g, 'data-w'), d = attr(g, 'data-d');\n"
	"    var r = g.querySelector('rect'), t = g.querySelector('text'), nx, nw;\n"
	"    if (d < zd ? (x <= zx && x + w >= zx + zw) : (x >= zx && x + w <= zx + zw)) {\n"
	"      nx = d < zd ? 0 : (x - zx) / zw * W; nw = d < zd ? W : w / zw * W;\n"
	"      g.style.display = ''; r.setAttribute('x', PAD + nx); r.setAttribute('width', nw);\n"
	"      t.setAttribute('x', PAD + nx + 3);\n"
	"      var name = g.querySelector('title').textContent.replace(/ \\([^(]*$/, '');\n"
	"      var fit = Math.floor(nw / CW);\n"
	"      t.textContent = fit < 4 ? '' : name.length < fit ? name : name.slice(0, fit - 3) + '..';\n"
	"    } else g.style.display = 'none';\n"
	"  }\n"
	"}\n"
	"document.addEventListener('click', function(e) {\n"
	"  var g = e.target.closest('g.f');\n"
	"  if (g) zoom(g); else if (e.target.id == 'reset') zoom(document.querySelector('g.f'));\n"
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
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		     "xmlns=\"http://www.w3.org/2000/svg\">\n",
		SVG_W + 2 * PAD, s.height, SVG_W + 2 * PAD, s.height);
	fprintf(out, "<style>text { font: 12px monospace; fill: #000; pointer-events: none } "
		     "g.f:hover rect { stroke: #000; stroke-width: 0.5 } "
		     "#reset { cursor: pointer; fill: #00c; pointer-events: all }</style>\n");
	fprintf(out, script, SVG_W, PAD, CHAR_W);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n");
	fprintf(out, "<text x=\"%d\" y=\"20\" style=\"font-size: 16px\">Flame graph: ", PAD);
	xml_text(out, r->t->argv ? r->t->argv : "", 120);
	fprintf(out, "</text>\n<text id=\"reset\" x=\"%d\" y=\"20\">Reset zoom</text>\n",
		SVG_W - 70);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", PAD, s.height - 10);
	if (t->v[0].total)
		frame(&s, 0, 0, 0);
	fputs("</svg>\n", out);
}

const struct fmt fmt_svg = {
	.name = "svg",
	.flags = FMT_STACKS,
	.begin = cct_begin,
	.entry = cct_entry,
	.exit = cct_exit,
	.end = svg_end,
};
