/* Umbrella header of the CKernels module. */
#include "glam_kernels.h"
#include "glam_bf16.h"
#include "glam_gemm.h"
