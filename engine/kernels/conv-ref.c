/* Reference convolution loops for tests: obviously right, slow. */
#define G_LOG_DOMAIN "pl-conv-ref"

#include "engine/kernels/conv-kernels.h"

#define AT4(p, d1, d2, d3, a, b, c, d) \
  ((p)[(((gsize) (a) * (d1) + (b)) * (d2) + (c)) * (d3) + (d)])

void
pl_conv2d_forward_ref (const PlConvShape *s, const float *x, const float *w,
                       const float *b, float *y, gboolean accumulate)
{
  int pad = s->k / 2;

  for (int n = 0; n < s->n; n++)
    for (int o = 0; o < s->o; o++)
      for (int i = 0; i < s->h; i++)
        for (int j = 0; j < s->w; j++)
          {
            double acc = b ? b[o] : 0.0;
            for (int c = 0; c < s->c; c++)
              for (int u = 0; u < s->k; u++)
                for (int v = 0; v < s->k; v++)
                  {
                    int ii = i + u - pad, jj = j + v - pad;
                    if (ii < 0 || ii >= s->h || jj < 0 || jj >= s->w)
                      continue;
                    acc += (double) AT4 (w, s->c, s->k, s->k, o, c, u, v)
                           * AT4 (x, s->c, s->h, s->w, n, c, ii, jj);
                  }
            float *out = &AT4 (y, s->o, s->h, s->w, n, o, i, j);
            *out = accumulate ? *out + (float) acc : (float) acc;
          }
}

void
pl_conv2d_backward_data_ref (const PlConvShape *s, const float *dy, const float *w,
                             float *dx)
{
  int pad = s->k / 2;

  for (int n = 0; n < s->n; n++)
    for (int c = 0; c < s->c; c++)
      for (int ii = 0; ii < s->h; ii++)
        for (int jj = 0; jj < s->w; jj++)
          {
            double acc = 0.0;
            for (int o = 0; o < s->o; o++)
              for (int u = 0; u < s->k; u++)
                for (int v = 0; v < s->k; v++)
                  {
                    int i = ii - u + pad, j = jj - v + pad;
                    if (i < 0 || i >= s->h || j < 0 || j >= s->w)
                      continue;
                    acc += (double) AT4 (w, s->c, s->k, s->k, o, c, u, v)
                           * AT4 (dy, s->o, s->h, s->w, n, o, i, j);
                  }
            AT4 (dx, s->c, s->h, s->w, n, c, ii, jj) += (float) acc;
          }
}

void
pl_conv2d_backward_weights_ref (const PlConvShape *s, const float *x, const float *dy,
                                float *dw, float *db)
{
  int pad = s->k / 2;

  for (int o = 0; o < s->o; o++)
    {
      if (db)
        {
          double acc = 0.0;
          for (int n = 0; n < s->n; n++)
            for (int i = 0; i < s->h; i++)
              for (int j = 0; j < s->w; j++)
                acc += AT4 (dy, s->o, s->h, s->w, n, o, i, j);
          db[o] += (float) acc;
        }
      for (int c = 0; c < s->c; c++)
        for (int u = 0; u < s->k; u++)
          for (int v = 0; v < s->k; v++)
            {
              double acc = 0.0;
              for (int n = 0; n < s->n; n++)
                for (int i = 0; i < s->h; i++)
                  for (int j = 0; j < s->w; j++)
                    {
                      int ii = i + u - pad, jj = j + v - pad;
                      if (ii < 0 || ii >= s->h || jj < 0 || jj >= s->w)
                        continue;
                      acc += (double) AT4 (dy, s->o, s->h, s->w, n, o, i, j)
                             * AT4 (x, s->c, s->h, s->w, n, c, ii, jj);
                    }
              AT4 (dw, s->c, s->k, s->k, o, c, u, v) += (float) acc;
            }
    }
}

/* convT 2×2 stride 2: y[n, o, 2i+u, 2j+v] = b[o] + Σ_c x[n, c, i, j] w[c, o, u, v] */
void
pl_convt2x2_forward_ref (const PlConvShape *s, const float *x, const float *w,
                         const float *b, float *y, gboolean accumulate)
{
  int oh = 2 * s->h, ow = 2 * s->w;

  for (int n = 0; n < s->n; n++)
    for (int o = 0; o < s->o; o++)
      for (int i = 0; i < s->h; i++)
        for (int j = 0; j < s->w; j++)
          for (int u = 0; u < 2; u++)
            for (int v = 0; v < 2; v++)
              {
                double acc = b ? b[o] : 0.0;
                for (int c = 0; c < s->c; c++)
                  acc += (double) AT4 (x, s->c, s->h, s->w, n, c, i, j)
                         * AT4 (w, s->o, 2, 2, c, o, u, v);
                float *out = &AT4 (y, s->o, oh, ow, n, o, 2 * i + u, 2 * j + v);
                *out = accumulate ? *out + (float) acc : (float) acc;
              }
}

void
pl_convt2x2_backward_data_ref (const PlConvShape *s, const float *dy, const float *w,
                               float *dx)
{
  int oh = 2 * s->h, ow = 2 * s->w;

  for (int n = 0; n < s->n; n++)
    for (int c = 0; c < s->c; c++)
      for (int i = 0; i < s->h; i++)
        for (int j = 0; j < s->w; j++)
          {
            double acc = 0.0;
            for (int o = 0; o < s->o; o++)
              for (int u = 0; u < 2; u++)
                for (int v = 0; v < 2; v++)
                  acc += (double) AT4 (w, s->o, 2, 2, c, o, u, v)
                         * AT4 (dy, s->o, oh, ow, n, o, 2 * i + u, 2 * j + v);
            AT4 (dx, s->c, s->h, s->w, n, c, i, j) += (float) acc;
          }
}

void
pl_convt2x2_backward_weights_ref (const PlConvShape *s, const float *x, const float *dy,
                                  float *dw, float *db)
{
  int oh = 2 * s->h, ow = 2 * s->w;

  if (db)
    for (int o = 0; o < s->o; o++)
      {
        double acc = 0.0;
        for (int n = 0; n < s->n; n++)
          for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
              acc += AT4 (dy, s->o, oh, ow, n, o, i, j);
        db[o] += (float) acc;
      }
  for (int c = 0; c < s->c; c++)
    for (int o = 0; o < s->o; o++)
      for (int u = 0; u < 2; u++)
        for (int v = 0; v < 2; v++)
          {
            double acc = 0.0;
            for (int n = 0; n < s->n; n++)
              for (int i = 0; i < s->h; i++)
                for (int j = 0; j < s->w; j++)
                  acc += (double) AT4 (x, s->c, s->h, s->w, n, c, i, j)
                         * AT4 (dy, s->o, oh, ow, n, o, 2 * i + u, 2 * j + v);
            AT4 (dw, s->o, 2, 2, c, o, u, v) += (float) acc;
          }
}
