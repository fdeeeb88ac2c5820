/* Linked into the tests of suite one-thread (plain build only): those tests
 * start no thread of their own, so the ThreadSanitizer build skips them (a
 * race needs two threads; scripts/sanitize tsan).  This keeps that true: a
 * thread started from anywhere but OpenBLAS (whose workers compute one gemm
 * and share nothing of ours) aborts the test with a message saying what to
 * change. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*PthreadCreate) (pthread_t *, const pthread_attr_t *, void *(*) (void *), void *);

int
pthread_create (pthread_t *thread, const pthread_attr_t *attr, void *(*start) (void *), void *arg)
{
  Dl_info caller;
  PthreadCreate real = (PthreadCreate) dlsym (RTLD_NEXT, "pthread_create");

  if (dladdr (__builtin_return_address (0), &caller) == 0 || caller.dli_fname == NULL
      || strstr (caller.dli_fname, "blas") == NULL)
    {
      fprintf (stderr, "Bail out! this test is in suite one-thread (skipped under ThreadSanitizer) "
                       "but started a thread (from %s): take it out of that suite in tests/meson.build\n",
               caller.dli_fname ? caller.dli_fname : "?");
      abort ();
    }
  return real (thread, attr, start, arg);
}
