/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_http — kube_http (lib/kube/kube_http.h) without a network, for the
 * harnesses that drive the real API client and reflectors.
 *
 * The harness programs are linked with -Wl,--wrap=kube_http_new (and the
 * other calls below): kube_client's and kube_reflector's calls land in the
 * __wrap_ functions here. A request is only recorded; the harness answers it
 * with fake_http_answer(), which behaves as kube_http does: the body of a
 * 2xx answer goes to on_data in slices (nonzero stops it: err -ECANCELED),
 * any other answer's body is handed to on_done, and on_done runs once,
 * after the request is forgotten (it may start new ones). kube_http_status()
 * and kube_http_strerror() stay the real ones: the error bodies an
 * apiserver sends are parsed as they would be.
 */
#ifndef KIPVS_FAKE_HTTP_H
#define KIPVS_FAKE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct kube_http;
struct kube_http_req;

/* The newest kube_http created (the client creates one). */
struct kube_http *fake_http_last(void);
/* The oldest pending request whose path starts with @prefix, or NULL. */
struct kube_http_req *fake_http_pending(struct kube_http *h, const char *prefix);
const char *fake_http_path(const struct kube_http_req *r);
bool fake_http_is_watch(const struct kube_http_req *r);

/*
 * Answers @r: @status 0 is a failed exchange (err -ECONNRESET), else an
 * HTTP answer with @body. A 2xx body is delivered in slices of @slice bytes
 * (0 = at once). @r is freed.
 */
void fake_http_answer(struct kube_http_req *r, long status, const char *body, size_t len,
                      size_t slice);

#endif
