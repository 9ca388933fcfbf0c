/*
 * Unit tests for tz.c: zones from the system tzdata and from hand-made
 * TZif files, fixed offsets, local-to-UTC conversion across DST changes,
 * and abbreviation lookup. Expected instants were worked out with
 * `TZ=<zone> date -d @<t>` and `date -u -d <iso> +%s`, not with tz.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tz.h"

#define HOUR 3600

static const char *test_tzdir; /* the zone directory tz_init() was given */

/* Starts the zone cache afresh as if TZ were tz (NULL: unset). */
static void
tz_env(const char *tz)
{
	tz_cache_free();
	tz_init(test_tzdir, tz);
}

/* A TZif file being assembled in memory. */
struct tzif {
	uint8_t b[512];
	size_t  n;
};

/* Appends a big-endian integer of size bytes. */
static void
put_be(struct tzif *f, uint64_t v, size_t size)
{
	size_t i;

	for (i = size; i > 0; i--)
		f->b[f->n++] = (uint8_t)(v >> ((i - 1) * 8));
}

/* Appends raw bytes. */
static void
put_bytes(struct tzif *f, const void *p, size_t len)
{
	memcpy(f->b + f->n, p, len);
	f->n += len;
}

/* Appends a TZif header with the given version byte and counts. */
static void
put_hdr(struct tzif *f, char version, uint32_t timecnt, uint32_t typecnt,
    uint32_t charcnt)
{
	static const uint8_t zero[15];

	put_bytes(f, "TZif", 4);
	put_bytes(f, &version, 1);
	put_bytes(f, zero, sizeof(zero));
	put_be(f, 0, 4); /* isutcnt */
	put_be(f, 0, 4); /* isstdcnt */
	put_be(f, 0, 4); /* leapcnt */
	put_be(f, timecnt, 4);
	put_be(f, typecnt, 4);
	put_be(f, charcnt, 4);
}

/* Appends one ttinfo record. */
static void
put_ttinfo(struct tzif *f, int32_t off, uint8_t isdst, uint8_t idx)
{
	put_be(f, (uint32_t)off, 4);
	put_bytes(f, &isdst, 1);
	put_bytes(f, &idx, 1);
}

/* Builds a slim v2 file: one CET type, no transitions, only the footer. */
static void
build_slim(struct tzif *f, const char *footer)
{
	int i;

	f->n = 0;
	for (i = 0; i < 2; i++) {
		put_hdr(f, '2', 0, 1, 4);
		put_ttinfo(f, HOUR, 0, 0);
		put_bytes(f, "CET", 4);
	}
	put_bytes(f, footer, strlen(footer));
}

/* Builds a v1-only file: AAA +1 until 0, BBB +2 until 1000000, then AAA. */
static void
build_v1(struct tzif *f, uint8_t second_idx)
{
	f->n = 0;
	put_hdr(f, '\0', 2, 2, 8);
	put_be(f, 0, 4);
	put_be(f, 1000000, 4);
	put_bytes(f, (uint8_t[]){1, second_idx}, 2);
	put_ttinfo(f, HOUR, 0, 0);
	put_ttinfo(f, 2 * HOUR, 1, 4);
	put_bytes(f, "AAA\0BBB", 8);
}

/* Writes a built file as dir/name. */
static void
write_tzif(const char *dir, const char *name, const struct tzif *f)
{
	char  path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(f->b, 1, f->n, fp), f->n);
	assert_int_equal(fclose(fp), 0);
}

