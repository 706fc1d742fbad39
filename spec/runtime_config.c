/* runtime-spec config.json: C structs, parse, validate, emit. */
#include "config.h"
#include "runtime_config.h"
