/*
 * utf8: sanitising copies of log text. Output is always valid UTF-8 with
 * no control characters but tab (shown as a space), NUL-terminated, and at
 * most cap - 1 bytes long, cut at a character boundary.
 */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t
utf8_seqlen(const unsigned char *p, size_t n)
{
	size_t   len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	c = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/* Copies n bytes of in to out (cap bytes) as clean UTF-8; returns length. */
size_t
utf8_sanitize(const char *in, size_t n, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	static const char    repl[] = "\xef\xbf\xbd";
	size_t               i = 0, o = 0, len;

	if (cap == 0)
		return 0;
	while (i < n) {
		len = utf8_seqlen(p + i, n - i);
		if (len == 0 || p[i] == 0) {
			if (o + 3 >= cap)
				break;
			memcpy(out + o, repl, 3);
			o += 3;
			i++;
			continue;
		}
		if (o + len >= cap)
			break;
		if (len == 1 && (p[i] < 0x20 || p[i] == 0x7f))
			out[o] = ' ';
		else
			memcpy(out + o, p + i, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
	return o;
}

/* Writes code point c as UTF-8 at out; returns the length (1..4). */
static size_t
utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * Converts UTF-16 (big-endian if be) in[0..n) to UTF-8 in out, which has
 * room for 2 * n bytes. A unit cut at the end (an odd byte, a high
 * surrogate whose pair has not come yet) is left: *used says how much of
 * in was converted. A lone surrogate becomes U+FFFD. Returns the length.
 */
size_t
utf8_from_utf16(
    const unsigned char *in, size_t n, int be, char *out, size_t *used)
{
	size_t   i = 0, o = 0;
	uint32_t u, lo;

	while (i + 2 <= n) {
		u = be ? (uint32_t)(in[i] << 8 | in[i + 1])
		       : (uint32_t)(in[i + 1] << 8 | in[i]);
		if (u >= 0xd800 && u <= 0xdbff) {
			if (i + 4 > n)
				break; /* its pair is in the next chunk */
			lo = be ? (uint32_t)(in[i + 2] << 8 | in[i + 3])
				: (uint32_t)(in[i + 3] << 8 | in[i + 2]);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				o += utf8_put(out + o,
				    0x10000 + ((u - 0xd800) << 10) +
					(lo - 0xdc00));
				i += 4;
				continue;
			}
			u = 0xfffd;
		} else if (u >= 0xdc00 && u <= 0xdfff)
			u = 0xfffd;
		o += utf8_put(out + o, u);
		i += 2;
	}
	*used = i;
	return o;
}
