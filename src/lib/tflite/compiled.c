/*
 * compiled.c — which ops of a model the Edge TPU compiler kept for the CPU
 * (etpu/compiled.h).
 *
 * Everything is by tensor name: the compiler keeps the names of the tensors
 * it does not swallow (every pair in ../shared/corpus has the same input
 * and output names as its model, and every custom op's inputs and outputs
 * are names of the model's tensors). Names are looked up in sorted tables,
 * so matching costs O((ops + tensors) log tensors) whatever the input.
 */
#include "etpu/compiled.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/graph.h"
#include "flatbuf/flatbuf.h"

bool etpu_op_is_edgetpu(const etpu_model *m, const etpu_operator *op)
{
    const etpu_operator_code *c = etpu_op_code(m, op);
    return c && c->builtin_code == ETPU_OP_CUSTOM && c->custom_code &&
           !strcmp(c->custom_code, ETPU_EDGETPU_CUSTOM_CODE);
}

/* executable.fbs (google-coral/libedgetpu), table Package: field 0
 * min_runtime_version:int, field 3 keypair_version:int, field 4
 * compiler_version:string. */
enum { PACKAGE_MIN_RUNTIME_VERSION = 0, PACKAGE_COMPILER_VERSION = 4 };

static const fb_field package_fields[] = {
    {.id = PACKAGE_MIN_RUNTIME_VERSION, .kind = FB_SCALAR, .size = 4,
     .name = "min_runtime_version"},
    {.id = PACKAGE_COMPILER_VERSION, .kind = FB_STRING, .name = "compiler_version"},
};
static const fb_table_schema package_schema = {
    "Package", sizeof package_fields / sizeof package_fields[0], package_fields};

/* A package is small in tables; a generous budget still bounds hostile ones. */
static const fb_verify_limits package_limits = {.max_depth = 4, .max_tables = 64};

/* The custom options bytes of op, inside the file (NULL when none). */
static const uint8_t *custom_options(const etpu_model *model, const etpu_operator *op,
                                     size_t *size)
{
    if (op->custom_options_offset && op->custom_options_size) {
        *size = op->custom_options_size;
        return model->data + op->custom_options_offset;
    }
    /* Options stored after the flatbuffer (models > 2 GB); the reader has
     * checked that offset and size lie inside the file. */
    if (op->large_custom_options_offset > 1 && op->large_custom_options_size) {
        *size = (size_t)op->large_custom_options_size;
        return model->data + op->large_custom_options_offset;
    }
    return NULL;
}

/* Read the package that starts at bytes (a flatbuffer with identifier
 * DWN1); false when it does not verify. */
static bool read_package_at(const uint8_t *bytes, size_t size, etpu_compiled_summary *out)
{
    fb_buf b = {bytes, size};
    size_t root;
    etpu_error ignored;
    fb_table t;
    if (fb_verify_buffer(&b, "DWN1", &package_schema, &package_limits, &root, &ignored) ||
        !fb_table_open(&b, root, &t))
        return false;
    int32_t runtime = fb_get_i32(&b, &t, PACKAGE_MIN_RUNTIME_VERSION, -1);
    if (runtime > out->min_runtime_version)
        out->min_runtime_version = runtime;
    uint32_t len;
    const char *version = fb_get_string(&b, &t, PACKAGE_COMPILER_VERSION, &len);
    if (version && !out->compiler_version[0]) {
        size_t n = 0;
        bool digits = false; /* most packages say only "cl/": no build number */
        for (uint32_t i = 0; i < len && n + 1 < sizeof out->compiler_version; i++)
            if (version[i] >= 0x20 && version[i] < 0x7f) {
                digits |= version[i] >= '0' && version[i] <= '9';
                out->compiler_version[n++] = version[i];
            }
        out->compiler_version[digits ? n : 0] = '\0';
    }
    return true;
}

/* The custom options are a FlexBuffers map whose blob value holds the
 * package. Rather than decode FlexBuffers, find the package by its file
 * identifier: a flatbuffer's identifier sits at bytes 4..7, its offsets only
 * point forward, and the verifier checks every one of them against the end
 * of the options, so a stray "DWN1" elsewhere fails verification and the
 * search goes on. */
