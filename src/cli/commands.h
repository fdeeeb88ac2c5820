#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is the command's name; returns the process exit status. */
typedef int (*PelCliRun) (int argc, char **argv);

typedef struct
{
  const char *name;
  const char *summary;
  PelCliRun   run;
} PelCliCommand;

int pel_cli_info (int argc, char **argv);
int pel_cli_train (int argc, char **argv);
int pel_cli_pretrain (int argc, char **argv);
int pel_cli_predict (int argc, char **argv);
int pel_cli_eval (int argc, char **argv);
int pel_cli_ged (int argc, char **argv);
int pel_cli_bench (int argc, char **argv);
int pel_cli_explain (int argc, char **argv);
int pel_cli_sanity (int argc, char **argv);
int pel_cli_pdp (int argc, char **argv);
int pel_cli_tcav (int argc, char **argv);
int pel_cli_bench_colin27 (int argc, char **argv);
int pel_cli_bench_fewshot (int argc, char **argv);
int pel_cli_interpolate (int argc, char **argv);
int pel_cli_measure (int argc, char **argv);
int pel_cli_bench_interpolate (int argc, char **argv);
int pel_cli_export (int argc, char **argv);
int pel_cli_import (int argc, char **argv);
int pel_cli_cases (int argc, char **argv);
int pel_cli_train_cases (int argc, char **argv);
int pel_cli_predict_cases (int argc, char **argv);
int pel_cli_bench_cases (int argc, char **argv);
int pel_cli_bench_uncertainty (int argc, char **argv);
int pel_cli_bench_saliency (int argc, char **argv);
int pel_cli_bench_dip (int argc, char **argv);
int pel_cli_degrade (int argc, char **argv);
int pel_cli_denoise (int argc, char **argv);
/* --method n2n|n2c|pair|supervised (cmd-denoise-net.c) */
int pel_cli_denoise_net (int argc, char **argv);
int pel_cli_reconstruct (int argc, char **argv);

G_END_DECLS
