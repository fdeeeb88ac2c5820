/* Test helper: NIfTI files built byte by byte, independently of the engine.
 *
 * SynthHeader holds the header fields the tests care about; the helper
 * lays them out at the offsets of the standard (nifti1.h, nifti2.h) in
 * either byte order, encodes voxel values in any datatype, and writes .nii,
 * .nii.gz, .hdr/.img or .hdr.gz/.img.gz.  It also decodes headers, so that
 * files the engine wrote can be checked field by field. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int      version;        /* 1 or 2 */
  gboolean big_endian;
  gint64   dim[8];
  double   pixdim[8];
  int      datatype;
  int      bitpix;         /* 0: from datatype */
  double   vox_offset;     /* < 0: the default (352 / 544, 0 for pairs) */
  double   scl_slope, scl_inter;
  double   cal_min, cal_max;
  int      qform_code, sform_code;
  double   quatern[3];     /* b, c, d */
  double   qoffset[3];
  double   srow[3][4];
  int      intent_code;
  int      xyzt_units;
  char     magic[9];       /* "" : n+1/n+2 (ni1/ni2 for pairs) */
  gint32   sizeof_hdr;     /* 0: 348 / 540 */
} SynthHeader;

typedef enum
{
  SYNTH_NII,
  SYNTH_NII_GZ,
  SYNTH_PAIR,      /* .hdr + .img */
  SYNTH_PAIR_GZ,   /* .hdr.gz + .img.gz */
} SynthForm;

/* A 3-D header with pixdim 1, no xform codes, scl 0/0. */
void     synth_header_init  (SynthHeader       *h,
                             int                version,
                             int                datatype,
                             gint64             nx,
                             gint64             ny,
                             gint64             nz);
gsize    synth_datatype_size (int               datatype);
/* header (348/540 bytes) + 4 zero extender bytes */
GBytes  *synth_header_bytes (const SynthHeader *h,
                             gboolean           pair);
/* values converted (by C casts) to h->datatype in h's byte order */
GBytes  *synth_data_bytes   (const SynthHeader *h,
                             const double      *values,
                             gsize              n);
/* Writes dir/base.<ext of form>; returns the path to load (the .nii or
 * .hdr).  values: all voxels of all volumes, i fastest. */
char    *synth_write        (const char        *dir,
                             const char        *base,
                             SynthForm          form,
                             const SynthHeader *h,
                             const double      *values,
                             gsize              n);
void     synth_write_raw    (const char        *path,
                             gboolean           gz,
                             const void        *data,
                             gsize              n);
/* The whole file, uncompressed if it is gzip. */
GBytes  *synth_read_file    (const char        *path);
/* Decodes a header written by anyone; FALSE if it is not NIfTI-1/2. */
gboolean synth_header_parse (GBytes            *bytes,
                             SynthHeader       *h);

/* A fresh temporary folder, and its removal with everything in it. */
char    *synth_tmpdir       (void);
void     synth_rmtree       (const char        *dir);
guint    synth_count_files  (const char        *dir);

G_END_DECLS
