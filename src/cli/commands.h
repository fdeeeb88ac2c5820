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
int pel_cli_predict (int argc, char **argv);
int pel_cli_eval (int argc, char **argv);
int pel_cli_bench (int argc, char **argv);
int pel_cli_bench_colin27 (int argc, char **argv);
int pel_cli_bench_dip (int argc, char **argv);
int pel_cli_degrade (int argc, char **argv);
int pel_cli_denoise (int argc, char **argv);
int pel_cli_reconstruct (int argc, char **argv);

G_END_DECLS
