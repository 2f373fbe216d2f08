/*
 * test_backend.c - the backend interface (daemon/backend/backend.h): the
 * kind of the config picks the ops; an op a backend leaves out, a
 * backend not started and no backend at all give the default answers;
 * the memory backend started on a real engine keeps its table as is.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "backend/backend.h"
#include "loop.h"
#include "backend/memstate.h"
#include "t.h"

static int null_output(void *ctx, const uint8_t *local, size_t local_len,
		       const uint8_t *wire, size_t wire_len, uint32_t dst)
{
	(void)ctx, (void)local, (void)local_len, (void)wire, (void)wire_len;
	(void)dst;
	return 0;
}

static const struct pfs_engine_ops null_ops = {.output = null_output};

/* The defaults: nothing waits, nothing is busy, nothing refused. */
static void check_defaults(struct pfsd_backend *b)
{
	struct pfs_state st;

	memset(&st, 0, sizeof(st));
	T_EQ(pfsd_backend_waiting(b), 0);
	T_CHECK(!pfsd_backend_pump(b));
	T_CHECK(!pfsd_backend_bulk_busy(b));
	T_CHECK(!pfsd_backend_adopt(b, &st, &st));
	T_CHECK(!pfsd_backend_unconfirmed_of(b, &st, 1));
	T_EQ(pfsd_backend_table_full(b), 0);
	T_CHECK(pfsd_backend_filter(b) == NULL);
	T_CHECK(pfsd_backend_ct_stats(b) == NULL);
	T_CHECK(pfsd_backend_lib_stats(b) == NULL);
	pfsd_backend_applied(b, PFS_OP_INSERT, &st);
	pfsd_backend_bulk_asked(b);
	pfsd_backend_set_limit(b, 10);
	pfsd_backend_reload(b, NULL);
}

static void test_kinds(void)
{
	struct pfsd_backend *m = pfsd_backend_new(PFSD_BACKEND_MEMORY);
	struct pfsd_backend *c = pfsd_backend_new(PFSD_BACKEND_CONNTRACK);
	const char *name = NULL;

	T_CHECK(m != NULL && c != NULL);
	T_CHECK(strcmp(pfsd_backend_name(m), "memory") == 0);
	T_CHECK(strcmp(pfsd_backend_name(c), "conntrack") == 0);
	T_CHECK(!pfsd_backend_kernel(m));
	T_CHECK(pfsd_backend_kernel(c));
	T_EQ(pfsd_backend_table_max(m, &name), 0);
	T_CHECK(name == NULL);
	(void)pfsd_backend_table_max(c, &name); /* this namespace's value */
	T_CHECK(name != NULL && strcmp(name, "nf_conntrack_max") == 0);
	/* not started: no socket, every answer the default */
	check_defaults(c);
	pfsd_backend_free(m);
	pfsd_backend_free(c);
	errno = 0;
	T_CHECK(pfsd_backend_new((enum pfsd_backend_kind)7) == NULL);
	T_EQ(errno, EINVAL);
}

/* No backend (a daemon under test) answers as memory does. */
static void test_none(void)
{
	const char *name = NULL;

	check_defaults(NULL);
	T_CHECK(strcmp(pfsd_backend_name(NULL), "memory") == 0);
	T_CHECK(!pfsd_backend_kernel(NULL));
	T_EQ(pfsd_backend_table_max(NULL, &name), 0);
	pfsd_backend_free(NULL);
}

/* Memory on a real engine: starts once; the engine's table is the
 * firewall's, so a peer's change passed on leaves it as the engine made
 * it. */
static void test_memory_started(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfsd_loop *loop = pfsd_loop_new();
	struct pfsd_backend *b = pfsd_backend_new(PFSD_BACKEND_MEMORY);
	struct pfs_engine_conf ec;
	struct pfs_engine *e;
	struct pfs_state st;
	struct pfsd_conf c;

	pfsd_conf_default(&c);
	pfs_engine_conf_default(&ec);
	ec.hostid = 0x0a000001;
	e = pfs_engine_new(&ec, t, &null_ops, NULL, 1000);
	T_CHECK(t != NULL && loop != NULL && b != NULL && e != NULL);
	{
		struct pfsd_backend_env env = {e, t, loop, NULL, NULL, &c};

		T_EQ(pfsd_backend_start(b, &env), 0);
		errno = 0;
		T_EQ(pfsd_backend_start(b, &env), -1);
		T_EQ(errno, EALREADY);
	}
	pfsd_memstate_new(e, ec.hostid, 1, &st, IPPROTO_UDP, 1, 1);
	T_EQ(pfs_engine_insert(e, &st, 1000), 0);
	pfsd_backend_applied(b, PFS_OP_DELETE, &st);
	T_EQ(pfs_table_count(t), 1);
	check_defaults(b);
	pfsd_backend_free(b);
	pfs_engine_free(e);
	pfs_table_free(t);
	pfsd_loop_free(loop);
}

int main(void)
{
	T_RUN(test_kinds);
	T_RUN(test_none);
	T_RUN(test_memory_started);
	return t_done();
}
