/* test-sanitizer.h: which sanitizer a test was built with, to size its
 * workload there (tests/sanitizers/meson.build: the rule).
 *
 * The sanitizers need the code paths, not the volume of work: under them a
 * test runs every path it runs in the plain build, on fewer steps, smaller
 * inputs or fewer repetitions.  What only the plain build checks (accuracy
 * after hundreds of steps) says so with g_test_skip.
 *
 *   TEST_UNDER_SANITIZER   ASan (+ UBSan) or TSan
 *   TEST_UNDER_TSAN        ThreadSanitizer (about 10 times slower than plain)
 *   TEST_SIZE(plain, sanitized)   plain in the plain build, else sanitized
 *   TEST_TIME_SCALE        how much slower the build runs (1, ASan 3, TSan
 *                          10: timeout_scale of tests/sanitizers/meson.build),
 *                          for a test's own deadlines (waiting for a job)
 */
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEST_UNDER_SANITIZER 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_UNDER_TSAN 1
#endif
#endif

#ifdef TEST_UNDER_SANITIZER
#define TEST_SIZE(plain, sanitized) (sanitized)
#else
#define TEST_SIZE(plain, sanitized) (plain)
#endif

#if defined(TEST_UNDER_TSAN)
#define TEST_TIME_SCALE 10
#elif defined(TEST_UNDER_SANITIZER)
#define TEST_TIME_SCALE 3
#else
#define TEST_TIME_SCALE 1
#endif
