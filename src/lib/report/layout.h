/*
 * layout.h — a layered (Sugiyama-style) drawing of a subgraph's op graph.
 *
 * The steps, each simple on its own:
 *   1. nodes: one per op or caller's group (motifs.h: SiLU convs, blocks),
 *      one per model input and output tensor; straight runs of these with
 *      the same class (each one's only reader is the next, which reads from
 *      no other) become one group node when they hold at least `collapse`
 *      ops, so 300-op models stay readable;
 *   2. layers: longest path from the inputs (ops in dependency order, top
 *      to bottom); an edge spanning several layers gets an invisible dummy
 *      node per layer so it can bend around the boxes;
 *   3. order within each layer: barycenter sweeps down and up, keeping the
 *      order with the fewest edge crossings;
 *   4. x positions: each node pulled towards the mean of its neighbours,
 *      then overlaps removed while keeping the order (blocks merged as in
 *      isotonic regression), alternating down and up a few times.
 * Node sizes are the caller's (rl_place), so text can decide widths.
 */
#ifndef ETPU_REPORT_LAYOUT_H
#define ETPU_REPORT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/model.h"

typedef enum rl_kind { RL_OP, RL_GROUP, RL_INPUT, RL_OUTPUT, RL_DUMMY } rl_kind;

typedef struct rl_node {
    rl_kind kind;
    int32_t first;        /* RL_OP/RL_GROUP: first op; RL_INPUT/RL_OUTPUT: tensor */
    int32_t count;        /* RL_GROUP: number of ops (first .. first+count-1 in
                             members[]); 1 for RL_OP */
    size_t member_start;  /* into rl_layout.members */
    int placement;        /* the caller's class of the first op */
    bool mixed;           /* RL_GROUP: its ops are of several classes */
    int motif;            /* RL_GROUP: the caller's group_kind of a motif, RL_RUN
                             for a straight run, 0 otherwise */
    int layer;
    int order;            /* position within its layer */
    double x, y, w, h;    /* top-left corner and size */
} rl_node;

/* An edge between two real nodes; points[] is the route through dummies,
 * from the bottom centre of `from` to the top centre of `to`: for each
 * layer passed, two points at its bend point, at the layer's top and
 * bottom (2 + 2 x (layers spanned - 1) points; 2 when drawn straight). */
typedef struct rl_edge {
    int32_t from, to;
    int32_t tensor;       /* one tensor carried (the first); for tooltips */
    int32_t tensors;      /* how many tensors connect the two nodes */
    bool back;            /* goes upwards (only in a cyclic, invalid graph) */
    size_t point_start, point_count;
} rl_edge;

typedef struct rl_layout {
    size_t node_count, real_count; /* nodes[0..real_count) are drawn, the rest dummies */
    rl_node *nodes;
    int32_t *members;     /* ops of RL_OP/RL_GROUP nodes, in order */
    int32_t *op_node;     /* op -> node */
    size_t edge_count;
    rl_edge *edges;
    double *points;       /* x,y pairs */
    size_t layer_count;
    size_t crossings;     /* edge crossings of the chosen order */
    double width, height;
    /* internal */
    size_t seg_count;
    int32_t *seg_from, *seg_to;
    int32_t *edge_dummy_start; /* per edge: first dummy node, -1 if none */
} rl_layout;

enum { RL_RUN = 255 };

/* Bend points (dummy nodes) of long edges are made only while they number
 * at most RL_BENDS_PER_NODE per drawn node + RL_BENDS_MIN; beyond, long
 * edges are drawn straight (see add_dummies). */
enum { RL_BENDS_PER_NODE = 8, RL_BENDS_MIN = 1024 };

typedef struct rl_params {
    int collapse;            /* min ops in a collapsed run; 0 = never (and no motifs) */
    const int *placement;    /* per op: the class runs keep the same */
    const int32_t *group_of; /* per op: caller's group (drawn as one node; each group
                                must be convex: no path leaves and re-enters it), or
                                -1; NULL = none */
    const uint8_t *group_kind; /* per group: stored in rl_node.motif */
    const bool *keep_single; /* per op: never collapse (e.g. the breaking op); may be NULL */
    bool show_inputs;        /* draw model inputs/outputs as nodes */
} rl_params;

/* Steps 1-3. */
etpu_status rl_build(const etpu_subgraph *sg, const rl_params *p, rl_layout *out,
                     etpu_error *err);
/* Step 4, with every real node's w/h already set by the caller. */
etpu_status rl_place(rl_layout *l, etpu_error *err);
void rl_free(rl_layout *l);

#endif
