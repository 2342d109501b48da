/*
 * glam.h: the C interface of libglam, a CPU inference runtime for GLAM multi-view
 * mammography models (Du, Chen, Dvornek, MICCAI 2025).
 *
 * A host decodes a CC and an MLO image of one breast (DICOM, PNG, ...) and passes the stored
 * pixels to libglam. libglam applies GLAM's preprocessing, runs the exported encoder on both
 * views as one batch, runs the alignment head, and maps points and heatmaps back to the
 * host's original pixels.
 *
 * Typical use:
 *
 *     glam_model *model = NULL;
 *     if (glam_model_open("models/glam-demo", NULL, &model) != GLAM_OK) {
 *         fprintf(stderr, "%s\n", glam_last_error());
 *         return 1;
 *     }
 *     glam_image cc, mlo;
 *     glam_image_init(&cc, sizeof cc);
 *     cc.pixels = cc_pixels; cc.pixel_type = GLAM_PIXEL_UINT16; cc.width = 3328; ...
 *     glam_pair *pair = NULL;
 *     glam_alignment *alignment = NULL;
 *     if (glam_encode_pair(model, &cc, &mlo, &pair) == GLAM_OK &&
 *         glam_align(model, pair, &alignment) == GLAM_OK) {
 *         glam_alignment_heatmap(alignment, GLAM_VIEW_CC, x, y, heat, w, h, NULL, NULL);
 *     }
 *     glam_alignment_free(alignment);
 *     glam_pair_free(pair);
 *     glam_model_close(model);
 *
 * Conventions that hold for every function below:
 *
 * - Errors. Every fallible function returns a glam_status. On failure it also stores a message
 *   that names the offending value and what to do; glam_last_error() returns it. The message
 *   belongs to the calling thread and stays valid until that thread's next call into libglam.
 *   Output parameters are left unchanged on failure unless a function states otherwise.
 * - Ownership. Pointers passed in are borrowed for the duration of the call only. Handles
 *   returned through an out parameter belong to the caller, who releases each with its free or
 *   close function; these accept NULL. Arrays returned by accessors (const float *) are owned
 *   by the handle they come from and stay valid until that handle is freed.
 * - Structs filled by the host start with struct_size, which the host sets to sizeof(the
 *   struct) as its header declares it; the *_init functions take that size and set it. The
 *   library reads only the fields that struct_size covers, so later versions can append
 *   fields without breaking hosts built against this header.
 * - Handles. Passing a handle that was already freed or closed returns
 *   GLAM_ERROR_INVALID_HANDLE where libglam can detect it (it tracks live handles); it cannot
 *   detect a pointer that was never a handle and happens to equal a freed one.
 * - Coordinates. Image coordinates are in pixels of the image as the host passed it, x to the
 *   right and y down, with pixel (i, j) covering [i, i+1) × [j, j+1); its centre is
 *   (i + 0.5, j + 0.5).
 * - Thread-safety. All functions may be called from any thread. A glam_model may be used by
 *   several threads at once (encode and align calls run in parallel, each on its own execution
 *   plan); closing a model while another thread is inside a call on it is safe (the model is
 *   released when the last call returns) but later calls get GLAM_ERROR_INVALID_HANDLE.
 *   Encoder outputs of concurrent calls equal those of a single-threaded call bit for bit; the
 *   alignment head's may differ in the last bit (measured at most 1.5e-8), because oneDNN's
 *   multi-threaded GEMM does not promise the same rounding when host threads run it at once.
 *   glam_pair and glam_alignment handles are immutable after creation and may be read from
 *   several threads at once.
 * - Nothing in libglam aborts the host: invalid arguments, malformed models and internal
 *   failures are reported as statuses.
 */
#ifndef GLAM_H
#define GLAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- version */

#define GLAM_VERSION_MAJOR 0
#define GLAM_VERSION_MINOR 1
#define GLAM_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, comparable with glam_version_number(). */
#define GLAM_VERSION_NUMBER 100
#define GLAM_VERSION_STRING "0.1.0"

