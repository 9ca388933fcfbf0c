/*
 * in_gz: gzip decompression of a file descriptor, in bounded chunks, with
 * concatenated members and the header's mtime. The only module that
 * includes <zlib.h>.
 */
#ifndef IN_GZ_H
#define IN_GZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct in_gz;

int           in_gz_magic(const unsigned char *, size_t);
struct in_gz *in_gz_new(int, const unsigned char *, size_t);
void          in_gz_free(struct in_gz *);
ssize_t       in_gz_read(struct in_gz *, char *, size_t);
int64_t       in_gz_mtime(const struct in_gz *);
const char   *in_gz_error(const struct in_gz *);

#endif /* IN_GZ_H */
