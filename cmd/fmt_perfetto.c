// SPDX-License-Identifier: MIT
/*
 * Perfetto's native trace format: a protobuf stream of TracePackets, which
 * ui.perfetto.dev and trace_processor read as a stream at sizes where JSON
 * fails. The encoder follows the published schema (protos/perfetto/trace/):
 * the field numbers below are the schema's.
 *
 * Each thread is one packet sequence. Its first packet clears the
 * incremental state, sets the defaults (the thread's track, and a
 * sequence-scoped incremental clock so that timestamps are small deltas)
 * and snapshots that clock against CLOCK_MONOTONIC, the clock of the other
 * formats. Function names and annotation names are interned on the sequence
 * the first time an event uses them; every event packet says it needs that
 * state. Calls are slice begin/end pairs on the thread's track; recorded
 * arguments and return values are debug annotations under their names.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* Wire types. */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };

/* TracePacket */
enum {
	TP_CLOCK_SNAPSHOT = 6,
	TP_TIMESTAMP = 8,
	TP_SEQ_ID = 10, /* trusted_packet_sequence_id */
	TP_TRACK_EVENT = 11,
	TP_INTERNED_DATA = 12,
	TP_SEQUENCE_FLAGS = 13,
	TP_TIMESTAMP_CLOCK_ID = 58,
	TP_DEFAULTS = 59,
	TP_TRACK_DESCRIPTOR = 60,
};
enum { SEQ_INCREMENTAL_STATE_CLEARED = 1, SEQ_NEEDS_INCREMENTAL_STATE = 2 };
/* TracePacketDefaults and TrackEventDefaults */
enum { DEF_CLOCK_ID = 58, DEF_TRACK_EVENT = 11, TED_TRACK_UUID = 11 };
/* ClockSnapshot, ClockSnapshot.Clock */
enum { CS_CLOCKS = 1, CS_PRIMARY = 2, CLK_ID = 1, CLK_TIMESTAMP = 2, CLK_INCREMENTAL = 3 };
enum { CLOCK_MONOTONIC_ID = 3, CLOCK_SEQ_INCREMENTAL = 64 };
/* TrackDescriptor, ProcessDescriptor, ThreadDescriptor */
enum { TD_UUID = 1, TD_PROCESS = 3, TD_THREAD = 4, TD_PARENT = 5 };
enum { PD_PID = 1, PD_CMDLINE = 2, PD_NAME = 6 };
enum { THD_PID = 1, THD_TID = 2, THD_NAME = 5 };
/* TrackEvent */
enum { TE_CATEGORY_IIDS = 3, TE_DEBUG = 4, TE_TYPE = 9, TE_NAME_IID = 10 };
enum { TYPE_SLICE_BEGIN = 1, TYPE_SLICE_END = 2, TYPE_INSTANT = 3 };
/* DebugAnnotation */
enum { DA_NAME_IID = 1, DA_BOOL = 2, DA_UINT = 3, DA_INT = 4, DA_DOUBLE = 5, DA_STRING = 6,
       DA_POINTER = 7 };
/* InternedData; each entry is { iid = 1, name = 2 } */
enum { ID_CATEGORIES = 1, ID_EVENT_NAMES = 2, ID_DEBUG_NAMES = 3 };

#define CATEGORY_IID 1

/* A message being built. */
struct pb {
	uint8_t *b;
	size_t n, cap;
};

static void pb_room(struct pb *p, size_t n)
{
	if (p->n + n > p->cap) {
		p->cap = (p->n + n) * 2;
		p->b = xrealloc(p->b, p->cap);
	}
}

static inline void pb_varint(struct pb *p, uint64_t v)
{
	pb_room(p, 10);
	while (v >= 0x80) {
		p->b[p->n++] = (uint8_t)v | 0x80;
		v >>= 7;
	}
	p->b[p->n++] = (uint8_t)v;
}