/*
 * Returns the version of the loaded library as "MAJOR.MINOR.PATCH". The string is static.
 * Compare with GLAM_VERSION_STRING to detect a host built against another header.
 */
const char *glam_version(void);

/* Returns MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library. */
int32_t glam_version_number(void);

/* ---------------------------------------------------------------- errors */

typedef enum glam_status {
    GLAM_OK = 0,
    /* A NULL pointer, an unknown enum value, a wrong struct_size, a size or stride that is
     * zero, negative, too large or inconsistent. */
    GLAM_ERROR_INVALID_ARGUMENT = 1,
    /* The bundle or an ONNX file in it is malformed, or its glam.* metadata is missing or
     * inconsistent. */
    GLAM_ERROR_INVALID_MODEL = 2,
    /* The model uses an operator, opset or data type libglam does not implement. */
    GLAM_ERROR_UNSUPPORTED = 3,
    /* A file could not be opened or read. */
    GLAM_ERROR_IO = 4,
    /* An allocation failed or a size exceeds libglam's limits. */
    GLAM_ERROR_OUT_OF_MEMORY = 5,
    /* A caller-provided buffer is smaller than required; the message gives the size needed. */
    GLAM_ERROR_BUFFER_TOO_SMALL = 6,
    /* The pixels cannot be preprocessed: NaN or infinite values, an empty (all background)
     * image, a point outside the breast area. */
    GLAM_ERROR_INVALID_IMAGE = 7,
    /* The handle was already freed or closed. */
    GLAM_ERROR_INVALID_HANDLE = 8,
    /* A failure inside libglam that no input should cause; please report it. */
    GLAM_ERROR_INTERNAL = 9
} glam_status;

/*
 * Returns the message of the last failed call on this thread, or "" when none failed. The
 * string is owned by libglam and valid until this thread's next call into libglam.
 */
const char *glam_last_error(void);

/* Returns a static name for a status, such as "GLAM_ERROR_INVALID_ARGUMENT", or
 * "GLAM_STATUS_UNKNOWN" for a value that is not a glam_status. Never returns NULL. */
const char *glam_status_name(glam_status status);

/* ---------------------------------------------------------------- enums */

typedef enum glam_pixel_type {
    GLAM_PIXEL_UINT8 = 1,
    GLAM_PIXEL_UINT16 = 2,
    GLAM_PIXEL_FLOAT32 = 3
} glam_pixel_type;

/* DICOM Photometric Interpretation (0028,0004). */
typedef enum glam_photometric {
    /* Minimum value is displayed black (the usual case). */
    GLAM_MONOCHROME2 = 2,
    /* Minimum value is displayed white; libglam inverts the pixels. */
    GLAM_MONOCHROME1 = 1
} glam_photometric;

/* DICOM Laterality (0020,0060) or Image Laterality (0020,0062). */
typedef enum glam_laterality {
    GLAM_LATERALITY_LEFT = 1,
    GLAM_LATERALITY_RIGHT = 2
} glam_laterality;

/* DICOM View Position (0018,5101). */
typedef enum glam_view {
    GLAM_VIEW_CC = 1,
    GLAM_VIEW_MLO = 2
} glam_view;

/* ---------------------------------------------------------------- model */

typedef struct glam_model glam_model;

typedef struct glam_model_options {
    /* sizeof(glam_model_options); set by glam_model_options_init. */
    size_t struct_size;
    /* Threads for one inference: OpenBLAS GEMMs and libglam's own loops. 0 means the number
     * of online CPUs. The setting is process-wide because OpenBLAS has one thread pool per
     * process: the model opened last decides it. Between the parallel loops of a call, libglam's
     * worker threads spin for about 0.1 ms before they sleep (not when thread_count exceeds the
     * online CPUs), so a call's CPU time slightly exceeds its work. */
    int32_t thread_count;
    /* A glam_precision: the arithmetic of the encoder's linear layers. */
    int32_t precision;
} glam_model_options;