static void read_package(const uint8_t *bytes, size_t size, etpu_compiled_summary *out)
{
    for (size_t pos = 4; pos + 4 <= size; pos++) {
        const uint8_t *hit = memchr(bytes + pos, 'D', size - pos - 3);
        if (!hit)
            return;
        pos = (size_t)(hit - bytes);
        if (pos + 4 <= size && !memcmp(hit, "DWN1", 4) &&
            read_package_at(bytes + pos - 4, size - (pos - 4), out))
            return;
    }
}

uint64_t etpu_compiled_payload_bytes(const etpu_model *model, const etpu_operator *op)
{
    size_t size = 0;
    if (etpu_op_is_edgetpu(model, op))
        custom_options(model, op, &size);
    return size;
}

bool etpu_compiled_summarize(const etpu_model *model, etpu_compiled_summary *out)
{
    memset(out, 0, sizeof *out);
    out->min_runtime_version = -1;
    for (size_t g = 0; g < model->subgraph_count; g++)
        for (size_t i = 0; i < model->subgraphs[g].operator_count; i++) {
            const etpu_operator *op = &model->subgraphs[g].operators[i];
            if (!etpu_op_is_edgetpu(model, op)) {
                out->cpu_ops++;
                continue;
            }
            out->custom_ops++;
            size_t size = 0;
            const uint8_t *bytes = custom_options(model, op, &size);
            out->payload_bytes += size;
            if (bytes)
                read_package(bytes, size, out);
        }
    return out->custom_ops > 0;
}

/* A name and an index: a tensor name and the op writing it, or a tensor. */
typedef struct name_index {
    const char *name;
    int32_t index;
} name_index;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const name_index *)a)->name, ((const name_index *)b)->name);
}

/* The one entry named name, or NULL (absent, or several: then *several). */
static const name_index *find_unique(const name_index *v, size_t n, const char *name,
                                     bool *several)
{
    name_index key = {name, 0};
    const name_index *hit = bsearch(&key, v, n, sizeof *v, cmp_name);
    if (several)
        *several = false;
    if (!hit)
        return NULL;
    bool dup = (hit > v && !strcmp(hit[-1].name, name)) || (hit + 1 < v + n && !strcmp(hit[1].name, name));
    if (dup) {
        if (several)
            *several = true;
        return NULL;
    }
    return hit;
}

/* Lookups of compiled tensor tb's name, memoized per tensor (an op may
 * name one tensor in a million slots, and names can be long): the index
 * in v found by bsearch (unique: the only one of that name), -1 when
 * absent or unnamed, SEVERAL when unique and several have the name. */
enum { NOT_LOOKED = -2, SEVERAL = -3 };

static const char *tensor_name(const etpu_subgraph *sg, int32_t t);

static int32_t find_memo(const name_index *v, size_t n, const etpu_subgraph *c, int32_t tb, bool unique,
                         int32_t *memo)
{
    if (tb < 0 || (size_t)tb >= c->tensor_count)
        return -1;
    if (memo[tb] != NOT_LOOKED)
        return memo[tb];
    const char *nm = tensor_name(c, tb);
    int32_t r = -1;
    if (nm[0] && unique) {
        bool several = false;
        const name_index *h = find_unique(v, n, nm, &several);
        r = h ? h->index : several ? SEVERAL : -1;
    } else if (nm[0]) {
        const name_index *h = bsearch(&(name_index){nm, 0}, v, n, sizeof *v, cmp_name);
        r = h ? h->index : -1;
    }
    return memo[tb] = r;
}

/* A model string fit for one error line: at most 60 characters, printable
 * ASCII, the rest as '?'. */
static const char *safe(char *buf, size_t size, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 4 < size && o < 60; s++)
        buf[o++] = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?';
    if (s && *s)
        buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
    buf[o] = '\0';
    return buf;
}

static const char *tensor_name(const etpu_subgraph *sg, int32_t t)
{
    return t >= 0 && (size_t)t < sg->tensor_count && sg->tensors[t].name ? sg->tensors[t].name : "";
}

