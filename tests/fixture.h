/* fixture.h: reading the committed reference tensors (tests/fixtures/
 * *.safetensors, made once by an independent implementation) in the suites
 * that compare against them.  Each suite opens `fixture` in main(). */
#pragma once

#include <glib.h>
#include <math.h>

#include "engine/io/safetensors.h"

static PlSafetensors *fixture;

/* A copy of the fixture's tensor `name` as float32 (free it); its element
 * count in numel (may be NULL).  A missing tensor ends the test. */
static G_GNUC_UNUSED float *
get (const char *name, gsize *numel)
{
  const PlSafeTensor *t = pl_safetensors_lookup (fixture, name);
  float *buf;
  if (!t)
    g_error ("fixture lacks %s", name);
  buf = g_new (float, t->numel);
  pl_safetensors_read_f32 (fixture, t, buf);
  if (numel)
    *numel = t->numel;
  return buf;
}

static G_GNUC_UNUSED double
max_abs (const float *a, gsize n)
{
  double m = 0.0;
  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs (a[i]));
  return m;
}
