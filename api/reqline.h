/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A first look at what a new connection sends, before libmicrohttpd parses
 * it. libmicrohttpd 0.9.75 gives no reply to a request line of binary
 * garbage: a line starting with a NUL byte reads as an empty line and it
 * waits for another (the client hangs until the time-out), and a line it
 * cannot split is closed without an answer. Go's server, which dockerd
 * uses, answers both with 400. This is not a parser: it only tells whether
 * the bytes seen so far can begin an HTTP/1.x request line (a method
 * token, a request target without control bytes, a version); the real
 * parsing stays libmicrohttpd's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a new connection looked at (more are left to libmicrohttpd). */
#define REQLINE_PEEK 4096

/*
 * True when the first @n bytes a client sent (@n > 0) cannot begin an
 * HTTP/1.x request line: a method byte that is not a token character, a
 * control byte (NUL, DEL, a bare CR...) in the request target or the
 * version, or a method longer than any real one. Leading empty lines are
 * allowed, as RFC 9112 §2.2 asks.
 */
bool reqline_is_garbage(const char *p, size_t n);

/*
 * The same judgement on a request libmicrohttpd has already split, for
 * the later requests of a kept-alive connection (the first is judged
 * before libmicrohttpd sees it): true when @method is not a token of at
 * most 32 bytes, or @raw_target (as sent, before percent-decoding; NULL
 * when the line had none) holds a control byte.
 */
bool reqline_split_is_garbage(const char *method, const char *raw_target);

/*
 * True when the first @n bytes a client sent hold the whole request head:
 * an empty line (CRLF CRLF, or a bare LF LF as libmicrohttpd also takes)
 * ends it. Only a size judgement for the front door (a head seen whole in
 * REQLINE_PEEK bytes fits a small connection memory); not a parser.
 */
bool reqline_head_is_complete(const char *p, size_t n);

/*
 * The whole reply to such a connection: "400 Bad Request" with a Docker
 * {"message": ...} body and "Connection: close". Built once; never freed.
 */
const char *reqline_bad_reply(size_t *ret_len);