/* Removes dir/name. */
static void
remove_tzif(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Checks the offset and abbreviation one second before and at t. */
static void
assert_change(const struct tz *tz, int64_t t, int32_t before,
    const char *abbr_before, int32_t after, const char *abbr_after)
{
	assert_int_equal(tz_offset_at(tz, t - 1), before);
	assert_string_equal(tz_abbr_at(tz, t - 1), abbr_before);
	assert_int_equal(tz_offset_at(tz, t), after);
	assert_string_equal(tz_abbr_at(tz, t), abbr_after);
}

/* Converts local to UTC and checks the result and flags. */
static void
assert_local(const struct tz *tz, int64_t local, int64_t prev, int64_t want,
    int want_flags)
{
	int flags = 0;

	assert_int_equal(tz_local_to_utc(tz, local, prev, &flags), want);
	assert_int_equal(flags, want_flags);
}

/* Africa/Lagos is WAT, +01:00, all year. */
static void
test_tz_lagos_wat(void **state)
{
	const struct tz *tz;
	int32_t          off;

	(void)state;
	assert_non_null(tz = tz_get("Africa/Lagos"));
	assert_string_equal(tz_name(tz), "Africa/Lagos");
	assert_int_equal(tz_offset_at(tz, 1717200000), HOUR); /* 2024-06-01 */
	assert_string_equal(tz_abbr_at(tz, 1717200000), "WAT");
	assert_int_equal(tz_offset_at(tz, 2846473200), HOUR); /* 2060 */
	assert_int_equal(tz_abbr_offset("WAT", tz, &off), 1);
	assert_int_equal(off, HOUR);
	/* 2024-06-01 12:00 local is 11:00Z. */
	assert_local(tz, 1717243200, INT64_MIN, 1717243200 - HOUR, 0);
}

/* Berlin springs forward at 2024-03-31 01:00Z; 02:30 local does not exist. */
static void
test_tz_berlin_gap(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("Europe/Berlin"));
	assert_change(tz, 1711846800, HOUR, "CET", 2 * HOUR, "CEST");
	/* 02:30 local maps with the old offset, +1: 01:30Z. */
	assert_local(tz, 1711852200, INT64_MIN, 1711848600, TZ_GAP);
	/* 01:30 local is 00:30Z; 03:30 local is 01:30Z. */
	assert_local(tz, 1711848600, INT64_MIN, 1711845000, 0);
	assert_local(tz, 1711855800, INT64_MIN, 1711848600, 0);
	assert_int_equal(
	    tz_local_to_utc(tz, 1711852200, INT64_MIN, NULL), 1711848600);
}

/* Berlin falls back at 2024-10-27 01:00Z; 02:30 local happens twice. */
static void
test_tz_berlin_overlap(void **state)
{
	const struct tz *tz;
	int              flags = TZ_GAP;

	(void)state;
	assert_non_null(tz = tz_get("Europe/Berlin"));
	assert_change(tz, 1729990800, 2 * HOUR, "CEST", HOUR, "CET");
	/* Earlier candidate 00:30Z, later 01:30Z. */
	assert_local(tz, 1729996200, INT64_MIN, 1729989000, TZ_AMBIGUOUS);
	/* The previous line at 00:45Z is past the earlier one: the later. */
	assert_local(tz, 1729996200, 1729989900, 1729992600, TZ_AMBIGUOUS);
	/* A previous line exactly at the earlier one keeps the earlier. */
	assert_local(tz, 1729996200, 1729989000, 1729989000, TZ_AMBIGUOUS);
	/* Flags are or-ed in, not replaced. */
	tz_local_to_utc(tz, 1729996200, INT64_MIN, &flags);
	assert_int_equal(flags, TZ_GAP | TZ_AMBIGUOUS);
}

/* Berlin in 2037 and 2100, years covered by the TZ string footer. */
static void
test_tz_berlin_future(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("Europe/Berlin"));
	assert_change(tz, 2121901200, HOUR, "CET", 2 * HOUR, "CEST");
	assert_change(tz, 2140045200, 2 * HOUR, "CEST", HOUR, "CET");
	assert_change(tz, 4109878800, HOUR, "CET", 2 * HOUR, "CEST");
	assert_change(tz, 4128627600, 2 * HOUR, "CEST", HOUR, "CET");
	/* 2100-03-28 02:30 local is in the gap: 01:30Z. */
	assert_local(tz, 4109884200, INT64_MIN, 4109880600, TZ_GAP);
}

/* New York, both 2024 changes, with gap and overlap. */
static void
test_tz_new_york_2024(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("America/New_York"));
	assert_change(tz, 1710054000, -5 * HOUR, "EST", -4 * HOUR, "EDT");
	assert_change(tz, 1730613600, -4 * HOUR, "EDT", -5 * HOUR, "EST");
	/* 2024-03-10 02:30 local: gap, old offset -5 gives 07:30Z. */
	assert_local(tz, 1710037800, INT64_MIN, 1710055800, TZ_GAP);
	/* 2024-11-03 01:30 local: 05:30Z (EDT) or 06:30Z (EST). */
	assert_local(tz, 1730597400, INT64_MIN, 1730611800, TZ_AMBIGUOUS);
	assert_local(tz, 1730597400, 1730612000, 1730615400, TZ_AMBIGUOUS);
}