typedef enum glam_precision {
    /* IEEE binary32 throughout (the default). */
    GLAM_PRECISION_FP32 = 0,
    /* The encoder's and alignment head's fused linear layers (QKV, projections, MLP) round
     * weights and activations to bfloat16 and accumulate in FLOAT, through oneDNN's bf16 matmul.
     * Attention, normalisation and preprocessing stay FLOAT. Measured fidelity on the ViT-B/14
     * benchmark encoder (random weights, one CC + MLO pair): embedding cosine vs FLOAT 0.999993,
     * patch-token cosine 0.9999994. bfloat16 pays only where the CPU computes bf16 products
     * faster than FLOAT multiply-adds. On CPUs without AVX512-BF16 oneDNN emulates it,
     * and on the AVX512-BF16 machine of Docs/benchmarks.md it ran 1.6 times slower than FLOAT,
     * because vdpbf16ps sustains half the FMA rate there. */
    GLAM_PRECISION_BF16 = 1
} glam_precision;

/*
 * Fills the first struct_size bytes of *options with the defaults (thread_count 0,
 * GLAM_PRECISION_FP32) and sets
 * options->struct_size. Pass sizeof(glam_model_options). Does nothing when options is NULL or
 * struct_size is smaller than the struct's first field.
 */
void glam_model_options_init(glam_model_options *options, size_t struct_size);

/*
 * Opens a GLAM bundle: a folder holding encoder.onnx and align.onnx whose metadata_props
 * carry the architecture under glam.* keys (image_size, patch_size, grid, regions,
 * region_size, dim, embed_dim, pixel_mean, pixel_std). Both graphs are loaded, validated and
 * compiled for a CC + MLO pair; this takes from milliseconds to a few seconds.
 *
 * bundle_path: borrowed, NUL-terminated. options: borrowed, may be NULL for defaults.
 * On success *out_model receives a model the caller closes with glam_model_close.
 *
 * Errors: GLAM_ERROR_INVALID_ARGUMENT (NULL path or out_model, bad options),
 * GLAM_ERROR_IO (folder or file missing), GLAM_ERROR_INVALID_MODEL (malformed ONNX, missing
 * or inconsistent glam.* metadata: the message names the key), GLAM_ERROR_UNSUPPORTED
 * (unsupported operator: the message names op type, domain, opset and node),
 * GLAM_ERROR_OUT_OF_MEMORY.
 */
glam_status glam_model_open(const char *bundle_path, const glam_model_options *options,
                            glam_model **out_model);

/*
 * Limits on model files. glam_model_open rejects a bundle whose encoder.onnx or align.onnx
 * exceeds one of them, before libglam allocates anything for the entries counted, with a
 * message that names the count and the limit. The status is GLAM_ERROR_OUT_OF_MEMORY for
 * GLAM_MAX_TENSOR_BYTES and GLAM_MAX_TENSOR_ELEMENTS and GLAM_ERROR_INVALID_MODEL for the others.
 * Every limit is far above what a ViT export needs (GLAM's ViT-S encoder: 393 nodes, rank 4).
 *
 * External data (weights stored beside the .onnx file) must lie inside the bundle folder.
 * Absolute locations, locations containing "..", and symbolic links that resolve outside the
 * folder are rejected with GLAM_ERROR_INVALID_MODEL. Each external tensor's length must equal
 * what its shape and type need.
 */
