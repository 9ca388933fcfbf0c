/*
 * category: the one table of categories. Rule files name a category, the
 * incident engine asks whether it is a failure and how to title an
 * incident after it, outputs ask for its name and its lane. What a
 * category's lines look like is the rules' business, not this table's.
 */
#include <stddef.h>
#include <string.h>

#include "category.h"

/* One category: the table is indexed by enum category. */
struct category_info {
	const char *name;
	int         failure;
	const char *phrase; /* names an incident: "<phrase> after deploy" */
	const char *slug;   /* ends an incident id: "...Z-db" */
	int         lane;   /* position in a picture, -1 none */
};

static const struct category_info category_table[CATEGORY_COUNT] = {
    [CATEGORY_UNCLASSIFIED] = {"unclassified", 0, NULL, NULL, -1},
    [CATEGORY_DEPLOY] = {"deploy", 0, NULL, NULL, 0},
    [CATEGORY_CONFIG_CHANGE] = {"config_change", 0, NULL, NULL, 1},
    [CATEGORY_ROLLBACK] = {"rollback", 0, NULL, NULL, 2},
    [CATEGORY_RESTART] = {"restart", 0, NULL, NULL, 3},
    [CATEGORY_ALERT] = {"alert", 0, NULL, NULL, 4},
    [CATEGORY_RECOVERY] = {"recovery", 0, NULL, NULL, 13},
    [CATEGORY_DB_CONNECTION_ERROR] = {"db_connection_error", 1,
	"Database connection errors", "db", 6},
    [CATEGORY_POOL_EXHAUSTION] = {"pool_exhaustion", 1,
	"Connection pool exhaustion", "pool", 7},
    [CATEGORY_RESOURCE_EXHAUSTION] = {"resource_exhaustion", 1,
	"Resource exhaustion", "resource", 8},
    [CATEGORY_HARDWARE_FAILURE] = {"hardware_failure", 1, "Hardware errors",
	"hardware", 9},
    [CATEGORY_UPSTREAM_ERROR] = {"upstream_error", 1, "Upstream errors",
	"upstream", 10},
    [CATEGORY_EXTERNAL_DEPENDENCY] = {"external_dependency", 1,
	"External dependency failures", "external", 11},
    [CATEGORY_CRASH] = {"crash", 1, "Crashes", "crash", 12},
    [CATEGORY_NOTE] = {"note", 0, NULL, NULL, 5},
};

/* Returns c if it is a category, else CATEGORY_UNCLASSIFIED. */
static enum category
category_valid(enum category c)
{
	return (unsigned)c < CATEGORY_COUNT ? c : CATEGORY_UNCLASSIFIED;
}

/*
 * Returns the category a rule file names, or CATEGORY_UNCLASSIFIED if the
 * name is none a rule may use ("unclassified" included).
 */
enum category
category_from_name(const char *name)
{
	int c;

	for (c = CATEGORY_UNCLASSIFIED + 1; c < CATEGORY_COUNT; c++)
		if (strcmp(category_table[c].name, name) == 0)
			return c;
	return CATEGORY_UNCLASSIFIED;
}

/* Returns the contract's name of a category: "db_connection_error". */
const char *
category_name(enum category c)
{
	return category_table[category_valid(c)].name;
}

/* Returns 1 if lines of the category are failures (they open incidents). */
int
category_is_failure(enum category c)
{
	return category_table[category_valid(c)].failure;
}

/* Returns the phrase that titles an incident, or NULL if not a failure. */
const char *
category_phrase(enum category c)
{
	return category_table[category_valid(c)].phrase;
}

/* Returns the slug that ends an incident's id, or NULL if not a failure. */
const char *
category_slug(enum category c)
{
	return category_table[category_valid(c)].slug;
}

/* Returns the category's lane (0 at the top), -1 for unclassified. */
int
category_lane(enum category c)
{
	return category_table[category_valid(c)].lane;
}

/* Returns the category drawn in lane i, CATEGORY_UNCLASSIFIED if none. */
enum category
category_at_lane(int lane)
{
	int c;

	for (c = 0; c < CATEGORY_COUNT; c++)
		if (category_table[c].lane == lane && lane >= 0)
			return c;
	return CATEGORY_UNCLASSIFIED;
}
