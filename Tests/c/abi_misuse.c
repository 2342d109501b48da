/*
 * Drives libglam's C ABI the wrong way, case by case: every call must return the documented
 * status with a message, never crash. Also checks the happy path on a real NYU pair, handle
 * tracking after free and close, thread-local error text, and closing a model while other
 * threads use it.
 *
 *   abi_misuse BUNDLE CC.png MLO.png
 */
#define _POSIX_C_SOURCE 200809L
#include <glam.h>
#include <png.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed = 0;
static int failed = 0;

static void expect_status(const char *label, glam_status actual, glam_status expected, const char *fragment) {
    const char *message = glam_last_error();
    int ok = actual == expected;
    if (ok && expected != GLAM_OK && (message == NULL || message[0] == '\0')) {
        ok = 0;
    }
    if (ok && fragment != NULL && strstr(message, fragment) == NULL) {
        ok = 0;
    }
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL %s: got %s, expected %s; message: %s\n", label, glam_status_name(actual),
                glam_status_name(expected), message);
    }
}

static void expect_true(const char *label, int condition) {
    if (condition) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL %s\n", label);
    }
}

typedef struct {
    unsigned char *pixels;
    int width;
    int height;
} gray8;

static int read_png(const char *path, gray8 *out) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        return -1;
    }
    image.format = PNG_FORMAT_GRAY;
    out->width = (int)image.width;
    out->height = (int)image.height;
    out->pixels = malloc(PNG_IMAGE_SIZE(image));
    if (out->pixels == NULL || !png_image_finish_read(&image, NULL, out->pixels, 0, NULL)) {
        png_image_free(&image);
        return -1;
    }
    return 0;
}

static void describe(glam_image *image, const gray8 *source, int view) {
    glam_image_init(image, sizeof *image);
    image->pixels = source->pixels;
    image->pixel_type = GLAM_PIXEL_UINT8;
    image->width = source->width;
    image->height = source->height;
    image->row_stride = (size_t)source->width;
    image->laterality = GLAM_LATERALITY_LEFT;
    image->view = view;
}

typedef struct {
    glam_model *model;
    const glam_image *cc;
    const glam_image *mlo;
    int ok;
    int invalid_handle;
    int other;
} worker_state;

static void *encode_until_closed(void *argument) {
    worker_state *state = argument;
    for (int round = 0; round < 6; round++) {
        glam_pair *pair = NULL;
        glam_status status = glam_encode_pair(state->model, state->cc, state->mlo, &pair);
        if (status == GLAM_OK) {
            state->ok++;
        } else if (status == GLAM_ERROR_INVALID_HANDLE) {
            state->invalid_handle++;
        } else {
            state->other++;
        }
        glam_pair_free(pair);
    }
    return NULL;
}

