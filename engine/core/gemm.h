/* gemm.h: the one wrapper every matrix product in the engine goes through.
 *
 * Row-major C = alpha * op(A) * op(B) + beta * C with op(X) = X or X^T, as
 * cblas_sgemm with CblasRowMajor.  pl_gemm() calls OpenBLAS; pl_gemm_ref() is
 * a plain triple loop in double accumulation kept for tests.
 * pl_engine_set_threads() fixes the thread count used by OpenBLAS and by the
 * engine's own kernels, so results are reproducible for a given count.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void pl_gemm     (gboolean     trans_a,
                  gboolean     trans_b,
                  int          m,
                  int          n,
                  int          k,
                  float        alpha,
                  const float *a,
                  int          lda,
                  const float *b,
                  int          ldb,
                  float        beta,
                  float       *c,
                  int          ldc);

void pl_gemm_ref (gboolean     trans_a,
                  gboolean     trans_b,
                  int          m,
                  int          n,
                  int          k,
                  float        alpha,
                  const float *a,
                  int          lda,
                  const float *b,
                  int          ldb,
                  float        beta,
                  float       *c,
                  int          ldc);

void pl_engine_set_threads (int n_threads);
int  pl_engine_get_threads (void);

G_END_DECLS