/* New York in 2037 and 2060, footer-era years. */
static void
test_tz_new_york_2037(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("America/New_York"));
	assert_change(tz, 2120108400, -5 * HOUR, "EST", -4 * HOUR, "EDT");
	assert_change(tz, 2140668000, -4 * HOUR, "EDT", -5 * HOUR, "EST");
	assert_change(tz, 2846473200, -5 * HOUR, "EST", -4 * HOUR, "EDT");
	/* 2037-11-01 01:30 local: 05:30Z or 06:30Z. */
	assert_local(tz, 2140651800, INT64_MIN, 2140666200, TZ_AMBIGUOUS);
	assert_local(tz, 2140651800, 2140667000, 2140669800, TZ_AMBIGUOUS);
}

/* Sydney: DST from October to April, across the new year. */
static void
test_tz_sydney_southern(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("Australia/Sydney"));
	assert_int_equal(tz_offset_at(tz, 1705320000), 11 * HOUR); /* Jan */
	assert_int_equal(tz_offset_at(tz, 1721044800), 10 * HOUR); /* Jul */
	assert_int_equal(tz_offset_at(tz, 2115633600), 11 * HOUR); /* 2037 */
	assert_change(tz, 1712419200, 11 * HOUR, "AEDT", 10 * HOUR, "AEST");
	assert_change(tz, 1728144000, 10 * HOUR, "AEST", 11 * HOUR, "AEDT");
	/* 2024-10-06 02:30 local: gap, +10 gives 2024-10-05 16:30Z. */
	assert_local(tz, 1728181800, INT64_MIN, 1728145800, TZ_GAP);
	/* 2024-04-07 02:30 local: 15:30Z (AEDT) or 16:30Z (AEST). */
	assert_local(tz, 1712457000, INT64_MIN, 1712417400, TZ_AMBIGUOUS);
}

/* Lord Howe: +10:30 standard, a 30-minute DST to +11. */
static void
test_tz_lord_howe_half_hour_dst(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("Australia/Lord_Howe"));
	assert_change(
	    tz, 1728142200, 10 * HOUR + 1800, "+1030", 11 * HOUR, "+11");
	assert_change(
	    tz, 1712415600, 11 * HOUR, "+11", 10 * HOUR + 1800, "+1030");
	/* 2024-10-06 02:15 local: gap, +10:30 gives 2024-10-05 15:45Z. */
	assert_local(tz, 1728180900, INT64_MIN, 1728143100, TZ_GAP);
	/* 2024-04-07 01:45 local: 14:45Z (+11) or 15:15Z (+10:30). */
	assert_local(tz, 1712454300, INT64_MIN, 1712414700, TZ_AMBIGUOUS);
	assert_local(tz, 1712454300, 1712414800, 1712416500, TZ_AMBIGUOUS);
}

/* Kolkata is +05:30 IST, Kathmandu +05:45, all year. */
static void
test_tz_kolkata_kathmandu(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("Asia/Kolkata"));
	assert_int_equal(tz_offset_at(tz, 1721044800), 5 * HOUR + 1800);
	assert_string_equal(tz_abbr_at(tz, 1721044800), "IST");
	assert_int_equal(tz_offset_at(tz, 2846473200), 5 * HOUR + 1800);
	assert_non_null(tz = tz_get("Asia/Kathmandu"));
	assert_int_equal(tz_offset_at(tz, 1721044800), 5 * HOUR + 2700);
	assert_string_equal(tz_abbr_at(tz, 1721044800), "+0545");
	assert_int_equal(tz_offset_at(tz, 2846473200), 5 * HOUR + 2700);
	/* 2024-06-01 12:00 local is 06:15Z. */
	assert_local(tz, 1717243200, INT64_MIN, 1717243200 - 20700, 0);
}

/* St. John's is -03:30 NST in winter and -02:30 NDT in summer. */
static void
test_tz_st_johns(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("America/St_Johns"));
	assert_int_equal(tz_offset_at(tz, 1705320000), -3 * HOUR - 1800);
	assert_string_equal(tz_abbr_at(tz, 1705320000), "NST");
	assert_int_equal(tz_offset_at(tz, 1721044800), -2 * HOUR - 1800);
	assert_string_equal(tz_abbr_at(tz, 1721044800), "NDT");
	assert_int_equal(tz_offset_at(tz, 2131272000), -2 * HOUR - 1800);
}

