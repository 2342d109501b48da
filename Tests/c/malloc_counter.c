/*
 * An LD_PRELOAD library that counts calls to malloc, calloc, realloc, posix_memalign,
 * aligned_alloc and memalign. `glam bench` looks up malloc_counter_total when it is loaded and prints
 * the allocations of its timed runs; Tests/allocation-check.sh runs it that way.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long calls;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

/* dlsym may call calloc while calloc itself is being resolved; those requests come from here. */
static char bootstrap[16384];
static size_t bootstrap_used;

static void *bootstrap_alloc(size_t size) {
    size_t rounded = (size + 15) & ~(size_t)15;
    if (bootstrap_used + rounded > sizeof bootstrap) return NULL;
    void *block = bootstrap + bootstrap_used;
    bootstrap_used += rounded;
    return block;
}

long malloc_counter_total(void) { return atomic_load(&calls); }


static int in_bootstrap(const void *pointer) {
    const char *address = pointer;
    return address >= bootstrap && address < bootstrap + sizeof bootstrap;
}

void *malloc(size_t size) {
    if (real_malloc == NULL) real_malloc = dlsym(RTLD_NEXT, "malloc");
    atomic_fetch_add(&calls, 1);
    return real_malloc(size);
}

void *calloc(size_t count, size_t size) {
    static int resolving;
    if (real_calloc == NULL) {
        if (resolving) {
            /* dlsym's own calloc while it looks up calloc; the bootstrap arena is zeroed. */
            return bootstrap_alloc(count * size);
        }
        resolving = 1;
        real_calloc = dlsym(RTLD_NEXT, "calloc");
        resolving = 0;
    }
    atomic_fetch_add(&calls, 1);
    return real_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    if (real_realloc == NULL) real_realloc = dlsym(RTLD_NEXT, "realloc");
    atomic_fetch_add(&calls, 1);
    if (in_bootstrap(pointer)) {
        void *moved = malloc(size);
        if (moved) memcpy(moved, pointer, size);
        return moved;
    }
    return real_realloc(pointer, size);
}

int posix_memalign(void **pointer, size_t alignment, size_t size) {
    if (real_posix_memalign == NULL) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    atomic_fetch_add(&calls, 1);
    return real_posix_memalign(pointer, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    if (real_aligned_alloc == NULL) real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    atomic_fetch_add(&calls, 1);
    return real_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    if (real_memalign == NULL) real_memalign = dlsym(RTLD_NEXT, "memalign");
    atomic_fetch_add(&calls, 1);
    return real_memalign(alignment, size);
}

void free(void *pointer) {
    if (in_bootstrap(pointer)) return;
    static void (*real_free)(void *);
    if (real_free == NULL) real_free = dlsym(RTLD_NEXT, "free");
    real_free(pointer);
}
