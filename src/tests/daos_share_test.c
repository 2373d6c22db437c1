/*
 * daos_share_test: handle sharing across processes as MPI programs do it.
 * Rank 0 connects, creates a container, an array and a KV and ships the
 * pool and container handles as bytes (local2global) to N other processes
 * it starts (fresh programs, as mpirun's ranks are), which turn them into
 * handles of their own (global2local) without connecting. Every rank
 * writes its own array extent, dkeys and KV keys; after a barrier every
 * rank checks everybody's (enumeration counts, array size, bytes); rank 0
 * then punches one dkey and one KV key and every rank sees one fewer.
 * The same goes for DFS: rank 0 creates a POSIX container with a shared
 * file and a directory and ships the container, the mount (dfs_local2global)
 * and the open file (dfs_obj_local2global); every rank writes its extent of
 * the file through the shipped handle and creates a file of its own in the
 * directory; every rank then reads the whole file and counts the directory,
 * and sees one entry fewer after rank 0 removes its own.
 *
 *   DAOS_POOL=label daos_share_test [NRANKS]
 *
 * Barriers are pipes: rank 0 writes a byte to each rank's stdin to start a
 * phase and reads one byte back from its stdout when it is done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <daos.h>
#include <daos_fs.h>
#include <fcntl.h>
#include <sys/stat.h>

#define EXTENT (256 << 10)
#define NKEYS  10
#define MAXR   16

static int rank, nranks;

/* The DFS side: the POSIX container, the mount, the shared file. */
static daos_handle_t dcoh;
static dfs_t        *dfs;
static dfs_obj_t    *shared;

#define CHECK(rc, what)                                                                      \
	do {                                                                                 \
		int _rc = (rc);                                                              \
		if (_rc != 0) {                                                              \
			fprintf(stderr, "rank %d: %s: " DF_RC " (line %d)\n", rank, what,     \
				DP_RC(_rc), __LINE__);                                       \
			exit(1);                                                             \
		}                                                                            \
	} while (0)

#define EXPECT(cond, ...)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "rank %d: ", rank);                                  \
			fprintf(stderr, __VA_ARGS__);                                        \
			fprintf(stderr, " (line %d)\n", __LINE__);                           \
			exit(1);                                                             \
		}                                                                            \
	} while (0)

static char pattern(int r, size_t i) { return (char)(r * 37 + i * 7 + i / 251); }

/* This rank's extent of the shared file, and a file of its own in /d. */
static void
dfs_write_mine(char *data)
{
	d_iov_t     iov;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};
	dfs_obj_t  *d, *f;
	char        name[32];

	d_iov_set(&iov, data, EXTENT);
	EXPECT(dfs_write(dfs, shared, &sgl, (daos_off_t)rank * EXTENT, NULL) == 0, "dfs_write");
	EXPECT(dfs_lookup(dfs, "/d", O_RDWR, &d, NULL, NULL) == 0, "dfs_lookup /d");
	snprintf(name, sizeof(name), "r%d", rank);
	EXPECT(dfs_open(dfs, d, name, S_IFREG | 0644, O_RDWR | O_CREAT | O_EXCL, 0, 0, NULL, &f) == 0,
	       "dfs_open %s", name);
	EXPECT(dfs_release(f) == 0 && dfs_release(d) == 0, "dfs_release");
}

/* Checks the shared file holds every rank's extent and /d every rank's
 * file (but one once rank 0 removed its own). */
static void
dfs_check_all(int punched)
{
	static char   back[EXTENT];
	d_iov_t       iov;
	d_sg_list_t   sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_size_t   size, got;
	daos_anchor_t anchor = {0};
	struct dirent ents[8];
	dfs_obj_t    *d;
	uint32_t      nr;
	int           r, n = 0;
	size_t        i;

	EXPECT(dfs_get_size(dfs, shared, &size) == 0, "dfs_get_size");
	EXPECT(size == (daos_size_t)nranks * EXTENT, "shared file of %zu bytes, want %zu", (size_t)size,
	       (size_t)nranks * EXTENT);
	for (r = 0; r < nranks; r++) {
		d_iov_set(&iov, back, EXTENT);
		EXPECT(dfs_read(dfs, shared, &sgl, (daos_off_t)r * EXTENT, &got, NULL) == 0 && got == EXTENT,
		       "dfs_read of rank %d's extent", r);
		for (i = 0; i < EXTENT; i++)
			EXPECT(back[i] == pattern(r, i), "rank %d's byte %zu of the shared file differs", r, i);
	}
	EXPECT(dfs_lookup(dfs, "/d", O_RDONLY, &d, NULL, NULL) == 0, "dfs_lookup /d");
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 8;
		EXPECT(dfs_readdir(dfs, d, &anchor, &nr, ents) == 0, "dfs_readdir");
		n += nr;
	}
	EXPECT(dfs_release(d) == 0, "dfs_release");
	EXPECT(n == nranks - punched, "/d holds %d entries, want %d", n, nranks - punched);
}

