/* A full disk for tests (tests/cli/output_safety.sh), loaded with LD_PRELOAD: once the process has
   written SPOTSWEEP_TEST_ENOSPC_AFTER bytes to files whose path contains ".partial-" (the
   temporary names of outputs), every further write to such a file fails with ENOSPC, as on a
   full file system. Other files (the terminal, inputs) are untouched. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long written = 0;

static int is_partial_output(int fd) {
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  return strstr(target, ".partial-") != NULL;
}

/* Whether a write of `size` bytes to fd must fail; counts the bytes that succeed. */
static int disk_is_full(int fd, size_t size) {
  const char* limit = getenv("SPOTSWEEP_TEST_ENOSPC_AFTER");
  if (!limit || !is_partial_output(fd)) return 0;
  if (written + (long long)size > atoll(limit)) return 1;
  written += (long long)size;
  return 0;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void* buf, size_t count) {
  if (disk_is_full(fd, count)) {
    errno = ENOSPC;
    return -1;
  }
  return NEXT(write)(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (disk_is_full(fd, count)) {
    errno = ENOSPC;
    return -1;
  }
  return NEXT(pwrite)(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  if (disk_is_full(fd, count)) {
    errno = ENOSPC;
    return -1;
  }
  return NEXT(pwrite64)(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i)
    total += iov[i].iov_len;
  if (disk_is_full(fd, total)) {
    errno = ENOSPC;
    return -1;
  }
  return NEXT(writev)(fd, iov, iovcnt);
}
