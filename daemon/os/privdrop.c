/*
 * privdrop.c - switch user, keep two capabilities (see privdrop.h).
 *
 * capset(2) is called directly (no libcap): one 64-bit set in two
 * 32-bit words, version 3.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/privdrop.h"

#if defined(__SANITIZE_ADDRESS__)
#define PD_DUMPABLE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PD_DUMPABLE 1
#endif
#endif
#ifndef PD_DUMPABLE
#define PD_DUMPABLE 0
#endif

#define PD_KEEP ((1ull << CAP_NET_ADMIN) | (1ull << CAP_NET_RAW))

/*
 * No fallback to a shared account such as nobody: whatever else runs as
 * that uid could then read the key and drive the control socket.  A
 * missing user is an error at start (pfsd_privdrop).
 */
const char *pfsd_privdrop_user(const struct pfsd_conf *c)
{
	return c->user[0] != '\0' ? c->user : PFSD_DEFAULT_USER;
}

bool pfsd_privdrop_dedicated(const struct pfsd_conf *c)
{
	const char *user = pfsd_privdrop_user(c);

	return strcmp(user, "root") != 0 && strcmp(user, "nobody") != 0;
}

int pfsd_privdrop_ids(const struct pfsd_conf *c, uid_t *uid, gid_t *gid)
{
	const char *user = pfsd_privdrop_user(c);
	struct passwd *pw;

	if (geteuid() != 0 || strcmp(user, "root") == 0) {
		/* dropped already (no lookup under seccomp), or never */
		*uid = geteuid();
		*gid = getegid();
		return 0;
	}
	pw = getpwnam(user);
	if (pw == NULL) {
		errno = ENOENT;
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* Permitted and effective set to keep; inheritable empty (nothing is
 * exec'd, and an inheritable set would only serve a helper). */
static int pd_capset(uint64_t keep)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* A member of group 0, primary or supplementary, keeps root's files. */
static bool pd_root_group(const struct passwd *pw)
{
	gid_t groups[256];
	int i, n = (int)(sizeof(groups) / sizeof(groups[0]));

	if (pw->pw_gid == 0)
		return true;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return true; /* more groups than we look at: refuse */
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			return true;
	return false;
}

/* Out of the bounding set: never to be gained again, even by exec. */
static int pd_bound(uint64_t keep)
{
	int cap;

	for (cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if ((keep >> cap) & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)
			return -1;
	}
	return 0;
}

static int pd_switch(const struct passwd *pw)
{
	gid_t gid = pw->pw_gid;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return -1;
	return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

/* The account to become, or NULL with the reason in err. */
static struct passwd *pd_lookup(const char *user, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL)
		snprintf(err, errlen,
			 "user %s: no such user; create it (adduser --system "
			 "--group --no-create-home %s) or name another with "
			 "`user` in pfsyncd.conf",
			 user, user);
	else if (pw->pw_uid == 0)
		snprintf(err, errlen, "user %s: has uid 0", user);
	else if (pd_root_group(pw))
		snprintf(err, errlen,
			 "user %s: in group 0 (root's group); give it a group "
			 "of its own",
			 user);
	else
		return pw;
	return NULL;
}

int pfsd_privdrop(const struct pfsd_conf *c, char *err, size_t errlen)
{
	const char *user = pfsd_privdrop_user(c);
	struct passwd *pw;

	/* Always, also as root and without seccomp: nothing we could exec
	 * gains privileges (setuid files, file capabilities). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (strcmp(user, "root") == 0)
		return 0;
	pw = pd_lookup(user, err, errlen);
	if (pw == NULL)
		return -1;
	if (pd_bound(PD_KEEP) == -1 || pd_switch(pw) == -1 ||
	    pd_capset(PD_KEEP) == -1) {
		snprintf(err, errlen, "becoming %s: %s", user, strerror(errno));
		return -1;
	}
	/* The kernel clears it on a uid change (no ptrace by that user);
	 * LeakSanitizer's check at exit needs it. */
	(void)prctl(PR_SET_DUMPABLE, PD_DUMPABLE, 0, 0, 0);
	return 0;
}
