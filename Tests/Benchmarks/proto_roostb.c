/*
 * Roost over WebSocket, JSON encoding, in Roost's batched modes (a wsbench plugin, "roostb").
 *
 *   publish    -b 1: {"op":"publish","topic":T,"data":"<payload>"}        (+ "id":1 with --window)
 *              -b N: {"op":"publish_batch","topic":T,"messages":[{"data":"<payload>"},...]}, N per frame
 *   confirm    {"op":"ok","id":1,...[,"count":N]}                         -> ev_ack(count or 1)
 *   subscribe  {"op":"subscribe","id":"s","topic":T,"from":..,"batch":B,"max_inflight":M}
 *              B = ROOSTB_SUB_BATCH (default 1000), M = ROOSTB_MAX_INFLIGHT (default 10000)
 *   delivery   {"op":"message",...} or {"op":"messages","sub":..,"messages":[{...,"data":"<payload>"},...]}
 *   flush      a publish with "id":"f" to T.flush                         -> ev_flushed
 *
 * With -b N the core calls encode_publish N times per frame with seq = sent + i; a frame starts at
 * seq % N == 0 and ends at seq % N == N - 1, so -w and -c must be multiples of N (checked in init).
 * wsbench payloads are letters and digits, so they go into a JSON string as they are.
 */
#define _GNU_SOURCE /* memmem */
#include "wsbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sub_batch = 1000;
static int max_inflight = 10000;

static int roostb_init(bench_opts *o)
{
    const char *e;
    if ((e = getenv("ROOSTB_SUB_BATCH")) != NULL) sub_batch = atoi(e);
    if ((e = getenv("ROOSTB_MAX_INFLIGHT")) != NULL) max_inflight = atoi(e);
    if (o->batch > 1 && ((o->window && o->window % o->batch) || (o->count && o->count % (uint64_t)o->batch))) {
        fprintf(stderr, "wsbench: roostb needs -w and -c to be multiples of -b\n");
        return -1;
    }
    return 0;
}

static void roostb_on_open(conn *c)
{
    char b[512];
    int n;
    switch (c->role) {
    case ROLE_SUB:
    case ROLE_REPLAY:
        n = snprintf(b, sizeof b,
                     "{\"op\":\"subscribe\",\"id\":\"s\",\"topic\":\"%s\",\"from\":\"%s\",\"batch\":%d,\"max_inflight\":%d}",
                     c->topic, c->role == ROLE_SUB ? "latest" : "earliest", sub_batch, max_inflight);
        conn_send(c, b, (size_t)n);
        break;
    default:
        ev_ready(c);
    }
}

static size_t roostb_encode_publish(conn *c, uint64_t seq, const uint8_t *payload, size_t len,
                                    uint8_t *out, size_t cap)
{
    const char *id = g_opt.window ? "\"id\":1," : "";
    int b = g_opt.batch, n;
    if (b <= 1) {
        n = snprintf((char *)out, cap, "{\"op\":\"publish\",%s\"topic\":\"%s\",\"data\":\"", id, c->topic);
        if (n < 0 || (size_t)n + len + 2 > cap) return 0;
        memcpy(out + n, payload, len);
        out[n + len] = '"';
        out[n + len + 1] = '}';
        return (size_t)n + len + 2;
    }
    int pos = (int)(seq % (uint64_t)b);
    if (pos == 0)
        n = snprintf((char *)out, cap, "{\"op\":\"publish_batch\",%s\"topic\":\"%s\",\"messages\":[{\"data\":\"", id, c->topic);
    else
        n = snprintf((char *)out, cap, ",{\"data\":\"");
    if (n < 0 || (size_t)n + len + 4 > cap) return 0;
    memcpy(out + n, payload, len);
    size_t m = (size_t)n + len;
    out[m++] = '"';
    out[m++] = '}';
    if (pos == b - 1) {
        out[m++] = ']';
        out[m++] = '}';
    }
    return m;
}

/* Find "key":<value> in JSON; returns a pointer to the value's first byte. */
static const uint8_t *field(const uint8_t *d, size_t len, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 3 <= len; i++) {
        if (d[i] == '"' && memcmp(d + i + 1, key, kl) == 0 && d[i + 1 + kl] == '"') {
            size_t j = i + kl + 2;
            while (j < len && (d[j] == ' ' || d[j] == ':')) j++;
            return j < len ? d + j : NULL;
        }
    }
    return NULL;
}

/* Every "data":"<payload>" in d[0..len) is one delivery (payloads hold no quotes; Roost writes no space around
 * the colon). memmem skips the other fields' bytes in wide steps: a byte-by-byte field search made this parser,
 * not the server, the bottleneck of a 100-subscriber fan-out. */
static void deliveries(conn *c, const uint8_t *d, size_t len)
{
    static const char key[] = "\"data\":\"";
    const uint8_t *end = d + len;
    while (d < end) {
        const uint8_t *v = memmem(d, (size_t)(end - d), key, sizeof key - 1);
        if (!v) return;
        v += sizeof key - 1;
        const uint8_t *q = memchr(v, '"', (size_t)(end - v));
        if (!q) return;
        ev_delivery(c, v, (size_t)(q - v));
        d = q + 1;
    }
}

static size_t roostb_parse(conn *c, const uint8_t *d, size_t len)
{
    const uint8_t *end = d + len;
    const uint8_t *op = field(d, len, "op");
    if (!op || *op != '"') return len;
    op++;
    if ((size_t)(end - op) >= 9 && memcmp(op, "messages\"", 9) == 0) {
        deliveries(c, d, len);
    } else if ((size_t)(end - op) >= 8 && memcmp(op, "message\"", 8) == 0) {
        deliveries(c, d, len);
    } else if ((size_t)(end - op) >= 3 && memcmp(op, "ok\"", 3) == 0) {
        const uint8_t *id = field(d, len, "id");
        if (!id) return len;
        if (*id == '1') {
            const uint8_t *count = field(d, len, "count");
            ev_ack(c, count ? strtoull((const char *)count, NULL, 10) : 1);
        } else if (id[0] == '"' && id[1] == 's') {
            ev_ready(c);
        } else if (id[0] == '"' && id[1] == 'f') {
            ev_flushed(c);
        }
    } else if ((size_t)(end - op) >= 6 && memcmp(op, "error\"", 6) == 0) {
        ev_error(c, "server error: %.*s", (int)(len > 200 ? 200 : len), (const char *)d);
    }
    return len;
}

static void roostb_flush(conn *c)
{
    char b[256];
    int n = snprintf(b, sizeof b, "{\"op\":\"publish\",\"id\":\"f\",\"topic\":\"%s.flush\",\"data\":\"f\"}", c->topic);
    conn_send(c, b, (size_t)n);
}

const proto_ops proto_roostb = {
    .name = "roostb",
    .ws_subprotocol = "roost.v1.json",
    .framing = FRAMING_MESSAGE,
    .ws_opcode = 1,
    .state_size = 0,
    .supports_replay = 1,
    .supports_acks = 1,
    .init = roostb_init,
    .on_open = roostb_on_open,
    .encode_publish = roostb_encode_publish,
    .parse = roostb_parse,
    .flush = roostb_flush,
};
