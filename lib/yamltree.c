/* SPDX-License-Identifier: Apache-2.0 */
#include "yamltree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deeper documents are refused: a config file never nests this far. */
#define YTREE_MAX_DEPTH 64

static struct ynode *node_new(enum ynode_type t, int line)
{
	struct ynode *n = calloc(1, sizeof(*n));

	if (n) {
		n->type = t;
		n->line = line;
	}
	return n;
}

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		ytree_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->scalar);
	free(n);
}

static int append(struct ynode *parent, char *key, struct ynode *child)
{
	char **nk = NULL;
	struct ynode **ni = realloc(parent->items, (parent->n + 1) * sizeof(*ni));

	if (!ni)
		return -ENOMEM;
	parent->items = ni;
	if (parent->type == YNODE_MAP) {
		nk = realloc(parent->keys, (parent->n + 1) * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		parent->keys = nk;
		parent->keys[parent->n] = key;
	}
	parent->items[parent->n++] = child;
	return 0;
}

struct pstate {
	yaml_parser_t p;
	char *err;
	size_t errlen;
};

static int fail(struct pstate *s, int line, const char *what)
{
	snprintf(s->err, s->errlen, "line %d: %s", line, what);
	return -EINVAL;
}

/* Parses one node whose first event is @ev (consumed by the caller). */
static int parse_node(struct pstate *s, yaml_event_t *ev, int depth, struct ynode **out);

static int parse_children(struct pstate *s, struct ynode *n, int depth)
{
	for (;;) {
		yaml_event_t ev;
		char *key = NULL;
		struct ynode *child = NULL;
		int err;

		if (!yaml_parser_parse(&s->p, &ev))
			return fail(s, (int)s->p.problem_mark.line + 1,
			            s->p.problem ? s->p.problem : "syntax error");
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (n->type == YNODE_MAP) {
			int line = (int)ev.start_mark.line + 1;

			if (ev.type != YAML_SCALAR_EVENT) {
				yaml_event_delete(&ev);
				return fail(s, line, "map keys must be plain scalars");
			}
			key = strdup((const char *)ev.data.scalar.value);
			yaml_event_delete(&ev);
			if (!key)
				return -ENOMEM;
			for (size_t i = 0; i < n->n; i++) {
				if (strcmp(n->keys[i], key) == 0) {
					free(key);
					return fail(s, line, "duplicate key");
				}
			}
			if (!yaml_parser_parse(&s->p, &ev)) {
				free(key);
				return fail(s, (int)s->p.problem_mark.line + 1,
				            s->p.problem ? s->p.problem : "syntax error");
			}
		}
		err = parse_node(s, &ev, depth + 1, &child);
		if (err == 0)
			err = append(n, key, child);
		if (err < 0) {
			free(key);
			ytree_free(child);
			return err;
		}
	}
}

static int parse_node(struct pstate *s, yaml_event_t *ev, int depth, struct ynode **out)
{
	int line = (int)ev->start_mark.line + 1;
	struct ynode *n;
	int err;

	*out = NULL;
	if (depth > YTREE_MAX_DEPTH) {
		yaml_event_delete(ev);
		return fail(s, line, "document nested too deeply");
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(YNODE_SCALAR, line);
		if (n) {
			n->scalar = strdup((const char *)ev->data.scalar.value);
			n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			            ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		}
		yaml_event_delete(ev);
		if (!n || !n->scalar) {
			ytree_free(n);
			return -ENOMEM;
		}
		*out = n;
		return 0;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		n = node_new(ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ, line);
		yaml_event_delete(ev);
		if (!n)
			return -ENOMEM;
		err = parse_children(s, n, depth);
		if (err < 0) {
			ytree_free(n);
			return err;
		}
		*out = n;
		return 0;
	case YAML_ALIAS_EVENT:
		yaml_event_delete(ev);
		return fail(s, line, "aliases are not supported");
	default:
		yaml_event_delete(ev);
		return fail(s, line, "unexpected YAML event");
	}
}

int ytree_parse(const char *buf, size_t len, struct ynode **out, char *err, size_t errlen)
{
	struct pstate s = { .err = err, .errlen = errlen };
	yaml_event_t ev;
	int rc = 0;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!yaml_parser_initialize(&s.p))
		return -ENOMEM;
	yaml_parser_set_input_string(&s.p, (const unsigned char *)buf, len);
	/* Skip STREAM_START and DOCUMENT_START; an empty stream is an empty map. */
	for (;;) {
		if (!yaml_parser_parse(&s.p, &ev)) {
			rc = fail(&s, (int)s.p.problem_mark.line + 1,
			          s.p.problem ? s.p.problem : "syntax error");
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			*out = node_new(YNODE_MAP, 1);
			rc = *out ? 0 : -ENOMEM;
			break;
		}
		rc = parse_node(&s, &ev, 0, out);
		break;
	}
	yaml_parser_delete(&s.p);
	return rc;
}

const struct ynode *ytree_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

bool ytree_is_null(const struct ynode *n)
{
	if (!n || n->type != YNODE_SCALAR || n->quoted)
		return false;
	return !*n->scalar || !strcmp(n->scalar, "~") || !strcmp(n->scalar, "null") ||
	       !strcmp(n->scalar, "Null") || !strcmp(n->scalar, "NULL");
}
