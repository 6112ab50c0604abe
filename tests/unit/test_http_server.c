// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The HTTP server (cli/http_server.c) on its own, its loop in a thread as usdtctl's poll loop
 * would run it: addresses (IPv4, IPv6, port 0, malformed, in use), the answers (200 with the
 * handler's body, HEAD, 404, 405, 400, 431, 500), and clients that send nothing while another is
 * served, closed at the deadline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include "http_server.h"
#include "test.h"

static atomic_bool stop;
static atomic_int scrapes;
static int handler_err;

static int handler(void *ctx, FILE *body)
{
	atomic_fetch_add(&scrapes, 1);
	fprintf(body, "%s %d\n", (const char *)ctx, atomic_load(&scrapes));
	return handler_err;
}

/* The owner's loop: wait on the server's fd, bounded by its deadlines, then let it work. */
static void *serve(void *arg)
{
	struct http_server *s = arg;
	struct pollfd p = {.fd = http_server_fd(s), .events = POLLIN};

	while (!atomic_load(&stop)) {
		int t = http_server_timeout_ms(s);

		poll(&p, 1, t < 0 || t > 50 ? 50 : t);
		http_server_work(s);
	}
	return NULL;
}

static int connect_to(const char *addr)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	struct addrinfo *ai, hints = {.ai_socktype = SOCK_STREAM};
	int fd;

	if (addr[0] == '[')
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr - 2), addr + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Sends req and reads the whole response (the server closes the connection) into buf. */
static ssize_t exchange(const char *addr, const char *req, size_t req_len, char *buf, size_t sz)
{
	struct timeval tv = {5, 0};
	int fd = connect_to(addr);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, req_len) != (ssize_t)req_len) {
		close(fd);
		return -1;
	}
	while (n < sz - 1 && (r = read(fd, buf + n, sz - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	close(fd);
	return n;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_answers(const char *addr)
{
	char buf[16384], *big;
	ssize_t n;

	n = exchange(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 34, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(starts(buf, "HTTP/1.1 200 OK\r\n"));
	CHECK(strstr(buf, "\r\nContent-Type: text/x-test\r\n"));
	CHECK(strstr(buf, "\r\nContent-Length: 7\r\n"));
	CHECK(strstr(buf, "\r\nConnection: close\r\n\r\nbody 1\n"));
	/* a query string is the same resource; a bare LF ends the head as well */
	n = exchange(addr, "GET /metrics?x=1 HTTP/1.0\n\n", 27, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 200 OK\r\n") && strstr(buf, "\r\n\r\nbody 2\n"));
	/* HEAD: the length of the body, not the body */
	n = exchange(addr, "HEAD /metrics HTTP/1.1\r\n\r\n", 26, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 200 OK\r\n") && strstr(buf, "Content-Length: 7\r\n"));
	CHECK(n > 4 && strcmp(buf + n - 4, "\r\n\r\n") == 0);
	exchange(addr, "GET / HTTP/1.1\r\n\r\n", 18, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 404 Not Found\r\n"));
	exchange(addr, "GET /metricsx HTTP/1.1\r\n\r\n", 26, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 404 Not Found\r\n"));
	exchange(addr, "POST /metrics HTTP/1.1\r\n\r\n", 26, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 405 Method Not Allowed\r\n") &&
	      strstr(buf, "\r\nAllow: GET, HEAD\r\n"));
	exchange(addr, "GET /metrics\r\n\r\n", 16, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 400 Bad Request\r\n"));
	exchange(addr, "GET /metrics SPDY/3\r\n\r\n", 23, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 400 Bad Request\r\n"));
	exchange(addr, "GET /\0 HTTP/1.1\r\n\r\n", 19, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 400 Bad Request\r\n"));
	/* a head longer than HTTP_REQUEST_MAX, never ended */
	big = malloc(HTTP_REQUEST_MAX + 100);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	memset(big + 26, 'y', HTTP_REQUEST_MAX + 100 - 26);
	exchange(addr, big, HTTP_REQUEST_MAX + 100, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
	free(big);
	/* the handler fails: a 500, not a partial body */
	handler_err = -EIO;
	exchange(addr, "GET /metrics HTTP/1.1\r\n\r\n", 25, buf, sizeof(buf));
	CHECK(starts(buf, "HTTP/1.1 500 Internal Server Error\r\n"));
	handler_err = 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Silent clients hold neither the loop nor the others; the deadline ends them. */
static void test_silent(const char *addr)
{
	int quiet[4], half = connect_to(addr);
	struct timeval tv = {HTTP_DEADLINE_MS / 1000 + 3, 0};
	double t0 = now_s(), took;
	char buf[4096], c;

	for (int i = 0; i < 4; i++)
		quiet[i] = connect_to(addr);
	CHECK(half >= 0 && write(half, "GET /met", 8) == 8);
	exchange(addr, "GET /metrics HTTP/1.1\r\n\r\n", 25, buf, sizeof(buf));
	took = now_s() - t0;
	CHECK(starts(buf, "HTTP/1.1 200 OK\r\n"));
	CHECK(took < 1);
	for (int i = 0; i < 5; i++) {
		int fd = i < 4 ? quiet[i] : half;

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* end of file, no response, once the deadline passed */
		CHECK_INT(read(fd, &c, 1), 0);
		close(fd);
	}
	took = now_s() - t0;
	CHECK(took >= HTTP_DEADLINE_MS / 1000.0 - 0.5);
	CHECK(took < HTTP_DEADLINE_MS / 1000.0 + 2);
}

static void test_addresses(void)
{
	static const char *const bad[] = {"9464",	"127.0.0.1",	  "[::1",
					  "[::1]9464",	"::1:9464",	  "127.0.0.1:http",
					  "127.0.0.1:", "127.0.0.1:65536"};
	struct http_server *a, *b;
	char addr[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(!http_server_new(bad[i], "/m", "t", handler, NULL));
		CHECK_INT(errno, EINVAL);
	}
	a = http_server_new("127.0.0.1:0", "/m", "t", handler, NULL);
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK(starts(http_server_address(a), "127.0.0.1:"));
	CHECK_INT(http_server_timeout_ms(a), -1);
	snprintf(addr, sizeof(addr), "%s", http_server_address(a));
	errno = 0;
	b = http_server_new(addr, "/m", "t", handler, NULL);
	CHECK(!b);
	CHECK_INT(errno, EADDRINUSE);
	http_server_free(a);
	/* IPv6 in brackets, where the host has it */
	a = http_server_new("[::1]:0", "/m", "t", handler, NULL);
	if (a || errno != EADDRNOTAVAIL) {
		CHECK(a && starts(http_server_address(a), "[::1]:"));
		http_server_free(a);
	}
}

int main(void)
{
	struct http_server *s;
	pthread_t loop;
	char addr[64];

	test_addresses();
	s = http_server_new("127.0.0.1:0", "/metrics", "text/x-test", handler, "body");
	CHECK(s != NULL);
	if (!s)
		return test_summary("test_http_server");
	snprintf(addr, sizeof(addr), "%s", http_server_address(s));
	pthread_create(&loop, NULL, serve, s);
	test_answers(addr);
	test_silent(addr);
	atomic_store(&stop, true);
	pthread_join(loop, NULL);
	http_server_free(s);
	return test_summary("test_http_server");
}
