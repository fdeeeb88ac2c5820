/* method-options.h: the --method option and one option per hyper-parameter
 * of engine/methods/methods.h, for pellucid-cli train and bench.
 *
 *   PelMethodOptions *mo = pel_method_options_new ();
 *   g_option_context_add_group (context, pel_method_options_group (mo));
 *   … parse …
 *   if (!pel_method_options_apply (mo, &config, &error)) …
 *   pel_method_options_free (mo);   // after the context
 */
#pragma once

#include <glib.h>

#include "engine/methods/methods.h"

G_BEGIN_DECLS

typedef struct _PelMethodOptions PelMethodOptions;

PelMethodOptions *pel_method_options_new   (void);
void              pel_method_options_free  (PelMethodOptions *options);
/* The --method entry, to add to the main entries. */
GOptionEntry      pel_method_options_entry (PelMethodOptions *options);
/* The hyper-parameters' options (owned by the context it is added to). */
GOptionGroup     *pel_method_options_group (PelMethodOptions *options);
/* Whether --method or any setting was given. */
gboolean          pel_method_options_given (PelMethodOptions *options);
/* The defaults of engine/methods/methods.h, the method named by --method
 * (supervised without it), and the options given; an option that is not a
 * setting of the chosen method is an error. */
gboolean          pel_method_options_apply (PelMethodOptions *options,
                                            PlMethodConfig   *config,
                                            GError          **error);

/* For several methods at once (bench fewshot --methods): configs[i] gets
 * kinds[i]'s defaults and those of the options given that are its
 * settings; an option that is a setting of none of them is an error. */
gboolean          pel_method_options_apply_kinds (PelMethodOptions *options,
                                                  const int        *kinds,
                                                  guint             n,
                                                  PlMethodConfig   *configs,
                                                  GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PelMethodOptions, pel_method_options_free)

G_END_DECLS