/* One .onnx file, in bytes: protobuf's 2 GiB message limit; store weights as external data. */
#define GLAM_MAX_MODEL_FILE_BYTES 2147483647
/* Nesting of protobuf messages (subgraphs in attributes): libprotobuf's recursion limit. */
#define GLAM_MAX_MODEL_NESTING 100
/* Nodes of the graph. */
#define GLAM_MAX_MODEL_NODES (1 << 20)
/* Initializers of the graph. */
#define GLAM_MAX_MODEL_INITIALIZERS (1 << 20)
/* Entries of each of the graph's input, output and value_info lists. */
#define GLAM_MAX_MODEL_VALUE_INFOS (1 << 20)
/* Inputs, outputs or attributes of one node. */
#define GLAM_MAX_NODE_FIELDS (1 << 16)
/* Values in one ints, floats or strings attribute. */
#define GLAM_MAX_ATTRIBUTE_VALUES (1 << 24)
/* Dimensions of one tensor or declared shape. */
#define GLAM_MAX_TENSOR_RANK 64
/* Bytes of any one tensor (2^32, 4 GiB): a weight, or an intermediate value of the compiled plan. */
#define GLAM_MAX_TENSOR_BYTES 4294967296ull
/* Elements of any one shape (2^40), also of shapes that are never allocated. */
#define GLAM_MAX_TENSOR_ELEMENTS 1099511627776ll

/* Closes a model. NULL is ignored. Safe while other threads are inside calls on it. */
void glam_model_close(glam_model *model);

typedef struct glam_model_info {
    /* sizeof(glam_model_info); the caller sets it before calling glam_model_get_info. */
    size_t struct_size;
    /* Model input side in pixels (518 for GLAM). */
    int32_t image_size;
    /* Patch side in pixels (14) and patches per side (37). */
    int32_t patch_size;
    int32_t grid;
    /* Regions per side (9) and patches per region side (4). */
    int32_t regions;
    int32_t region_size;
    /* Width of patch tokens and region features (768 for ViT-B). */
    int32_t feature_dim;
    /* Width of the embedding (128 in GLAM). */
    int32_t embed_dim;
    /* 1 when the bundle's metadata marks its weights as untrained (glam.weights = "random"
     * or the bundle is one of libglam's demo fixtures); hosts should show that. */
    int32_t untrained;
} glam_model_info;

/*
 * Copies the model's geometry into *out_info. out_info->struct_size must be set.
 * Errors: GLAM_ERROR_INVALID_ARGUMENT, GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_model_get_info(const glam_model *model, glam_model_info *out_info);

/* ---------------------------------------------------------------- images */

typedef struct glam_image {
    /* sizeof(glam_image); set by glam_image_init. */
    size_t struct_size;
    /* First pixel of the top row; borrowed for the duration of the call. */
    const void *pixels;
    /* A glam_pixel_type. */
    int32_t pixel_type;
    int32_t width;
    int32_t height;
    /* Bytes from the start of one row to the next, at least width × the pixel size. */
    size_t row_stride;
    /* DICOM Bits Stored (0028,0101) for integer pixels: values are masked to this many low
     * bits. 0 means the full width of the pixel type; otherwise 1–8 for GLAM_PIXEL_UINT8 and
     * 1–16 for GLAM_PIXEL_UINT16. Ignored for GLAM_PIXEL_FLOAT32. */
    int32_t bits_stored;
    /* A glam_photometric. */
    int32_t photometric;
    /* A glam_laterality. */
    int32_t laterality;
    /* A glam_view. */
    int32_t view;
    /* A combination of GLAM_IMAGE_* flags; unknown bits are rejected. */
    uint32_t flags;
} glam_image;

/*
 * The image is a digitised film. Besides GLAM's own steps, libglam then blanks bright
 * components outside the breast and thin strips along the image border (film labels and
 * film edges) before cropping. GLAM's reference preprocessing keeps them, which on film can
 * put a label in the crop and flip the orientation decision; see Docs/preprocessing.md.
 */
#define GLAM_IMAGE_FILM 0x1u

/*
 * Fills the first struct_size bytes of *image with zeros, sets MONOCHROME2, and sets
 * image->struct_size. Pass sizeof(glam_image). Does nothing when image is NULL or struct_size
 * is smaller than the struct's first field.
 */
void glam_image_init(glam_image *image, size_t struct_size);

/* Largest accepted width or height, and largest pixel count, of one image. */
#define GLAM_MAX_IMAGE_SIDE 65536
#define GLAM_MAX_IMAGE_PIXELS (1 << 28)

