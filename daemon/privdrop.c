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
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privdrop.h"

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

const char *pfsd_privdrop_user(const struct pfsd_conf *c)
{
	if (c->user[0] != '\0')
		return c->user;
	return getpwnam("pfsyncd") != NULL ? "pfsyncd" : "nobody";
}

/* Permitted, effective and inheritable all set to keep. */
static int pd_capset(uint64_t keep)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = d[0].inheritable = (uint32_t)keep;
	d[1].effective = d[1].permitted = d[1].inheritable =
	    (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
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

int pfsd_privdrop(const struct pfsd_conf *c, char *err, size_t errlen)
{
	const char *user = pfsd_privdrop_user(c);
	struct passwd *pw;

	if (strcmp(user, "root") == 0)
		return 0;
	pw = getpwnam(user);
	if (pw == NULL || pw->pw_uid == 0) {
		snprintf(err, errlen, "user %s: %s", user,
			 pw == NULL ? "no such user" : "has uid 0");
		return -1;
	}
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
