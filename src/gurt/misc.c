/*
 * Small libgurt helpers: key hashes, allocation wrappers, rank lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gurt/common.h>

uint32_t
d_hash_string_u32(const char *s, unsigned int len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = 5381;
	unsigned int i;

	for (i = 0; i < len; i++)
		h = h * 33 + p[i];
	return h;
}

/* Unaligned-safe native-endian load; the compiler turns it into one move. */
static uint64_t
load_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t
d_hash_murmur64(const unsigned char *key, unsigned int len, unsigned int seed)
{
	const uint64_t m = 0xc6a4a7935bd1e995ULL;
	const int r = 47;
	uint64_t h = (uint64_t)seed ^ ((uint64_t)len * m);
	const unsigned char *tail;
	unsigned int nblocks = len / 8;
	unsigned int i;

	for (i = 0; i < nblocks; i++) {
		uint64_t k = load_u64(key + 8 * (size_t)i);

		k *= m;
		k ^= k >> r;
		k *= m;
		h ^= k;
		h *= m;
	}

	tail = key + 8 * (size_t)nblocks;
	if (len & 7) {
		for (i = 0; i < (len & 7); i++)
			h ^= (uint64_t)tail[i] << (8 * i);
		h *= m;
	}

	h ^= h >> r;
	h *= m;
	h ^= h >> r;
	return h;
}

void *
d_calloc(size_t count, size_t eltsize)
{
	return calloc(count, eltsize);
}

void *
d_malloc(size_t size)
{
	return malloc(size);
}

void *
d_realloc(void *ptr, size_t size)
{
	return realloc(ptr, size);
}

void
d_free(void *ptr)
{
	free(ptr);
}

d_rank_list_t *
d_rank_list_alloc(uint32_t size)
{
	d_rank_list_t *list;

	list = calloc(1, sizeof(*list));
	if (list == NULL)
		return NULL;
	if (size > 0) {
		list->rl_ranks = calloc(size, sizeof(*list->rl_ranks));
		if (list->rl_ranks == NULL) {
			free(list);
			return NULL;
		}
	}
	list->rl_nr = size;
	return list;
}

void
d_rank_list_free(d_rank_list_t *rank_list)
{
	if (rank_list == NULL)
		return;
	free(rank_list->rl_ranks);
	free(rank_list);
}

int
d_getenv_bool(const char *name, bool *bool_val)
{
	const char *v;
	char	   *end;
	long long   n;

	if (name == NULL || bool_val == NULL)
		return -DER_INVAL;
	v = getenv(name);
	if (v == NULL)
		return -DER_NONEXIST;
	/* A whole decimal integer (strtoll's form) is true unless 0; any
	 * other value is true. */
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end != v && *end == '\0' && errno == 0)
		*bool_val = n != 0;
	else
		*bool_val = true;
	return 0;
}
