/*
 * Opens a bundle, encodes and aligns a pair, reads every output and closes everything, N
 * times in a row, to show that a long-running host does not lose memory to libglam. Built
 * with -fsanitize=leak by `make leak-check`, so LeakSanitizer reports any block that is
 * unreachable at exit; the resident set size printed after the first and the last tenth of
 * the cycles shows memory that stays reachable but grows (a cache without a bound).
 *
 *   leak_cycles BUNDLE CC.png MLO.png CYCLES
 */
#define _POSIX_C_SOURCE 200809L
#include <glam.h>
#include <png.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_gray8(const char *path, int *width, int *height) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        return NULL;
    }
    image.format = PNG_FORMAT_GRAY;
    unsigned char *pixels = malloc(PNG_IMAGE_SIZE(image));
    if (pixels == NULL || !png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
        free(pixels);
        png_image_free(&image);
        return NULL;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    return pixels;
}

/* Resident set size in KiB, from /proc/self/statm. */
static long resident_kib(void) {
    long pages = 0, resident = 0;
    FILE *file = fopen("/proc/self/statm", "r");
    if (file == NULL) {
        return -1;
    }
    if (fscanf(file, "%ld %ld", &pages, &resident) != 2) {
        resident = -1;
    }
    fclose(file);
    return resident * 4;
}

static int cycle(const char *bundle, glam_image *cc, glam_image *mlo) {
    glam_model_options options;
    glam_model_options_init(&options, sizeof options);
    options.thread_count = 2;

    glam_model *model = NULL;
    glam_pair *pair = NULL;
    glam_alignment *alignment = NULL;
    int ok = glam_model_open(bundle, &options, &model) == GLAM_OK &&
             glam_encode_pair(model, cc, mlo, &pair) == GLAM_OK &&
             glam_align(model, pair, &alignment) == GLAM_OK;

    if (ok) {
        float heat[64 * 64];
        ok = glam_alignment_heatmap(alignment, GLAM_VIEW_CC, cc->width / 2.0, cc->height / 2.0, heat, 64, 64,
                                    NULL, NULL) == GLAM_OK;
    }
    if (!ok) {
        fprintf(stderr, "leak_cycles: %s\n", glam_last_error());
    }

    /* A failing call must not leak either, so every cycle also makes one. */
    glam_pair *unused = NULL;
    if (model != NULL && glam_encode_pair(model, mlo, cc, &unused) == GLAM_OK) {
        fprintf(stderr, "leak_cycles: swapped views were accepted\n");
        ok = 0;
    }

    glam_alignment_free(alignment);
    glam_pair_free(pair);
    glam_model_close(model);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: leak_cycles BUNDLE CC.png MLO.png CYCLES\n");
        return 2;
    }
    int cycles = atoi(argv[4]);
    int cc_width = 0, cc_height = 0, mlo_width = 0, mlo_height = 0;
    unsigned char *cc_pixels = read_gray8(argv[2], &cc_width, &cc_height);
    unsigned char *mlo_pixels = read_gray8(argv[3], &mlo_width, &mlo_height);
    if (cc_pixels == NULL || mlo_pixels == NULL || cycles < 1) {
        fprintf(stderr, "leak_cycles: cannot read the images, or CYCLES is not positive\n");
        return 2;
    }

    glam_image cc, mlo;
    glam_image_init(&cc, sizeof cc);
    glam_image_init(&mlo, sizeof mlo);
    cc.pixels = cc_pixels;
    cc.pixel_type = GLAM_PIXEL_UINT8;
    cc.width = cc_width;
    cc.height = cc_height;
    cc.row_stride = (size_t)cc_width;
    cc.laterality = GLAM_LATERALITY_LEFT;
    cc.view = GLAM_VIEW_CC;
    mlo = cc;
    mlo.pixels = mlo_pixels;
    mlo.width = mlo_width;
    mlo.height = mlo_height;
    mlo.row_stride = (size_t)mlo_width;
    mlo.view = GLAM_VIEW_MLO;

    int failures = 0;
    int tenth = cycles >= 10 ? cycles / 10 : 1;
    long early = -1;
    for (int index = 1; index <= cycles; index++) {
        failures += !cycle(argv[1], &cc, &mlo);
        if (index == tenth) {
            early = resident_kib();
        }
    }
    long late = resident_kib();

    printf("leak_cycles: %d cycles, %d failed; resident %ld KiB after %d cycles, %ld KiB after %d\n", cycles,
           failures, early, tenth, late, cycles);
    free(cc_pixels);
    free(mlo_pixels);
    return failures == 0 ? 0 : 1;
}
