/* SPDX-License-Identifier: Apache-2.0 */
#include "ipvs_restore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/log.h"

void ipvs_restore_init(struct ipvs_restore *r)
{
	memset(r, 0, sizeof(*r));
}

void ipvs_restore_free(struct ipvs_restore *r)
{
	free(r->changes);
	free(r->meta);
	free(r->errors);
	memset(r, 0, sizeof(*r));
}

static int grow(struct ipvs_restore *r)
{
	size_t cap = r->cap ? r->cap * 2 : 64;
	struct ipvs_change *c;
	struct ipvs_restore_meta *m;

	c = realloc(r->changes, cap * sizeof(*c));
	if (!c)
		return -ENOMEM;
	r->changes = c;
	m = realloc(r->meta, cap * sizeof(*m));
	if (!m)
		return -ENOMEM;
	r->meta = m;
	r->cap = cap;
	return 0;
}

static int add_error(struct ipvs_restore *r, unsigned lineno, int status, const char *msg)
{
	struct ipvs_restore_error *e;

	r->total_errors++;
	if (r->n_errors >= IPVS_RESTORE_MAX_ERRORS)
		return -EINVAL;
	if (!r->errors) {
		r->errors = calloc(IPVS_RESTORE_MAX_ERRORS, sizeof(*r->errors));
		if (!r->errors)
			return -ENOMEM;
	}
	e = &r->errors[r->n_errors++];
	e->line = lineno;
	e->status = status;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -EINVAL;
}

/* ipvsadm's config_stream: words separated by blanks, "ipvsadm" words dropped. */
static int split(char *buf, char **argv, int max, const char *prog)
{
	int argc = 0;

	argv[argc++] = (char *)prog;
	for (char *p = buf; *p;) {
		char *w;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (*p)
			*p++ = '\0';
		if (!strcmp(w, "ipvsadm") || !strcmp(w, "kipvs"))
			continue;
		if (argc >= max)
			return -E2BIG;
		argv[argc++] = w;
	}
	return argc;
}

static enum ipvs_op op_of(enum ipvs_cli_cmd cmd)
{
	switch (cmd) {
	case IPVS_CLI_ADD:
		return IPVS_OP_ADD_SERVICE;
	case IPVS_CLI_EDIT:
		return IPVS_OP_EDIT_SERVICE;
	case IPVS_CLI_DEL:
		return IPVS_OP_DEL_SERVICE;
	case IPVS_CLI_ADDDEST:
		return IPVS_OP_ADD_DEST;
	case IPVS_CLI_EDITDEST:
		return IPVS_OP_EDIT_DEST;
	case IPVS_CLI_DELDEST:
		return IPVS_OP_DEL_DEST;
	default:
		return 0;
	}
}

int ipvs_restore_parse_line(struct ipvs_restore *r, unsigned lineno, const char *line,
                            const char *prog)
{
	size_t len = strlen(line);
	char *buf, **argv;
	struct ipvs_cli_req req;
	struct ipvs_cli_error err;
	int argc, rc;

	if (len >= IPVS_RESTORE_MAX_LINE)
		return add_error(r, lineno, 2, "line too long\n");
	buf = strdup(line);
	/* At most one word per two bytes, plus the program name. */
	argv = calloc(len / 2 + 3, sizeof(*argv));
	if (!buf || !argv) {
		free(buf);
		free(argv);
		return -ENOMEM;
	}
	argc = split(buf, argv, (int)(len / 2 + 2), prog);
	if (argc == 1 || (argc > 1 && argv[1][0] == '#')) {
		rc = 0; /* blank or comment */
		goto out;
	}
	if (ipvs_cli_parse(argc, argv, true, &req, &err)) {
		rc = add_error(r, lineno, err.status, err.msg);
		goto out;
	}
	if (req.cmd != IPVS_CLI_FLUSH && !op_of(req.cmd)) {
		char msg[160];

		snprintf(msg, sizeof(msg),
		         "the '%s' command is not a table change; a restore takes -A -E -D -a -e "
		         "-d -C\n",
		         req.cmd == IPVS_CLI_HELP      ? "help"
		         : req.cmd == IPVS_CLI_VERSION ? "version"
		                                       : ipvs_cli_cmd_name(req.cmd));
		rc = add_error(r, lineno, 2, msg);
		goto out;
	}
	if (r->n == r->cap && (rc = grow(r)))
		goto out;
	memset(&r->changes[r->n], 0, sizeof(r->changes[r->n]));
	r->meta[r->n].line = lineno;
	r->meta[r->n].cmd = req.cmd;
	r->meta[r->n].flush = req.cmd == IPVS_CLI_FLUSH;
	r->changes[r->n].op = op_of(req.cmd);
	r->changes[r->n].svc = req.svc;
	r->changes[r->n].dest = req.dest;
	r->n++;
	rc = 0;
out:
	free(buf);
	free(argv);
	return rc;
}

int ipvs_restore_parse(FILE *in, const char *prog, struct ipvs_restore *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc, bad = 0;

	while ((n = getline(&line, &cap, in)) >= 0) {
		r->lines++;
		rc = ipvs_restore_parse_line(r, r->lines, line, prog);
		if (rc == -EINVAL) {
			bad = 1;
		} else if (rc) {
			free(line);
			return rc;
		}
	}
	free(line);
	if (ferror(in)) {
		log_err("restore_read_failed", "line=%u", r->lines + 1);
		return -EIO;
	}
	return bad ? -EINVAL : 0;
}

int ipvs_restore_apply(struct ipvs_handle *h, struct ipvs_restore *r, size_t *applied,
                       size_t *failed)
{
	size_t i = 0, j, nf;
	int rc = 0;

	*applied = *failed = 0;
	while (i < r->n) {
		if (r->meta[i].flush) {
			r->changes[i].err = ipvs_flush(h);
			i++;
			continue;
		}
		for (j = i; j < r->n && !r->meta[j].flush; j++)
			;
		rc = ipvs_apply(h, &r->changes[i], j - i, &nf);
		if (rc) {
			/* The socket failed: nothing after this run was tried. */
			for (size_t k = j; k < r->n; k++)
				r->changes[k].err = rc;
			break;
		}
		i = j;
	}
	for (i = 0; i < r->n; i++) {
		if (r->changes[i].err)
			(*failed)++;
		else
			(*applied)++;
	}
	return rc;
}
