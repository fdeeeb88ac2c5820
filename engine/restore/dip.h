/* dip.h: deep image prior denoising of one 2-D image, with automatic early
 * stopping that never looks at a clean image.
 *
 * Deep image prior (Ulyanov, Vedaldi & Lempitsky 2018): a randomly
 * initialised network f_θ maps a fixed random input z to an image, and θ is
 * fitted to the noisy image y alone, min_θ ‖f_θ(z) − y‖².  The network
 * reproduces image structure long before it reproduces the noise, so the
 * output passes through a clean-looking phase and the fit must stop there.
 * The recipe is the dip-ref workload of reference-workloads.md:
 *
 *   network  pl_unet_config_dip (32 → 1, 32/64/128/128/128, no skips,
 *            bilinear ×2 upsampling, batch norm, sigmoid)
 *   input    z ~ U(0, 0.1), perturbed by N(0, (1/30)²) at each iteration
 *   loss     MSE (f(z), y); Adam, lr 0.01
 *   averaged output  x̄_t = 0.99 x̄_{t−1} + 0.01 x_t (the original code's
 *            exp_weight), shown and returned
 *   backtracking  when the loss jumps by more than `backtrack_db` (PSNR
 *            against the noisy image falls by 5 dB, as the original code),
 *            the parameters of the last good iteration are restored and the
 *            iteration's update is dropped
 *   ES-WMV   (Wang, Li, Zhuang & Sun, "Early stopping for deep image prior",
 *            TMLR 2023): the variance of the last W = 100 images,
 *            VAR_t = 1/W Σ_{i>t−W} ‖x_i − mean‖² / n_pixels; the run stops
 *            when VAR has not reached a new minimum for `patience`
 *            iterations, and the result is the iterate at the minimum.
 *            The variance is the raw outputs' (es_on_average: the
 *            averaged outputs', measured as a variant on four slices and
 *            noise draws in docs/restoration.md); the image returned at
 *            the minimum is the averaged output.
 *
 * Images are h × w floats in [0, 1] (divide by the volume's maximum
 * first).  Sizes that are not multiples of 16 are padded by reflection (the
 * loss covers the padding too) and the outputs cropped back.
 *
 * Threads: pl_dip_denoise runs on the calling thread (a worker) with the
 * engine's threads (pl_engine_set_threads).  The step callback runs on that
 * thread after every iteration; the images it sees are valid only during
 * the call (copy what you keep).  Cancel through the PlProgress.
 */
#pragma once

#include <glib.h>

#include "engine/core/error.h"
#include "engine/core/progress.h"

G_BEGIN_DECLS

typedef struct
{
  int      max_iterations;    /* 3000 */
  float    lr;                /* 0.01 */
  float    input_scale;       /* 0.1: z ~ U(0, input_scale) */
  float    input_noise;       /* 1/30: σ of the perturbation of z */
  int      input_channels;    /* 32 */
  gboolean skip;              /* FALSE: dip-ref's network; TRUE: the same
                               * with skip connections (concatenated) */
  int      skip_channels;     /* 0: whole skips; N: narrowed to N channels
                               * by a 1×1 convolution (Baguer et al. 2020) */
  float    ema;               /* 0.99: weight of the averaged output */
  gboolean early_stop;        /* TRUE: stop by ES-WMV */
  int      es_window;         /* 100 */
  int      es_patience;       /* 1000 */
  gboolean es_on_average;     /* FALSE: ES-WMV follows the window variance of
                               * the raw outputs, as Wang et al.; TRUE: of the
                               * averaged outputs, the images returned (a
                               * variant, measured in docs/restoration.md) */
  double   backtrack_db;      /* 5: loss jump (dB) that restores; ≤ 0: off */
  guint64  seed;              /* 0: weights, z and its perturbations */
  int      metrics_every;     /* SSIM of the outputs every this many
                               * iterations when a reference exists; 0: never */
  int      warm_iterations;   /* 0; > 0: that many iterations of a first
                               * phase whose loss the caller defines (the CT
                               * reconstruction's warm start, ct.h) */
} PlDipSettings;

/* Defaults shared by pellucid-cli denoise/bench and the Restore panel. */
void     pl_dip_settings_init  (PlDipSettings       *settings);
gboolean pl_dip_settings_check (const PlDipSettings *settings,
                                GError             **error);

typedef enum
{
  PL_DIP_RUNNING,
  PL_DIP_STOP_EARLY,          /* ES-WMV: no new variance minimum for `patience` */
  PL_DIP_STOP_MAX_ITERATIONS, /* the budget ran out (iterate at the minimum
                               * variance still chosen when early_stop) */
  PL_DIP_STOP_CANCELLED,
} PlDipStop;

const char *pl_dip_stop_name   (PlDipStop stop);

/* What the worker publishes after each iteration. */
typedef struct
{
  int          iteration;     /* 1-based */
  int          max_iterations;
  double       iteration_ms;  /* wall time of this iteration (metrics excluded) */
  double       loss;          /* MSE against the noisy image */
  double       psnr;          /* of this iteration's output vs the reference; NaN without one */
  double       psnr_average;  /* of the averaged output; NaN without a reference */
  double       ssim;          /* of the averaged output on metrics_every iterations, else NaN */
  double       variance;      /* the window variance ES-WMV follows (of the
                               * raw outputs, or of the averaged ones with
                               * es_on_average); NaN until the window is full */
  double       variance_raw;  /* the window variance of the raw outputs */
  double       variance_average; /* the window variance of the averaged outputs */
  double       min_variance;
  int          min_variance_iteration;  /* 0 until the window is full */
  int          since_min;     /* iterations since the minimum (patience count) */
  gboolean     backtracked;   /* this iteration's parameters were restored */
  int          n_backtracks;
  PlDipStop    state;         /* RUNNING until the last call */
  int          h, w;
  const float *output;        /* h × w: this iteration's output */
  const float *average;       /* h × w: the averaged output */
} PlDipStep;

typedef void (*PlDipStepFunc) (const PlDipStep *step,
                               gpointer         user_data);

typedef struct
{
  int        h, w;
  float     *output;          /* the chosen image: the averaged output at
                               * the ES-WMV minimum (at the last iteration
                               * without early stopping) */
  float     *output_raw;      /* the network's output at that iteration */
  float     *last_average;    /* the averaged output at the last iteration */
  int        iterations;      /* run */
  int        chosen_iteration;
  PlDipStop  stop;
  double     min_variance;
  int        n_backtracks;
  double     final_loss;
  double     seconds;
  double     ms_per_iteration;/* median */
  /* against the reference, NaN without one */
  double     psnr, ssim;      /* of output */
  double     psnr_noisy;      /* of the input */
  double     best_psnr;       /* best PSNR of any raw output (oracle; for reports) */
  int        best_psnr_iteration;
  double     best_psnr_average;
  int        best_psnr_average_iteration;
} PlDipResult;

void     pl_dip_result_free (PlDipResult *result);

/* noisy: h × w in [0, 1]; reference: the clean image for metrics only
 * (never used to fit or to stop), or NULL.  Returns NULL with error on bad
 * settings or sizes; on cancel, G_IO_ERROR_CANCELLED (the partial result
 * is discarded). */
PlDipResult *pl_dip_denoise (const float         *noisy,
                             const float         *reference,
                             int                  h,
                             int                  w,
                             const PlDipSettings *settings,
                             PlDipStepFunc        on_step,
                             gpointer             user_data,
                             const PlProgress    *progress,
                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlDipResult, pl_dip_result_free)

G_END_DECLS