/* Writes this rank's extent, dkeys and KV keys. */
static void
write_mine(daos_handle_t ah, daos_handle_t oh, daos_handle_t kh)
{
	static char      data[EXTENT];
	daos_range_t     rg = {.rg_idx = (daos_off_t)rank * EXTENT, .rg_len = EXTENT};
	daos_array_iod_t iod = {.arr_nr = 1, .arr_rgs = &rg};
	d_iov_t          iov, dkey;
	d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_iod_t       oiod;
	char             name[32], val[32];
	size_t           i;

	for (i = 0; i < EXTENT; i++)
		data[i] = pattern(rank, i);
	d_iov_set(&iov, data, EXTENT);
	CHECK(daos_array_write(ah, DAOS_TX_NONE, &iod, &sgl, NULL), "array write");
	for (i = 0; i < NKEYS; i++) {
		snprintf(name, sizeof(name), "r%d-k%zu", rank, i);
		snprintf(val, sizeof(val), "rank %d key %zu", rank, i);
		d_iov_set(&dkey, name, strlen(name));
		memset(&oiod, 0, sizeof(oiod));
		d_iov_set(&oiod.iod_name, "a", 1);
		oiod.iod_type = DAOS_IOD_SINGLE;
		oiod.iod_size = strlen(val) + 1;
		oiod.iod_nr = 1;
		d_iov_set(&iov, val, strlen(val) + 1);
		CHECK(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &oiod, &sgl, NULL), "update");
		snprintf(name, sizeof(name), "r%d-kv%zu", rank, i);
		CHECK(daos_kv_put(kh, DAOS_TX_NONE, 0, name, strlen(val) + 1, val, NULL), "kv put");
	}
	dfs_write_mine(data);
}

static int
count_dkeys(daos_handle_t oh)
{
	daos_anchor_t   anchor = {0};
	daos_key_desc_t kds[16];
	char            buf[1024];
	d_iov_t         iov;
	d_sg_list_t     sgl = {.sg_nr = 1, .sg_iovs = &iov};
	uint32_t        nr;
	int             n = 0;

	while (!daos_anchor_is_eof(&anchor)) {
		nr = 16;
		d_iov_set(&iov, buf, sizeof(buf));
		CHECK(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), "list dkeys");
		n += nr;
	}
	return n;
}

static int
count_kv(daos_handle_t kh)
{
	daos_anchor_t   anchor = {0};
	daos_key_desc_t kds[16];
	char            buf[1024];
	d_iov_t         iov;
	d_sg_list_t     sgl = {.sg_nr = 1, .sg_iovs = &iov};
	uint32_t        nr;
	int             n = 0;

	while (!daos_anchor_is_eof(&anchor)) {
		nr = 16;
		d_iov_set(&iov, buf, sizeof(buf));
		CHECK(daos_kv_list(kh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), "kv list");
		n += nr;
	}
	return n;
}

