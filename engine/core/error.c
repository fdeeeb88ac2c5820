/* The engine's one error domain (error.h). */
#include "engine/core/error.h"

G_DEFINE_QUARK (pl-error-quark, pl_error)