static inline void pb_tag(struct pb *p, unsigned int field, unsigned int wt)
{
	pb_varint(p, field << 3 | wt);
}

static inline void pb_uint(struct pb *p, unsigned int field, uint64_t v)
{
	pb_tag(p, field, WT_VARINT);
	pb_varint(p, v);
}

static void pb_bytes(struct pb *p, unsigned int field, const void *s, size_t len)
{
	pb_tag(p, field, WT_LEN);
	pb_varint(p, len);
	pb_room(p, len);
	memcpy(p->b + p->n, s, len);
	p->n += len;
}

static void pb_str(struct pb *p, unsigned int field, const char *s)
{
	pb_bytes(p, field, s, strlen(s));
}

/* Appends @sub as field @field of @p and empties it. */
static void pb_msg(struct pb *p, unsigned int field, struct pb *sub)
{
	pb_bytes(p, field, sub->b, sub->n);
	sub->n = 0;
}

struct perfetto {
	struct pb pkt, te, interned, ent, da, val;
	uint32_t seq;
	uint64_t last;	   /* the incremental clock's value */
	uint32_t gen;	   /* of the sequence: iids of other generations are stale */
	uint32_t *iid, *iid_gen, niid; /* event name iids, by name id */
	uint32_t *diid, *diid_gen, ndiid; /* debug annotation name iids */
	uint32_t next_iid, next_diid;
	uint32_t n_retval, n_parent, n_count, n_unwound, n_trace_ends, n_lost, n_patched;
};

static struct perfetto pf;

/* Output: whole packets are gathered and written in large blocks. */
static struct {
	uint8_t b[1 << 20];
	size_t n;
} ob;

static void flush_out(struct report *r)
{
	fwrite(ob.b, 1, ob.n, r->out);
	ob.n = 0;
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)v | 0x80;
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* @len bytes of packet as Trace.packet (field 1). */
static void emit_bytes(struct report *r, const uint8_t *pkt, size_t len)
{
	if (ob.n + len + 11 > sizeof(ob.b))
		flush_out(r);
	if (len + 11 > sizeof(ob.b)) {
		uint8_t head[11], *h = head;

		*h++ = 1 << 3 | WT_LEN;
		h = put_varint(h, len);
		fwrite(head, 1, h - head, r->out);
		fwrite(pkt, 1, len, r->out);
		return;
	}
	ob.b[ob.n++] = 1 << 3 | WT_LEN;
	ob.n = put_varint(ob.b + ob.n, len) - ob.b;
	memcpy(ob.b + ob.n, pkt, len);
	ob.n += len;
}

static void emit(struct report *r)
{
	emit_bytes(r, pf.pkt.b, pf.pkt.n);
	pf.pkt.n = 0;
}

static uint64_t process_uuid(int pid)
{
	return (uint64_t)(uint32_t)pid << 32 | 0xffffffffu;
}

static uint64_t thread_uuid(const struct thread *th)
{
	return (uint64_t)(uint32_t)th->pid << 32 | (uint32_t)th->tid;
}

/* The iid of name @id in the table @iid/@gen (interned on the sequence now
 * if it is not yet: an entry into InternedData field @field). */
static uint64_t intern(uint32_t **iid, uint32_t **gen, uint32_t *cap, uint32_t *next,
		       unsigned int field, uint32_t id)
{
	if (id >= *cap) {
		uint32_t n = name_count() > id ? name_count() : id + 1;

		n += n / 2;
		*iid = xrealloc(*iid, n * sizeof(**iid));
		*gen = xrealloc(*gen, n * sizeof(**gen));
		memset(*gen + *cap, 0, (n - *cap) * sizeof(**gen));
		*cap = n;
	}
	if ((*gen)[id] != pf.gen) {
		(*gen)[id] = pf.gen;
		(*iid)[id] = ++*next;
		pb_uint(&pf.ent, 1, (*iid)[id]);
		pb_str(&pf.ent, 2, name_str(id));
		pb_msg(&pf.interned, field, &pf.ent);
	}
	return (*iid)[id];
}

