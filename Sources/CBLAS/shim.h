#include <cblas.h>
// OpenBLAS extension (declared again in case cblas.h is the reference header).
void openblas_set_num_threads(int num_threads);
