/* runtime-spec config.json: C structs, parse, validate, emit. */
#ifndef KEEL_RUNTIME_CONFIG_H
#define KEEL_RUNTIME_CONFIG_H

#endif
