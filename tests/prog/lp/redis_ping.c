// SPDX-License-Identifier: MIT
/*
 * A live patch for Redis (tests/cases/livepatch_redis.sh), built as an
 * operator builds a fix: against the server's own headers (server.h of the
 * same source tree), with <dynftrace/livepatch.h>. The fixed pingCommand
 * answers a plain PING with "+PONG patched"; every other form (an argument,
 * a subscribed RESP2 client, a wrong arity) runs the original code through
 * DFT_LIVEPATCH_ORIG. addReplyStatus is the server's own (Redis links with
 * -rdynamic, so the dynamic linker binds it like any library symbol).
 */
#include "server.h"

#include <dynftrace/livepatch.h>

static void fixed_ping(client *c)
{
	if (c->argc == 1 && !(c->flags & CLIENT_PUBSUB)) {
		addReplyStatus(c, "PONG patched");
		return;
	}
	DFT_LIVEPATCH_ORIG(pingCommand)(c);
}

DFT_LIVEPATCH_FUNC(pingCommand, fixed_ping);
