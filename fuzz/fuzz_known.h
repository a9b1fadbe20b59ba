/*
 * fuzz_known.h — inputs that reach a known, reported bug the fuzz targets
 * step around until its owner fixes it, so the fuzzer keeps looking for new
 * ones. Each entry names the bug; remove it with the fix (the regression
 * test tests/hostile/check_crash.py then covers it).
 */
#ifndef ETPU_FUZZ_KNOWN_H
#define ETPU_FUZZ_KNOWN_H

#include <stdbool.h>

#include "etpu/model.h"

/* check.c (being rewritten by the lead): the SOFTMAX rule reads
 * tensors[input_at(op, 0)] without testing for -1 (an omitted optional
 * input), so an op whose first input is -1 makes etpu_check_model() read
 * before the tensor array. True when model has such an op. */
static inline bool fuzz_known_check_bug(const etpu_model *m)
{
    for (size_t s = 0; s < m->subgraph_count; s++)
        for (size_t i = 0; i < m->subgraphs[s].operator_count; i++) {
            const etpu_operator *op = &m->subgraphs[s].operators[i];
            if (op->inputs.count == 0 || op->inputs.items[0] < 0)
                return true;
        }
    return false;
}

#endif
