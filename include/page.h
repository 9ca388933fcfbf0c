/*
 * page: the incident page (daemon/page/index.html), built into the
 * binary: the daemon serves it at GET /, replay's --format html is the
 * same page with the report inlined where it says <!--TIMELINED_DATA-->.
 */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

#define PAGE_DATA_MARK "<!--TIMELINED_DATA-->"

extern const unsigned char page_html[];
extern const size_t        page_html_len;

#endif /* PAGE_H */
