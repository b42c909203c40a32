/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error texts: one line naming the cause and, when there is one, the fix.
 * The kernel's IPVS reuses a few errno values for different causes (ENOENT
 * is "no IPVS" at open, "unknown scheduler" on a service add, "no such
 * destination" on a destination delete), so ipvs_change_strerror() reads
 * the operation too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipvs.h"

const char *ipvs_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case ENOENT:
		return "IPVS is not available in this kernel (load it: modprobe ip_vs)";
	case EPERM:
	case EACCES:
		return "permission denied: kipvs needs CAP_NET_ADMIN (run as root)";
	case EEXIST:
		return "the virtual server or destination already exists";
	case ESRCH:
		return "no such virtual server (or sync daemon): removed meanwhile, or never added";
	case EINVAL:
		return "the kernel rejected the request as invalid (check addresses, netmask, "
		       "scheduler name and tunnel settings)";
	case ERANGE:
		return "value out of range (weight must be >= 0 and the lower threshold at most "
		       "the upper)";
	case EAFNOSUPPORT:
		return "address family not supported by IPVS here (IPv6 needs CONFIG_IP_VS_IPV6)";
	case EOPNOTSUPP:
		return "operation not supported by this kernel's IPVS (kernel too old?)";
	case ENOPROTOOPT:
		return "IPVS is being unloaded or has the wrong version (reload: modprobe ip_vs)";
	case ENOBUFS:
		return "netlink replies were dropped (receive buffer full); the outcome of the "
		       "batch is unknown: read the table again";
	case ETIMEDOUT:
		return "the kernel did not answer the IPVS request in time";
	case EPROTO:
		return "malformed reply from the kernel's IPVS";
	case EMSGSIZE:
		return "netlink message too large for the socket buffer";
	case ENOMEM:
		return "out of memory";
	case EPROTONOSUPPORT:
		return "generic netlink is not available in this kernel";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

static bool is_dest_op(enum ipvs_op op)
{
	return op == IPVS_OP_ADD_DEST || op == IPVS_OP_EDIT_DEST || op == IPVS_OP_DEL_DEST;
}

const char *ipvs_change_strerror(const struct ipvs_change *c, char *buf, size_t len)
{
	int e = c->err < 0 ? -c->err : c->err;
	const char *text = NULL;

	if (!len)
		return buf;
	if (e == ENOENT && (c->op == IPVS_OP_ADD_SERVICE || c->op == IPVS_OP_EDIT_SERVICE)) {
		if (c->svc.pe_name[0])
			snprintf(buf, len,
			         "scheduler \"%s\" or persistence engine \"%s\" not found (load "
			         "it: modprobe ip_vs_%s; modprobe ip_vs_pe_%s)",
			         c->svc.sched_name, c->svc.pe_name, c->svc.sched_name,
			         c->svc.pe_name);
		else
			snprintf(buf, len,
			         "scheduler \"%s\" not found (load it: modprobe ip_vs_%s)",
			         c->svc.sched_name, c->svc.sched_name);
		return buf;
	}
	if (e == ENOENT && is_dest_op(c->op))
		text = "no such destination";
	else if (e == EEXIST && c->op == IPVS_OP_ADD_SERVICE)
		text = "virtual server already exists";
	else if (e == EEXIST && c->op == IPVS_OP_ADD_DEST)
		text = "destination already exists";
	else if (e == ESRCH)
		text = "no such virtual server";
	else if (e == EINVAL && is_dest_op(c->op))
		text = "destination rejected: address not unicast, a family other than the "
		       "service's without tunnelling, or GUE without a tunnel port";
	else if (e == EINVAL)
		text = "virtual server rejected: bad netmask or family, or scheduler name too long";
	else
		text = ipvs_strerror(c->err);
	snprintf(buf, len, "%s", text);
	return buf;
}
