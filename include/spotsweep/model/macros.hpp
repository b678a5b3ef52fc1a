#pragma once
// One macro marks every function that both the CPU backend and the CUDA kernels call.
// Under g++ it is empty, so these headers stay plain C++17.
#if defined(__CUDACC__)
#define SPOTSWEEP_HD __host__ __device__
#else
#define SPOTSWEEP_HD
#endif

#define SPOTSWEEP_HD_INLINE SPOTSWEEP_HD inline

// Marks a pointer through which, in its scope, no other pointer reaches the same memory, so the
// compiler may vectorise the planner's row loops (g++ and nvcc both read __restrict__).
#define SPOTSWEEP_RESTRICT __restrict__
