/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's texts for kernel errors: libipvs keys a table by the function
 * that failed and the errno, and falls back to strerror().
 */
#include "ipvs_cli.h"

#include <errno.h>
#include <string.h>

const char *ipvs_cli_strerror(enum ipvs_cli_cmd cmd, int err)
{
	int e = err < 0 ? -err : err;

	switch (cmd) {
	case IPVS_CLI_ADD:
		if (e == EEXIST)
			return "Service already exists";
		if (e == ENOENT)
			return "Scheduler or persistence engine not found";
		break;
	case IPVS_CLI_EDIT:
		if (e == ESRCH)
			return "No such service";
		if (e == ENOENT)
			return "Scheduler or persistence engine not found";
		break;
	case IPVS_CLI_DEL:
	case IPVS_CLI_ZERO:
	case IPVS_CLI_LIST:
	case IPVS_CLI_SAVE:
		if (e == ESRCH)
			return "No such service";
		break;
	case IPVS_CLI_ADDDEST:
		if (e == ESRCH)
			return "Service not defined";
		if (e == EEXIST)
			return "Destination already exists";
		break;
	case IPVS_CLI_EDITDEST:
	case IPVS_CLI_DELDEST:
		if (e == ESRCH)
			return "Service not defined";
		if (e == ENOENT)
			return "No such destination";
		break;
	case IPVS_CLI_STARTDAEMON:
		if (e == EEXIST)
			return "Daemon has already run";
		break;
	case IPVS_CLI_STOPDAEMON:
		if (e == ESRCH)
			return "No daemon is running";
		break;
	default:
		break;
	}
	switch (e) {
	case EPERM:
		return "Permission denied (you must be root)";
	case EINVAL:
		return "Invalid operation.  Possibly wrong module version, address not unicast, "
		       "...";
	case ENOPROTOOPT:
		return "Protocol not available";
	case ENOMEM:
		return "Memory allocation problem";
	case EOPNOTSUPP:
		return "Operation not supported with IPv6";
	case EAFNOSUPPORT:
		return "Operation not supported with specified address family";
	case EMSGSIZE:
		return "Module is wrong version";
	default:
		return strerror(e);
	}
}
