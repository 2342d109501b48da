/*
 * A C host for libglam: encodes a CC + MLO pair of one breast and prints what a viewer needs.
 *
 *   encode_pair BUNDLE CC.png MLO.png [L|R] [X Y]
 *
 * The PNGs are decoded with libpng (8- or 16-bit grayscale). X Y is a point on the CC in
 * original pixels (default: a quarter of the width in, half the height down). The program
 * prints the MLO region that receives most of that point's attention.
 */
#define _POSIX_C_SOURCE 200809L
#include <glam.h>
#include <png.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    void *pixels;
    int width;
    int height;
    int bytes_per_pixel;
} gray_image;

/* Decodes a PNG to 8- or 16-bit grayscale with libpng's simplified API. Returns 0 on success. */
static int read_png(const char *path, gray_image *out) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        fprintf(stderr, "cannot read %s: %s\n", path, image.message);
        return -1;
    }
    int sixteen = (image.format & PNG_FORMAT_FLAG_LINEAR) != 0;
    image.format = sixteen ? PNG_FORMAT_LINEAR_Y : PNG_FORMAT_GRAY;
    out->bytes_per_pixel = sixteen ? 2 : 1;
    out->width = (int)image.width;
    out->height = (int)image.height;
    out->pixels = malloc(PNG_IMAGE_SIZE(image));
    if (out->pixels == NULL || !png_image_finish_read(&image, NULL, out->pixels, 0, NULL)) {
        fprintf(stderr, "cannot decode %s: %s\n", path, image.message);
        png_image_free(&image);
        free(out->pixels);
        return -1;
    }
    return 0;
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void describe_image(glam_image *image, const gray_image *source, int laterality, int view) {
    glam_image_init(image, sizeof *image);
    image->pixels = source->pixels;
    image->pixel_type = source->bytes_per_pixel == 2 ? GLAM_PIXEL_UINT16 : GLAM_PIXEL_UINT8;
    image->width = source->width;
    image->height = source->height;
    image->row_stride = (size_t)source->width * (size_t)source->bytes_per_pixel;
    image->laterality = laterality;
    image->view = view;
}

static float norm(const float *values, size_t count) {
    double sum = 0;
    for (size_t i = 0; i < count; i++) {
        sum += (double)values[i] * values[i];
    }
    return (float)sqrt(sum);
}

static int fail(const char *what) {
    fprintf(stderr, "%s failed: %s\n", what, glam_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s BUNDLE CC.png MLO.png [L|R] [X Y]\n", argv[0]);
        return 2;
    }
    int laterality = argc > 4 && argv[4][0] == 'R' ? GLAM_LATERALITY_RIGHT : GLAM_LATERALITY_LEFT;

    gray_image cc_pixels, mlo_pixels;
    if (read_png(argv[2], &cc_pixels) != 0 || read_png(argv[3], &mlo_pixels) != 0) {
        return 1;
    }
    double x = argc > 6 ? atof(argv[5]) : cc_pixels.width / 4.0;
    double y = argc > 6 ? atof(argv[6]) : cc_pixels.height / 2.0;

    printf("libglam %s (header %s)\n", glam_version(), GLAM_VERSION_STRING);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);

    glam_model_options options;
    glam_model_options_init(&options, sizeof options);
    options.thread_count = 2;
    glam_model *model = NULL;
    if (glam_model_open(argv[1], &options, &model) != GLAM_OK) {
        return fail("glam_model_open");
    }
    double open_seconds = seconds_since(&start);

    glam_model_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (glam_model_get_info(model, &info) != GLAM_OK) {
        return fail("glam_model_get_info");
    }
    if (info.untrained) {
        printf("NOTICE: this bundle has untrained (random) weights; its outputs are not diagnostic.\n");
    }

    glam_image cc, mlo;
    describe_image(&cc, &cc_pixels, laterality, GLAM_VIEW_CC);
    describe_image(&mlo, &mlo_pixels, laterality, GLAM_VIEW_MLO);

    clock_gettime(CLOCK_MONOTONIC, &start);
    glam_pair *pair = NULL;
    if (glam_encode_pair(model, &cc, &mlo, &pair) != GLAM_OK) {
        return fail("glam_encode_pair");
    }
    double encode_seconds = seconds_since(&start);

    clock_gettime(CLOCK_MONOTONIC, &start);
    glam_alignment *alignment = NULL;
    if (glam_align(model, pair, &alignment) != GLAM_OK) {
        return fail("glam_align");
    }
    double align_seconds = seconds_since(&start);

    const float *embedding = NULL;
    size_t count = 0;
    if (glam_pair_embedding(pair, GLAM_VIEW_CC, &embedding, &count) != GLAM_OK) {
        return fail("glam_pair_embedding");
    }
    printf("CC embedding: %zu values, norm %.4f\n", count, norm(embedding, count));
    if (glam_pair_embedding(pair, GLAM_VIEW_MLO, &embedding, &count) != GLAM_OK) {
        return fail("glam_pair_embedding");
    }
    printf("MLO embedding: %zu values, norm %.4f\n", count, norm(embedding, count));

    /* The heatmap at 1/8 resolution is enough to find the brightest MLO region. */
    int width = mlo_pixels.width / 8, height = mlo_pixels.height / 8;
    float *heat = malloc((size_t)width * (size_t)height * sizeof(float));
    int32_t row = 0, column = 0;
    if (heat == NULL) {
        fprintf(stderr, "out of memory for a %d×%d heatmap\n", width, height);
        return 1;
    }
    if (glam_alignment_heatmap(alignment, GLAM_VIEW_CC, x, y, heat, width, height, &row, &column) != GLAM_OK) {
        return fail("glam_alignment_heatmap");
    }
    const float *attention = NULL;
    size_t regions = 0;
    if (glam_alignment_attention(alignment, GLAM_VIEW_CC, &attention, &regions) != GLAM_OK) {
        return fail("glam_alignment_attention");
    }
    size_t best = 0;
    const float *weights = attention + ((size_t)column * regions + (size_t)row) * regions;
    for (size_t target = 1; target < regions; target++) {
        if (weights[target] > weights[best]) {
            best = target;
        }
    }
    printf("CC point (%.0f, %.0f) lies in CC region (row %d, column %d)\n", x, y, row, column);
    printf("top MLO region: (row %zu, column %d), attention %.3f\n", best, column, weights[best]);
    printf("timing: open %.3f s, encode pair %.3f s, align %.3f s\n", open_seconds, encode_seconds, align_seconds);

    free(heat);
    glam_alignment_free(alignment);
    glam_pair_free(pair);
    glam_model_close(model);
    free(cc_pixels.pixels);
    free(mlo_pixels.pixels);
    return 0;
}