/* Checks every rank's writes; punched says rank 0 removed one of each. */
static void
check_all(daos_handle_t ah, daos_handle_t oh, daos_handle_t kh, int punched)
{
	static char      back[EXTENT];
	daos_range_t     rg;
	daos_array_iod_t iod = {.arr_nr = 1, .arr_rgs = &rg};
	d_iov_t          iov;
	d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_size_t      size;
	int              r, n;
	size_t           i;

	CHECK(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL), "array size");
	EXPECT(size == (daos_size_t)nranks * EXTENT, "array size %zu, want %zu", (size_t)size,
	       (size_t)nranks * EXTENT);
	for (r = 0; r < nranks; r++) {
		rg = (daos_range_t){.rg_idx = (daos_off_t)r * EXTENT, .rg_len = EXTENT};
		d_iov_set(&iov, back, EXTENT);
		CHECK(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL), "array read");
		for (i = 0; i < EXTENT; i++)
			EXPECT(back[i] == pattern(r, i), "rank %d's byte %zu differs", r, i);
	}
	n = count_dkeys(oh);
	EXPECT(n == nranks * NKEYS - punched, "%d dkeys, want %d", n, nranks * NKEYS - punched);
	n = count_kv(kh);
	EXPECT(n == nranks * NKEYS - punched, "%d KV keys, want %d", n, nranks * NKEYS - punched);
	dfs_check_all(punched);
}