static uint64_t name_iid(uint32_t name)
{
	return intern(&pf.iid, &pf.iid_gen, &pf.niid, &pf.next_iid, ID_EVENT_NAMES, name);
}

static uint64_t debug_iid(uint32_t name)
{
	return intern(&pf.diid, &pf.diid_gen, &pf.ndiid, &pf.next_diid, ID_DEBUG_NAMES, name);
}

/* A debug annotation named @name into pf.te. */
static void annotate_value(uint32_t name, const struct value *v)
{
	pb_uint(&pf.da, DA_NAME_IID, debug_iid(name));
	switch (v->type) {
	case DFT_VAL_S64:
		pb_uint(&pf.da, DA_INT, (uint64_t)v->d);
		break;
	case DFT_VAL_U64:
		pb_uint(&pf.da, DA_UINT, v->u);
		break;
	case DFT_VAL_HEX:
		pb_uint(&pf.da, DA_POINTER, v->u);
		break;
	case DFT_VAL_F64:
		pb_tag(&pf.da, DA_DOUBLE, WT_I64);
		pb_room(&pf.da, 8);
		memcpy(pf.da.b + pf.da.n, &v->f, 8);
		pf.da.n += 8;
		break;
	default:
		pb_bytes(&pf.da, DA_STRING, v->s, v->slen);
	}
	pb_msg(&pf.te, TE_DEBUG, &pf.da);
}

static void annotate_uint(uint32_t name, unsigned int field, uint64_t v)
{
	pb_uint(&pf.da, DA_NAME_IID, debug_iid(name));
	pb_uint(&pf.da, field, v);
	pb_msg(&pf.te, TE_DEBUG, &pf.da);
}

static void annotate_str(uint32_t name, const char *s)
{
	pb_uint(&pf.da, DA_NAME_IID, debug_iid(name));
	pb_str(&pf.da, DA_STRING, s);
	pb_msg(&pf.te, TE_DEBUG, &pf.da);
}

/* "patched": NAME, the live patch's replacement the call ran. */
static void annotate_patched(const char *name, uint32_t len)
{
	if (!name)
		return;
	pb_uint(&pf.da, DA_NAME_IID, debug_iid(pf.n_patched));
	pb_bytes(&pf.da, DA_STRING, name, len);
	pb_msg(&pf.te, TE_DEBUG, &pf.da);
}

/* The values of an ARGS payload of @func, under their names. */
static void annotate_args(struct report *r, uint32_t func, const uint8_t *p, const uint8_t *end)
{
	struct value v;

	for (unsigned int i = 0; p && value_next(&p, end, &v) > 0; i++)
		annotate_value(arg_name(r->t, func, i), &v);
}

/* Packs pf.te as a track event at @ns on the thread's sequence, with the
 * names it interned. */
static void track_event(struct report *r, uint64_t ns)
{
	if (ns >= pf.last) {
		pb_uint(&pf.pkt, TP_TIMESTAMP, ns - pf.last);
		pf.last = ns;
	} else {
		/* Before the last event (a threshold trace writes calls as
		 * they end): absolute, which leaves the incremental clock. */
		pb_uint(&pf.pkt, TP_TIMESTAMP, ns);
		pb_uint(&pf.pkt, TP_TIMESTAMP_CLOCK_ID, CLOCK_MONOTONIC_ID);
	}
	pb_uint(&pf.pkt, TP_SEQ_ID, pf.seq);
	pb_uint(&pf.pkt, TP_SEQUENCE_FLAGS, SEQ_NEEDS_INCREMENTAL_STATE);
	pb_msg(&pf.pkt, TP_TRACK_EVENT, &pf.te);
	if (pf.interned.n)
		pb_msg(&pf.pkt, TP_INTERNED_DATA, &pf.interned);
	emit(r);
}