static const char *op_name(const etpu_model *m, const etpu_operator *op)
{
    const char *n = etpu_op_display_name(m, op);
    return n ? n : "?";
}

#define NOT_THIS(...) etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET, __VA_ARGS__)
static const char WHY[] = ": is it compiled from this model?";

/* Same scales and zero points, bit for bit: the compiler copies the
 * quantization of every tensor it keeps (in 38 of the 40 model/compiled
 * pairs of ../shared/corpus every tensor the two share by name has it
 * bit for bit; the other two are compiled from another export of the
 * network: mg-padded's compiled file is named model_, not mobile_, and
 * differs in 16 tensors; td-bodypix's in its two heatmap outputs). Two
 * trainings of one network (deeplabv3_mnv2_pascal_quant and its dm05
 * sibling: same names, same shapes at the Edge TPU boundary) differ here. */
static bool same_quant(const etpu_quant *x, const etpu_quant *y)
{
    size_t xs = x ? x->scale_count : 0, ys = y ? y->scale_count : 0;
    size_t xz = x ? x->zero_point_count : 0, yz = y ? y->zero_point_count : 0;
    if (xs != ys || xz != yz)
        return false;
    return (!xs || !memcmp(x->scale, y->scale, xs * sizeof *x->scale)) &&
           (!xz || !memcmp(x->zero_point, y->zero_point, xz * sizeof *x->zero_point));
}

/* How model tensor ta (of a) differs from compiled tensor tb (of b): NULL
 * when it does not, else a phrase for the error line. A model tensor
 * without a shape matches any: the compiler writes the shapes it inferred
 * where the converter left none (the four outputs of
 * TFLite_Detection_PostProcess in clsandoval__coral_tpu: [] in the model,
 * [1,10], [1,10,4], [1], [1,10] in the compiled model). */
static const char *tensor_differs(const etpu_subgraph *a, int32_t ta, const etpu_subgraph *b, int32_t tb,
                                  int32_t *same_as)
{
    bool ina = ta >= 0 && (size_t)ta < a->tensor_count, inb = tb >= 0 && (size_t)tb < b->tensor_count;
    if (!ina || !inb)
        return ina == inb ? NULL : "a tensor on one side only";
    /* each compiled tensor is compared once with its model tensor, however
     * many ops name it: shapes are as long as the model makes them */
    if (same_as[tb] == ta + 1)
        return NULL;
    const etpu_tensor *x = &a->tensors[ta], *y = &b->tensors[tb];
    if (x->type != y->type)
        return "another type";
    if (x->shape.count && (x->shape.count != y->shape.count ||
                           memcmp(x->shape.items, y->shape.items, x->shape.count * sizeof *x->shape.items)))
        return "another shape";
    if (!same_quant(x->quant, y->quant))
        return "another scale or zero point";
    same_as[tb] = ta + 1;
    return NULL;
}

/* The first of the two lists' tensors whose name, type, shape or
 * quantization differs (k, *what), or -1 when they are the same. */
static long first_other(const etpu_subgraph *a, const etpu_i32_array *x, const etpu_subgraph *b,
                        const etpu_i32_array *y, int32_t *same_as, const char **what)
{
    *what = "another count of tensors";
    if (x->count != y->count)
        return 0;
    for (size_t k = 0; k < x->count; k++) {
        *what = "another name";
        if (strcmp(tensor_name(a, x->items[k]), tensor_name(b, y->items[k])))
            return (long)k;
        if ((*what = tensor_differs(a, x->items[k], b, y->items[k], same_as)))
            return (long)k;
    }
    return -1;
}

/* What matching a compiled model against its model works with. */
typedef struct matcher {
    const etpu_model *model, *compiled;
    const etpu_subgraph *a, *c;  /* their subgraphs 0 */
    int32_t *same_as;            /* [compiled tensor] = 1 + the model tensor found equal */
    name_index *tensors;         /* the model's named tensors, by name */
    name_index *writers;         /* the model's ops, by the names of their outputs */
    size_t nt, nw;
    /* three memos (find_memo) per compiled tensor: any model tensor of its
     * name, the only one, the only op writing it */
    int32_t *memo, *any_memo, *unique_memo, *writer_memo;
    char b1[72], b2[72];         /* safe() copies of names for an error line */
    etpu_error *err;             /* for NOT_THIS */
} matcher;

