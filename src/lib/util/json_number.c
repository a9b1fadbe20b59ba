/*
 * json_number.c — how the JSON writer spells numbers (etpu/json.h): integers
 * and integral doubles without printf, and float32 values as the shortest
 * decimal that reads back as the same float32, found in one pass with exact
 * integer arithmetic.
 *
 * Shortest float32 (etpu_json_format_float). A finite float32 is v = f * 2^e
 * with f < 2^24. Every decimal strictly between the midpoints to its two
 * neighbours reads back (strtof rounds to nearest) as v, and so does a
 * midpoint itself when f is even (ties go to the even mantissa). Scaled by
 * 2^(2-e), v and the distances to those midpoints are the integers
 *     r = 4f,  m_hi = 2,  m_lo = 2 (1 when f is a power of two above the
 *     smallest exponent: the neighbour below is then half as far),
 * over the unit 2^T, T = 2 - e. Decimal digits come out from the left: the
 * integer part is r >> T, and each further digit is the next multiply by
 * ten. Multiplying r and the m's by 5 and halving the unit (T - 1) is the
 * same as multiplying by ten, so the unit stays a power of two, a digit is
 * a shift and the remainder a mask. After each digit d with remainder r
 * (the digits so far are P, the value of one step at this place is 2^T):
 *     P alone reads back       iff r <= m_lo (r < m_lo when f is odd);
 *     P + one step reads back  iff r + m_hi >= 2^T (> when f is odd).
 * The first place where either holds gives the shortest string (no string
 * with fewer digits lies between the midpoints); when both hold the closer
 * one is taken (2r against 2^T), a tie going to the even digit as printf
 * rounds. P + one step never carries (a 9 becoming 10): the place before
 * would then already have read back. r, the m's and 2^T stay below 2^120
 * (r < 10 * 2^T once digits start, and before that r = 4f * 5^k < 2^T with
 * T = 151 - k at most), so a pair of 64-bit words holds them exactly.
 *
 * Integral floats below 10^15 are printed as the integer they are (as cJSON
 * printed them); integral floats of 10^15 and more (f * 2^e with e >= 26)
 * try 1..9 significant digits of their exact decimal expansion, rounded to
 * nearest-even as printf does, and take the first whose distance to v is
 * within half a step.
 */
#include "etpu/json.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---- 128-bit unsigned arithmetic on two words (no compiler extension) ---- */

typedef struct u128 {
    uint64_t hi, lo;
} u128;

static u128 u128_of(uint64_t x) { return (u128){0, x}; }

static u128 u128_add(u128 a, u128 b)
{
    u128 s = {a.hi + b.hi, a.lo + b.lo};
    s.hi += s.lo < a.lo;
    return s;
}

static u128 u128_sub(u128 a, u128 b) /* a >= b */
{
    u128 d = {a.hi - b.hi, a.lo - b.lo};
    d.hi -= a.lo < b.lo;
    return d;
}

static int u128_cmp(u128 a, u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static u128 u128_shl(u128 a, unsigned n) /* n < 128 */
{
    if (n == 0)
        return a;
    if (n >= 64)
        return (u128){a.lo << (n - 64), 0};
    return (u128){(a.hi << n) | (a.lo >> (64 - n)), a.lo << n};
}

static u128 u128_shr(u128 a, unsigned n)
{
    if (n >= 128)
        return u128_of(0);
    if (n >= 64)
        return u128_of(a.hi >> (n - 64));
    if (n == 0)
        return a;
    return (u128){a.hi >> n, (a.lo >> n) | (a.hi << (64 - n))};
}

/* a mod 2^n */
static u128 u128_low_bits(u128 a, unsigned n)
{
    if (n >= 128)
        return a;
    if (n >= 64)
        return (u128){n == 64 ? 0 : a.hi & ((UINT64_C(1) << (n - 64)) - 1), a.lo};
    return u128_of(n == 0 ? 0 : a.lo & ((UINT64_C(1) << n) - 1));
}

/* Compared with 2^n (any n). */
static int u128_cmp_pow2(u128 a, unsigned n)
{
    if (n >= 128)
        return -1;
    return u128_cmp(a, u128_shl(u128_of(1), n));
}

static u128 u128_mul5(u128 a) { return u128_add(a, u128_shl(a, 2)); }
static u128 u128_mul10(u128 a) { return u128_shl(u128_mul5(a), 1); }

/* a / 10, the remainder in *rem: four 32-bit long-division steps. */
static u128 u128_divmod10(u128 a, unsigned *rem)
{
    uint32_t words[4] = {(uint32_t)(a.hi >> 32), (uint32_t)a.hi, (uint32_t)(a.lo >> 32),
                         (uint32_t)a.lo};
    uint64_t r = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t cur = (r << 32) | words[i];
        words[i] = (uint32_t)(cur / 10);
        r = cur % 10;
    }
    *rem = (unsigned)r;
    return (u128){((uint64_t)words[0] << 32) | words[1], ((uint64_t)words[2] << 32) | words[3]};
}

