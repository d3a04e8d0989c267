#include <mpi.h>
// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over addresses of
// globals, which Swift cannot import: these return them.
static inline MPI_Comm nr_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype nr_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype nr_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype nr_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype nr_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Op nr_mpi_sum(void) { return MPI_SUM; }
static inline void *nr_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request nr_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *nr_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int nr_mpi_success(void) { return MPI_SUCCESS; }
