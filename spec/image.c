/* image-spec descriptors, index, manifest, image config, platform; Docker schema2 equivalents. */
#include "config.h"
#include "image.h"