/* Refusals that need no tensor matching: no Edge TPU op; more tensor slots
 * than the files hold (work here is per slot, graph.h); more ops kept than
 * the model has. */
static etpu_status check_sizes(const etpu_model *model, const etpu_model *compiled,
                               const etpu_compiled_summary *s, etpu_error *err)
{
    if (!s->custom_ops)
        return NOT_THIS("not compiled for the Edge TPU (no %s in its main subgraph)",
                        ETPU_EDGETPU_CUSTOM_CODE);
    const etpu_model *files[2] = {model, compiled};
    for (int f = 0; f < 2; f++) {
        size_t slots = etpu_subgraph_slots(&files[f]->subgraphs[0]);
        if (slots > files[f]->size / 4)
            return NOT_THIS("%s lists %zu tensor slots, more than its %zu bytes hold: its ops share "
                            "index vectors, which no converter writes", f ? "it" : "the model", slots,
                            files[f]->size);
    }
    size_t n = model->subgraphs[0].operator_count;
    if (s->cpu_ops + s->custom_ops > n)
        return NOT_THIS("it keeps %zu ops for the CPU and %zu Edge TPU subgraphs, more than the "
                        "%zu ops of the model%s", s->cpu_ops, s->custom_ops, n, WHY);
    return ETPU_OK;
}

/* The same graph inputs and outputs, tensor by tensor. */
static etpu_status match_io(matcher *x)
{
    etpu_error *err = x->err;
    const etpu_subgraph *a = x->a, *c = x->c;
    for (int side = 0; side < 2; side++) {
        const etpu_i32_array *mine = side ? &a->outputs : &a->inputs;
        const etpu_i32_array *theirs = side ? &c->outputs : &c->inputs;
        const char *what = NULL;
        long k = first_other(a, mine, c, theirs, x->same_as, &what);
        if (k >= 0 && mine->count != theirs->count)
            return NOT_THIS("it has %zu %s, the model %zu%s", theirs->count,
                            side ? "outputs" : "inputs", mine->count, WHY);
        if (k >= 0)
            return NOT_THIS("its %s %ld \"%s\" has %s than the model's%s",
                            side ? "output" : "input", k,
                            safe(x->b1, sizeof x->b1, tensor_name(c, theirs->items[k])), what, WHY);
    }
    return ETPU_OK;
}

/* Allocate and fill the name indexes and memos; false when out of memory. */
static bool index_model(matcher *x)
{
    const etpu_subgraph *a = x->a;
    size_t n = a->operator_count, outs = 0;
    for (size_t i = 0; i < n; i++)
        outs += a->operators[i].outputs.count;
    x->tensors = malloc((a->tensor_count ? a->tensor_count : 1) * sizeof *x->tensors);
    x->writers = malloc((outs ? outs : 1) * sizeof *x->writers);
    size_t ct = x->c->tensor_count ? x->c->tensor_count : 1;
    x->memo = malloc(3 * ct * sizeof *x->memo);
    if (!x->tensors || !x->writers || !x->memo)
        return false;
    for (size_t k = 0; k < 3 * ct; k++)
        x->memo[k] = NOT_LOOKED;
    x->any_memo = x->memo;
    x->unique_memo = x->memo + ct;
    x->writer_memo = x->memo + 2 * ct;
    for (size_t t = 0; t < a->tensor_count; t++)
        if (a->tensors[t].name && a->tensors[t].name[0])
            x->tensors[x->nt++] = (name_index){a->tensors[t].name, (int32_t)t};
    qsort(x->tensors, x->nt, sizeof *x->tensors, cmp_name);
    for (size_t i = 0; i < n; i++)
        for (size_t o = 0; o < a->operators[i].outputs.count; o++) {
            const char *nm = tensor_name(a, a->operators[i].outputs.items[o]);
            if (nm[0])
                x->writers[x->nw++] = (name_index){nm, (int32_t)i};
        }
    qsort(x->writers, x->nw, sizeof *x->writers, cmp_name);
    return true;
}

