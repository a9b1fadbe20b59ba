/*
 * lsan_canary.c — leaks on purpose. Built only with ETPU_SANITIZE=ON, where
 * the test passes only if LeakSanitizer reports the leak: proof that the
 * hostile tests' leak checking is really on (LeakSanitizer is silently off
 * under ptrace, with ASAN_OPTIONS=detect_leaks=0, or on some platforms).
 */
#include <stdio.h>
#include <stdlib.h>

static void *volatile keep;

int main(void)
{
    keep = malloc(1234);
    keep = NULL; /* the only pointer is gone: a definite leak */
    puts("leaked 1234 bytes");
    return 0;
}
