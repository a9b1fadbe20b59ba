/*
 * passes.h — entry points of the fix passes (one pass_<name>.c each).
 */
#ifndef ETPU_PASSES_H
#define ETPU_PASSES_H

#include "etpu/fix.h"
#include "etpu/ir.h"

#define PASS(name, fn, on, summary) \
    etpu_status fn(etpu_model *m, const etpu_fix_options *opts, etpu_fix_log *log, \
                   etpu_error *err);
#include "edgetpu/passes.def"
#undef PASS

#endif