/* Negative offsets: Los Angeles and fixed "-0530", "-08:00". */
static void
test_tz_negative_offsets(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("America/Los_Angeles"));
	assert_int_equal(tz_offset_at(tz, 1705320000), -8 * HOUR);
	assert_string_equal(tz_abbr_at(tz, 1705320000), "PST");
	assert_int_equal(tz_offset_at(tz, 2131272000), -7 * HOUR);
	assert_non_null(tz = tz_get("-0530"));
	assert_string_equal(tz_name(tz), "-05:30");
	assert_int_equal(tz_offset_at(tz, 0), -5 * HOUR - 1800);
	assert_string_equal(tz_abbr_at(tz, 0), "-05:30");
	assert_non_null(tz = tz_get("-08:00"));
	/* 1970-01-01 00:00 local at -8 is 08:00Z. */
	assert_local(tz, 0, INT64_MIN, 8 * HOUR, 0);
	/* Before 1970 too. */
	assert_local(tz, -86400, INT64_MIN, -86400 + 8 * HOUR, 0);
}

/* Dublin's negative DST: IST +1 in summer, GMT in winter, via the rule. */
static void
test_tz_dublin_negative_dst(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("Europe/Dublin"));
	assert_int_equal(tz_offset_at(tz, 1705320000), 0);
	assert_int_equal(tz_offset_at(tz, 1721044800), HOUR);
	assert_string_equal(tz_abbr_at(tz, 1721044800), "IST");
	/* 2040-03-25 01:00Z and 2040-10-28 01:00Z. */
	assert_change(tz, 2216250000, 0, "GMT", HOUR, "IST");
	assert_change(tz, 2234998800, HOUR, "IST", 0, "GMT");
}

/* "GMT+3" means +3 as people write it; "Etc/GMT+3" keeps POSIX's -3. */
static void
test_tz_gmt_plus_vs_etc(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("GMT+3"));
	assert_int_equal(tz_offset_at(tz, 0), 3 * HOUR);
	assert_string_equal(tz_name(tz), "+03:00");
	assert_non_null(tz = tz_get("Etc/GMT+3"));
	assert_string_equal(tz_name(tz), "Etc/GMT+3");
	assert_int_equal(tz_offset_at(tz, 1721044800), -3 * HOUR);
	assert_string_equal(tz_abbr_at(tz, 1721044800), "-03");
	assert_int_equal(tz_offset_at(tz_get("UTC+03:00"), 0), 3 * HOUR);
	assert_int_equal(tz_offset_at(tz_get("UTC-5"), 0), -5 * HOUR);
	assert_int_equal(
	    tz_offset_at(tz_get("GMT-03:30"), 0), -3 * HOUR - 1800);
	assert_int_equal(tz_offset_at(tz_get("gmt-0330"), 0), -3 * HOUR - 1800);
	assert_null(tz_get("GMT+15"));
	assert_null(tz_get("GMT+3:7"));
}

/* "IST" is ambiguous alone and decided by a zone that uses it. */
static void
test_tz_ist_ambiguity(void **state)
{
	int32_t off = 12345;

	(void)state;
	assert_int_equal(tz_abbr_offset("IST", NULL, &off), -1);
	assert_int_equal(off, 12345);
	assert_int_equal(
	    tz_abbr_offset("IST", tz_get("Africa/Lagos"), &off), -1);
	assert_int_equal(
	    tz_abbr_offset("IST", tz_get("Asia/Kolkata"), &off), 1);
	assert_int_equal(off, 5 * HOUR + 1800);
	assert_int_equal(
	    tz_abbr_offset("IST", tz_get("Europe/Dublin"), &off), 1);
	assert_int_equal(off, HOUR);
	assert_int_equal(
	    tz_abbr_offset("IST", tz_get("Asia/Jerusalem"), &off), 1);
	assert_int_equal(off, 2 * HOUR);
}

/*
 * Every abbreviation that names several offsets is left to a hint zone
 * that uses it, like IST; an old name of the hint's own (Australia's EST)
 * is left to the hint zone's local time.
 */
