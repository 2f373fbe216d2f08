/*
 * keyfile.c - the pre-shared key file (see keyfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/keyfile.h"

#define KF_TEXT_MAX 128 /* more than one key's base64 is a mistake */

/*
 * Who may hold the key: root, or the daemon's user; neither others nor a
 * group may read or write it, except the daemon's own group reading it
 * (root:pfsyncd 0640, what the shipped unit needs: root without
 * CAP_DAC_OVERRIDE reads it as the owner at start, the daemon's user
 * through the group on reload).
 */
static int kf_check(int fd, const char *path, const struct pfsd_keyowner *o,
		    char *err, size_t errlen)
{
	mode_t grp;
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "key %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key %s: not a regular file", path);
		errno = EPERM;
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != o->uid) {
		snprintf(err, errlen,
			 "key %s: owned by uid %u, not root nor the daemon's "
			 "user (uid %u)",
			 path, (unsigned)st.st_uid, (unsigned)o->uid);
		errno = EPERM;
		return -1;
	}
	grp = st.st_mode & 070;
	if ((st.st_mode & 007) != 0 ||
	    (grp != 0 && (grp != 040 || st.st_gid != o->gid || o->gid == 0))) {
		snprintf(err, errlen,
			 "key %s: mode %04o lets group or others at it; "
			 "chmod 600 %s (or 640 with the daemon's group)",
			 path, (unsigned)(st.st_mode & 07777), path);
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* The directory holding the key: no one but root or the daemon's user may
 * replace the file in it (a sticky directory keeps others' hands off). */
static int kf_check_dir(const char *path, const struct pfsd_keyowner *o,
			char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t n;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			n = sizeof(dir) - 1;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if (stat(dir, &st) == -1) {
		snprintf(err, errlen, "key %s: %s: %s", path, dir,
			 strerror(errno));
		return -1;
	}
	if ((st.st_uid != 0 && st.st_uid != o->uid) ||
	    ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)) {
		snprintf(err, errlen,
			 "key %s: directory %s may be changed by others "
			 "(owner uid %u, mode %04o)",
			 path, dir, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		errno = EPERM;
		return -1;
	}
	return 0;
}

static ssize_t kf_read_text(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		r = read(fd, buf + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? (ssize_t)n : -1;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

static int kf_decode(const char *text, size_t len,
		     uint8_t key[PFS_SEAL_KEY_LEN])
{
	size_t klen = 0;
	const char *end;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (sodium_base642bin(key, PFS_SEAL_KEY_LEN, text, len, NULL, &klen,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + len || klen != PFS_SEAL_KEY_LEN)
		return -1;
	return 0;
}

int pfsd_keyfile_read(const char *path, const struct pfsd_keyowner *o,
		      uint8_t key[PFS_SEAL_KEY_LEN], char *err, size_t errlen)
{
	char text[KF_TEXT_MAX + 1];
	ssize_t n;
	int fd, saved, rc = -1;

	sodium_memzero(key, PFS_SEAL_KEY_LEN);
	if (kf_check_dir(path, o, err, errlen) == -1)
		return -1;
	/* O_NONBLOCK: a FIFO at the path must not hang us (fstat refuses
	 * it); a regular file's reads ignore the flag. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		saved = errno;
		snprintf(err, errlen, "key %s: %s", path, strerror(errno));
		errno = saved;
		return -1;
	}
	if (kf_check(fd, path, o, err, errlen) == -1)
		goto cleanup;
	n = kf_read_text(fd, text, sizeof(text));
	if (n == -1)
		snprintf(err, errlen, "key %s: %s", path, strerror(errno));
	else if (n > KF_TEXT_MAX || kf_decode(text, (size_t)n, key) == -1) {
		snprintf(err, errlen, "key %s: not one base64 key of %d bytes",
			 path, PFS_SEAL_KEY_LEN);
		errno = EINVAL;
	} else
		rc = 0;
cleanup:
	saved = errno;
	sodium_memzero(text, sizeof(text));
	if (rc == -1)
		sodium_memzero(key, PFS_SEAL_KEY_LEN);
	close(fd);
	errno = saved;
	return rc;
}