static void *fail_on_other_thread(void *argument) {
    (void)argument;
    glam_model *model = NULL;
    glam_model_open("/nonexistent/other-thread", NULL, &model);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s BUNDLE CC.png MLO.png\n", argv[0]);
        return 2;
    }
    const char *bundle = argv[1];
    gray8 cc_pixels, mlo_pixels;
    if (read_png(argv[2], &cc_pixels) != 0 || read_png(argv[3], &mlo_pixels) != 0) {
        fprintf(stderr, "cannot read the test images\n");
        return 2;
    }

    /* An older host's shorter struct: init must write only the bytes it was given. */
    unsigned char sentinel[sizeof(glam_image) + 8];
    memset(sentinel, 0xAB, sizeof sentinel);
    glam_image_init((glam_image *)sentinel, 40);
    expect_true("image init writes struct_size", ((glam_image *)sentinel)->struct_size == 40);
    expect_true("image init stays within struct_size", sentinel[40] == 0xAB && sentinel[sizeof(glam_image)] == 0xAB);
    glam_image_init(NULL, sizeof(glam_image));
    memset(sentinel, 0xAB, sizeof sentinel);
    glam_image_init((glam_image *)sentinel, 2);
    expect_true("image init ignores a size below the first field", sentinel[0] == 0xAB && sentinel[1] == 0xAB);

    expect_true("version string matches header", strcmp(glam_version(), GLAM_VERSION_STRING) == 0);
    expect_true("version number matches header", glam_version_number() == GLAM_VERSION_NUMBER);
    expect_true("status name", strcmp(glam_status_name(GLAM_ERROR_INVALID_HANDLE), "GLAM_ERROR_INVALID_HANDLE") == 0);
    expect_true("unknown status name", strcmp(glam_status_name((glam_status)77), "GLAM_STATUS_UNKNOWN") == 0);

    /* Opening. */
    glam_model *model = NULL;
    expect_status("open NULL path", glam_model_open(NULL, NULL, &model), GLAM_ERROR_INVALID_ARGUMENT, "bundle_path");
    expect_status("open NULL out", glam_model_open(bundle, NULL, NULL), GLAM_ERROR_INVALID_ARGUMENT, "out_model");
    expect_status("open missing folder", glam_model_open("/nonexistent/bundle", NULL, &model), GLAM_ERROR_IO, "/nonexistent/bundle");
    expect_true("out_model untouched on failure", model == NULL);
    glam_model_options options;
    glam_model_options_init(&options, sizeof options);
    options.struct_size = 3;
    expect_status("open bad options size", glam_model_open(bundle, &options, &model), GLAM_ERROR_INVALID_ARGUMENT, "struct_size");
    glam_model_options_init(&options, sizeof options);
    options.thread_count = -4;
    expect_status("open negative threads", glam_model_open(bundle, &options, &model), GLAM_ERROR_INVALID_ARGUMENT, "thread_count");
    glam_model_options_init(&options, sizeof options);
    options.precision = 7;
    expect_status("open unknown precision", glam_model_open(bundle, &options, &model), GLAM_ERROR_INVALID_ARGUMENT, "precision 7");
    glam_model_options_init(&options, sizeof options);
    options.precision = GLAM_PRECISION_BF16;
    glam_model *bf16_model = NULL;
    expect_status("open in bf16", glam_model_open(bundle, &options, &bf16_model), GLAM_OK, NULL);
    glam_model_close(bf16_model);
    expect_status("open folder without metadata", glam_model_open("Tests/Fixtures/malformed", NULL, &model), GLAM_ERROR_IO, "encoder.onnx");

    glam_model_options_init(&options, sizeof options);
    options.thread_count = 2;
    expect_status("open demo bundle", glam_model_open(bundle, &options, &model), GLAM_OK, NULL);
    if (model == NULL) {
        fprintf(stderr, "cannot continue without a model: %s\n", glam_last_error());
        return 1;
    }
    expect_true("success clears the error text", glam_last_error()[0] == '\0');

    glam_model_info info;
    memset(&info, 0, sizeof info);
    expect_status("info without struct_size", glam_model_get_info(model, &info), GLAM_ERROR_INVALID_ARGUMENT, "struct_size");
    info.struct_size = sizeof info;
    expect_status("info", glam_model_get_info(model, &info), GLAM_OK, NULL);
    expect_true("info geometry", info.image_size == 518 && info.grid == 37 && info.regions == 9);
    expect_true("demo bundle is marked untrained", info.untrained == 1);
    expect_status("info NULL out", glam_model_get_info(model, NULL), GLAM_ERROR_INVALID_ARGUMENT, "out_info");

    /* Image descriptions. */
    glam_image cc, mlo, bad;
    describe(&cc, &cc_pixels, GLAM_VIEW_CC);
    describe(&mlo, &mlo_pixels, GLAM_VIEW_MLO);
    glam_pair *pair = NULL;
    expect_status("encode NULL model", glam_encode_pair(NULL, &cc, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "glam_model");
    expect_status("encode NULL cc", glam_encode_pair(model, NULL, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "cc");
    expect_status("encode NULL out", glam_encode_pair(model, &cc, &mlo, NULL), GLAM_ERROR_INVALID_ARGUMENT, "out_pair");
    bad = cc; bad.struct_size = 8;
    expect_status("struct_size too small", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "struct_size");
    bad = cc; bad.pixels = NULL;
    expect_status("NULL pixels", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "pixels");
    bad = cc; bad.width = 0;
    expect_status("zero width", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "0×");
    bad = cc; bad.height = 70000;
    expect_status("absurd height", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "70000");
    /* Within GLAM_MAX_IMAGE_SIDE on each side but above GLAM_MAX_IMAGE_PIXELS in all; the
     * small buffer behind it must never be read. */
    bad = cc; bad.width = 20000; bad.height = 20000; bad.row_stride = 20000;
    expect_status("too many pixels", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "400000000 pixels");
    bad = cc; bad.row_stride = SIZE_MAX;
    expect_status("stride above SSIZE_MAX", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "18446744073709551615");
    bad = cc; bad.row_stride = (size_t)1 << 62;
    expect_status("stride overflowing with height", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "overflows");
    bad = cc; bad.row_stride = (size_t)cc.width - 1;
    expect_status("short stride", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "row_stride");
    bad = cc; bad.pixel_type = 9;
    expect_status("unknown pixel type", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "pixel_type 9");
    bad = cc; bad.laterality = 7;
    expect_status("unknown laterality", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "laterality 7");
    bad = cc; bad.photometric = 5;
    expect_status("unknown photometric", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "photometric 5");
    expect_status("views swapped", glam_encode_pair(model, &mlo, &cc, &pair), GLAM_ERROR_INVALID_ARGUMENT, "view");
    bad = cc; bad.laterality = GLAM_LATERALITY_RIGHT;
    expect_status("lateralities differ", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "laterality");
    bad = cc; bad.flags = 0x80;
    expect_status("unknown flag", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "flags 0x80");
    bad = cc; bad.bits_stored = 9;
    expect_status("bits_stored too wide", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_ARGUMENT, "bits_stored");

    float *float_pixels = calloc((size_t)cc.width * (size_t)cc.height, sizeof(float));
    for (int i = 0; i < cc.width * cc.height; i++) {
        float_pixels[i] = cc_pixels.pixels[i];
    }
    float_pixels[12345] = NAN;
    bad = cc; bad.pixels = float_pixels; bad.pixel_type = GLAM_PIXEL_FLOAT32; bad.row_stride = (size_t)cc.width * sizeof(float);
    expect_status("NaN pixels", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_IMAGE, "NaN");
    /* bits_stored is ignored for FLOAT32, also when negative (found by fuzzing: it once trapped). */
    bad.bits_stored = -128;
    expect_status("float32 ignores bits_stored", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_IMAGE, "NaN");
    bad.bits_stored = 0;
    memset(float_pixels, 0, (size_t)cc.width * (size_t)cc.height * sizeof(float));
    expect_status("all-zero image", glam_encode_pair(model, &bad, &mlo, &pair), GLAM_ERROR_INVALID_IMAGE, NULL);
    expect_true("out_pair untouched on failure", pair == NULL);

    /* The happy path, once with the film flag (which changes little on digital images). */
    glam_image film_cc = cc, film_mlo = mlo;
    film_cc.flags = GLAM_IMAGE_FILM;
    film_mlo.flags = GLAM_IMAGE_FILM;
    expect_status("encode with film flag", glam_encode_pair(model, &film_cc, &film_mlo, &pair), GLAM_OK, NULL);
    glam_pair_free(pair);
    pair = NULL;
    expect_status("encode real pair", glam_encode_pair(model, &cc, &mlo, &pair), GLAM_OK, NULL);
    const float *values = NULL;
    size_t count = 0;
    expect_status("embedding", glam_pair_embedding(pair, GLAM_VIEW_CC, &values, &count), GLAM_OK, NULL);
    double sum = 0;
    for (size_t i = 0; i < count; i++) {
        sum += (double)values[i] * values[i];
    }
    expect_true("embedding is unit length", count == (size_t)info.embed_dim && fabs(sqrt(sum) - 1) < 1e-4);
    expect_status("embedding bad view", glam_pair_embedding(pair, (glam_view)5, &values, &count), GLAM_ERROR_INVALID_ARGUMENT, "view 5");
    expect_status("embedding NULL out", glam_pair_embedding(pair, GLAM_VIEW_CC, NULL, &count), GLAM_ERROR_INVALID_ARGUMENT, "out_values");
    expect_status("patch tokens", glam_pair_patch_tokens(pair, GLAM_VIEW_MLO, &values, NULL, NULL), GLAM_OK, NULL);

    double grid[2 * 10 * 10];
    expect_status("region grid too small", glam_pair_region_grid(pair, GLAM_VIEW_CC, grid, 10), GLAM_ERROR_BUFFER_TOO_SMALL, "200");
    expect_status("region grid", glam_pair_region_grid(pair, GLAM_VIEW_CC, grid, 200), GLAM_OK, NULL);
    double u = 0, v = 0, back_x = 0, back_y = 0;
    expect_status("map point", glam_pair_map_point(pair, GLAM_VIEW_MLO, 1, 300, 900, &u, &v), GLAM_OK, NULL);
    glam_pair_map_point(pair, GLAM_VIEW_MLO, 0, u, v, &back_x, &back_y);
    expect_true("map point round trip", fabs(back_x - 300) < 1e-6 && fabs(back_y - 900) < 1e-6);
    expect_status("map point NaN", glam_pair_map_point(pair, GLAM_VIEW_MLO, 1, NAN, 1, &u, &v), GLAM_ERROR_INVALID_ARGUMENT, "finite");

    glam_alignment *alignment = NULL;
    expect_status("align NULL pair", glam_align(model, NULL, &alignment), GLAM_ERROR_INVALID_ARGUMENT, "glam_pair");
    expect_status("align pair as model", glam_align((glam_model *)pair, pair, &alignment), GLAM_ERROR_INVALID_HANDLE, "glam_model");
    expect_status("align", glam_align(model, pair, &alignment), GLAM_OK, NULL);
    int32_t row = -1, column = -1;
    int width = mlo.width / 10, height = mlo.height / 10;
    float *heat = malloc((size_t)width * (size_t)height * sizeof(float));
    double point_x = cc.width * 0.2, point_y = cc.height * 0.5;
    expect_status("heatmap", glam_alignment_heatmap(alignment, GLAM_VIEW_CC, point_x, point_y, heat, width, height, &row, &column), GLAM_OK, NULL);
    expect_true("heatmap source region", row >= 0 && row < 9 && column >= 0 && column < 9);
    expect_status("heatmap zero width", glam_alignment_heatmap(alignment, GLAM_VIEW_CC, point_x, point_y, heat, 0, height, NULL, NULL), GLAM_ERROR_INVALID_ARGUMENT, "heatmap size");
    expect_status("heatmap NULL buffer", glam_alignment_heatmap(alignment, GLAM_VIEW_CC, point_x, point_y, NULL, width, height, NULL, NULL), GLAM_ERROR_INVALID_ARGUMENT, "out_heatmap");
    expect_status("heatmap point off the breast", glam_alignment_heatmap(alignment, GLAM_VIEW_CC, -5000, -5000, heat, width, height, NULL, NULL), GLAM_ERROR_INVALID_IMAGE, "outside");
    expect_status("attention bad view", glam_alignment_attention(alignment, (glam_view)0, &values, NULL), GLAM_ERROR_INVALID_ARGUMENT, "source_view");

    /* Freed and closed handles. */
    glam_pair_free(pair);
    expect_status("pair after free", glam_pair_embedding(pair, GLAM_VIEW_CC, &values, &count), GLAM_ERROR_INVALID_HANDLE, "glam_pair");
    glam_pair_free(pair);
    glam_pair_free(NULL);
    expect_status("alignment outlives its pair", glam_alignment_heatmap(alignment, GLAM_VIEW_CC, point_x, point_y, heat, width, height, NULL, NULL), GLAM_OK, NULL);
    glam_alignment_free(alignment);
    expect_status("alignment after free", glam_alignment_similarity(alignment, GLAM_VIEW_CC, &values, NULL), GLAM_ERROR_INVALID_HANDLE, "glam_alignment");

    /* Error text is per thread. */
    glam_model_get_info(model, NULL);
    pthread_t other;
    pthread_create(&other, NULL, fail_on_other_thread, NULL);
    pthread_join(other, NULL);
    expect_true("error text stays on its thread", strstr(glam_last_error(), "out_info") != NULL);

    /* Closing while other threads encode. */
    worker_state states[3];
    pthread_t workers[3];
    for (int i = 0; i < 3; i++) {
        states[i] = (worker_state){model, &cc, &mlo, 0, 0, 0};
        pthread_create(&workers[i], NULL, encode_until_closed, &states[i]);
    }
    glam_pair *first = NULL;
    glam_encode_pair(model, &cc, &mlo, &first);
    glam_pair_free(first);
    glam_model_close(model);
    int completed = 0, rejected = 0, other_status = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(workers[i], NULL);
        completed += states[i].ok;
        rejected += states[i].invalid_handle;
        other_status += states[i].other;
    }
    expect_true("concurrent close: only OK or INVALID_HANDLE", other_status == 0 && completed + rejected == 18);
    expect_true("concurrent close: later calls rejected", rejected > 0);
    expect_status("model after close", glam_encode_pair(model, &cc, &mlo, &pair), GLAM_ERROR_INVALID_HANDLE, "glam_model");
    glam_model_close(model);
    glam_model_close(NULL);

    free(heat);
    free(float_pixels);
    free(cc_pixels.pixels);
    free(mlo_pixels.pixels);
    printf("abi-misuse: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
