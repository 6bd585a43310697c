#!/usr/bin/env python3
# Decodes a Perfetto trace written by `dynftrace report --format perfetto`
# with protoc's Python classes of a schema, as a trace processor would:
# incremental state per sequence (interned names, defaults, the incremental
# clock), slices nested per track. Prints one line per slice or instant:
#   TID START_NS DUR_NS DEPTH NAME [key=value ...]
# then "threads N slices N instants N". Exits 1 on anything malformed.
#   perfetto_read.py PB2_DIR FILE
import sys

sys.path.insert(0, sys.argv[1])
try:  # the official schema, when the test was given one (PERFETTO_PROTO)
    import perfetto_trace_pb2 as pb  # noqa: E402
except ImportError:
    import perfetto_min_pb2 as pb  # noqa: E402

CLEARED, NEEDS = 1, 2


def fail(*msg):
    print("perfetto_read:", *msg, file=sys.stderr)
    sys.exit(1)


trace = pb.Trace()
trace.ParseFromString(open(sys.argv[2], "rb").read())
tracks, procs, seqs = {}, {}, {}
out, stacks, nslices, ninstants = [], {}, 0, 0


def value(a):
    k = a.WhichOneof("value")
    v = getattr(a, k)
    if k == "pointer_value":
        return hex(v)
    if k == "string_value":
        return repr(v)
    if k == "bool_value":
        return "true" if v else "false"
    return str(v)


for p in trace.packet:
    seq = p.trusted_packet_sequence_id
    kind = p.WhichOneof("data")
    if kind == "track_descriptor":
        d = p.track_descriptor
        if d.HasField("thread"):
            if d.parent_uuid not in procs:
                fail("thread track before its process", d)
            tracks[d.uuid] = (d.thread.pid, d.thread.tid, d.thread.thread_name)
        elif d.HasField("process"):
            procs[d.uuid] = (d.process.pid, d.process.process_name)
        continue
    if not seq:
        fail("packet without a sequence", p)
    if p.sequence_flags & CLEARED:
        seqs[seq] = {"names": {}, "dnames": {}, "cats": {}, "clocks": {}}
    st = seqs.get(seq)
    if st is None:
        fail("sequence %d used before its state was cleared" % seq)
    if p.HasField("trace_packet_defaults"):
        st["defaults"] = p.trace_packet_defaults
    if p.HasField("interned_data"):
        i = p.interned_data
        for e in i.event_names:
            st["names"][e.iid] = e.name
        for e in i.debug_annotation_names:
            st["dnames"][e.iid] = e.name
        for e in i.event_categories:
            st["cats"][e.iid] = e.name
    if kind == "clock_snapshot":
        for c in p.clock_snapshot.clocks:
            st["clocks"][c.clock_id] = [c.timestamp, c.is_incremental]
        if p.clock_snapshot.primary_trace_clock != 3:
            fail("the trace clock is not CLOCK_MONOTONIC")
        continue
    if kind != "track_event":
        continue
    if not p.sequence_flags & NEEDS:
        fail("an event does not say it needs the sequence's state")
    clock = p.timestamp_clock_id if p.HasField("timestamp_clock_id") else \
        st["defaults"].timestamp_clock_id
    if clock == 3:
        ts = p.timestamp
    else:
        c = st["clocks"][clock]
        if not c[1]:
            fail("clock %d is not incremental" % clock)
        c[0] += p.timestamp
        ts = c[0]
    e = p.track_event
    uuid = e.track_uuid if e.HasField("track_uuid") else \
        st["defaults"].track_event_defaults.track_uuid
    if uuid not in tracks:
        fail("event on an undescribed track", uuid)
    tid = tracks[uuid][1]
    args = []
    for a in e.debug_annotations:
        if a.name_iid not in st["dnames"]:
            fail("annotation name iid %d not interned on sequence %d" % (a.name_iid, seq))
        args.append("%s=%s" % (st["dnames"][a.name_iid], value(a)))
    for c in e.category_iids:
        if st["cats"].get(c) != "function":
            fail("category iid", c)
    stack = stacks.setdefault(uuid, [])
    if e.type in (e.TYPE_SLICE_BEGIN, e.TYPE_INSTANT):
        if e.name_iid not in st["names"]:
            fail("name iid %d not interned on sequence %d" % (e.name_iid, seq))
        name = st["names"][e.name_iid]
        line = [tid, ts, 0, len(stack), name, args]
        out.append(line)
        if e.type == e.TYPE_SLICE_BEGIN:
            stack.append(line)
            nslices += 1
        else:
            ninstants += 1
    elif e.type == e.TYPE_SLICE_END:
        if not stack:
            fail("end without begin on track", uuid)
        line = stack.pop()
        if ts < line[1]:
            fail("slice ends before it begins", line)
        line[2] = ts - line[1]
        line[5] += args
    else:
        fail("event type", e.type)
for uuid, s in stacks.items():
    if s:
        fail("slices left open on track", uuid, s)
for tid, ts, dur, depth, name, args in out:
    print(tid, ts, dur, depth, name, *args)
print("threads %d slices %d instants %d" % (len(tracks), nslices, ninstants))
