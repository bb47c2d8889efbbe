// cmpi.h: a small C surface over Open MPI's libmpi, loaded at run time with dlopen (no link-time dependency).
#ifndef CMPI_H
#define CMPI_H
#include <stddef.h>

/// Loads libmpi (`path`, or libmpi.so.40 when NULL) and resolves the functions and handles below. Returns 0 on
/// success; otherwise writes a message (dlerror's) into err and returns -1. Safe to call again after success.
int cmpi_load(const char *path, char *err, size_t errlen);
/// MPI_Init_thread(FUNNELED) then rank and size of MPI_COMM_WORLD. Returns the MPI error code (0 = success).
int cmpi_init(int *rank, int *size);
int cmpi_finalize(void);
/// MPI_Abort on MPI_COMM_WORLD: ends every rank of the job.
void cmpi_abort(int code);
int cmpi_barrier(void);
/// A barrier that waits without spinning: MPI_Ibarrier, then MPI_Test every `sleep_us` microseconds (nanosleep in
/// between, so a waiting rank takes no CPU time from a rank that works alone). Returns the MPI error code.
int cmpi_barrier_sleeping(unsigned sleep_us);
/// In-place sums over every rank (MPI_IN_PLACE, MPI_SUM).
int cmpi_allreduce_sum_float(float *buf, int count);
int cmpi_allreduce_sum_double(double *buf, int count);
/// Every rank's `count` bytes of `send`, rank by rank, into `recv` (size·count bytes).
int cmpi_allgather_bytes(const void *send, void *recv, int count);
/// Rank `root`'s `count` bytes of buf to every rank.
int cmpi_bcast_bytes(void *buf, int count, int root);
/// The text of an MPI error code.
void cmpi_error_string(int code, char *out, size_t outlen);

#endif