/* Every named tensor Edge TPU op i reads or writes is a model tensor with
 * the same type, shape and quantization. */
static etpu_status match_edgetpu_op(matcher *x, size_t i, const etpu_operator *op)
{
    etpu_error *err = x->err;
    for (int side = 0; side < 2; side++) {
        const etpu_i32_array *io = side ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < io->count; k++) {
            const char *nm = tensor_name(x->c, io->items[k]);
            int32_t hit = find_memo(x->tensors, x->nt, x->c, io->items[k], false, x->any_memo);
            const char *what =
                hit >= 0 ? tensor_differs(x->a, hit, x->c, io->items[k], x->same_as) : NULL;
            if (nm[0] && (hit < 0 || what))
                return NOT_THIS("its Edge TPU op #%zu %s tensor \"%s\", which the model %s%s%s", i,
                                side ? "writes" : "reads", safe(x->b1, sizeof x->b1, nm),
                                hit >= 0 ? "has with " : "does not have", hit >= 0 ? what : "",
                                WHY);
        }
    }
    return ETPU_OK;
}

/* CPU op i of the compiled model is one op of the model, found by the name
 * of a tensor it writes, of the same type, and no other CPU op's; it is
 * marked in out->on_cpu. */
static etpu_status match_cpu_op(matcher *x, size_t i, const etpu_operator *op,
                                etpu_compiled_match *out)
{
    etpu_error *err = x->err;
    const etpu_model *model = x->model, *compiled = x->compiled;
    int32_t hit = -1;
    bool ambiguous = false;
    for (size_t o = 0; o < op->outputs.count && hit < 0; o++) {
        int32_t w = find_memo(x->writers, x->nw, x->c, op->outputs.items[o], true, x->writer_memo);
        ambiguous |= w == SEVERAL;
        if (w >= 0)
            hit = w;
    }
    if (hit < 0) {
        const char *nm = op->outputs.count ? tensor_name(x->c, op->outputs.items[0]) : "";
        return NOT_THIS("its CPU op #%zu %s writes \"%s\", which %s%s", i,
                        safe(x->b2, sizeof x->b2, op_name(compiled, op)),
                        safe(x->b1, sizeof x->b1, nm),
                        ambiguous ? "several ops of the model write (the names do not identify it)"
                                  : "no op of the model writes",
                        WHY);
    }
    int32_t out0 = op->outputs.count ? op->outputs.items[0] : -1;
    const etpu_operator *mine = &x->a->operators[hit];
    const char *what = tensor_differs(x->a, mine->outputs.count ? mine->outputs.items[0] : -1,
                                      x->c, out0, x->same_as);
    if (what)
        return NOT_THIS("its CPU op #%zu %s writes a tensor with %s than the model's op #%d%s", i,
                        safe(x->b1, sizeof x->b1, op_name(compiled, op)), what, hit, WHY);
    if (strcmp(op_name(compiled, op), op_name(model, mine)))
        return NOT_THIS("its CPU op #%zu is %s, but the model's op #%d writing the same tensor is "
                        "%s%s", i, safe(x->b1, sizeof x->b1, op_name(compiled, op)), hit,
                        safe(x->b2, sizeof x->b2, op_name(model, mine)), WHY);
    if (out->on_cpu[hit])
        return NOT_THIS("two of its CPU ops are the model's op #%d%s", hit, WHY);
    out->on_cpu[hit] = true;
    out->cpu_ops++;
    return ETPU_OK;
}

/* Which custom op holds each mapped op: walk up from the model tensors a
 * custom op writes, through mapped ops, until a CPU op or an input. */
