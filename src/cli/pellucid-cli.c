/* pellucid-cli: the scriptable face of the engine.
 *
 * Each subcommand lives in its own file (cmd-<name>.c) and is listed in the
 * table below.  Results go to stdout (JSON where the command produces data),
 * progress and errors to stderr; a failure exits non-zero.
 */
#define G_LOG_DOMAIN "pellucid-cli"

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "src/cli/commands.h"

static const PelCliCommand commands[] = {
  /* name, one-line summary, entry point */
  { "info", "Print a NIfTI file's header and statistics as JSON", pel_cli_info },
  { "train", "Train a UNet on the labelled slices of a label map", pel_cli_train },
  { "pretrain", "Pre-train a UNet encoder on the slices of a volume, without labels (contrastive)", pel_cli_pretrain },
  { "predict", "Segment a volume with a trained model", pel_cli_predict },
  { "eval", "Dice of a segmentation against a reference, as JSON", pel_cli_eval },
  { "interpolate", "Fill the slices between painted slices of each label", pel_cli_interpolate },
  { "measure", "Voxels and mL of every label of a label map (JSON, CSV)", pel_cli_measure },
  { "cases", "List a cohort's cases, segmentations and states", pel_cli_cases },
  { "export", "Export a cohort as an nnU-Net v2 raw dataset (export nnunet)", pel_cli_export },
  { "import", "Import nnU-Net predictions as proposals (import nnunet)", pel_cli_import },
  { "ged", "Generalised energy distance between samples and raters, as JSON", pel_cli_ged },
  { "explain", "Explanation maps of a model's decision on a slice", pel_cli_explain },
  { "sanity", "Randomisation sanity checks of explanation maps", pel_cli_sanity },
  { "pdp", "Partial dependence and ICE curves of a class's volume", pel_cli_pdp },
  { "tcav", "TCAV: a painted concept's importance for a class", pel_cli_tcav },
  { "bench", "Time a reference workload (unet2d-ref)", pel_cli_bench },
  { "denoise", "Restore a noisy volume's slices (deep image prior), JSON metrics", pel_cli_denoise },
  { "reconstruct", "Simulated CT of a slice and its filtered back projection, JSON metrics", pel_cli_reconstruct },
  { "degrade", "Add noise to a volume or lower its resolution, for restoration experiments", pel_cli_degrade },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: pellucid-cli COMMAND [OPTIONS…]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'pellucid-cli COMMAND --help' for a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* Numbers in JSON and in the files we write always use '.' */
  setlocale (LC_NUMERIC, "C");

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "pellucid-cli: unknown command '%s'\n\n", argv[1]);
  print_usage (stderr);
  return 2;
}