/* The common event, a begin with an interned name or an end, with no
 * annotation: encoded in place. */
static void fast_event(struct report *r, unsigned int type, uint64_t iid, uint64_t ns)
{
	uint8_t pkt[48], *p = pkt, *te;

	*p++ = TP_TIMESTAMP << 3;
	p = put_varint(p, ns - pf.last);
	pf.last = ns;
	*p++ = TP_SEQ_ID << 3;
	p = put_varint(p, pf.seq);
	*p++ = TP_SEQUENCE_FLAGS << 3;
	*p++ = SEQ_NEEDS_INCREMENTAL_STATE;
	*p++ = TP_TRACK_EVENT << 3 | WT_LEN;
	te = p++; /* the track event's length: under 128 */
	*p++ = TE_TYPE << 3;
	*p++ = type;
	if (iid) {
		*p++ = TE_CATEGORY_IIDS << 3;
		*p++ = CATEGORY_IID;
		*p++ = TE_NAME_IID << 3;
		p = put_varint(p, iid);
	}
	*te = p - te - 1;
	emit_bytes(r, pkt, p - pkt);
}

static void perfetto_begin(struct report *r)
{
	struct pb pd = { 0 };

	/* Processes: tracks of their own, on no sequence. */
	for (unsigned int i = 0; i < r->t->nprocs; i++) {
		const struct proc *p = r->t->procs[i];

		pb_uint(&pd, PD_PID, p->pid);
		pb_str(&pd, PD_NAME, p->comm ? p->comm : "?");
		if (i == 0 && r->t->argv)
			pb_str(&pd, PD_CMDLINE, r->t->argv);
		pb_uint(&pf.ent, TD_UUID, process_uuid(p->pid));
		pb_msg(&pf.ent, TD_PROCESS, &pd);
		pb_msg(&pf.pkt, TP_TRACK_DESCRIPTOR, &pf.ent);
		emit(r);
	}
	free(pd.b);
	pf.n_retval = name_intern("retval");
	pf.n_parent = name_intern("parent");
	pf.n_count = name_intern("count");
	pf.n_unwound = name_intern("unwound");
	pf.n_trace_ends = name_intern("trace_ends");
	pf.n_lost = name_intern("lost events");
	pf.n_patched = name_intern("patched");
}

