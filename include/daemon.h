/*
 * daemon: `timelined run`. One event loop follows the configured files
 * (globs, rotation, truncation), receives syslog (spooled to files in
 * state_dir, so it is read like any file), merges every source's matches
 * in event-time order into the incident engine, keeps the closed
 * incidents in a journal, and commits a checkpoint that lets a restart
 * after kill -9 end with the same incidents as if it had not happened.
 * SIGHUP reloads the configuration and rules (all or nothing), SIGTERM
 * stops after a last checkpoint; systemd is told through $NOTIFY_SOCKET.
 */
#ifndef DAEMON_H
#define DAEMON_H

struct conf;

int daemon_run(struct conf *);

#endif /* DAEMON_H */
