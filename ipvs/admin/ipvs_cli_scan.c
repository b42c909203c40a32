/* SPDX-License-Identifier: Apache-2.0 */
#include "ipvs_cli_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_scan_init(struct cli_scan *s, const struct cli_opt_def *defs, size_t n_defs, int argc,
                  char *const *argv)
{
	memset(s, 0, sizeof(*s));
	s->defs = defs;
	s->n_defs = n_defs;
	s->argc = argc;
	s->argv = argv;
	s->next = argc > 0 ? 1 : 0;
	s->rest = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*s->rest));
	return s->rest ? 0 : -ENOMEM;
}

void cli_scan_free(struct cli_scan *s)
{
	free(s->rest);
	s->rest = NULL;
}

const char *cli_scan_strerror(int code)
{
	switch (code) {
	case CLI_SCAN_NOARG:
		return "missing argument";
	case CLI_SCAN_UNWANTEDARG:
		return "option does not take an argument";
	default:
		return "unknown option";
	}
}

const char *cli_scan_last(const struct cli_scan *s)
{
	return s->next > 0 && s->next <= s->argc ? s->argv[s->next - 1] : "";
}

const char *cli_scan_rest(struct cli_scan *s)
{
	return s->rest_pos < s->n_rest ? s->rest[s->rest_pos++] : NULL;
}

static int take_arg(struct cli_scan *s, const struct cli_opt_def *o, const char *inline_arg)
{
	s->arg = NULL;
	if (o->arg == CLI_ARG_NONE)
		return o->tag;
	if (inline_arg) {
		s->arg = inline_arg;
		return o->tag;
	}
	if (s->next >= s->argc)
		return o->arg == CLI_ARG_REQ ? CLI_SCAN_NOARG : o->tag;
	/* An optional argument is taken only when the next word is no option. */
	if (o->arg == CLI_ARG_OPT && s->argv[s->next][0] == '-')
		return o->tag;
	s->arg = s->argv[s->next++];
	return o->tag;
}

static int next_short(struct cli_scan *s)
{
	const struct cli_opt_def *o = NULL;
	char c = *s->cluster++;

	for (size_t i = 0; i < s->n_defs; i++)
		if (s->defs[i].shrt && s->defs[i].shrt == c) {
			o = &s->defs[i];
			break;
		}
	if (!*s->cluster)
		s->cluster = NULL;
	if (!o)
		return CLI_SCAN_BADOPT;
	if (o->arg == CLI_ARG_NONE) {
		if (s->cluster && *s->cluster == '=')
			return CLI_SCAN_UNWANTEDARG;
		s->arg = NULL;
		return o->tag;
	}
	if (s->cluster) {
		const char *a = s->cluster;

		s->cluster = NULL;
		return take_arg(s, o, *a == '=' ? a + 1 : a);
	}
	return take_arg(s, o, NULL);
}

static int next_long(struct cli_scan *s, const char *name)
{
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);

	for (size_t i = 0; i < s->n_defs; i++) {
		const struct cli_opt_def *o = &s->defs[i];

		if (strlen(o->lng) != len || strncmp(o->lng, name, len))
			continue;
		if (o->arg == CLI_ARG_NONE && eq)
			return CLI_SCAN_UNWANTEDARG;
		return take_arg(s, o, eq ? eq + 1 : NULL);
	}
	return CLI_SCAN_BADOPT;
}

int cli_scan_next(struct cli_scan *s)
{
	for (;;) {
		const char *w;

		if (s->cluster)
			return next_short(s);
		if (s->next >= s->argc)
			return CLI_SCAN_END;
		w = s->argv[s->next++];
		if (s->only_args || w[0] != '-' || w[1] == '\0') {
			s->rest[s->n_rest++] = w;
			continue;
		}
		if (w[1] == '-' && w[2] == '\0') {
			s->only_args = true;
			continue;
		}
		if (w[1] != '-') {
			s->cluster = w + 1;
			continue;
		}
		return next_long(s, w + 2);
	}
}
