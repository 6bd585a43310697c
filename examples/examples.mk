# Bundled examples, built with the recommended site flags of this target:
# demo is recorded with `dynftrace record` (no link to the runtime),
# livepatch uses the API directly.
examples: $(O)/examples/demo $(O)/examples/livepatch $(O)/examples/shop $(O)/examples/shop_fix.so

$(O)/examples/demo: examples/demo.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(INSTRUMENT_CFLAGS) $< -o $@ -lpthread

$(O)/examples/livepatch: examples/livepatch.c include/dynftrace.h $(LIBSO)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(INSTRUMENT_CFLAGS) -Iinclude $< -o $@ -L$(O) -ldynftrace \
		-Wl,-rpath,'$$ORIGIN/..'

# The live patch walk-through: a service with a bug and its fix module
# (built as users build patches: no runtime linked).
$(O)/examples/shop: examples/shop.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(INSTRUMENT_CFLAGS) $< -o $@

$(O)/examples/shop_fix.so: examples/shop_fix.c include/dynftrace/livepatch.h
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O2 -Iinclude $< -o $@

# The main job on the bundled example: record it, then show its call graph.
demo: all
	$(CMD) record -f -t function_graph -o $(O)/demo.trace -- $(O)/examples/demo
	$(CMD) report -i $(O)/demo.trace --format graph

.PHONY: demo
