/*
 * motifs.h — parts of a graph that read as one thing, drawn as one box on
 * big models (and expanded on click in the page):
 *   SiLU conv   CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED -> LOGISTIC -> MUL
 *               (x * sigmoid(x)), the conv's and the sigmoid's only readers
 *               inside the triple;
 *   residual    a block with one way in and one way out that ends in an ADD
 *               of its own input (a skip connection);
 *   block       any other such block (YOLO's split/concat "C2f", SPPF, ...).
 * A block is found backwards from its last op X: the op nearest to X among
 * the producers not yet inside joins it, until a single producer P is left
 * (the way in); then every op inside but X must be read only inside (the
 * way out is X). Such a set is convex, so drawing it as one node keeps the
 * graph acyclic. Blocks hold at most MOTIF_MAX_OPS ops of one class (the
 * caller's placement/status/subgraph key); the op the caller wants alone
 * (the cut) is never inside one.
 *
 * Cost: each search stops after MOTIF_MAX_OPS ops and skips ops with more
 * than MOTIF_MAX_OPS distinct producers or readers; and all searches share
 * a budget of MOTIF_WORK_PER_OP steps per op, after which no more blocks
 * are looked for. *work returns the steps taken (tests bound it).
 */
#ifndef ETPU_REPORT_MOTIFS_H
#define ETPU_REPORT_MOTIFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/model.h"

enum { MOTIF_MAX_OPS = 64, MOTIF_WORK_PER_OP = 256 };

typedef enum motif_kind { MOTIF_NONE, MOTIF_SILU, MOTIF_RESIDUAL, MOTIF_BLOCK } motif_kind;

/* group_of[op] = group index or -1; kind[group] (both sized ops by the
 * caller). cls: per op, ops in one group share it (SiLU convs may mix). */
etpu_status motifs_find(const etpu_model *m, const etpu_subgraph *sg, const int *cls,
                        const bool *keep_single, int32_t *group_of, uint8_t *kind, size_t *groups,
                        uint64_t *work, etpu_error *err);

#endif
