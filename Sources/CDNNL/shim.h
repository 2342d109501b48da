#include <oneapi/dnnl/dnnl.h>

/* Debian's libdnnl 2.6 runs its parallel regions on GNU OpenMP (libgomp); these set and read
 * the calling thread's team size for them. Declared here to avoid depending on omp.h. */
void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
