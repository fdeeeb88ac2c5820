#define G_LOG_DOMAIN "pl-gemm"

#include "engine/core/gemm.h"

#include <cblas.h>

static int engine_threads = 1;

void
pl_engine_set_threads (int n_threads)
{
  if (n_threads < 1)
    n_threads = 1;
  engine_threads = n_threads;
  openblas_set_num_threads (n_threads);
}

int
pl_engine_get_threads (void)
{
  return engine_threads;
}

void
pl_gemm (gboolean     trans_a,
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
         int          ldc)
{
  if (m <= 0 || n <= 0)
    return;
  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
pl_gemm_ref (gboolean     trans_a,
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
             int          ldc)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double s = 0.0;
        for (int p = 0; p < k; p++)
          {
            float av = trans_a ? a[(gsize) p * lda + i] : a[(gsize) i * lda + p];
            float bv = trans_b ? b[(gsize) j * ldb + p] : b[(gsize) p * ldb + j];
            s += (double) av * bv;
          }
        float *cij = &c[(gsize) i * ldc + j];
        *cij = (float) (alpha * s + (beta == 0.0f ? 0.0 : (double) beta * *cij));
      }
}
