#pragma once
// One macro marks every function that both the CPU backend and the CUDA kernels call.
// Under g++ it is empty, so these headers stay plain C++17.
#if defined(__CUDACC__)
#define SPOTSWEEP_HD __host__ __device__
#else
#define SPOTSWEEP_HD
#endif

#define SPOTSWEEP_HD_INLINE SPOTSWEEP_HD inline

// For the per-slot loop's pieces (a policy's decide, JobRun::step): always inlined, so that the
// loop keeps the job and the observation in registers whatever the compiler's size heuristics
// make of a grown function (g++ stopped inlining a policy's decide once it had a look-ahead).
#if defined(__CUDACC__)
#define SPOTSWEEP_HD_HOT __host__ __device__ __forceinline__
#else
#define SPOTSWEEP_HD_HOT inline __attribute__((always_inline))
#endif

// For a piece of the per-slot loop that runs rarely and would crowd the loop's registers if
// inlined (JobRun::fast_forward's body): a call under g++; nvcc decides as usual.
#if defined(__CUDACC__)
#define SPOTSWEEP_HD_OUTLINE __host__ __device__ inline
#else
#define SPOTSWEEP_HD_OUTLINE inline __attribute__((noinline))
#endif

// Marks a pointer through which, in its scope, no other pointer reaches the same memory, so the
// compiler may vectorise the planner's row loops (g++ and nvcc both read __restrict__).
#define SPOTSWEEP_RESTRICT __restrict__