static etpu_status assign_edgetpu_subgraphs(matcher *x, etpu_compiled_match *out)
{
    size_t n = x->a->operator_count;
    for (size_t i = 0; i < n; i++)
        out->edgetpu_subgraph[i] = -1;
    int32_t *stack = malloc((n ? n : 1) * sizeof *stack);
    if (!stack)
        return etpu_error_set(x->err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    etpu_graph g;
    if (etpu_graph_build(x->a, &g, x->err)) {
        free(stack);
        return ETPU_FAIL;
    }
    int32_t run = 0;
    for (size_t i = 0; i < x->c->operator_count; i++) {
        const etpu_operator *op = &x->c->operators[i];
        if (!etpu_op_is_edgetpu(x->compiled, op))
            continue;
        size_t top = 0;
        for (size_t k = 0; k < op->outputs.count; k++) {
            int32_t t = find_memo(x->tensors, x->nt, x->c, op->outputs.items[k], true,
                                  x->unique_memo);
            int32_t p = t >= 0 ? etpu_graph_producer(&g, t) : -1;
            if (p >= 0 && !out->on_cpu[p] && out->edgetpu_subgraph[p] < 0) {
                out->edgetpu_subgraph[p] = run;
                stack[top++] = p;
            }
        }
        while (top) {
            const etpu_operator *mop = &x->a->operators[stack[--top]];
            for (size_t k = 0; k < mop->inputs.count; k++) {
                int32_t p = etpu_graph_producer(&g, mop->inputs.items[k]);
                if (p >= 0 && !out->on_cpu[p] && out->edgetpu_subgraph[p] < 0) {
                    out->edgetpu_subgraph[p] = run;
                    stack[top++] = p;
                }
            }
        }
        run++;
    }
    etpu_graph_free(&g);
    free(stack);
    return ETPU_OK;
}

/* The steps in order, each refusing with one sentence; out is filled as
 * they go. */
static etpu_status match(matcher *x, const etpu_compiled_summary *s, etpu_compiled_match *out)
{
    size_t n = x->a->operator_count;
    if (match_io(x))
        return ETPU_FAIL;
    out->on_cpu = calloc(n ? n : 1, sizeof *out->on_cpu);
    out->edgetpu_subgraph = malloc((n ? n : 1) * sizeof *out->edgetpu_subgraph);
    if (!out->on_cpu || !out->edgetpu_subgraph || !index_model(x))
        return etpu_error_set(x->err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < x->c->operator_count; i++) {
        const etpu_operator *op = &x->c->operators[i];
        if (etpu_op_is_edgetpu(x->compiled, op) ? match_edgetpu_op(x, i, op)
                                                : match_cpu_op(x, i, op, out))
            return ETPU_FAIL;
    }
    out->op_count = n;
    out->tpu_ops = n - out->cpu_ops;
    out->edgetpu_subgraphs = s->custom_ops;
    out->payload_bytes = s->payload_bytes;
    if (assign_edgetpu_subgraphs(x, out))
        return ETPU_FAIL;
    /* a mapped op no custom op's outputs lead to (its result is unused):
     * with one custom op there is only one place it can be */
    if (s->custom_ops == 1)
        for (size_t i = 0; i < n; i++)
            if (!out->on_cpu[i])
                out->edgetpu_subgraph[i] = 0;
    return ETPU_OK;
}

etpu_status etpu_compiled_match_model(const etpu_model *model, const etpu_model *compiled,
                                      etpu_compiled_match *out, etpu_error *err)
{
    memset(out, 0, sizeof *out);
    if (!model->subgraph_count || !compiled->subgraph_count)
        return NOT_THIS("a model has no subgraph");
    etpu_compiled_summary s;
    etpu_compiled_summarize(compiled, &s);
    if (check_sizes(model, compiled, &s, err))
        return ETPU_FAIL;
    matcher x = {.model = model, .compiled = compiled, .a = &model->subgraphs[0],
                 .c = &compiled->subgraphs[0], .err = err};
    x.same_as = calloc(x.c->tensor_count ? x.c->tensor_count : 1, sizeof *x.same_as);
    etpu_status st = x.same_as ? match(&x, &s, out)
                               : etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET,
                                                "out of memory");
    free(x.same_as);
    free(x.memo);
    free(x.tensors);
    free(x.writers);
    if (st != ETPU_OK)
        etpu_compiled_match_free(out);
    return st;
}

void etpu_compiled_match_free(etpu_compiled_match *m)
{
    free(m->on_cpu);
    free(m->edgetpu_subgraph);
    memset(m, 0, sizeof *m);
}
