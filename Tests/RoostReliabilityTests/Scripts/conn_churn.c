/*
 * conn_churn: connects and disconnects as fast as it can against a Roost server on loopback, to measure
 * connection churn (issue 7, "thousands of connects and disconnects per second"; Docs/reliability.md).
 *
 *   cc -O2 -o conn_churn conn_churn.c && ./conn_churn PORT [SECONDS=10] [WORKERS=4] [MODE=ws]
 *
 * Each worker process loops: socket, connect, (MODE ws) send a WebSocket upgrade for /v1/ws, read the
 * response head and require "101", send a masked close frame (1000), read the server's close frame;
 * (MODE tcp) nothing; then close(). A failure is counted and the loop goes on. At the end it prints one JSON
 * line: {"mode":..., "workers":..., "seconds":..., "completed":..., "failed":..., "per_second":...}.
 * Loopback only; every socket is closed before the next is opened (at most WORKERS open at once).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char upgrade[] =
    "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
/* Close frame, FIN + opcode 8, masked (key 0), payload 1000 big-endian. */
static const unsigned char close_frame[] = {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One connect/handshake/close round; 0 on success. */
static int round_trip(struct sockaddr_in *addr, int ws) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = -1;
    if (connect(fd, (struct sockaddr *)addr, sizeof *addr) != 0) goto out;
    if (!ws) { rc = 0; goto out; }
    if (write_all(fd, upgrade, sizeof upgrade - 1) != 0) goto out;
    char buf[2048];
    size_t have = 0;
    while (have < sizeof buf - 1) {
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
        if (r <= 0) goto out;
        have += (size_t)r;
        buf[have] = 0;
        if (strstr(buf, "\r\n\r\n")) break;
    }
    if (strncmp(buf, "HTTP/1.1 101", 12) != 0) goto out;
    if (write_all(fd, close_frame, sizeof close_frame) != 0) goto out;
    /* Wait for the server's close frame (or EOF): the close handshake completes. */
    char *end = strstr(buf, "\r\n\r\n") + 4;
    size_t extra = have - (size_t)(end - buf);
    while (extra < 2) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) break;
        extra += (size_t)r;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [SECONDS] [WORKERS] [ws|tcp]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    double seconds = argc > 2 ? atof(argv[2]) : 10;
    int workers = argc > 3 ? atoi(argv[3]) : 4;
    int ws = !(argc > 4 && strcmp(argv[4], "tcp") == 0);
    if (workers < 1 || workers > 64 || seconds <= 0) return 2;
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    long *counts = mmap(NULL, sizeof(long) * 2 * (size_t)workers, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counts == MAP_FAILED) return 1;
    double start = now();
    for (int w = 0; w < workers; w++) {
        if (fork() == 0) {
            long ok = 0, bad = 0;
            while (now() - start < seconds) {
                if (round_trip(&addr, ws) == 0) ok++; else bad++;
            }
            counts[2 * w] = ok;
            counts[2 * w + 1] = bad;
            _exit(0);
        }
    }
    while (wait(NULL) > 0) {}
    double elapsed = now() - start;
    long ok = 0, bad = 0;
    for (int w = 0; w < workers; w++) { ok += counts[2 * w]; bad += counts[2 * w + 1]; }
    printf("{\"mode\":\"%s\",\"workers\":%d,\"seconds\":%.2f,\"completed\":%ld,\"failed\":%ld,\"per_second\":%.0f}\n",
           ws ? "ws" : "tcp", workers, elapsed, ok, bad, ok / elapsed);
    return bad > 0 ? 1 : 0;
}