static void
test_tz_ambiguous_abbrs(void **state)
{
	static const struct {
		const char *abbr, *zone;
		int32_t     off;
	} decided[] = {
	    {"CST", "America/Chicago", -6 * HOUR},
	    {"CST", "Asia/Shanghai", 8 * HOUR},
	    {"CST", "America/Havana", -5 * HOUR},
	    {"CDT", "America/Chicago", -5 * HOUR},
	    {"CDT", "America/Havana", -4 * HOUR},
	    {"BST", "Europe/London", HOUR},
	    {"AST", "America/Halifax", -4 * HOUR},
	    {"ADT", "America/Halifax", -3 * HOUR},
	    {"SST", "Pacific/Pago_Pago", -11 * HOUR},
	    {"PST", "America/Los_Angeles", -8 * HOUR},
	    {"PST", "Asia/Manila", 8 * HOUR},
	};
	static const char *const ambiguous[] = {
	    "CST", "CDT", "BST", "AST", "ADT", "SST", "PST", "WAST", "IST"};
	int32_t off;
	size_t  i;

	(void)state;
	for (i = 0; i < sizeof(ambiguous) / sizeof(ambiguous[0]); i++) {
		assert_true(tz_abbr_known(ambiguous[i]));
		assert_int_equal(tz_abbr_offset(ambiguous[i], NULL, &off), -1);
		assert_int_equal(
		    tz_abbr_offset(ambiguous[i], tz_get("UTC"), &off), -1);
	}
	for (i = 0; i < sizeof(decided) / sizeof(decided[0]); i++) {
		off = 12345;
		assert_int_equal(tz_abbr_offset(decided[i].abbr,
				     tz_get(decided[i].zone), &off),
		    1);
		assert_int_equal(off, decided[i].off);
	}
	/* EST is US Eastern, except as Australia's old name for AEST. */
	assert_int_equal(tz_abbr_offset("EST", NULL, &off), 1);
	assert_int_equal(off, -5 * HOUR);
	assert_int_equal(tz_abbr_offset("EST", tz_get("UTC"), &off), 1);
	assert_int_equal(
	    tz_abbr_offset("EST", tz_get("Australia/Sydney"), &off), -1);
	assert_int_equal(
	    tz_abbr_offset("EST", tz_get("Australia/Melbourne"), &off), -1);
	assert_int_equal(
	    tz_abbr_offset("EST", tz_get("America/New_York"), &off), 1);
	assert_int_equal(off, -5 * HOUR);
}

/* The hint zone wins over the table; the table and offsets otherwise. */
static void
test_tz_abbr_lookup(void **state)
{
	int32_t off;

	(void)state;
	assert_int_equal(
	    tz_abbr_offset("BST", tz_get("Europe/London"), &off), 1);
	assert_int_equal(off, HOUR);
	assert_int_equal(
	    tz_abbr_offset("CST", tz_get("America/Chicago"), &off), 1);
	assert_int_equal(off, -6 * HOUR);
	assert_int_equal(tz_abbr_offset("CEST", NULL, &off), 1);
	assert_int_equal(off, 2 * HOUR);
	assert_int_equal(tz_abbr_offset("NPT", NULL, &off), 1);
	assert_int_equal(off, 5 * HOUR + 2700);
	assert_int_equal(tz_abbr_offset("NST", NULL, &off), 1);
	assert_int_equal(off, -3 * HOUR - 1800);
	assert_int_equal(tz_abbr_offset("ACDT", NULL, &off), 1);
	assert_int_equal(off, 10 * HOUR + 1800);
	assert_int_equal(tz_abbr_offset("utc", NULL, &off), 1);
	assert_int_equal(off, 0);
	assert_int_equal(tz_abbr_offset("z", NULL, &off), 1);
	assert_int_equal(tz_abbr_offset("UT", NULL, &off), 1);
	assert_int_equal(tz_abbr_offset("GMT+3", NULL, &off), 1);
	assert_int_equal(off, 3 * HOUR);
	assert_int_equal(tz_abbr_offset("UTC-5", NULL, &off), 1);
	assert_int_equal(off, -5 * HOUR);
	assert_int_equal(tz_abbr_offset("GMT-0330", NULL, &off), 1);
	assert_int_equal(off, -3 * HOUR - 1800);
	assert_int_equal(tz_abbr_offset("-03", NULL, &off), 1);
	assert_int_equal(off, -3 * HOUR);
	assert_int_equal(tz_abbr_offset("pst", NULL, &off), 0);
	assert_int_equal(tz_abbr_offset("XYZ", NULL, &off), 0);
	assert_int_equal(tz_abbr_offset("", NULL, &off), 0);
}

/*
 * One table: every abbreviation tz_abbr_known() trusts resolves, alone or
 * (when ambiguous) with a hint zone that uses it; the names the parser's
 * and tz's tables once disagreed on resolve both ways.
 */
