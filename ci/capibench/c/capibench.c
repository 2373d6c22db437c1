/*
 * capibench: object I/O through the libdaos C API, as an application
 * drives it: one event queue, a fixed number of events in flight, each
 * relaunched as soon as daos_eq_poll hands it back. Run by
 * ci/capibench (`ci/bench.sh capi`), which measures pkg/client doing the
 * same operations in the same run and compares.
 *
 *   capibench -p POOL -c CONT -o OIDLO [-n OPS] [-m MIB] [-q DEPTH] [-s]
 *
 * Needs a daos_agent (DAOS_AGENT_DRPC_DIR). Writes and reads two SX
 * objects generated from OIDLO (4 KiB values) and OIDLO+1 (1 MiB
 * arrays), and prints one line per phase: `PHASE COUNT SECONDS CPUSECONDS`
 * (the CPU time of the whole process, all its threads, in the phase).
 * The key layout is the Go side's (ci/capibench/main.go): dkeys "k<i>"
 * with a single value under akey "v", and dkeys "chunk<i>" with one
 * extent of 1-byte records under akey "0" (as DAOS arrays are stored).
 *
 * -s polls without waiting (yielding the CPU between empty polls) instead
 * of blocking in daos_eq_poll: not how applications poll, but it tells
 * how much of the C side's cost is the thread that sleeps in the poll
 * being woken for each completion.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <daos.h>

#define SMALL (4 << 10)
#define BIG   (1 << 20)
#define MAXQ  256

/* A slot is everything one in-flight operation points at: DAOS keeps
 * using the key, descriptors and buffers until the event completes, so
 * each event owns its own. */
struct slot {
	daos_event_t ev;
	char         dk[32];
	d_iov_t      dkey;
	daos_iod_t   iod;
	daos_recx_t  recx;
	d_iov_t      iov;
	d_sg_list_t  sgl;
	char        *buf;
};

static struct slot    slots[MAXQ];
static daos_handle_t  eqh;
static int            depth = 16;
static int            spin;

enum phase { UPDATE_4K, FETCH_4K, WRITE_1M, READ_1M };

static const char *phase_names[] = {"update4k", "fetch4k", "write1m", "read1m"};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* cpu is the process's CPU time so far (user and system, all threads):
 * the Go core's threads do most of the work. */
static double
cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* launch starts operation i of phase p on slot s. */
static int
launch(daos_handle_t oh, enum phase p, struct slot *s, int i)
{
	int big = p == WRITE_1M || p == READ_1M;

	snprintf(s->dk, sizeof(s->dk), big ? "chunk%d" : "k%d", i);
	d_iov_set(&s->dkey, s->dk, strlen(s->dk));
	memset(&s->iod, 0, sizeof(s->iod));
	s->iod.iod_nr = 1;
	if (big) {
		d_iov_set(&s->iod.iod_name, "0", 1);
		s->iod.iod_type = DAOS_IOD_ARRAY;
		s->iod.iod_size = 1;
		s->recx.rx_idx = 0;
		s->recx.rx_nr = BIG;
		s->iod.iod_recxs = &s->recx;
	} else {
		d_iov_set(&s->iod.iod_name, "v", 1);
		s->iod.iod_type = DAOS_IOD_SINGLE;
		s->iod.iod_size = SMALL;
	}
	d_iov_set(&s->iov, s->buf, big ? BIG : SMALL);
	s->sgl = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &s->iov};
	if (p == UPDATE_4K || p == WRITE_1M)
		return daos_obj_update(oh, DAOS_TX_NONE, 0, &s->dkey, 1, &s->iod, &s->sgl, &s->ev);
	return daos_obj_fetch(oh, DAOS_TX_NONE, 0, &s->dkey, 1, &s->iod, &s->sgl, NULL, &s->ev);
}

/* run does n operations of phase p with up to depth in flight and
 * returns the seconds taken, or a negative value on an error. */
static double
run(daos_handle_t oh, enum phase p, int n)
{
	daos_event_t *done[MAXQ];
	double        t0 = now();
	int           next = 0, inflight = 0, i, got, rc;

	for (i = 0; i < depth && next < n; i++, next++, inflight++) {
		rc = launch(oh, p, &slots[i], next);
		if (rc != 0) {
			fprintf(stderr, "capibench: %s %d: " DF_RC "\n", phase_names[p], next, DP_RC(rc));
			return -1;
		}
	}
	while (inflight > 0) {
		got = daos_eq_poll(eqh, 1, spin ? DAOS_EQ_NOWAIT : DAOS_EQ_WAIT, depth, done);
		if (got == 0 && spin)
			sched_yield();
		if (got < 0) {
			fprintf(stderr, "capibench: eq poll: " DF_RC "\n", DP_RC(got));
			return -1;
		}
		for (i = 0; i < got; i++) {
			struct slot *s = (struct slot *)done[i]; /* ev is the slot's first member */

			inflight--;
			if (done[i]->ev_error != 0) {
				fprintf(stderr, "capibench: %s: " DF_RC "\n", phase_names[p],
					DP_RC(done[i]->ev_error));
				return -1;
			}
			/* The polled event is ready again: relaunch it at once,
			 * so that depth operations stay in flight. */
			if (next < n) {
				rc = launch(oh, p, s, next++);
				if (rc != 0) {
					fprintf(stderr, "capibench: %s: " DF_RC "\n", phase_names[p], DP_RC(rc));
					return -1;
				}
				inflight++;
			}
		}
	}
	return now() - t0;
}

