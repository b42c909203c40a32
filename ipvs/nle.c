/* SPDX-License-Identifier: Apache-2.0 */
#include "nle.h"

#include <errno.h>
#include <netlink/errno.h>

int nle_errno(int nle)
{
	if (nle < 0)
		nle = -nle;
	switch (nle) {
	case 0:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_PARSE_ERR:
	case NLE_OBJ_MISMATCH:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_MSGTYPE_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOATTR:
		return -ENODATA;
	case NLE_MSG_TOOSHORT:
	case NLE_SEQ_MISMATCH:
		return -EPROTO;
	case NLE_MSG_OVERFLOW:
		return -ENOBUFS; /* the kernel dropped messages: the socket's buffer was full */
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_DUMP_INTR:
		return -EINTR;
	default:
		return -EIO;
	}
}