/* Reads a file written by rank 0 into an iov. */
static d_iov_t
read_blob(const char *dir, const char *name)
{
	char    path[512];
	FILE   *f;
	d_iov_t iov = {0};
	long    n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	EXPECT(f != NULL, "open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	iov.iov_buf = malloc(n);
	EXPECT(fread(iov.iov_buf, 1, n, f) == (size_t)n, "read %s", path);
	iov.iov_buf_len = iov.iov_len = n;
	fclose(f);
	return iov;
}

static void
write_blob(const char *dir, const char *name, d_iov_t *iov)
{
	char  path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	EXPECT(f != NULL && fwrite(iov->iov_buf, 1, iov->iov_len, f) == iov->iov_len, "write %s", path);
	fclose(f);
}

/* SHIP writes the blob that l2g (a local2global call on the iov g)
 * makes into the file name: first the size, then the bytes. */
#define SHIP(name, l2g)                                                                      \
	do {                                                                                 \
		d_iov_t g = {0};                                                             \
		EXPECT((l2g) == 0, "%s: local2global size", name);                          \
		g.iov_buf = malloc(g.iov_buf_len);                                           \
		g.iov_len = g.iov_buf_len;                                                   \
		EXPECT(g.iov_buf != NULL && (l2g) == 0, "%s: local2global", name);           \
		write_blob(dir, name, &g);                                                   \
		free(g.iov_buf);                                                             \
	} while (0)

static void
wait_byte(void)
{
	char c;

	EXPECT(read(0, &c, 1) == 1, "rank 0 went away");
}

static void
send_byte(void)
{
	EXPECT(write(1, "d", 1) == 1, "cannot answer rank 0");
}

static void
objects(daos_handle_t coh, daos_handle_t *ah, daos_handle_t *oh, daos_handle_t *kh)
{
	daos_obj_id_t aoid = {.lo = 1}, ooid = {.lo = 2}, koid = {.lo = 3};
	daos_size_t   cell, chunk;

	/* Every rank generates the same ids independently. */
	CHECK(daos_array_generate_oid(coh, &aoid, true, OC_SX, 0, 0), "array oid");
	CHECK(daos_obj_generate_oid(coh, &ooid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), "object oid");
	CHECK(daos_obj_generate_oid(coh, &koid, DAOS_OT_KV_HASHED, OC_SX, 0, 0), "kv oid");
	if (rank == 0) {
		CHECK(daos_array_create(coh, aoid, DAOS_TX_NONE, 1, 64 << 10, ah, NULL), "array create");
	} else {
		CHECK(daos_array_open(coh, aoid, DAOS_TX_NONE, DAOS_OO_RW, &cell, &chunk, ah, NULL),
		      "array open");
		EXPECT(cell == 1 && chunk == 64 << 10, "array attributes %zu/%zu", (size_t)cell,
		       (size_t)chunk);
	}
	CHECK(daos_obj_open(coh, ooid, DAOS_OO_RW, oh, NULL), "object open");
	CHECK(daos_kv_open(coh, koid, DAOS_OO_RW, kh, NULL), "kv open");
}

static void
close_all(daos_handle_t poh, daos_handle_t coh, daos_handle_t ah, daos_handle_t oh, daos_handle_t kh)
{
	CHECK(daos_array_close(ah, NULL), "array close");
	CHECK(daos_obj_close(oh, NULL), "object close");
	CHECK(daos_kv_close(kh, NULL), "kv close");
	EXPECT(dfs_release(shared) == 0 && dfs_umount(dfs) == 0, "dfs release and umount");
	CHECK(daos_cont_close(dcoh, NULL), "POSIX container close");
	CHECK(daos_cont_close(coh, NULL), "container close");
	CHECK(daos_pool_disconnect(poh, NULL), "pool disconnect");
	CHECK(daos_fini(), "fini");
}

static int
worker(const char *dir)
{
	daos_handle_t poh, coh, ah, oh, kh;

	CHECK(daos_init(), "init");
	CHECK(daos_pool_global2local(read_blob(dir, "pool"), &poh), "pool global2local");
	CHECK(daos_cont_global2local(poh, read_blob(dir, "cont"), &coh), "container global2local");
	CHECK(daos_cont_global2local(poh, read_blob(dir, "dcont"), &dcoh), "POSIX container global2local");
	EXPECT(dfs_global2local(poh, dcoh, 0, read_blob(dir, "dfs"), &dfs) == 0, "dfs_global2local");
	EXPECT(dfs_obj_global2local(dfs, 0, read_blob(dir, "file"), &shared) == 0, "dfs_obj_global2local");
	objects(coh, &ah, &oh, &kh);
	write_mine(ah, oh, kh);
	send_byte();
	wait_byte();
	check_all(ah, oh, kh, 0);
	send_byte();
	wait_byte();
	check_all(ah, oh, kh, 1);
	close_all(poh, coh, ah, oh, kh);
	send_byte();
	return 0;
}

int
main(int argc, char **argv)
{
	const char   *pool = getenv("DAOS_POOL");
	char          dir[] = "/tmp/daos_share_testXXXXXX", label[64], dlabel[64], self[512], rs[8], c;
	int           to[MAXR], from[MAXR], r, phase, st;
	ssize_t       n;
	pid_t         pids[MAXR];
	daos_handle_t poh, coh, ah, oh, kh;
	d_iov_t       dkey;

	if (argc == 4 && strcmp(argv[1], "worker") == 0) {
		rank = atoi(argv[2]);
		nranks = atoi(getenv("SHARE_NRANKS"));
		return worker(argv[3]);
	}
	nranks = argc > 1 ? atoi(argv[1]) : 4;
	EXPECT(pool != NULL, "set DAOS_POOL");
	EXPECT(nranks >= 2 && nranks <= MAXR, "between 2 and %d ranks", MAXR);
	EXPECT(mkdtemp(dir) != NULL, "mkdtemp");

	CHECK(daos_init(), "init");
	CHECK(daos_pool_connect(pool, NULL, DAOS_PC_RW, &poh, NULL, NULL), "pool connect");
	snprintf(label, sizeof(label), "share_%d", (int)getpid());
	CHECK(daos_cont_create_with_label(poh, label, NULL, NULL, NULL), "container create");
	CHECK(daos_cont_open(poh, label, DAOS_COO_RW, &coh, NULL, NULL), "container open");
	objects(coh, &ah, &oh, &kh);
	/* Size query, then the bytes: what every MPI program does. */
	SHIP("pool", daos_pool_local2global(poh, &g));
	SHIP("cont", daos_cont_local2global(coh, &g));
	/* The POSIX container, its mount and the shared file, shipped too. */
	snprintf(dlabel, sizeof(dlabel), "share_dfs_%d", (int)getpid());
	{
		/* Redundancy factor 0 whatever the pool's: DFS's default classes
		 * would otherwise be replicated ones, which this build cannot
		 * do I/O on yet. */
		dfs_attr_t   dattr = {0};
		daos_prop_t *dprops = daos_prop_alloc(1);

		EXPECT(dprops != NULL, "daos_prop_alloc");
		dprops->dpp_entries[0].dpe_type = DAOS_PROP_CO_REDUN_FAC;
		dprops->dpp_entries[0].dpe_val = DAOS_PROP_CO_REDUN_RF0;
		dattr.da_props = dprops;
		EXPECT(dfs_cont_create_with_label(poh, dlabel, &dattr, NULL, &dcoh, &dfs) == 0, "dfs_cont_create");
		daos_prop_free(dprops);
	}
	EXPECT(dfs_mkdir(dfs, NULL, "d", 0755, 0) == 0, "dfs_mkdir /d");
	EXPECT(dfs_open(dfs, NULL, "shared", S_IFREG | 0644, O_RDWR | O_CREAT | O_EXCL, 0, 64 << 10, NULL,
			&shared) == 0, "dfs_open /shared");
	SHIP("dcont", daos_cont_local2global(dcoh, &g));
	SHIP("dfs", dfs_local2global(dfs, &g));
	SHIP("file", dfs_obj_local2global(dfs, shared, &g));

	/* The other ranks: fresh programs, started after the Go core loaded
	 * here (exec, unlike a bare fork, gives them a runtime of their own). */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	EXPECT(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	snprintf(rs, sizeof(rs), "%d", nranks);
	setenv("SHARE_NRANKS", rs, 1);
	for (r = 1; r < nranks; r++) {
		int in[2], out[2];

		EXPECT(pipe(in) == 0 && pipe(out) == 0, "pipe");
		pids[r] = fork();
		EXPECT(pids[r] >= 0, "fork");
		if (pids[r] == 0) {
			char rank_s[8];

			dup2(in[0], 0);
			dup2(out[1], 1);
			snprintf(rank_s, sizeof(rank_s), "%d", r);
			execl(self, self, "worker", rank_s, dir, (char *)NULL);
			fprintf(stderr, "rank %d: exec %s: %s\n", r, self, strerror(errno));
			_exit(127);
		}
		close(in[0]);
		close(out[1]);
		to[r] = in[1];
		from[r] = out[0];
	}
	write_mine(ah, oh, kh);
	for (phase = 0; phase < 3; phase++) {
		for (r = 1; r < nranks; r++) {
			if (read(from[r], &c, 1) != 1) {
				st = 0;
				waitpid(pids[r], &st, 0);
				EXPECT(0, "rank %d died in phase %d (%s %d)", r, phase,
				       WIFSIGNALED(st) ? "signal" : "exit status",
				       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			}
		}
		if (phase == 0) {
			check_all(ah, oh, kh, 0);
		} else if (phase == 1) {
			d_iov_set(&dkey, "r0-k3", 5);
			CHECK(daos_obj_punch_dkeys(oh, DAOS_TX_NONE, 0, 1, &dkey, NULL), "punch dkey");
			CHECK(daos_kv_remove(kh, DAOS_TX_NONE, 0, "r0-kv3", NULL), "kv remove");
			{
				dfs_obj_t *d;

				EXPECT(dfs_lookup(dfs, "/d", O_RDWR, &d, NULL, NULL) == 0, "dfs_lookup /d");
				EXPECT(dfs_remove(dfs, d, "r0", false, NULL) == 0, "dfs_remove /d/r0");
				EXPECT(dfs_release(d) == 0, "dfs_release");
			}
			check_all(ah, oh, kh, 1);
		}
		if (phase < 2)
			for (r = 1; r < nranks; r++)
				EXPECT(write(to[r], "g", 1) == 1, "rank %d gone", r);
	}
	for (r = 1; r < nranks; r++) {
		EXPECT(waitpid(pids[r], &st, 0) == pids[r] && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "rank %d failed", r);
	}
	close_all(poh, coh, ah, oh, kh);
	/* Clean up: the container and the blobs. */
	CHECK(daos_init(), "init");
	CHECK(daos_pool_connect(pool, NULL, DAOS_PC_RW, &poh, NULL, NULL), "pool connect");
	CHECK(daos_cont_destroy(poh, label, 0, NULL), "container destroy");
	CHECK(daos_cont_destroy(poh, dlabel, 0, NULL), "POSIX container destroy");
	CHECK(daos_pool_disconnect(poh, NULL), "pool disconnect");
	CHECK(daos_fini(), "fini");
	snprintf(self, sizeof(self), "%s/pool", dir);
	unlink(self);
	{
		const char *blobs[] = {"cont", "dcont", "dfs", "file"};

		for (r = 0; r < 4; r++) {
			snprintf(self, sizeof(self), "%s/%s", dir, blobs[r]);
			unlink(self);
		}
	}
	rmdir(dir);
	printf("daos_share_test: %d ranks shared pool and container handles and a DFS mount and file, "
	       "wrote and checked each other's data\n", nranks);
	return 0;
}
