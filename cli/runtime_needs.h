/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why a probe is silent: what the runtime catalog says a traced probe needs before it fires.
 * One line on stderr for each need; what usdtctl can provide itself, it provides and says so.
 */
#ifndef USDTCTL_RUNTIME_NEEDS_H
#define USDTCTL_RUNTIME_NEEDS_H

#include "runtimes.h"
#include "trace_scan.h"

/* The probes a trace attaches: the user's, then those attached for their semaphore only. */
struct needs_probes {
	char **all;
	int user_cnt, cnt;
};

/*
 * After the scan of the user's probes (sc's inputs and patterns set): prints what they need,
 * as the runtime catalog says (catalog, or NULL: loaded here). With cmd (-c), sets the
 * environment variables they need for it (unless set). When probes must be attached for their
 * semaphores, scans again with those added (np->all). Returns 0 or an exit code (reported).
 */
int runtime_needs_scan(struct trace_scan *sc, char **probes, int cnt, const char *cmd,
		       const struct runtimes *catalog, struct needs_probes *np);
/* Whether f was found only for its semaphore: usdtctl ignores its hits. */
bool runtime_needs_quiet(const struct trace_scan *sc, const struct needs_probes *np,
			 const struct found_probe *f);
void runtime_needs_free(struct needs_probes *np);

#endif /* USDTCTL_RUNTIME_NEEDS_H */