static void
test_tz_abbr_table_one_way(void **state)
{
	static const struct {
		const char *abbr;
		int32_t     off;
	} once_disputed[] = {
	    {"MEZ", HOUR},
	    {"MESZ", 2 * HOUR},
	    {"MET", HOUR},
	    {"MEST", 2 * HOUR},
	    {"NPT", 5 * HOUR + 2700},
	};
	const char *name;
	int32_t     off;
	size_t      i;
	int         rc;

	(void)state;
	for (i = 0; (name = tz_abbr_nth(i)) != NULL; i++) {
		assert_true(tz_abbr_known(name));
		rc = tz_abbr_offset(name, NULL, &off);
		if (rc != 1)
			print_message("%s: %d\n", name, rc);
		assert_true(rc == 1 || rc == -1);
	}
	assert_true(i > 40);
	for (i = 0; i < sizeof(once_disputed) / sizeof(once_disputed[0]); i++) {
		assert_true(tz_abbr_known(once_disputed[i].abbr));
		assert_int_equal(
		    tz_abbr_offset(once_disputed[i].abbr, NULL, &off), 1);
		assert_int_equal(off, once_disputed[i].off);
	}
	/* ADT and WAST name several offsets: known, left to a hint zone. */
	assert_true(tz_abbr_known("ADT"));
	assert_true(tz_abbr_known("WAST"));
	assert_false(tz_abbr_known("INFO"));
	assert_false(tz_abbr_known("XYZ"));
	assert_false(tz_abbr_known(NULL));
}

/* Unknown or unsafe names give NULL. */
static void
test_tz_unknown_zone(void **state)
{
	(void)state;
	assert_null(tz_get("Nowhere/Land"));
	assert_null(tz_get("Nowhere/Land")); /* remembered, still NULL */
	assert_null(tz_get(""));
	assert_null(tz_get(NULL));
	assert_null(tz_get("../../../etc/passwd"));
	assert_null(tz_get("Europe/../Europe/Berlin"));
	assert_null(tz_get("/usr/share/zoneinfo/Europe/Berlin"));
	assert_null(tz_get("Europe")); /* a directory */
	assert_null(tz_get("Europe/Ber lin"));
	assert_null(tz_get("+25:00"));
}

/* tz_parse_offset takes only whole, well-formed offsets up to 14:00. */
static void
test_tz_parse_offset_errors(void **state)
{
	static const char *const bad[] = {"", "+", "+1", "01:00", "+010",
	    "+01:0", "+01:000", "+01:60", "+1500", "+14:01", "+15", "+01:00x",
	    " +01:00", "+01::00", "+0a", "UTC", "--01", "+01:00:00", "ZZ"};
	int32_t                  off;
	size_t                   i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tz_parse_offset(bad[i], &off), -1);
	assert_int_equal(tz_parse_offset("+01:00", &off), 0);
	assert_int_equal(off, HOUR);
	assert_int_equal(tz_parse_offset("-0530", &off), 0);
	assert_int_equal(off, -5 * HOUR - 1800);
	assert_int_equal(tz_parse_offset("+05", &off), 0);
	assert_int_equal(off, 5 * HOUR);
	assert_int_equal(tz_parse_offset("+0545", &off), 0);
	assert_int_equal(off, 5 * HOUR + 2700);
	assert_int_equal(tz_parse_offset("+14:00", &off), 0);
	assert_int_equal(off, 14 * HOUR);
	assert_int_equal(tz_parse_offset("-12:00", &off), 0);
	assert_int_equal(off, -12 * HOUR);
	assert_int_equal(tz_parse_offset("Z", &off), 0);
	assert_int_equal(off, 0);
}

/* The cache hands out one pointer per name and per fixed offset. */
static void
test_tz_cache_same_pointer(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("Europe/Berlin"));
	assert_ptr_equal(tz_get("Europe/Berlin"), tz);
	assert_non_null(tz = tz_get_fixed(HOUR));
	assert_string_equal(tz_name(tz), "+01:00");
	assert_ptr_equal(tz_get("+01:00"), tz);
	assert_ptr_equal(tz_get("+0100"), tz);
	assert_ptr_equal(tz_get("GMT+1"), tz);
	assert_ptr_equal(tz_get_fixed(HOUR), tz);
	assert_non_null(tz = tz_get("UTC"));
	assert_string_equal(tz_name(tz), "UTC");
	assert_string_equal(tz_abbr_at(tz, 0), "UTC");
	assert_ptr_equal(tz_get("Z"), tz);
	assert_ptr_equal(tz_get("gmt"), tz);
	assert_ptr_equal(tz_get_fixed(0), tz);
	assert_string_equal(tz_name(tz_get_fixed(5 * HOUR + 1800)), "+05:30");
	assert_string_equal(tz_name(tz_get_fixed(-1521)), "-00:25:21");
	assert_null(tz_get_fixed(26 * HOUR));
}

