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