/* ---------------------------------------------------------------- encoding */

typedef struct glam_pair glam_pair;

/*
 * Preprocesses both views as GLAM's training did (8-bit scaling by the image maximum,
 * MONOCHROME1 inversion, resize to a 1024-pixel long side, MLO rotation so the pectoral edge
 * is vertical, orientation, label removal, Otsu crop, resize to image_size, normalisation),
 * runs the encoder on both as one batch of two, and returns embeddings, patch tokens and the
 * geometry of every preprocessing step.
 *
 * cc must have view GLAM_VIEW_CC and mlo GLAM_VIEW_MLO, both of one laterality. Laterality
 * only guards against pairing two breasts: like GLAM, libglam finds the chest wall from the
 * pixels, so a right breast stored mirrored is handled the same as one stored unmirrored.
 * Both images are borrowed for the duration of the call. On success *out_pair receives a pair
 * the caller frees with glam_pair_free; the pair holds its own copies of everything it
 * returns, so it may outlive the model.
 *
 * Errors: GLAM_ERROR_INVALID_ARGUMENT (NULL pointer, struct_size, unknown enum value, size
 * or stride out of range, views or lateralities that do not match), GLAM_ERROR_INVALID_IMAGE
 * (NaN or infinite pixels, nothing but background), GLAM_ERROR_INVALID_HANDLE,
 * GLAM_ERROR_OUT_OF_MEMORY.
 */
glam_status glam_encode_pair(glam_model *model, const glam_image *cc, const glam_image *mlo,
                             glam_pair **out_pair);

/* Frees a pair. NULL is ignored. */
void glam_pair_free(glam_pair *pair);

/*
 * Returns the L2-normalised embedding of one view: *out_values points to *out_count floats
 * (embed_dim) owned by the pair. Errors: GLAM_ERROR_INVALID_ARGUMENT, GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_pair_embedding(const glam_pair *pair, glam_view view,
                                const float **out_values, size_t *out_count);

/*
 * Returns the final patch tokens of one view: *out_values points to grid × grid × feature_dim
 * floats, row-major over the patch grid (row, column, feature), owned by the pair.
 * out_grid and out_dim may be NULL. Errors: GLAM_ERROR_INVALID_ARGUMENT,
 * GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_pair_patch_tokens(const glam_pair *pair, glam_view view,
                                   const float **out_values, size_t *out_grid, size_t *out_dim);

/*
 * Returns the preprocessed model input of one view: *out_side × *out_side floats (out_side
 * is image_size, the side length, not the element count) in [-1, 1], one channel (the encoder
 * receives it three times), owned by the pair.
 * Errors: GLAM_ERROR_INVALID_ARGUMENT, GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_pair_model_input(const glam_pair *pair, glam_view view,
                                  const float **out_values, size_t *out_side);

/*
 * Maps a point between the original pixels of one view and its model input
 * (0 ≤ u, v < image_size). to_input = 1 maps original → input, 0 maps input → original.
 * Points outside the image are mapped all the same (the maps are affine); the caller decides
 * what to do with them. Errors: GLAM_ERROR_INVALID_ARGUMENT (NULL output, unknown view,
 * non-finite coordinates), GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_pair_map_point(const glam_pair *pair, glam_view view, int32_t to_input,
                                double x, double y, double *out_x, double *out_y);

/*
 * Writes the region grid of one view in original pixel coordinates: (regions + 1)² corner
 * points, row-major, as x, y pairs, so 2 × (regions + 1)² doubles. Region (row, column) is
 * the quadrilateral of corners (row, column), (row, column + 1), (row + 1, column + 1),
 * (row + 1, column). A region covers region_size × region_size patches of the model input;
 * with 37 patches and 9 regions of 4 the last patch row and column lie outside every region.
 * capacity is the number of doubles *out_xy can hold.
 * Errors: GLAM_ERROR_BUFFER_TOO_SMALL, GLAM_ERROR_INVALID_ARGUMENT, GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_pair_region_grid(const glam_pair *pair, glam_view view, double *out_xy,
                                  size_t capacity);

/*
 * Returns the region (row, column) that contains original point (x, y) of one view. Points
 * in the last patch row or column of the model input, outside every region, belong to the
 * nearest region. Errors: GLAM_ERROR_INVALID_IMAGE (the point maps outside the model input,
 * that is outside the cropped breast area), GLAM_ERROR_INVALID_ARGUMENT,
 * GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_pair_region_at(const glam_pair *pair, glam_view view, double x, double y,
                                int32_t *out_row, int32_t *out_column);

/* ---------------------------------------------------------------- alignment */