/* tz_local() follows $TZ: a name, a path, a POSIX string, or junk. */
static void
test_tz_local_from_env(void **state)
{
	const struct tz *tz;

	(void)state;
	tz_env("Asia/Tokyo");
	assert_non_null(tz = tz_local());
	assert_string_equal(tz_name(tz), "Asia/Tokyo");
	assert_ptr_equal(tz_get("Asia/Tokyo"), tz);
	assert_ptr_equal(tz_get("localtime"), tz);
	tz_env(":Europe/Berlin");
	assert_string_equal(tz_name(tz_local()), "Europe/Berlin");
	tz_env(":/usr/share/zoneinfo/America/Sao_Paulo");
	assert_string_equal(tz_name(tz_local()), "America/Sao_Paulo");
	assert_int_equal(tz_offset_at(tz_local(), 1721044800), -3 * HOUR);
	tz_env("EST5EDT,M3.2.0,M11.1.0");
	assert_int_equal(tz_offset_at(tz_local(), 1721044800), -4 * HOUR);
	assert_int_equal(tz_offset_at(tz_local(), 1705320000), -5 * HOUR);
	tz_env("JST-9");
	assert_int_equal(tz_offset_at(tz_local(), 0), 9 * HOUR);
	assert_string_equal(tz_abbr_at(tz_local(), 0), "JST");
	tz_env("");
	assert_int_equal(tz_offset_at(tz_local(), 0), 0);
	tz_env("No/Such/Zone");
	assert_non_null(tz_local()); /* /etc/localtime or UTC */
	tz_env(NULL);
}

/* POSIX "Jn" skips February 29 and plain "n" counts it, in $TZ strings. */
static void
test_tz_posix_julian_days(void **state)
{
	(void)state;
	tz_env("AAA0BBB,J60/0,J300/0");
	/* J60 is March 1 in 2024 (leap) and 2023. */
	assert_change(tz_local(), 1709251200, 0, "AAA", HOUR, "BBB");
	assert_change(tz_local(), 1677628800, 0, "AAA", HOUR, "BBB");
	tz_env("AAA0BBB,59/0,300/0");
	/* Day 59 counted from 0 is February 29 in 2024. */
	assert_change(tz_local(), 1709164800, 0, "AAA", HOUR, "BBB");
	tz_env(NULL);
}

/* A slim v2 file with no transitions lives on its footer alone. */
static void
test_tz_slim_footer_only(void **state)
{
	const char      *dir = *state;
	const struct tz *tz;
	struct tzif      f;

	build_slim(&f, "\nCET-1CEST,M3.5.0,M10.5.0/3\n");
	write_tzif(dir, "slim", &f);
	assert_non_null(tz = tz_get("slim"));
	assert_change(tz, 1711846800, HOUR, "CET", 2 * HOUR, "CEST");
	assert_change(tz, 1729990800, 2 * HOUR, "CEST", HOUR, "CET");
	assert_change(tz, 2121901200, HOUR, "CET", 2 * HOUR, "CEST");
	assert_change(tz, 2140045200, 2 * HOUR, "CEST", HOUR, "CET");
	assert_local(tz, 1711852200, INT64_MIN, 1711848600, TZ_GAP);
	assert_local(tz, 1729996200, INT64_MIN, 1729989000, TZ_AMBIGUOUS);
	/* 2037-03-29 02:30 local is in the gap: 01:30Z. */
	assert_local(tz, 2121906600, INT64_MIN, 2121901200 + 1800, TZ_GAP);
	assert_int_equal(tz_abbr_offset("CEST", tz, &(int32_t){0}), 1);
	remove_tzif(dir, "slim");
}

/* A bad footer is ignored; the file's own types still answer. */
static void
test_tz_bad_footer_ignored(void **state)
{
	const char      *dir = *state;
	const struct tz *tz;
	struct tzif      f;

	build_slim(&f, "\nCET-1CEST,M13.5.0\n");
	write_tzif(dir, "badfooter", &f);
	assert_non_null(tz = tz_get("badfooter"));
	assert_int_equal(tz_offset_at(tz, 1721044800), HOUR);
	assert_string_equal(tz_abbr_at(tz, 1721044800), "CET");
	remove_tzif(dir, "badfooter");
}

