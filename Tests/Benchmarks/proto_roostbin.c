/*
 * Roost over WebSocket, binary encoding (subprotocol roost.v1.binary, Docs/protocol.md "Binary encoding"), in
 * Roost's batched modes (a wsbench plugin, "roostbin"). The same frames as the JSON plugin roostb:
 *
 *   publish    -b 1: 0x01 publish (id 1 with --window), topic T, the payload
 *              -b N: 0x02 publish_batch (id 1 with --window), topic T, count N, N x (entry flags 0, payload)
 *   confirm    0x81 ok with id 1 [and count]                              -> ev_ack(count or 1)
 *   subscribe  0x03 subscribe id "s", topic T, from latest|earliest, max_inflight M, batch B
 *              B = ROOSTB_SUB_BATCH (default 1000), M = ROOSTB_MAX_INFLIGHT (default 10000)
 *   delivery   0x82 message or 0x83 messages: message bodies, each ending in its payload
 *   flush      0x01 publish with id "f" to T.flush                        -> ev_flushed
 *
 * With -b N the core calls encode_publish N times per frame with seq = sent + i; a frame starts at
 * seq % N == 0 and ends at seq % N == N - 1, so -w and -c must be multiples of N (checked in init).
 */
#include "wsbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sub_batch = 1000;
static int max_inflight = 10000;

static int roostbin_init(bench_opts *o)
{
    const char *e;
    if ((e = getenv("ROOSTB_SUB_BATCH")) != NULL) sub_batch = atoi(e);
    if ((e = getenv("ROOSTB_MAX_INFLIGHT")) != NULL) max_inflight = atoi(e);
    if (o->batch > 1 && ((o->window && o->window % o->batch) || (o->count && o->count % (uint64_t)o->batch))) {
        fprintf(stderr, "wsbench: roostbin needs -w and -c to be multiples of -b\n");
        return -1;
    }
    return 0;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *put_bytes(uint8_t *p, const void *d, size_t n)
{
    p = put_varint(p, n);
    memcpy(p, d, n);
    return p + n;
}

/* Reads a varint at *p (below end); NULL past the end or on a malformed varint. */
static const uint8_t *get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
        uint8_t b = *p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return p;
        }
    }
    return NULL;
}

static const uint8_t *skip_bytes(const uint8_t *p, const uint8_t *end)
{
    uint64_t n;
    p = get_varint(p, end, &n);
    return p && n <= (uint64_t)(end - p) ? p + n : NULL;
}

static void roostbin_on_open(conn *c)
{
    uint8_t b[512], *p = b;
    switch (c->role) {
    case ROLE_SUB:
    case ROLE_REPLAY:
        *p++ = 0x03;
        *p++ = 0x02 | 0x08 | 0x10;                      /* from, max_inflight, batch */
        p = put_bytes(p, "\"s\"", 3);
        p = put_bytes(p, c->topic, strlen(c->topic));
        *p++ = c->role == ROLE_SUB ? 1 : 0;             /* latest | earliest */
        p = put_varint(p, (uint64_t)max_inflight);
        p = put_varint(p, (uint64_t)sub_batch);
        conn_send(c, b, (size_t)(p - b));
        break;
    default:
        ev_ready(c);
    }
}

static size_t roostbin_encode_publish(conn *c, uint64_t seq, const uint8_t *payload, size_t len,
                                      uint8_t *out, size_t cap)
{
    int b = g_opt.batch;
    size_t tl = strlen(c->topic);
    if (tl + len + 64 > cap) return 0;
    uint8_t *p = out;
    if (b <= 1 || seq % (uint64_t)b == 0) {
        *p++ = b <= 1 ? 0x01 : 0x02;
        *p++ = g_opt.window ? 0x01 : 0x00;
        if (g_opt.window) p = put_bytes(p, "1", 1);
        p = put_bytes(p, c->topic, tl);
        if (b > 1) p = put_varint(p, (uint64_t)b);
    }
    if (b > 1) *p++ = 0x00;                             /* entry flags: no key, headers or dedup id */
    p = put_bytes(p, payload, len);
    return (size_t)(p - out);
}

/* Message bodies back to back: flags, topic, offset, timestamp, [key], [headers], [deliveries], payload. */
static void deliveries(conn *c, const uint8_t *p, const uint8_t *end)
{
    uint64_t v, n;
    while (p && p < end) {
        uint8_t flags = *p++;
        p = skip_bytes(p, end);                         /* topic */
        if (p) p = get_varint(p, end, &v);              /* offset */
        if (p) p = get_varint(p, end, &v);              /* timestamp */
        if (p && (flags & 0x01)) p = skip_bytes(p, end);
        if (p && (flags & 0x02)) {
            p = get_varint(p, end, &n);
            for (uint64_t i = 0; p && i < 2 * n; i++) p = skip_bytes(p, end);
        }
        if (p && (flags & 0x04)) p = get_varint(p, end, &v);
        if (p) p = get_varint(p, end, &n);
        if (!p || n > (uint64_t)(end - p)) {
            ev_error(c, "malformed message body");
            return;
        }
        ev_delivery(c, p, (size_t)n);
        p += n;
    }
}

static size_t roostbin_parse(conn *c, const uint8_t *d, size_t len)
{
    const uint8_t *end = d + len, *p;
    uint64_t v;
    if (len < 2) return len;
    switch (d[0]) {
    case 0x82:
    case 0x83:
        deliveries(c, skip_bytes(d + 2, end), end);     /* after op, flags, sub */
        break;
    case 0x81: {
        uint8_t flags = d[1];
        uint64_t idlen;
        p = get_varint(d + 2, end, &idlen);
        if (!p || idlen > (uint64_t)(end - p) || idlen == 0) return len;
        const uint8_t *id = p;
        p += idlen;
        if (id[0] == '1') {
            uint64_t count = 1;
            if (flags & 0x01) p = get_varint(p, end, &v);
            if (p && (flags & 0x02)) p = get_varint(p, end, &v);
            if (p && (flags & 0x04)) p = get_varint(p, end, &count);
            ev_ack(c, p ? count : 1);
        } else if (idlen >= 2 && id[0] == '"' && id[1] == 's') {
            ev_ready(c);
        } else if (idlen >= 2 && id[0] == '"' && id[1] == 'f') {
            ev_flushed(c);
        }
        break;
    }
    case 0x85:
        ev_error(c, "server error frame (%zu bytes)", len);
        break;
    }
    return len;
}

static void roostbin_flush(conn *c)
{
    uint8_t b[256], *p = b;
    char topic[200];
    int tl = snprintf(topic, sizeof topic, "%s.flush", c->topic);
    *p++ = 0x01;
    *p++ = 0x01;
    p = put_bytes(p, "\"f\"", 3);
    p = put_bytes(p, topic, (size_t)tl);
    p = put_bytes(p, "f", 1);
    conn_send(c, b, (size_t)(p - b));
}

const proto_ops proto_roostbin = {
    .name = "roostbin",
    .ws_subprotocol = "roost.v1.binary",
    .framing = FRAMING_MESSAGE,
    .ws_opcode = 2,
    .state_size = 0,
    .supports_replay = 1,
    .supports_acks = 1,
    .init = roostbin_init,
    .on_open = roostbin_on_open,
    .encode_publish = roostbin_encode_publish,
    .parse = roostbin_parse,
    .flush = roostbin_flush,
};
