# imagetool/libunpack.a: layer application and image config -> config.json conversion (linked into imagetool).