/* A version 1 file uses its 32-bit transitions; type 0 comes first. */
static void
test_tz_v1_file(void **state)
{
	const char      *dir = *state;
	const struct tz *tz;
	struct tzif      f;

	build_v1(&f, 0);
	write_tzif(dir, "v1only", &f);
	assert_non_null(tz = tz_get("v1only"));
	assert_change(tz, 0, HOUR, "AAA", 2 * HOUR, "BBB");
	assert_change(tz, 1000000, 2 * HOUR, "BBB", HOUR, "AAA");
	assert_int_equal(tz_offset_at(tz, INT64_MAX), HOUR);
	assert_int_equal(tz_offset_at(tz, INT64_MIN), HOUR);
	remove_tzif(dir, "v1only");
}

/* Truncated files, bad type indices and non-TZif files are refused. */
static void
test_tz_malformed_files(void **state)
{
	const char *dir = *state;
	struct tzif f;

	build_v1(&f, 7); /* type index out of range */
	write_tzif(dir, "badidx", &f);
	assert_null(tz_get("badidx"));
	build_v1(&f, 0);
	f.n -= 3;
	write_tzif(dir, "short", &f);
	assert_null(tz_get("short"));
	memcpy(f.b, "TZip", 4);
	write_tzif(dir, "magic", &f);
	assert_null(tz_get("magic"));
	remove_tzif(dir, "badidx");
	remove_tzif(dir, "short");
	remove_tzif(dir, "magic");
}

/* Extreme instants and local times do not overflow. */
static void
test_tz_extremes(void **state)
{
	const struct tz *tz;

	(void)state;
	assert_non_null(tz = tz_get("America/New_York"));
	assert_int_equal(
	    tz_offset_at(tz, INT64_MIN), tz_offset_at(tz, INT64_MIN + 1));
	tz_offset_at(tz, INT64_MAX);
	tz_local_to_utc(tz, INT64_MAX, INT64_MIN, NULL);
	tz_local_to_utc(tz, INT64_MIN, INT64_MAX, NULL);
	tz_abbr_at(tz_get("Australia/Sydney"), INT64_MAX);
}

/* Points TZDIR at a fresh directory for the hand-made files. */
static int
setup_dir(void **state)
{
	static char dir[] = "/tmp/test_tz.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	test_tzdir = dir;
	tz_cache_free();
	tz_init(test_tzdir, NULL);
	return 0;
}

/* Removes the directory and frees every cached zone. */
static int
teardown_dir(void **state)
{
	test_tzdir = NULL;
	tz_cache_free();
	return rmdir(*state);
}

/* Frees the cache after the system-tzdata tests. */
static int
teardown_cache(void **state)
{
	(void)state;
	tz_cache_free();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest system[] = {
	    cmocka_unit_test(test_tz_lagos_wat),
	    cmocka_unit_test(test_tz_berlin_gap),
	    cmocka_unit_test(test_tz_berlin_overlap),
	    cmocka_unit_test(test_tz_berlin_future),
	    cmocka_unit_test(test_tz_new_york_2024),
	    cmocka_unit_test(test_tz_new_york_2037),
	    cmocka_unit_test(test_tz_sydney_southern),
	    cmocka_unit_test(test_tz_lord_howe_half_hour_dst),
	    cmocka_unit_test(test_tz_kolkata_kathmandu),
	    cmocka_unit_test(test_tz_st_johns),
	    cmocka_unit_test(test_tz_negative_offsets),
	    cmocka_unit_test(test_tz_dublin_negative_dst),
	    cmocka_unit_test(test_tz_gmt_plus_vs_etc),
	    cmocka_unit_test(test_tz_ist_ambiguity),
	    cmocka_unit_test(test_tz_abbr_lookup),
	    cmocka_unit_test(test_tz_ambiguous_abbrs),
	    cmocka_unit_test(test_tz_abbr_table_one_way),
	    cmocka_unit_test(test_tz_unknown_zone),
	    cmocka_unit_test(test_tz_parse_offset_errors),
	    cmocka_unit_test(test_tz_cache_same_pointer),
	    cmocka_unit_test(test_tz_local_from_env),
	    cmocka_unit_test(test_tz_posix_julian_days),
	    cmocka_unit_test(test_tz_extremes),
	};
	const struct CMUnitTest made[] = {
	    cmocka_unit_test(test_tz_slim_footer_only),
	    cmocka_unit_test(test_tz_bad_footer_ignored),
	    cmocka_unit_test(test_tz_v1_file),
	    cmocka_unit_test(test_tz_malformed_files),
	};
	int fail;

	fail = cmocka_run_group_tests_name(
	    "tz_system", system, NULL, teardown_cache);
	fail += cmocka_run_group_tests_name(
	    "tz_files", made, setup_dir, teardown_dir);
	return fail != 0;
}
