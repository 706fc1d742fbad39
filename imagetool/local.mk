# imagetool/: the image puller and unpacker.
