/*
 * Intrusive circular doubly linked lists: the node lives inside the
 * caller's structure and an empty head points at itself, so membership
 * tests and removal need no allocation and no search.
 */
#ifndef GURT_LIST_H
#define GURT_LIST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct d_list_head {
	struct d_list_head *next;
	struct d_list_head *prev;
} d_list_t;

#define D_LIST_HEAD_INIT(name) { &(name), &(name) }
#define D_LIST_HEAD(name) d_list_t name = D_LIST_HEAD_INIT(name)

static inline void
D_INIT_LIST_HEAD(d_list_t *head)
{
	head->next = head;
	head->prev = head;
}

/* Splice node between two neighbours already known to be adjacent. */
static inline void
d_list_link_between(d_list_t *node, d_list_t *prev, d_list_t *next)
{
	next->prev = node;
	node->next = next;
	node->prev = prev;
	prev->next = node;
}

static inline void
d_list_add(d_list_t *node, d_list_t *head)
{
	d_list_link_between(node, head, head->next);
}

static inline void
d_list_add_tail(d_list_t *node, d_list_t *head)
{
	d_list_link_between(node, head->prev, head);
}

static inline void
d_list_unlink_between(d_list_t *prev, d_list_t *next)
{
	next->prev = prev;
	prev->next = next;
}

/* Leaves the node's own pointers stale; use d_list_del_init to reuse it. */
static inline void
d_list_del(d_list_t *node)
{
	d_list_unlink_between(node->prev, node->next);
}

static inline void
d_list_del_init(d_list_t *node)
{
	d_list_unlink_between(node->prev, node->next);
	D_INIT_LIST_HEAD(node);
}

static inline void
d_list_move(d_list_t *node, d_list_t *head)
{
	d_list_del(node);
	d_list_add(node, head);
}

static inline void
d_list_move_tail(d_list_t *node, d_list_t *head)
{
	d_list_del(node);
	d_list_add_tail(node, head);
}

static inline int
d_list_empty(const d_list_t *head)
{
	return head->next == head;
}

/* Move every node of list to the front of head; list is left empty. */
static inline void
d_list_splice_init(d_list_t *list, d_list_t *head)
{
	if (d_list_empty(list))
		return;
	list->prev->next = head->next;
	head->next->prev = list->prev;
	head->next = list->next;
	list->next->prev = head;
	D_INIT_LIST_HEAD(list);
}

#define d_list_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define d_list_first_entry(head, type, member) \
	d_list_entry((head)->next, type, member)

/* Unlink and return the first node, or NULL when the list is empty. */
static inline d_list_t *
d_list_pop(d_list_t *head)
{
	d_list_t *node;

	if (d_list_empty(head))
		return NULL;
	node = head->next;
	d_list_del_init(node);
	return node;
}

#define d_list_pop_entry(head, type, member)                  \
	(d_list_empty(head) ? (type *)NULL :                  \
	 d_list_entry(d_list_pop(head), type, member))

#define d_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* tmp holds the successor so the loop body may unlink pos. */
#define d_list_for_each_safe(pos, tmp, head)                                 \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head);     \
	     (pos) = (tmp), (tmp) = (pos)->next)

#define d_list_for_each_entry(pos, head, member)                             \
	for ((pos) = d_list_entry((head)->next, __typeof__(*(pos)), member); \
	     &(pos)->member != (head);                                       \
	     (pos) = d_list_entry((pos)->member.next, __typeof__(*(pos)),    \
				  member))

#define d_list_for_each_entry_safe(pos, tmp, head, member)                   \
	for ((pos) = d_list_entry((head)->next, __typeof__(*(pos)), member), \
	    (tmp) = d_list_entry((pos)->member.next, __typeof__(*(pos)),     \
				 member);                                    \
	     &(pos)->member != (head);                                       \
	     (pos) = (tmp),                                                  \
	    (tmp) = d_list_entry((tmp)->member.next, __typeof__(*(tmp)),     \
				 member))

#ifdef __cplusplus
}
#endif

#endif /* GURT_LIST_H */
