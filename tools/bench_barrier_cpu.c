// bench_barrier_cpu.c: the CPU time a rank spends waiting 3 s at Open MPI's MPI_Barrier against MPI_Ibarrier + MPI_Test + nanosleep(1 ms).
// Build and run: mpicc -O2 tools/bench_barrier_cpu.c -o /tmp/bw && mpirun -np 2 /tmp/bw (add --mca mpi_yield_when_idle 1 to compare).
#include <mpi.h>
#include <stdio.h>
#include <time.h>
#include <sys/resource.h>
static double cpu(void){struct rusage r;getrusage(RUSAGE_SELF,&r);return r.ru_utime.tv_sec+r.ru_utime.tv_usec*1e-6+r.ru_stime.tv_sec+r.ru_stime.tv_usec*1e-6;}
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){int rank;MPI_Init(&argc,&argv);MPI_Comm_rank(MPI_COMM_WORLD,&rank);
 for(int mode=0;mode<2;mode++){double c0=cpu(),w0=now();
  if(rank==0){struct timespec s={3,0};nanosleep(&s,NULL);if(mode==0)MPI_Barrier(MPI_COMM_WORLD);else{MPI_Request q;MPI_Ibarrier(MPI_COMM_WORLD,&q);MPI_Wait(&q,MPI_STATUS_IGNORE);}}
  else if(mode==0){MPI_Barrier(MPI_COMM_WORLD);}
  else{MPI_Request q;int done=0;MPI_Ibarrier(MPI_COMM_WORLD,&q);struct timespec p={0,1000000};
       for(;;){MPI_Test(&q,&done,MPI_STATUS_IGNORE);if(done)break;nanosleep(&p,NULL);}}
  if(rank==1)printf("%s: rank 1 waited %.2f s wall, %.2f s CPU\n",mode==0?"MPI_Barrier":"MPI_Ibarrier+MPI_Test+nanosleep(1 ms)",now()-w0,cpu()-c0);
  fflush(stdout);}
 MPI_Finalize();}
