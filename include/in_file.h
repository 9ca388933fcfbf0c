/*
 * in_file: reads a whole log file once, plain or gzip (told by its magic
 * bytes, never its name), or standard input for "-". Knows the file's
 * reference time for year inference. Not for tailing (in_tail.c).
 */
#ifndef IN_FILE_H
#define IN_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct in_file;

struct in_file *in_file_open(const char *, char *, size_t);
void            in_file_close(struct in_file *);
ssize_t         in_file_read(struct in_file *, char *, size_t);
int             in_file_is_gzip(const struct in_file *);
int             in_file_is_plain(const struct in_file *);
int64_t         in_file_gzip_mtime(const struct in_file *);
int64_t         in_file_mtime(const struct in_file *);
int64_t         in_file_size(const struct in_file *);
int64_t         in_file_offset(const struct in_file *);
const char     *in_file_error(const struct in_file *);
void in_file_identity(const struct in_file *, uint64_t *, uint64_t *);
int  in_file_skip(struct in_file *, uint64_t);

#endif /* IN_FILE_H */
