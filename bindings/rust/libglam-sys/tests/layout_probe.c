/* Prints "name value" lines with the sizes and offsets that a C compiler gives glam.h. */
#include <stddef.h>
#include <stdio.h>

#include "glam.h"

#define SIZE(T) printf(#T " %zu\n", sizeof(T))
#define OFFSET(T, F) printf(#T "." #F " %zu\n", offsetof(T, F))

int main(void) {
    SIZE(glam_model_options);
    OFFSET(glam_model_options, struct_size);
    OFFSET(glam_model_options, thread_count);
    OFFSET(glam_model_options, precision);

    SIZE(glam_model_info);
    OFFSET(glam_model_info, struct_size);
    OFFSET(glam_model_info, image_size);
    OFFSET(glam_model_info, patch_size);
    OFFSET(glam_model_info, grid);
    OFFSET(glam_model_info, regions);
    OFFSET(glam_model_info, region_size);
    OFFSET(glam_model_info, feature_dim);
    OFFSET(glam_model_info, embed_dim);
    OFFSET(glam_model_info, untrained);

    SIZE(glam_image);
    OFFSET(glam_image, struct_size);
    OFFSET(glam_image, pixels);
    OFFSET(glam_image, pixel_type);
    OFFSET(glam_image, width);
    OFFSET(glam_image, height);
    OFFSET(glam_image, row_stride);
    OFFSET(glam_image, bits_stored);
    OFFSET(glam_image, photometric);
    OFFSET(glam_image, laterality);
    OFFSET(glam_image, view);
    OFFSET(glam_image, flags);

    SIZE(glam_status);
    SIZE(glam_view);
    printf("GLAM_OK %d\n", GLAM_OK);
    printf("GLAM_ERROR_INVALID_ARGUMENT %d\n", GLAM_ERROR_INVALID_ARGUMENT);
    printf("GLAM_ERROR_INVALID_MODEL %d\n", GLAM_ERROR_INVALID_MODEL);
    printf("GLAM_ERROR_UNSUPPORTED %d\n", GLAM_ERROR_UNSUPPORTED);
    printf("GLAM_ERROR_IO %d\n", GLAM_ERROR_IO);
    printf("GLAM_ERROR_OUT_OF_MEMORY %d\n", GLAM_ERROR_OUT_OF_MEMORY);
    printf("GLAM_ERROR_BUFFER_TOO_SMALL %d\n", GLAM_ERROR_BUFFER_TOO_SMALL);
    printf("GLAM_ERROR_INVALID_IMAGE %d\n", GLAM_ERROR_INVALID_IMAGE);
    printf("GLAM_ERROR_INVALID_HANDLE %d\n", GLAM_ERROR_INVALID_HANDLE);
    printf("GLAM_ERROR_INTERNAL %d\n", GLAM_ERROR_INTERNAL);
    printf("GLAM_PIXEL_UINT8 %d\n", GLAM_PIXEL_UINT8);
    printf("GLAM_PIXEL_UINT16 %d\n", GLAM_PIXEL_UINT16);
    printf("GLAM_PIXEL_FLOAT32 %d\n", GLAM_PIXEL_FLOAT32);
    printf("GLAM_MONOCHROME1 %d\n", GLAM_MONOCHROME1);
    printf("GLAM_MONOCHROME2 %d\n", GLAM_MONOCHROME2);
    printf("GLAM_LATERALITY_LEFT %d\n", GLAM_LATERALITY_LEFT);
    printf("GLAM_LATERALITY_RIGHT %d\n", GLAM_LATERALITY_RIGHT);
    printf("GLAM_VIEW_CC %d\n", GLAM_VIEW_CC);
    printf("GLAM_VIEW_MLO %d\n", GLAM_VIEW_MLO);
    printf("GLAM_VERSION_NUMBER %d\n", GLAM_VERSION_NUMBER);
    printf("GLAM_MAX_IMAGE_SIDE %d\n", GLAM_MAX_IMAGE_SIDE);
    printf("GLAM_MAX_IMAGE_PIXELS %d\n", GLAM_MAX_IMAGE_PIXELS);
    return 0;
}
