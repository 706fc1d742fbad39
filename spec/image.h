/* image-spec descriptors, index, manifest, image config, platform; Docker schema2 equivalents. */
#ifndef KEEL_IMAGE_H
#define KEEL_IMAGE_H

#endif
