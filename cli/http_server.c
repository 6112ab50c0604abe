// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Each connection moves READ -> WRITE -> DRAIN -> closed, or is closed at its deadline in
 * any state: a client that connects and sends nothing holds one slot for HTTP_DEADLINE_MS,
 * never the loop. DRAIN reads until the client closes, so the kernel does not answer unread
 * input with a reset that could cut the response short.
 */
#define _GNU_SOURCE
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_ID UINT32_MAX

enum conn_state {
	CONN_FREE,
	CONN_READ,
	CONN_WRITE,
	CONN_DRAIN,
};

struct conn {
	enum conn_state state;
	int fd;
	uint64_t deadline_ms;
	size_t in_len;
	char in[HTTP_REQUEST_MAX];
	char *out;
	size_t out_len;
	size_t out_off;
};

struct http_server {
	int listen_fd;
	int ep;
	bool listening; /* the listen fd is in the epoll set: a connection slot is free */
	const char *path;
	const char *content_type;
	http_handler_fn handler;
	void *ctx;
	char address[INET6_ADDRSTRLEN + 8];
	struct conn conns[HTTP_CONNECTIONS];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into host (empty: any) and port. */
static int split_address(const char *addr, char *host, size_t host_sz, const char **port)
{
	const char *colon, *h = addr;
	size_t n;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		h = addr + 1;
		n = end - h;
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || memchr(addr, ':', colon - addr))
			return -EINVAL; /* a bare IPv6 address needs brackets */
		n = colon - addr;
	}
	/* getaddrinfo() takes 65536 for port 0 */
	if (n >= host_sz || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5 || atoi(colon + 1) > 65535)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static int listen_on(struct http_server *s, const char *addr)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct addrinfo *ai;
	char host[256], ip[INET6_ADDRSTRLEN];
	const char *port;
	int one = 1, err;

	err = split_address(addr, host, sizeof(host), &port);
	if (err)
		return err;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &ai))
		return -EINVAL;
	s->listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = s->listen_fd < 0 ? -errno : 0;
	/* a restart must not wait for the last run's TIME_WAIT; a live listener still conflicts */
	if (!err)
		setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!err && (bind(s->listen_fd, ai->ai_addr, ai->ai_addrlen) ||
		     listen(s->listen_fd, HTTP_CONNECTIONS)))
		err = -errno;
	freeaddrinfo(ai);
	if (err)
		return err;
	if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &len))
		return -errno;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(s->address, sizeof(s->address), "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(s->address, sizeof(s->address), "%s:%u", ip, ntohs(a->sin_port));
	}
	return 0;
}

static int watch(struct http_server *s, int op, int fd, uint32_t events, uint32_t id)
{
	struct epoll_event ev = {.events = events, .data.u32 = id};

	return epoll_ctl(s->ep, op, fd, &ev) ? -errno : 0;
}

struct http_server *http_server_new(const char *addr, const char *path, const char *content_type,
				    http_handler_fn handler, void *ctx)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return NULL;
	*s = (struct http_server){.listen_fd = -1,
				  .path = path,
				  .content_type = content_type,
				  .handler = handler,
				  .ctx = ctx};
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	err = s->ep < 0 ? -errno : listen_on(s, addr);
	if (!err)
		err = watch(s, EPOLL_CTL_ADD, s->listen_fd, EPOLLIN, LISTEN_ID);
	if (err) {
		http_server_free(s);
		errno = -err;
		return NULL;
	}
	s->listening = true;
	return s;
}

static void conn_close(struct http_server *s, struct conn *c)
{
	close(c->fd); /* leaves the epoll set too */
	free(c->out);
	c->out = NULL;
	c->state = CONN_FREE;
	if (!s->listening)
		s->listening = watch(s, EPOLL_CTL_MOD, s->listen_fd, EPOLLIN, LISTEN_ID) == 0;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < HTTP_CONNECTIONS; i++) {
		if (s->conns[i].state != CONN_FREE)
			conn_close(s, &s->conns[i]);
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->ep >= 0)
		close(s->ep);
	free(s);
}

int http_server_fd(const struct http_server *s)
{
	return s->ep;
}

const char *http_server_address(const struct http_server *s)
{
	return s->address;
}

static void accept_all(struct http_server *s)
{
	for (size_t i = 0; i < HTTP_CONNECTIONS; i++) {
		struct conn *c = &s->conns[i];

		if (c->state != CONN_FREE)
			continue;
		c->fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c->fd < 0)
			return; /* EAGAIN: none left; anything else: the client is gone */
		if (watch(s, EPOLL_CTL_ADD, c->fd, EPOLLIN, i)) {
			close(c->fd);
			continue;
		}
		*c = (struct conn){.state = CONN_READ,
				   .fd = c->fd,
				   .deadline_ms = now_ms() + HTTP_DEADLINE_MS};
	}
	/* every slot busy: leave the rest in the backlog until one frees */
	s->listening = watch(s, EPOLL_CTL_MOD, s->listen_fd, 0, LISTEN_ID) != 0;
}