static void perfetto_thread(struct report *r, struct walk *w)
{
	struct pb *e = &pf.ent, *sub = &pf.da;
	uint64_t uuid = thread_uuid(w->th);

	pf.seq++;
	pf.gen++;
	pf.next_iid = pf.next_diid = 0;
	pf.last = w->now;

	/* The thread's track. */
	pb_uint(sub, THD_PID, w->th->pid);
	pb_uint(sub, THD_TID, w->th->tid);
	pb_str(sub, THD_NAME, w->comm);
	pb_uint(e, TD_UUID, uuid);
	pb_uint(e, TD_PARENT, process_uuid(w->th->pid));
	pb_msg(e, TD_THREAD, sub);
	pb_uint(&pf.pkt, TP_SEQ_ID, pf.seq);
	pb_msg(&pf.pkt, TP_TRACK_DESCRIPTOR, e);
	emit(r);

	/* A fresh sequence state: defaults, the clock, the category. */
	pb_uint(&pf.pkt, TP_SEQ_ID, pf.seq);
	pb_uint(&pf.pkt, TP_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
	pb_uint(sub, TED_TRACK_UUID, uuid);
	pb_uint(e, DEF_CLOCK_ID, CLOCK_SEQ_INCREMENTAL);
	pb_msg(e, DEF_TRACK_EVENT, sub);
	pb_msg(&pf.pkt, TP_DEFAULTS, e);
	pb_uint(sub, CLK_ID, CLOCK_MONOTONIC_ID);
	pb_uint(sub, CLK_TIMESTAMP, w->now);
	pb_msg(e, CS_CLOCKS, sub);
	pb_uint(sub, CLK_ID, CLOCK_SEQ_INCREMENTAL);
	pb_uint(sub, CLK_TIMESTAMP, w->now);
	pb_uint(sub, CLK_INCREMENTAL, 1);
	pb_msg(e, CS_CLOCKS, sub);
	pb_uint(e, CS_PRIMARY, CLOCK_MONOTONIC_ID);
	pb_msg(&pf.pkt, TP_CLOCK_SNAPSHOT, e);
	pb_uint(e, 1, CATEGORY_IID);
	pb_str(e, 2, "function");
	pb_msg(&pf.interned, ID_CATEGORIES, e);
	pb_msg(&pf.pkt, TP_INTERNED_DATA, &pf.interned);
	emit(r);
}

static void perfetto_entry(struct report *r, struct walk *w, struct frame *f)
{
	if (!f->args && !f->patched && f->t0 >= pf.last && f->name < pf.niid &&
	    pf.iid_gen[f->name] == pf.gen) {
		fast_event(r, TYPE_SLICE_BEGIN, pf.iid[f->name], f->t0);
		return;
	}
	pb_uint(&pf.te, TE_TYPE, TYPE_SLICE_BEGIN);
	pb_uint(&pf.te, TE_CATEGORY_IIDS, CATEGORY_IID);
	pb_uint(&pf.te, TE_NAME_IID, name_iid(f->name));
	annotate_patched(f->patched, f->patched_len);
	if (f->args)
		annotate_args(r, f->name, f->args, f->args_end);
	track_event(r, f->t0);
}

static void perfetto_exit(struct report *r, struct walk *w, struct frame *f, uint64_t dur,
			  enum end_kind how)
{
	struct value v;
	const uint8_t *p = f->ret;

	if (!p && how == END_RET && f->t0 + dur >= pf.last) {
		fast_event(r, TYPE_SLICE_END, 0, f->t0 + dur);
		return;
	}
	pb_uint(&pf.te, TE_TYPE, TYPE_SLICE_END);
	if (p && value_next(&p, f->ret_end, &v) > 0)
		annotate_value(pf.n_retval, &v);
	if (how != END_RET)
		annotate_uint(how == END_UNWIND ? pf.n_unwound : pf.n_trace_ends, DA_BOOL, 1);
	track_event(r, f->t0 + dur);
}

static void perfetto_call(struct report *r, struct walk *w, uint32_t name, uint64_t parent_ip,
			  const uint8_t *args, const uint8_t *args_end)
{
	char buf[256];

	pb_uint(&pf.te, TE_TYPE, TYPE_INSTANT);
	pb_uint(&pf.te, TE_CATEGORY_IIDS, CATEGORY_IID);
	pb_uint(&pf.te, TE_NAME_IID, name_iid(name));
	annotate_str(pf.n_parent, addr_name(w->proc, parent_ip, buf, sizeof(buf)));
	annotate_patched(w->patched, w->patched_len);
	if (args)
		annotate_args(r, name, args, args_end);
	track_event(r, w->now);
}

static void perfetto_lost(struct report *r, struct walk *w, uint64_t count)
{
	pb_uint(&pf.te, TE_TYPE, TYPE_INSTANT);
	pb_uint(&pf.te, TE_NAME_IID, name_iid(pf.n_lost));
	annotate_uint(pf.n_count, DA_UINT, count);
	track_event(r, w->now);
}

static void perfetto_end(struct report *r)
{
	flush_out(r);
}

const struct fmt fmt_perfetto = {
	.name = "perfetto",
	.begin = perfetto_begin,
	.thread = perfetto_thread,
	.entry = perfetto_entry,
	.exit = perfetto_exit,
	.call = perfetto_call,
	.lost = perfetto_lost,
	.end = perfetto_end,
};
