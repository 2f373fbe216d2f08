/*
 * test_keyfile.c - the key file: one base64 key, mode 0600 or 0400 (or
 * 0640 with the daemon's group), a regular file owned by root or the
 * daemon's user in a directory others may not change; anything else
 * refused with a message naming the file, a FIFO without hanging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/keyfile.h"
#include "t.h"

/* 32 bytes 0x00..0x1f in base64 */
#define KF_GOOD "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static char kf_dir[64];

static const char *kf_write(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", kf_dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/* The daemon's user for the test: our own uid and gid, or another. */
static struct pfsd_keyowner kf_owner;

static int kf_read(const char *path, uint8_t *key, char *err)
{
	err[0] = '\0';
	return pfsd_keyfile_read(path, &kf_owner, key, err, 256);
}

static void kf_owner_self(void)
{
	kf_owner.uid = getuid();
	kf_owner.gid = getgid();
}

static void test_good(void)
{
	uint8_t key[32], want[32];
	char err[256];
	int i;

	for (i = 0; i < 32; i++)
		want[i] = (uint8_t)i;
	T_EQ(kf_read(kf_write("k1", KF_GOOD "\n", 0600), key, err), 0);
	T_MEMEQ(key, want, 32);
	T_EQ(kf_read(kf_write("k2", KF_GOOD, 0400), key, err), 0);
	T_MEMEQ(key, want, 32);
}

static void test_mode(void)
{
	static const mode_t bad[] = {0604, 0644, 0620, 0602, 0666,
				     0660, 0650, 0670, 0641};
	uint8_t key[32];
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ(kf_read(kf_write("m", KF_GOOD, bad[i]), key, err), -1);
		T_CHECK(strstr(err, "lets group or others at it") != NULL);
		T_CHECK(strstr(err, "chmod 600") != NULL);
	}
}

/* Group read for the daemon's group only, and never for group 0. */
static void test_group_read(void)
{
	uint8_t key[32];
	char err[256];
	const char *path = kf_write("g", KF_GOOD, 0640);
	gid_t other = getgid() == 12345 ? 12346 : 12345;

	kf_owner.gid = other; /* the file has our group, not the daemon's */
	T_EQ(kf_read(path, key, err), -1);
	T_CHECK(strstr(err, "lets group or others at it") != NULL);
	if (geteuid() == 0) {
		/* root:pfsyncd 0640, as the shipped unit needs it */
		T_EQ(chown(path, 0, other), 0);
		T_EQ(kf_read(path, key, err), 0);
		/* root:root 0640 is root's group reading, not ours */
		T_EQ(chown(path, 0, 0), 0);
		kf_owner.gid = 0;
		T_EQ(kf_read(path, key, err), -1);
	} else {
		kf_owner.gid = getgid();
		T_EQ(kf_read(path, key, err), getgid() == 0 ? -1 : 0);
	}
	kf_owner_self();
}

/* Owned by root or the daemon's user, nobody else (needs root to make a
 * file of another uid). */
static void test_owner(void)
{
	uint8_t key[32];
	char err[256];
	const char *path = kf_write("o", KF_GOOD, 0600);

	if (geteuid() != 0)
		return;
	T_EQ(chown(path, 12345, 12345), 0);
	T_EQ(kf_read(path, key, err), -1);
	T_CHECK(strstr(err, "owned by uid 12345") != NULL);
	kf_owner.uid = 12345; /* the daemon's user owns it */
	T_EQ(kf_read(path, key, err), 0);
	kf_owner_self();
	T_EQ(chown(path, 0, 0), 0); /* root owns it */
	kf_owner.uid = 12345;
	T_EQ(kf_read(path, key, err), 0);
	kf_owner_self();
}

/* A FIFO at the key path: refused at once, the open does not wait for a
 * writer (the alarm would kill the test). */
static void test_fifo(void)
{
	uint8_t key[32];
	char err[256], path[128];

	snprintf(path, sizeof(path), "%s/fifo", kf_dir);
	T_EQ(mkfifo(path, 0600), 0);
	alarm(5);
	T_EQ(kf_read(path, key, err), -1);
	alarm(0);
	T_CHECK(strstr(err, "not a regular file") != NULL);
	unlink(path);
}

/* A directory others may write without the sticky bit lets them swap the
 * file for one of the same mode. */
static void test_dir(void)
{
	uint8_t key[32];
	char err[256], dir[128], path[160];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/d", kf_dir);
	snprintf(path, sizeof(path), "%s/key", dir);
	T_EQ(mkdir(dir, 0700), 0);
	f = fopen(path, "w");
	T_CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(KF_GOOD, f);
	fclose(f);
	chmod(path, 0600);
	T_EQ(kf_read(path, key, err), 0);
	chmod(dir, 0777);
	T_EQ(kf_read(path, key, err), -1);
	T_CHECK(strstr(err, "may be changed by others") != NULL);
	chmod(dir, 01777);
	T_EQ(kf_read(path, key, err), 0);
	chmod(dir, 0770);
	T_EQ(kf_read(path, key, err), -1);
	chmod(dir, 0755);
	T_EQ(kf_read(path, key, err), 0);
}

static void test_bad(void)
{
	uint8_t key[32], zero[32] = {0};
	char err[256], path[128];

	T_EQ(kf_read(kf_write("b1", "AAECAwQF\n", 0600), key, err), -1);
	T_CHECK(strstr(err, "not one base64 key") != NULL);
	T_MEMEQ(key, zero, 32);
	T_EQ(kf_read(kf_write("b2", KF_GOOD KF_GOOD, 0600), key, err), -1);
	T_EQ(kf_read(kf_write("b3", "", 0600), key, err), -1);
	T_EQ(kf_read(kf_write("b4", KF_GOOD " x", 0600), key, err), -1);
	T_EQ(kf_read("/nonexistent/key", key, err), -1);
	T_CHECK(strstr(err, "/nonexistent/key") != NULL);
	T_EQ(kf_read(kf_dir, key, err), -1); /* a directory */
	snprintf(path, sizeof(path), "%s/link", kf_dir);
	T_EQ(symlink(kf_write("k3", KF_GOOD, 0600), path), 0);
	T_EQ(kf_read(path, key, err), -1); /* not through a symlink */
}

int main(void)
{
	char cmd[128];

	snprintf(kf_dir, sizeof(kf_dir), "/tmp/pfsd-kf.XXXXXX");
	if (mkdtemp(kf_dir) == NULL)
		return 1;
	chmod(kf_dir, 0700);
	kf_owner_self();
	T_RUN(test_good);
	T_RUN(test_mode);
	T_RUN(test_group_read);
	T_RUN(test_owner);
	T_RUN(test_fifo);
	T_RUN(test_dir);
	T_RUN(test_bad);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", kf_dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
