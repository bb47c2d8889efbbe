// cmpi.c: resolves Open MPI's entry points and handles from libmpi with dlopen/dlsym, so a single-process run of
// condense needs no MPI library at all. The handles (MPI_COMM_WORLD, MPI_FLOAT, …) are, in Open MPI's ABI, the
// addresses of exported objects (ompi_mpi_comm_world, …); the types below are opaque pointers, as in mpi.h.
#include "cmpi.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef void *handle_t;
#define CMPI_IN_PLACE ((void *)1)     /* Open MPI's MPI_IN_PLACE */
#define CMPI_THREAD_FUNNELED 1        /* MPI_THREAD_FUNNELED */

static void *lib;
static int (*p_init_thread)(int *, char ***, int, int *);
static int (*p_finalize)(void);
static int (*p_abort)(handle_t, int);
static int (*p_comm_rank)(handle_t, int *);
static int (*p_comm_size)(handle_t, int *);
static int (*p_barrier)(handle_t);
static int (*p_ibarrier)(handle_t, handle_t *);
static int (*p_test)(handle_t *, int *, void *);
static int (*p_allreduce)(const void *, void *, int, handle_t, handle_t, handle_t);
static int (*p_allgather)(const void *, int, handle_t, void *, int, handle_t, handle_t);
static int (*p_bcast)(void *, int, handle_t, int, handle_t);
static int (*p_error_string)(int, char *, int *);
static handle_t comm_world, type_float, type_double, type_byte, op_sum;

static int resolve(void **slot, const char *name, char *err, size_t errlen) {
    *slot = dlsym(lib, name);
    if (*slot) return 0;
    snprintf(err, errlen, "libmpi has no symbol %s (expected Open MPI's ABI)", name);
    return -1;
}

int cmpi_load(const char *path, char *err, size_t errlen) {
    if (lib) return 0;
    // RTLD_GLOBAL: Open MPI's own plugins (mca_*.so) resolve libmpi's symbols through the global scope.
    void *h = dlopen(path ? path : "libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!h) { snprintf(err, errlen, "%s", dlerror()); return -1; }
    lib = h;
    struct { void **slot; const char *name; } table[] = {
        {(void **)&p_init_thread, "MPI_Init_thread"}, {(void **)&p_finalize, "MPI_Finalize"},
        {(void **)&p_abort, "MPI_Abort"}, {(void **)&p_comm_rank, "MPI_Comm_rank"},
        {(void **)&p_comm_size, "MPI_Comm_size"}, {(void **)&p_barrier, "MPI_Barrier"},
        {(void **)&p_ibarrier, "MPI_Ibarrier"}, {(void **)&p_test, "MPI_Test"},
        {(void **)&p_allreduce, "MPI_Allreduce"}, {(void **)&p_allgather, "MPI_Allgather"},
        {(void **)&p_bcast, "MPI_Bcast"}, {(void **)&p_error_string, "MPI_Error_string"},
        {&comm_world, "ompi_mpi_comm_world"}, {&type_float, "ompi_mpi_float"}, {&type_double, "ompi_mpi_double"},
        {&type_byte, "ompi_mpi_byte"}, {&op_sum, "ompi_mpi_op_sum"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (resolve(table[i].slot, table[i].name, err, errlen) != 0) { lib = NULL; return -1; }
    }
    return 0;
}

int cmpi_init(int *rank, int *size) {
    int provided = 0;
    int rc = p_init_thread(NULL, NULL, CMPI_THREAD_FUNNELED, &provided);
    if (rc != 0) return rc;
    rc = p_comm_rank(comm_world, rank);
    return rc != 0 ? rc : p_comm_size(comm_world, size);
}

int cmpi_finalize(void) { return p_finalize(); }
void cmpi_abort(int code) { p_abort(comm_world, code); }
int cmpi_barrier(void) { return p_barrier(comm_world); }

/* MPI_Request is a pointer in Open MPI's ABI (ompi_request_t *); MPI_STATUS_IGNORE is NULL. */
int cmpi_barrier_sleeping(unsigned sleep_us) {
    handle_t request = NULL;
    int rc = p_ibarrier(comm_world, &request);
    if (rc != 0) return rc;
    struct timespec pause = {(time_t)(sleep_us / 1000000u), (long)(sleep_us % 1000000u) * 1000L};
    for (;;) {
        int done = 0;
        rc = p_test(&request, &done, NULL);
        if (rc != 0 || done) return rc;
        nanosleep(&pause, NULL);
    }
}

int cmpi_allreduce_sum_float(float *buf, int count) {
    return p_allreduce(CMPI_IN_PLACE, buf, count, type_float, op_sum, comm_world);
}

int cmpi_allreduce_sum_double(double *buf, int count) {
    return p_allreduce(CMPI_IN_PLACE, buf, count, type_double, op_sum, comm_world);
}

int cmpi_allgather_bytes(const void *send, void *recv, int count) {
    return p_allgather(send, count, type_byte, recv, count, type_byte, comm_world);
}

int cmpi_bcast_bytes(void *buf, int count, int root) { return p_bcast(buf, count, type_byte, root, comm_world); }

void cmpi_error_string(int code, char *out, size_t outlen) {
    int len = 0;
    char text[512] = {0};
    if (p_error_string && p_error_string(code, text, &len) == 0) snprintf(out, outlen, "%s", text);
    else snprintf(out, outlen, "MPI error %d", code);
}