static int
open_obj(daos_handle_t coh, uint64_t lo, daos_handle_t *oh)
{
	daos_obj_id_t oid = {.lo = lo, .hi = 0};
	int           rc;

	rc = daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0);
	if (rc == 0)
		rc = daos_obj_open(coh, oid, DAOS_OO_RW, oh, NULL);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: capibench -p POOL -c CONT -o OIDLO [-n OPS] [-m MIB] [-q DEPTH] [-s]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char   *pool = NULL, *cont = NULL;
	uint64_t      lo = 0;
	int           ops = 4000, mib = 128, opt, i, rc;
	daos_handle_t poh, coh, small, big;
	double        secs, cpu0;

	while ((opt = getopt(argc, argv, "p:c:o:n:m:q:s")) != -1) {
		switch (opt) {
		case 'p': pool = optarg; break;
		case 'c': cont = optarg; break;
		case 'o': lo = strtoull(optarg, NULL, 0); break;
		case 'n': ops = atoi(optarg); break;
		case 'm': mib = atoi(optarg); break;
		case 'q': depth = atoi(optarg); break;
		case 's': spin = 1; break;
		default: usage();
		}
	}
	if (pool == NULL || cont == NULL || lo == 0 || ops <= 0 || mib <= 0 || depth <= 0 ||
	    depth > MAXQ)
		usage();

	rc = daos_init();
	if (rc == 0)
		rc = daos_pool_connect(pool, NULL, DAOS_PC_RW, &poh, NULL, NULL);
	if (rc == 0)
		rc = daos_cont_open(poh, cont, DAOS_COO_RW, &coh, NULL, NULL);
	if (rc == 0)
		rc = open_obj(coh, lo, &small);
	if (rc == 0)
		rc = open_obj(coh, lo + 1, &big);
	if (rc == 0)
		rc = daos_eq_create(&eqh);
	if (rc != 0) {
		fprintf(stderr, "capibench: setup: " DF_RC "\n", DP_RC(rc));
		return 1;
	}
	for (i = 0; i < depth; i++) {
		slots[i].buf = malloc(BIG);
		if (slots[i].buf == NULL) {
			fprintf(stderr, "capibench: out of memory\n");
			return 1;
		}
		/* The Go side's pattern, so both write the same bytes. */
		for (int j = 0; j < BIG; j++)
			slots[i].buf[j] = (char)(i + j);
		rc = daos_event_init(&slots[i].ev, eqh, NULL);
		if (rc != 0) {
			fprintf(stderr, "capibench: event init: " DF_RC "\n", DP_RC(rc));
			return 1;
		}
	}

	/* Same order as the Go side: updates before the fetches that read
	 * them back. */
	struct {
		enum phase    p;
		daos_handle_t oh;
		int           n;
	} phases[] = {{UPDATE_4K, small, ops}, {FETCH_4K, small, ops}, {WRITE_1M, big, mib}, {READ_1M, big, mib}};
	for (i = 0; i < (int)(sizeof(phases) / sizeof(phases[0])); i++) {
		cpu0 = cpu();
		secs = run(phases[i].oh, phases[i].p, phases[i].n);
		if (secs < 0)
			return 1;
		printf("%s %d %.6f %.6f\n", phase_names[phases[i].p], phases[i].n, secs, cpu() - cpu0);
		fflush(stdout);
	}

	for (i = 0; i < depth; i++)
		daos_event_fini(&slots[i].ev);
	rc = daos_eq_destroy(eqh, 0);
	if (rc == 0)
		rc = daos_obj_close(small, NULL);
	if (rc == 0)
		rc = daos_obj_close(big, NULL);
	if (rc == 0)
		rc = daos_cont_close(coh, NULL);
	if (rc == 0)
		rc = daos_pool_disconnect(poh, NULL);
	if (rc == 0)
		rc = daos_fini();
	if (rc != 0) {
		fprintf(stderr, "capibench: teardown: " DF_RC "\n", DP_RC(rc));
		return 1;
	}
	return 0;
}
