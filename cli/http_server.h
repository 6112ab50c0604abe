/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A minimal HTTP/1.x server for one resource (GET /metrics), run from its owner's poll loop:
 * non-blocking sockets behind one epoll fd the owner adds to its own, bounded requests, a
 * deadline per connection, one response per connection (Connection: close).
 */
#ifndef USDTCTL_HTTP_SERVER_H
#define USDTCTL_HTTP_SERVER_H

#include <stddef.h>
#include <stdio.h>

#define HTTP_REQUEST_MAX 8192 /* bytes of request line and headers; more is refused (431) */
#define HTTP_DEADLINE_MS 5000 /* a connection is closed this long after it was accepted */
#define HTTP_CONNECTIONS 128  /* served at once; more wait in the listen backlog */

/* Writes the resource's body into body: 0, or a negative errno (the answer is then a 500). */
typedef int (*http_handler_fn)(void *ctx, FILE *body);

struct http_server;

/*
 * Listens on addr ("HOST:PORT", "[IPV6]:PORT", ":PORT" for every address; PORT 0 picks one) and
 * serves path with handler's body as content_type. Returns NULL with errno set: EINVAL for an
 * address that does not parse or resolve, or bind()'s error (EADDRINUSE, EACCES, ...).
 */
struct http_server *http_server_new(const char *addr, const char *path, const char *content_type,
				    http_handler_fn handler, void *ctx);
void http_server_free(struct http_server *s);
/* The epoll fd to watch for reading: it is readable when http_server_work() has work. */
int http_server_fd(const struct http_server *s);
/* Accepts, reads, answers and closes without blocking, including connections past deadline. */
void http_server_work(struct http_server *s);
/* Milliseconds until the next connection deadline, -1 when no connection is open. */
int http_server_timeout_ms(const struct http_server *s);
/* The address it listens on, as "127.0.0.1:9464" or "[::1]:9464". */
const char *http_server_address(const struct http_server *s);

#endif /* USDTCTL_HTTP_SERVER_H */
