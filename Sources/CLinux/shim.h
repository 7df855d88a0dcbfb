#include <unistd.h>
#include <sys/syscall.h>

/* Starts writeback of a file range without waiting for it (Linux sync_file_range with
   SYNC_FILE_RANGE_WRITE), so that the fsync at the end of a large file finds little left to write.
   Returns -1 where the call does not exist; callers then rely on fsync alone. */
static inline int winnow_start_writeback(int fd, long long offset, long long length) {
#ifdef SYS_sync_file_range
    return (int)syscall(SYS_sync_file_range, fd, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */);
#else
    (void)fd; (void)offset; (void)length;
    return -1;
#endif
}
