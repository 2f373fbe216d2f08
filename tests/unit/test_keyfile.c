/*
 * test_keyfile.c - the key file: one base64 key, mode 0600 or 0400, a
 * regular file; anything else refused with a message naming the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
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

static int kf_read(const char *path, uint8_t *key, char *err)
{
	err[0] = '\0';
	return pfsd_keyfile_read(path, key, err, 256);
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
	static const mode_t bad[] = {0640, 0604, 0644, 0620, 0602, 0666};
	uint8_t key[32];
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ(kf_read(kf_write("m", KF_GOOD, bad[i]), key, err), -1);
		T_CHECK(strstr(err, "lets group or others at it") != NULL);
		T_CHECK(strstr(err, "chmod 600") != NULL);
	}
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
	T_RUN(test_good);
	T_RUN(test_mode);
	T_RUN(test_bad);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", kf_dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