/* ---- digits to text --------------------------------------------------------- */

/* Decimal digits of x, most significant first; returns how many (>= 1). */
static int u64_digits(uint64_t x, char out[20])
{
    char rev[20];
    int n = 0;
    do {
        rev[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    for (int i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    return n;
}

/* A bounded appender: never writes past cap - 1, always terminates. */
typedef struct text_out {
    char *p;
    int len, cap;
} text_out;

static void put_n(text_out *t, const char *s, int n)
{
    int room = t->cap - 1 - t->len;
    if (n > room)
        n = room > 0 ? room : 0;
    memcpy(t->p + t->len, s, (size_t)n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void put(text_out *t, char c) { put_n(t, &c, 1); }

/* The significant digits d[0..n) (no trailing zeros) of a value whose first
 * digit is at 10^x, spelled as printf("%.<n>g") spells it: fixed notation
 * when -4 <= x < n, else d.ddde[+-]XX with at least two exponent digits. */
static void put_decimal(text_out *t, bool negative, const char *d, int n, int x)
{
    if (negative)
        put(t, '-');
    if (x < -4 || x >= n) {
        put(t, d[0]);
        if (n > 1) {
            put(t, '.');
            put_n(t, d + 1, n - 1);
        }
        put(t, 'e');
        put(t, x < 0 ? '-' : '+');
        char e[20];
        int en = u64_digits((uint64_t)(x < 0 ? -x : x), e);
        if (en < 2)
            put(t, '0');
        put_n(t, e, en);
    } else if (x >= 0) {
        put_n(t, d, x + 1);
        if (n > x + 1) {
            put(t, '.');
            put_n(t, d + x + 1, n - x - 1);
        }
    } else {
        put(t, '0');
        put(t, '.');
        for (int i = -1; i > x; i--)
            put(t, '0');
        put_n(t, d, n);
    }
}

/* ---- shortest float32 --------------------------------------------------- */

/* The decision at one place (see the top of the file): -1 to go on, else the
 * last digit, d or d + 1. */
static int last_digit(u128 r, u128 m_lo, u128 m_hi, unsigned t, bool inclusive, uint64_t d)
{
    int lo_cmp = u128_cmp(r, m_lo);
    int hi_cmp = u128_cmp_pow2(u128_add(r, m_hi), t);
    bool p_reads_back = inclusive ? lo_cmp <= 0 : lo_cmp < 0;
    bool next_reads_back = inclusive ? hi_cmp >= 0 : hi_cmp > 0;
    if (!p_reads_back && !next_reads_back)
        return -1;
    if (p_reads_back != next_reads_back)
        return (int)(p_reads_back ? d : d + 1);
    int half = u128_cmp_pow2(u128_shl(r, 1), t);
    if (half == 0)
        return (int)((d % 2 == 0) ? d : d + 1);
    return (int)(half < 0 ? d : d + 1);
}

/* Significant digits of the shortest decimal that reads back as the
 * non-integral float32 f * 2^e (e < 0); *x = the place of the first digit. */
static int shortest_digits(uint32_t f, int e, bool lo_closer, char digits[48], int *x)
{
    unsigned t = (unsigned)(2 - e);
    u128 r = u128_of((uint64_t)f << 2);
    u128 m_hi = u128_of(2), m_lo = u128_of(lo_closer ? 1 : 2);
    bool inclusive = f % 2 == 0;
    uint64_t ipart = u128_shr(r, t).lo; /* < 2^23: the value is not integral above */
    r = u128_low_bits(r, t);
    int last = last_digit(r, m_lo, m_hi, t, inclusive, ipart);
    if (last >= 0) { /* an integer reads back: its digits, trailing zeros dropped */
        int n = u64_digits((uint64_t)last, digits);
        *x = n - 1;
        while (n > 1 && digits[n - 1] == '0')
            n--;
        return n;
    }
    int n = ipart ? u64_digits(ipart, digits) : 0;
    *x = n - 1; /* -1 before the first fraction digit when there is no integer part */
    /* t falls by one a place and the remainder is 0 once t is 0, so this
     * ends within t places; 48 digits are never reached (9 always do). */
    while (t > 0 && n < 48) {
        r = u128_mul5(r);
        m_lo = u128_mul5(m_lo);
        m_hi = u128_mul5(m_hi);
        t--;
        uint64_t d = u128_shr(r, t).lo;
        r = u128_low_bits(r, t);
        last = last_digit(r, m_lo, m_hi, t, inclusive, d);
        if (n == 0 && d == 0 && last < 0) {
            (*x)--; /* a leading zero */
            continue;
        }
        digits[n++] = (char)('0' + (last < 0 ? (int)d : last));
        if (last >= 0)
            break;
    }
    return n;
}

/* Integral float32 of 10^15 and more (f * 2^e, e >= 26, f < 2^24). */
static int huge_integer_digits(uint32_t f, int e, bool lo_closer, char digits[48], int *x)
{
    u128 v = u128_shl(u128_of(f), (unsigned)e); /* < 2^128: e <= 104 */
    char all[40];
    int len = 0;
    char rev[40];
    while ((v.hi || v.lo) && len < 40) {
        unsigned d;
        v = u128_divmod10(v, &d);
        rev[len++] = (char)('0' + d);
    }
    for (int i = 0; i < len; i++)
        all[i] = rev[len - 1 - i];
    u128 half_up = u128_shl(u128_of(1), (unsigned)(e - 1));
    u128 half_down = lo_closer ? u128_shl(u128_of(1), (unsigned)(e - 2)) : half_up;
    bool inclusive = f % 2 == 0;
    for (int n = 1; n <= len; n++) {
        u128 tail = u128_of(0), step = u128_of(1); /* < 10^38 < 2^127 */
        for (int i = n; i < len; i++) {
            tail = u128_add(u128_mul10(tail), u128_of((uint64_t)(all[i] - '0')));
            step = u128_mul10(step);
        }
        int c = u128_cmp(u128_shl(tail, 1), step);
        bool up = c > 0 || (c == 0 && (all[n - 1] - '0') % 2 == 1);
        u128 dist = up ? u128_sub(step, tail) : tail;
        int fit = u128_cmp(dist, up ? half_up : half_down);
        bool fits = inclusive ? fit <= 0 : fit < 0;
        if (!fits && lo_closer && !up) {
            /* Just above a power of two the gap below v is half the gap
             * above: the nearest decimal (rounded down) can miss while the
             * one rounded up still reads back (2^87: 1.5474251e+26). */
            int fit_up = u128_cmp(u128_sub(step, tail), half_up);
            fits = up = inclusive ? fit_up <= 0 : fit_up < 0;
        }
        if (!fits)
            continue;
        memcpy(digits, all, (size_t)n);
        *x = len - 1;
        int i = n - 1;
        while (up && i >= 0 && digits[i] == '9')
            digits[i--] = '0';
        if (up && i >= 0)
            digits[i]++;
        else if (up) { /* 99..9 rounded up to 10..0 */
            digits[0] = '1';
            (*x)++;
        }
        while (n > 1 && digits[n - 1] == '0')
            n--;
        return n;
    }
    return 0; /* not reached: all digits are v itself */
}

int etpu_json_format_float(char out[32], float v)
{
    text_out t = {out, 0, 32};
    out[0] = '\0';
    if (isnan(v) || isinf(v)) {
        put_n(&t, "null", 4);
        return t.len;
    }
    bool negative = signbit(v) != 0;
    float a = fabsf(v);
    if ((double)a < 1e15 && a == truncf(a)) { /* as cJSON's %1.15g: the whole integer, "-0" */
        char d[20];
        if (negative)
            put(&t, '-');
        put_n(&t, d, u64_digits((uint64_t)a, d));
        return t.len;
    }
    uint32_t bits;
    memcpy(&bits, &a, sizeof bits);
    uint32_t biased = bits >> 23, f = bits & 0x7fffffu;
    int e = biased ? (int)biased - 150 : -149;
    if (biased)
        f |= 0x800000u;
    bool lo_closer = f == 0x800000u && biased > 1;
    char digits[48] = {'0'}; /* "0" if nothing were found (not reached) */
    int x = 0;
    int n = e < 0 ? shortest_digits(f, e, lo_closer, digits, &x)
                  : huge_integer_digits(f, e, lo_closer, digits, &x);
    put_decimal(&t, negative, digits, n, x);
    return t.len;
}

/* ---- integers ------------------------------------------------------------ */

int etpu_json_format_int(char out[24], int64_t value)
{
    text_out t = {out, 0, 24};
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    char d[20];
    if (value < 0)
        put(&t, '-');
    put_n(&t, d, u64_digits(mag, d));
    return t.len;
}
