/*
 * utf8: makes arbitrary log bytes safe for JSON and terminals: invalid
 * UTF-8, NUL and other control bytes become U+FFFD or spaces, and text is
 * cut only at character boundaries; UTF-16 input becomes UTF-8.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

size_t utf8_sanitize(const char *, size_t, char *, size_t);
size_t utf8_from_utf16(const unsigned char *, size_t, int, char *, size_t *);

#endif /* UTF8_H */