typedef struct glam_alignment glam_alignment;

/*
 * Runs the alignment head on the pair's patch tokens. On success *out_alignment receives a
 * handle the caller frees with glam_alignment_free; it keeps its own reference to the
 * pair's geometry, so the pair may be freed first.
 * Errors: GLAM_ERROR_INVALID_ARGUMENT, GLAM_ERROR_INVALID_HANDLE, GLAM_ERROR_OUT_OF_MEMORY.
 */
glam_status glam_align(glam_model *model, const glam_pair *pair, glam_alignment **out_alignment);

/* Frees an alignment. NULL is ignored. */
void glam_alignment_free(glam_alignment *alignment);

/*
 * Returns the unit-length region features of one view: regions × regions × feature_dim
 * floats indexed (row, column, feature). Errors: GLAM_ERROR_INVALID_ARGUMENT,
 * GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_alignment_regions(const glam_alignment *alignment, glam_view view,
                                   const float **out_values, size_t *out_regions, size_t *out_dim);

/*
 * Returns the attention from the regions of source_view to those of the other view,
 * averaged over heads: regions³ floats indexed (column, source_row, target_row). A region
 * attends only to the regions of the same column of the other view (after MLO alignment a
 * column is a band at equal distance from the chest wall); each (column, source_row) row
 * sums to 1. GLAM_VIEW_CC gives cc_to_mlo, GLAM_VIEW_MLO gives mlo_to_cc.
 * Errors: GLAM_ERROR_INVALID_ARGUMENT, GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_alignment_attention(const glam_alignment *alignment, glam_view source_view,
                                     const float **out_values, size_t *out_regions);

/*
 * Returns, per region of one view, the cosine between the region feature and what it
 * gathered from the other view: regions × regions floats indexed (row, column).
 * Errors: GLAM_ERROR_INVALID_ARGUMENT, GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_alignment_similarity(const glam_alignment *alignment, glam_view view,
                                      const float **out_values, size_t *out_regions);

/*
 * The viewer call: given a point (x, y) in the original pixels of source_view, fills a
 * heatmap over the original pixels of the other view. The heatmap has width × height cells
 * covering the whole other image (any size: pass that image's own size for one cell per
 * pixel, or a smaller one); cell (i, j) takes the attention weight of the region that
 * contains the image point at the cell's centre, and 0 where that point lies outside every
 * region. Weights come from the attention row of the source region that contains (x, y).
 * out_heatmap must hold width × height floats (width and height are int32_t, like image
 * sides); it is written row-major.
 * out_source_row and out_source_column may be NULL; they receive the source region.
 *
 * The product width × height is not limited beyond each side's range; the host's buffer must
 * hold it.
 * Errors: GLAM_ERROR_INVALID_ARGUMENT (NULL heatmap, unknown view, width or height outside
 * 1..GLAM_MAX_IMAGE_SIDE), GLAM_ERROR_INVALID_IMAGE (the point is outside the cropped breast
 * area of source_view), GLAM_ERROR_INVALID_HANDLE.
 */
glam_status glam_alignment_heatmap(const glam_alignment *alignment, glam_view source_view,
                                   double x, double y, float *out_heatmap, int32_t width,
                                   int32_t height, int32_t *out_source_row,
                                   int32_t *out_source_column);

#ifdef __cplusplus
}
#endif

#endif /* GLAM_H */
