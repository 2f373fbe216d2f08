/*
 * keyfile.c - the pre-shared key file (see keyfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"

#define KF_TEXT_MAX 128 /* more than one key's base64 is a mistake */

/* The mode check: a key others can read is no secret. */
static int kf_check(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "key %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key %s: not a regular file", path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen,
			 "key %s: mode %04o lets group or others at it; "
			 "chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
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

int pfsd_keyfile_read(const char *path, uint8_t key[PFS_SEAL_KEY_LEN],
		      char *err, size_t errlen)
{
	char text[KF_TEXT_MAX + 1];
	ssize_t n;
	int fd, rc = -1;

	sodium_memzero(key, PFS_SEAL_KEY_LEN);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		snprintf(err, errlen, "key %s: %s", path, strerror(errno));
		return -1;
	}
	if (kf_check(fd, path, err, errlen) == -1)
		goto cleanup;
	n = kf_read_text(fd, text, sizeof(text));
	if (n == -1)
		snprintf(err, errlen, "key %s: %s", path, strerror(errno));
	else if (n > KF_TEXT_MAX || kf_decode(text, (size_t)n, key) == -1)
		snprintf(err, errlen, "key %s: not one base64 key of %d bytes",
			 path, PFS_SEAL_KEY_LEN);
	else
		rc = 0;
cleanup:
	sodium_memzero(text, sizeof(text));
	if (rc == -1)
		sodium_memzero(key, PFS_SEAL_KEY_LEN);
	close(fd);
	return rc;
}