/* The response in c->out: status line, headers, then the body unless it is a HEAD. */
static void respond(struct conn *c, const char *status, const char *type, const char *extra,
		    const char *body, size_t body_len, bool head)
{
	int n = asprintf(&c->out,
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			 "Connection: close\r\n\r\n",
			 status, type, body_len, extra);
	char *full;

	c->out_off = 0;
	c->out_len = n < 0 ? 0 : n;
	if (n < 0) {
		c->out = NULL;
		return;
	}
	if (head || !body_len)
		return;
	full = realloc(c->out, c->out_len + body_len);
	if (!full) {
		free(c->out);
		c->out = NULL;
		c->out_len = 0;
		return;
	}
	memcpy(full + c->out_len, body, body_len);
	c->out = full;
	c->out_len += body_len;
}

static void respond_text(struct conn *c, const char *status, const char *extra, bool head)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%s\n", status);

	respond(c, status, "text/plain; charset=utf-8", extra, body, n, head);
}

/* The body of the resource, from the handler. */
static void respond_resource(struct http_server *s, struct conn *c, bool head)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	int err = f ? s->handler(s->ctx, f) : -errno;

	if (f && fclose(f) && !err)
		err = -ENOMEM;
	if (err)
		respond_text(c, "500 Internal Server Error", "", head);
	else
		respond(c, "200 OK", s->content_type, "", body, len, head);
	free(body);
}

/* A whole request head is in c->in: its request line decides the response. */
static void handle_request(struct http_server *s, struct conn *c)
{
	char *line = c->in, *sp1, *sp2, *end = strpbrk(c->in, "\r\n");
	bool head;
	size_t plen;

	*end = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || strncmp(sp2 + 1, "HTTP/1.", 7)) {
		respond_text(c, "400 Bad Request", "", false);
		return;
	}
	*sp1 = *sp2 = '\0';
	head = strcmp(line, "HEAD") == 0;
	if (!head && strcmp(line, "GET")) {
		respond_text(c, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", false);
		return;
	}
	plen = strcspn(sp1 + 1, "?");
	if (plen == strlen(s->path) && strncmp(sp1 + 1, s->path, plen) == 0)
		respond_resource(s, c, head);
	else
		respond_text(c, "404 Not Found", "", head);
}

static void start_write(struct http_server *s, struct conn *c, size_t i)
{
	if (!c->out || watch(s, EPOLL_CTL_MOD, c->fd, EPOLLOUT, i)) {
		conn_close(s, c);
		return;
	}
	c->state = CONN_WRITE;
}

static void on_readable(struct http_server *s, struct conn *c, size_t i)
{
	size_t room = sizeof(c->in) - 1 - c->in_len;
	ssize_t n;

	if (c->state == CONN_DRAIN) {
		char junk[512];

		n = read(c->fd, junk, sizeof(junk));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(s, c);
		return;
	}
	n = read(c->fd, c->in + c->in_len, room);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(s, c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += n;
	c->in[c->in_len] = '\0';
	if (memchr(c->in, '\0', c->in_len)) {
		respond_text(c, "400 Bad Request", "", false);
	} else if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n")) {
		handle_request(s, c);
	} else if (c->in_len == sizeof(c->in) - 1) {
		respond_text(c, "431 Request Header Fields Too Large", "", false);
	} else {
		return;
	}
	start_write(s, c, i);
}

static void on_writable(struct http_server *s, struct conn *c, size_t i)
{
	ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(s, c);
		return;
	}
	c->out_off += n;
	if (c->out_off < c->out_len)
		return;
	free(c->out);
	c->out = NULL;
	if (shutdown(c->fd, SHUT_WR) || watch(s, EPOLL_CTL_MOD, c->fd, EPOLLIN, i)) {
		conn_close(s, c);
		return;
	}
	c->state = CONN_DRAIN;
}

void http_server_work(struct http_server *s)
{
	struct epoll_event evs[32];
	uint64_t now;
	int n;

	while ((n = epoll_wait(s->ep, evs, 32, 0)) > 0) {
		for (int k = 0; k < n; k++) {
			uint32_t id = evs[k].data.u32;
			struct conn *c = &s->conns[id == LISTEN_ID ? 0 : id];

			if (id == LISTEN_ID)
				accept_all(s);
			else if (c->state == CONN_WRITE)
				on_writable(s, c, id);
			else if (c->state != CONN_FREE)
				on_readable(s, c, id);
		}
		if (n < 32)
			break;
	}
	now = now_ms();
	for (size_t i = 0; i < HTTP_CONNECTIONS; i++) {
		if (s->conns[i].state != CONN_FREE && now >= s->conns[i].deadline_ms)
			conn_close(s, &s->conns[i]);
	}
}

int http_server_timeout_ms(const struct http_server *s)
{
	uint64_t next = UINT64_MAX, now = now_ms();

	for (size_t i = 0; i < HTTP_CONNECTIONS; i++) {
		if (s->conns[i].state != CONN_FREE && s->conns[i].deadline_ms < next)
			next = s->conns[i].deadline_ms;
	}
	if (next == UINT64_MAX)
		return -1;
	return next > now ? (int)(next - now) : 0;
}
