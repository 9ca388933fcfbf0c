/*
 * category: the contract's vocabulary of what a line means (deploy, crash
 * ...), as one enum and one table: name, whether it is a failure, the
 * phrase and id slug that name an incident, the order of lanes in a
 * picture. It knows names, not rules, lines or incidents.
 */
#ifndef CATEGORY_H
#define CATEGORY_H

/*
 * The contract's order, then CATEGORY_NOTE. CATEGORY_UNCLASSIFIED is 0, so
 * that a zeroed struct claims no category.
 */
enum category {
	CATEGORY_UNCLASSIFIED, /* no rule matched; never a rule's category */
	CATEGORY_DEPLOY,
	CATEGORY_CONFIG_CHANGE,
	CATEGORY_ROLLBACK,
	CATEGORY_RESTART,
	CATEGORY_ALERT,
	CATEGORY_RECOVERY,
	CATEGORY_DB_CONNECTION_ERROR,
	CATEGORY_POOL_EXHAUSTION,
	CATEGORY_RESOURCE_EXHAUSTION,
	CATEGORY_HARDWARE_FAILURE,
	CATEGORY_UPSTREAM_ERROR,
	CATEGORY_EXTERNAL_DEPENDENCY,
	CATEGORY_CRASH,
	CATEGORY_NOTE, /* a human annotation, or the engine's own note */
	CATEGORY_COUNT
};

/* Lanes in a picture: every category but CATEGORY_UNCLASSIFIED. */
#define CATEGORY_LANES (CATEGORY_COUNT - 1)

enum category category_from_name(const char *);
const char   *category_name(enum category);
int           category_is_failure(enum category);
const char   *category_phrase(enum category);
const char   *category_slug(enum category);
int           category_lane(enum category);
enum category category_at_lane(int);

#endif /* CATEGORY_H */
